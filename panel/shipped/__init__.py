"""What shipped: a release's changes linked to the insights and ideas they answer, the message to
the members who asked for them, the results among those members, and the public "You said, we
did" page."""

from flask import Blueprint

from .. import signals
from ..security import Role, guard_blueprint
from . import (
    announce,
    links,
    marks,
    models,  # noqa: F401  (its tables, which migrations must see)
    notices,
    results,
)

bp = guard_blueprint(Blueprint("shipped", __name__), Role.PRODUCT_OWNER, Role.PANEL_MANAGER)

from . import link_views  # noqa: E402,F401  (the routes need the blueprint)


def init_app(app):
    signals.notification_kinds.connect(notices.shipped_kinds)
    signals.release_published.connect(announce.on_release_published)
    signals.insight_merged.connect(links.move_insight_links)
    signals.release_form_marks.connect(marks.form_marks)
    signals.contribution_marks.connect(marks.contribution_marks)
    signals.contribution_sections.connect(marks.contribution_sections)
    signals.release_results_sections.connect(results.askers_sections)
    app.register_blueprint(bp, url_prefix="/<lang>/shipped")
