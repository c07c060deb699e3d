"""Thin views for reviewers: each stream's inbox, one routed insight, and the stream metrics."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import contains_eager, joinedload

from ..converters import to_id
from ..database import utcnow
from ..extensions import db
from ..forms import choices
from ..paging import paginate
from ..security import Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import bp, services
from .evidence import load_quotes
from .forms import AnswerForm, InboxFilterForm, NoteForm, StatusForm
from .models import (
    OPEN_STATUSES,
    Insight,
    InternalNote,
    Route,
    RouteStatus,
    Stream,
    Tag,
    insight_tags,
)
from .permissions import can_work_route
from .views import PAGE_SIZE

# The stream inbox -------------------------------------------------------------------------------


def inbox_filter_form():
    form = InboxFilterForm(request.args)
    form.status.choices = choices(
        [("", _("Still open")), ("all", _("All"))] + RouteStatus.choices()
    )
    form.tag.choices = choices(
        [("", _("All"))] + [(str(t.id), t.name) for t in Tag.query.order_by(Tag.name_nl)]
    )
    return form


@bp.route("/inbox")
def inbox():
    stream_ids = services.reviewer_stream_ids(current_user)
    if current_user.has_role(Role.PANEL_MANAGER) and request.args.get("stream", type=to_id):
        stream_ids = [request.args.get("stream", type=to_id)]
    form = inbox_filter_form()
    conditions = [Route.stream_id.in_(stream_ids), Route.removed_at.is_(None)]
    joins_insight = False
    if form.validate():
        status = form.status.data or ""
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
    order = {
        "newest": (Route.routed_at.desc(), Route.id.desc()),
        "weight": (Insight.evidence_count.desc(), Route.id.desc()),
    }.get(form.sort.data, (Route.due_at, Route.id))
    # Each row shows the insight (already joined for sorting) with its tags, and the stream.
    rows = (
        db.select(Route)
        .join(Insight)
        .options(contains_eager(Route.insight).selectinload(Insight.tags), joinedload(Route.stream))
        .where(*conditions)
        .order_by(*order)
    )
    count = db.select(db.func.count(Route.id)).where(*conditions)
    if joins_insight:
        count = count.join(Insight)
    page = paginate(rows, count, PAGE_SIZE)
    streams = Stream.query.filter(Stream.id.in_(stream_ids)).all()
    return render_template(
        "insights/inbox.html", page=page, form=form, streams=streams, now=utcnow()
    )


@bp.route("/inbox/acknowledge", methods=["POST"])
def acknowledge():
    stream_ids = services.reviewer_stream_ids(current_user)
    ids = [number for number in map(to_id, request.form.getlist("route")) if number]
    routes = Route.query.filter(Route.id.in_(ids)).all() if ids else []
    routes = [r for r in routes if can_work_route(current_user, r, stream_ids)]
    count = services.acknowledge(routes, current_user)
    if count:
        flash(
            ngettext("%(num)s insight acknowledged.", "%(num)s insights acknowledged.", count),
            "success",
        )
    else:
        flash(_("Tick the insights you want to acknowledge first."), "info")
    return redirect(url_for("insights.inbox"))


def workable_route_or_404(route_id):
    route = db.session.get(Route, route_id) or abort(404)
    if not can_work_route(current_user, route, services.reviewer_stream_ids(current_user)):
        abort(404)
    return route


@bp.route("/inbox/<int:route_id>", methods=["GET", "POST"])
@form_checks_csrf
def route(route_id):
    route = workable_route_or_404(route_id)
    if route.removed_at is not None:
        abort(404)
    status_form, note_form, answer_form = StatusForm(obj=route), NoteForm(), AnswerForm(obj=route)
    action = request.form.get("action")
    if request.method == "POST":
        if action == "status" and status_form.validate_on_submit():
            services.set_status(route, status_form.status.data, current_user)
            flash(_("The status is saved."), "success")
            return redirect(url_for("insights.route", route_id=route.id))
        if action == "note" and note_form.validate_on_submit():
            if not claim_submission(note_form):
                return answered_before(note_form, url_for("insights.route", route_id=route.id))
            services.add_note(route, note_form.body.data, current_user)
            return redirect(url_for("insights.route", route_id=route.id) + "#notes")
        if action == "answer" and answer_form.validate_on_submit():
            services.publish_answer(
                route, answer_form.answer_nl.data, answer_form.answer_en.data, current_user
            )
            flash(
                _("The answer is published. The panelists behind this insight are told."), "success"
            )
            return redirect(url_for("insights.route", route_id=route.id))
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
        note_form=note_form,
        answer_form=answer_form,
        now=utcnow(),
    )


@bp.route("/streams")
def streams():
    rows = [
        (stream, services.stream_metrics(stream))
        for stream in Stream.query.order_by(Stream.position)
    ]
    return render_template("insights/streams.html", rows=rows)
