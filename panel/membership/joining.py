"""Joining the panel: the application, the double opt-in, screening and quotas."""

import logging
import re
import secrets
from datetime import timedelta

from sqlalchemy import and_, case, func, select

from ..accounts.services import create_user, find_user_by_email
from ..database import amsterdam_today, utcnow
from ..extensions import db
from ..i18n import link_for
from ..mail import queue_mail
from ..notifications.services import notify
from ..security import Role, sign, unsign
from .models import (
    IN_PANEL,
    Consent,
    ConsentPurpose,
    Member,
    MemberStatus,
    PanelSettings,
    QuotaTarget,
    StatusChange,
)
from .privacy import current_statement, erase_member
from .segments import MINIMUM_AGE, AgeBand, CustomerType
from .services import apply_profile, change_status, find_member_for

log = logging.getLogger("panel.membership")

CONFIRM_MAX_AGE = timedelta(days=30)


SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


def clean_source(value):
    """The recruitment source code from a link (?source=…), or None when it is not a plain code."""
    value = (value or "").strip().lower()
    return value if SOURCE_PATTERN.match(value) else None


def new_member_number():
    """A random six-digit pseudonym not used before."""
    while True:
        number = secrets.randbelow(900_000) + 100_000
        if not db.session.query(Member.id).filter_by(number=number).first():
            return number


def join_panel(data, language, source=None):
    """Record an application and mail the confirmation link.

    For an address that already has an account, nothing is created: an applicant who never
    confirmed gets a fresh confirmation link, anyone else a "you already have an account"
    e-mail; the caller shows the same page either way.
    """
    existing = find_user_by_email(data["email"])
    if existing is not None:
        member = find_member_for(existing)
        if member is not None and member.status == MemberStatus.APPLICANT.value:
            send_new_confirm_link(member)
            log.info("join: address has an unconfirmed application; new link sent")
        else:
            queue_mail(existing.email, "already_member", existing.locale, user=existing)
            log.info("join: address already has an account; owner notified")
        return None
    user = create_user(
        data["email"], data["name"], language, roles=[Role.PANELIST], password=data["password"]
    )
    member = Member(user=user, number=new_member_number(), source=clean_source(source))
    apply_profile(member, data)
    db.session.add(member)
    db.session.flush()
    statement = current_statement()
    member.accepted_statement_version = statement.version
    db.session.add(
        Consent(
            member_id=member.id,
            purpose=ConsentPurpose.PARTICIPATION.value,
            statement_version=statement.version,
            language=language,
        )
    )
    if data.get("consent_recording"):
        db.session.add(
            Consent(
                member_id=member.id,
                purpose=ConsentPurpose.RECORDING.value,
                statement_version=statement.version,
                language=language,
            )
        )
    db.session.add(
        StatusChange(member_id=member.id, from_status=None, to_status=MemberStatus.APPLICANT.value)
    )
    # applying: the footer says why an applicant gets it (they have no account yet)
    queue_mail(
        user.email,
        "join_confirm",
        language,
        user=user,
        token=sign("confirm", {"m": member.id}),
        applying=True,
    )
    return user


def send_new_confirm_link(member):
    """Mail an unconfirmed applicant a fresh confirmation link, in their own language."""
    user = member.user
    queue_mail(
        user.email,
        "confirm_again",
        user.locale,
        user=user,
        token=sign("confirm", {"m": member.id}),
        applying=True,
    )


def member_from_confirm_token(token):
    data = unsign("confirm", token, CONFIRM_MAX_AGE.total_seconds())
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        return None
    return db.session.get(Member, data["m"])


def decline_reason(birth_year, customer_type, today=None):
    """Why screening declines these answers ("too_young", "not_a_customer"), or None.

    Asked at the join form, before anything is stored or mailed, and again when the address is
    confirmed (the rules may have changed in between).
    """
    today = today or amsterdam_today()
    if birth_year is None or today.year - birth_year < MINIMUM_AGE:
        return "too_young"
    if (
        customer_type == CustomerType.NONE.value
        and not PanelSettings.current().accept_non_customers
    ):
        return "not_a_customer"
    return None


def screening_outcome(member, today=None):
    """(status, reason) for a confirmed applicant, by the panel manager's rules."""
    settings = PanelSettings.current()
    reason = decline_reason(member.birth_year, member.customer_type, today)
    if reason is not None:
        return MemberStatus.DECLINED, reason
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
        notify(
            member.user,
            "welcome",
            link=link_for("membership.dashboard", member.user.locale),
            status=status.value,
        )
    return status.value, reason


def segment_conditions(target):
    """The conditions on members of the segment of a quota target (none: the whole panel)."""
    conditions = []
    if target.customer_type:
        conditions.append(Member.customer_type == target.customer_type)
    if target.region:
        conditions.append(Member.region == target.region)
    if target.age_band:
        first, last = AgeBand(target.age_band).birth_years()
        conditions.append(Member.birth_year <= last)
        if first is not None:
            conditions.append(Member.birth_year >= first)
    return conditions


def quota_fills(targets):
    """The fill of each quota target, in order: one query, a count per target."""
    if not targets:
        return []
    counts = [
        func.count(case((and_(*where), Member.id))) if where else func.count(Member.id)
        for where in map(segment_conditions, targets)
    ]
    return list(db.session.execute(select(*counts).where(Member.status.in_(IN_PANEL))).one())


def quota_is_full(member):
    segment = member.segment
    targets = [target for target in QuotaTarget.query.all() if target.matches(segment)]
    fills = quota_fills(targets)
    return any(fill >= target.target for target, fill in zip(targets, fills, strict=True))


def purge_unconfirmed(now=None):
    """Remove applications not confirmed within 30 days (safe to run from cron)."""
    cutoff = (now or utcnow()) - CONFIRM_MAX_AGE
    # Locked (SELECT … FOR UPDATE on PostgreSQL): a second run at the same moment waits, then
    # skips the rows the first one removed instead of deleting them again.
    stale = (
        Member.query.filter(
            Member.status == MemberStatus.APPLICANT.value, Member.joined_at < cutoff
        )
        .order_by(Member.id)
        .with_for_update()
        .all()
    )
    for member in stale:
        user = member.user
        db.session.delete(member)
        if user is not None:
            db.session.delete(user)
    return len(stale)
