"""How rounds plug into the rest: the dashboard, data export, erasure, member history, health.

Each function here answers a signal (panel/signals.py); connect_signals() connects them all.
"""

from dataclasses import dataclass
from datetime import timedelta

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from .. import signals
from ..database import utcnow
from ..extensions import db
from ..i18n import (
    LocalizedText,
    datetime_filter,
    number_filter,
    percent_filter,
    pick_language,
)
from ..i18n import lazy_gettext as _l
from ..membership.health import kept_figures
from ..membership.models import MemberStatus, PanelSettings
from ..membership.privacy import export_time
from ..membership.views import AttentionItem, Urgency
from . import services
from .links import id_link
from .models import (
    Attendance,
    Comment,
    Idea,
    IdeaStatus,
    IdeaSupport,
    Invitation,
    InvitationStatus,
    Registration,
    RegistrationStatus,
    Round,
    Session,
)
from .notices import round_kinds
from .permissions import can_manage_round, can_see_all_rounds
from .sampling import answerable
from .services import public_outcomes
from .views import member_or_none


def open_invitations(member):
    """Invitations to answer, and accepted ones until their round ends (one query)."""
    rows = (
        Invitation.query.join(Round)
        .options(contains_eager(Invitation.round))
        .filter(
            Invitation.member_id == member.id,
            Invitation.status.in_(
                [InvitationStatus.INVITED.value, InvitationStatus.ACCEPTED.value]
            ),
            Round.published_at.isnot(None),
            Round.stage.notin_(["closed", "cancelled"]),
        )
        .order_by(Invitation.created_at, Invitation.id)
        .all()
    )
    return [
        invitation_item(inv)
        if inv.status == InvitationStatus.INVITED.value
        else AttentionItem(
            _l("You're taking part in %(round)s.", round=str(inv.round.title)),
            url_for("rounds.round_page", round_id=inv.round_id),
            _l("Go to the round"),
            rank=Urgency.TAKING_PART,
        )
        for inv in rows
    ]


def invitation_item(inv):
    return AttentionItem(
        _l("You're invited to take part in: %(round)s", round=str(inv.round.title)),
        url_for("rounds.round_page", round_id=inv.round_id),
        _l("Have a look"),
        answers=[
            (
                url_for("rounds.respond_to_invitation", round_id=inv.round_id, answer="accept"),
                _l("Yes, I'll take part"),
                True,
            ),
            (
                url_for("rounds.respond_to_invitation", round_id=inv.round_id, answer="decline"),
                _l("Not this time"),
                False,
            ),
        ],
        rank=Urgency.ANSWER_INVITATION,
    )


# The dashboard names the rounds with the soonest free seats; the rest are one item that leads
# to the rounds list filtered the same way (issue 13: at XL a member saw ~150 round items).
SEAT_ROUNDS_SHOWN = 5


def rounds_with_free_seats(member):
    """The open rounds where an active member can still take a seat (services.free_seat_rounds),
    the soonest SEAT_ROUNDS_SHOWN of them, and one more item for the rest. One query: the total
    comes with the rows."""
    rounds = services.free_seat_rounds(member)
    if rounds is None:
        return []
    rows = db.session.execute(
        rounds.add_columns(func.count().over()).limit(SEAT_ROUNDS_SHOWN)
    ).all()
    if not rows:
        return []
    link = id_link("rounds.round_page", "round_id")
    items = [
        AttentionItem(
            ngettext(
                "There's %(num)d session with free seats in %(round)s.",
                "There are %(num)d sessions with free seats in %(round)s.",
                count,
                round=str(pick_language({"nl": nl, "en": en})),
            ),
            link(round_id) + "#sessions-heading",
            _("See the sessions"),
            rank=Urgency.TAKE_A_SEAT,
        )
        for round_id, nl, en, count, _total in rows
    ]
    more = rows[0][-1] - len(rows)
    if more > 0:
        items.append(
            AttentionItem(
                ngettext(
                    "%(num)d more round has sessions with free seats.",
                    "%(num)d more rounds have sessions with free seats.",
                    more,
                ),
                url_for("rounds.overview", seats="free"),
                _("See all rounds with free seats"),
                rank=Urgency.TAKE_A_SEAT,
            )
        )
    return items


def upcoming_sessions(member):
    rows = (
        Registration.query.join(Session)
        .options(contains_eager(Registration.session))
        .filter(
            Registration.member_id == member.id,
            Registration.status != RegistrationStatus.CANCELLED.value,
            Session.starts_at > utcnow(),
        )
        .order_by(Session.starts_at)
        .all()
    )
    items = []
    for registration in rows:
        session = registration.session
        when = datetime_filter(session.starts_at, "EEEE d MMMM, HH:mm")
        text = (
            _l(
                "You're registered for %(session)s on %(when)s.",
                session=str(session.title),
                when=when,
            )
            if registration.status == RegistrationStatus.CONFIRMED.value
            else _l(
                "You're on the waiting list for %(session)s on %(when)s.",
                session=str(session.title),
                when=when,
            )
        )
        items.append(
            AttentionItem(
                text,
                url_for("rounds.round_page", round_id=session.round_id) + f"#session-{session.id}",
                _l("View session"),
                rank=Urgency.COMING_UP,
            )
        )
    return items


def export_rounds(member):
    """The member's part in co-creation rounds, for them to read (in their language, as the
    export speaks it): names next to numbers, statuses in words."""
    invitations = (
        Invitation.query.options(joinedload(Invitation.round))
        .filter_by(member_id=member.id)
        .order_by(Invitation.created_at, Invitation.id)
    )
    registrations = (
        Registration.query.options(joinedload(Registration.session).joinedload(Session.round))
        .filter_by(member_id=member.id)
        .order_by(Registration.created_at, Registration.id)
    )
    ideas = (
        Idea.query.options(joinedload(Idea.round))
        .filter_by(author_id=member.id)
        .order_by(Idea.created_at, Idea.id)
    )
    comments = (
        Comment.query.options(joinedload(Comment.idea))
        .filter_by(author_id=member.id)
        .order_by(Comment.created_at, Comment.id)
    )
    supported = (
        db.session.query(Idea, IdeaSupport.created_at)
        .join(IdeaSupport, IdeaSupport.idea_id == Idea.id)
        .filter(IdeaSupport.member_id == member.id)
        .order_by(IdeaSupport.created_at)
    )
    return _("Co-creation rounds"), {
        _("Invitations"): [
            {
                _("Round"): str(i.round.title),
                _("Round number"): i.round_id,
                _("Invited"): export_time(i.created_at),
                _("Your answer"): _("Not answered yet")
                if i.status == InvitationStatus.INVITED.value
                else InvitationStatus.title_of(i.status),
                _("Answered on"): export_time(i.responded_at),
            }
            for i in invitations
        ],
        _("Sessions"): [
            {
                _("Session"): str(r.session.title),
                _("Session number"): r.session_id,
                _("Round"): str(r.session.round.title),
                _("Round number"): r.session.round_id,
                _("Starts"): export_time(r.session.starts_at),
                _("Registration"): RegistrationStatus.title_of(r.status),
                _("Registered on"): export_time(r.created_at),
                _("Attendance"): Attendance.title_of(r.attendance) or None,
            }
            for r in registrations
        ],
        _("Your ideas"): [
            {
                _("Idea"): i.title,
                _("Idea number"): i.id,
                _("Round"): str(i.round.title),
                _("Round number"): i.round_id,
                _("Text"): i.body,
                _("Status"): IdeaStatus.title_of(i.status),
                _("Posted on"): export_time(i.created_at),
            }
            for i in ideas
        ],
        _("Your reactions"): [
            {
                _("On idea"): c.idea.title,
                _("Idea number"): c.idea_id,
                _("Text"): c.body,
                _("Posted on"): export_time(c.created_at),
            }
            for c in comments
        ],
        _("Ideas you support"): [
            {
                _("Idea"): idea.title,
                _("Idea number"): idea.id,
                _("Since"): export_time(since),
            }
            for idea, since in supported
        ],
    }


def erase_rounds(member):
    """Leaving: what the member wrote is erased; their registrations, supports and invitations
    stay as anonymous counts (they belong to the anonymous member row)."""
    removed = "—"
    for idea in Idea.query.filter_by(author_id=member.id):
        idea.title, idea.body, idea.author_id = removed, removed, None
    for comment in Comment.query.filter_by(author_id=member.id):
        comment.body, comment.author_id = removed, None


def participation(member):
    items = []
    for registration in (
        Registration.query.filter_by(member_id=member.id)
        .join(Session)
        .options(contains_eager(Registration.session))
    ):
        session = registration.session
        status = registration.attendance or registration.status
        items.append((session.starts_at, f"{session.title} — {status_title(status)}"))
    for invitation in Invitation.query.options(joinedload(Invitation.round)).filter_by(
        member_id=member.id
    ):
        items.append(
            (
                invitation.created_at,
                f"{_l('Invited')}: {invitation.round.title} "
                f"({InvitationStatus.title_of(invitation.status)})",
            )
        )
    return items


def status_title(value):
    if value in Attendance.values():
        return Attendance.title_of(value)
    return RegistrationStatus.title_of(value)


def health_counts(_sender=None, now=None):
    """For the kept panel health figures (membership.health): the invitations of the last 90
    days by status, of those old enough to have been answered; attendance at the sessions of the
    last 90 days; the invitations of the last 30 days, and how many members got more than the
    limit. Counted by the snapshot job, not for each view of the page."""
    now = now or utcnow()
    since = now - timedelta(days=90)
    # Only invitations that have had time to be answered count towards the response rate.
    invitations = dict(
        db.session.execute(
            select(Invitation.status, func.count())
            .where(Invitation.created_at > since, answerable(now))
            .group_by(Invitation.status)
        ).all()
    )
    attendance = dict(
        db.session.execute(
            select(Registration.attendance, func.count())
            .join(Session)
            .where(
                Session.ends_at > since,
                Session.ends_at <= now,
                Registration.status == RegistrationStatus.CONFIRMED.value,
                Registration.attendance.isnot(None),
            )
            .group_by(Registration.attendance)
        ).all()
    )
    limit = PanelSettings.current().max_invitations_per_30_days
    per_member = (
        select(func.count().label("invited"))
        .where(Invitation.created_at > now - timedelta(days=30))
        .group_by(Invitation.member_id)
        .subquery()
    )
    month, over_limit = db.session.execute(
        select(
            func.coalesce(func.sum(per_member.c.invited), 0),
            func.count(case((per_member.c.invited > limit, 1))),
        )
    ).one()
    return "rounds", {
        "invitations": invitations,
        "attendance": attendance,
        "month": int(month),  # a sum: PostgreSQL's is a Decimal
        "over_limit": over_limit,
    }


def health_figures(kept=None):
    """Invitation response, attendance and contact frequency over the last 90 days, as counted
    in the kept panel health figures (or now, in a snapshot from before these counts)."""
    kept = kept or kept_figures()
    counts = kept.parts.get("rounds") or health_counts()[1]
    invitations, attendance = counts["invitations"], counts["attendance"]
    invited = sum(invitations.values())
    responded = invitations.get("accepted", 0) + invitations.get("declined", 0)
    marked = attendance.get("attended", 0) + attendance.get("no_show", 0)
    active = kept.count(MemberStatus.ACTIVE)
    return [
        (
            percent_filter(responded / invited) if invited else "—",
            _l(
                "of invitations answered (90 days; counting invitations sent at least 48 hours "
                "ago or in a closed round)"
            ),
        ),
        (
            percent_filter(attendance.get("attended", 0) / marked) if marked else "—",
            _l("of registered panelists came to their session (90 days)"),
        ),
        (
            number_filter(counts["month"] / active, 2) if active else "—",
            _l("invitations per active member in the last 30 days"),
        ),
        (
            number_filter(counts["over_limit"]),
            _l("members invited more often than the limit (30 days)"),
        ),
    ]


@dataclass(frozen=True)
class PublicOutcome:
    """A launched round's outcome on the home page; `link` to its round page only where the
    viewer may open that page (None for a visitor, a staff member who isn't a member, a
    member not invited to an invitation-only round)."""

    id: int
    title: LocalizedText
    outcome: LocalizedText
    link: str | None


def openable_round_ids(user, member, rounds):
    """The ids of `rounds` whose page `user` (and their membership) may open, as the round
    page decides (views.visible_round_or_404): at most one query, for their invitations."""
    if not user.is_authenticated:
        return set()
    if can_see_all_rounds(user):
        return {round_.id for round_ in rounds}
    openable = {round_.id for round_ in rounds if can_manage_round(user, round_)}
    if member is None:
        return openable
    published = [round_ for round_ in rounds if round_.is_published]
    openable |= {round_.id for round_ in published if not round_.is_invitation_only}
    invited_only = [round_.id for round_ in published if round_.is_invitation_only]
    if invited_only:
        openable |= set(
            db.session.scalars(
                select(Invitation.round_id).where(
                    Invitation.member_id == member.id, Invitation.round_id.in_(invited_only)
                )
            )
        )
    return openable


def published_outcomes(_sender=None):
    rounds = public_outcomes()
    openable = openable_round_ids(current_user, member_or_none(), rounds)
    return [
        PublicOutcome(
            id=round_.id,
            title=round_.title,
            outcome=round_.outcome,
            link=url_for("rounds.round_page", round_id=round_.id)
            if round_.id in openable
            else None,
        )
        for round_ in rounds
    ]


def connect_signals():
    signals.notification_kinds.connect(round_kinds)
    signals.dashboard_attention.connect(open_invitations)
    signals.dashboard_attention.connect(rounds_with_free_seats)
    signals.dashboard_attention.connect(upcoming_sessions)
    signals.member_export.connect(export_rounds)
    signals.member_leaving.connect(erase_rounds)
    signals.member_participation.connect(participation)
    signals.panel_health_figures.connect(health_figures)
    signals.panel_health_counts.connect(health_counts)
    signals.public_outcomes.connect(published_outcomes)
