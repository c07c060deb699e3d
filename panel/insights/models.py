"""Department streams, tags, insights with their evidence, routing rules and each stream's route."""

from sqlalchemy import Index, UniqueConstraint, text

from ..accounts.streams import DEFAULT_STREAMS, Stream, StreamMember, seed_default_streams  # noqa: F401
from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..i18n import bilingual
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext as _lp


class Tag(db.Model):
    __tablename__ = "tags"

    id = db.Column(db.Integer, primary_key=True)
    name_nl = db.Column(db.String(60), nullable=False)
    name_en = db.Column(db.String(60), nullable=False)
    # Archived: no longer offered for tagging or rules, kept on the insights that have it.
    archived_at = db.Column(UTCDateTime)

    name = bilingual("name")


insight_tags = db.Table(
    "insight_tags",
    db.Column(
        "insight_id", db.Integer, db.ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Column("tag_id", db.Integer, db.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
    db.Index("ix_insight_tags_tag", "tag_id", "insight_id"),
)
rule_tags = db.Table(
    "rule_tags",
    db.Column(
        "rule_id",
        db.Integer,
        db.ForeignKey("routing_rules.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    db.Column("tag_id", db.Integer, db.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)
rule_streams = db.Table(
    "rule_streams",
    db.Column(
        "rule_id",
        db.Integer,
        db.ForeignKey("routing_rules.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    db.Column(
        "stream_id", db.Integer, db.ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True
    ),
)


class RouteStatus(TitledEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    PLANNED = "planned"
    DONE = "done"
    DECLINED = "declined"


RouteStatus.TITLES = {
    "new": _l("New"),
    "acknowledged": _l("Acknowledged"),
    "in_progress": _l("In progress"),
    "planned": _l("Planned"),
    "done": _l("Done"),
    # Translators: the stream decided not to act on the insight
    "declined": _lp("insight status in a stream", "Declined"),
}
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "planned")
# Which routes the partial index ix_routes_open_due holds; a query uses it when it repeats this
# condition with the statuses written out (SQLite does not look into bound values).
OPEN_ROUTE_INDEX_WHERE = "removed_at IS NULL AND status IN ({})".format(
    ", ".join(f"'{status}'" for status in OPEN_STATUSES)
)
DECIDED_STATUSES = ("done", "declined")


class Insight(db.Model):
    """A finding worth acting on, resting on what panelists said (the evidence)."""

    __tablename__ = "insights"

    id = db.Column(db.Integer, primary_key=True)
    # Panelists read the title (My contributions, answers); staff write it in both languages.
    title_nl = db.Column(db.String(200), nullable=False, default="", server_default="")
    title_en = db.Column(db.String(200), nullable=False, default="", server_default="")
    description = db.Column(db.Text, nullable=False, default="")
    round_id = db.Column(db.Integer, db.ForeignKey("rounds.id", ondelete="SET NULL"), index=True)
    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="SET NULL"), index=True
    )
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    evidence_count = db.Column(db.Integer, nullable=False, default=0)

    tags = db.relationship("Tag", secondary=insight_tags, order_by="Tag.name_nl")
    evidence = db.relationship(
        "Evidence", cascade="all, delete-orphan", order_by="Evidence.id", back_populates="insight"
    )
    routes = db.relationship("Route", cascade="all, delete-orphan", back_populates="insight")
    round = db.relationship("Round")
    release = db.relationship("Release")

    title = bilingual("title")

    @property
    def source(self):
        return "round" if self.round_id else "release" if self.release_id else "other"

    @property
    def live_routes(self):
        """The streams it is in now (not those a person took it out of)."""
        return [route for route in self.routes if route.removed_at is None]


class EvidenceKind(TitledEnum):
    RESPONSE = "response"
    IDEA = "idea"
    COMMENT = "comment"
    SESSION = "session"
    # A panelist's "what could be better" after a session (feedback.TouchpointResponse).
    TOUCHPOINT = "touchpoint"


EvidenceKind.TITLES = {
    "response": _l("App feedback"),
    "idea": _l("Idea"),
    "comment": _l("Reaction"),
    "session": _l("Session notes"),
    "touchpoint": _l("Session feedback"),
}


class Evidence(db.Model):
    """One contribution an insight rests on; shown quoted from its source, pseudonymously."""

    __tablename__ = "evidence"

    id = db.Column(db.Integer, primary_key=True)
    insight_id = db.Column(
        db.Integer, db.ForeignKey("insights.id", ondelete="CASCADE"), nullable=False
    )
    kind = db.Column(db.String(10), nullable=False)
    source_id = db.Column(db.Integer, nullable=False)
    # Whose contribution it is, so that an answer reaches them; cut when they leave.
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"), index=True)
    added_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    insight = db.relationship("Insight", back_populates="evidence")
    member = db.relationship("Member")

    __table_args__ = (
        UniqueConstraint("insight_id", "kind", "source_id", name="uq_evidence_insight_source"),
        Index("ix_evidence_source", "kind", "source_id"),
    )


class RoutingRule(db.Model):
    """If tags include any of … and/or the text has any of these words → route to these streams."""

    __tablename__ = "routing_rules"

    id = db.Column(db.Integer, primary_key=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    name = db.Column(db.String(120), nullable=False)
    keywords = db.Column(db.String(1000), nullable=False, default="")
    combine = db.Column(
        db.String(3), nullable=False, default="or"
    )  # "and" / "or" of tags and words
    is_active = db.Column(db.Boolean, nullable=False, default=True)

    tags = db.relationship("Tag", secondary=rule_tags)
    streams = db.relationship("Stream", secondary=rule_streams)

    @property
    def keyword_list(self):
        return [word.strip().lower() for word in self.keywords.split(",") if word.strip()]


class Route(db.Model):
    """An insight in one stream's inbox, with that stream's own status and answer."""

    __tablename__ = "routes"

    id = db.Column(db.Integer, primary_key=True)
    insight_id = db.Column(
        db.Integer, db.ForeignKey("insights.id", ondelete="CASCADE"), nullable=False
    )
    stream_id = db.Column(
        db.Integer, db.ForeignKey("streams.id", ondelete="CASCADE"), nullable=False
    )
    status = db.Column(db.String(12), nullable=False, default=RouteStatus.NEW.value)
    routed_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    rule_id = db.Column(db.Integer, db.ForeignKey("routing_rules.id", ondelete="SET NULL"))
    routed_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    due_at = db.Column(UTCDateTime, nullable=False)
    first_response_at = db.Column(UTCDateTime)
    decided_at = db.Column(UTCDateTime)
    answer_nl = db.Column(db.Text)
    answer_en = db.Column(db.Text)
    answered_at = db.Column(UTCDateTime)
    # Taken out of the stream by hand: kept (with any answer) so that rules don't send it back.
    removed_at = db.Column(UTCDateTime)
    # Closed as "shipped in version X" (panel.shipped): the release whose change answers it.
    shipped_release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="SET NULL"), index=True
    )

    insight = db.relationship("Insight", back_populates="routes")
    shipped_release = db.relationship("Release")
    stream = db.relationship("Stream")
    rule = db.relationship("RoutingRule")
    answer = bilingual("answer")

    __table_args__ = (
        UniqueConstraint("insight_id", "stream_id", name="uq_routes_insight_stream"),
        # A stream's routes by status; removed_at before due_at so the inbox counts its open
        # routes from the index alone (migration i1inbox24).
        Index("ix_routes_stream_status_due", "stream_id", "status", "removed_at", "due_at"),
        # The inbox: open routes, soonest due first, read in order (migration d2idx0rnds09).
        Index(
            "ix_routes_open_due",
            "due_at",
            "id",
            sqlite_where=text(OPEN_ROUTE_INDEX_WHERE),
            postgresql_where=text(OPEN_ROUTE_INDEX_WHERE),
        ),
    )

    @property
    def status_enum(self):
        return RouteStatus(self.status)

    def is_overdue(self, now=None):
        return self.first_response_at is None and (now or utcnow()) > self.due_at


class InternalNote(db.Model):
    """A note between staff about a routed insight; never shown to panelists."""

    __tablename__ = "internal_notes"

    id = db.Column(db.Integer, primary_key=True)
    route_id = db.Column(
        db.Integer, db.ForeignKey("routes.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    author = db.relationship("User")


class DigestLog(db.Model):
    """The weekly digest went to this user for this ISO week (sent once)."""

    __tablename__ = "digest_log"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    week = db.Column(db.String(8), primary_key=True)  # "2026-W47"
    sent_at = db.Column(UTCDateTime, nullable=False, default=utcnow)


# The insights a round's outcome came from (besides its ideas): the owner links them at launch,
# and the outcome names them wherever it is shown (signals.outcome_insights).
outcome_insights = db.Table(
    "outcome_insights",
    db.Column(
        "round_id", db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Column(
        "insight_id", db.Integer, db.ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Index("ix_outcome_insights_insight", "insight_id"),
)


# Issue 16, the stream inbox: whom a route is assigned to (a reviewer of its stream), migration
# g3inbox20. Added to the mapped class here so that the classes above stay as they were.
Route.assigned_to_id = db.Column(
    db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), index=True
)
Route.assigned_to = db.relationship("User", foreign_keys=[Route.assigned_to_id])


# Issue 16, the insight workbench (panel/insights/manage.py): an insight merged into another, or
# closed as a duplicate of another or as "won't act" with a reason panelists may read. Added to
# Insight here, at the end of the module, with the indexes the list of insights filters by.
class CloseKind(TitledEnum):
    DUPLICATE = "duplicate"
    WONT_ACT = "wont_act"


CloseKind.TITLES = {
    "duplicate": _l("Duplicate"),
    "wont_act": _l("Won't act"),
}

Insight.merged_into_id = db.Column(
    db.Integer, db.ForeignKey("insights.id", ondelete="SET NULL"), index=True
)
Insight.merged_at = db.Column(UTCDateTime)
Insight.closed_at = db.Column(UTCDateTime)
Insight.closed_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
Insight.close_kind = db.Column(db.String(10))
Insight.duplicate_of_id = db.Column(db.Integer, db.ForeignKey("insights.id", ondelete="SET NULL"))
# Why it was closed, in both languages (the panelists behind it read it, like an answer).
Insight.closed_reason_nl = db.Column(db.Text)
Insight.closed_reason_en = db.Column(db.Text)
Insight.closed_reason = bilingual("closed_reason")
# The list of insights: "created by" and "most evidence" at volume.
Index("ix_insights_created_by", Insight.__table__.c.created_by_id)
Index("ix_insights_evidence_count", Insight.__table__.c.evidence_count, Insight.__table__.c.id)
# The few closed insights, newest first ("closed" in the list), from a partial index.
CLOSED_INDEX_WHERE = "closed_at IS NOT NULL"
Index(
    "ix_insights_closed",
    Insight.__table__.c.created_at,
    Insight.__table__.c.id,
    sqlite_where=text(CLOSED_INDEX_WHERE),
    postgresql_where=text(CLOSED_INDEX_WHERE),
)


# Triage (issue 16, part A): its tables live in their own module.
from .triage_models import TriageDismissal, TriageItem  # noqa: E402,F401
