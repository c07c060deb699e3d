"""Notifications: in the app with an unread count, by e-mail when wanted, essentials always."""

import pytest

from panel.mail import OutboxMessage
from panel.notifications.models import Notification, NotificationPreference
from panel.notifications.services import notify
from panel.security import Role


@pytest.fixture
def member(make_member, login_as):
    member = make_member(locale="en")
    login_as(member.user)
    return member


def test_notification_shows_with_unread_count_and_is_read_when_opened(client, db, member):
    note = notify(member.user, "panel_news", subject="Round results are in", link="/en/me")
    db.session.commit()
    page = client.get("/en/notifications").get_data(as_text=True)
    assert "News from the panel: Round results are in" in page
    assert 'class="badge">1<' in client.get("/en/me").get_data(as_text=True)
    response = client.post(f"/en/notifications/{note.id}/open")
    assert response.headers["Location"].endswith("/en/me")
    db.session.refresh(note)
    assert note.read_at is not None
    assert 'class="badge"' not in client.get("/en/me").get_data(as_text=True)


def test_notification_title_follows_the_readers_language(client, db, member):
    notify(member.user, "membership_status", status="reserve")
    db.session.commit()
    assert "Your membership: Reserve list" in client.get("/en/notifications").get_data(as_text=True)
    dutch = client.get("/nl/notifications").get_data(as_text=True)
    assert "Reservelijst" in dutch and "Reserve list" not in dutch


def test_mark_all_read(client, db, member):
    notify(member.user, "welcome")
    notify(member.user, "panel_news", subject="x")
    db.session.commit()
    client.post("/en/notifications/read")
    assert Notification.query.filter_by(read_at=None).count() == 0


def test_optional_email_can_be_turned_off_but_not_essentials(client, db, member):
    response = client.post("/en/notifications/settings", data={})  # nothing ticked
    assert response.status_code == 302
    notify(member.user, "panel_news", subject="quiet please")
    notify(member.user, "membership_status", status="active")
    db.session.commit()
    kinds = [m.kind for m in OutboxMessage.query]
    assert kinds == ["membership_status"]
    assert Notification.query.count() == 2  # both still shown in the app
    page = client.get("/en/notifications/settings").get_data(as_text=True)
    assert (
        'value="panel_news"' in page and "checked" not in page.split('value="panel_news"')[0][-120:]
    )


def test_email_goes_out_in_the_members_language(db, make_member):
    member = make_member(locale="nl")
    notify(member.user, "membership_status", status="active")
    db.session.commit()
    message = OutboxMessage.query.one()
    assert message.locale == "nl" and "Actief" in message.subject


def test_offsite_link_is_not_followed(client, db, member):
    note = notify(member.user, "welcome", link="https://evil.example/")
    db.session.commit()
    response = client.post(f"/en/notifications/{note.id}/open")
    assert "evil" not in response.headers["Location"]


def test_staff_only_kinds_are_not_offered_to_panelists(client, db, member, make_user, login_as):
    page = client.get("/en/notifications/settings").get_data(as_text=True)
    assert 'value="route_assigned"' not in page and 'value="panel_news"' in page
    # A panelist's save leaves staff kinds alone (not switched off behind their back).
    assert client.post("/en/notifications/settings", data={}).status_code == 302
    assert NotificationPreference.query.filter_by(kind="panel_news").count() == 1
    assert NotificationPreference.query.filter_by(kind="route_assigned").count() == 0
    reviewer = make_user(roles=[Role.REVIEWER])
    login_as(reviewer)
    page = client.get("/en/notifications/settings").get_data(as_text=True)
    assert 'value="route_assigned"' in page
