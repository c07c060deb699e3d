"""Thin views for reviewers: each stream's inbox, one routed insight, and the stream metrics."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import aliased, contains_eager, joinedload
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import signals
from ..accounts.models import User
from ..converters import to_id
from ..database import utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..forms import CHOOSE, BaseForm, choices
from ..i18n import lazy_gettext as _l
from ..paging import paginate
from ..security import Role, form_checks_csrf, safe_next
from ..submissions import answered_before, claim_submission
from . import bp, insight_search, services
from .evidence import load_quotes
from .forms import AnswerForm, AssignForm, NoteForm, StatusForm, StreamInboxFilterForm
from .models import (
    OPEN_STATUSES,
    Insight,
    InternalNote,
    Route,
    RouteStatus,
    Stream,
    StreamMember,
    Tag,
    insight_tags,
)
from .permissions import can_create_insights, can_open_stream_inbox, can_work_route
from .views import COUNT_UP_TO, PAGE_SIZE


class ShippedForm(BaseForm):
    """Close a route as "shipped in version X": the releases answering the insight to choose
    from, and the reviewer's own words after the standard line (optional)."""

    release = SelectField(_l("Shipped in"), validators=[DataRequired(CHOOSE)])
    note_nl = TextAreaField(
        _l("More in Dutch (optional)"),
        validators=[Length(max=2000)],
        render_kw={"rows": 2, "lang": "nl"},
    )
    note_en = TextAreaField(
        _l("More in English (optional)"),
        validators=[Length(max=2000)],
        render_kw={"rows": 2, "lang": "en"},
    )


def shipped_form(insight):
    """The form, offering the published releases with a change linked to the insight (from the
    shipped domain, signals.insight_shipping_releases); None when there are none."""
    releases = [
        release
        for found in signals.answers(signals.insight_shipping_releases, insight.id)
        for release in found
    ]
    if not releases:
        return None, {}
    form = ShippedForm()
    form.release.choices = choices(
        [("", _("Choose the version")), *((str(r.id), r.version) for r in releases)]
    )
    return form, {str(release.id): release for release in releases}


# The stream inbox -------------------------------------------------------------------------------

NOBODY = 0  # the assignee choice "nobody"


def inbox_filter_form(streams):
    form = StreamInboxFilterForm(request.args)
    form.status.choices = choices(
        [("", _("Still open")), ("all", _("All"))] + RouteStatus.choices()
    )
    form.tag.choices = choices(
        [("", _("All"))] + [(str(t.id), t.name) for t in Tag.query.order_by(Tag.name_nl)]
    )
    form.stream.choices = choices(
        [
            (
                "",
                _("My streams and those without reviewers")
                if current_user.has_role(Role.PANEL_MANAGER)
                else _("All my streams"),
            )
        ]
        + [(str(stream.id), stream.name) for stream in streams]
    )
    return form


def inbox_streams():
    """The streams whose inbox the viewer may open: their own, or every one for panel managers;
    and the one asked for (?stream=), a 404 when it is not one of those. (streams, the ids of
    the streams shown, the stream asked for or None).

    Without ?stream= a reviewer sees all their own streams; a panel manager also the streams
    nobody reviews yet (their items would otherwise wait unseen)."""
    reviewer = aliased(StreamMember)
    staffed = (
        db.select(reviewer.user_id)
        .where(reviewer.stream_id == Stream.id, services.can_work(reviewer.user_id))
        .exists()
    )
    rows = db.session.execute(
        db.select(Stream, StreamMember.user_id, staffed)
        .outerjoin(
            StreamMember,
            (StreamMember.stream_id == Stream.id) & (StreamMember.user_id == current_user.id),
        )
        .order_by(Stream.position, Stream.id)
    ).all()
    own = [stream.id for stream, member, _staffed in rows if member is not None]
    manager = current_user.has_role(Role.PANEL_MANAGER)
    openable = [stream for stream, member, _staffed in rows if manager or member is not None]
    stream_id = to_id(request.args.get("stream", "").strip())
    if stream_id is None:  # none asked for (or not a number): all their own streams
        unstaffed = [stream.id for stream, _member, staffed in rows if manager and not staffed]
        return openable, own + unstaffed, None
    chosen = next((stream for stream in openable if stream.id == stream_id), None)
    if chosen is None or not can_open_stream_inbox(current_user, stream_id, own):
        abort(404)
    return openable, [stream_id], chosen


def ignore_bad_values(form):
    """A filter value the form doesn't know (an old link, a removed tag, a typo) is left out on
    its own: the other filters, and the default "still open", keep working; the field shows its
    default again."""
    form.validate()
    for field in form:
        if field.errors:
            field.data = field.default if field.default is not None else ""
            field.errors = []


def rows_stream_condition(form, stream_ids):
    """The stream condition of the inbox's rows. Open routes, soonest due first, on SQLite:
    "+stream_id" (the same value) keeps the planner off the stream index. Given the statistics
    of a small table it may take that index and sort, where the partial index ix_routes_open_due
    reads the open routes already in due order. The count keeps the plain column: it is read
    from the stream index alone."""
    if (
        (form.status.data or "") == ""
        and form.sort.data not in ("newest", "weight")
        and db.session.get_bind().dialect.name == "sqlite"
    ):
        return db.literal_column("+routes.stream_id").in_(stream_ids)
    return Route.stream_id.in_(stream_ids)


def inbox_conditions(form, stream_ids):
    """The WHERE of the inbox but for its streams (rows_stream_condition, or the plain column
    for the count), and whether it needs the insight joined to count."""
    ignore_bad_values(form)
    status = form.status.data or ""
    conditions = [Route.removed_at.is_(None)]
    joins_insight = False
    if status == "":
        # The statuses written out, not bound: SQLite uses a partial index only when the
        # query repeats its condition (ix_routes_open_due, which serves the sort by due date).
        conditions.append(
            Route.status.in_(
                db.bindparam(
                    "open_statuses", list(OPEN_STATUSES), expanding=True, literal_execute=True
                )
            )
        )
    elif status != "all":
        conditions.append(Route.status == status)
    if form.overdue.data == "yes":
        conditions += [Route.first_response_at.is_(None), Route.due_at < utcnow()]
    if form.tag.data and form.tag.data.isdigit():
        conditions.append(
            Route.insight_id.in_(
                db.select(insight_tags.c.insight_id).where(
                    insight_tags.c.tag_id == int(form.tag.data)
                )
            )
        )
    if form.source.data == "round":
        conditions.append(Insight.round_id.isnot(None))
        joins_insight = True
    elif form.source.data == "release":
        conditions.append(Insight.release_id.isnot(None))
        joins_insight = True
    elif form.source.data == "other":
        conditions += [Insight.round_id.is_(None), Insight.release_id.is_(None)]
        joins_insight = True
    if form.assigned.data == "mine":
        conditions.append(Route.assigned_to_id == current_user.id)
    elif form.assigned.data == "unassigned":
        conditions.append(Route.assigned_to_id.is_(None))
    words = (form.q.data or "").replace("\x00", " ").strip()
    if words:
        conditions.append(Route.insight_id.in_(insight_search.matching_ids(words)))
    return conditions, joins_insight


@bp.route("/inbox")
def inbox():
    streams, stream_ids, chosen = inbox_streams()
    form = inbox_filter_form(streams)
    conditions, joins_insight = inbox_conditions(form, stream_ids)
    order = {
        "newest": (Route.routed_at.desc(), Route.id.desc()),
        "weight": (Insight.evidence_count.desc(), Route.id.desc()),
    }.get(form.sort.data, (Route.due_at, Route.id))
    # Each row shows the insight (already joined for sorting) with its tags, the stream and the
    # assignee.
    rows = (
        db.select(Route)
        .join(Insight)
        .options(
            contains_eager(Route.insight).selectinload(Insight.tags),
            joinedload(Route.stream),
            joinedload(Route.assigned_to),
        )
        .where(rows_stream_condition(form, stream_ids), *conditions)
        .order_by(*order)
    )
    # Counted up to COUNT_UP_TO, from the stream index alone (its columns only: PostgreSQL then
    # reads the index, not the routes; 22 -> 1 ms at XL for 58,000 open routes).
    counted = db.select(Route.stream_id).where(Route.stream_id.in_(stream_ids), *conditions)
    if joins_insight:
        counted = counted.join(Insight)
    count = db.select(db.func.count()).select_from(counted.limit(COUNT_UP_TO + 1).subquery())
    page = paginate(rows, count, PAGE_SIZE)
    shown = [stream for stream in streams if stream.id in stream_ids]
    assign_form = AssignForm()
    assign_form.assignee.choices = assignee_choices(services.stream_reviewers(stream_ids))
    return render_template(
        "insights/inbox.html",
        page=page,
        form=form,
        streams=shown,
        chosen=chosen,
        assign_form=assign_form,
        here=request.full_path.rstrip("?"),
        now=utcnow(),
        count_up_to=COUNT_UP_TO,
    )


def assignee_choices(reviewers):
    return choices([(NOBODY, _("Nobody"))] + [(user.id, user.display_name) for user in reviewers])


def back_to_inbox():
    """Bulk actions return to the inbox as it was: its stream, filters, search and page."""
    return redirect(safe_next(request.form.get("next") or "", url_for("insights.inbox")))


def ticked_routes():
    """The ticked routes the viewer may work (others' routes are left out, never an error)."""
    stream_ids = services.reviewer_stream_ids(current_user)
    ids = [number for number in map(to_id, request.form.getlist("route")) if number]
    routes = Route.query.filter(Route.id.in_(ids)).all() if ids else []
    return [r for r in routes if can_work_route(current_user, r, stream_ids)]


@bp.route("/inbox/acknowledge", methods=["POST"])
def acknowledge():
    count = services.acknowledge(ticked_routes(), current_user)
    if count:
        flash(
            ngettext("%(num)s insight acknowledged.", "%(num)s insights acknowledged.", count),
            "success",
        )
    else:
        flash(_("Tick the insights you want to acknowledge first."), "info")
    return back_to_inbox()


@bp.route("/inbox/assign", methods=["POST"])
def assign_many():
    """Bulk: the ticked routes to one reviewer (or nobody); those outside that reviewer's
    streams are skipped and counted."""
    routes = ticked_routes()
    form = AssignForm()
    form.assignee.choices = assignee_choices(
        services.stream_reviewers(sorted({route.stream_id for route in routes}))
    )
    if not routes:
        flash(_("Tick the insights you want to assign first."), "info")
        return back_to_inbox()
    if not form.validate_on_submit():
        flash(_("Choose a reviewer of these streams to assign to."), "error")
        return back_to_inbox()
    assignee = db.session.get(User, form.assignee.data) if form.assignee.data else None
    assigned, refused = services.assign_many(routes, assignee, current_user)
    if assigned:
        flash(
            ngettext("%(num)s insight assigned.", "%(num)s insights assigned.", assigned),
            "success",
        )
    if refused:
        flash(
            ngettext(
                "%(num)s insight was not assigned: %(name)s is not a reviewer of its stream.",
                "%(num)s insights were not assigned: %(name)s is not a reviewer of their streams.",
                refused,
                name=assignee.display_name if assignee else "",
            ),
            "error",
        )
    if not assigned and not refused:
        flash(_("Nothing changed: they were already assigned like that."), "info")
    return back_to_inbox()


def workable_route_or_404(route_id):
    # The page names the stream and the assignee: loaded with the route.
    route = db.session.get(
        Route, route_id, options=[joinedload(Route.stream), joinedload(Route.assigned_to)]
    ) or abort(404)
    if not can_work_route(current_user, route, services.reviewer_stream_ids(current_user)):
        abort(404)
    return route


# A merge folded the route away (into the kept insight's route in the same stream) while the
# reviewer had its page open: what they sent goes there, they decide to send it again.
MERGED_AWAY = _l(
    "This insight was merged into “%(title)s” meanwhile; this is its page for the same stream."
    " What you sent was not saved: it is in the form below, to send again here."
)
MERGED_AWAY_NOT_KEPT = _l(
    "This insight was merged into “%(title)s” meanwhile. What you sent was not saved."
)


def route_forms(route):
    """The route page's forms: (status, assign, note, answer); a sent one holds what was sent."""
    status_form, note_form, answer_form = StatusForm(obj=route), NoteForm(), AnswerForm(obj=route)
    assign_form = AssignForm(
        assignee=route.assigned_to_id or NOBODY, seen=str(route.assigned_to_id or NOBODY)
    )
    assign_form.assignee.choices = assignee_choices(services.stream_reviewers([route.stream_id]))
    return status_form, assign_form, note_form, answer_form


def merged_away(insight_id, stream_id):
    """What was sent for a route a merge took away: the page of the route that took it over
    (services.route_taking_over), its forms holding what was sent (nothing is saved: the
    reviewer reads the insight it is now and sends it again; when that page has no such form,
    "close as shipped" for one, it says it was not saved). When that route is not open to them,
    the inbox, saying it was not saved. A 404 when the route was not merged away."""
    kept = services.route_taking_over(insight_id, stream_id) if insight_id and stream_id else None
    if kept is None:
        abort(404)
    title = kept.insight.title.plain()
    workable = kept.removed_at is None and can_work_route(
        current_user, kept, services.reviewer_stream_ids(current_user)
    )
    if not workable:
        flash(str(MERGED_AWAY_NOT_KEPT) % {"title": title}, "warning")
        return redirect(url_for("insights.inbox"))
    status_form, assign_form, note_form, answer_form = route_forms(kept)
    shipped, _releases = shipped_form(kept.insight)
    kept_in_form = request.form.get("action") in ("answer", "note") or (
        request.form.get("action") == "shipped" and shipped is not None
    )
    flash(str(MERGED_AWAY if kept_in_form else MERGED_AWAY_NOT_KEPT) % {"title": title}, "warning")
    return render_route(kept, status_form, assign_form, note_form, answer_form, shipped)


@bp.route("/inbox/<int:route_id>", methods=["GET", "POST"])
@form_checks_csrf
def route(route_id):
    if request.method == "POST" and db.session.get(Route, route_id) is None:
        # The page's forms name the insight and stream it showed (route.html).
        return merged_away(
            to_id(request.form.get("insight", "")), to_id(request.form.get("stream", ""))
        )
    route = workable_route_or_404(route_id)
    if route.removed_at is not None:
        abort(404)
    status_form, assign_form, note_form, answer_form = route_forms(route)
    action = request.form.get("action")
    shipped, shipped_releases = shipped_form(route.insight)
    showed = (route.insight_id, route.stream_id)
    if request.method == "POST":
        if action == "assign" and assign_form.validate_on_submit():
            assignee = (
                db.session.get(User, assign_form.assignee.data)
                if assign_form.assignee.data
                else None
            )
            try:
                changed = services.assign(
                    route, assignee, current_user, seen=to_id(assign_form.seen.data or "")
                )
            except NotAllowed as refusal:
                db.session.rollback()
                if refusal.code == "not_in_stream":
                    flash(_("Only a reviewer of this stream can be assigned."), "error")
                else:
                    flash(
                        _(
                            "A colleague assigned this insight in the meantime."
                            " Here it is as it is now."
                        ),
                        "info",
                    )
                return redirect(url_for("insights.route", route_id=route.id))
            if changed:
                flash(
                    _("Assigned to %(name)s.", name=assignee.display_name)
                    if assignee
                    else _("Nobody is assigned now."),
                    "success",
                )
            return redirect(url_for("insights.route", route_id=route.id))
        if action == "status" and status_form.validate_on_submit():
            services.set_status(route, status_form.status.data, current_user)
            flash(_("The status is saved."), "success")
            return redirect(url_for("insights.route", route_id=route.id))
        if action == "note" and note_form.validate_on_submit():
            if not claim_submission(note_form):
                return answered_before(note_form, url_for("insights.route", route_id=route.id))
            services.add_note(route, note_form.body.data, current_user)
            return redirect(url_for("insights.route", route_id=route.id) + "#notes")
        if action == "shipped" and shipped is not None and shipped.validate_on_submit():
            release = shipped_releases.get(shipped.release.data)
            if release is None:
                shipped.release.errors.append(_("Choose the version it shipped in."))
            else:
                if not claim_submission(shipped):
                    back = url_for("insights.route", route_id=route.id) + "#shipped"
                    return answered_before(shipped, back)
                try:
                    services.close_as_shipped(
                        route, release, shipped.note_nl.data, shipped.note_en.data, current_user
                    )
                except NotAllowed:  # "gone": merged away meanwhile
                    db.session.rollback()
                    return merged_away(*showed)
                flash(
                    _(
                        "Done: shipped in version %(version)s. The answer is published.",
                        version=release.version,
                    ),
                    "success",
                )
                return redirect(url_for("insights.route", route_id=route.id) + "#shipped")
        if action == "answer" and answer_form.validate_on_submit():
            try:
                services.publish_answer(
                    route, answer_form.answer_nl.data, answer_form.answer_en.data, current_user
                )
            except NotAllowed:  # "gone": merged away meanwhile
                db.session.rollback()
                return merged_away(*showed)
            flash(
                _("The answer is published. The panelists behind this insight are told."), "success"
            )
            return redirect(url_for("insights.route", route_id=route.id))
    return render_route(route, status_form, assign_form, note_form, answer_form, shipped)


def render_route(route, status_form, assign_form, note_form, answer_form, shipped):
    insight = route.insight
    quotes = load_quotes(insight.evidence)
    notes = InternalNote.query.filter_by(route_id=route.id).order_by(InternalNote.id).all()
    return render_template(
        "insights/route.html",
        route=route,
        insight=insight,
        quotes=quotes,
        notes=notes,
        status_form=status_form,
        assign_form=assign_form,
        note_form=note_form,
        answer_form=answer_form,
        shipped_form=shipped,
        shipped_release=route.shipped_release,
        now=utcnow(),
    )


@bp.route("/streams")
def streams():
    """Every stream's figures; a reviewer who makes no insights sees those of their own streams.
    A stream's name links to its inbox for those who may open it."""
    own = services.reviewer_stream_ids(current_user)
    shown = Stream.query.order_by(Stream.position)
    if not can_create_insights(current_user):
        shown = shown.filter(Stream.id.in_(own))
    reviewers = services.reviewer_counts()
    rows = [
        (
            stream,
            services.stream_metrics(stream),
            reviewers.get(stream.id, 0),
            can_open_stream_inbox(current_user, stream.id, own),
        )
        for stream in shown
    ]
    return render_template("insights/streams.html", rows=rows)
