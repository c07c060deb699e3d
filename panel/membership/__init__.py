"""Membership: joining, the member's own pages, and the panel manager's pages."""

from flask import Blueprint

from .. import signals
from ..security import Role, guard_blueprint
from .models import MemberStatus
from .notices import membership_kinds
from .permissions import can_manage_members
from .statement import fold_into_login_query

bp = Blueprint("membership", __name__)
manage_bp = guard_blueprint(Blueprint("manage", __name__), Role.PANEL_MANAGER)

from . import manager_views, news_views, views  # noqa: E402,F401  (the routes need the blueprints)


def init_app(app):
    signals.notification_kinds.connect(membership_kinds)
    fold_into_login_query()
    app.register_blueprint(bp, url_prefix="/<lang>")
    app.register_blueprint(manage_bp, url_prefix="/<lang>/manage")
    app.add_template_global(MemberStatus.title_of, "status_title")
    app.add_template_global(can_manage_members)
    app.before_request(views.require_current_statement)
