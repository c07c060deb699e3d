"""Notifications: in-app messages with an unread count, and e-mail when the member wants it."""

from flask import Blueprint
from flask_login import current_user

from .. import signals
from ..accounts.models import fold_into_login
from .kinds import panel_kinds
from .services import unread_count, unread_of

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401  (the routes need bp)


def unread_notifications():
    return unread_count(current_user) if current_user.is_authenticated else 0


def init_app(app):
    signals.notification_kinds.connect(panel_kinds)
    # Every page shows the unread count: it comes with the login session's query.
    fold_into_login("unread_notifications", value=unread_of)
    app.register_blueprint(bp, url_prefix="/<lang>")
    app.add_template_global(unread_notifications)
