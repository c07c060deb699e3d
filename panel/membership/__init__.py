"""Membership: joining, the member's own pages, and the panel manager's pages."""

from flask import Blueprint, abort, request
from flask_login import current_user

from .. import signals
from ..security import Role, guard_blueprint
from .models import MemberStatus
from .notices import membership_kinds
from .permissions import can_manage_members, can_set_panel_rules
from .statement import fold_into_login_query

bp = Blueprint("membership", __name__)
manage_bp = guard_blueprint(Blueprint("manage", __name__), Role.PANEL_MANAGER, Role.ADMIN)
# Administrators set quotas and the panel settings too (PRODUCT.md); the rest is the managers'.
PANEL_RULES_ENDPOINTS = ("manage.quotas", "manage.delete_quota", "manage.settings")


@manage_bp.before_request
def _administrators_only_quotas_and_settings():
    if not can_manage_members(current_user) and request.endpoint not in PANEL_RULES_ENDPOINTS:
        abort(403)


from . import manager_views, news_views, views  # noqa: E402,F401  (the routes need the blueprints)


def init_app(app):
    signals.notification_kinds.connect(membership_kinds)
    fold_into_login_query()
    app.register_blueprint(bp, url_prefix="/<lang>")
    app.register_blueprint(manage_bp, url_prefix="/<lang>/manage")
    app.add_template_global(MemberStatus.title_of, "status_title")
    app.add_template_global(can_manage_members)
    app.add_template_global(can_set_panel_rules)
    app.before_request(views.require_current_statement)
