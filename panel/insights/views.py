"""Thin views: insights, the stream inbox, stream metrics, and "My contributions" for panelists."""

from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import selectinload

from ..converters import to_id
from ..errors import NotAllowed
from ..extensions import db
from ..forms import choices
from ..i18n import lazy_gettext as _l
from ..membership.services import find_member_for
from ..paging import paginate
from ..security import form_checks_csrf, safe_next
from ..submissions import answered_before, claim_submission
from . import bp, loop_bp, services
from .contributions import contributions_of
from .evidence import hidden_source, load_quotes, quotable_source
from .forms import (
    AddRouteForm,
    EvidenceForm,
    InsightForm,
    InsightTitleForm,
    TagsForm,
)
from .models import (
    Insight,
    Route,
    Stream,
    Tag,
)
from .permissions import can_create_insights, can_see_insight, can_work_route

PAGE_SIZE = 50
# "Make insight" or "Add to an insight" on an idea or reaction a moderator hid (issue 15).
HIDDEN_SOURCE = _l("A moderator hid this, so an insight can't rest on it.")
HIDDEN_MEANWHILE = _l(
    "A moderator hid it meanwhile, so the insight can't rest on it. What you typed is kept: "
    "save to make the insight without it."
)


def tag_choices():
    return choices((tag.id, tag.name) for tag in Tag.query.order_by(Tag.name_nl))


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


@bp.route("/")
def index():
    if not can_create_insights(current_user):
        return redirect(url_for("insights.inbox"))
    # Each row shows the insight's tags and the streams it is in.
    query = (
        db.select(Insight)
        .options(
            selectinload(Insight.tags),
            selectinload(Insight.routes).joinedload(Route.stream),
        )
        .order_by(Insight.id.desc())
    )
    page = paginate(query, db.select(db.func.count(Insight.id)), PAGE_SIZE)
    return render_template("insights/index.html", page=page)


@bp.route("/new", methods=["GET", "POST"])
@form_checks_csrf
def new():
    require_creator()
    form = InsightForm(kind=request.args.get("kind", ""), source=request.args.get("source", ""))
    form.tags.choices = tag_choices()
    source = None
    if form.kind.data and to_id(form.source.data):
        source = quotable_source(form.kind.data, to_id(form.source.data), current_user)
        if source is None:
            if not hidden_source(form.kind.data, to_id(form.source.data)):
                abort(404)
            # Hidden by a moderator: said, not a 404. What was typed stays in the form.
            if request.method == "GET":
                flash(str(HIDDEN_SOURCE), "error")
                return redirect(back_to_referrer(url_for("insights.index")))
            flash(str(HIDDEN_MEANWHILE), "error")
            form.kind.data = form.source.data = ""
            return render_template("insights/new.html", form=form, source=None)
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("insights.index"))
        tags = Tag.query.filter(Tag.id.in_(form.tags.data or [])).all()
        evidence = [(source.kind, source.id)] if source else []
        insight = services.create_insight(
            form.title_nl.data,
            form.title_en.data,
            form.description.data or "",
            tags,
            current_user,
            evidence=evidence,
        )
        flash(
            ngettext(
                "The insight is saved and routed to %(num)s stream.",
                "The insight is saved and routed to %(num)s streams.",
                len(insight.routes),
            ),
            "success",
        )
        return redirect(url_for("insights.detail", insight_id=insight.id))
    return render_template("insights/new.html", form=form, source=source)


@bp.route("/evidence", methods=["POST"])
def add_evidence():
    require_creator()
    form = EvidenceForm()
    form.insight_id.choices = choices(
        (i.id, str(i.title)) for i in Insight.query.order_by(Insight.id.desc()).limit(200)
    )
    if not form.validate_on_submit() or not to_id(form.source.data):
        flash(_("Choose the insight to add this to."), "error")
        return redirect(back_to_referrer(url_for("insights.index")))
    insight = db.session.get(Insight, form.insight_id.data) or abort(404)
    try:
        services.add_evidence(insight, form.kind.data, to_id(form.source.data), current_user)
    except NotAllowed:
        if not hidden_source(form.kind.data, to_id(form.source.data)):
            abort(404)
        db.session.rollback()
        flash(str(HIDDEN_SOURCE), "error")
        return redirect(back_to_referrer(url_for("insights.detail", insight_id=insight.id)))
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
    return redirect(back_to_referrer(url_for("insights.detail", insight_id=insight.id)))


def back_to_referrer(fallback):
    """The page the request came from, on this site only (the Referer header is the user's)."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return fallback
    path = referrer.path + (f"?{referrer.query}" if referrer.query else "")
    return safe_next(path, fallback)


@bp.route("/<int:insight_id>")
def detail(insight_id):
    insight = visible_insight_or_404(insight_id)
    quotes = load_quotes(insight.evidence)
    reviewer_streams = services.reviewer_stream_ids(current_user)
    route_form = AddRouteForm()
    routed = {route.stream_id for route in insight.live_routes}
    route_form.stream_id.choices = choices(
        (s.id, s.name) for s in Stream.query.order_by(Stream.position) if s.id not in routed
    )
    tags_form = TagsForm(tags=[tag.id for tag in insight.tags])
    tags_form.tags.choices = tag_choices()
    return render_template(
        "insights/detail.html",
        insight=insight,
        quotes=quotes,
        route_form=route_form,
        tags_form=tags_form,
        can_edit=can_create_insights(current_user),
        workable={
            r.id for r in insight.live_routes if can_work_route(current_user, r, reviewer_streams)
        },
    )


@bp.route("/<int:insight_id>/title", methods=["GET", "POST"])
@form_checks_csrf
def edit_title(insight_id):
    require_creator()
    insight = db.session.get(Insight, insight_id) or abort(404)
    form = InsightTitleForm(obj=insight)
    if form.validate_on_submit():
        services.retitle_insight(insight, form.title_nl.data, form.title_en.data, current_user)
        flash(_("The title is saved."), "success")
        return redirect(url_for("insights.detail", insight_id=insight.id))
    return render_template("insights/title.html", insight=insight, form=form)


@bp.route("/<int:insight_id>/tags", methods=["POST"])
def set_tags(insight_id):
    require_creator()
    insight = db.session.get(Insight, insight_id) or abort(404)
    form = TagsForm()
    form.tags.choices = tag_choices()
    if form.validate_on_submit():
        services.set_tags(
            insight, Tag.query.filter(Tag.id.in_(form.tags.data or [])).all(), current_user
        )
        flash(_("The tags are saved."), "success")
    return redirect(url_for("insights.detail", insight_id=insight.id))


@bp.route("/<int:insight_id>/routes", methods=["POST"])
def add_route(insight_id):
    require_creator()
    insight = db.session.get(Insight, insight_id) or abort(404)
    stream = db.session.get(Stream, request.form.get("stream_id", type=to_id) or 0) or abort(404)
    existing = next((route for route in insight.routes if route.stream_id == stream.id), None)
    if existing is None:
        services.add_route(insight, stream, current_user)
    elif existing.removed_at is not None:
        services.restore_route(existing, current_user)
    flash(_("%(stream)s now has this insight in its inbox.", stream=stream.name), "success")
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
