"""Membership verbs: join, confirm and screen, change status, pause, export, leave, purge."""
import logging
import re
import secrets
from datetime import date, timedelta

from sqlalchemy import func

from ..accounts.models import User
from ..accounts.services import create_user, end_all_sessions, find_user_by_email
from ..audit import record_audit
from ..database import utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..mail import queue_mail
from ..notifications.services import notify
from ..security import Role, sign, unsign
from ..signals import answers, member_export, member_leaving
from .models import (IN_PANEL, Consent, ConsentPurpose, Member, MemberStatus, PanelSettings,
                     PrivacyStatement, QuotaTarget, StatusChange)
from .segments import MINIMUM_AGE, AgeBand, CustomerType, region_for_postcode
from .statement import DEFAULT_STATEMENT

log = logging.getLogger("panel.membership")

CONFIRM_MAX_AGE = timedelta(days=30)
SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def clean_source(value):
    """The recruitment source code from a link (?source=…), or None when it is not a plain code."""
    value = (value or "").strip().lower()
    return value if SOURCE_PATTERN.match(value) else None


# The privacy statement ----------------------------------------------------------------------

def current_statement():
    """The newest published statement; version 1 is written from the default text when none is."""
    statement = PrivacyStatement.query.order_by(PrivacyStatement.version.desc()).first()
    if statement is None:
        statement = PrivacyStatement(version=1, **DEFAULT_STATEMENT)
        db.session.add(statement)
        db.session.flush()
    return statement


def current_statement_version():
    return db.session.query(func.max(PrivacyStatement.version)).scalar() or 0


def publish_statement(body_nl, body_en, changes_nl, changes_en, actor):
    version = current_statement_version() + 1
    statement = PrivacyStatement(version=version, body_nl=body_nl, body_en=body_en,
                                 changes_nl=changes_nl, changes_en=changes_en)
    db.session.add(statement)
    record_audit("privacy_statement.publish", target=statement, actor=actor, version=version)
    return statement


def needs_new_consent(member):
    return (member is not None and member.status in IN_PANEL + (MemberStatus.RESERVE.value,)
            and (member.accepted_statement_version or 0) < current_statement_version())


def accept_statement(member, statement, language):
    """Renew the participation consent (and a recording consent still in force) under `statement`."""
    now = utcnow()
    for consent in member_consents(member):
        if consent.withdrawn_at is None and consent.statement_version < statement.version:
            consent.withdrawn_at = now
            db.session.add(Consent(member_id=member.id, purpose=consent.purpose,
                                   statement_version=statement.version, language=language,
                                   given_at=now))
    member.accepted_statement_version = statement.version


def member_consents(member):
    return Consent.query.filter_by(member_id=member.id).order_by(Consent.id).all()


# Joining -------------------------------------------------------------------------------------

def new_member_number():
    """A random six-digit pseudonym not used before."""
    while True:
        number = secrets.randbelow(900_000) + 100_000
        if not db.session.query(Member.id).filter_by(number=number).first():
            return number


def join_panel(data, language, source=None):
    """Record an application and mail the confirmation link.

    For an address that already has an account, nothing is created: its owner gets a "you
    already have an account" e-mail, and the caller shows the same page either way.
    """
    existing = find_user_by_email(data["email"])
    if existing is not None:
        queue_mail(existing.email, "already_member", existing.locale, user=existing)
        log.info("join: address already has an account; owner notified")
        return None
    user = create_user(data["email"], data["name"], language, roles=[Role.PANELIST],
                       password=data["password"])
    member = Member(user=user, number=new_member_number(), source=clean_source(source))
    apply_profile(member, data)
    db.session.add(member)
    db.session.flush()
    statement = current_statement()
    member.accepted_statement_version = statement.version
    db.session.add(Consent(member_id=member.id, purpose=ConsentPurpose.PARTICIPATION.value,
                           statement_version=statement.version, language=language))
    if data.get("consent_recording"):
        db.session.add(Consent(member_id=member.id, purpose=ConsentPurpose.RECORDING.value,
                               statement_version=statement.version, language=language))
    db.session.add(StatusChange(member_id=member.id, from_status=None,
                                to_status=MemberStatus.APPLICANT.value))
    queue_mail(user.email, "join_confirm", language, user=user,
               token=sign("confirm", {"m": member.id}))
    return user


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


def member_from_confirm_token(token):
    data = unsign("confirm", token, CONFIRM_MAX_AGE.total_seconds())
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    return db.session.get(Member, data["m"])


def screening_outcome(member, today=None):
    """(status, reason) for a confirmed applicant, by the panel manager's rules."""
    settings = PanelSettings.current()
    today = today or date.today()
    if member.birth_year is None or today.year - member.birth_year < MINIMUM_AGE:
        return MemberStatus.DECLINED, "too_young"
    if member.customer_type == CustomerType.NONE.value and not settings.accept_non_customers:
        return MemberStatus.DECLINED, "not_a_customer"
    if quota_is_full(member):
        return MemberStatus.RESERVE, "quota_full"
    if settings.manual_approval:
        return MemberStatus.PENDING, None
    return MemberStatus.ACTIVE, None


def confirm_membership(member):
    """Double opt-in done: screen the applicant and give them their status."""
    member.confirmed_at = utcnow()
    status, reason = screening_outcome(member)
    change_status(member, status, reason=reason, notify_member=False)
    if status == MemberStatus.DECLINED:
        erase_member(member, reason)
    elif member.user is not None:
        notify(member.user, "welcome")
    return status.value, reason


# Quotas ----------------------------------------------------------------------------------------

def segment_filter(query, target):
    """Restrict a Member query to the segment of a quota target."""
    if target.customer_type:
        query = query.filter(Member.customer_type == target.customer_type)
    if target.region:
        query = query.filter(Member.region == target.region)
    if target.age_band:
        first, last = AgeBand(target.age_band).birth_years()
        query = query.filter(Member.birth_year <= last)
        if first is not None:
            query = query.filter(Member.birth_year >= first)
    return query


def quota_fill(target):
    return segment_filter(Member.query.filter(Member.status.in_(IN_PANEL)), target).count()


def quota_is_full(member):
    segment = member.segment
    for target in QuotaTarget.query.all():
        if target.matches(segment) and quota_fill(target) >= target.target:
            return True
    return False


# Status ------------------------------------------------------------------------------------------

def change_status(member, status, actor=None, reason=None, notify_member=True):
    """Set a member's status and keep the history; the member hears of it in their language."""
    status = MemberStatus(status)
    previous = member.status
    member.status = status.value
    if status == MemberStatus.ACTIVE and member.activated_at is None:
        member.activated_at = utcnow()
    if status != MemberStatus.PAUSED:
        member.paused_until = None
    db.session.add(StatusChange(member_id=member.id, from_status=previous, to_status=status.value,
                                actor_id=actor.id if actor else None, reason=reason))
    if notify_member and member.user is not None and previous != status.value:
        notify(member.user, "membership_status", status=status.value,
               mail_context={"reason": reason})


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
    record_audit(f"member.{action}", target=member, actor=actor, reason=reason,
                 status=status.value)


def pause(member, until):
    change_status(member, MemberStatus.PAUSED, actor=member.user, notify_member=False)
    member.paused_until = until
    touch(member)


def resume(member, actor=None):
    change_status(member, MemberStatus.ACTIVE, actor=actor or member.user, notify_member=False)
    touch(member)


def resume_expired_pauses(today=None):
    """Pauses end by themselves: members whose date has passed are active again."""
    today = today or date.today()
    members = Member.query.filter(Member.status == MemberStatus.PAUSED.value,
                                  Member.paused_until < today).all()
    for member in members:
        change_status(member, MemberStatus.ACTIVE, reason="pause_ended")
    return len(members)


def touch(member):
    """The member did something: they count as active (ISO 20252) for another year."""
    member.last_active_at = utcnow()


def update_profile(member, user, data):
    user.name = data["name"]
    user.locale = data["locale"]
    apply_profile(member, data)
    touch(member)


# Recording consent ------------------------------------------------------------------------------

def set_recording_consent(member, wanted, language):
    now = utcnow()
    current = [c for c in member_consents(member)
               if c.purpose == ConsentPurpose.RECORDING.value and c.withdrawn_at is None]
    if wanted and not current:
        db.session.add(Consent(member_id=member.id, purpose=ConsentPurpose.RECORDING.value,
                               statement_version=current_statement().version, language=language,
                               given_at=now))
    if not wanted:
        for consent in current:
            consent.withdrawn_at = now


def has_consent(member, purpose):
    return any(c.purpose == purpose and c.withdrawn_at is None for c in member_consents(member))


# Leaving and erasure ------------------------------------------------------------------------------

LEAVE_REASONS = ("too_many_invitations", "not_interesting", "no_time", "privacy", "no_customer",
                 "other")


def leave_panel(member, reason):
    """Leave in one step: the member is told by e-mail, then their identity is erased."""
    user = member.user
    queue_mail(user.email, "left_panel", user.locale, user=user, scrub_after_send=True)
    change_status(member, MemberStatus.LEFT, actor=user, reason=reason, notify_member=False)
    erase_member(member, reason)


def erase_member(member, reason=None):
    """Erase identity and free text; keep only an anonymous row so counts stay the same."""
    now = utcnow()
    for consent in member_consents(member):
        if consent.withdrawn_at is None:
            consent.withdrawn_at = now
    member.left_at = now
    member.leave_reason = reason
    member.birth_year = None
    member.postcode = None
    member.years_as_customer = None
    member.platform = None
    member.app_usage = None
    member.physical_region = None
    member.set_interests([])
    StatusChange.query.filter_by(member_id=member.id).update({"reason": None})
    member_leaving.send(member)
    user = member.user
    member.user = None
    if user is not None:
        db.session.delete(user)


def purge_unconfirmed(now=None):
    """Remove applications not confirmed within 30 days (safe to run from cron)."""
    cutoff = (now or utcnow()) - CONFIRM_MAX_AGE
    stale = Member.query.filter(Member.status == MemberStatus.APPLICANT.value,
                                Member.joined_at < cutoff).all()
    for member in stale:
        user = member.user
        db.session.delete(member)
        if user is not None:
            db.session.delete(user)
    return len(stale)


# Export -----------------------------------------------------------------------------------------------

def export_member_data(member):
    user = member.user
    data = {
        "exported_at": utcnow().isoformat(),
        "account": {"name": user.name, "email": user.email, "language": user.locale,
                    "created_at": user.created_at.isoformat(),
                    "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None},
        "membership": {
            "member_number": member.number, "status": member.status,
            "paused_until": member.paused_until.isoformat() if member.paused_until else None,
            "birth_year": member.birth_year, "postcode": member.postcode, "region": member.region,
            "customer_type": member.customer_type, "years_as_customer": member.years_as_customer,
            "platform": member.platform, "app_usage": member.app_usage,
            "interests": member.interests, "attends_physical": member.attends_physical,
            "physical_region": member.physical_region, "attends_online": member.attends_online,
            "source": member.source, "joined_at": member.joined_at.isoformat(),
            "confirmed_at": member.confirmed_at.isoformat() if member.confirmed_at else None,
        },
        "consents": [{"purpose": c.purpose, "statement_version": c.statement_version,
                      "language": c.language, "channel": c.channel,
                      "given_at": c.given_at.isoformat(),
                      "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None}
                     for c in member_consents(member)],
        "status_history": [{"from": s.from_status, "to": s.to_status, "reason": s.reason,
                            "at": s.created_at.isoformat()}
                           for s in StatusChange.query.filter_by(member_id=member.id)
                           .order_by(StatusChange.id)],
        "notifications": [{"kind": n.kind, "title": n.title, "created_at": n.created_at.isoformat(),
                           "read_at": n.read_at.isoformat() if n.read_at else None}
                          for n in user.notifications],
    }
    for key, records in answers(member_export, member):
        data[key] = records
    return data


def members_in_panel_count():
    return Member.query.filter(Member.status.in_(IN_PANEL)).count()


def find_member_for(user):
    if user is None or not user.is_authenticated:
        return None
    return Member.query.filter_by(user_id=user.id).first()


__all__ = ["User"]
