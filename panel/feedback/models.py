"""App releases, their changes, the feedback responses and the counts the results are read from."""

from sqlalchemy import DDL, CheckConstraint, Index, UniqueConstraint, event

from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..i18n import bilingual
from ..i18n import lazy_gettext as _l
from ..rounds.sampling import ANSWER_TIME


class ReleaseState(TitledEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


ReleaseState.TITLES = {
    "draft": _l("Draft"),
    "scheduled": _l("Not open yet"),
    "open": _l("Open for feedback"),
    "closed": _l("Closed"),
}


class Audience(TitledEnum):
    ALL = "all"
    SAMPLE = "sample"


Audience.TITLES = {"all": _l("All active panelists"), "sample": _l("A sample of panelists")}

# The breakdowns kept as running counts: the whole panel, and three segment kinds.
SEGMENT_KINDS = ("all", "customer_type", "platform", "age_band")


class Release(db.Model):
    __tablename__ = "releases"

    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.String(30), nullable=False)
    month = db.Column(db.Date, nullable=False)
    opens_at = db.Column(UTCDateTime, nullable=False)
    closes_at = db.Column(UTCDateTime, nullable=False)
    audience = db.Column(db.String(10), nullable=False, default=Audience.ALL.value)
    sample_size = db.Column(db.Integer)
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    published_at = db.Column(UTCDateTime)
    invited_at = db.Column(UTCDateTime)
    invited_count = db.Column(db.Integer, nullable=False, default=0)
    reminder_sent_at = db.Column(UTCDateTime)

    changes = db.relationship(
        "ReleaseChange",
        cascade="all, delete-orphan",
        order_by="ReleaseChange.position",
        back_populates="release",
    )

    # One release per app version: a second draft of the same version is refused.
    __table_args__ = (
        Index("ix_releases_month", "month"),
        UniqueConstraint("version", name="uq_releases_version"),
    )

    def state(self, now=None):
        """Draft until published; then not open yet, open, or closed by the feedback window."""
        now = now or utcnow()
        if self.published_at is None:
            return ReleaseState.DRAFT
        if now < self.opens_at:
            return ReleaseState.SCHEDULED
        if now < self.closes_at:
            return ReleaseState.OPEN
        return ReleaseState.CLOSED

    @property
    def is_open(self):
        return self.state() == ReleaseState.OPEN

    def response_rate(self, responses, now=None):
        """Responses ÷ invitations, once the invitations have had time to be answered.

        None until then: until 48 hours after they were sent, unless the window has closed.
        """
        now = now or utcnow()
        if not self.invited_count or self.invited_at is None:
            return None
        if self.invited_at > now - ANSWER_TIME and now < self.closes_at:
            return None
        return responses / self.invited_count

    @classmethod
    def newest_first(cls):
        """The order panelists see releases in: the newest version's survey first."""
        return (cls.month.desc(), cls.opens_at.desc(), cls.id.desc())

    def missing_translations(self):
        return [
            change
            for change in self.changes
            if not (
                ReleaseChange.title.complete(change) and ReleaseChange.description.complete(change)
            )
        ]


class ReleaseChange(db.Model):
    __tablename__ = "release_changes"

    id = db.Column(db.Integer, primary_key=True)
    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position = db.Column(db.Integer, nullable=False, default=0)
    title_nl = db.Column(db.String(150), nullable=False, default="")
    title_en = db.Column(db.String(150), nullable=False, default="")
    description_nl = db.Column(db.String(500), nullable=False, default="")
    description_en = db.Column(db.String(500), nullable=False, default="")
    # Once a change has ratings its wording is locked (the ratings answer that wording); a
    # correction note is shown with it instead.
    correction_nl = db.Column(db.String(500), nullable=False, default="", server_default="")
    correction_en = db.Column(db.String(500), nullable=False, default="", server_default="")

    release = db.relationship("Release", back_populates="changes")
    title = bilingual("title")
    description = bilingual("description")
    correction = bilingual("correction")


class FeedbackInvitation(db.Model):
    """Who was asked for feedback on a release: the base of the response rate and reminders."""

    __tablename__ = "feedback_invitations"

    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    # The key starts with the release; a member's own invitations ("my feedback", the dashboard)
    # are found through this one instead of a scan of every invitation.
    __table_args__ = (Index("ix_feedback_invitations_member", "member_id", "release_id"),)


class Response(db.Model):
    __tablename__ = "feedback_responses"

    id = db.Column(db.Integer, primary_key=True)
    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"), nullable=False
    )
    # SET NULL: a member who leaves takes their identity; the score keeps counting.
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"))
    score = db.Column(db.Integer, nullable=False)
    improve_text = db.Column(db.Text)
    problem_device = db.Column(db.String(100))
    problem_os = db.Column(db.String(50))
    problem_text = db.Column(db.Text)
    # The member's segment when they answered: breakdowns stay the same when profiles change.
    customer_type = db.Column(db.String(20))
    platform = db.Column(db.String(10))
    age_band = db.Column(db.String(5))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    ratings = db.relationship("ChangeRating", cascade="all, delete-orphan")
    release = db.relationship("Release")
    member = db.relationship("Member")

    __table_args__ = (
        UniqueConstraint("release_id", "member_id", name="uq_feedback_responses_release_member"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_0_to_10"),
        Index("ix_feedback_responses_release_score", "release_id", "score"),
        Index("ix_feedback_responses_member", "member_id"),
        # A release's newest comments: read in this order, 50 at a time, never sorted in full.
        Index("ix_feedback_responses_release_updated", "release_id", "updated_at", "id"),
    )


class ChangeRating(db.Model):
    """A rating of one change, 1–5; rating None means "haven't used it"."""

    __tablename__ = "change_ratings"

    response_id = db.Column(
        db.Integer, db.ForeignKey("feedback_responses.id", ondelete="CASCADE"), primary_key=True
    )
    change_id = db.Column(
        db.Integer, db.ForeignKey("release_changes.id", ondelete="CASCADE"), primary_key=True
    )
    rating = db.Column(db.Integer)

    __table_args__ = (
        CheckConstraint("rating IS NULL OR (rating >= 1 AND rating <= 5)", name="rating_1_to_5"),
    )


class ScoreCount(db.Model):
    """How many responses gave `score`, per release and segment.

    Kept up to date in the response's own transaction."""

    __tablename__ = "score_counts"

    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    segment_kind = db.Column(db.String(15), primary_key=True)
    segment_value = db.Column(db.String(20), primary_key=True)  # "" for the whole panel / unknown
    score = db.Column(db.Integer, primary_key=True)
    count = db.Column(db.Integer, nullable=False, default=0)


class RatingCount(db.Model):
    """How many responses rated a change 1…5 (or 0: haven't used it)."""

    __tablename__ = "rating_counts"

    change_id = db.Column(
        db.Integer, db.ForeignKey("release_changes.id", ondelete="CASCADE"), primary_key=True
    )
    rating = db.Column(db.Integer, primary_key=True)
    count = db.Column(db.Integer, nullable=False, default=0)


class TouchpointResponse(db.Model):
    """After a session: would you recommend taking part in the klantenteam; what could be better."""

    __tablename__ = "touchpoint_responses"

    id = db.Column(db.Integer, primary_key=True)
    registration_id = db.Column(
        db.Integer, db.ForeignKey("registrations.id", ondelete="SET NULL"), unique=True
    )
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"), index=True)
    score = db.Column(db.Integer, nullable=False)
    better_text = db.Column(db.Text)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)

    # The session it is about (through the registration) and who said it: triage and the
    # insights quote "what could be better" as a contribution (panel.insights.triage).
    registration = db.relationship("Registration")
    member = db.relationship("Member")

    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 10", name="touchpoint_score_0_to_10"),
    )


# Full-text search over the comments: FTS5 on SQLite, a tsvector with a GIN index on PostgreSQL.
# The 'simple' configuration / unicode61 tokenizer find Dutch and English words alike. SQLite's
# index also holds each comment's release id, so a search within one release is answered by the
# index (release AND words) instead of every match in every release (migration e4rels0page13).
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE feedback_search USING fts5(improve_text, problem_text, release_id,"
    " content='feedback_responses', content_rowid='id',"
    " tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER feedback_search_insert AFTER INSERT ON feedback_responses BEGIN"
    " INSERT INTO feedback_search(rowid, improve_text, problem_text, release_id)"
    " VALUES (new.id, new.improve_text, new.problem_text, new.release_id); END",
    "CREATE TRIGGER feedback_search_delete AFTER DELETE ON feedback_responses BEGIN"
    " INSERT INTO feedback_search(feedback_search, rowid, improve_text, problem_text, release_id)"
    " VALUES ('delete', old.id, old.improve_text, old.problem_text, old.release_id); END",
    "CREATE TRIGGER feedback_search_update AFTER UPDATE OF improve_text, problem_text"
    " ON feedback_responses BEGIN"
    " INSERT INTO feedback_search(feedback_search, rowid, improve_text, problem_text, release_id)"
    " VALUES ('delete', old.id, old.improve_text, old.problem_text, old.release_id);"
    " INSERT INTO feedback_search(rowid, improve_text, problem_text, release_id)"
    " VALUES (new.id, new.improve_text, new.problem_text, new.release_id); END",
]
POSTGRES_SEARCH = [
    "ALTER TABLE feedback_responses ADD COLUMN search tsvector GENERATED ALWAYS AS"
    " (to_tsvector('simple', coalesce(improve_text, '') || ' ' || coalesce(problem_text, '')))"
    " STORED",
    "CREATE INDEX ix_feedback_responses_search ON feedback_responses USING gin (search)",
]
for statement in SQLITE_SEARCH:
    event.listen(Response.__table__, "after_create", DDL(statement).execute_if(dialect="sqlite"))
for statement in POSTGRES_SEARCH:
    event.listen(
        Response.__table__, "after_create", DDL(statement).execute_if(dialect="postgresql")
    )
event.listen(
    Response.__table__,
    "before_drop",
    DDL("DROP TABLE IF EXISTS feedback_search").execute_if(dialect="sqlite"),
)
