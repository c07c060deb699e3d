"""Assigning an inbox item to a colleague in the stream (issue 16): from the route page and in
bulk, "mine" and "unassigned", the assignee told in their language, audit-logged, raced."""

import threading

import pytest

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.audit import AuditEntry
from panel.errors import NotAllowed
from panel.insights import services
from panel.insights.models import Route
from panel.mail import OutboxMessage
from panel.notifications import kinds
from panel.notifications.models import Notification, NotificationPreference
from panel.security import Role
from tests.conftest import PASSWORD


@pytest.fixture
def team(db, make_user):
    seed_default_streams()
    streams = {stream.slug: stream for stream in Stream.query}
    rita = make_user(roles=[Role.REVIEWER], name="Rita Reviewer", locale="en")
    bram = make_user(roles=[Role.REVIEWER], name="Bram Beoordelaar", locale="nl")
    nina = make_user(roles=[Role.REVIEWER], name="Nina Network", locale="en")
    for user, slug in ((rita, "billing"), (bram, "billing"), (nina, "network")):
        db.session.add(StreamMember(stream_id=streams[slug].id, user_id=user.id))
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    db.session.commit()
    return {"streams": streams, "rita": rita, "bram": bram, "nina": nina, "owner": owner}


def route_in(db, team, title, slug="billing"):
    insight = services.create_insight("", title, "", [], team["owner"])
    route = services.add_route(insight, team["streams"][slug], team["owner"])
    db.session.commit()
    return route


def test_assign_from_the_route_page_tells_the_assignee_in_their_language(
    client, db, team, login_as
):
    route = route_in(db, team, "Bill too high")
    login_as(team["rita"])
    page = client.get(f"/en/insights/inbox/{route.id}").get_data(as_text=True)
    assert "Bram Beoordelaar" in page and "Nina Network" not in page  # only the stream's
    response = client.post(
        f"/en/insights/inbox/{route.id}",
        data={"action": "assign", "assignee": str(team["bram"].id), "seen": "0"},
        follow_redirects=True,
    )
    assert "Assigned to Bram Beoordelaar." in response.get_data(as_text=True)
    assert db.session.get(Route, route.id).assigned_to_id == team["bram"].id
    notification = Notification.query.filter_by(kind="route_assigned").one()
    assert notification.user_id == team["bram"].id
    assert notification.link == f"/nl/insights/inbox/{route.id}"
    mail = OutboxMessage.query.filter_by(to_address=team["bram"].email).one()
    assert mail.locale == "nl" and "Facturering en financiën" in mail.subject
    entry = AuditEntry.query.filter_by(action="route.assign").one()
    assert entry.actor_id == team["rita"].id


def test_assigning_someone_outside_the_stream_is_refused(client, db, team, login_as):
    route = route_in(db, team, "Bill too high")
    with pytest.raises(NotAllowed, match="not_in_stream"):
        services.assign(route, team["nina"], team["rita"])
    db.session.rollback()
    login_as(team["rita"])
    # The select offers only the stream's reviewers: a forged choice is a form error.
    page = client.post(
        f"/en/insights/inbox/{route.id}",
        data={"action": "assign", "assignee": str(team["nina"].id), "seen": "0"},
    ).get_data(as_text=True)
    assert "Bram Beoordelaar" in page  # the page again, with the stream's reviewers
    assert db.session.get(Route, route.id).assigned_to_id is None
    assert not Notification.query.count()


def test_a_reviewer_removed_from_the_stream_meanwhile_is_refused_with_a_message(
    client, db, team, login_as, app
):
    route = route_in(db, team, "Bill too high")
    login_as(team["rita"])
    # The page offered Bram; then an admin takes him out of the stream.
    StreamMember.query.filter_by(user_id=team["bram"].id).delete()
    db.session.commit()
    db.session.add(StreamMember(stream_id=team["streams"]["network"].id, user_id=team["bram"].id))
    db.session.commit()
    with pytest.raises(NotAllowed, match="not_in_stream"):
        services.assign(db.session.get(Route, route.id), team["bram"], team["rita"], seen=0)
    db.session.rollback()


def test_unassign_and_the_mine_and_unassigned_filters(client, db, team, login_as):
    mine = route_in(db, team, "Mine to do")
    theirs = route_in(db, team, "Bram's to do")
    nobodys = route_in(db, team, "Nobody's yet")
    services.assign(mine, team["rita"], team["rita"])
    services.assign(theirs, team["bram"], team["rita"])
    db.session.commit()
    # Taking it yourself tells nobody.
    assert Notification.query.filter_by(user_id=team["rita"].id).count() == 0
    login_as(team["rita"])
    page = client.get("/en/insights/inbox?assigned=mine").get_data(as_text=True)
    assert "Mine to do" in page and "to do" not in page.replace("Mine to do", "")
    page = client.get("/en/insights/inbox?assigned=unassigned").get_data(as_text=True)
    assert "Nobody&#39;s yet" in page and "to do" not in page
    client.post(
        f"/en/insights/inbox/{mine.id}",
        data={"action": "assign", "assignee": "0", "seen": str(team["rita"].id)},
    )
    assert db.session.get(Route, mine.id).assigned_to_id is None
    assert nobodys.assigned_to_id is None


def test_bulk_assign_keeps_the_filter_and_skips_other_streams(
    client, db, team, make_user, login_as
):
    billing = [route_in(db, team, f"Bill {n}") for n in range(3)]
    network = route_in(db, team, "No signal", "network")
    manager = make_user(roles=[Role.PANEL_MANAGER])
    login_as(manager)
    here = f"/en/insights/inbox?stream={team['streams']['billing'].id}&assigned=unassigned"
    response = client.post(
        "/en/insights/inbox/assign",
        data={
            "route": [str(r.id) for r in billing] + [str(network.id)],
            "assignee": str(team["bram"].id),
            "next": here,
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(here)
    db.session.expire_all()
    assert {db.session.get(Route, r.id).assigned_to_id for r in billing} == {team["bram"].id}
    assert db.session.get(Route, network.id).assigned_to_id is None
    assert Notification.query.filter_by(user_id=team["bram"].id).count() == 3
    page = client.get(here).get_data(as_text=True)
    assert "not assigned: Bram Beoordelaar is not a reviewer of its stream" in page


def test_a_reviewer_cannot_bulk_assign_routes_of_streams_not_theirs(client, db, team, login_as):
    network = route_in(db, team, "No signal", "network")
    login_as(team["rita"])
    client.post("/en/insights/inbox/assign", data={"route": [str(network.id)], "assignee": "0"})
    assert db.session.get(Route, network.id).assigned_to_id is None
    assert not AuditEntry.query.filter_by(action="route.assign").count()


def test_the_assignment_notice_can_be_switched_off(db, team):
    assert "route_assigned" in [kind.name for kind in kinds.optional_kinds()]
    db.session.add(
        NotificationPreference(user_id=team["bram"].id, kind="route_assigned", email_enabled=False)
    )
    db.session.commit()
    services.assign(route_in(db, team, "Bill too high"), team["bram"], team["rita"])
    db.session.commit()
    assert Notification.query.filter_by(user_id=team["bram"].id).count() == 1
    assert not OutboxMessage.query.filter_by(to_address=team["bram"].email).count()


def logged_in(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_two_people_assigning_at_once_end_in_one_assignee(app, db, team):
    route_id = route_in(db, team, "Bill too high").id
    app.config["INBOX_ASSIGN_RACE_PAUSE"] = 0.3
    clients = [logged_in(app, team["rita"]), logged_in(app, team["bram"])]
    barrier, statuses, errors = threading.Barrier(2), [], []

    def send(client, assignee):
        barrier.wait()
        try:
            response = client.post(
                f"/en/insights/inbox/{route_id}",
                data={"action": "assign", "assignee": str(assignee), "seen": "0"},
            )
            statuses.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [
        threading.Thread(target=send, args=(clients[0], team["bram"].id)),
        threading.Thread(target=send, args=(clients[1], team["rita"].id)),
    ]
    try:
        [thread.start() for thread in threads]
        [thread.join(timeout=60) for thread in threads]
    finally:
        app.config["INBOX_ASSIGN_RACE_PAUSE"] = 0
    db.session.rollback()
    assert not errors and statuses == [302, 302]
    assignee = db.session.get(Route, route_id).assigned_to_id
    assert assignee in (team["rita"].id, team["bram"].id)
    # One of them won: one audit entry, and only the winner's choice was told (each assigned
    # the other, so the notice went to the one now assigned).
    entries = AuditEntry.query.filter_by(action="route.assign").all()
    assert len(entries) == 1
    told = [n.user_id for n in Notification.query.filter_by(kind="route_assigned")]
    assert told == [assignee]
