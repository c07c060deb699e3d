"""Member search by a part of a name or e-mail address: indexed, accents folded, kept in step with
every write (joining, profile and account edits, erasure), counted up to a cap."""

import re
import threading

import pytest
from sqlalchemy import text

from panel.accounts.models import User
from panel.accounts.user_search import UserSearch, fold, index_unindexed_users, search_key
from panel.membership import manager_views
from panel.security import Role

from .conftest import PASSWORD, join_data
from .membership.test_joining import join_and_confirm


@pytest.fixture
def manager(make_user, login_as):
    user = make_user(roles=[Role.PANEL_MANAGER], name="Maud Manager")
    login_as(user)
    return user


def found(client, query, lang="en"):
    page = client.get(f"/{lang}/manage/members", query_string={"q": query})
    assert page.status_code == 200
    return {int(n) for n in re.findall(r">#(\d{6})<", page.get_data(as_text=True))}


def indexed(db, term):
    """The user ids the database's own index finds (FTS5 on SQLite, pg_trgm on PostgreSQL)."""
    if db.engine.dialect.name == "sqlite":
        sql = "SELECT rowid FROM user_search_fts WHERE user_search_fts MATCH :term"
        return set(db.session.execute(text(sql), {"term": f'"{term}"'}).scalars())
    sql = "SELECT user_id FROM user_search WHERE folded LIKE :term"
    return set(db.session.execute(text(sql), {"term": f"%{term}%"}).scalars())


def test_fold_takes_off_case_accents_and_extra_spaces():
    assert fold("  Zoë   Ŝmit-Çelik ") == "zoe smit-celik"
    assert fold("ÅNGSTRÖM") == "angstrom" and fold("Ødegård") == "odegard"
    assert search_key("Zoë", "Zoe@Example.org") == "zoe\nzoe@example.org"


def test_a_part_of_a_name_or_address_finds_the_member(client, manager, make_member):
    jansen = make_member(name="Piet Jansen", email="pj1970@kpn.example")
    zoe = make_member(name="Zoë de Vries", email="zoe.devries@example.org")
    chloe = make_member(name="Chloé Çelik", email="cc@example.org")
    assert found(client, "jans") == found(client, "JANS") == {jansen.number}
    assert found(client, "ansen") == {jansen.number}  # anywhere in the name, not only its start
    assert found(client, "zoe") == found(client, "Zoë") == {zoe.number}
    assert found(client, "chloe celik") == {chloe.number}
    assert found(client, "1970@kpn") == {jansen.number}
    assert found(client, "pj1970@kpn.example") == {jansen.number}  # the whole address too
    assert found(client, "example.org") == {zoe.number, chloe.number}
    assert found(client, "de") == {zoe.number}  # shorter than the index's three characters
    assert found(client, f"#{zoe.number}") == {zoe.number}
    assert found(client, "maud") == set()  # staff are users but not members


@pytest.mark.parametrize(
    "query", ['"', '"jans', "a%", "_", "ja*", "NEAR(a b)", "x OR y", "\\", "ʼ"]
)
def test_search_syntax_is_only_text(client, manager, make_member, query):
    make_member(name="Piet Jansen")
    assert found(client, query) == set()


def test_filters_and_search_together(client, manager, make_member):
    active = make_member(name="Anna Jansen")
    make_member(name="Bert Jansen", status="paused")
    page = client.get("/en/manage/members?q=jansen&status=active")
    assert {int(n) for n in re.findall(r">#(\d{6})<", page.get_data(as_text=True))} == {
        active.number
    }
    assert "1 member" in page.get_data(as_text=True)


def test_joining_makes_the_new_member_findable(app, client, db, smtp_server, make_user):
    join_and_confirm(client, smtp_server, name="Jamie Jansen", email="jamie@example.org")
    manager_client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    manager_client.post("/en/login", data={"email": manager.email, "password": PASSWORD})
    assert len(found(manager_client, "jamie jans")) == 1
    assert len(found(manager_client, "jamie@exam")) == 1


def test_profile_and_account_edits_move_the_member_in_the_index(
    app, client, db, make_member, login_as, make_user
):
    member = make_member(name="Mila Member", email="mila@example.org")
    login_as(member.user)
    profile = dict(join_data(), name="Milou Mertens", locale="en")
    assert client.post("/en/me/profile", data=profile).status_code == 302
    manager_client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    manager_client.post("/en/login", data={"email": manager.email, "password": PASSWORD})
    assert found(manager_client, "mertens") == {member.number}
    assert found(manager_client, "mila member") == set()
    response = client.post("/en/account", data={"name": "Milou Ødegård", "locale": "en"})
    assert response.status_code == 302
    assert found(manager_client, "odegard") == {member.number}
    assert found(manager_client, "mertens") == set()
    # Whatever part of the app changes an address, the index follows (an ORM event on User).
    member.user.email = "milou@example.net"
    db.session.commit()
    assert found(manager_client, "milou@example.net") == {member.number}
    assert found(manager_client, "mila@example") == set()


def test_leaving_leaves_nothing_searchable(app, client, db, make_member, login_as, make_user):
    member = make_member(name="Zoë Zwart", email="zoe.zwart@example.org")
    make_member(name="Zoë Other", email="other@example.org")
    user_id, number = member.user.id, member.number
    login_as(member.user)
    response = client.post("/en/me/leave", data={"reason": "no_time", "confirm": "y"})
    assert response.status_code == 302
    assert db.session.get(UserSearch, user_id) is None
    assert user_id not in indexed(db, "zwart") | indexed(db, "zoe") | indexed(db, "example")
    manager_client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    manager_client.post("/en/login", data={"email": manager.email, "password": PASSWORD})
    assert number not in found(manager_client, "zwart") | found(manager_client, "zoe")
    assert found(manager_client, "zwart") == set()


def test_more_matches_than_the_cap_say_so_and_page_on(client, manager, make_member, monkeypatch):
    monkeypatch.setattr(manager_views, "PAGE_SIZE", 2)
    monkeypatch.setattr(manager_views, "COUNT_CAP", 3)
    numbers = {make_member(name=f"Jan Jansen {n}").number for n in range(5)}
    make_member(name="Someone Else")
    first = client.get("/en/manage/members?q=jansen").get_data(as_text=True)
    assert "More than 3 members" in first and "Page 1 of more than 1" in first
    assert 'rel="next"' in first
    third = client.get("/en/manage/members?q=jansen&page=3").get_data(as_text=True)
    assert "5 members" in third and "More than" not in third and 'rel="next"' not in third
    seen = set()
    for page in (1, 2, 3):
        html = client.get(f"/en/manage/members?q=jansen&page={page}").get_data(as_text=True)
        seen |= {int(n) for n in re.findall(r">#(\d{6})<", html)}
    assert seen == numbers
    dutch = client.get("/nl/manage/members?q=jansen").get_data(as_text=True)
    assert "Meer dan 3 leden" in dutch and "Pagina 1 van meer dan 1" in dutch


def test_query_budget_does_not_grow_with_matches(client, manager, make_member, count_queries):
    for n in range(3):
        make_member(name=f"Few Fenna {n}")
    for n in range(30):
        make_member(name=f"Many Marit {n}")
    client.get("/en/manage/members?q=fenna")  # warm: the first request loads what is kept
    with count_queries() as few:
        assert client.get("/en/manage/members?q=fenna").status_code == 200
    with count_queries() as many:
        assert client.get("/en/manage/members?q=marit").status_code == 200
    assert few.count == many.count <= 8, str(many)


def test_concurrent_renames_leave_the_index_equal_to_the_name(app, db, make_member):
    """Read (has the row?) then write (update or insert), from four requests at once: the index
    ends equal to whichever name was written last, on SQLite and PostgreSQL."""
    member = make_member(name="Rita Race", email="rita@example.org")
    user_id = member.user.id
    db.session.execute(UserSearch.__table__.delete().where(UserSearch.user_id == user_id))
    db.session.commit()  # no row yet: every request takes the insert path at once
    clients = []
    for _ in range(4):
        client = app.test_client()
        client.post("/en/login", data={"email": "rita@example.org", "password": PASSWORD})
        clients.append(client)
    barrier = threading.Barrier(len(clients))
    codes, errors = [], []

    def rename(client, n):
        barrier.wait()
        try:
            response = client.post("/en/account", data={"name": f"Rita Renamed{n}", "locale": "en"})
            codes.append(response.status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=rename, args=(c, n)) for n, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    db.session.expire_all()
    user = db.session.get(User, user_id)
    row = db.session.get(UserSearch, user_id)
    assert row is not None and row.folded == search_key(user.name, user.email)
    assert codes.count(302) >= 1
    assert indexed(db, fold(user.name)) == {user_id}


def test_users_written_in_bulk_are_indexed_afterwards(db):
    """The volume generator writes users with plain INSERTs, past the ORM's events."""
    db.session.execute(
        User.__table__.insert(),
        [
            {"id": 9001, "email": "bulk1@example.org", "name": "Bülent Bulk", "locale": "nl"},
            {"id": 9002, "email": "bulk2@example.org", "name": "Bea Bulk", "locale": "en"},
        ],
    )
    assert indexed(db, "bulk") == set()
    assert index_unindexed_users() == 2
    assert index_unindexed_users() == 0  # only those without a row
    assert indexed(db, "bulent") == {9001} and indexed(db, "bulk2@") == {9002}
