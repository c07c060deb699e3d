"""Co-creation rounds: stages, sessions with seats, registrations, ideas and invitations."""

from sqlalchemy import CheckConstraint, Index, UniqueConstraint

from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..i18n import bilingual
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext as _lp


class Stage(TitledEnum):
    IDEA = "idea"
    CONCEPT = "concept"
    PROTOTYPE = "prototype"
    PILOT = "pilot"
    LAUNCH = "launch"
    CLOSED = "closed"
    CANCELLED = "cancelled"

    @property
    def next(self):
        order = FLOW
        if self in order and self != order[-1]:
            return order[order.index(self) + 1]
        return None

    @property
    def is_open(self):
        return self not in (Stage.CLOSED, Stage.CANCELLED)


Stage.TITLES = {
    "idea": _l("Idea"),
    "concept": _l("Concept"),
    "prototype": _l("Prototype"),
    "pilot": _l("Pilot"),
    "launch": _l("Launch"),
    "closed": _l("Closed"),
    "cancelled": _l("Cancelled"),
}
FLOW = [Stage.IDEA, Stage.CONCEPT, Stage.PROTOTYPE, Stage.PILOT, Stage.LAUNCH, Stage.CLOSED]


class Action(TitledEnum):
    """What panelists may do in a round, switched on per stage by the owner."""

    POST_IDEAS = "post_ideas"
    SUPPORT_COMMENT = "support_comment"
    REGISTER = "register"


Action.TITLES = {
    "post_ideas": _l("Post ideas"),
    "support_comment": _l("Support and comment on ideas"),
    "register": _l("Register for sessions"),
}
DEFAULT_ACTIONS = {
    Stage.IDEA: {Action.POST_IDEAS, Action.SUPPORT_COMMENT, Action.REGISTER},
    Stage.CONCEPT: {Action.SUPPORT_COMMENT, Action.REGISTER},
    Stage.PROTOTYPE: {Action.SUPPORT_COMMENT, Action.REGISTER},
    Stage.PILOT: {Action.REGISTER},
    Stage.LAUNCH: set(),
}


class Visibility(TitledEnum):
    ALL = "all"
    INVITED = "invited"


Visibility.TITLES = {
    "all": _l("All active panelists"),
    "invited": _l("Only invited panelists (a private group, such as a product trial)"),
}

round_streams = db.Table(
    "round_streams",
    db.Column(
        "round_id", db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    ),
    db.Column(
        "stream_id", db.Integer, db.ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True
    ),
)


class Round(db.Model):
    __tablename__ = "rounds"

    id = db.Column(db.Integer, primary_key=True)
    title_nl = db.Column(db.String(150), nullable=False, default="")
    title_en = db.Column(db.String(150), nullable=False, default="")
    summary_nl = db.Column(db.Text, nullable=False, default="")
    summary_en = db.Column(db.Text, nullable=False, default="")
    question_nl = db.Column(db.String(300), nullable=False, default="")
    question_en = db.Column(db.String(300), nullable=False, default="")
    owner_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    visibility = db.Column(db.String(10), nullable=False, default=Visibility.ALL.value)
    target_customer_type = db.Column(db.String(20))
    target_age_band = db.Column(db.String(5))
    target_region = db.Column(db.String(20))
    stage = db.Column(db.String(12), nullable=False, default=Stage.IDEA.value)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    published_at = db.Column(UTCDateTime)
    outcome_nl = db.Column(db.Text)
    outcome_en = db.Column(db.Text)
    outcome_written_at = db.Column(UTCDateTime)
    outcome_public_at = db.Column(UTCDateTime)

    owner = db.relationship("User")
    streams = db.relationship("Stream", secondary=round_streams, order_by="Stream.position")
    action_rows = db.relationship("RoundAction", cascade="all, delete-orphan")
    stage_changes = db.relationship(
        "StageChange", cascade="all, delete-orphan", order_by="StageChange.id"
    )
    sessions = db.relationship(
        "Session",
        cascade="all, delete-orphan",
        order_by="Session.starts_at",
        back_populates="round",
    )

    title = bilingual("title")
    summary = bilingual("summary")
    question = bilingual("question")
    outcome = bilingual("outcome")

    __table_args__ = (Index("ix_rounds_published_stage", "published_at", "stage"),)

    @property
    def stage_enum(self):
        return Stage(self.stage)

    @property
    def is_published(self):
        return self.published_at is not None

    @property
    def is_open(self):
        return self.is_published and self.stage_enum.is_open

    @property
    def is_invitation_only(self):
        return self.visibility == Visibility.INVITED.value

    def allows(self, action, stage=None):
        """Whether panelists may do `action` in this round's current (or given) stage."""
        stage = Stage(stage or self.stage)
        action = Action(action)
        return any(
            row.stage == stage.value and row.action == action.value for row in self.action_rows
        )

    def missing_for_publishing(self):
        """The bilingual fields still empty in one language; publishing needs none."""
        return [
            name
            for name in ("title", "summary", "question")
            if not getattr(Round, name).complete(self)
        ]


class RoundAction(db.Model):
    """One thing panelists may do in one stage of a round (absent: not allowed)."""

    __tablename__ = "round_actions"

    round_id = db.Column(
        db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    stage = db.Column(db.String(12), primary_key=True)
    action = db.Column(db.String(20), primary_key=True)


class StageChange(db.Model):
    """A step on the round's timeline, with what was learned and what happens next."""

    __tablename__ = "stage_changes"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(
        db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_stage = db.Column(db.String(12))
    to_stage = db.Column(db.String(12), nullable=False)
    note_nl = db.Column(db.Text, nullable=False, default="")
    note_en = db.Column(db.Text, nullable=False, default="")
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    note = bilingual("note")

    @property
    def stage_title(self):
        return Stage.title_of(self.to_stage)


class SessionKind(TitledEnum):
    PHYSICAL = "physical"
    ONLINE = "online"


SessionKind.TITLES = {"physical": _l("At a location"), "online": _l("Online")}


class Session(db.Model):
    __tablename__ = "sessions"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(
        db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    title_nl = db.Column(db.String(150), nullable=False)
    title_en = db.Column(db.String(150), nullable=False)
    kind = db.Column(db.String(10), nullable=False)
    venue_nl = db.Column(db.String(150))
    venue_en = db.Column(db.String(150))
    address = db.Column(db.String(200))
    city = db.Column(db.String(80))
    meeting_link = db.Column(db.String(300))
    starts_at = db.Column(UTCDateTime, nullable=False)
    ends_at = db.Column(UTCDateTime, nullable=False)
    capacity = db.Column(db.Integer, nullable=False)
    seats_taken = db.Column(db.Integer, nullable=False, default=0)
    registration_deadline = db.Column(UTCDateTime, nullable=False)
    notes = db.Column(db.Text)
    reminder_sent_at = db.Column(UTCDateTime)

    round = db.relationship("Round", back_populates="sessions")
    title = bilingual("title")
    venue = bilingual("venue")

    __table_args__ = (
        CheckConstraint(
            "seats_taken >= 0 AND seats_taken <= capacity", name="seats_within_capacity"
        ),
        Index("ix_sessions_starts_at", "starts_at"),
    )

    @property
    def kind_enum(self):
        return SessionKind(self.kind)

    @property
    def seats_left(self):
        return max(self.capacity - self.seats_taken, 0)

    @property
    def is_full(self):
        return self.seats_taken >= self.capacity

    def registration_open(self, now=None):
        return (now or utcnow()) <= self.registration_deadline

    def has_ended(self, now=None):
        return (now or utcnow()) >= self.ends_at


class RegistrationStatus(TitledEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


RegistrationStatus.TITLES = {
    "confirmed": _l("Registered"),
    "waitlisted": _l("On the waiting list"),
    "cancelled": _l("Cancelled"),
}


class Attendance(TitledEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"


Attendance.TITLES = {"attended": _l("Attended"), "no_show": _l("Did not come")}


class Registration(db.Model):
    __tablename__ = "registrations"

    id = db.Column(db.Integer, primary_key=True)
    session_id = db.Column(
        db.Integer, db.ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False
    )
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False
    )
    status = db.Column(db.String(12), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    # Waiting-list order: first in, first out (the id breaks ties).
    waitlisted_at = db.Column(UTCDateTime)
    confirmed_at = db.Column(UTCDateTime)
    cancelled_at = db.Column(UTCDateTime)
    attendance = db.Column(db.String(10))
    attendance_marked_at = db.Column(UTCDateTime)

    session = db.relationship("Session")
    member = db.relationship("Member")

    __table_args__ = (
        UniqueConstraint("session_id", "member_id", name="uq_registrations_session_member"),
        Index("ix_registrations_session_status", "session_id", "status", "waitlisted_at"),
        Index("ix_registrations_member", "member_id", "status"),
    )

    @property
    def status_enum(self):
        return RegistrationStatus(self.status)


class IdeaStatus(TitledEnum):
    NEW = "new"
    CONSIDERING = "considering"
    SELECTED = "selected"
    NOT_PURSUED = "not_pursued"
    SHIPPED = "shipped"


IdeaStatus.TITLES = {
    "new": _l("New"),
    "considering": _l("Under consideration"),
    "selected": _l("Selected"),
    "not_pursued": _l("Not pursued"),
    "shipped": _l("Shipped"),
}


class Idea(db.Model):
    __tablename__ = "ideas"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False)
    # SET NULL: an idea outlives its author's membership, anonymously.
    author_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"))
    title = db.Column(db.String(150), nullable=False)
    body = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(12), nullable=False, default=IdeaStatus.NEW.value)
    # The owner's official answer, in both languages (one may wait: it is shown marked).
    answer_nl = db.Column(db.Text)
    answer_en = db.Column(db.Text)
    answered_at = db.Column(UTCDateTime)
    support_count = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    hidden_at = db.Column(UTCDateTime)
    hidden_reason = db.Column(db.String(300))
    in_outcome = db.Column(db.Boolean, nullable=False, default=False)
    # The round's category the author picked (rounds.idea_search filters by it); a used category
    # cannot be removed, so no ondelete.
    category_id = db.Column(db.Integer, db.ForeignKey("idea_categories.id"), index=True)
    # The author's own changes: when they last edited it, and when they withdrew it (the text
    # is then cleared; the row stays so that supports stay countable for merges).
    edited_at = db.Column(UTCDateTime)
    withdrawn_at = db.Column(UTCDateTime)
    # A duplicate an owner merged into another idea (rounds.merging): its page leads there.
    merged_into_id = db.Column(db.Integer, db.ForeignKey("ideas.id", ondelete="SET NULL"))
    merged_at = db.Column(UTCDateTime)
    # The app version that shipped it (set by panel.shipped when a change linked to this idea is
    # in a published release): the status then reads "Shipped in version 11.12".
    shipped_version = db.Column(db.String(30))

    round = db.relationship("Round")
    author = db.relationship("Member")
    category = db.relationship("IdeaCategory")
    merged_into = db.relationship("Idea", remote_side=[id], foreign_keys=[merged_into_id])
    comments = db.relationship(
        "Comment", cascade="all, delete-orphan", order_by="Comment.id", back_populates="idea"
    )
    answer = bilingual("answer")

    __table_args__ = (
        Index("ix_ideas_round_created", "round_id", "created_at"),
        Index("ix_ideas_round_support", "round_id", "support_count"),
        Index("ix_ideas_author", "author_id"),
    )

    @property
    def status_enum(self):
        return IdeaStatus(self.status)

    @property
    def status_title(self):
        """The status as a reader sees it: "Shipped in version 11.12" once a release shipped it."""
        if self.status == IdeaStatus.SHIPPED.value and self.shipped_version:
            return _l("Shipped in version %(version)s", version=self.shipped_version)
        return self.status_enum.title

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def is_merged(self):
        return self.merged_into_id is not None

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class IdeaSupport(db.Model):
    __tablename__ = "idea_supports"

    idea_id = db.Column(db.Integer, db.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    # "Ideas I support" (rounds.idea_search) starts from the member's few supports, not from
    # every support of the round.
    __table_args__ = (Index("ix_idea_supports_member", "member_id", "idea_id"),)


class Comment(db.Model):
    __tablename__ = "comments"

    id = db.Column(db.Integer, primary_key=True)
    idea_id = db.Column(
        db.Integer, db.ForeignKey("ideas.id", ondelete="CASCADE"), nullable=False, index=True
    )
    author_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"), index=True)
    body = db.Column(db.Text, nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    hidden_at = db.Column(UTCDateTime)
    hidden_reason = db.Column(db.String(300))
    # A reply answers a top-level reaction (one level only: a reply to a reply is stored as a
    # reply to the same top reaction).
    parent_id = db.Column(db.Integer, db.ForeignKey("comments.id", ondelete="CASCADE"))
    edited_at = db.Column(UTCDateTime)
    # Withdrawn by its author where others had replied: the text is cleared, the replies stay.
    withdrawn_at = db.Column(UTCDateTime)

    idea = db.relationship("Idea", back_populates="comments")
    author = db.relationship("Member")

    __table_args__ = (
        # The replies of a page of reactions, in the order they were written.
        Index("ix_comments_parent", "parent_id", "id"),
    )

    @property
    def is_hidden(self):
        return self.hidden_at is not None

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None


class InvitationStatus(TitledEnum):
    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"


InvitationStatus.TITLES = {
    "invited": _l("Invited"),
    "accepted": _l("Accepted"),
    # Translators: the panelist said no to the invitation (not: was turned down)
    "declined": _lp("invitation status", "Declined"),
}


class Invitation(db.Model):
    __tablename__ = "invitations"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False)
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False
    )
    status = db.Column(db.String(10), nullable=False, default=InvitationStatus.INVITED.value)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    responded_at = db.Column(UTCDateTime)

    round = db.relationship("Round")
    member = db.relationship("Member")

    __table_args__ = (
        UniqueConstraint("round_id", "member_id", name="uq_invitations_round_member"),
        # The sampler counts each member's invitations of the last 30 days.
        Index("ix_invitations_member_created", "member_id", "created_at"),
        # … reading only the last 30 days' invitations (migration e2samp0idx11).
        Index("ix_invitations_created_member", "created_at", "member_id"),
        Index("ix_invitations_round_status", "round_id", "status"),
    )


class IdeaCategory(db.Model):
    """One of a round's few bilingual categories; panelists file each idea under one."""

    __tablename__ = "idea_categories"

    id = db.Column(db.Integer, primary_key=True)
    round_id = db.Column(
        db.Integer, db.ForeignKey("rounds.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name_nl = db.Column(db.String(60), nullable=False)
    name_en = db.Column(db.String(60), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)

    round = db.relationship("Round")
    name = bilingual("name")
