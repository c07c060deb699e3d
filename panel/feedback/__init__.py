"""Monthly app-release feedback: the form for panelists, releases and results for staff."""

from flask import Blueprint

from ..security import Role, guard_blueprint
from .permissions import can_read_results

bp = Blueprint("feedback", __name__)
results_bp = guard_blueprint(
    Blueprint("results", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER
)

from . import export_views, hooks, results_views, views  # noqa: E402,F401  (the routes need the blueprints)


def init_app(app):
    hooks.connect_signals()
    app.register_blueprint(bp, url_prefix="/<lang>")
    app.register_blueprint(results_bp, url_prefix="/<lang>/results")
    app.add_template_global(can_read_results)
