"""Privacy: the privacy statement and consents, the member's data export, leaving and erasure."""

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit import record_audit
from ..database import utcnow
from ..extensions import db
from ..mail import forget_recipient, queue_mail
from ..notifications.services import notify_many
from ..signals import answers, member_export, member_leaving
from .models import (
    IN_PANEL,
    Consent,
    ConsentPurpose,
    Member,
    MemberStatus,
    PrivacyStatement,
    StatusChange,
)
from .services import change_status
from .statement import DEFAULT_STATEMENT


def current_statement():
    """The newest published statement; version 1 is written from the default text when none is."""
    statement = PrivacyStatement.query.order_by(PrivacyStatement.version.desc()).first()
    if statement is None:
        # Two first visitors may both get here: the version is unique, so one insert wins and
        # the other reads the winner's row.
        try:
            with db.session.begin_nested():
                db.session.add(PrivacyStatement(version=1, **DEFAULT_STATEMENT))
        except IntegrityError:
            pass
        statement = PrivacyStatement.query.order_by(PrivacyStatement.version.desc()).first()
    return statement


def current_statement_version():
    return db.session.query(func.max(PrivacyStatement.version)).scalar() or 0


def publish_statement(body_nl, body_en, changes_nl, changes_en, actor):
    version = current_statement_version() + 1
    statement = PrivacyStatement(
        version=version,
        body_nl=body_nl,
        body_en=body_en,
        changes_nl=changes_nl,
        changes_en=changes_en,
    )
    db.session.add(statement)
    db.session.flush()
    record_audit("privacy_statement.publish", target=statement, actor=actor, version=version)
    tell_members_of_new_statement(statement)
    return statement


def tell_members_of_new_statement(statement):
    """Every member who will be asked to accept the new version hears of it first: in the app
    and by e-mail (essential), each in their own language, with what changed."""
    users = db.session.scalars(
        select(User)
        .join(Member, Member.user_id == User.id)
        .where(Member.status.in_(IN_PANEL + (MemberStatus.RESERVE.value,)))
        .order_by(User.id)
    ).all()
    return notify_many(
        users,
        "privacy_statement",
        endpoint="membership.privacy_update",
        mail_context={"statement": statement},
        version=statement.version,
    )


def needs_new_consent(member):
    return (
        member is not None
        and member.status in IN_PANEL + (MemberStatus.RESERVE.value,)
        and (member.accepted_statement_version or 0) < current_statement_version()
    )


def accept_statement(member, statement, language):
    """Renew the participation consent (and a recording consent in force) under `statement`."""
    now = utcnow()
    for consent in member_consents(member):
        if consent.withdrawn_at is None and consent.statement_version < statement.version:
            consent.withdrawn_at = now
            db.session.add(
                Consent(
                    member_id=member.id,
                    purpose=consent.purpose,
                    statement_version=statement.version,
                    language=language,
                    given_at=now,
                )
            )
    member.accepted_statement_version = statement.version


def member_consents(member):
    """The member's consents, oldest first; each knows the version that replaced it, if any.

    A consent renewed under a newer statement (accept_statement) is ended at the moment its
    successor is given: `replaced_by` is that successor's version. A consent the member withdrew
    has no successor given at that moment: `replaced_by` is None.
    """
    consents = Consent.query.filter_by(member_id=member.id).order_by(Consent.id).all()
    for consent in consents:
        consent.replaced_by = next(
            (
                later.statement_version
                for later in consents
                if consent.withdrawn_at is not None
                and later.id > consent.id
                and later.purpose == consent.purpose
                and later.statement_version > consent.statement_version
                and abs((later.given_at - consent.withdrawn_at).total_seconds()) < 1
            ),
            None,
        )
    return consents


def set_recording_consent(member, wanted, language):
    now = utcnow()
    current = [
        c
        for c in member_consents(member)
        if c.purpose == ConsentPurpose.RECORDING.value and c.withdrawn_at is None
    ]
    if wanted and not current:
        db.session.add(
            Consent(
                member_id=member.id,
                purpose=ConsentPurpose.RECORDING.value,
                statement_version=current_statement().version,
                language=language,
                given_at=now,
            )
        )
    if not wanted:
        for consent in current:
            consent.withdrawn_at = now


def has_consent(member, purpose):
    return any(c.purpose == purpose and c.withdrawn_at is None for c in member_consents(member))


LEAVE_REASONS = (
    "too_many_invitations",
    "not_interesting",
    "no_time",
    "privacy",
    "no_customer",
    "other",
)


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
        # Nothing more reaches them (but the goodbye), and the outbox forgets their address.
        forget_recipient(user.email)
        db.session.delete(user)


def export_member_data(member):
    user = member.user
    data = {
        "exported_at": utcnow().isoformat(),
        "account": {
            "name": user.name,
            "email": user.email,
            "language": user.locale,
            "created_at": user.created_at.isoformat(),
            "last_login_at": user.last_login_at.isoformat() if user.last_login_at else None,
        },
        "membership": {
            "member_number": member.number,
            "status": member.status,
            "paused_until": member.paused_until.isoformat() if member.paused_until else None,
            "birth_year": member.birth_year,
            "postcode": member.postcode,
            "region": member.region,
            "customer_type": member.customer_type,
            "years_as_customer": member.years_as_customer,
            "platform": member.platform,
            "app_usage": member.app_usage,
            "interests": member.interests,
            "attends_physical": member.attends_physical,
            "physical_region": member.physical_region,
            "attends_online": member.attends_online,
            "source": member.source,
            "joined_at": member.joined_at.isoformat(),
            "confirmed_at": member.confirmed_at.isoformat() if member.confirmed_at else None,
        },
        "consents": [
            {
                "purpose": c.purpose,
                "statement_version": c.statement_version,
                "language": c.language,
                "channel": c.channel,
                "given_at": c.given_at.isoformat(),
                "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            }
            for c in member_consents(member)
        ],
        "status_history": [
            {
                "from": s.from_status,
                "to": s.to_status,
                "reason": s.reason,
                "at": s.created_at.isoformat(),
            }
            for s in StatusChange.query.filter_by(member_id=member.id).order_by(StatusChange.id)
        ],
        "notifications": [
            {
                "kind": n.kind,
                "title": n.title,
                "created_at": n.created_at.isoformat(),
                "read_at": n.read_at.isoformat() if n.read_at else None,
            }
            for n in user.notifications
        ],
    }
    for key, records in answers(member_export, member):
        data[key] = records
    return data
