"""The durable e-mail outbox and its delivery worker.

A message is a row written in the same transaction as the change it announces; `flask panel
send-mail` delivers due rows over SMTP and retries with backoff, so a mail server that is down
loses nothing.
"""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from flask_babel import force_locale
from markupsafe import escape
from sqlalchemy import insert, or_, update

from .database import UTCDateTime, utcnow
from .extensions import db
from .i18n import FORMAT_LOCALES

log = logging.getLogger("panel.mail")

PENDING, SENT, FAILED = "pending", "sent", "failed"
CLAIM_SECONDS = 300


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id = db.Column(db.Integer, primary_key=True)
    to_address = db.Column(db.String(254), nullable=False)
    locale = db.Column(db.String(2), nullable=False)
    kind = db.Column(db.String(40), nullable=False)
    subject = db.Column(db.String(200), nullable=False)
    body_text = db.Column(db.Text, nullable=False)
    body_html = db.Column(db.Text, nullable=False)
    status = db.Column(db.String(10), nullable=False, default=PENDING, index=True)
    attempts = db.Column(db.Integer, nullable=False, default=0)
    last_error = db.Column(db.String(300))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    next_attempt_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    claimed_until = db.Column(UTCDateTime)
    sent_at = db.Column(UTCDateTime)
    # For mail to someone whose data is being erased: once sent, nothing of them stays here.
    scrub_after_send = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )

    def scrub(self):
        self.to_address = "(erased)"
        self.body_text = self.body_html = ""


def render_mail(kind, locale, **context):
    """(subject, text, html) of templates/mail/<kind>.* in one language."""
    # Links in mail always point at the configured address, never at a request's Host header.
    base_url = current_app.config["BASE_URL"]
    with (
        current_app.test_request_context(base_url=base_url),
        force_locale(FORMAT_LOCALES.get(locale, locale)),
    ):
        context.update(locale=locale, base_url=base_url)
        subject = render_template(f"mail/{kind}.subject.txt", **context).strip()
        body_text = render_template(f"mail/{kind}.txt", **context)
        body_html = render_template(f"mail/{kind}.html", mail_subject=subject, **context)
    return subject, body_text, body_html


def queue_mail(to_address, kind, locale, scrub_after_send=False, **context):
    """Render the message in the recipient's language and add it to the outbox."""
    subject, body_text, body_html = render_mail(kind, locale, **context)
    message = OutboxMessage(
        to_address=to_address,
        locale=locale,
        kind=kind,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        scrub_after_send=scrub_after_send,
    )
    db.session.add(message)
    return message


class _NameSlot:
    """Stands in for the recipient while a bulk message is rendered once per language."""

    first_name = display_name = name = "\ue000name\ue000"


def queue_mail_bulk(users, kind, **context):
    """The same message to many users: rendered once per language, then the name filled in.

    Inviting a thousand panelists then costs two renders instead of a thousand. The templates
    may use only `user.first_name`, `user.display_name` or `user.name` of the recipient.
    """
    by_locale = {}
    for user in users:
        if user.email:
            by_locale.setdefault(user.locale, []).append(user)
    now = utcnow()
    rows = []
    slot = _NameSlot.first_name
    for locale, group in by_locale.items():
        subject, body_text, body_html = render_mail(kind, locale, user=_NameSlot(), **context)
        for user in group:
            name = user.first_name or ""
            rows.append(
                {
                    "to_address": user.email,
                    "locale": locale,
                    "kind": kind,
                    "subject": subject.replace(slot, name),
                    "body_text": body_text.replace(slot, name),
                    "body_html": body_html.replace(slot, str(escape(name))),
                    "status": PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "next_attempt_at": now,
                    "scrub_after_send": False,
                }
            )
    if rows:
        db.session.execute(insert(OutboxMessage), rows)
    return len(rows)


def backoff(attempts):
    """Minutes to wait after a failed attempt: 1, 2, 4 … capped at six hours."""
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 360))


def _claim(message_id, now):
    """Take a message for this worker only; another worker running at once skips it."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
    )
    db.session.commit()
    return result.rowcount == 1


def _as_email(message):
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="klantenteam.local")
    email["Content-Language"] = message.locale
    email.set_content(message.body_text)
    email.add_alternative(message.body_html, subtype="html")
    return email


def _smtp_connection():
    config = current_app.config
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config["SMTP_TIMEOUT"])
    if config["SMTP_STARTTLS"]:
        smtp.starttls()
    if config["SMTP_USERNAME"]:
        smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
    return smtp


def deliver_outbox(limit=200):
    """Send due messages; returns (sent, failed_attempts). Safe to run from several workers."""
    now = utcnow()
    due_ids = [
        row.id
        for row in db.session.query(OutboxMessage.id)
        .filter(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    ]
    db.session.commit()
    sent = failed = 0
    smtp = None
    try:
        for message_id in due_ids:
            if not _claim(message_id, now):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                if smtp is None:
                    smtp = _smtp_connection()
                smtp.send_message(_as_email(message))
            except (TimeoutError, smtplib.SMTPException, OSError) as error:
                failed += 1
                _record_failure(message, error)
                if not isinstance(error, smtplib.SMTPRecipientsRefused):
                    smtp = _close(smtp)
            else:
                sent += 1
                message.status = SENT
                message.sent_at = utcnow()
                message.attempts += 1
                message.claimed_until = None
                message.last_error = None
                if message.scrub_after_send:
                    message.scrub()
            db.session.commit()
    finally:
        _close(smtp)
    if due_ids:
        log.info("outbox: %s sent, %s failed attempts", sent, failed)
    return sent, failed


def _record_failure(message, error):
    message.attempts += 1
    message.claimed_until = None
    message.last_error = f"{type(error).__name__}: {error}"[:300]
    if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
        message.status = FAILED
        if message.scrub_after_send:
            message.scrub()
        log.error(
            "outbox: message %s failed for good after %s attempts", message.id, message.attempts
        )
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        log.warning(
            "outbox: message %s attempt %s failed: %s",
            message.id,
            message.attempts,
            type(error).__name__,
        )


def _close(smtp):
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None
