"""Recognition that rewards taking part: your impact, contributor levels, and the panel team's
"surprise & delight" thank-yous with their quarterly budget."""

from flask import Blueprint

from .. import signals
from ..security import Role, guard_blueprint
from . import (
    impact,
    ledger,
    levels,
    models,  # noqa: F401  (its tables, which migrations must see)
    notices,
)

# The member's own pages (their thank-yous); login is required app-wide.
bp = Blueprint("recognition", __name__)
# The panel managers' pages: contributor level thresholds, the ledger and its budgets.
manage_bp = guard_blueprint(Blueprint("recognition_manage", __name__), Role.PANEL_MANAGER)

from . import ledger_views, level_views  # noqa: E402,F401  (the routes need the blueprints)


def init_app(app):
    signals.notification_kinds.connect(notices.recognition_kinds)
    signals.dashboard_sections.connect(impact.impact_sections)
    signals.dashboard_sections.connect(ledger.dashboard_sections)
    signals.panel_health_sections.connect(levels.health_section)
    signals.panel_health_counts.connect(levels.health_counts)
    signals.member_leaving.connect(ledger.erase_member)
    signals.member_participation.connect(ledger.participation_lines)
    signals.member_export.connect(ledger.export_records)
    # The contributor level badge and titles (templates/recognition/_level_badge.html).
    app.add_template_global(levels.shows_badge, "shows_level_badge")
    app.add_template_global(levels.Level.title_of, "level_title_of")
    app.add_template_global(levels.explanation_of, "level_explanation_of")
    app.register_blueprint(bp, url_prefix="/<lang>/me")
    app.register_blueprint(manage_bp, url_prefix="/<lang>/manage/recognition")
