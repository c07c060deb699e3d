"""Recognition: the panel managers' "surprise & delight" ledger and its quarterly budgets.
(Contributor levels are kept on the member: Member.contributor_level and Member.show_level.)"""

from sqlalchemy import CheckConstraint, Index

from ..database import UTCDateTime, utcnow
from ..enums import TitledEnum
from ..extensions import db
from ..i18n import lazy_gettext as _l


class ThankYouKind(TitledEnum):
    GIFT_CARD = "gift_card"
    MERCHANDISE = "merchandise"
    TICKETS = "tickets"
    NOTE = "note"


ThankYouKind.TITLES = {
    "gift_card": _l("Gift card"),
    "merchandise": _l("Merchandise"),
    "tickets": _l("Event tickets"),
    "note": _l("A personal note"),
}


class ThankYou(db.Model):
    """A thank-you given to a member. When the member leaves, member_id is cleared and the
    reason and message are erased: the amount and the date stay for the budget and finance."""

    __tablename__ = "thank_yous"

    id = db.Column(db.Integer, primary_key=True)
    member_id = db.Column(db.Integer, db.ForeignKey("members.id", ondelete="SET NULL"))
    kind = db.Column(db.String(12), nullable=False)
    reason = db.Column(db.String(300), nullable=False, default="")
    # What the member reads (in their language, written by the manager); may be empty.
    message = db.Column(db.Text, nullable=False, default="", server_default="")
    value_cents = db.Column(db.Integer, nullable=False, default=0)
    # The quarter whose budget it counts against, "2026-Q4" (from given_at, Europe/Amsterdam).
    quarter = db.Column(db.String(7), nullable=False)
    given_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    given_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))

    member = db.relationship("Member")
    given_by = db.relationship("User")

    __table_args__ = (
        CheckConstraint("value_cents >= 0", name="ck_thank_yous_value"),
        Index("ix_thank_yous_member", "member_id", "given_at"),
        Index("ix_thank_yous_quarter", "quarter", "given_at"),
    )

    @property
    def kind_enum(self):
        return ThankYouKind(self.kind)


class ThankYouBudget(db.Model):
    """What a quarter may spend on thank-yous."""

    __tablename__ = "thank_you_budgets"

    quarter = db.Column(db.String(7), primary_key=True)
    amount_cents = db.Column(db.Integer, nullable=False)
    set_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    set_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (CheckConstraint("amount_cents >= 0", name="ck_thank_you_budgets_amount"),)
