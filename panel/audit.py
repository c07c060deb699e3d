"""The audit log: who did what to which record, and when."""

import json

from flask import g, has_app_context
from flask_babel import gettext as _
from flask_login import current_user

from .database import UTCDateTime, utcnow
from .enums import TitledEnum
from .extensions import db
from .i18n import lazy_gettext as _l
from .i18n import lazy_pgettext as _lp
from .i18n import number_filter, pick_language
from .security import Role

# Readable names for the actions (a test checks every action the code records has one).
ACTION_TITLES = {
    "user.invite": _l("Invited a colleague"),
    "user.update": _l("Changed a user"),
    "password.change": _l("Changed their password"),
    "password.reset": _l("Reset their password"),
    "demo.load": _l("Loaded the demo data"),
    "privacy_statement.publish": _l("Published a privacy statement"),
    "member.approve": _l("Approved a member"),
    "member.reject": _l("Rejected a member"),
    "member.reserve": _l("Moved a member to the reserve list"),
    "member.remove": _l("Removed a member"),
    "member.reinstate": _l("Reinstated a member"),
    "members.export": _l("Exported the member list"),
    "quota.set": _lp("audit log: what was done", "Set a quota"),
    "quota.delete": _l("Removed a quota"),
    "panel_settings.update": _l("Changed the panel settings"),
    "outbox.requeue": _l("Sent failed e-mail again"),
    "release.publish": _l("Published release notes"),
    "change.link_insight": _l("Linked an insight to a release change"),
    "change.unlink_insight": _l("Unlinked an insight from a release change"),
    "change.link_idea": _l("Linked an idea to a release change"),
    "change.unlink_idea": _l("Unlinked an idea from a release change"),
    "thank_you.give": _l("Gave a thank-you"),
    "thank_you_budget.set": _l("Set a quarter's thank-you budget"),
    "thank_yous.export": _l("Exported the thank-yous for finance"),
    "round.create": _l("Created a co-creation round"),
    "round.publish": _l("Published a co-creation round"),
    "round.invite": _l("Invited panelists to a round"),
    "round.stage": _l("Moved a round to another stage"),
    "round.outcome": _l("Wrote the outcome of a round"),
    "round.outcome_public": _l("Changed who can see a round's outcome"),
    "session.attendance": _l("Recorded attendance at a session"),
    "idea.answer": _l("Answered an idea"),
    "idea.hide": _l("Hid an idea"),
    "comment.hide": _l("Hid a reaction"),
    "idea.unhide": _l("Made a hidden idea visible again"),
    "comment.unhide": _l("Made a hidden reaction visible again"),
    "idea.dismiss_reports": _l("Dismissed the reports on an idea"),
    "comment.dismiss_reports": _l("Dismissed the reports on a reaction"),
    "idea.redact": _l("Removed words from an idea"),
    "comment.redact": _l("Removed words from a reaction"),
    "idea.merge": _l("Merged a duplicate idea into another"),
    "round.outcome_insights": _l("Linked insights to a round's outcome"),
    "insight.create": _l("Created an insight"),
    "insight.retitle": _l("Changed the title of an insight"),
    "insight.route": _l("Sent an insight to a stream"),
    "insight.unroute": _l("Took an insight out of a stream"),
    "route.status": _l("Changed the status of an insight in a stream"),
    "route.answer": _l("Answered an insight for a stream"),
    "route.assign": _l("Assigned an insight in a stream to a reviewer"),
    "insight.edit": _l("Edited an insight"),
    "insight.evidence": _l("Added contributions to an insight"),
    "insight.merge": _l("Merged an insight into another"),
    "insight.close": _l("Closed an insight"),
    "insight.reopen": _l("Reopened an insight"),
    "stream.update": _l("Changed a stream"),
    "tag.create": _l("Created a tag"),
    "tag.update": _l("Changed a tag"),
    "rule.save": _l("Saved a routing rule"),
    "rule.delete": _l("Deleted a routing rule"),
    "rule.apply": _l("Applied a routing rule to existing insights"),
    "stream.create": _l("Added a stream"),
    "stream.delete": _l("Removed a stream"),
    "stream.archive": _l("Archived a stream"),
    "stream.restore": _l("Brought back an archived stream"),
    "tag.delete": _l("Removed a tag"),
    "tag.archive": _l("Archived a tag"),
    "tag.restore": _l("Brought back an archived tag"),
    "user.streams": _l("Put a reviewer in streams"),
    "news.send": _l("Sent a news item"),
    "two_factor.enrol": _l("Turned on two-factor login"),
    "two_factor.reset": _l("Turned off someone's two-factor login"),
    "two_factor.recovery_codes": _l("Made new recovery codes"),
    "two_factor.disable": _l("Turned off their two-factor login"),
}

# What a record is, by its table: "Round 12", "Member 345" (made when shown, in its language).
TARGET_TITLES = {
    "users": lambda number: _("User %(number)s", number=number),
    "members": lambda number: _("Member %(number)s", number=number),
    "privacy_statements": lambda number: _("Privacy statement %(number)s", number=number),
    "quota_targets": lambda number: _("Quota %(number)s", number=number),
    "panel_settings": lambda number: _("Panel settings"),
    "outbox_messages": lambda number: _("E-mail %(number)s", number=number),
    "releases": lambda number: _("Release %(number)s", number=number),
    "rounds": lambda number: _("Round %(number)s", number=number),
    "sessions": lambda number: _("Session %(number)s", number=number),
    "registrations": lambda number: _("Registration %(number)s", number=number),
    "ideas": lambda number: _("Idea %(number)s", number=number),
    "comments": lambda number: _("Reaction %(number)s", number=number),
    "insights": lambda number: _("Insight %(number)s", number=number),
    "streams": lambda number: _("Stream %(number)s", number=number),
    "tags": lambda number: _("Tag %(number)s", number=number),
    "routing_rules": lambda number: _("Routing rule %(number)s", number=number),
    "news_items": lambda number: _("News item %(number)s", number=number),
}

# Readable names for the details kept with an entry; others are shown with their key tidied up.
DETAIL_LABELS = {
    "attendance": _l("Attendance"),
    "by": _l("How"),
    "count": _l("Number of e-mails"),
    "include_contact": _l("With contact details"),
    "value_cents": _l("Value (EUR)"),
    "amount_cents": _l("Budget"),
    "quarter": _l("Quarter"),
    "over_budget": _l("Over budget"),
    "in_title": _l("In the title"),
    "invited": _l("Panelists invited"),
    "members": _l("Reviewers"),
    "merged_into": _l("Merged into idea"),
    "reactions": _l("Reactions moved"),
    "supports": _l("Supports moved"),
    "insights": _l("Insights"),
    "panelists": _l("Panelists"),
    "public": _l("Visible to panelists"),
    "reason": _l("Reason"),
    "recipients": _l("Recipients"),
    "reports": _l("Reports"),
    "roles": _l("Roles"),
    "roles_after": _l("Roles after"),
    "roles_before": _l("Roles before"),
    "stage": _l("Stage"),
    "status": _l("Status"),
    "stream": _l("Stream"),
    "target_count": _l("Target"),
    "unsure": _l("Maybe sent before"),
    "version": _l("Version"),
    "customer_type": _l("Customer type"),
    "age_band": _l("Age"),
    "region": _l("Region"),
    "manual_approval": _l("Approve new members by hand"),
    "accept_non_customers": _l("Accept people who are not a customer"),
    "max_invitations_per_30_days": _l("At most this many invitations per member in 30 days"),
    "rest_days_after_taking_part": _l("Days of rest after taking part"),
    "added": _l("Contributions added"),
    "assignee": _l("Assigned to"),
    "duplicate_of": _l("Duplicate of"),
    "enabled": _l("Can log in"),
    "kind": _l("Closed as"),
    "name": _l("Name in English"),
    "rules": _l("Routing rules that no longer send to it"),
    "streams": _l("Streams"),
    "via": _l("How"),
}
# The same key meaning something else in one action: (action, key).
ACTION_DETAIL_LABELS = {
    ("insight.merge", "merged_into"): _l("Merged into insight"),
    ("insight.merge", "evidence"): _l("Contributions moved"),
    ("insight.merge", "routes"): _l("Streams moved along"),
    ("insight.close", "routes"): _l("Streams it was still open in"),
    ("thank_you.give", "kind"): _l("Kind"),
}
# Details that are bookkeeping, never shown. (A route is its insight, the entry's record, in the
# stream shown beside it.)
HIDDEN_DETAILS = {"csrf_token", "form_token", "submit", "route"}
# Coded values are shown with their enumeration's title, by (kind of action, detail key). The
# enumerations live in the domains above this module, so they are found by name when shown.
VALUE_ENUMS = {
    ("member", "status"): "MemberStatus",
    ("round", "stage"): "Stage",
    ("session", "attendance"): "Attendance",
    ("idea", "status"): "IdeaStatus",
    ("route", "status"): "RouteStatus",
    ("quota", "customer_type"): "CustomerType",
    ("quota", "age_band"): "AgeBand",
    ("quota", "region"): "Region",
    ("insight", "kind"): "CloseKind",
    ("thank_you", "kind"): "ThankYouKind",
}
# Amounts kept in cents, shown in euros ("25,00" / "25.00").
CENTS_DETAILS = {"value_cents", "amount_cents"}
# Details that hold the number of a record, shown as the record: "Insight 12", "User 4".
RECORD_DETAILS = {
    "assignee": "users",
    "duplicate_of": "insights",
    ("round", "insights"): "insights",
}


# Details that record a code of a staff-named record are shown with its name in the reader's
# language, by detail key: (model class name, code column). Looked up by name like VALUE_ENUMS;
# a code no longer known (an old row, a removed record) is shown as it was recorded.
NAMED_DETAILS = {"stream": ("Stream", "slug"), "streams": ("Stream", "slug")}


def names_by_code(key):
    """{code: {"nl": name, "en": name}} for a NAMED_DETAILS key, read once per request (keys
    naming the same records share the read)."""
    cache = g.setdefault("audit_detail_names", {}) if has_app_context() else {}
    source = NAMED_DETAILS[key]
    if source not in cache:
        class_name, column = source
        model = db.Model.registry._class_registry.get(class_name)
        rows = db.session.query(model).all() if model is not None else []
        cache[source] = {
            getattr(row, column): {"nl": row.name_nl, "en": row.name_en} for row in rows
        }
    return cache[source]


def titled_enum(name):
    todo = [TitledEnum]
    while todo:
        cls = todo.pop()
        if cls.__name__ == name:
            return cls
        todo.extend(cls.__subclasses__())
    return None


def detail_value(kind, key, value):
    """One detail value as text in the current language."""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    table = RECORD_DETAILS.get((kind, key)) or RECORD_DETAILS.get(key)
    if table is not None and isinstance(value, int):
        return TARGET_TITLES[table](value)
    if key in CENTS_DETAILS and isinstance(value, int):
        return number_filter(value / 100, 2)
    if isinstance(value, int | float):
        return number_filter(value)
    if isinstance(value, list | tuple):
        return ", ".join(detail_value(kind, key, item) for item in value) or "—"
    if key == "by" and value == "hand":
        return _("by hand")
    if key == "by" and str(value).startswith("rule "):
        return _("by routing rule %(number)s", number=str(value).removeprefix("rule "))
    if key == "via" and value == "command line":
        return _("on the server's command line")
    if key == "assignee" and value == "nobody":
        return _("nobody")
    if key.startswith("roles") and value in Role._value2member_map_:
        return str(Role(value).title)
    if key in NAMED_DETAILS and isinstance(value, str):
        names = names_by_code(key).get(value)
        if names:
            return pick_language(names).text
    enum_class = titled_enum(VALUE_ENUMS.get((kind, key), ""))
    if enum_class is not None:
        return str(enum_class.title_of(value))
    return str(value)


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action = db.Column(db.String(60), nullable=False, index=True)
    target_type = db.Column(db.String(40))
    target_id = db.Column(db.Integer)
    details_json = db.Column(db.Text, nullable=False, default="{}")
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    actor = db.relationship("User")

    @property
    def action_title(self):
        return ACTION_TITLES.get(self.action, self.action)

    @property
    def details(self):
        return json.loads(self.details_json or "{}")

    @property
    def target_title(self):
        """The record, readable: "Round 12" (or its table and number for an unknown kind)."""
        if not self.target_type:
            return ""
        title_of = TARGET_TITLES.get(self.target_type)
        if title_of is None:
            return f"{self.target_type} {self.target_id or ''}".strip()
        return title_of(self.target_id if self.target_id is not None else "")

    @property
    def detail_lines(self):
        """[(label, value)] of the details worth showing, in the current language."""
        lines = []
        for key, value in sorted(self.details.items()):
            if key in HIDDEN_DETAILS or value is None or value == "":
                continue
            label = (
                ACTION_DETAIL_LABELS.get((self.action, key))
                or DETAIL_LABELS.get(key)
                or key.replace("_", " ").capitalize()
            )
            kind = self.action.split(".")[0]
            lines.append((str(label), detail_value(kind, key, value)))
        return lines


def record_audit(action, target=None, actor=None, **details):
    """Add an audit entry to the current transaction. Details must hold no personal data."""
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user
    if target is not None and target.id is None:
        db.session.flush()  # a record made in this request: its number, not "None"
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        details_json=json.dumps(details, sort_keys=True, default=str),
    )
    db.session.add(entry)
    return entry
