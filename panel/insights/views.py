"""Thin views: the list of insights, making, editing, merging and closing one, adding
contributions to one (the picker), its routes, and "My contributions" for panelists."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import signals
from ..accounts.models import User
from ..converters import to_id
from ..database import distinct_values
from ..errors import NotAllowed
from ..extensions import db
from ..forms import choices
from ..i18n import lazy_gettext as _l
from ..membership.services import find_member_for
from ..paging import count_of, paginate
from ..rounds.permissions import can_manage_round, can_see_all_rounds
from ..rounds.services import can_see as round_visible_to
from ..security import form_checks_csrf, safe_next
from ..submissions import answered_before, claim_submission
from . import bp, insight_list, insight_search, loop_bp, manage, rules, services
from .contributions import contributions_of
from .evidence import hidden_source, load_quotes, quotable_source
from .forms import AddRouteForm, InsightTitleForm
from .models import CloseKind, Evidence, Insight, Route, RouteStatus, Stream, Tag
from .permissions import can_create_insights, can_see_insight, can_work_route
from .workbench_forms import (
    AddItemsForm,
    CloseForm,
    InsightEditForm,
    InsightTagsForm,
    MergeForm,
    NewInsightForm,
)

PAGE_SIZE = 50
# The list of all insights is counted up to this ("More than 10,000 insights"): counting all
# 200,000 at XL read every one of them (17 ms on SQLite).
COUNT_UP_TO = 10_000
PICK_PAGE_SIZE = 20
# "Make insight" or "Add to an insight" on an idea or reaction a moderator hid (issue 15).
HIDDEN_SOURCE = _l("A moderator hid this, so an insight can't rest on it.")
HIDDEN_MEANWHILE = _l(
    "A moderator hid it meanwhile, so the insight can't rest on it. What you typed is kept: "
    "save to make the insight without it."
)
NOBODY_READS = _l(
    "Nobody reads the inbox of %(streams)s yet: the panel managers' digest carries it until "
    "someone is added to the stream."
)
REFUSALS = {
    "same": _l("An insight can't be merged with or be a duplicate of itself."),
    "merged": _l("One of the two was merged meanwhile. Nothing was changed."),
    "closed": _l("It was closed meanwhile. Nothing was changed."),
    "target": _l("That insight is merged or closed itself: choose the one that is followed up."),
    "open": _l("It is open already."),
}


def offer_tags(field, kept=()):
    """The tags a form offers: not archived, and the archived ones the insight has (kept); an
    archived tag it doesn't have is refused by name if sent (TagChoicesField)."""
    offered = rules.tags_to_offer(kept)
    field.choices = choices((tag.id, tag.name) for tag in offered)
    if request.method == "POST":  # only a sent form is checked (a page shows what's offered)
        offered_ids = {tag.id for tag in offered}
        field.archived = {
            tag.id: str(tag.name)
            for tag in Tag.query.filter(Tag.archived_at.isnot(None))
            if tag.id not in offered_ids
        }


def require_creator():
    if not can_create_insights(current_user):
        abort(403)


def visible_insight_or_404(insight_id):
    # The insight's page lists its streams, each route with its stream and the rule that sent it.
    routes = selectinload(Insight.routes)
    insight = db.session.get(
        Insight,
        insight_id,
        options=[routes.joinedload(Route.stream), routes.joinedload(Route.rule)],
    ) or abort(404)
    if not can_see_insight(current_user, insight, services.reviewer_stream_ids(current_user)):
        abort(404)
    return insight


def insight_or_404(insight_id):
    return db.session.get(Insight, insight_id) or abort(404)


def open_insight_or_redirect(insight_id):
    """(insight, None), or (None, a redirect) when it was merged into another."""
    insight = insight_or_404(insight_id)
    if insight.merged_into_id is not None:
        flash(_("That insight was merged into this one."), "info")
        return None, redirect(url_for("insights.detail", insight_id=insight.merged_into_id))
    return insight, None


def round_link(round_):
    """Where "From the round" leads this viewer: the round's page for those who run it, the
    panelists' page for those who may open it (a panelist of it, the moderators), else nowhere
    (None: the round is named as plain text, not a link to a 404)."""
    if round_ is None:
        return None
    if can_manage_round(current_user, round_):
        return url_for("owner.round_detail", round_id=round_.id)
    if can_see_all_rounds(current_user) or round_visible_to(round_, find_member_for(current_user)):
        return url_for("rounds.round_page", round_id=round_.id)
    return None


def warn_unread(stream_ids):
    """Say so when an insight went to streams whose inbox nobody reads yet."""
    unread = manage.streams_without_reviewers(stream_ids)
    if unread:
        names = ", ".join(
            str(stream.name)
            for stream in Stream.query.filter(Stream.id.in_(unread)).order_by(Stream.position)
        )
        flash(str(NOBODY_READS) % {"streams": names}, "warning")


# The list ---------------------------------------------------------------------------------------


@bp.route("/")
def index():
    if not can_create_insights(current_user):
        return redirect(url_for("insights.inbox"))
    filters = insight_list.InsightFilters.from_args(request.args)
    query = insight_list.filtered(filters)
    # Each row shows the insight's tags and the streams it is in.
    rows = query.options(
        selectinload(Insight.tags), selectinload(Insight.routes).joinedload(Route.stream)
    )
    page = paginate(rows, count_of(query, up_to=COUNT_UP_TO), PAGE_SIZE)
    creators = db.session.scalars(
        select(User)
        .where(User.id.in_(distinct_values(Insight.created_by_id, "creators")))
        .order_by(User.name, User.id)
    ).all()
    return render_template(
        "insights/index.html",
        page=page,
        filters=filters,
        streams=Stream.query.order_by(Stream.position).all(),
        tags=Tag.query.order_by(Tag.name_nl).all(),
        creators=creators,
        statuses=RouteStatus.choices(),
        close_kinds=CloseKind,
        count_up_to=COUNT_UP_TO,
    )


# Making an insight, adding contributions --------------------------------------------------------


def requested_items(values):
    """The contributions a request names: repeated `item=kind:id`, or the old kind + source."""
    items = manage.parse_items(values.getlist("item"))
    if not items and values.get("kind") and to_id(values.get("source", "")):
        items = manage.parse_items([f"{values.get('kind')}:{values.get('source')}"])
    return items


def quotable_items(items):
    """(sources, number hidden by a moderator); 404 for a contribution that isn't there."""
    sources, hidden = [], 0
    for kind, source_id in items:
        source = quotable_source(kind, source_id, current_user)
        if source is not None:
            sources.append(source)
        elif hidden_source(kind, source_id):
            hidden += 1
        else:
            abort(404)
    return sources, hidden


@bp.route("/new", methods=["GET", "POST"])
@form_checks_csrf
def new():
    require_creator()
    # The contributions and the way back: in the form, or (an older form) in the address.
    items = requested_items(request.values)
    back = safe_next(request.values.get("next", ""), "")
    form = NewInsightForm()
    offer_tags(form.tags)
    sources, hidden = quotable_items(items)
    if hidden:
        if request.method == "GET" and not sources:
            flash(str(HIDDEN_SOURCE), "error")
            return redirect(back or back_to_referrer(url_for("insights.index")))
        # Hidden by a moderator (before, or while the form was open): said, not a 404. What
        # was typed stays in the form.
        flash(str(HIDDEN_MEANWHILE if request.method == "POST" else HIDDEN_SOURCE), "error")
        if request.method == "POST":
            return render_new(form, sources, back)
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("insights.index"))
        tags = chosen_tags(form)
        insight = services.create_insight(
            form.title_nl.data,
            form.title_en.data,
            form.description.data or "",
            tags,
            current_user,
            evidence=[(source.kind, source.id) for source in sources],
        )
        flash(
            ngettext(
                "The insight is saved and routed to %(num)s stream.",
                "The insight is saved and routed to %(num)s streams.",
                len(insight.routes),
            )
            if insight.routes
            else _("The insight is saved. No rule sent it to a stream."),
            "success",
        )
        warn_unread(route.stream_id for route in insight.routes)
        return redirect(back or url_for("insights.detail", insight_id=insight.id))
    return render_new(form, sources, back)


def chosen_tags(form):
    """The tags ticked in a form's tags field (none ticked: no query)."""
    return Tag.query.filter(Tag.id.in_(form.tags.data)).all() if form.tags.data else []


def routing_preview_of(form, insight):
    """Where the routing rules would send an insight with what the form holds (new or edited)."""
    return manage.routing_preview(
        insight, form.title_nl.data, form.title_en.data, form.description.data, chosen_tags(form)
    )


def render_new(form, sources, back):
    preview = routing_preview_of(form, None)
    return render_template(
        "insights/new.html",
        form=form,
        sources=sources,
        items=manage.item_values([(source.kind, source.id) for source in sources]),
        back=back,
        preview=preview if request.method == "POST" else None,
        unread=manage.streams_without_reviewers(stream.id for stream, _rule in preview),
    )


@bp.route("/evidence", methods=["POST"])
def add_evidence():
    require_creator()
    form = AddItemsForm()
    items = requested_items(request.form)
    back = safe_next(form.next.data or "", "")
    if not form.validate_on_submit() or not items:
        flash(_("Choose the insight to add this to."), "error")
        return redirect(back or back_to_referrer(url_for("insights.index")))
    insight = insight_or_404(form.insight_id.data)
    if insight.merged_into_id is not None:
        insight = insight_or_404(insight.merged_into_id)
    # No form token claimed: adding is one row per contribution (a unique key), so a second
    # press changes nothing, and the picker's page may be used again (back button) for
    # another insight.
    for kind, source_id in items:
        if load_missing(kind, source_id):
            abort(404)
    counts = manage.add_items(insight, items, current_user)
    insight = counts["insight"]  # the kept one, if a merge came in between
    if counts["hidden"]:
        flash(
            str(HIDDEN_SOURCE)
            if len(items) == 1
            else ngettext(
                "%(num)s contribution was left out: a moderator hid it.",
                "%(num)s contributions were left out: a moderator hid them.",
                counts["hidden"],
            ),
            "error",
        )
    if counts["added"] or counts["had"]:
        flash(
            ngettext(
                "Added to “%(title)s”. It now rests on %(num)s contribution.",
                "Added to “%(title)s”. It now rests on %(num)s contributions.",
                insight.evidence_count,
                title=insight.title,
            ),
            "success",
        )
    # Back to where the contribution was, so the next one can be triaged straight away.
    return redirect(back or back_to_referrer(url_for("insights.detail", insight_id=insight.id)))


def load_missing(kind, source_id):
    """True for a contribution that is not there at all (neither quotable nor hidden)."""
    return quotable_source(kind, source_id, current_user) is None and not hidden_source(
        kind, source_id
    )


@bp.route("/pick")
def pick():
    """ "Add to insight" for one or several contributions: a search over all insights, and the
    insights sharing most words with the contributions (contract 2 of issue 16)."""
    require_creator()
    items = requested_items(request.args)
    if not items:
        abort(404)
    sources, hidden = quotable_items(items)
    if not sources:
        flash(str(HIDDEN_SOURCE), "error")
        return redirect(back_to_referrer(url_for("insights.index")))
    words = " ".join(request.args.get("q", "").split())[:100]
    had = set(
        db.session.scalars(
            select(Evidence.insight_id).where(
                db.or_(
                    *[
                        db.and_(Evidence.kind == source.kind, Evidence.source_id == source.id)
                        for source in sources
                    ]
                )
            )
        )
    )
    query = select(Insight).where(Insight.merged_into_id.is_(None))
    if words:
        query = query.where(Insight.id.in_(insight_search.matching_ids(words)))
    else:
        query = query.where(Insight.closed_at.is_(None))
    page = paginate(query.order_by(Insight.id.desc()), count_of(query), PICK_PAGE_SIZE)
    suggestions = insight_search.similar_to(
        " ".join(source.text for source in sources)[:2000], limit=5
    )
    form = AddItemsForm(next=safe_next(request.args.get("next", ""), ""))
    partial = request.args.get("partial") == "1"  # static/js/insight-pick.js: the results only
    return render_template(
        "insights/_pick_results.html" if partial else "insights/pick.html",
        partial=partial,
        sources=sources,
        hidden=hidden,
        items=manage.item_values([(source.kind, source.id) for source in sources]),
        words=words,
        page=page,
        suggestions=suggestions,
        had=had,
        evidence_of=db.session.scalars(select(Insight).where(Insight.id.in_(had))).all()
        if had
        else [],
        form=form,
    )


def back_to_referrer(fallback):
    """The page the request came from, on this site only (the Referer header is the user's)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return fallback
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, fallback)


# One insight ------------------------------------------------------------------------------------


@bp.route("/<int:insight_id>")
def detail(insight_id):
    insight = visible_insight_or_404(insight_id)
    if insight.merged_into_id is not None:
        flash(_("That insight was merged into this one."), "info")
        return redirect(url_for("insights.detail", insight_id=insight.merged_into_id))
    quotes = load_quotes(insight.evidence)
    reviewer_streams = services.reviewer_stream_ids(current_user)
    route_form = AddRouteForm()
    routed = {route.stream_id for route in insight.live_routes}
    route_form.stream_id.choices = choices(
        (s.id, s.name)
        for s in Stream.query.order_by(Stream.position)
        if s.id not in routed and s.archived_at is None
    )
    tags_form = InsightTagsForm(tags=[tag.id for tag in insight.tags])
    offer_tags(tags_form.tags, insight.tags)
    merged = db.session.scalars(
        select(Insight).where(Insight.merged_into_id == insight.id).order_by(Insight.id)
    ).all()
    return render_template(
        "insights/detail.html",
        insight=insight,
        round_link=round_link(insight.round),
        quotes=quotes,
        route_form=route_form,
        tags_form=tags_form,
        can_edit=can_create_insights(current_user),
        workable={
            r.id for r in insight.live_routes if can_work_route(current_user, r, reviewer_streams)
        },
        merged=merged,
        duplicate_of=db.session.get(Insight, insight.duplicate_of_id)
        if insight.duplicate_of_id
        else None,
        close_kinds=CloseKind,
        # The release changes that answer it, and linking one (signals.insight_sections).
        sections=[s for found in signals.answers(signals.insight_sections, insight) for s in found],
    )


@bp.route("/<int:insight_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def edit(insight_id):
    """Title, description and tags; "Preview" shows where the rules would newly send it."""
    require_creator()
    insight, moved = open_insight_or_redirect(insight_id)
    if moved:
        return moved
    form = InsightEditForm(obj=insight)
    offer_tags(form.tags, insight.tags)
    if request.method == "GET":
        form.tags.data = [tag.id for tag in insight.tags]
    previewing = request.form.get("action") == "preview"
    if form.validate_on_submit() and not previewing:
        tags = chosen_tags(form)
        routes = manage.edit_insight(
            insight,
            form.title_nl.data,
            form.title_en.data,
            form.description.data,
            tags,
            current_user,
        )
        flash(
            ngettext(
                "The insight is saved and now also in %(num)s more stream.",
                "The insight is saved and now also in %(num)s more streams.",
                len(routes),
            )
            if routes
            else _("The insight is saved."),
            "success",
        )
        warn_unread(route.stream_id for route in routes)
        return redirect(url_for("insights.detail", insight_id=insight.id))
    preview = routing_preview_of(form, insight)
    return render_template(
        "insights/edit.html",
        insight=insight,
        form=form,
        preview=preview,
        previewed=previewing,
        unread=manage.streams_without_reviewers(stream.id for stream, _rule in preview),
    )


@bp.route("/<int:insight_id>/title", methods=["GET", "POST"])
@form_checks_csrf
def edit_title(insight_id):
    require_creator()
    insight, moved = open_insight_or_redirect(insight_id)
    if moved:
        return moved
    form = InsightTitleForm(obj=insight)
    if form.validate_on_submit():
        services.retitle_insight(insight, form.title_nl.data, form.title_en.data, current_user)
        insight_search.reindex_insight(insight)
        flash(_("The title is saved."), "success")
        return redirect(url_for("insights.detail", insight_id=insight.id))
    return render_template("insights/title.html", insight=insight, form=form)


@bp.route("/<int:insight_id>/tags", methods=["POST"])
def set_tags(insight_id):
    require_creator()
    insight = insight_or_404(insight_id)
    form = InsightTagsForm()
    offer_tags(form.tags, insight.tags)
    if not form.validate_on_submit():
        # An archived tag chosen, or an expired form: said, nothing saved.
        for error in dict.fromkeys(str(e) for errors in form.errors.values() for e in errors):
            flash(error, "error")
    else:
        before = {route.stream_id for route in insight.routes}
        tags = chosen_tags(form)
        if insight.closed_at is None:
            services.set_tags(insight, tags, current_user)
        else:
            insight.tags = tags  # a closed insight is not routed again
        flash(_("The tags are saved."), "success")
        warn_unread(route.stream_id for route in insight.routes if route.stream_id not in before)
    return redirect(url_for("insights.detail", insight_id=insight.id))


@bp.route("/<int:insight_id>/merge", methods=["GET", "POST"])
@form_checks_csrf
def merge(insight_id):
    """Merge this insight into another one (found by words or number)."""
    require_creator()
    insight, moved = open_insight_or_redirect(insight_id)
    if moved:
        return moved
    form = MergeForm()
    if form.validate_on_submit():
        kept = insight_or_404(form.kept_id.data)
        if request.form.get("confirm") != "1":
            # First what would move, then "Yes, merge".
            return render_template(
                "insights/merge.html",
                insight=insight,
                form=form,
                kept=kept,
                moves=manage.what_moves(insight, kept),
            )
        try:
            kept = manage.merge_insights(insight, kept, current_user)
        except NotAllowed as refusal:
            db.session.rollback()
            flash(str(REFUSALS[refusal.code]), "error")
            return redirect(url_for("insights.merge", insight_id=insight_id))
        flash(
            ngettext(
                "Merged: “%(title)s” now rests on %(num)s contribution.",
                "Merged: “%(title)s” now rests on %(num)s contributions.",
                kept.evidence_count,
                title=kept.title,
            )
            if kept.evidence_count
            else _("Merged into “%(title)s”.", title=kept.title),
            "success",
        )
        return redirect(url_for("insights.detail", insight_id=kept.id))
    if request.method == "POST":
        flash(_("Choose the insight to keep."), "error")
    words = " ".join(request.args.get("q", "").split())[:100]
    candidates = select(Insight).where(
        Insight.merged_into_id.is_(None), Insight.closed_at.is_(None), Insight.id != insight.id
    )
    if words.removeprefix("#").isdigit():
        found = candidates.where(Insight.id == to_id(words.removeprefix("#")))
    elif words:
        found = candidates.where(Insight.id.in_(insight_search.matching_ids(words)))
    else:
        found = None
    return render_template(
        "insights/merge.html",
        insight=insight,
        form=form,
        words=words,
        found=db.session.scalars(found.order_by(Insight.id.desc()).limit(10)).all()
        if found is not None
        else [],
        suggestions=insight_search.similar_to(
            f"{insight.title_nl} {insight.title_en} {insight.description}",
            limit=5,
            exclude_ids=[insight.id],
        ),
    )


@bp.route("/<int:insight_id>/close", methods=["GET", "POST"])
@form_checks_csrf
def close(insight_id):
    require_creator()
    insight, moved = open_insight_or_redirect(insight_id)
    if moved:
        return moved
    if insight.closed_at is not None:
        flash(str(REFUSALS["closed"]), "info")
        return redirect(url_for("insights.detail", insight_id=insight.id))
    form = CloseForm()
    if form.validate_on_submit():
        target = None
        if form.kind.data == CloseKind.DUPLICATE.value:
            target = db.session.get(Insight, form.duplicate_id)
            if target is None:
                form.duplicate_of.errors.append(_("There is no insight with that number."))
        if not form.duplicate_of.errors:
            try:
                manage.close_insight(
                    insight,
                    form.kind.data,
                    current_user,
                    form.reason_nl.data,
                    form.reason_en.data,
                    duplicate_of=target,
                )
            except NotAllowed as refusal:
                db.session.rollback()
                if refusal.code in ("same", "target"):
                    form.duplicate_of.errors.append(str(REFUSALS[refusal.code]))
                else:
                    flash(str(REFUSALS[refusal.code]), "error")
                    return redirect(url_for("insights.detail", insight_id=insight_id))
            else:
                flash(_("The insight is closed."), "success")
                return redirect(url_for("insights.detail", insight_id=insight.id))
    return render_template(
        "insights/close.html",
        insight=insight,
        form=form,
        open_routes=[
            route for route in insight.live_routes if route.status not in ("done", "declined")
        ],
        suggestions=insight_search.similar_to(
            f"{insight.title_nl} {insight.title_en} {insight.description}",
            limit=5,
            exclude_ids=[insight.id],
        ),
    )


@bp.route("/<int:insight_id>/reopen", methods=["POST"])
def reopen(insight_id):
    require_creator()
    insight = insight_or_404(insight_id)
    try:
        manage.reopen_insight(insight, current_user)
    except NotAllowed as refusal:
        flash(str(REFUSALS[refusal.code]), "info")
    else:
        flash(_("The insight is open again."), "success")
    return redirect(url_for("insights.detail", insight_id=insight_id))


@bp.route("/<int:insight_id>/routes", methods=["POST"])
def add_route(insight_id):
    require_creator()
    insight = insight_or_404(insight_id)
    stream = db.session.get(Stream, request.form.get("stream_id", type=to_id) or 0) or abort(404)
    if stream.archived_at is not None:
        abort(404)  # archived: not offered, so not routed to by hand either
    existing = next((route for route in insight.routes if route.stream_id == stream.id), None)
    if existing is None:
        services.add_route(insight, stream, current_user)
    elif existing.removed_at is not None:
        services.restore_route(existing, current_user)
    flash(_("%(stream)s now has this insight in its inbox.", stream=stream.name), "success")
    warn_unread([stream.id])
    return redirect(url_for("insights.detail", insight_id=insight.id))


@bp.route("/<int:insight_id>/routes/<int:route_id>/remove", methods=["POST"])
def remove_route(insight_id, route_id):
    require_creator()
    route = db.session.get(Route, route_id)
    if route is None or route.insight_id != insight_id:
        abort(404)
    services.remove_route(route, current_user)
    flash(
        _("%(stream)s no longer has this insight in its inbox.", stream=route.stream.name),
        "success",
    )
    return redirect(url_for("insights.detail", insight_id=insight_id))


# Closing the loop -------------------------------------------------------------------------------


@loop_bp.route("/me/contributions")
def contributions():
    member = find_member_for(current_user)
    if member is None:
        abort(404)
    return render_template("insights/contributions.html", page=contributions_of(member))
