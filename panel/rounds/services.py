"""Round verbs: open and publish rounds, advance stages, run sessions, ideas and outcomes."""

import logging
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..audit import record_audit
from ..database import race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail
from ..membership.models import Member, MemberStatus
from ..notifications.services import notify
from .calendar import ics_attachment
from .models import (
    DEFAULT_ACTIONS,
    Action,
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    Invitation,
    InvitationStatus,
    Registration,
    RegistrationStatus,
    Round,
    RoundAction,
    Session,
    Stage,
    StageChange,
    Visibility,
)
from .moderation import hide_item
from .notices import round_params, session_params

log = logging.getLogger("panel.rounds")


# Rounds -------------------------------------------------------------------------------------


def create_round(owner, data, streams):
    round_ = Round(owner=owner)
    apply_round_fields(round_, data, streams)
    round_.action_rows = [
        RoundAction(stage=stage.value, action=action.value)
        for stage, actions in DEFAULT_ACTIONS.items()
        for action in actions
    ]
    db.session.add(round_)
    db.session.flush()
    record_audit("round.create", target=round_, actor=owner)
    return round_


def apply_round_fields(round_, data, streams):
    for name in (
        "title_nl",
        "title_en",
        "summary_nl",
        "summary_en",
        "question_nl",
        "question_en",
        "visibility",
    ):
        setattr(round_, name, data[name])
    round_.target_customer_type = data.get("target_customer_type") or None
    round_.target_age_band = data.get("target_age_band") or None
    round_.target_region = data.get("target_region") or None
    round_.streams = list(streams)
    if data.get("owner") is not None:
        round_.owner = data["owner"]


def publish_round(round_, actor):
    """Publish a draft; both languages must be complete (else NotAllowed("incomplete", missing))."""
    missing = round_.missing_for_publishing()
    if missing:
        raise NotAllowed("incomplete", missing)
    round_.published_at = utcnow()
    db.session.add(
        StageChange(round_id=round_.id, from_stage=None, to_stage=round_.stage, actor_id=actor.id)
    )
    record_audit("round.publish", target=round_, actor=actor)


def set_stage_actions(round_, allowed):
    """allowed: {(stage, action), …} for every stage of the flow."""
    round_.action_rows = [
        RoundAction(stage=stage, action=action) for stage, action in sorted(allowed)
    ]


def participants(round_):
    """Members who took part: invited and accepted, registered, posted, supported or commented."""
    ids = set()
    ids.update(
        db.session.scalars(
            select(Invitation.member_id).where(
                Invitation.round_id == round_.id,
                Invitation.status == InvitationStatus.ACCEPTED.value,
            )
        )
    )
    ids.update(
        db.session.scalars(
            select(Registration.member_id)
            .join(Session)
            .where(
                Session.round_id == round_.id,
                Registration.status != RegistrationStatus.CANCELLED.value,
            )
        )
    )
    idea_ids = select(Idea.id).where(Idea.round_id == round_.id)
    ids.update(db.session.scalars(select(Idea.author_id).where(Idea.round_id == round_.id)))
    ids.update(
        db.session.scalars(select(IdeaSupport.member_id).where(IdeaSupport.idea_id.in_(idea_ids)))
    )
    ids.update(db.session.scalars(select(Comment.author_id).where(Comment.idea_id.in_(idea_ids))))
    ids.discard(None)
    if not ids:
        return []
    return Member.query.filter(Member.id.in_(ids), Member.user_id.isnot(None)).all()


def round_link(round_, member):
    return link_for("rounds.round_page", member.user.locale, round_id=round_.id)


def advance_stage(round_, to_stage, note_nl, note_en, actor):
    """Move the round on (or close / cancel it) with a note; participants are told."""
    to_stage = Stage(to_stage)
    current = round_.stage_enum
    if not current.is_open or to_stage == current:
        raise NotAllowed("closed")
    if to_stage not in (current.next, Stage.CLOSED, Stage.CANCELLED):
        raise NotAllowed("order")
    change = StageChange(
        round_id=round_.id,
        from_stage=current.value,
        to_stage=to_stage.value,
        note_nl=note_nl,
        note_en=note_en,
        actor_id=actor.id,
    )
    db.session.add(change)
    round_.stage = to_stage.value
    record_audit("round.stage", target=round_, actor=actor, stage=to_stage.value)
    if round_.is_published:
        for member in participants(round_):
            notify(
                member.user,
                "round_stage",
                link=round_link(round_, member),
                # The note itself, both languages: the mail shows the recipient's.
                mail_context={"stage_change": change},
                stage=to_stage.value,
                **round_params(round_),
            )


# Who may take part --------------------------------------------------------------------------


def visible_rounds_query(member):
    """Published rounds this member may see: open to all, or invitation-only with an invitation."""
    invited = select(Invitation.round_id).where(Invitation.member_id == member.id)
    return Round.query.filter(Round.published_at.isnot(None)).filter(
        (Round.visibility == "all") | Round.id.in_(invited)
    )


def free_seat_rounds(member, now=None):
    """SELECT (round id, Dutch title, English title, sessions with free seats) of the open
    rounds for everyone where this active member can still take a seat: a session with free
    seats and registration open, in a stage that allows registering, and no registration or
    invitation of theirs in that round yet (an invitation has its own dashboard item); soonest
    session first. None for a member who is not active."""
    if member is None or member.status != MemberStatus.ACTIVE.value:
        return None
    now = now or utcnow()
    registered = (
        select(Session.round_id)
        .join(Registration, Registration.session_id == Session.id)
        .where(
            Registration.member_id == member.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
        )
    )
    invited = select(Invitation.round_id).where(Invitation.member_id == member.id)
    registering = (
        select(RoundAction.round_id)
        .where(
            RoundAction.round_id == Round.id,
            RoundAction.stage == Round.stage,
            RoundAction.action == Action.REGISTER.value,
        )
        .exists()
    )
    return (
        select(Round.id, Round.title_nl, Round.title_en, func.count(Session.id))
        .join(Session, Session.round_id == Round.id)
        .where(
            Round.published_at.isnot(None),
            Round.visibility == Visibility.ALL.value,
            Round.stage.notin_(["closed", "cancelled"]),
            registering,
            Session.seats_taken < Session.capacity,
            Session.registration_deadline >= now,
            Round.id.notin_(registered),
            Round.id.notin_(invited),
        )
        .group_by(Round.id)
        .order_by(func.min(Session.starts_at), Round.id)
    )


def can_see(round_, member):
    if not round_.is_published or member is None:
        return False
    if not round_.is_invitation_only:
        return True
    return (
        db.session.query(Invitation.id).filter_by(round_id=round_.id, member_id=member.id).first()
        is not None
    )


def check_can_take_part(round_, member, action):
    """Raise NotAllowed unless this member may do `action` in the round right now."""
    if member is None or member.status != MemberStatus.ACTIVE.value:
        raise NotAllowed("not_active")
    if not round_.is_open:
        raise NotAllowed("closed")
    if round_.is_invitation_only:
        invitation = Invitation.query.filter_by(round_id=round_.id, member_id=member.id).first()
        if invitation is None or invitation.status != InvitationStatus.ACCEPTED.value:
            raise NotAllowed("invitation")
    if not round_.allows(action):
        raise NotAllowed("stage")


# Sessions and seats -----------------------------------------------------------------------------


def lock_session(session_id):
    """The session row, locked for the rest of the transaction and read afresh.

    Every change to a session's seats (register, cancel, capacity, promotion) takes this lock
    first, so they happen one after the other per session: SELECT … FOR UPDATE on PostgreSQL;
    on SQLite writers already hold the database's write lock (BEGIN IMMEDIATE).
    """
    return db.session.execute(
        select(Session)
        .where(Session.id == session_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _registration_of(session_id, member_id):
    """The member's registration as committed now (read after the session lock)."""
    return db.session.execute(
        select(Registration)
        .filter_by(session_id=session_id, member_id=member_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def register(session, member):
    """Take a seat if one is free, otherwise join the waiting list. One registration each.

    Under the session lock the seat is taken by a conditional UPDATE … WHERE seats_taken <
    capacity in the same transaction as the registration row, so the counter always equals the
    confirmed registrations.
    """
    check_can_take_part(session.round, member, "register")
    if not session.registration_open(utcnow()):
        raise NotAllowed("deadline")
    session = lock_session(session.id)
    existing = _registration_of(session.id, member.id)
    if existing is not None and existing.status != RegistrationStatus.CANCELLED.value:
        return existing
    race_pause("SEAT_RACE_DELAY")
    # After the lock: the waiting list is in the order in which requests got their turn.
    now = utcnow()
    try:
        with db.session.begin_nested():
            taken = (
                db.session.execute(
                    update(Session)
                    .where(Session.id == session.id, Session.seats_taken < Session.capacity)
                    .values(seats_taken=Session.seats_taken + 1)
                ).rowcount
                == 1
            )
            registration = existing or Registration(session_id=session.id, member_id=member.id)
            registration.status = (
                RegistrationStatus.CONFIRMED if taken else RegistrationStatus.WAITLISTED
            ).value
            registration.confirmed_at = now if taken else None
            registration.waitlisted_at = None if taken else now
            registration.cancelled_at = None
            db.session.add(registration)
            db.session.flush()
    except IntegrityError:
        # The same member registered at the same moment in another request: that one counts.
        return Registration.query.filter_by(session_id=session.id, member_id=member.id).one()
    db.session.refresh(session)
    _mail_registration(registration, "session_registered", calendar="publish")
    return registration


def _mail_registration(registration, template, calendar=None):
    """A registration's own message to its member: when, where and the page. Sent whatever the
    member's e-mail preferences: it confirms what they did.

    calendar: "publish" attaches the .ics when the member has a seat; "cancel" attaches the
    .ics that takes the session out of their calendar again."""
    user = registration.member.user
    if user is None or not user.email:
        return
    attachment = None
    if calendar == "publish" and registration.status == RegistrationStatus.CONFIRMED.value:
        attachment = ics_attachment(registration)
    elif calendar == "cancel":
        attachment = ics_attachment(registration, cancelled=True)
    queue_mail(
        user.email,
        template,
        user.locale,
        user=user,
        registration=registration,
        link=round_link(registration.session.round, registration.member),
        attachment=attachment,
        with_calendar=attachment is not None,
    )


def waitlist_positions(registrations):
    """Each waitlisted registration's place on its session's list (1 is next): one query."""
    waiting = [r for r in registrations if r.status == RegistrationStatus.WAITLISTED.value]
    if not waiting:
        return {}
    mine, other = aliased(Registration), aliased(Registration)
    ahead = (other.waitlisted_at < mine.waitlisted_at) | (
        (other.waitlisted_at == mine.waitlisted_at) & (other.id <= mine.id)
    )
    rows = db.session.execute(
        select(mine.session_id, func.count(other.id))
        .join(
            other,
            (other.session_id == mine.session_id)
            & (other.status == RegistrationStatus.WAITLISTED.value)
            & ahead,
        )
        .where(mine.id.in_([r.id for r in waiting]))
        .group_by(mine.session_id)
    ).all()
    return dict(rows)


def overlapping_sessions(session, member):
    """Other sessions this member is confirmed for that overlap this one in time."""
    return (
        Session.query.join(Registration, Registration.session_id == Session.id)
        .filter(
            Registration.member_id == member.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
            Session.id != session.id,
            Session.starts_at < session.ends_at,
            Session.ends_at > session.starts_at,
        )
        .order_by(Session.starts_at)
        .all()
    )


def overlaps_by_session(sessions, member, now):
    """For each coming session here the member isn't in: a confirmed session of theirs (in any
    round) that overlaps it in time. One query for all of them."""
    theirs = db.session.scalars(
        select(Session)
        .join(Registration, Registration.session_id == Session.id)
        .where(
            Registration.member_id == member.id,
            Registration.status == RegistrationStatus.CONFIRMED.value,
            Session.ends_at > now,
        )
        .order_by(Session.starts_at)
    ).all()
    overlaps = {}
    for session in sessions:
        for other in theirs:
            if other.id != session.id and (
                other.starts_at < session.ends_at and other.ends_at > session.starts_at
            ):
                overlaps[session.id] = other
                break
    return overlaps


def cancel_registration(registration):
    """Cancel; a freed seat goes to the first on the waiting list.

    The registration is read again under the session lock: cancelling twice at once frees one
    seat."""
    session = lock_session(registration.session_id)
    db.session.refresh(registration)
    if registration.status == RegistrationStatus.CANCELLED.value:
        return
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED.value
    race_pause("SEAT_RACE_DELAY")
    registration.status = RegistrationStatus.CANCELLED.value
    registration.cancelled_at = utcnow()
    _mail_registration(
        registration, "session_cancelled", calendar="cancel" if was_confirmed else None
    )
    if was_confirmed:
        db.session.execute(
            update(Session)
            .where(Session.id == session.id, Session.seats_taken > 0)
            .values(seats_taken=Session.seats_taken - 1)
        )
        db.session.flush()
        promote_waitlisted(session)


def promote_waitlisted(session):
    """Give free seats to the waiting list, first in, first out, and tell those promoted.

    Callers hold the session lock (lock_session)."""
    promoted = []
    if session.has_ended():
        return promoted
    while True:
        waiting = (
            Registration.query.filter_by(
                session_id=session.id, status=RegistrationStatus.WAITLISTED.value
            )
            .order_by(Registration.waitlisted_at, Registration.id)
            .first()
        )
        if waiting is None:
            break
        taken = (
            db.session.execute(
                update(Session)
                .where(Session.id == session.id, Session.seats_taken < Session.capacity)
                .values(seats_taken=Session.seats_taken + 1)
            ).rowcount
            == 1
        )
        if not taken:
            break
        waiting.status = RegistrationStatus.CONFIRMED.value
        waiting.confirmed_at = utcnow()
        db.session.flush()
        promoted.append(waiting)
        if waiting.member.user is not None:
            notify(
                waiting.member.user,
                "waitlist_promoted",
                link=round_link(session.round, waiting.member),
                mail_context={"registration": waiting, "attachment": ics_attachment(waiting)},
                **session_params(session),
            )
    db.session.refresh(session)
    return promoted


def save_session(round_, session, data):
    """Create or change a session; more seats promote the waiting list.

    Fewer seats than are taken (counted under the session lock): NotAllowed("capacity")."""
    if session is None:
        session = Session(round_id=round_.id, seats_taken=0)
        db.session.add(session)
    else:
        session = lock_session(session.id)
        race_pause("SEAT_RACE_DELAY")
        if data["capacity"] < session.seats_taken:
            raise NotAllowed("capacity")
    for name in (
        "title_nl",
        "title_en",
        "kind",
        "venue_nl",
        "venue_en",
        "address",
        "city",
        "meeting_link",
        "starts_at",
        "ends_at",
        "capacity",
        "registration_deadline",
    ):
        setattr(session, name, data.get(name))
    db.session.flush()
    promote_waitlisted(session)
    return session


def mark_attendance(registration, attendance, actor):
    registration.attendance = attendance
    registration.attendance_marked_at = utcnow()
    if attendance == "attended" and registration.member is not None:
        registration.member.last_active_at = utcnow()
    record_audit("session.attendance", target=registration, actor=actor, attendance=attendance)


def sessions_due_for_reminder(now):
    """Sessions starting within a day whose reminder has not gone out."""
    return db.session.scalars(
        select(Session.id).where(
            Session.reminder_sent_at.is_(None),
            Session.starts_at > now,
            Session.starts_at <= now + timedelta(hours=24),
        )
    ).all()


def remind_session(session_id, now):
    """The day-before reminder for one session; 0 when another run claimed it first."""
    claimed = db.session.execute(
        update(Session)
        .where(Session.id == session_id, Session.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
    )
    if claimed.rowcount != 1:
        return 0
    session = db.session.get(Session, session_id)
    sent = 0
    for registration in Registration.query.filter_by(
        session_id=session_id, status=RegistrationStatus.CONFIRMED.value
    ):
        member = registration.member
        if member.user is None:
            continue
        notify(
            member.user,
            "session_reminder",
            link=round_link(session.round, member),
            mail_context={
                "registration": registration,
                "attachment": ics_attachment(registration),
            },
            **session_params(session),
        )
        sent += 1
    return sent


# Ideas ------------------------------------------------------------------------------------------


def post_idea(round_, member, title, body):
    check_can_take_part(round_, member, "post_ideas")
    idea = Idea(round_id=round_.id, author_id=member.id, title=title, body=body)
    db.session.add(idea)
    member.last_active_at = utcnow()
    db.session.flush()
    return idea


def support_idea(idea, member):
    """One support per member; a second one changes nothing."""
    check_can_take_part(idea.round, member, "support_comment")
    if idea.is_hidden:
        raise NotAllowed("hidden")
    if idea.is_withdrawn:
        raise NotAllowed("withdrawn")
    if idea.is_merged:  # its supports moved to the idea it was merged into (rounds.merging)
        raise NotAllowed("merged")
    if idea.author_id == member.id:
        raise NotAllowed("own_idea")
    try:
        with db.session.begin_nested():
            db.session.add(IdeaSupport(idea_id=idea.id, member_id=member.id))
            db.session.flush()
            counted = db.session.execute(
                update(Idea)
                .where(
                    Idea.id == idea.id,
                    Idea.withdrawn_at.is_(None),
                    Idea.merged_into_id.is_(None),
                )
                .values(support_count=Idea.support_count + 1)
            ).rowcount
            if counted != 1:  # withdrawn by its author or merged by the owner just now
                raise NotAllowed("withdrawn")
    except IntegrityError:
        return False
    db.session.refresh(idea)
    return True


def withdraw_support(idea, member):
    deleted = IdeaSupport.query.filter_by(idea_id=idea.id, member_id=member.id).delete()
    if deleted:
        db.session.execute(
            update(Idea)
            .where(Idea.id == idea.id, Idea.support_count > 0)
            .values(support_count=Idea.support_count - 1)
        )
        db.session.refresh(idea)
    return bool(deleted)


def add_comment(idea, member, body):
    check_can_take_part(idea.round, member, "support_comment")
    if idea.is_hidden:
        raise NotAllowed("hidden")
    if idea.is_merged:  # its reactions moved to the idea it was merged into (rounds.merging)
        raise NotAllowed("merged")
    comment = Comment(idea_id=idea.id, author_id=member.id, body=body)
    db.session.add(comment)
    member.last_active_at = utcnow()
    db.session.flush()
    author = idea.author
    if author is not None and author.id != member.id and author.user is not None:
        # The idea's author hears of each reaction (not of their own), unless switched off.
        notify(
            author.user,
            "idea_reaction",
            link=link_for(
                "rounds.idea_page", author.user.locale, round_id=idea.round_id, idea_id=idea.id
            ),
            idea_title=idea.title,
            mail_context={"comment": comment},
        )
    return comment


def answer_idea(idea, status, answer_nl, answer_en, actor):
    """The owner's official status and answer (in Dutch and English, one may wait: it is shown
    marked); the author hears of it."""
    idea.status = IdeaStatus(status).value
    idea.answer_nl = (answer_nl or "").strip() or None
    idea.answer_en = (answer_en or "").strip() or None
    idea.answered_at = utcnow()
    record_audit("idea.answer", target=idea, actor=actor, status=idea.status)
    if idea.author is not None and idea.author.user is not None:
        notify(
            idea.author.user,
            "idea_answered",
            mail_context={"idea": idea},
            link=link_for(
                "rounds.idea_page", idea.author.user.locale, round_id=idea.round_id, idea_id=idea.id
            ),
            status=idea.status,
            idea_title=idea.title,
        )


def hide_content(item, reason, actor):
    """A panel manager hides an abusive idea or comment; its author sees why. Its open reports
    are closed. Of two moderators hiding it at once one does, the other is refused."""
    if not hide_item(item, reason):
        raise NotAllowed("already_hidden")
    record_audit(f"{item.__tablename__[:-1]}.hide", target=item, actor=actor)
    if item.author is not None and item.author.user is not None:
        notify(item.author.user, "content_hidden", reason=reason)


# Outcome ----------------------------------------------------------------------------------------


def write_outcome(round_, outcome_nl, outcome_en, idea_ids, actor):
    """At launch: the outcome and the ideas it came from; participants are told."""
    if round_.stage not in (Stage.LAUNCH.value, Stage.CLOSED.value):
        raise NotAllowed("stage")
    first_time = round_.outcome_written_at is None
    round_.outcome_nl, round_.outcome_en = outcome_nl, outcome_en
    round_.outcome_written_at = utcnow()
    # One statement, however many ideas the round holds (it was one object per idea).
    db.session.execute(
        update(Idea)
        .where(Idea.round_id == round_.id)
        .values(in_outcome=Idea.id.in_(sorted(idea_ids)))
        .execution_options(synchronize_session=False)
    )
    record_audit("round.outcome", target=round_, actor=actor)
    if first_time:
        for member in participants(round_):
            notify(
                member.user,
                "round_outcome",
                link=round_link(round_, member),
                **round_params(round_),
            )


def set_outcome_public(round_, public, actor):
    if public and not Round.outcome.complete(round_):
        raise NotAllowed("languages")
    round_.outcome_public_at = utcnow() if public else None
    record_audit("round.outcome_public", target=round_, actor=actor, public=public)


def public_outcomes(limit=6):
    return (
        Round.query.filter(Round.outcome_public_at.isnot(None))
        .order_by(Round.outcome_public_at.desc())
        .limit(limit)
        .all()
    )
