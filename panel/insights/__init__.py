"""Insights and the department streams that must answer them; closing the loop to panelists."""
from flask import Blueprint

from ..security import Role, guard_blueprint

bp = guard_blueprint(Blueprint("insights", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER)
setup_bp = guard_blueprint(Blueprint("insight_setup", __name__), Role.ADMIN, Role.PANEL_MANAGER)
loop_bp = Blueprint("loop", __name__)

from . import setup_views, views  # noqa: E402,F401
