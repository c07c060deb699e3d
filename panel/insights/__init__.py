"""Insights and the department streams that must answer them; closing the loop to panelists."""

from flask import Blueprint

from .. import signals
from ..security import Role, guard_blueprint
from .models import EvidenceKind
from .notices import insight_kinds
from .permissions import can_create_insights, can_read_insights, can_set_up_routing
from .services import erase_evidence_links

bp = guard_blueprint(
    Blueprint("insights", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER
)
setup_bp = guard_blueprint(Blueprint("insight_setup", __name__), Role.ADMIN, Role.PANEL_MANAGER)
loop_bp = Blueprint("loop", __name__)

from . import (  # noqa: E402,F401  (the routes need the blueprints; the index its DDL)
    inbox_views,
    insight_search,
    outcomes,
    setup_views,
    triage_views,
    views,
)


def insight_choices_for(user):
    """For the "Make insight" / "Add to insight" links beside contributions (insights/_make.html):
    None for people who can't make insights, else True. No query: the links lead to the picker,
    which searches all insights."""
    return True if can_create_insights(user) else None


def init_app(app):
    signals.notification_kinds.connect(insight_kinds)
    signals.member_leaving.connect(erase_evidence_links)
    signals.outcome_insights.connect(outcomes.linked_insights)
    app.register_blueprint(bp, url_prefix="/<lang>/insights")
    app.register_blueprint(setup_bp, url_prefix="/<lang>/insights/setup")
    app.register_blueprint(loop_bp, url_prefix="/<lang>")
    app.add_template_global(can_create_insights)
    app.add_template_global(can_read_insights)
    app.add_template_global(can_set_up_routing)
    app.add_template_global(insight_choices_for)
    app.add_template_global(EvidenceKind.title_of, "evidence_kind_title")
