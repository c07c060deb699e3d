"""What shipped: a release's changes linked to the insights and ideas they answer, who asked for
each change, and who has been told."""

from sqlalchemy import Index

from ..database import UTCDateTime, utcnow
from ..extensions import db


class ChangeInsight(db.Model):
    """A release change answers this insight."""

    __tablename__ = "change_insights"

    change_id = db.Column(
        db.Integer, db.ForeignKey("release_changes.id", ondelete="CASCADE"), primary_key=True
    )
    insight_id = db.Column(
        db.Integer, db.ForeignKey("insights.id", ondelete="CASCADE"), primary_key=True
    )
    linked_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    linked_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    change = db.relationship("ReleaseChange")
    insight = db.relationship("Insight")

    __table_args__ = (Index("ix_change_insights_insight", "insight_id", "change_id"),)


class ChangeIdea(db.Model):
    """A release change ships this idea."""

    __tablename__ = "change_ideas"

    change_id = db.Column(
        db.Integer, db.ForeignKey("release_changes.id", ondelete="CASCADE"), primary_key=True
    )
    idea_id = db.Column(db.Integer, db.ForeignKey("ideas.id", ondelete="CASCADE"), primary_key=True)
    linked_by_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="SET NULL"))
    linked_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    change = db.relationship("ReleaseChange")
    idea = db.relationship("Idea")

    __table_args__ = (Index("ix_change_ideas_idea", "idea_id", "change_id"),)


class ChangeAsker(db.Model):
    """A member who asked for a change (kept; shipped.links refreshes a change's rows whenever
    its links change and when its release is published): their contribution is evidence of a
    linked insight, or they posted or supported a linked idea."""

    __tablename__ = "change_askers"

    change_id = db.Column(
        db.Integer, db.ForeignKey("release_changes.id", ondelete="CASCADE"), primary_key=True
    )
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_change_askers_member", "member_id", "change_id"),)


class ShippedNotice(db.Model):
    """A member was told "you asked for this" about a release: one message per member and
    release, however many of its changes they asked for (the key makes it once, also when two
    requests announce at the same moment)."""

    __tablename__ = "shipped_notices"

    release_id = db.Column(
        db.Integer, db.ForeignKey("releases.id", ondelete="CASCADE"), primary_key=True
    )
    member_id = db.Column(
        db.Integer, db.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
