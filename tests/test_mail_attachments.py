"""A message in the outbox may carry one text file (a session's .ics), sent as an attachment."""

from email import message_from_bytes
from email.policy import default

from panel.mail import SENT, Attachment, OutboxMessage, deliver_outbox, queue_mail

ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-NOTE:één\r\nEND:VCALENDAR\r\n"


def test_an_attachment_is_delivered_after_the_text_and_html(db, app, make_user, smtp_server):
    user = make_user(email="lotte@example.org", locale="nl")
    queue_mail(
        user.email,
        "password_changed",
        "nl",
        user=user,
        attachment=Attachment("sessie.ics", "text/calendar", ICS),
    )
    db.session.commit()

    assert deliver_outbox() == (1, 0)

    [envelope] = smtp_server.messages
    message = message_from_bytes(envelope.content, policy=default)
    assert message.get_content_type() == "multipart/mixed"
    assert message["Content-Language"] == "nl"
    assert message.get_body(preferencelist=("plain",)).get_content().strip()
    assert message.get_body(preferencelist=("html",)).get_content().strip()
    [attached] = message.iter_attachments()
    assert attached.get_content_type() == "text/calendar"
    assert attached.get_filename() == "sessie.ics"
    assert attached.get_content() == ICS
    assert db.session.scalars(db.select(OutboxMessage.status)).one() == SENT


def test_a_message_without_attachment_stays_text_and_html(db, app, make_user, smtp_server):
    user = make_user(email="sam@example.org", locale="en")
    queue_mail(user.email, "password_changed", "en", user=user)
    db.session.commit()

    deliver_outbox()

    [envelope] = smtp_server.messages
    message = message_from_bytes(envelope.content, policy=default)
    assert message.get_content_type() == "multipart/alternative"
    assert message["Content-Language"] == "en"
    assert list(message.iter_attachments()) == []
