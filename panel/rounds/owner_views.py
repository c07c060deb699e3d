"""Thin views for product owners (and panel managers): run a round from idea to launch."""

import re
import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.orm import joinedload

from .. import signals
from ..accounts.models import User, UserRole
from ..accounts.streams import Stream
from ..errors import NotAllowed
from ..extensions import db
from ..forms import ConfirmForm, choices, utc_to_local
from ..i18n import lazy_gettext as _l
from ..membership.models import Member
from ..membership.segments import AgeBand, CustomerType, Region
from ..paging import count_of, paginate
from ..security import Role, form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import idea_search, merging, owner_bp, reactions, sampling, services
from .categories import categories_of
from .forms import (
    AnswerForm,
    HideForm,
    InvitationForm,
    OutcomeForm,
    RoundForm,
    SessionForm,
    SessionNotesForm,
    StageForm,
    default_session_times,
)
from .idea_search import IdeaFilters
from .models import (
    FLOW,
    Action,
    Attendance,
    Comment,
    Idea,
    IdeaStatus,
    Registration,
    Round,
    Session,
    Stage,
)
from .moderation import moderated_text
from .outcomes import outcome_insights_of
from .permissions import can_manage_round, can_moderate, can_see_names_at

ROUNDS_PER_PAGE = 30
IDEAS_PER_PAGE = 20
REACTIONS_PER_PAGE = 20
# The outcome form offers the ideas already linked and this many of the most supported.
OUTCOME_IDEAS = 50


def managed_round_or_404(round_id):
    round_ = db.session.get(Round, round_id) or abort(404)
    if not can_manage_round(current_user, round_):
        abort(403)
    return round_


@owner_bp.route("/rounds")
def rounds():
    query = db.select(Round)
    if not current_user.has_role(Role.PANEL_MANAGER):
        query = query.where(Round.owner_id == current_user.id)
    # Each row names the round's owner: joined, not loaded per row.
    rows = query.options(joinedload(Round.owner)).order_by(Round.created_at.desc(), Round.id.desc())
    page = paginate(rows, count_of(query), ROUNDS_PER_PAGE)
    return render_template(
        "owner/rounds.html", page=page, stage_titles={s.value: str(s.title) for s in Stage}
    )


def round_form(round_=None):
    form = RoundForm(obj=round_)
    owners = (
        User.query.join(UserRole)
        .filter(
            UserRole.role.in_([Role.PRODUCT_OWNER.value, Role.PANEL_MANAGER.value]),
            User.is_enabled.is_(True),
        )
        .order_by(User.name)
        .all()
    )
    form.owner_id.choices = choices((user.id, user.display_name) for user in owners)
    form.streams.choices = choices(
        (stream.id, stream.name) for stream in Stream.query.order_by(Stream.position)
    )
    form.target_customer_type.choices = choices(
        [("", _("Any"))] + [c for c in CustomerType.choices() if c[0] != "none"]
    )
    form.target_age_band.choices = choices([("", _("Any"))] + AgeBand.choices())
    form.target_region.choices = choices([("", _("Any"))] + Region.choices())
    if not form.is_submitted():
        form.owner_id.data = round_.owner_id if round_ else current_user.id
        form.streams.data = [s.id for s in round_.streams] if round_ else []
    return form


def _round_data(form):
    data = dict(form.data)
    owner = db.session.get(User, form.owner_id.data)
    data["owner"] = owner
    streams = Stream.query.filter(Stream.id.in_(form.streams.data or [])).all()
    return data, streams


@owner_bp.route("/rounds/new", methods=["GET", "POST"])
@form_checks_csrf
def new_round():
    form = round_form()
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("owner.rounds"))
        data, streams = _round_data(form)
        round_ = services.create_round(current_user, data, streams)
        round_.owner = data["owner"] or current_user
        flash(_("The round is saved as a draft. Add sessions, then publish it."), "success")
        return redirect(url_for("owner.round_detail", round_id=round_.id))
    return render_template("owner/round_form.html", form=form, round=None)


@owner_bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def edit_round(round_id):
    round_ = managed_round_or_404(round_id)
    form = round_form(round_)
    if form.validate_on_submit():
        data, streams = _round_data(form)
        if round_.is_published:
            missing = [
                name
                for name in ("title", "summary", "question")
                if not (data[f"{name}_nl"].strip() and data[f"{name}_en"].strip())
            ]
            if missing:
                form.title_nl.errors.append(
                    _("A published round needs its title, summary and question in both languages.")
                )
                return render_template("owner/round_form.html", form=form, round=round_)
        services.apply_round_fields(round_, data, streams)
        flash(_("The round is saved."), "success")
        return redirect(url_for("owner.round_detail", round_id=round_.id))
    return render_template("owner/round_form.html", form=form, round=round_)


@owner_bp.route("/rounds/<int:round_id>")
def round_detail(round_id):
    round_ = managed_round_or_404(round_id)
    # Search, status, category and "answered" narrow the list as on the panelist's page.
    round_categories = categories_of(round_)
    filters = IdeaFilters.from_args(request.args, {c.id for c in round_categories})
    filters.mine = filters.supported = False
    all_ideas = db.select(Idea).where(Idea.round_id == round_.id)
    ideas = idea_search.filter_ideas(all_ideas, filters).order_by(
        Idea.support_count.desc(), Idea.id.desc()
    )
    page = paginate(ideas, count_of(ideas), IDEAS_PER_PAGE)
    return render_template(
        "owner/round.html",
        round=round_,
        page=page,
        idea_total=db.session.scalar(count_of(all_ideas)) if filters.active else page.total,
        filters=filters,
        categories={c.id: c for c in round_categories},
        status_choices=IdeaStatus.choices(),
        responses=sampling.response_rate(round_),
        missing=round_.missing_for_publishing(),
    )


@owner_bp.route("/rounds/<int:round_id>/publish", methods=["POST"])
def publish(round_id):
    round_ = managed_round_or_404(round_id)
    try:
        services.publish_round(round_, current_user)
    except NotAllowed:
        flash(
            _(
                "Before publishing, fill in the title, summary and question in both Dutch "
                "and English."
            ),
            "error",
        )
        return redirect(url_for("owner.round_detail", round_id=round_id))
    flash(_("The round is published."), "success")
    return redirect(url_for("owner.round_detail", round_id=round_id))


@owner_bp.route("/rounds/<int:round_id>/stage", methods=["GET", "POST"])
@form_checks_csrf
def stage(round_id):
    round_ = managed_round_or_404(round_id)
    current = round_.stage_enum
    options = [s for s in (current.next, Stage.CLOSED, Stage.CANCELLED) if s and current.is_open]
    form = StageForm()
    form.to_stage.choices = choices((s.value, s.title) for s in dict.fromkeys(options))
    if not form.is_submitted() and options:
        form.to_stage.data = options[0].value
    if form.validate_on_submit():
        try:
            services.advance_stage(
                round_, form.to_stage.data, form.note_nl.data, form.note_en.data, current_user
            )
        except NotAllowed:
            db.session.rollback()
            flash(_("The round can't move to that stage from here."), "error")
        else:
            flash(
                _(
                    "The round is now in the stage: %(stage)s. Participants have been told.",
                    stage=round_.stage_enum.title,
                ),
                "success",
            )
            return redirect(url_for("owner.round_detail", round_id=round_id))
    return render_template("owner/stage.html", round=round_, form=form)


@owner_bp.route("/rounds/<int:round_id>/rules", methods=["GET", "POST"])
def rules(round_id):
    round_ = managed_round_or_404(round_id)
    stages = [s for s in FLOW if s != Stage.CLOSED]
    if request.method == "POST":
        allowed = {
            (stage.value, action.value)
            for stage in stages
            for action in Action
            if request.form.get(f"{stage.value}:{action.value}")
        }
        services.set_stage_actions(round_, allowed)
        flash(_("What panelists can do per stage is saved."), "success")
        return redirect(url_for("owner.round_detail", round_id=round_id))
    return render_template("owner/rules.html", round=round_, stages=stages, actions=list(Action))


def _managed_session_or_404(round_id, session_id):
    round_ = managed_round_or_404(round_id)
    session = db.session.get(Session, session_id)
    if session is None or session.round_id != round_.id:
        abort(404)
    return round_, session


@owner_bp.route("/rounds/<int:round_id>/sessions/new", methods=["GET", "POST"])
@owner_bp.route("/rounds/<int:round_id>/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def session_form(round_id, session_id=None):
    if session_id is None:
        round_, session = managed_round_or_404(round_id), None
    else:
        round_, session = _managed_session_or_404(round_id, session_id)
    form = SessionForm(obj=session)
    if not form.is_submitted():
        if session is not None:
            for name in ("starts_at", "ends_at", "registration_deadline"):
                getattr(form, name).data = utc_to_local(getattr(session, name))
        else:
            form.starts_at.data, form.ends_at.data, form.registration_deadline.data = (
                default_session_times()
            )
            form.title_nl.data, form.title_en.data = round_.title_nl, round_.title_en
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, url_for("owner.round_detail", round_id=round_id))
        try:
            services.save_session(round_, session, form.session_data())
        except NotAllowed:
            db.session.rollback()
            form.capacity.errors.append(
                _(
                    "More people are registered than that. "
                    "Cancel registrations first, or keep more seats."
                )
            )
        else:
            flash(_("The session is saved."), "success")
            return redirect(url_for("owner.round_detail", round_id=round_id))
    return render_template("owner/session_form.html", form=form, round=round_, session=session)


@owner_bp.route("/rounds/<int:round_id>/sessions/<int:session_id>", methods=["GET", "POST"])
@form_checks_csrf
def session_detail(round_id, session_id):
    round_, session = _managed_session_or_404(round_id, session_id)
    notes_form = SessionNotesForm(obj=session)
    if notes_form.validate_on_submit():
        session.notes = notes_form.notes.data
        flash(_("The session notes are saved."), "success")
        return redirect(url_for("owner.session_detail", round_id=round_id, session_id=session_id))
    # Each participant is shown by pseudonym and segment, or by name: members and users come along.
    registrations = (
        Registration.query.options(joinedload(Registration.member).joinedload(Member.user))
        .filter_by(session_id=session.id)
        .order_by(Registration.status, Registration.waitlisted_at, Registration.id)
        .all()
    )
    return render_template(
        "owner/session.html",
        round=round_,
        session=session,
        registrations=registrations,
        notes_form=notes_form,
        show_names=can_see_names_at(current_user, session),
    )


@owner_bp.route(
    "/rounds/<int:round_id>/sessions/<int:session_id>/attendance/<int:registration_id>",
    methods=["POST"],
)
def attendance(round_id, session_id, registration_id):
    round_, session = _managed_session_or_404(round_id, session_id)
    registration = db.session.get(Registration, registration_id)
    value = request.form.get("attendance")
    if (
        registration is None
        or registration.session_id != session.id
        or value not in Attendance.values()
    ):
        abort(404)
    services.mark_attendance(registration, value, current_user)
    return redirect(url_for("owner.session_detail", round_id=round_id, session_id=session_id))


@owner_bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>", methods=["GET", "POST"])
@form_checks_csrf
def idea(round_id, idea_id):
    round_ = managed_round_or_404(round_id)
    idea = db.session.get(Idea, idea_id, options=[joinedload(Idea.author)])
    if idea is None or idea.round_id != round_.id:
        abort(404)
    form = AnswerForm(obj=idea)
    # Read afresh under the idea's lock: an idea its author withdrew (meanwhile) has no words
    # left to answer, and nobody to tell.
    if request.method == "POST" and reactions.lock_idea(idea.id).is_withdrawn:
        flash(_("The author withdrew this idea, so it can't be answered."), "error")
        return redirect(url_for("owner.idea", round_id=round_id, idea_id=idea_id))
    if form.validate_on_submit():
        services.answer_idea(
            idea, form.status.data, form.answer_nl.data, form.answer_en.data, current_user
        )
        flash(_("The answer is saved and the author is told."), "success")
        return redirect(url_for("owner.round_detail", round_id=round_id) + "#ideas")
    page = owner_reactions_page(idea)
    return render_template(
        "owner/idea.html",
        round=round_,
        idea=idea,
        page=page,
        replies=owner_replies_of(page.items),
        form=form,
        hide_form=HideForm(),
        can_moderate=can_moderate(current_user),
        # The release changes that ship it, and linking one (signals.owner_idea_sections).
        sections=[s for found in signals.answers(signals.owner_idea_sections, idea) for s in found],
    )


def owner_reactions_page(idea):
    """A page of the idea's top-level reactions, oldest first, hidden and withdrawn ones too
    (marked), each with its author's pseudonym."""
    query = db.select(Comment).where(Comment.idea_id == idea.id, Comment.parent_id.is_(None))
    rows = query.options(joinedload(Comment.author)).order_by(Comment.id)
    return paginate(rows, count_of(query), REACTIONS_PER_PAGE)


def owner_replies_of(comments):
    """The replies to a page of reactions, in one query: {reaction id: [replies]}."""
    ids = [comment.id for comment in comments]
    if not ids:
        return {}
    replies = {}
    query = (
        db.select(Comment)
        .where(Comment.parent_id.in_(ids))
        .options(joinedload(Comment.author))
        .order_by(Comment.id)
    )
    for reply in db.session.scalars(query):
        replies.setdefault(reply.parent_id, []).append(reply)
    return replies


@owner_bp.route(
    "/rounds/<int:round_id>/<any(ideas, comments):kind>/<int:item_id>/hide", methods=["POST"]
)
@form_checks_csrf
def hide(round_id, kind, item_id):
    if not can_moderate(current_user):
        abort(403)
    round_ = db.session.get(Round, round_id) or abort(404)
    item = db.session.get(Idea if kind == "ideas" else Comment, item_id)
    idea = item if kind == "ideas" else (item.idea if item else None)
    if item is None or idea.round_id != round_.id:
        abort(404)
    form = HideForm()
    if form.validate_on_submit():
        try:
            services.hide_content(item, form.reason.data, current_user)
        except NotAllowed:
            db.session.rollback()
            flash(_("It was hidden already."), "info")
        else:
            flash(_("It is hidden. The author sees your reason."), "success")
    else:
        flash(_("Give a reason; the author sees it."), "error")
    return redirect(url_for("owner.idea", round_id=round_id, idea_id=idea.id))


def criteria_from(form):
    return sampling.Criteria(
        customer_types=form.customer_types.data or [],
        age_bands=form.age_bands.data or [],
        regions=form.regions.data or [],
        platforms=form.platforms.data or [],
        interests=form.interests.data or [],
        physical_region=form.physical_region.data or None,
        online=form.online.data,
    )


@owner_bp.route("/rounds/<int:round_id>/invite", methods=["GET", "POST"])
@form_checks_csrf
def invite(round_id):
    round_ = managed_round_or_404(round_id)
    form = InvitationForm()
    if not form.is_submitted():
        form.customer_types.data = (
            [round_.target_customer_type] if round_.target_customer_type else []
        )
        form.age_bands.data = [round_.target_age_band] if round_.target_age_band else []
        form.regions.data = [round_.target_region] if round_.target_region else []
    preview = None
    if form.validate_on_submit():
        seed = (
            form.seed.data
            if re.fullmatch(r"[0-9]{1,9}", form.seed.data or "")
            else str(secrets.randbelow(10**9))
        )
        form.seed.data = seed
        criteria = criteria_from(form)
        sample = sampling.plan_sample(
            round_, criteria, form.size.data, int(seed), form.balance.data
        )
        if request.form.get("send") and sample.chosen:
            if not claim_submission(form):
                return answered_before(form, url_for("owner.round_detail", round_id=round_id))
            count = sampling.send_invitations(round_, sample.chosen, current_user)
            flash(
                ngettext("%(num)s panelist is invited.", "%(num)s panelists are invited.", count),
                "success",
            )
            return redirect(url_for("owner.round_detail", round_id=round_id))
        preview = {
            "asked": form.size.data,
            "eligible": sample.eligible,
            "chosen": len(sample.chosen),
            "balance": sampling.describe_balance(sample),
            "left_out": sampling.left_out(round_, criteria),
        }
    return render_template(
        "owner/invite.html",
        round=round_,
        form=form,
        preview=preview,
        responses=sampling.response_rate(round_),
    )


@owner_bp.route("/rounds/<int:round_id>/outcome", methods=["GET", "POST"])
@form_checks_csrf
def outcome(round_id):
    round_ = managed_round_or_404(round_id)
    form = OutcomeForm(obj=round_)
    # A round of thousands of ideas offers the ideas already linked and the most supported
    # ones (ix_ideas_round_support), not every idea: two queries whatever the round's size.
    shown = db.select(Idea).where(
        Idea.round_id == round_.id,
        Idea.hidden_at.is_(None),
        Idea.merged_into_id.is_(None),
        Idea.withdrawn_at.is_(None),
    )
    linked = db.session.scalars(shown.where(Idea.in_outcome.is_(True)).order_by(Idea.id)).all()
    top = db.session.scalars(
        shown.order_by(Idea.support_count.desc(), Idea.id.desc()).limit(OUTCOME_IDEAS)
    ).all()
    ideas = list({idea.id: idea for idea in linked + top}.values())
    form.ideas.choices = choices((idea.id, moderated_text(idea.title)) for idea in ideas)
    if not form.is_submitted():
        form.ideas.data = [idea.id for idea in ideas if idea.in_outcome]
    if form.validate_on_submit():
        first_time = round_.outcome_written_at is None
        try:
            services.write_outcome(
                round_,
                form.outcome_nl.data,
                form.outcome_en.data,
                set(form.ideas.data or []),
                current_user,
            )
        except NotAllowed:
            db.session.rollback()
            flash(_("The outcome is written at launch."), "error")
        else:
            flash(
                _("The outcome is saved and participants are told.")
                if first_time
                else _("The outcome is saved."),
                "success",
            )
            return redirect(url_for("owner.round_detail", round_id=round_id))
    return render_template(
        "owner/outcome.html",
        round=round_,
        form=form,
        linked_insights=outcome_insights_of(round_),
        more_ideas=db.session.scalar(count_of(shown)) > len(ideas),
    )


@owner_bp.route("/rounds/<int:round_id>/outcome/<any(publish, unpublish):choice>", methods=["POST"])
def outcome_public(round_id, choice):
    round_ = managed_round_or_404(round_id)
    try:
        services.set_outcome_public(round_, choice == "publish", current_user)
    except NotAllowed:
        flash(_("Write the outcome in both languages before publishing it."), "error")
    else:
        flash(
            _("The outcome is on the home page.")
            if choice == "publish"
            else _("The outcome is no longer on the home page."),
            "success",
        )
    return redirect(url_for("owner.round_detail", round_id=round_id))


# Merging duplicates (rounds.merging) ----------------------------------------------------------

MERGE_REFUSALS = {
    "same": _l("An idea can't be merged into itself."),
    "other_round": _l("Only ideas of the same round can be merged."),
    "merged": _l("One of these ideas has already been merged. Nothing has changed."),
    "hidden": _l("The idea to keep is hidden or withdrawn. Choose another one."),
    "duplicate_hidden": _l(
        "This idea is hidden or withdrawn, so it can't be merged. Nothing has changed."
    ),
}


def _managed_idea_or_404(round_id, idea_id):
    round_ = managed_round_or_404(round_id)
    idea = db.session.get(Idea, idea_id)
    if idea is None or idea.round_id != round_.id:
        abort(404)
    return round_, idea


def _kept_idea(round_, value):
    """The idea to keep, from the form or the address: one of this round's, or None."""
    number = str(value or "").strip()
    if not number.isdigit() or len(number) > 9:
        return None
    kept = db.session.get(Idea, int(number))
    return kept if kept is not None and kept.round_id == round_.id else None


@owner_bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/merge", methods=["GET", "POST"])
@form_checks_csrf
def merge_idea(round_id, idea_id):
    """Find the idea to keep (by number or title), confirm, merge."""
    round_, duplicate = _managed_idea_or_404(round_id, idea_id)
    if duplicate.is_merged:
        flash(_("This idea is already merged."), "error")
        return redirect(url_for("owner.idea", round_id=round_id, idea_id=duplicate.merged_into_id))
    form = ConfirmForm()
    kept = _kept_idea(round_, request.values.get("into"))
    if form.validate_on_submit() and kept is not None:
        try:
            merging.merge_idea(duplicate, kept, current_user)
        except NotAllowed as error:
            db.session.rollback()
            flash(str(MERGE_REFUSALS.get(error.code, MERGE_REFUSALS["merged"])), "error")
            return redirect(url_for("owner.idea", round_id=round_id, idea_id=idea_id))
        flash(
            _("The ideas are merged. Both authors are told."),
            "success",
        )
        return redirect(url_for("owner.idea", round_id=round_id, idea_id=kept.id))
    if form.is_submitted() and kept is None:
        flash(_("Choose the idea to keep from the search results."), "error")
    term = (request.args.get("q") or "").replace("\x00", "").strip()[:100]  # PostgreSQL: no NUL
    candidates = [] if kept is not None else merging.merge_candidates(duplicate, term)
    return render_template(
        "owner/merge.html",
        round=round_,
        idea=duplicate,
        kept=kept,
        term=term,
        candidates=candidates,
        moving=merging.what_moves(duplicate, kept) if kept is not None else None,
        form=form,
    )
