"""Sessions: seats, the waiting list, the race for the last seats, calendar files, reminders."""

import threading
from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.mail import OutboxMessage
from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.models import Registration, Session

from ..conftest import PASSWORD


def test_register_then_cancel_frees_the_seat(
    client, db, make_round, make_session, make_member, login_as
):
    round_ = make_round()
    session = make_session(round_, capacity=1)
    member = make_member()
    login_as(member.user)
    response = client.post(
        f"/en/rounds/{round_.id}/sessions/{session.id}/register", follow_redirects=True
    )
    assert "You&#39;re registered" in response.get_data(
        as_text=True
    ) or "registered" in response.get_data(as_text=True)
    db.session.refresh(session)
    assert session.seats_taken == 1
    # Registering twice changes nothing.
    client.post(f"/en/rounds/{round_.id}/sessions/{session.id}/register")
    assert Registration.query.count() == 1
    client.post(f"/en/rounds/{round_.id}/sessions/{session.id}/cancel")
    db.session.refresh(session)
    assert session.seats_taken == 0
    assert Registration.query.one().status == "cancelled"


def test_waiting_list_is_promoted_first_in_first_out(db, make_round, make_session, make_member):
    round_ = make_round()
    session = make_session(round_, capacity=2)
    first, second, third, fourth = (make_member() for _ in range(4))
    registrations = [
        services.register(session, member) for member in (first, second, third, fourth)
    ]
    db.session.commit()
    assert [r.status for r in registrations] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    services.cancel_registration(registrations[0])
    db.session.commit()
    assert Registration.query.filter_by(member_id=third.id).one().status == "confirmed"
    assert Registration.query.filter_by(member_id=fourth.id).one().status == "waitlisted"
    assert (
        Notification.query.filter_by(user_id=third.user_id, kind="waitlist_promoted").count() == 1
    )
    assert Notification.query.filter_by(user_id=fourth.user_id).count() == 0
    db.session.refresh(session)
    assert session.seats_taken == 2


def test_more_seats_promote_the_waiting_list(
    client, db, make_round, make_session, make_member, owner, login_as
):
    round_ = make_round()
    session = make_session(round_, capacity=1)
    members = [make_member() for _ in range(3)]
    for member in members:
        services.register(session, member)
    db.session.commit()
    login_as(owner)
    start = session.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam"))
    fmt = "%Y-%m-%dT%H:%M"
    data = {
        "title_nl": "S",
        "title_en": "S",
        "kind": "online",
        "meeting_link": "https://meet.example.com/x",
        "starts_at": start.strftime(fmt),
        "ends_at": (start + timedelta(hours=1)).strftime(fmt),
        "registration_deadline": (start - timedelta(hours=1)).strftime(fmt),
    }
    response = client.post(
        f"/en/owner/rounds/{round_.id}/sessions/{session.id}/edit", data=dict(data, capacity="3")
    )
    assert response.status_code == 302
    assert Registration.query.filter_by(status="confirmed").count() == 3
    # Fewer seats than are taken is refused.
    response = client.post(
        f"/en/owner/rounds/{round_.id}/sessions/{session.id}/edit", data=dict(data, capacity="2")
    )
    assert response.status_code == 200 and "More people are registered" in response.get_data(
        as_text=True
    )


def test_registration_closes_at_the_deadline(db, make_round, make_session, make_member):
    round_ = make_round()
    session = make_session(round_, registration_deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(services.NotAllowed):
        services.register(session, make_member())


def test_meeting_link_only_for_confirmed_participants(
    client, db, make_round, make_session, make_member, login_as
):
    round_ = make_round()
    session = make_session(round_, capacity=1)
    confirmed, waiting = make_member(), make_member()
    services.register(session, confirmed)
    services.register(session, waiting)
    db.session.commit()
    login_as(waiting.user)
    assert "secret-room" not in client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    client.post("/en/logout")
    login_as(confirmed.user)
    assert "secret-room" in client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)


def test_calendar_file_for_a_registration(
    client, db, make_round, make_session, make_member, login_as
):
    round_ = make_round()
    session = make_session(round_, kind="physical")
    member = make_member()
    services.register(session, member)
    db.session.commit()
    login_as(member.user)
    response = client.get(f"/en/rounds/{round_.id}/sessions/{session.id}/calendar.ics")
    text = response.get_data(as_text=True)
    assert response.mimetype == "text/calendar"
    assert "BEGIN:VEVENT" in text and session.starts_at.strftime("DTSTART:%Y%m%dT%H%M%SZ") in text
    assert "LOCATION:HQ\\, Amsterdam" in text
    # Somebody who is not registered gets nothing.
    client.post("/en/logout")
    login_as(make_member().user)
    assert (
        client.get(f"/en/rounds/{round_.id}/sessions/{session.id}/calendar.ics").status_code == 404
    )


def test_reminders_are_sent_once(app, db, make_round, make_session, make_member):
    round_ = make_round()
    tomorrow = make_session(round_, starts_in=timedelta(hours=20))
    later = make_session(round_, starts_in=timedelta(days=5))
    member = make_member()
    services.register(tomorrow, member)
    services.register(later, member)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "1 session reminders sent" in runner.invoke(args=["panel", "send-reminders"]).output
    assert "0 session reminders sent" in runner.invoke(args=["panel", "send-reminders"]).output
    assert Notification.query.filter_by(kind="session_reminder").count() == 1
    assert OutboxMessage.query.filter_by(kind="session_reminder").count() == 1


def test_owner_marks_attendance_which_counts_as_activity(
    client, db, make_round, make_session, make_member, owner, login_as
):
    round_ = make_round()
    session = make_session(round_, kind="physical")
    member = make_member(name="Nina Named")
    registration = services.register(session, member)
    db.session.commit()
    login_as(owner)
    page = client.get(f"/en/owner/rounds/{round_.id}/sessions/{session.id}").get_data(as_text=True)
    assert "Nina Named" in page  # physical session: names, to welcome people
    client.post(
        f"/en/owner/rounds/{round_.id}/sessions/{session.id}/attendance/{registration.id}",
        data={"attendance": "attended"},
    )
    db.session.refresh(registration)
    db.session.refresh(member)
    assert registration.attendance == "attended" and member.last_active_at is not None


def test_online_session_attendees_are_pseudonymous(
    client, db, make_round, make_session, make_member, owner, login_as
):
    round_ = make_round()
    session = make_session(round_, kind="online")
    member = make_member(name="Nina Named")
    services.register(session, member)
    db.session.commit()
    login_as(owner)
    page = client.get(f"/en/owner/rounds/{round_.id}/sessions/{session.id}").get_data(as_text=True)
    assert "Nina Named" not in page and f"#{member.number}" in page


def test_fifty_concurrent_registrations_for_ten_seats(
    app, db, make_round, make_session, make_member
):
    """The race is real: a delay sits between the check and the write in every request."""
    round_ = make_round()
    session = make_session(round_, capacity=10)
    members = [make_member() for _ in range(50)]
    clients = []
    for member in members:
        client = app.test_client()
        assert (
            client.post(
                "/en/login", data={"email": member.user.email, "password": PASSWORD}
            ).status_code
            == 302
        )
        clients.append(client)
    url = f"/en/rounds/{round_.id}/sessions/{session.id}/register"
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def register(client):
        barrier.wait()
        try:
            statuses.append(client.post(url).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)

    app.config["SEAT_RACE_DELAY"] = 0.02
    try:
        threads = [threading.Thread(target=register, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        app.config["SEAT_RACE_DELAY"] = 0
    db.session.rollback()
    assert errors == [] and statuses == [302] * 50
    rows = Registration.query.filter_by(session_id=session.id).all()
    assert len(rows) == 50 and len({r.member_id for r in rows}) == 50
    assert sum(r.status == "confirmed" for r in rows) == 10
    assert sum(r.status == "waitlisted" for r in rows) == 40
    assert db.session.get(Session, session.id).seats_taken == 10


def test_double_submit_by_one_member_makes_one_registration(
    app, db, make_round, make_session, make_member
):
    round_ = make_round()
    session = make_session(round_, capacity=5)
    member = make_member()
    client = app.test_client()
    client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
    url = f"/en/rounds/{round_.id}/sessions/{session.id}/register"
    barrier = threading.Barrier(4)
    codes = []

    def go():
        barrier.wait()
        codes.append(client.post(url).status_code)

    app.config["SEAT_RACE_DELAY"] = 0.02
    try:
        threads = [threading.Thread(target=go) for _ in range(4)]
        [t.start() for t in threads]
        [t.join(timeout=60) for t in threads]
    finally:
        app.config["SEAT_RACE_DELAY"] = 0
    db.session.rollback()
    assert codes == [302] * 4
    assert Registration.query.filter_by(session_id=session.id).count() == 1
    assert db.session.get(Session, session.id).seats_taken == 1
