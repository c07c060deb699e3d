"""Notifications: in-app messages with an unread count, and e-mail when the member wants it."""
from flask import Blueprint

bp = Blueprint("notifications", __name__)

from . import views  # noqa: E402,F401
