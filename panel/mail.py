"""The durable e-mail outbox and its delivery worker.

A message is a row written in the same transaction as the change it announces; `flask panel
send-mail` delivers due rows over SMTP and retries with backoff for days, so a mail server that
is down loses nothing.

Delivery never holds the database while it talks to the mail host: a message is claimed in a
short committed transaction, sent with no transaction open, and its result written in another
short one. So a slow or silent mail host never keeps panelists' requests waiting (on SQLite a
writer locks the whole database).

A message is marked 'sending', with the attempt counted, before a word of it goes to the mail
host. If the worker dies during the conversation, nobody knows whether the host took the
message: once the claim has expired it becomes 'unsure' and is never sent again by itself (a
message twice is worse than a late one); an administrator can send it again from the outbox.
"""

import logging
import smtplib
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import delete, insert, select, update

from .database import UTCDateTime, utcnow
from .extensions import db
from .i18n import speaking

log = logging.getLogger("panel.mail")

PENDING, SENDING, SENT, FAILED, UNSURE = "pending", "sending", "sent", "failed", "unsure"
# Written only to do the same work as a real message (a reset request for an unknown address):
# never sent, never listed, deleted by the next delivery run.
DISCARDED = "discarded"
# How long a worker may take over one message before its claim counts as abandoned; far more than
# a conversation can last with the SMTP timeout (a handful of replies, each within the timeout).
CLAIM_SECONDS = 300
# Mail waiting this long after its first failed attempt means the mail host needs a look.
ALERT_AFTER = timedelta(hours=1)
ERASED = "(erased)"
SCRUBBED = {"to_address": ERASED, "body_text": "", "body_html": "", "attachment_text": None}


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
    # The first failed attempt since the message was queued (or re-queued): retries stop
    # MAIL_RETRY_HOURS after it, and the admin pages warn when it is more than an hour ago.
    first_failed_at = db.Column(UTCDateTime)
    sent_at = db.Column(UTCDateTime)
    # For mail to someone whose data is being erased: once sent, nothing of them stays here.
    scrub_after_send = db.Column(
        db.Boolean, nullable=False, default=False, server_default=db.false()
    )
    # One attached text file (a session's .ics), sent as a MIME attachment; None: no attachment.
    attachment_name = db.Column(db.String(100))
    attachment_type = db.Column(db.String(100))
    attachment_text = db.Column(db.Text)

    @property
    def can_be_requeued(self):
        return self.status in (FAILED, UNSURE) and self.to_address != ERASED


def render_mail(kind, locale, **context):
    """(subject, text, html) of templates/mail/<kind>.* wholly in the recipient's language.

    Everything is rendered while speaking `locale`: the interface strings, dates and numbers,
    links, and staff-written bilingual fields of the models in the context (round, session and
    stream names are passed as models or nl/en pairs and resolved here, never beforehand in the
    language of whoever triggered the message). The same inside a request and in a CLI job.
    """
    # Links in mail always point at the configured address, never at a request's Host header.
    base_url = current_app.config["BASE_URL"]
    with current_app.test_request_context(base_url=base_url), speaking(locale):
        context.update(locale=locale, base_url=base_url)
        subject = render_template(f"mail/{kind}.subject.txt", **context).strip()
        # The plain text ends like the HTML layout: why the recipient gets this mail.
        body_text = "{}\n\n-- \n{}\n".format(
            render_template(f"mail/{kind}.txt", **context).rstrip(),
            render_template("mail/_footer.txt", **context).strip(),
        )
        body_html = render_template(f"mail/{kind}.html", mail_subject=subject, **context)
    return subject, body_text, body_html


def queue_mail(to_address, kind, locale, scrub_after_send=False, attachment=None, **context):
    """Render the message in the recipient's language and add it to the outbox.

    attachment: an `Attachment` (a text file such as a session's .ics) sent along, or None."""
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
    if attachment is not None:
        message.attachment_name = attachment.filename
        message.attachment_type = attachment.content_type
        message.attachment_text = attachment.text
    db.session.add(message)
    return message


@dataclass(frozen=True)
class Attachment:
    """A text file sent along with a message (content_type such as 'text/calendar')."""

    filename: str
    content_type: str
    text: str


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


def forget_recipient(address):
    """Someone's data is being erased: mail still waiting for them is never sent, and what was
    sent, failed or is on its way keeps nothing of them. Mail queued for the erasure itself
    (scrub_after_send: the goodbye) still goes out and is scrubbed once sent. Returns how many
    waiting messages were dropped."""
    theirs = OutboxMessage.to_address == address
    dropped = db.session.execute(
        delete(OutboxMessage)
        .where(theirs, OutboxMessage.status == PENDING, OutboxMessage.scrub_after_send.is_(False))
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.execute(
        update(OutboxMessage)
        .where(theirs, OutboxMessage.status != PENDING)
        .values(**SCRUBBED)
        .execution_options(synchronize_session=False)
    )
    return dropped


def backoff(attempts):
    """Time to wait after a failed attempt: 1, 2, 4 … minutes, capped at an hour.

    With the cap, mail goes out within the hour after a mail host comes back.
    """
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


# The mail host answered with a refusal for this message: the connection itself is fine.
MESSAGE_ERRORS = (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused)
# The host is down, silent or hung up: no point in trying the next message in this run.
HOST_ERRORS = (OSError, smtplib.SMTPException)

_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.to_address,
    OutboxMessage.locale,
    OutboxMessage.subject,
    OutboxMessage.body_text,
    OutboxMessage.body_html,
    OutboxMessage.attempts,
    OutboxMessage.first_failed_at,
    OutboxMessage.scrub_after_send,
    OutboxMessage.attachment_name,
    OutboxMessage.attachment_type,
    OutboxMessage.attachment_text,
)


def _claim(message_id, now):
    """Mark a due message 'sending', its attempt counted, and commit: returns its row or None.

    Another worker running at once finds it no longer pending and skips it. The row is read
    before the commit, so that nothing touches the database while the message is sent.
    """
    result = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == PENDING,
            OutboxMessage.next_attempt_at <= now,
        )
        .values(
            status=SENDING,
            attempts=OutboxMessage.attempts + 1,
            claimed_until=utcnow() + timedelta(seconds=CLAIM_SECONDS),
        )
        .execution_options(synchronize_session=False)
    )
    row = None
    if result.rowcount == 1:
        row = db.session.execute(select(*_COLUMNS).where(OutboxMessage.id == message_id)).one()
    db.session.commit()
    return row


# Control characters and the line and paragraph separators.
LINE_BREAKING = ("Cc", "Zl", "Zp")


def one_line(text):
    """Header text on one line: line breaks, tabs and other control characters (a title typed
    before forms refused them) become single spaces, so no header can be added through it."""
    return " ".join(
        "".join(" " if unicodedata.category(c) in LINE_BREAKING else c for c in text).split()
    )


def _as_email(row):
    """The message as an EmailMessage; ValueError when a header can't be made of the row."""
    email = EmailMessage()
    email["From"] = current_app.config["MAIL_FROM"]
    email["To"] = row.to_address
    email["Subject"] = one_line(row.subject)
    email["Message-ID"] = make_msgid(domain="klantenteam.local")
    email.set_content(row.body_text)
    email.add_alternative(row.body_html, subtype="html")
    if row.attachment_text is not None:
        maintype, _, subtype = row.attachment_type.partition("/")
        # multipart/mixed: the text and HTML alternatives first, then the file.
        email.add_attachment(
            row.attachment_text.encode("utf-8"),
            maintype=maintype,
            subtype=subtype,
            filename=row.attachment_name,
            params={"charset": "utf-8"},
        )
    # Last: adding an attachment moves the Content-* headers so far into the text part.
    email["Content-Language"] = row.locale
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
    """Send due messages; returns (sent, failed_attempts). Safe to run from several workers.

    No transaction is open while the mail host is talked to (see the module's docstring).
    """
    _settle_interrupted(utcnow())
    db.session.execute(delete(OutboxMessage).where(OutboxMessage.status == DISCARDED))
    now = utcnow()
    due_ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    db.session.commit()
    sent = failed = 0
    smtp = None
    try:
        for message_id in due_ids:
            if smtp is None:
                try:
                    # Connecting before claiming: a worker stopped while it waits for a silent
                    # host leaves the message pending, not 'unsure'.
                    smtp = _smtp_connection()
                except HOST_ERRORS as error:
                    # One failed attempt for the message at the head of the queue; the rest
                    # waits for the next run instead of each waiting for the timeout.
                    row = _claim(message_id, now)
                    if row is not None:
                        failed += 1
                        _record_failure(row, error)
                    break
            row = _claim(message_id, now)
            if row is None:
                continue  # another worker has it, or it was re-queued for later
            assert not db.session().in_transaction()  # nothing held while the host is talked to
            try:
                email = _as_email(row)
            except ValueError as error:
                # The row itself can't be a message (a header that refuses its value): this
                # one fails for good, the run carries on with the next.
                failed += 1
                _record_failure(row, error, final=True)
                continue
            try:
                smtp.send_message(email)
            except MESSAGE_ERRORS as error:
                failed += 1
                _record_failure(row, error)
                if not isinstance(error, smtplib.SMTPRecipientsRefused):
                    smtp = _close(smtp)
            except HOST_ERRORS as error:
                failed += 1
                _record_failure(row, error)
                smtp = _close(smtp)
                break
            else:
                sent += 1
                _record_sent(row)
    finally:
        _close(smtp)
    if due_ids:
        log.info("outbox: %s sent, %s failed attempts", sent, failed)
    return sent, failed


def _finish(row, **values):
    """Write what became of a claimed message, in a short transaction of its own."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row.id, OutboxMessage.status.in_((SENDING, UNSURE)))
        .values(claimed_until=None, **values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_sent(row):
    values = {"status": SENT, "sent_at": utcnow(), "last_error": None}
    if row.scrub_after_send:
        values.update(SCRUBBED)
    _finish(row, **values)


def _record_failure(row, error, final=False):
    """final: trying again can't help (the message can't be built)."""
    now = utcnow()
    first_failed_at = row.first_failed_at or now
    values = {"last_error": f"{type(error).__name__}: {error}"[:300]}
    retry_hours = current_app.config["MAIL_RETRY_HOURS"]
    if final or now - first_failed_at >= timedelta(hours=retry_hours):
        values["status"] = FAILED
        if row.scrub_after_send:
            values.update(SCRUBBED)
        log.error("outbox: message %s failed for good after %s attempts", row.id, row.attempts)
    else:
        values.update(
            status=PENDING,
            first_failed_at=first_failed_at,
            next_attempt_at=now + backoff(row.attempts),
        )
        log.warning(
            "outbox: message %s attempt %s failed: %s",
            row.id,
            row.attempts,
            type(error).__name__,
        )
    _finish(row, **values)


def _settle_interrupted(now):
    """Messages whose worker stopped mid-conversation: 'unsure', never sent again by themselves."""
    claims = (
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < now)
        .values(
            status=UNSURE,
            claimed_until=None,
            last_error="Delivery was interrupted: the mail host may have the message.",
        )
        .execution_options(synchronize_session=False)
    )
    # Mail to someone whose data is being erased keeps nothing of them, sent or maybe sent.
    erased = db.session.execute(
        claims.where(OutboxMessage.scrub_after_send.is_(True)).values(**SCRUBBED)
    ).rowcount
    interrupted = erased + db.session.execute(claims).rowcount
    db.session.commit()
    if interrupted:
        log.error("outbox: %s messages were interrupted while being sent", interrupted)


def requeue(message_ids=None):
    """Send failed messages again, with days of retries anew; returns how many.

    Only the given messages when ids are given (these may also be 'unsure': an administrator's
    decision); otherwise every failed one. Mail whose recipient has been erased stays out.
    """
    statuses = (FAILED, UNSURE) if message_ids is not None else (FAILED,)
    query = update(OutboxMessage).where(
        OutboxMessage.status.in_(statuses), OutboxMessage.to_address != ERASED
    )
    if message_ids is not None:
        query = query.where(OutboxMessage.id.in_(message_ids))
    result = db.session.execute(
        query.values(
            status=PENDING, next_attempt_at=utcnow(), first_failed_at=None, claimed_until=None
        ).execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount


def delivery_trouble(now=None):
    """The oldest waiting message that has been failing for over an hour, or None."""
    now = now or utcnow()
    return db.session.scalars(
        select(OutboxMessage)
        .where(
            OutboxMessage.status.in_((PENDING, SENDING)),
            OutboxMessage.first_failed_at < now - ALERT_AFTER,
        )
        .order_by(OutboxMessage.first_failed_at)
        .limit(1)
    ).first()


def _close(smtp):
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass
    return None
