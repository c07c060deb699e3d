"""Thin views of triage: the list of every contribution, "No action" (and its undo), and the bulk
actions on a selection, which dismiss here or hand the selection to the insight pages."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.routing import BuildError

from ..extensions import db
from ..paging import Page, paginate, requested_page
from ..security import safe_next
from . import bp, triage
from .permissions import can_create_insights


def require_triager():
    if not can_create_insights(current_user):
        abort(403)


def here():
    """The triage page as it is shown now (filters and page), to come back to."""
    return request.full_path.rstrip("?")


def back():
    return safe_next(request.form.get("next", ""), url_for("insights.triage"))


def posted_items():
    """The (kind, id) pairs a form sent as item=kind:id, known kinds only, at most MAX_BULK."""
    items = [triage.parse_item(value) for value in request.form.getlist("item")]
    return list(dict.fromkeys(item for item in items if item))[: triage.MAX_BULK]


@bp.route("/triage", endpoint="triage")
def triage_list():
    require_triager()
    filters = triage.TriageFilters.from_args(request.args)
    count = db.session.execute(triage.count_query(filters, current_user)).scalar()
    offset = (requested_page() - 1) * triage.PER_PAGE
    page = paginate(
        triage.items_query(filters, current_user, count, offset), count, triage.PER_PAGE
    )
    entries = triage.entries(page.items, current_user)
    releases, rounds = triage.source_choices(filters)
    return render_template(
        "insights/triage.html",
        page=Page(entries, page.total, page.page, page.per_page),
        filters=filters,
        count_up_to=triage.count_up_to(filters),
        releases=releases,
        rounds=rounds,
        here=here(),
        kinds=triage.KINDS,
        segment_kinds=triage.SEGMENT_KINDS,
        tool_url=tool_url,
    )


def tool_url(endpoint, **args):
    """The address of another part's page (the insight pages of contracts 2 and 3), or None
    while that page is not there (the button is then left out, never a broken link)."""
    try:
        return url_for(endpoint, **args)
    except BuildError:
        return None


@bp.route("/triage/dismiss", methods=["POST"])
def triage_dismiss():
    require_triager()
    items = posted_items()
    if not items:
        flash(_("Tick the contributions you want to mark first."), "info")
        return redirect(back())
    done, evidence = triage.dismiss(items, current_user)
    if done:
        flash(
            ngettext(
                "%(num)s contribution marked “No action”.",
                "%(num)s contributions marked “No action”.",
                done,
            ),
            "success",
        )
    if evidence:
        flash(
            ngettext(
                "%(num)s contribution is evidence of an insight already, so it is not marked "
                "“No action”.",
                "%(num)s contributions are evidence of an insight already, so they are not "
                "marked “No action”.",
                evidence,
            ),
            "info",
        )
    elif not done:
        flash(_("A colleague had already marked this “No action”."), "info")
    return redirect(back())


@bp.route("/triage/undo", methods=["POST"])
def triage_undo():
    require_triager()
    items = posted_items()
    if items and triage.undo_dismissal(items[0], current_user):
        flash(_("“No action” is taken back: the contribution waits in triage again."), "success")
    return redirect(back())


@bp.route("/triage/bulk", methods=["POST"])
def triage_bulk():
    """One form for the ticked contributions: "No action" here, or on to make an insight of
    them or add them to one (those pages come back to the triage page as it was)."""
    require_triager()
    items = posted_items()
    action = request.form.get("action", "")
    if not items or action not in ("dismiss", "make", "add"):
        flash(_("Tick the contributions you want to work on first."), "info")
        return redirect(back())
    if action == "dismiss":
        return triage_dismiss()
    keys = [f"{kind}:{number}" for kind, number in items]
    endpoint = "insights.new" if action == "make" else "insights.pick"
    target = tool_url(endpoint, item=keys, next=back())
    if target is None:
        abort(404)
    return redirect(target)


@bp.app_template_global("triage_comment_counts")
def triage_comment_counts(release):
    """For the release results page: {score group: comments} of a release, from triage's table
    (one grouped count over its index), so the page links into triage with exact numbers."""
    return triage.release_comment_counts(release)
