"""Membership: joining, the member's own pages, and the panel manager's pages."""
from flask import Blueprint

from ..security import Role, guard_blueprint

bp = Blueprint("membership", __name__)
manage_bp = guard_blueprint(Blueprint("manage", __name__), Role.PANEL_MANAGER)

from . import manager_views, views  # noqa: E402,F401


@bp.app_template_global("status_title")
def status_title(value):
    from .models import MemberStatus

    return MemberStatus.title_of(value)
