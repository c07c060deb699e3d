"""The admin's edit-user page shows a person's streams and changes them."""

import re
import threading

import pytest

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.audit import AuditEntry
from panel.database import utcnow
from panel.security import Role

from ..conftest import PASSWORD, two_factor_code


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], name="Ada Admin")
    login_as(user)
    return user


@pytest.fixture
def streams(db):
    seed_default_streams()
    db.session.commit()
    return {stream.slug: stream for stream in Stream.query}


def stream_ids(user):
    return {row.stream_id for row in StreamMember.query.filter_by(user_id=user.id)}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_edit_page_shows_a_reviewers_streams_ticked(
    client, db, admin, make_user, streams, lang
):
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=rita.id))
    db.session.commit()
    page = client.get(f"/{lang}/admin/users/{rita.id}").get_data(as_text=True)
    ticked = re.findall(
        r'<input checked id="streams-\d+" name="streams" type="checkbox" value="(\d+)"', page
    )
    assert ticked == [str(streams["billing"].id)]
    assert f'value="{streams["network"].id}"' in page


def test_an_admin_changes_a_reviewers_streams(client, db, admin, make_user, streams):
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=rita.id))
    db.session.commit()
    response = client.post(
        f"/en/admin/users/{rita.id}",
        data={
            "name": "Rita",
            "locale": "en",
            "roles": ["reviewer"],
            "is_enabled": "y",
            "streams": [str(streams["network"].id), str(streams["retail"].id)],
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert stream_ids(rita) == {streams["network"].id, streams["retail"].id}
    entry = AuditEntry.query.filter_by(action="user.streams").one()
    assert entry.actor_id == admin.id and set(entry.details["streams"]) == {"network", "retail"}


def test_streams_without_the_reviewer_role_are_a_form_error(client, db, admin, make_user, streams):
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=rita.id))
    db.session.commit()
    response = client.post(
        f"/en/admin/users/{rita.id}",
        data={
            "name": "Rita",
            "locale": "en",
            "roles": ["product_owner"],
            "is_enabled": "y",
            "streams": [str(streams["billing"].id)],
        },
    )
    assert response.status_code == 200
    assert "Streams are for reviewers" in response.get_data(as_text=True)
    db.session.expire_all()
    assert stream_ids(rita) == {streams["billing"].id}
    # Without the streams it is saved, and she is out of them.
    client.post(
        f"/en/admin/users/{rita.id}",
        data={"name": "Rita", "locale": "en", "roles": ["product_owner"], "is_enabled": "y"},
    )
    db.session.expire_all()
    assert stream_ids(rita) == set()


def test_an_archived_stream_they_are_in_can_be_left(client, db, admin, make_user, streams):
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=rita.id))
    streams["billing"].archived_at = utcnow()
    db.session.commit()
    page = client.get(f"/en/admin/users/{rita.id}").get_data(as_text=True)
    assert f'value="{streams["billing"].id}"' in page
    client.post(
        f"/en/admin/users/{rita.id}",
        data={"name": "Rita", "locale": "en", "roles": ["reviewer"], "is_enabled": "y"},
    )
    db.session.expire_all()
    assert stream_ids(rita) == set()


def test_two_admins_adding_the_same_stream_at_once_make_one_membership(app, db, make_user, streams):
    admins = [make_user(roles=[Role.ADMIN], name=f"Admin {i}") for i in range(2)]
    rita = make_user(roles=[Role.REVIEWER], name="Rita")
    db.session.commit()
    clients = []
    for person in admins:
        client = app.test_client()
        client.post("/en/login", data={"email": person.email, "password": PASSWORD})
        if person.totp_secret:
            client.post("/en/login/code", data={"totp-code": two_factor_code(person)})
        clients.append(client)
    url, billing = f"/en/admin/users/{rita.id}", str(streams["billing"].id)
    barrier = threading.Barrier(2)
    codes = []

    def run(client):
        barrier.wait()
        codes.append(
            client.post(
                url,
                data={
                    "name": "Rita",
                    "locale": "en",
                    "roles": ["reviewer"],
                    "is_enabled": "y",
                    "streams": [billing],
                },
            ).status_code
        )

    app.config["RACE_PAUSE_USER_STREAMS"] = 0.3
    try:
        threads = [threading.Thread(target=run, args=(client,)) for client in clients]
        [thread.start() for thread in threads]
        [thread.join(timeout=60) for thread in threads]
    finally:
        app.config["RACE_PAUSE_USER_STREAMS"] = 0
    db.session.rollback()
    assert codes == [302, 302]
    assert stream_ids(rita) == {streams["billing"].id}
