"""The audit log: who did what to which record, and when."""

import json

from flask_login import current_user

from .database import UTCDateTime, utcnow
from .extensions import db
from .i18n import lazy_gettext as _l

# Readable names for the actions; capabilities add theirs. Unknown codes are shown as they are.
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
    "quota.set": _l("Set a quota"),
    "quota.delete": _l("Removed a quota"),
    "panel_settings.update": _l("Changed the panel settings"),
    "outbox.requeue": _l("Sent failed e-mail again"),
}


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


def record_audit(action, target=None, actor=None, **details):
    """Add an audit entry to the current transaction. Details must hold no personal data."""
    if actor is None and current_user and current_user.is_authenticated:
        actor = current_user
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=target.__tablename__ if target is not None else None,
        target_id=target.id if target is not None else None,
        details_json=json.dumps(details, sort_keys=True, default=str),
    )
    db.session.add(entry)
    return entry
