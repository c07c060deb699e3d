"""The outbox: written with the change, delivered over real SMTP, nothing lost when it is down."""

from datetime import timedelta

from panel.database import utcnow
from panel.mail import FAILED, PENDING, SENT, OutboxMessage, backoff, deliver_outbox, queue_mail

from .conftest import free_port, mail_body


def queue_reset_mail(app, db, user):
    with app.test_request_context():
        queue_mail(user.email, "password_reset", user.locale, user=user, token="t0k3n")
    db.session.commit()


def test_message_is_delivered_with_text_and_html(app, db, make_user, smtp_server):
    user = make_user(locale="en")
    queue_reset_mail(app, db, user)
    assert deliver_outbox() == (1, 0)
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == [user.email]
    raw = envelope.content.decode()
    assert "text/plain" in raw and "text/html" in raw
    assert "Subject: Choose a new password" in raw
    assert "http://localhost/en/password/reset/t0k3n" in mail_body(envelope)
    message = OutboxMessage.query.one()
    assert message.status == SENT and message.sent_at is not None
    assert deliver_outbox() == (0, 0)  # sent once only
    assert len(smtp_server.messages) == 1


def test_message_is_written_in_the_recipients_language(app, db, make_user, smtp_server):
    user = make_user(locale="nl")
    queue_reset_mail(app, db, user)
    deliver_outbox()
    body = mail_body(smtp_server.messages[0])
    assert "Kies" in body and "/nl/password/reset/" in body
    assert "Choose a new password" not in body


def test_server_down_loses_nothing_and_retries_later(app, db, make_user):
    user = make_user()
    queue_reset_mail(app, db, user)
    app.config["SMTP_PORT"] = free_port()  # nothing listens there
    assert deliver_outbox() == (0, 1)
    message = OutboxMessage.query.one()
    assert message.status == PENDING and message.attempts == 1
    assert message.next_attempt_at > utcnow()
    assert deliver_outbox() == (0, 0)  # not due yet: backoff


def test_delivered_once_the_server_is_back(app, db, make_user, smtp_server):
    user = make_user()
    queue_reset_mail(app, db, user)
    smtp_server.refuse = True
    assert deliver_outbox() == (0, 1)
    message = OutboxMessage.query.one()
    assert "451" in message.last_error
    message.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    smtp_server.refuse = False
    assert deliver_outbox() == (1, 0)
    assert [m.rcpt_tos for m in smtp_server.messages] == [[user.email]]


def test_gives_up_after_the_last_attempt_but_keeps_the_message(app, db, make_user, smtp_server):
    user = make_user()
    queue_reset_mail(app, db, user)
    smtp_server.refuse = True
    message = OutboxMessage.query.one()
    message.attempts = 40
    message.first_failed_at = utcnow() - timedelta(hours=app.config["MAIL_RETRY_HOURS"])
    db.session.commit()
    deliver_outbox()
    db.session.refresh(message)
    assert message.status == FAILED and message.body_text


def test_backoff_grows_and_is_capped():
    assert backoff(1) < backoff(2) < backoff(5)
    assert backoff(50) == timedelta(hours=1)


def test_mail_is_written_in_the_same_transaction_as_the_change(client, db, make_user):
    user = make_user()
    client.post("/en/password/forgot", data={"email": user.email})
    assert OutboxMessage.query.filter_by(to_address=user.email, kind="password_reset").count() == 1


def test_bulk_mail_is_personal_and_in_each_language(app, db, make_user):
    from panel.mail import queue_mail_bulk

    dutch = make_user(locale="nl", name="<i>Ömer</i> Yılmaz")
    english = make_user(locale="en", name="Chris Morgan")
    with app.test_request_context():
        count = queue_mail_bulk([dutch, english], "password_changed")
    db.session.commit()
    assert count == 2
    by_address = {m.to_address: m for m in OutboxMessage.query}
    nl, en = by_address[dutch.email], by_address[english.email]
    assert "Ömer" in nl.body_text and "gewijzigd" in nl.body_text
    assert "Hello Chris," in en.body_text and "Ömer" not in en.body_text
    assert "&lt;i&gt;Ömer&lt;/i&gt;" in nl.body_html and "<i>" not in nl.body_html
    assert "\ue000" not in nl.body_text + nl.body_html + en.subject
