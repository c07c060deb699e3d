"""The panel manager's contributor level thresholds (recognition_manage blueprint)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from ..extensions import db
from ..membership.models import IN_PANEL, Member, PanelSettings
from ..security import form_checks_csrf
from . import levels, manage_bp
from .level_forms import LevelsForm


def kept_per_level():
    """{level: members in the panel} as kept at the last count (one grouped query)."""
    rows = db.session.execute(
        select(Member.contributor_level, func.count())
        .where(Member.status.in_(IN_PANEL))
        .group_by(Member.contributor_level)
    ).all()
    found = dict(rows)
    return {value: found.get(value, 0) for value in levels.Level.values()}


@manage_bp.route("/levels", methods=["GET", "POST"])
@form_checks_csrf
def levels_page():
    settings = PanelSettings.current()
    form = LevelsForm(obj=settings)
    preview = None
    refused = form.is_submitted() and not form.validate_on_submit()
    if form.is_submitted() and not refused:
        regular_at, ambassador_at = form.level_regular_at.data, form.level_ambassador_at.data
        if request.form.get("preview"):
            preview = levels.members_per_level(regular_at, ambassador_at)
        else:
            levels.save_thresholds(regular_at, ambassador_at, current_user)
            levels.refresh_levels()
            flash(_("The levels are saved, and every member's level is counted again."), "success")
            return redirect(url_for("recognition_manage.levels_page"))
    page = render_template(
        "recognition/levels.html",
        form=form,
        settings=settings,
        kept=kept_per_level(),
        preview=preview,
        weights=levels.WEIGHTS,
        Level=levels.Level,
    )
    # A refused form is shown again with what was typed, as 400 (like the app's other forms).
    return (page, 400) if refused else page
