"""Co-creation rounds: what panelists see and do, and what product owners run."""
from flask import Blueprint

from ..security import Role, guard_blueprint

bp = Blueprint("rounds", __name__)
owner_bp = guard_blueprint(Blueprint("owner", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER)

from . import hooks, owner_views, views  # noqa: E402,F401


@bp.app_template_global("stage_title")
def stage_title(value):
    from .models import Stage

    return Stage.title_of(value)
