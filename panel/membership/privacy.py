"""Privacy: the privacy statement and consents, the member's data export, leaving and erasure."""

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import User
from ..audit import record_audit
from ..database import utcnow
from ..extensions import db
from ..i18n import OTHER_LANGUAGE_LABELS, date_filter, datetime_filter, speaking
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
from .segments import AppUsage, CustomerType, Interest, Platform, Region, YearsAsCustomer
from .services import change_status
from .statement import default_statement, latest_statement_version


def current_statement():
    """The newest published statement; version 1 is written from the default text when none is."""
    statement = PrivacyStatement.query.order_by(PrivacyStatement.version.desc()).first()
    if statement is None:
        # Two first visitors may both get here: the version is unique, so one insert wins and
        # the other reads the winner's row.
        try:
            with db.session.begin_nested():
                db.session.add(PrivacyStatement(version=1, **default_statement(current_app.config)))
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
        and (member.accepted_statement_version or 0) < latest_statement_version()
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
    """Everything the panel keeps about the member, for a person to read: labelled sections in
    the member's own language, names next to ids, dates in Amsterdam time. Each domain adds its
    sections (signals.member_export)."""
    user = member.user
    with speaking(user.locale):
        data = {
            _("About this file"): _(
                "Everything %(operator)s keeps about you, downloaded on %(when)s. Times are in "
                "Amsterdam time.",
                operator=current_app.config["OPERATOR_NAME"],
                when=export_time(utcnow()),
            ),
            _("Your account"): {
                _("Name"): user.name,
                _("E-mail address"): user.email,
                _("Language"): OTHER_LANGUAGE_LABELS.get(user.locale, user.locale),
                _("Account created"): export_time(user.created_at),
                _("Last logged in"): export_time(user.last_login_at),
            },
            _("Your membership"): membership_section(member),
            _("Status history"): [
                {
                    _("Date"): export_time(change.created_at),
                    _("Previous status"): MemberStatus.title_of(change.from_status) or None,
                    _("New status"): MemberStatus.title_of(change.to_status),
                    _("Reason"): change.reason,
                }
                for change in StatusChange.query.filter_by(member_id=member.id).order_by(
                    StatusChange.created_at, StatusChange.id
                )
            ],
            _("Consents"): [
                {
                    _("For"): ConsentPurpose.title_of(consent.purpose),
                    _("Privacy statement"): _(
                        "version %(version)s", version=consent.statement_version
                    ),
                    _("Language"): OTHER_LANGUAGE_LABELS.get(consent.language, consent.language),
                    _("Given on"): export_time(consent.given_at),
                    _("Status"): consent_end(consent),
                }
                for consent in member_consents(member)
            ],
            _("Notifications"): [
                {
                    _("Message"): notification.title,
                    _("Date"): export_time(notification.created_at),
                    _("Read on"): export_time(notification.read_at),
                }
                for notification in sorted(user.notifications, key=lambda n: n.created_at)
            ],
        }
        for title, records in answers(member_export, member):
            data[str(title)] = records
        return plain(data)


def membership_section(member):
    return {
        _("Member number"): member.number,
        _("Status"): MemberStatus.title_of(member.status),
        _("Paused until"): export_date(member.paused_until),
        _("Birth year"): member.birth_year,
        _("Postcode (first four digits)"): member.postcode,
        _("Region"): Region.title_of(member.region) or None,
        _("Type of customer"): CustomerType.title_of(member.customer_type) or None,
        _("Customer for"): YearsAsCustomer.title_of(member.years_as_customer) or None,
        _("Phone"): Platform.title_of(member.platform) or None,
        _("How often you use the app"): AppUsage.title_of(member.app_usage) or None,
        _("Interests"): [Interest.title_of(value) for value in member.interests],
        _("Sessions at a location"): yes_no(member.attends_physical),
        _("Region for sessions at a location"): Region.title_of(member.physical_region) or None,
        _("Online sessions"): yes_no(member.attends_online),
        _("Code of the link you joined through"): member.source,
        _("Applied"): export_time(member.joined_at),
        _("E-mail address confirmed"): export_time(member.confirmed_at),
    }


def consent_end(consent):
    """In force, withdrawn or replaced by a newer version: in words, as the profile says it."""
    if consent.withdrawn_at is None:
        return _("In force")
    if consent.replaced_by is not None:
        return _(
            "%(when)s, replaced by version %(version)s",
            when=export_time(consent.withdrawn_at),
            version=consent.replaced_by,
        )
    return _("%(when)s, withdrawn", when=export_time(consent.withdrawn_at))


def export_time(value):
    """A moment as a person reads it, in Amsterdam time: '30 november 2026, 15:00'."""
    return datetime_filter(value, "d MMMM y, HH:mm") or None


def export_date(value):
    return date_filter(value, "long") or None


def yes_no(value):
    return _("Yes") if value else _("No")


def plain(value):
    """JSON-ready: translated and staff-written text (lazy or bilingual) becomes plain text."""
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def export_filename(member):
    """The download's name in the member's language, with the Amsterdam date."""
    with speaking(member.user.locale):
        # Translators: the file name of a member's data download; keep it lowercase, no spaces
        return _("my-panel-data-%(date)s.json", date=date_filter(utcnow(), "yyyy-MM-dd"))
