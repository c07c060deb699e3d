"""Membership verbs: a member's status and the manager's decisions, pausing, the profile.

Joining is in joining.py; the privacy statement, consents, export and erasure in privacy.py.
"""

import logging

from sqlalchemy import false

from ..accounts.services import end_all_sessions
from ..accounts.user_search import matching_user_ids, user_holds
from ..audit import record_audit
from ..database import amsterdam_today, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..notifications.services import notify
from .models import IN_PANEL, Member, MemberStatus, StatusChange
from .segments import region_for_postcode

log = logging.getLogger("panel.membership")


def change_status(member, status, actor=None, reason=None, notify_member=True):
    """Set a member's status and keep the history; the member hears of it in their language."""
    status = MemberStatus(status)
    previous = member.status
    member.status = status.value
    if status == MemberStatus.ACTIVE and member.activated_at is None:
        member.activated_at = utcnow()
    if status != MemberStatus.PAUSED:
        member.paused_until = None
    db.session.add(
        StatusChange(
            member_id=member.id,
            from_status=previous,
            to_status=status.value,
            actor_id=actor.id if actor else None,
            reason=reason,
        )
    )
    if notify_member and member.user is not None and previous != status.value:
        notify(
            member.user, "membership_status", status=status.value, mail_context={"reason": reason}
        )


MANAGER_ACTIONS = {
    # action: (allowed from statuses, resulting status)
    "approve": ({"pending", "reserve"}, MemberStatus.ACTIVE),
    "reject": ({"pending"}, MemberStatus.DECLINED),
    "reserve": ({"pending", "active", "paused"}, MemberStatus.RESERVE),
    "remove": ({"pending", "active", "paused", "reserve"}, MemberStatus.REMOVED),
    "reinstate": ({"removed"}, MemberStatus.ACTIVE),
}


def allowed_actions(member):
    return [name for name, (sources, _) in MANAGER_ACTIONS.items() if member.status in sources]


def manage_member(member, action, actor, reason=None):
    """A panel manager's decision on a member; NotAllowed("status") when it does not fit."""
    sources, status = MANAGER_ACTIONS[action]
    if member.status not in sources:
        raise NotAllowed("status")
    change_status(member, status, actor=actor, reason=reason)
    if status in (MemberStatus.REMOVED, MemberStatus.DECLINED) and member.user is not None:
        end_all_sessions(member.user)
    record_audit(f"member.{action}", target=member, actor=actor, reason=reason, status=status.value)


def pause(member, until):
    change_status(member, MemberStatus.PAUSED, actor=member.user, notify_member=False)
    member.paused_until = until
    touch(member)


def resume(member, actor=None):
    change_status(member, MemberStatus.ACTIVE, actor=actor or member.user, notify_member=False)
    touch(member)


def resume_expired_pauses(today=None):
    """Pauses end by themselves: members whose date has passed are active again."""
    today = today or amsterdam_today()
    # Locked (SELECT … FOR UPDATE on PostgreSQL): a second run at the same moment waits, then
    # finds these members active and leaves them. SQLite's job transactions are exclusive already.
    members = (
        Member.query.filter(Member.status == MemberStatus.PAUSED.value, Member.paused_until < today)
        .order_by(Member.id)
        .with_for_update()
        .all()
    )
    for member in members:
        change_status(member, MemberStatus.ACTIVE, reason="pause_ended")
    return len(members)


def touch(member):
    """The member did something: they count as active (ISO 20252) for another year."""
    member.last_active_at = utcnow()


def apply_profile(member, data):
    """Copy the screening answers from a join or profile form onto the member."""
    member.birth_year = data["birth_year"]
    member.postcode = data["postcode"][:4]
    region = region_for_postcode(data["postcode"])
    member.region = region.value if region else None
    member.customer_type = data["customer_type"]
    member.years_as_customer = data.get("years_as_customer") or None
    member.platform = data["platform"]
    member.app_usage = data["app_usage"]
    member.set_interests(data.get("interests") or [])
    member.attends_physical = bool(data.get("attends_physical"))
    member.physical_region = data.get("physical_region") if member.attends_physical else None
    member.attends_online = bool(data.get("attends_online"))


def update_profile(member, user, data):
    user.name = data["name"]
    user.locale = data["locale"]
    apply_profile(member, data)
    touch(member)


def members_in_panel_count():
    return Member.query.filter(Member.status.in_(IN_PANEL)).count()


def find_member_for(user):
    if user is None or not user.is_authenticated:
        return None
    # Through the relationship: loaded once per request, however many parts of the page ask.
    return user.member


def search_members(query, term):
    """`query` (a select over members) narrowed to those whose name or e-mail address holds
    `term`, ignoring case and accents ("jans" finds Jansen, "zoe" Zoë): joined to the index in
    panel.accounts.user_search, so it is quick when few match and a LIMIT stops it early when
    many do."""
    user_ids = matching_user_ids(term)
    if user_ids is None:  # nothing left to look for ("ʼ" folds to nothing): nobody matches
        return query.where(false())
    return query.join(user_ids, Member.user_id == user_ids.c.user_id)


def holds_name_or_email(term):
    """The same as a condition tested member by member: for reading the list in its own order
    until a page is full, when so many match that sorting them all would cost more."""
    return user_holds(term, Member.user_id)
