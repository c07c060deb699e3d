"""Co-creation rounds: what panelists see and do, and what product owners run."""

from flask import Blueprint

from ..security import Role, guard_blueprint
from .calendar import session_place, session_when
from .models import Stage
from .moderation import moderated, moderated_text
from .outcomes import outcome_insights_of
from .permissions import can_open_rounds

bp = Blueprint("rounds", __name__)
owner_bp = guard_blueprint(Blueprint("owner", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER)

# The routes need the blueprints above.
from . import category_views, hooks, moderation_views, owner_views, views  # noqa: E402,F401


def init_app(app):
    hooks.connect_signals()
    app.register_blueprint(bp, url_prefix="/<lang>")
    app.register_blueprint(owner_bp, url_prefix="/<lang>/owner")
    app.register_blueprint(moderation_views.moderation_bp, url_prefix="/<lang>/manage/moderation")
    app.add_template_global(Stage.title_of, "stage_title")
    app.add_template_global(can_open_rounds)
    app.add_template_global(session_when)
    app.add_template_global(session_place)
    app.add_template_filter(moderated, "moderated")
    app.add_template_filter(moderated_text, "moderated_text")
    app.add_template_global(outcome_insights_of)
