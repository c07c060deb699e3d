"""In-app notifications and per-kind e-mail preferences."""

import json

from sqlalchemy import Index

from ..database import UTCDateTime, utcnow
from ..extensions import db
from . import kinds


class Notification(db.Model):
    __tablename__ = "notifications"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind = db.Column(db.String(40), nullable=False)
    params_json = db.Column(db.Text, nullable=False, default="{}")
    link = db.Column(db.String(300))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = db.Column(UTCDateTime)

    user = db.relationship(
        "User", backref=db.backref("notifications", lazy="dynamic", passive_deletes=True)
    )

    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    @property
    def params(self):
        return json.loads(self.params_json or "{}")

    @property
    def title(self):
        """In the reader's current language, filled with this notification's details."""
        kind = kinds.all_kinds().get(self.kind)
        return kind.title_for(self.params) if kind else self.kind


class NotificationPreference(db.Model):
    """A kind of notification the member does not want by e-mail (absent: e-mail is on)."""

    __tablename__ = "notification_preferences"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind = db.Column(db.String(40), primary_key=True)
    email_enabled = db.Column(db.Boolean, nullable=False, default=True)
