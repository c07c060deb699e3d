"""Insights and the department streams that must answer them; closing the loop to panelists."""

from flask import Blueprint, g
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from .. import signals
from ..security import Role, guard_blueprint
from .models import EvidenceKind, Insight
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


def recent_insights(limit=30):
    return Insight.query.order_by(Insight.id.desc()).limit(limit).all()


def insight_choices_for(user):
    """For the "Make insight" / "Add to insight" links beside contributions (insights/_make.html):
    None for people who can't make insights, else True. No query: the links lead to the picker,
    which searches all insights."""
    return True if can_create_insights(user) else None


def insight_options(choices):
    """The <option>s of the recent insights, made once per page and language, for the one page
    that still offers a select (the release results' "add the ticked comments" form); `choices`
    True means the 30 newest."""
    if choices is True:
        choices = g.get("recent_insights")
        if choices is None:
            choices = g.recent_insights = recent_insights()
    key = (tuple(insight.id for insight in choices), str(get_locale()))
    made = g.setdefault("insight_options", {})
    if key not in made:
        made[key] = Markup("").join(
            Markup('<option value="{}">{} · {}</option>').format(
                insight.id,
                insight.title.plain(60),
                ngettext("%(num)s contribution", "%(num)s contributions", insight.evidence_count)
                if insight.evidence_count
                else _("no contributions yet"),
            )
            for insight in choices
        )
    return made[key]


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
    app.add_template_global(insight_options)
    app.add_template_global(EvidenceKind.title_of, "evidence_kind_title")
