"""Accounts: logging in and out, passwords, the user's own account page."""
from flask import Blueprint

from ..extensions import login_manager

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def _load_user(token):
    from .services import load_session_user

    return load_session_user(token)


from . import views  # noqa: E402,F401
