"""Privacy of the outbox: a leaver gets nothing after the goodbye, and keeps nothing in it;
failed mail is purged after 30 days."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.mail import (
    ERASED,
    FAILED,
    PENDING,
    SENDING,
    SENT,
    UNSURE,
    OutboxMessage,
    deliver_outbox,
)

ADDRESS = "mila@example.org"


def outbox_row(to_address=ADDRESS, status=PENDING, **values):
    row = {
        "locale": "en",
        "kind": "notification",
        "subject": "About your session",
        "body_text": "Hi Mila, see you on Tuesday",
        "body_html": "<p>Hi Mila, see you on Tuesday</p>",
    }
    return OutboxMessage(to_address=to_address, status=status, **(row | values))


@pytest.fixture
def member(make_member, login_as):
    member = make_member(name="Mila Member", email=ADDRESS)
    login_as(member.user)
    return member


def test_nothing_arrives_after_the_goodbye_mail(client, db, member, make_member, smtp_server):
    make_member(email="stays@example.org")
    waiting = [outbox_row(), outbox_row(kind="session_reminder")]
    sent = outbox_row(status=SENT, sent_at=utcnow())
    failed = outbox_row(status=FAILED, first_failed_at=utcnow())
    unsure = outbox_row(status=UNSURE)
    other = outbox_row(to_address="stays@example.org")
    db.session.add_all([*waiting, sent, failed, unsure, other])
    db.session.commit()
    ids = {name: row.id for name, row in (("sent", sent), ("failed", failed), ("unsure", unsure))}

    response = client.post("/en/me/leave", data={"reason": "no_time", "confirm": "y"})
    assert response.status_code == 302

    assert deliver_outbox() == (2, 0)
    delivered = {tuple(m.rcpt_tos): m for m in smtp_server.messages}
    assert set(delivered) == {(ADDRESS,), ("stays@example.org",)}
    assert b"left the panel" in delivered[(ADDRESS,)].content
    # Sent, failed and maybe-sent mail keeps no address and no words of the leaver.
    for name, message_id in ids.items():
        row = db.session.get(OutboxMessage, message_id)
        assert (row.to_address, row.body_text, row.body_html) == (ERASED, "", ""), name
        assert not row.can_be_requeued
    assert not OutboxMessage.query.filter_by(to_address=ADDRESS).count()
    assert OutboxMessage.query.filter_by(status=PENDING).count() == 0


def test_mail_on_its_way_when_the_member_leaves_is_scrubbed_after_sending(
    client, db, member, smtp_server
):
    on_its_way = outbox_row(status=SENDING, claimed_until=utcnow() + timedelta(minutes=5))
    db.session.add(on_its_way)
    db.session.commit()
    client.post("/en/me/leave", data={"reason": "no_time", "confirm": "y"})
    row = db.session.get(OutboxMessage, on_its_way.id)
    assert (row.to_address, row.body_text) == (ERASED, "")


def test_purge_removes_failed_mail_after_30_days(app, db):
    old, recent = utcnow() - timedelta(days=31), utcnow() - timedelta(days=29)
    db.session.add_all(
        [
            outbox_row("old-failed@example.org", FAILED, first_failed_at=old, created_at=old),
            outbox_row("old-unsure@example.org", UNSURE, created_at=old),
            outbox_row("recent@example.org", FAILED, first_failed_at=recent, created_at=old),
            outbox_row("waiting@example.org", PENDING, created_at=old),
        ]
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "purge", "--yes"])
    assert result.exit_code == 0, result.output
    assert "2 failed e-mails removed." in result.output
    db.session.expire_all()
    assert sorted(m.to_address for m in OutboxMessage.query) == [
        "recent@example.org",
        "waiting@example.org",
    ]
