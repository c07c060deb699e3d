"""Thin views for panelists: the feedback form of a release, and the after-session questions."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload

from .. import signals
from ..database import race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..membership.services import find_member_for
from ..paging import count_of, paginate
from ..rounds.models import Registration
from ..security import form_checks_csrf
from ..submissions import answered_before, claim_submission, first_to_write
from . import bp, services
from .forms import TouchpointForm, feedback_form, ratings_from
from .models import FeedbackInvitation, Release, Response, TouchpointResponse

REFUSALS = {
    "draft": _l("This release is not open for feedback."),
    "not_open": _l("Feedback for this release opens later."),
    "closed": _l("The feedback period for this version is over."),
    "not_member": _l("Only members of the panel can give feedback."),
    "not_invited": _l(
        "This release is asked of a group of panelists, and you're not in it this time."
    ),
}


def own_member():
    member = find_member_for(current_user)
    if member is None:
        abort(404)
    return member


PER_PAGE = 12


def my_releases(member):
    """The published releases a member sees, newest first: those asked of everyone, and those
    asked of a sample they were invited to (or answered). Each check is an index lookup."""
    invited = exists().where(
        FeedbackInvitation.release_id == Release.id, FeedbackInvitation.member_id == member.id
    )
    return select(Release).where(
        Release.published_at.isnot(None),
        or_(Release.audience == "all", invited, answered_by(member)),
    )


def answered_by(member):
    return exists().where(Response.release_id == Release.id, Response.member_id == member.id)


@bp.route("/feedback")
def overview():
    member = own_member()
    releases = my_releases(member)
    page = paginate(releases.order_by(*Release.newest_first()), count_of(releases), PER_PAGE)
    answered = set(
        db.session.scalars(
            select(Response.release_id).where(
                Response.member_id == member.id,
                Response.release_id.in_([r.id for r in page.items]),
            )
        )
    )
    # One survey at a time, the newest first: the others wait until that one is answered. The
    # newest open one may be on another page than the one shown.
    now = utcnow()
    next_up = db.session.scalars(
        releases.where(Release.opens_at <= now, Release.closes_at > now, ~answered_by(member))
        .order_by(*Release.newest_first())
        .limit(1)
    ).first()
    return render_template(
        "feedback/overview.html",
        releases=page.items,
        page=page,
        answered=answered,
        next_up=next_up,
    )


@bp.route("/feedback/<int:release_id>", methods=["GET", "POST"])
@form_checks_csrf
def form(release_id):
    release = db.session.get(Release, release_id)
    if release is None or release.published_at is None:
        abort(404)
    member = own_member()
    try:
        services.check_can_answer(release, member)
    except NotAllowed as refusal:
        return refused(release, member, refusal)
    # A post is read (and locked) once, by save_response; only the empty form shows the answer.
    response = None if request.method == "POST" else own_response(release, member)
    initial = None
    if response is not None:
        initial = {
            "score": str(response.score),
            "improve_text": response.improve_text,
            "problem_device": response.problem_device,
            "problem_os": response.problem_os,
            "problem_text": response.problem_text,
        }
        for rating in response.ratings:
            initial[f"change_{rating.change_id}"] = (
                "not_used" if rating.rating is None else str(rating.rating)
            )
    form = feedback_form(release, obj_data=initial)
    if form.validate_on_submit():
        data = {
            "score": int(form.score.data),
            "improve_text": form.improve_text.data,
            "problem_device": form.problem_device.data,
            "problem_os": form.problem_os.data,
            "problem_text": form.problem_text.data,
            "ratings": ratings_from(form, release),
        }
        try:
            services.save_response(release, member, data)
        except NotAllowed as refusal:  # the window closed, or the member left, while they typed
            return refused(release, member, refusal)
        flash(_("Thank you! Your feedback helps us make the next version better."), "success")
        return redirect(url_for("feedback.overview"))
    if form.is_submitted():  # sent with a mistake: shown again, saying whether it was answered
        response = own_response(release, member)
    return render_template(
        "feedback/form.html",
        release=release,
        form=form,
        response=response,
        marks=form_marks(release, member),
    )


def form_marks(release, member):
    """{change id: [text]}: what the domains above say beside a change (the shipped domain:
    "You asked for this")."""
    marks = {}
    for found in signals.answers(signals.release_form_marks, release, member=member):
        for change_id, text in found.items():
            marks.setdefault(change_id, []).append(text)
    return marks


def own_response(release, member):
    """The member's answer with its ratings, in one read (a handful of rows: one per change)."""
    return (
        db.session.execute(
            select(Response)
            .where(Response.release_id == release.id, Response.member_id == member.id)
            .options(joinedload(Response.ratings))
        )
        .unique()
        .scalar_one_or_none()
    )


def refused(release, member, refusal):
    """The page that says why the form can't be answered (now), with the answer given."""
    return render_template(
        "feedback/closed.html",
        release=release,
        response=own_response(release, member),
        message=REFUSALS[refusal.code],
    ), 200


@bp.route("/feedback/session/<int:registration_id>", methods=["GET", "POST"])
@form_checks_csrf
def touchpoint(registration_id):
    member = own_member()
    registration = db.session.get(Registration, registration_id)
    if (
        registration is None
        or registration.member_id != member.id
        or registration.attendance != "attended"
    ):
        abort(404)
    if TouchpointResponse.query.filter_by(registration_id=registration.id).first():
        flash(_("You already told us about this session. Thank you!"), "info")
        return redirect(url_for("membership.dashboard"))
    form = TouchpointForm()
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("membership.dashboard"))
        race_pause("TOUCHPOINT_RACE_DELAY")  # read above that it was not answered yet
        answer = TouchpointResponse(
            registration_id=registration.id,
            member_id=member.id,
            score=int(form.score.data),
            better_text=(form.better_text.data or "").strip() or None,
        )
        if not first_to_write(lambda: db.session.add(answer)):
            flash(_("You already told us about this session. Thank you!"), "info")
            return redirect(url_for("membership.dashboard"))
        flash(_("Thank you for telling us!"), "success")
        return redirect(url_for("membership.dashboard"))
    return render_template("feedback/touchpoint.html", form=form, session=registration.session)
