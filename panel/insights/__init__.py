"""Insights and the department streams that must answer them; closing the loop to panelists."""
from flask import Blueprint

from ..security import Role, guard_blueprint

bp = guard_blueprint(Blueprint("insights", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER)
setup_bp = guard_blueprint(Blueprint("insight_setup", __name__), Role.ADMIN, Role.PANEL_MANAGER)
loop_bp = Blueprint("loop", __name__)

from . import setup_views, views  # noqa: E402,F401


@bp.app_template_global("can_create_insights")
def _can_create_insights(user):
    from .permissions import can_create_insights

    return can_create_insights(user)


@bp.app_template_global("recent_insights")
def _recent_insights(limit=30):
    from .models import Insight

    return Insight.query.order_by(Insight.id.desc()).limit(limit).all()


@bp.app_template_global("evidence_kind_title")
def _evidence_kind_title(kind):
    from .models import EvidenceKind

    return EvidenceKind.title_of(kind)


def _erase_evidence_links(member):
    """Leaving: the evidence stays (the insight's weight too) but no longer points to the member."""
    from .models import Evidence

    Evidence.query.filter_by(member_id=member.id).update({"member_id": None})


from ..membership import services as _membership  # noqa: E402

_membership.ERASERS.append(_erase_evidence_links)
