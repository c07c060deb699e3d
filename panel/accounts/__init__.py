"""Accounts: logging in and out, passwords, the user's own account page."""

from flask import Blueprint

from ..extensions import login_manager
from . import models, streams  # noqa: F401  (the tables, for metadata and migrations)
from .services import load_session_user

bp = Blueprint("accounts", __name__)

from . import views  # noqa: E402,F401  (the routes need bp)


def init_app(app):
    login_manager.user_loader(load_session_user)
    app.register_blueprint(bp, url_prefix="/<lang>")
