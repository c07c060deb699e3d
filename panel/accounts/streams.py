"""The department streams that answer insights, and the staff who work in each.

Streams live with the accounts because rounds (which streams a round involves) and insights
(whose inbox an insight lands in) both need them, and rounds sit below insights.
"""

from ..database import UTCDateTime
from ..extensions import db
from ..i18n import bilingual


class Stream(db.Model):
    __tablename__ = "streams"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(40), nullable=False, unique=True)
    name_nl = db.Column(db.String(80), nullable=False)
    name_en = db.Column(db.String(80), nullable=False)
    description_nl = db.Column(db.String(300))
    description_en = db.Column(db.String(300))
    target_days = db.Column(db.Integer, nullable=False, default=2)  # first response, working days
    position = db.Column(db.Integer, nullable=False, default=0)
    # Archived: no longer offered for new routing, its routes and history kept.
    archived_at = db.Column(UTCDateTime)

    name = bilingual("name")
    description = bilingual("description")

    members = db.relationship("User", secondary="stream_members", order_by="User.name")


DEFAULT_STREAMS = [
    (
        "network",
        "Netwerk",
        "Network",
        "Bereik, snelheid en storingen.",
        "Coverage, speed and outages.",
    ),
    (
        "service",
        "Klantenservice",
        "Customer service",
        "Contact met klanten in alle kanalen.",
        "Contact with customers in every channel.",
    ),
    (
        "back_office",
        "Backoffice",
        "Back office",
        "Orders, nummerbehoud en administratie.",
        "Orders, number porting and administration.",
    ),
    (
        "billing",
        "Facturering en financiën",
        "Billing and finance",
        "Rekeningen, betalen en tarieven.",
        "Bills, payments and rates.",
    ),
    (
        "marketing",
        "Marketing",
        "Marketing",
        "Aanbod, campagnes en communicatie.",
        "Offers, campaigns and communication.",
    ),
    (
        "app_digital",
        "App en digitaal",
        "App and digital",
        "De app, de website en Mijn-omgeving.",
        "The app, the website and the customer portal.",
    ),
    ("retail", "Winkels", "Retail", "Onze winkels en partners.", "Our shops and partners."),
]


def seed_default_streams():
    """Add the default streams when there are none (new installations, demo, tests)."""
    if db.session.query(Stream.id).first() is not None:
        return
    for position, (slug, name_nl, name_en, description_nl, description_en) in enumerate(
        DEFAULT_STREAMS
    ):
        db.session.add(
            Stream(
                slug=slug,
                name_nl=name_nl,
                name_en=name_en,
                position=position,
                description_nl=description_nl,
                description_en=description_en,
            )
        )
    db.session.flush()


class StreamMember(db.Model):
    """A reviewer who works through a stream's inbox."""

    __tablename__ = "stream_members"

    stream_id = db.Column(
        db.Integer, db.ForeignKey("streams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
