"""Thin views for staff: write and publish releases, read results, search comments, export."""

from datetime import datetime, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import signals
from ..charts import column_chart
from ..errors import NotAllowed
from ..extensions import db
from ..forms import AMSTERDAM, local_to_utc, utc_to_local
from ..i18n import lazy_gettext as _l
from ..paging import paginate, requested_page
from ..security import Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import results, results_bp, services
from .forms import ReleaseForm
from .models import Release
from .permissions import can_manage_releases


def release_or_404(release_id):
    return db.session.get(Release, release_id) or abort(404)


def can_create_insights(user):
    """Who works through comments in triage: insights.permissions.can_create_insights, which this
    layer can't import (feedback comes before insights)."""
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)


def require_manager():
    if not can_manage_releases(current_user):
        abort(403)


@results_bp.route("/")
def overview():
    points = results.trend()
    drafts = (
        Release.query.filter(Release.published_at.is_(None)).order_by(Release.month.desc()).all()
    )
    closed = [point for point in points if point.release.state().value == "closed"]
    latest = closed[-1] if closed else (points[-1] if points else None)
    return render_template(
        "feedback/results_overview.html",
        points=points[::-1],
        latest=latest,
        chart=results.line_chart(points) if points else None,
        drafts=drafts,
        can_manage=can_manage_releases(current_user),
    )


def _release_form(release=None):
    form = ReleaseForm(obj=release)
    if not form.is_submitted():
        if release is not None:
            form.opens_at.data, form.closes_at.data = (
                utc_to_local(release.opens_at),
                utc_to_local(release.closes_at),
            )
            for entry, change in zip(form.changes, release.changes, strict=False):
                for name in services.WORDING + services.CORRECTION:
                    entry.form[name].data = getattr(change, name)
        else:
            start = datetime.now(AMSTERDAM).replace(
                hour=9, minute=0, second=0, microsecond=0, tzinfo=None
            )
            form.month.data = start.date()
            form.opens_at.data, form.closes_at.data = start, start + timedelta(days=14)
    return form


@results_bp.route("/releases/new", methods=["GET", "POST"])
@results_bp.route("/releases/<int:release_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def edit_release(release_id=None):
    require_manager()
    release = release_or_404(release_id) if release_id else None
    form = _release_form(release)
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("results.overview"))
        # A published release keeps its changes (a rated one's wording is not even posted).
        if (release is None or release.published_at is None) and not form.has_changes():
            form.changes.errors.append(_("Describe at least one change."))
        elif services.version_taken(form.version.data, release):
            form.version.errors.append(str(SAVE_REFUSALS["version_taken"]))
        else:
            try:
                saved = services.save_release(
                    release, form.release_data(), form.change_data(), current_user
                )
            except NotAllowed as refusal:
                field = form.version if refusal.code == "version_taken" else form.changes
                field.errors.append(str(SAVE_REFUSALS[refusal.code]))
            else:
                flash(_("The release is saved."), "success")
                return redirect(url_for("results.release", release_id=saved.id))
    return render_template(
        "feedback/release_form.html",
        form=form,
        release=release,
        locked=services.rated_change_ids(release) if release is not None else set(),
        overlaps=services.overlapping_releases(
            local_to_utc(form.opens_at.data), local_to_utc(form.closes_at.data), exclude=release
        ),
    )


SAVE_REFUSALS = {
    "version_taken": _l("There's already a release of this version. Choose another version."),
    "wording_locked": _l(
        "Panelists have rated this change, so its wording stays as it is. Add a correction instead."
    ),
}


PUBLISH_REFUSALS = {
    "languages": _l("Before publishing, write every change in both Dutch and English."),
    "no_changes": _l("Describe at least one change."),
}


@results_bp.route("/releases/<int:release_id>/publish", methods=["POST"])
def publish(release_id):
    require_manager()
    release = release_or_404(release_id)
    try:
        if release.published_at is None:
            services.publish_release(release, current_user)
    except NotAllowed as refusal:
        flash(str(PUBLISH_REFUSALS[refusal.code]), "error")
    else:
        flash(
            _("The release is published. Panelists are asked for feedback when the window opens."),
            "success",
        )
    return redirect(url_for("results.release", release_id=release.id))


# The comments page pages through a release's comments (for reviewers; see comments()).
COMMENTS_PER_PAGE = 20
COMMENT_FILTERS = ("q", "group", "segment")


def comment_filters():
    """The comment filters of the query string: (words, group, segment kind, value, as typed)."""
    q = request.args.get("q", "")[:200]
    group = request.args.get("group") or None
    segment = request.args.get("segment", "")[:50]
    kind, _sep, value = segment.partition(":")
    return q, group, kind, value, segment


@results_bp.route("/releases/<int:release_id>")
def release(release_id):
    release = release_or_404(release_id)
    if any(request.args.get(name) for name in COMMENT_FILTERS):
        # A filtered list of comments (an older link) is the comments page's.
        return redirect(url_for("results.comments", release_id=release.id, **request.args))
    kept = services.release_score_counts(release)
    score, counts = services.release_score(release, kept)
    # The comments themselves are in triage (those who make insights: counted per score group
    # there, by the template global triage_comment_counts) or on the comments page (reviewers).
    triages = can_create_insights(current_user)
    most = services.COUNT_COMMENTS_UP_TO
    comment_count = (
        None
        if triages
        else db.session.execute(
            services.count_comments(services.comments_query(release), most)
        ).scalar()
    )
    return render_template(
        "feedback/release.html",
        release=release,
        overlaps=services.overlapping_releases(release.opens_at, release.closes_at, release),
        score=score,
        counts=counts,
        change=results.change_for(release),
        distribution=column_chart([(str(s), counts[s]) for s in range(11)]),
        response_rate=release.response_rate(score.n),
        breakdown=results.breakdown(release, kept),
        ratings=services.rating_summary(release),
        triages=triages,
        comment_count=comment_count,
        count_up_to=most,
        can_manage=can_manage_releases(current_user),
        # Per linked change, those who asked for it against everyone else (the shipped domain).
        sections=[
            section
            for found in signals.answers(signals.release_results_sections, release)
            for section in found
        ],
    )


@results_bp.route("/releases/<int:release_id>/comments")
def comments(release_id):
    """All comments of a release, newest first, filtered and paged: for reviewers. Those who
    make insights work through them in triage, filtered the same way (older links lead there)."""
    release = release_or_404(release_id)
    if release.published_at is None:
        abort(404)
    q, group, kind, value, segment = comment_filters()
    if can_create_insights(current_user):
        args = {"source": f"release:{release.id}", "q": q, "group": group, "segment": segment}
        return redirect(
            url_for("insights.triage", **{name: value for name, value in args.items() if value})
        )
    rows = services.comments_query(release, q, group, kind, value)
    # Counted to a few pages past the one shown (in hundreds), not to the end.
    step = services.COUNT_COMMENTS_UP_TO
    most = -(-(requested_page() + 4) * COMMENTS_PER_PAGE // step) * step
    page = paginate(rows, services.count_comments(rows, most), COMMENTS_PER_PAGE)
    return render_template(
        "feedback/comments.html",
        release=release,
        page=page,
        comments=page.items,
        comment_count=page.total,
        count_up_to=most,
        q=q,
        group=group,
        segment=segment,
    )


@results_bp.context_processor
def words():
    return {
        "change_words": results.change_words,
        "nps_text": results.nps_text,
        "segment_title": results.segment_title,
        "small_cell": results.SMALL_CELL,
        "segment_values": {kind: enum.values() for kind, enum in results.SEGMENT_TITLES.items()},
    }
