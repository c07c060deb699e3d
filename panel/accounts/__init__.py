"""Accounts: logging in and out, passwords, the user's own account page."""

from flask import Blueprint

from ..extensions import login_manager
from ..security import log_refusal
from . import models, streams, user_search  # noqa: F401  (the tables, for metadata and migrations)
from .services import load_session_user

bp = Blueprint("accounts", __name__)

from . import views  # noqa: E402,F401  (the routes need bp)


def init_app(app):
    login_manager.user_loader(load_session_user)
    app.after_request(log_refusal)  # every 403 is logged as a security event
    app.register_blueprint(bp, url_prefix="/<lang>")
