"""Public pages: the home page, the language switch and the health check."""
from flask import Blueprint

bp = Blueprint("public", __name__)
root_bp = Blueprint("root", __name__)

from . import views  # noqa: E402,F401
