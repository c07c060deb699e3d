"""Thin views for panelists: the rounds overview, a round's page, sessions, ideas, invitations."""

import re

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..database import utcnow
from ..errors import NotAllowed
from ..exports import attachment
from ..extensions import db
from ..forms import choices
from ..i18n import datetime_filter
from ..i18n import lazy_gettext as _l
from ..membership.models import MemberStatus
from ..membership.services import find_member_for
from ..paging import count_of, paginate
from ..security import form_checks_csrf
from ..submissions import answered_before, claim_submission
from . import bp, idea_search, reactions, sampling, services
from .calendar import ics_for
from .categories import categories_of, file_idea
from .forms import CommentForm, EditIdeaForm, EditReactionForm, IdeaForm, ReplyForm
from .idea_search import IdeaFilters
from .links import id_link
from .models import (
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    Invitation,
    Registration,
    Round,
    Session,
    Stage,
)
from .permissions import (
    can_edit_own,
    can_manage_round,
    can_report_item,
    can_see_all_rounds,
    can_withdraw_own,
    is_own,
)

REFUSALS = {
    "not_active": _l(
        "Only active members can take part. Are you on a break? Resume on your dashboard."
    ),
    "closed": _l("This round is closed."),
    "invitation": _l("This round is for invited panelists who accepted their invitation."),
    "stage": _l("That is not possible in this stage of the round."),
    "deadline": _l("Registration for this session has closed."),
    "hidden": _l("This idea has been hidden."),
    "own_idea": _l("You can't support your own idea. Others can."),
    "merged": _l("This idea is merged with a similar one. Support it or react there."),
}


ROUNDS_PER_PAGE = 20
IDEAS_PER_PAGE = 20
REACTIONS_PER_PAGE = 20
# The round page's idea orders, and the idea page's reaction orders (the first is the default).
IDEA_SORTS = {
    # Both orders read in index order (ix_ideas_round_created, ix_ideas_round_support) and stop
    # after the page; by id alone, every idea of the round was sorted for each page.
    "newest": (Idea.created_at.desc(), Idea.id.desc()),
    "supported": (Idea.support_count.desc(), Idea.id.desc()),
}
REACTION_ORDERS = {"newest": (Comment.id.desc(),), "oldest": (Comment.id,)}


def stage_titles():
    """Every stage's title in the current language, translated once for the whole page."""
    return {stage.value: str(stage.title) for stage in Stage}


def refuse(error):
    flash(str(REFUSALS.get(error.code, REFUSALS["stage"])), "error")


def member_or_none():
    return find_member_for(current_user)


def visible_round_or_404(round_id):
    """A round this user may see: published and open to them, or any round for its managers."""
    round_ = db.session.get(Round, round_id) or abort(404)
    if can_manage_round(current_user, round_) or can_see_all_rounds(current_user):
        return round_
    if not services.can_see(round_, member_or_none()):
        abort(404)
    return round_


@bp.route("/rounds")
def overview():
    member = member_or_none()
    if member is None:
        rounds = db.select(Round).where(Round.published_at.isnot(None))
    else:
        rounds = services.visible_rounds_query(member).statement
    # ?seats=free: only the rounds where the member can still take a seat (the dashboard names
    # the soonest few and leads here for the rest); any other value lists every round.
    with_seats = services.free_seat_rounds(member) if request.args.get("seats") == "free" else None
    if with_seats is not None:
        rounds = rounds.where(Round.id.in_(with_seats.with_only_columns(Round.id).order_by(None)))
    rounds = rounds.order_by(Round.published_at.desc(), Round.id.desc())
    page = paginate(rounds, count_of(rounds), ROUNDS_PER_PAGE)
    return render_template(
        "rounds/overview.html",
        page=page,
        member=member,
        stage_titles=stage_titles(),
        free_seats=with_seats is not None,
    )


@bp.route("/rounds/<int:round_id>")
def round_page(round_id):
    round_ = visible_round_or_404(round_id)
    categories = categories_of(round_)
    return render_round(round_, with_categories(IdeaForm(), categories), categories)


def idea_sort():
    sort = request.args.get("sort", "")
    return sort if sort in IDEA_SORTS else "newest"


def with_categories(form, categories):
    """The idea form's category choices: the round's categories, first a "choose" line."""
    form.category_id.choices = choices(
        [(0, _("Choose a category"))] + [(c.id, c.name) for c in categories]
    )
    form.category_id.flags.required = bool(categories)
    return form


def render_round(round_, idea_form, categories, similar=None):
    member = member_or_none()
    sort = idea_sort()
    filters = IdeaFilters.from_args(request.args, {c.id for c in categories})
    ideas_query = idea_search.filter_ideas(
        idea_search.listed(db.select(Idea).where(Idea.round_id == round_.id)), filters, member
    ).order_by(*IDEA_SORTS[sort])
    page = paginate(ideas_query, count_of(ideas_query), IDEAS_PER_PAGE)
    ideas = page.items
    idea_ids = [i.id for i in ideas]
    # Each idea card shows its count of reactions (not hidden, not withdrawn): counted in one
    # query, not loaded.
    reactions = dict(
        db.session.execute(
            select(Comment.idea_id, func.count())
            .where(
                Comment.idea_id.in_(idea_ids),
                Comment.hidden_at.is_(None),
                Comment.withdrawn_at.is_(None),
            )
            .group_by(Comment.idea_id)
        ).all()
    )
    # The result names the ideas that led to it, wherever they are in the list: those the list
    # shows (not hidden, withdrawn or merged into another).
    led_to_outcome = (
        db.session.scalars(
            idea_search.listed(
                select(Idea).where(Idea.round_id == round_.id, Idea.in_outcome.is_(True))
            ).order_by(Idea.id)
        ).all()
        if round_.outcome_written_at and round_.outcome
        else []
    )
    registrations, supported, invitation, overlaps = {}, set(), None, {}
    if member is not None:
        session_ids = [s.id for s in round_.sessions]
        registrations = {
            r.session_id: r
            for r in Registration.query.filter(
                Registration.member_id == member.id, Registration.session_id.in_(session_ids)
            )
        }
        supported = {
            s.idea_id
            for s in IdeaSupport.query.filter(
                IdeaSupport.member_id == member.id, IdeaSupport.idea_id.in_(idea_ids)
            )
        }
        invitation = Invitation.query.filter_by(round_id=round_.id, member_id=member.id).first()
        now = utcnow()
        coming = [
            s
            for s in round_.sessions
            if s.id not in registrations or registrations[s.id].status == "cancelled"
        ]
        overlaps = services.overlaps_by_session(
            [s for s in coming if s.registration_open(now)], member, now
        )
    return render_template(
        "rounds/round.html",
        round=round_,
        member=member,
        page=page,
        led_to_outcome=led_to_outcome,
        sort=sort,
        filters=filters,
        categories={c.id: c for c in categories},
        status_choices=IdeaStatus.choices(),
        # Each idea's status, translated once for the page (IdeaStatus(value).title per idea).
        status_titles={status.value: str(status.title) for status in IdeaStatus},
        similar=similar,
        stage_titles=stage_titles(),
        registrations=registrations,
        supported=supported,
        invitation=invitation,
        idea_form=idea_form,
        reactions=reactions,
        # Only when the member is on a waiting list here: one query for all their positions.
        positions=services.waitlist_positions(registrations.values()),
        overlaps=overlaps,
        not_active=member is not None and member.status != MemberStatus.ACTIVE.value,
        can_post=_allowed(round_, member, "post_ideas"),
        can_support=_allowed(round_, member, "support_comment"),
        can_register=_allowed(round_, member, "register"),
        id_link=id_link,
    )


def _allowed(round_, member, action):
    try:
        services.check_can_take_part(round_, member, action)
    except NotAllowed:
        return False
    return True


def _own_member():
    member = member_or_none()
    if member is None:
        abort(404)
    return member


@bp.route("/rounds/<int:round_id>/invitation/<any(accept, decline):answer>", methods=["POST"])
def respond_to_invitation(round_id, answer):
    member = _own_member()
    invitation = Invitation.query.filter_by(round_id=round_id, member_id=member.id).first_or_404()
    sampling.respond(invitation, accept=answer == "accept")
    flash(
        _("Thank you! You're taking part.")
        if answer == "accept"
        else _("Thank you for letting us know. We'll ask you again another time."),
        "success",
    )
    return redirect(
        url_for("rounds.round_page", round_id=round_id)
        if answer == "accept"
        else url_for("membership.dashboard")
    )


def _session_or_404(round_id, session_id):
    session = db.session.get(Session, session_id)
    if session is None or session.round_id != round_id:
        abort(404)
    visible_round_or_404(round_id)
    return session


@bp.route("/rounds/<int:round_id>/sessions/<int:session_id>/register", methods=["POST"])
def register(round_id, session_id):
    session = _session_or_404(round_id, session_id)
    member = _own_member()
    try:
        registration = services.register(session, member)
    except NotAllowed as error:
        db.session.rollback()
        refuse(error)
    else:
        if registration.status == "confirmed":
            flash(_("You're registered. See you there!"), "success")
        else:
            flash(
                _(
                    "The session is full, so you're on the waiting list. "
                    "We'll let you know as soon as a seat comes free."
                ),
                "info",
            )
        for other in services.overlapping_sessions(session, member):
            flash(
                _(
                    "Note: this overlaps with “%(title)s” (%(time)s), which you're also "
                    "registered for. Cancel one of them if you can't be at both.",
                    title=other.title,
                    time=datetime_filter(other.starts_at, "d MMM y, HH:mm"),
                ),
                "warning",
            )
    return redirect(url_for("rounds.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
def cancel(round_id, session_id):
    session = _session_or_404(round_id, session_id)
    member = _own_member()
    registration = Registration.query.filter_by(
        session_id=session.id, member_id=member.id
    ).first_or_404()
    if request.method == "GET":
        if registration.status not in ("confirmed", "waitlisted"):
            return redirect(url_for("rounds.round_page", round_id=round_id))
        return render_template(
            "rounds/cancel.html", round=session.round, session=session, registration=registration
        )
    services.cancel_registration(registration)
    flash(
        _(
            "Your registration is cancelled. "
            "Thank you for letting us know, so someone else can come."
        ),
        "success",
    )
    return redirect(url_for("rounds.round_page", round_id=round_id))


@bp.route("/rounds/<int:round_id>/sessions/<int:session_id>/calendar.ics")
def calendar(round_id, session_id):
    session = _session_or_404(round_id, session_id)
    member = _own_member()
    registration = Registration.query.filter_by(
        session_id=session.id, member_id=member.id, status="confirmed"
    ).first_or_404()
    return Response(
        ics_for(registration),
        mimetype="text/calendar",
        headers={"Content-Disposition": attachment(f"session-{session.id}.ics")},
    )


@bp.route("/rounds/<int:round_id>/ideas", methods=["POST"])
@form_checks_csrf
def post_idea(round_id):
    round_ = visible_round_or_404(round_id)
    member = _own_member()
    categories = categories_of(round_)
    form = with_categories(IdeaForm(), categories)
    if request.form.get("check"):
        # "Check for similar ideas": the same page again, what was typed kept, nothing posted.
        similar = idea_search.similar_ideas(round_, form.title.data)
        return render_round(round_, form, categories, similar=similar)
    if not form.validate_on_submit():
        return render_round(round_, form, categories)
    if not claim_submission(form):
        return answered_before(form, url_for("rounds.round_page", round_id=round_id))
    try:
        idea = services.post_idea(round_, member, form.title.data, form.body.data)
        file_idea(idea, form.category_id.data)
    except NotAllowed as error:
        db.session.rollback()
        if error.code == "category_gone":
            # The owner removed that category just now: the form again, nothing typed lost.
            form.category_id.errors.append(_("That category was just removed. Choose another."))
            return render_round(round_, form, categories_of(round_))
        refuse(error)
        return redirect(url_for("rounds.round_page", round_id=round_id))
    idea_search.reindex_idea(idea)
    flash(_("Thank you for your idea!"), "success")
    return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea.id))


@bp.route("/rounds/<int:round_id>/ideas/similar")
def similar_ideas(round_id):
    """A small piece of HTML: ideas like the typed title (fetched by static/js/similar-ideas.js
    while a panelist types; without JavaScript the form's check button does the same)."""
    round_ = visible_round_or_404(round_id)
    title = request.args.get("title", "")[:150]
    return render_template(
        "rounds/_similar.html",
        round=round_,
        similar=idea_search.similar_ideas(round_, title),
        checked=bool(idea_search.significant_terms(title)),
    )


def _idea_or_404(round_id, idea_id):
    idea = db.session.get(Idea, idea_id)
    round_ = visible_round_or_404(round_id)
    if idea is None or idea.round_id != round_id:
        abort(404)
    if idea.is_hidden and not can_see_all_rounds(current_user):
        member = member_or_none()
        if member is None or idea.author_id != member.id:
            abort(404)
    if idea.is_withdrawn and not reactions.has_reactions(idea):
        abort(404)  # withdrawn with nothing of others' on it: gone
    return round_, idea


def reaction_order():
    order = request.args.get("order", "")
    return order if order in REACTION_ORDERS else "newest"


def visible_reactions(query, member):
    """Hidden reactions only for their author and moderators."""
    if can_see_all_rounds(current_user):
        return query
    visible = Comment.hidden_at.is_(None)
    if member is not None:
        visible = visible | (Comment.author_id == member.id)
    return query.where(visible)


def reactions_page(idea, member):
    """A page of an idea's top-level reactions with their authors (each shows a pseudonym)."""
    query = visible_reactions(
        db.select(Comment).where(Comment.idea_id == idea.id, Comment.parent_id.is_(None)), member
    )
    rows = query.options(joinedload(Comment.author)).order_by(*REACTION_ORDERS[reaction_order()])
    return paginate(rows, count_of(query), REACTIONS_PER_PAGE)


def replies_of(comments, member):
    """The replies to a page of reactions, loaded in one query: {reaction id: [replies]}."""
    ids = [comment.id for comment in comments]
    if not ids:
        return {}
    query = visible_reactions(db.select(Comment).where(Comment.parent_id.in_(ids)), member)
    replies = {}
    for reply in db.session.scalars(query.options(joinedload(Comment.author)).order_by(Comment.id)):
        replies.setdefault(reply.parent_id, []).append(reply)
    return replies


def render_idea(round_, idea, member, comment_form):
    supported = (
        member is not None
        and IdeaSupport.query.filter_by(idea_id=idea.id, member_id=member.id).first() is not None
    )
    page = reactions_page(idea, member)
    replies = replies_of(page.items, member)
    now = utcnow()
    takes_part = member is not None and member.status == MemberStatus.ACTIVE.value
    editable = takes_part and round_.is_open
    # A text a moderator redacted is no longer edited (withdrawing stays possible).
    redacted = reactions.is_redacted
    own_idea = is_own(idea, member)
    return render_template(
        "rounds/idea.html",
        round=round_,
        idea=idea,
        merged_from=merged_from(idea),
        member=member,
        supported=supported,
        page=page,
        replies=replies,
        order=reaction_order(),
        comment_form=comment_form,
        can_support=_allowed(round_, member, "support_comment"),
        # Whether the member may still change their idea, and each of their reactions on the
        # page (a reaction with a reply by someone else is answered).
        can_edit_idea=editable
        and own_idea
        and not redacted(idea.title, idea.body)
        and can_edit_own(idea, member, now, _answered(idea, member, page.items, replies)),
        can_edit_comment=lambda comment: (
            editable
            and not redacted(comment.body)
            and can_edit_own(
                comment,
                member,
                now,
                any(reply.author_id != member.id for reply in replies.get(comment.id, ())),
            )
        ),
        can_withdraw=lambda item: can_withdraw_own(item, member),
        can_report=lambda item: can_report_item(member, item),
    )


def merged_from(idea):
    """The ideas merged into this one (their number and title), not hidden or withdrawn since:
    one query."""
    return db.session.execute(
        select(Idea.id, Idea.title)
        .where(
            # The round too: read through the round's index (merged_into_id has none), only
            # that round's ideas, never the whole table.
            Idea.round_id == idea.round_id,
            Idea.merged_into_id == idea.id,
            Idea.hidden_at.is_(None),
            Idea.withdrawn_at.is_(None),
        )
        .order_by(Idea.id)
    ).all()


def _answered(idea, member, comments, replies):
    """Whether someone else supported or reacted to the member's own idea: seen on the page
    where it can be (no query), else asked."""
    if idea.support_count:
        return True
    shown = list(comments) + [reply for thread in replies.values() for reply in thread]
    if any(comment.author_id != member.id for comment in shown):
        return True
    return reactions.idea_answered(idea)


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>")
def idea_page(round_id, idea_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    if idea.merged_into_id is not None:
        # A duplicate an owner merged into another idea (rounds.merging): its address leads there.
        flash(_("This idea is merged with a similar one. Here it is."), "success")
        return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea.merged_into_id))
    return render_idea(round_, idea, member_or_none(), CommentForm())


@bp.route(
    "/rounds/<int:round_id>/ideas/<int:idea_id>/<any(support, unsupport):choice>", methods=["POST"]
)
def support(round_id, idea_id, choice):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    try:
        if choice == "support":
            services.support_idea(idea, member)
        else:
            services.withdraw_support(idea, member)
    except NotAllowed as error:
        db.session.rollback()
        refuse_own(error)
    else:
        flash(
            _("You support this idea.") if choice == "support" else _("Your support is withdrawn."),
            "success",
        )
    if request.form.get("back") == "round":
        # Back to the same page of the list, in the same order.
        sort = request.form.get("sort", "")
        page = request.form.get("page", "")
        back = url_for(
            "rounds.round_page",
            round_id=round_id,
            sort=sort if sort in IDEA_SORTS and sort != "newest" else None,
            page=page if re.fullmatch(r"[1-9][0-9]{0,4}", page) and page != "1" else None,
            **IdeaFilters.from_args(request.form).args(),
        )
        return redirect(back + f"#idea-{idea_id}")
    return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id))


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/comments", methods=["POST"])
@form_checks_csrf
def comment(round_id, idea_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    form = CommentForm()
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(
                form, url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id)
            )
        try:
            reactions.add_reaction(idea, member, form.body.data)
        except NotAllowed as error:
            db.session.rollback()
            refuse_own(error)
        else:
            flash(_("Thank you for your reaction."), "success")
            return redirect(
                url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id) + "#comments"
            )
    return render_idea(round_, idea, member, form)


# Replies, own edits and withdrawals (panel/rounds/reactions.py) ----------------------------------

OWN_REFUSALS = {
    "withdrawn": _l("This has been withdrawn by its author."),
    "reaction_gone": _l(
        "That reaction is no longer there: its author may have withdrawn it, or a moderator hid it."
    ),
    "redacted": _l(
        "A moderator removed part of this text, so it can no longer be changed. "
        "You can still withdraw it."
    ),
    "hidden_own": _l("A moderator hid this, so it can no longer be changed."),
}
EDIT_TOO_LATE = {
    "idea": _l(
        "Your idea can no longer be changed: the first 15 minutes are over and others have "
        "supported it or reacted to it. You can add a reaction to say more, or withdraw it."
    ),
    "reaction": _l(
        "Your reaction can no longer be changed: the first 15 minutes are over and others have "
        "replied to it. You can add another reaction, or withdraw it."
    ),
}


def refuse_own(error, what=None):
    if error.code == "edit_window" and what in EDIT_TOO_LATE:
        flash(str(EDIT_TOO_LATE[what]), "error")
    elif error.code == "hidden" and what is not None:
        flash(str(OWN_REFUSALS["hidden_own"]), "error")
    elif error.code in OWN_REFUSALS:
        flash(str(OWN_REFUSALS[error.code]), "error")
    else:
        refuse(error)


def _reaction_or_404(idea, comment_id, member=None):
    """One of the idea's reactions or replies this user may see."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.idea_id != idea.id:
        abort(404)
    if comment.is_hidden and not (can_see_all_rounds(current_user) or is_own(comment, member)):
        abort(404)
    return comment


def _own_reaction_or_404(round_id, idea_id, comment_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    comment = _reaction_or_404(idea, comment_id, member)
    if not is_own(comment, member):
        abort(404)
    return round_, idea, comment, member


def reaction_url(idea, comment_id):
    """Where a reaction (or reply) is on its idea's page: the page of reactions its top
    reaction is on, newest first, and its anchor."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.idea_id != idea.id:
        return url_for("rounds.idea_page", round_id=idea.round_id, idea_id=idea.id) + "#comments"
    top_id = comment.parent_id or comment.id
    newer = visible_reactions(
        db.select(func.count())
        .select_from(Comment)
        .where(Comment.idea_id == idea.id, Comment.parent_id.is_(None), Comment.id > top_id),
        member_or_none(),
    )
    page = (db.session.scalar(newer) or 0) // REACTIONS_PER_PAGE + 1
    return url_for(
        "rounds.idea_page",
        round_id=idea.round_id,
        idea_id=idea.id,
        page=page if page > 1 else None,
    ) + (f"#comment-{comment.id}")


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/reactions/<int:comment_id>")
def show_reaction(round_id, idea_id, comment_id):
    """A link to one reaction (in notifications): its idea's page where it is. The reactions
    of a duplicate merged into another idea moved with it: the link follows them there."""
    _round, idea = _idea_or_404(round_id, idea_id)
    if idea.merged_into_id is not None:
        return redirect(
            url_for(
                "rounds.show_reaction",
                round_id=round_id,
                idea_id=idea.merged_into_id,
                comment_id=comment_id,
            )
        )
    _reaction_or_404(idea, comment_id, member_or_none())
    return redirect(reaction_url(idea, comment_id))


@bp.route(
    "/rounds/<int:round_id>/ideas/<int:idea_id>/reactions/<int:comment_id>/reply",
    methods=["GET", "POST"],
)
@form_checks_csrf
def reply(round_id, idea_id, comment_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    target = _reaction_or_404(idea, comment_id, member)
    if target.parent_id is not None:  # one level deep: a reply to a reply joins its thread
        target = _reaction_or_404(idea, target.parent_id, member)
    form = ReplyForm()
    target_id = target.id
    if form.validate_on_submit():
        if not claim_submission(form):
            return answered_before(form, reaction_url(idea, target_id))
        try:
            new = reactions.add_reaction(idea, member, form.body.data, parent=target)
        except NotAllowed as error:
            db.session.rollback()
            refuse_own(error)
            # Withdrawn meanwhile: the page keeps what was typed, without the reaction.
            target = db.session.get(Comment, target_id)
        else:
            flash(_("Thank you for your reply."), "success")
            return redirect(reaction_url(idea, new.id))
    return render_template(
        "rounds/reply.html",
        round=round_,
        idea=idea,
        target=target,
        member=member,
        form=form,
        can_reply=target is not None
        and _allowed(round_, member, "support_comment")
        and not idea.is_hidden
        and not idea.is_withdrawn,
    )


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/edit", methods=["GET", "POST"])
@form_checks_csrf
def edit_idea(round_id, idea_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    if not is_own(idea, member):
        abort(404)
    if request.method == "GET":
        try:
            reactions.check_can_edit_idea(idea, member)
        except NotAllowed as error:
            refuse_own(error, "idea")
            return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id))
    form = EditIdeaForm(obj=idea if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = reactions.edit_idea(idea, member, form.title.data, form.body.data)
        except NotAllowed as error:
            db.session.rollback()
            refuse_own(error, "idea")
        else:
            if changed:
                flash(_("Your changes are saved."), "success")
            return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id))
    return render_template("rounds/edit_idea.html", round=round_, idea=idea, form=form)


@bp.route(
    "/rounds/<int:round_id>/ideas/<int:idea_id>/reactions/<int:comment_id>/edit",
    methods=["GET", "POST"],
)
@form_checks_csrf
def edit_reaction(round_id, idea_id, comment_id):
    round_, idea, comment, member = _own_reaction_or_404(round_id, idea_id, comment_id)
    if request.method == "GET":
        try:
            reactions.check_can_edit_reaction(comment, member)
        except NotAllowed as error:
            refuse_own(error, "reaction")
            return redirect(reaction_url(idea, comment.id))
    form = EditReactionForm(obj=comment if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = reactions.edit_reaction(comment, member, form.body.data)
        except NotAllowed as error:
            db.session.rollback()
            refuse_own(error, "reaction")
        else:
            if changed:
                flash(_("Your changes are saved."), "success")
            return redirect(reaction_url(idea, comment.id))
    return render_template(
        "rounds/edit_reaction.html", round=round_, idea=idea, comment=comment, form=form
    )


@bp.route("/rounds/<int:round_id>/ideas/<int:idea_id>/withdraw", methods=["GET", "POST"])
def withdraw_idea(round_id, idea_id):
    round_, idea = _idea_or_404(round_id, idea_id)
    member = _own_member()
    if not is_own(idea, member):
        abort(404)
    back = url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id)
    if idea.is_withdrawn:
        return redirect(back)
    if request.method == "GET":
        return render_template(
            "rounds/withdraw.html", round=round_, idea=idea, comment=None, back=back
        )
    reactions.withdraw_idea(idea, member)
    flash(_("Your idea is withdrawn."), "success")
    return redirect(url_for("rounds.round_page", round_id=round_id) + "#ideas")


@bp.route(
    "/rounds/<int:round_id>/ideas/<int:idea_id>/reactions/<int:comment_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw_reaction(round_id, idea_id, comment_id):
    round_, idea, comment, member = _own_reaction_or_404(round_id, idea_id, comment_id)
    back = reaction_url(idea, comment.id)
    if comment.is_withdrawn:
        return redirect(back)
    if request.method == "GET":
        return render_template(
            "rounds/withdraw.html", round=round_, idea=idea, comment=comment, back=back
        )
    parent_id = comment.parent_id
    reactions.withdraw_reaction(comment, member)
    flash(_("Your reaction is withdrawn."), "success")
    if parent_id is not None and db.session.get(Comment, parent_id) is not None:
        return redirect(reaction_url(idea, parent_id))
    if idea.is_withdrawn and not reactions.has_reactions(idea):
        return redirect(url_for("rounds.round_page", round_id=round_id))
    return redirect(url_for("rounds.idea_page", round_id=round_id, idea_id=idea_id) + "#comments")
