"""Members of the panel, their consents, status history, quotas and the panel's settings."""

from sqlalchemy import Index, UniqueConstraint

from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..i18n import bilingual
from ..i18n import lazy_gettext as _l
from ..i18n import lazy_pgettext as _lp
from .segments import AgeBand, CustomerType, Interest, Region


class MemberStatus(TitledEnum):
    APPLICANT = "applicant"  # joined, e-mail address not confirmed yet
    PENDING = "pending"  # confirmed, waiting for a manager's approval
    ACTIVE = "active"
    RESERVE = "reserve"  # segment quota full: invited once there is room
    PAUSED = "paused"  # by the member, until a date
    DECLINED = "declined"  # screening said no (not a customer, too young)
    LEFT = "left"  # withdrew; identity erased
    REMOVED = "removed"  # by a manager, with a reason


MemberStatus.TITLES = {
    "applicant": _l("Not confirmed yet"),
    "pending": _l("Waiting for approval"),
    "active": _l("Active"),
    "reserve": _l("Reserve list"),
    "paused": _l("Paused"),
    # Translators: an applicant who was not admitted to the panel
    "declined": _lp("member status", "Declined"),
    "left": _l("Left the panel"),
    "removed": _l("Removed"),
}
# Members who are part of the panel and count towards quotas.
IN_PANEL = (MemberStatus.PENDING.value, MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value)
# Members who take part (paused ones too: they are told, thanked and counted, just not invited).
TAKING_PART = (MemberStatus.ACTIVE.value, MemberStatus.PAUSED.value)
# Gone from the panel: no export hands out their name or e-mail address.
NO_CONTACT_STATUSES = (
    MemberStatus.REMOVED.value,
    MemberStatus.DECLINED.value,
    MemberStatus.LEFT.value,
)


class Member(db.Model):
    __tablename__ = "members"

    id = db.Column(db.Integer, primary_key=True)
    # The pseudonym staff see ("Panellid #482113"); never reused, never derived from identity.
    number = db.Column(db.Integer, nullable=False, unique=True)
    # SET NULL: when a member leaves, the account goes and this row stays, anonymous.
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    status = db.Column(db.String(12), nullable=False, default=MemberStatus.APPLICANT.value)
    paused_until = db.Column(db.Date)

    birth_year = db.Column(db.Integer)
    postcode = db.Column(db.String(4))
    region = db.Column(db.String(20))
    customer_type = db.Column(db.String(20))
    years_as_customer = db.Column(db.String(5))
    platform = db.Column(db.String(10))
    app_usage = db.Column(db.String(10))
    attends_physical = db.Column(db.Boolean, nullable=False, default=False)
    physical_region = db.Column(db.String(20))
    attends_online = db.Column(db.Boolean, nullable=False, default=False)
    source = db.Column(db.String(40))

    joined_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at = db.Column(UTCDateTime)
    activated_at = db.Column(UTCDateTime)
    last_active_at = db.Column(UTCDateTime)
    left_at = db.Column(UTCDateTime)
    leave_reason = db.Column(db.String(30))
    accepted_statement_version = db.Column(db.Integer)
    # Contributor level over the last 12 months (recognition.levels keeps it: "starter",
    # "regular", "ambassador"; None until first counted), and whether the member agreed to show
    # it as a badge next to their pseudonym on ideas and reactions (opt-in).
    contributor_level = db.Column(db.String(12))
    show_level = db.Column(db.Boolean, nullable=False, default=False, server_default="0")

    user = db.relationship("User", backref=db.backref("member", uselist=False))
    interest_rows = db.relationship("MemberInterest", cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_members_status_segment", "status", "customer_type", "region", "birth_year"),
        Index("ix_members_source", "source"),
        Index("ix_members_last_active", "last_active_at"),
        Index("ix_members_joined", "joined_at"),
        Index("ix_members_status_joined", "status", "joined_at"),
        Index("ix_members_left", "left_at"),
        # Panel health reads these figures from the indexes alone (no member rows): ISO-active
        # members, leavers per month with their reasons, and the recruitment funnel.
        Index("ix_members_status_last_active", "status", "last_active_at"),
        Index("ix_members_status_left_reason", "status", "left_at", "leave_reason"),
        Index("ix_members_source_funnel", "source", "confirmed_at", "activated_at"),
    )

    @property
    def pseudonym(self):
        # Translators: how staff see a panelist without their name, e.g. "Panellid #482113"
        return _l("Panelist #%(number)s", number=self.number)

    @property
    def age_band(self):
        return AgeBand.for_birth_year(self.birth_year)

    @property
    def interests(self):
        return [row.interest for row in self.interest_rows]

    def set_interests(self, values):
        wanted = set(values)
        self.interest_rows = [row for row in self.interest_rows if row.interest in wanted] + [
            MemberInterest(interest=value) for value in sorted(wanted - set(self.interests))
        ]

    @property
    def status_enum(self):
        return MemberStatus(self.status)

    @property
    def segment(self):
        return {
            "customer_type": self.customer_type,
            "age_band": getattr(self.age_band, "value", None),
            "region": self.region,
        }

    def segment_titles(self):
        parts = [
            CustomerType.title_of(self.customer_type),
            self.age_band.title if self.age_band else None,
            Region.title_of(self.region),
        ]
        return ", ".join(str(part) for part in parts if part)


class MemberInterest(db.Model):
    __tablename__ = "member_interests"

    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    interest = db.Column(db.String(20), primary_key=True)

    __table_args__ = (Index("ix_member_interests_interest", "interest", "member_id"),)

    @property
    def title(self):
        return Interest.title_of(self.interest)


class StatusChange(db.Model):
    """Every change of a member's status: from, to, who, why and when."""

    __tablename__ = "status_changes"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_status = db.Column(db.String(12))
    to_status = db.Column(db.String(12), nullable=False)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    reason = db.Column(db.String(300))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    actor = db.relationship("User")

    __table_args__ = (Index("ix_status_changes_to_created", "to_status", "created_at"),)


class ConsentPurpose(TitledEnum):
    PARTICIPATION = "participation"
    RECORDING = "recording"


ConsentPurpose.TITLES = {
    "participation": _l("Taking part in the panel (required)"),
    "recording": _l("Recording of sessions (optional)"),
}


class Consent(db.Model):
    """A consent given for one purpose under one statement version, and its withdrawal."""

    __tablename__ = "consents"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True
    )
    purpose = db.Column(db.String(20), nullable=False)
    statement_version = db.Column(db.Integer, nullable=False)
    language = db.Column(db.String(2), nullable=False)
    channel = db.Column(db.String(20), nullable=False, default="web")
    given_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_at = db.Column(UTCDateTime)

    @property
    def is_current(self):
        return self.withdrawn_at is None

    @property
    def purpose_title(self):
        return ConsentPurpose.title_of(self.purpose)


class PrivacyStatement(db.Model):
    """A published version of the privacy statement; older versions stay readable."""

    __tablename__ = "privacy_statements"

    id = db.Column(db.Integer, primary_key=True)
    version = db.Column(db.Integer, nullable=False, unique=True)
    body_nl = db.Column(db.Text, nullable=False)
    body_en = db.Column(db.Text, nullable=False)
    changes_nl = db.Column(db.String(500))
    changes_en = db.Column(db.String(500))
    published_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    body = bilingual("body")
    changes = bilingual("changes")


class QuotaTarget(db.Model):
    """How many panel members a segment may have; an empty part means 'any'."""

    __tablename__ = "quota_targets"

    id = db.Column(db.Integer, primary_key=True)
    customer_type = db.Column(db.String(20))
    age_band = db.Column(db.String(5))
    region = db.Column(db.String(20))
    target = db.Column(db.Integer, nullable=False)

    __table_args__ = (
        UniqueConstraint("customer_type", "age_band", "region", name="uq_quota_targets_segment"),
    )

    def matches(self, segment):
        return all(
            getattr(self, part) in (None, segment.get(part))
            for part in ("customer_type", "age_band", "region")
        )

    def describe(self):
        parts = [
            CustomerType.title_of(self.customer_type) if self.customer_type else None,
            AgeBand.title_of(self.age_band) if self.age_band else None,
            Region.title_of(self.region) if self.region else None,
        ]
        return ", ".join(str(part) for part in parts if part) or str(_l("Whole panel"))


class PanelSettings(db.Model):
    """The panel manager's settings; one row."""

    __tablename__ = "panel_settings"

    id = db.Column(db.Integer, primary_key=True)
    manual_approval = db.Column(db.Boolean, nullable=False, default=False)
    accept_non_customers = db.Column(db.Boolean, nullable=False, default=False)
    max_invitations_per_30_days = db.Column(db.Integer, nullable=False, default=3)
    rest_days_after_taking_part = db.Column(db.Integer, nullable=False, default=14)
    # Contributor levels (recognition.levels): participation in the last 12 months from which a
    # member is "regular" or "ambassador" (below the first: "starter").
    level_regular_at = db.Column(db.Integer, nullable=False, default=4, server_default="4")
    level_ambassador_at = db.Column(db.Integer, nullable=False, default=12, server_default="12")

    DEFAULTS = {
        "manual_approval": False,
        "accept_non_customers": False,
        "max_invitations_per_30_days": 3,
        "rest_days_after_taking_part": 14,
        "level_regular_at": 4,
        "level_ambassador_at": 12,
    }

    @classmethod
    def current(cls):
        """The saved settings, or the defaults (not saved until a manager changes them)."""
        return db.session.get(cls, 1) or cls(id=1, **cls.DEFAULTS)
