"""Seats under storms: the counter equals the confirmed registrations after any concurrent mix of
registering, cancelling and changing the number of seats, and the waiting list moves up in order.

Every request runs in its own thread and app context (own database session), released together by
a barrier, with a delay between each check and its write so the race is real."""

import random
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.models import Registration, Session

from ..conftest import PASSWORD

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RACE_DELAY = 0.01


def logged_in_client(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def session_form_data(session, capacity):
    start = session.starts_at.astimezone(AMSTERDAM)
    fmt = "%Y-%m-%dT%H:%M"
    return {
        "title_nl": "Sessie",
        "title_en": "Session",
        "kind": "online",
        "meeting_link": "https://meet.example.com/secret-room",
        "starts_at": start.strftime(fmt),
        "ends_at": (start + timedelta(hours=2)).strftime(fmt),
        "registration_deadline": (start - timedelta(hours=1)).strftime(fmt),
        "capacity": str(capacity),
    }


def run_together(app, calls):
    """Run each call in its own thread, released together; returns [(what, status code)]."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(what, call):
        barrier.wait()
        try:
            results.append((what, call().status_code))
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    app.config["SEAT_RACE_DELAY"] = RACE_DELAY
    try:
        threads = [threading.Thread(target=run, args=call) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        app.config["SEAT_RACE_DELAY"] = 0
    assert errors == []
    assert len(results) == len(calls)
    return results


def assert_seats_add_up(db, session_id):
    """seats_taken == confirmed ≤ capacity; nobody waits while a seat is free; those moved up
    from the waiting list all joined it before anyone still waiting."""
    db.session.rollback()  # a fresh look at what the requests committed
    session = db.session.get(Session, session_id)
    rows = Registration.query.filter_by(session_id=session_id).all()
    confirmed = [r for r in rows if r.status == "confirmed"]
    waiting = [r for r in rows if r.status == "waitlisted"]
    assert session.seats_taken == len(confirmed) <= session.capacity
    assert len({r.member_id for r in rows}) == len(rows)
    if waiting:
        assert len(confirmed) == session.capacity, "a free seat while people wait"
        promoted = [r for r in confirmed if r.waitlisted_at is not None]
        if promoted:
            last_promoted = max((r.waitlisted_at, r.id) for r in promoted)
            first_waiting = min((r.waitlisted_at, r.id) for r in waiting)
            assert last_promoted < first_waiting, "the waiting list moved up out of order"
    return session, confirmed, waiting


def test_cancelling_one_registration_four_times_at_once_frees_one_seat(
    app, db, make_round, make_session, make_member
):
    round_ = make_round()
    session = make_session(round_, capacity=3)
    members = [make_member() for _ in range(4)]
    for member in members:
        services.register(session, member)
    db.session.commit()
    client = logged_in_client(app, members[0].user)
    url = f"/en/rounds/{round_.id}/sessions/{session.id}/cancel"
    results = run_together(app, [("cancel", lambda: client.post(url)) for _ in range(4)])
    assert [code for _, code in results] == [302] * 4
    _, confirmed, waiting = assert_seats_add_up(db, session.id)
    assert {r.member_id for r in confirmed} == {m.id for m in members[1:]}
    assert waiting == []
    promoted = Notification.query.filter_by(user_id=members[3].user_id, kind="waitlist_promoted")
    assert promoted.count() == 1


def test_fewer_seats_at_the_same_time_as_registrations_never_overbook(
    app, db, make_round, make_session, make_member, owner
):
    """The owner lowers the seats while members register: refused or kept, never a 500."""
    round_ = make_round()
    session = make_session(round_, capacity=4)
    members = [make_member() for _ in range(6)]
    services.register(session, members[0])
    db.session.commit()
    clients = [logged_in_client(app, member.user) for member in members[1:]]
    owner_client = logged_in_client(app, owner)
    register = f"/en/rounds/{round_.id}/sessions/{session.id}/register"
    edit = f"/en/owner/rounds/{round_.id}/sessions/{session.id}/edit"
    calls = [("register", lambda c=c: c.post(register)) for c in clients]
    calls.append(("capacity", lambda: owner_client.post(edit, data=session_form_data(session, 2))))
    results = run_together(app, calls)
    assert all(code in (200, 302) for _, code in results), results
    assert_seats_add_up(db, session.id)


def test_random_storms_of_register_cancel_and_capacity_keep_the_seats_right(
    app, db, make_round, make_session, make_member, owner
):
    round_ = make_round()
    session = make_session(round_, capacity=4)
    members = [make_member() for _ in range(12)]
    clients = [logged_in_client(app, member.user) for member in members]
    owners = [logged_in_client(app, owner) for _ in range(2)]
    base = f"/en/rounds/{round_.id}/sessions/{session.id}"
    edit = f"/en/owner/rounds/{round_.id}/sessions/{session.id}/edit"
    expected = {"register": {302}, "cancel": {302, 404}, "capacity": {200, 302}}
    chance = random.Random(20261130)
    seen = set()
    for _ in range(8):
        calls = []
        for client in clients:
            action = chance.choice(["register", "register", "cancel", "cancel", None])
            # Some click twice: the same post sent twice at once.
            for _ in range(chance.choice([1, 1, 2]) if action else 0):
                calls.append((action, lambda c=client, a=action: c.post(f"{base}/{a}")))
        for owner_client in owners[: chance.randint(0, 2)]:
            data = session_form_data(session, chance.randint(1, 6))
            calls.append(("capacity", lambda c=owner_client, d=data: c.post(edit, data=d)))
        results = run_together(app, calls)
        for what, code in results:
            assert code in expected[what], (what, code)
        _, confirmed, waiting = assert_seats_add_up(db, session.id)
        seen |= {"confirmed"} if confirmed else set()
        seen |= {"waitlisted"} if waiting else set()
    # The storm went through every case: full sessions, waiting lists, promotions.
    assert seen == {"confirmed", "waitlisted"}
    assert Notification.query.filter_by(kind="waitlist_promoted").count() > 0
