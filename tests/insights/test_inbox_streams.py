"""Each stream's inbox (issue 16): a reviewer filters by any of their streams, a stream not theirs
is a 404, panel managers open any; text search; bulk actions keep the filter; it stays fast."""

import itertools
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.insights import inbox_views, services
from panel.insights.models import Route
from panel.security import Role
from tests.test_query_budgets import Rows


@pytest.fixture
def streams(db):
    seed_default_streams()
    db.session.commit()
    return {stream.slug: stream for stream in Stream.query}


@pytest.fixture
def reviewer(db, make_user, streams):
    """A reviewer in three streams."""
    user = make_user(roles=[Role.REVIEWER], name="Rita Reviewer", locale="en")
    for slug in ("billing", "network", "service"):
        db.session.add(StreamMember(stream_id=streams[slug].id, user_id=user.id))
    db.session.commit()
    return user


def routed(db, owner, title, *stream_list):
    insight = services.create_insight("", title, "", [], owner)
    for stream in stream_list:
        services.add_route(insight, stream, owner)
    db.session.commit()
    return insight


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER])


def test_a_reviewer_works_each_of_their_streams_queue(
    client, db, streams, reviewer, owner, login_as
):
    routed(db, owner, "Bill too high", streams["billing"])
    routed(db, owner, "No signal", streams["network"])
    routed(db, owner, "Shop closed", streams["retail"])
    login_as(reviewer)
    everything = client.get("/en/insights/inbox").get_data(as_text=True)
    assert "Bill too high" in everything and "No signal" in everything
    assert "Shop closed" not in everything
    network = client.get(f"/en/insights/inbox?stream={streams['network'].id}")
    page = network.get_data(as_text=True)
    assert network.status_code == 200
    assert "No signal" in page and "Bill too high" not in page
    assert "Inbox of Network" in page


def test_a_stream_not_theirs_is_a_404_not_their_own_inbox(
    client, db, streams, reviewer, owner, login_as
):
    routed(db, owner, "Shop closed", streams["retail"])
    login_as(reviewer)
    assert client.get(f"/en/insights/inbox?stream={streams['retail'].id}").status_code == 404
    assert client.get("/en/insights/inbox?stream=999999").status_code == 404


def test_a_panel_manager_opens_any_streams_inbox(client, db, streams, make_user, owner, login_as):
    routed(db, owner, "Shop closed", streams["retail"])
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    page = client.get(f"/en/insights/inbox?stream={streams['retail'].id}").get_data(as_text=True)
    assert "Shop closed" in page


def test_a_product_owner_is_not_a_reviewer_of_a_stream(client, db, streams, owner, login_as):
    login_as(owner)
    assert client.get(f"/en/insights/inbox?stream={streams['retail'].id}").status_code == 404


def test_the_metrics_links_work_for_whoever_sees_them(
    client, db, streams, reviewer, owner, make_user, login_as
):
    login_as(reviewer)
    page = client.get("/en/insights/streams").get_data(as_text=True)
    # A reviewer sees the figures of their own streams, each a link to its inbox.
    assert "Billing and finance" in page and "Retail" not in page
    links = [
        line.split('href="')[1].split('"')[0]
        for line in page.split("<a ")[1:]
        if "stream=" in line.split(">")[0]
    ]
    assert len(links) == 3
    for link in links:
        assert client.get(link.replace("&amp;", "&")).status_code == 200
    # A product owner sees every stream but no links to inboxes that are not theirs.
    login_as(owner)
    page = client.get("/en/insights/streams").get_data(as_text=True)
    assert "Retail" in page and "/insights/inbox?stream=" not in page
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    page = client.get("/en/insights/streams").get_data(as_text=True)
    assert page.count("/insights/inbox?stream=") == len(streams)


def test_text_search_in_the_inbox(client, db, streams, reviewer, owner, login_as):
    routed(db, owner, "Factuur is onduidelijk", streams["billing"])
    routed(db, owner, "Zoë cannot log in", streams["service"])
    login_as(reviewer)
    page = client.get("/en/insights/inbox?q=factu").get_data(as_text=True)
    assert "Factuur is onduidelijk" in page and "Zoë cannot" not in page
    page = client.get("/en/insights/inbox?q=zoe").get_data(as_text=True)
    assert "Zoë cannot log in" in page and "Factuur" not in page
    page = client.get("/en/insights/inbox?q=nothing+like+this").get_data(as_text=True)
    assert "Nothing matches these filters." in page
    assert client.get("/en/insights/inbox?q=%00%22'").status_code == 200


def test_bulk_acknowledge_returns_to_the_same_filtered_inbox(
    client, db, streams, reviewer, owner, login_as
):
    first = routed(db, owner, "Bill one", streams["billing"]).routes[0]
    login_as(reviewer)
    here = f"/en/insights/inbox?stream={streams['billing'].id}&sort=newest&q=bill"
    response = client.post(
        "/en/insights/inbox/acknowledge", data={"route": [str(first.id)], "next": here}
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert f"{location.path}?{location.query}" == here
    assert db.session.get(Route, first.id).status == "acknowledged"
    # Another site is never where it goes.
    response = client.post(
        "/en/insights/inbox/acknowledge", data={"route": [str(first.id)], "next": "//evil.test/"}
    )
    assert urlsplit(response.headers["Location"]).path == "/en/insights/inbox"


def test_the_inbox_page_keeps_its_query_in_the_bulk_form(
    client, db, streams, reviewer, owner, login_as
):
    routed(db, owner, "Bill one", streams["billing"])
    login_as(reviewer)
    url = f"/en/insights/inbox?stream={streams['billing'].id}&assigned=unassigned"
    page = client.get(url).get_data(as_text=True)
    assert f'name="next" value="{url.replace("&", "&amp;")}"' in page


def test_the_inbox_runs_as_many_queries_for_5_or_50_rows_with_filters(
    client, db, streams, reviewer, login_as, count_queries
):
    rows = Rows(db.session)
    stream_ids = [streams[slug].id for slug in ("billing", "network", "service")]
    login_as(reviewer)
    counts = []
    for n in (5, 45):
        insights = rows.insights(n)
        rows.routes(
            insights,
            itertools.islice(itertools.cycle(stream_ids), n),
            assigned_to_id=reviewer.id,
        )
        db.session.commit()
        with count_queries() as queries:
            page = client.get(
                f"/en/insights/inbox?stream={stream_ids[0]}&assigned=mine&q=insight"
            ).get_data(as_text=True)
        assert page.count("<td>me</td>") == len(page.split("<tr")) - 2
        counts.append(queries.count)
    assert counts[0] == counts[1] <= 8, counts


@pytest.mark.parametrize("query", ["", "?assigned=mine", "?assigned=unassigned"])
def test_the_default_sort_reads_the_partial_index_with_the_new_filters(
    db, client, streams, reviewer, login_as, query
):
    rows = Rows(db.session)
    stream_ids = [streams[slug].id for slug in ("billing", "network", "service")]
    for status in ("new", "done"):
        insights = rows.insights(60)
        rows.routes(insights, itertools.islice(itertools.cycle(stream_ids), 60), status=status)
    db.session.commit()
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE")
    login_as(reviewer)
    seen = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        if "FROM routes" in statement and "ORDER BY routes.due_at" in statement:
            seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", grab)
    try:
        assert client.get("/en/insights/inbox" + query).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", grab)
    ((statement, parameters),) = seen
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        if connection.dialect.name == "postgresql":
            cursor.execute("SET enable_seqscan = off")
            cursor.execute("SET enable_sort = off")
            cursor.execute("SET enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + statement, parameters)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = " ".join(str(row) for row in cursor.fetchall())
        cursor.close()
    assert "ix_routes_open_due" in plan, plan
    assert "TEMP B-TREE FOR ORDER BY" not in plan and "Sort " not in plan, plan


def test_a_panel_managers_inbox_holds_the_streams_nobody_reviews(
    client, db, streams, reviewer, owner, make_user, login_as
):
    routed(db, owner, "Shop closed", streams["retail"])
    routed(db, owner, "Bill too high", streams["billing"])
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="nl")
    login_as(manager)
    page = client.get("/nl/insights/inbox").get_data(as_text=True)
    assert "Shop closed" in page and "Bill too high" not in page  # billing has Rita
    assert "Mijn streams en die zonder beoordelaars" in page
    # Once someone reviews retail, it is theirs.
    db.session.add(StreamMember(stream_id=streams["retail"].id, user_id=reviewer.id))
    db.session.commit()
    assert "Shop closed" not in client.get("/nl/insights/inbox").get_data(as_text=True)


@pytest.mark.parametrize("value", ["9223372036854775808", "-1", "1e3", "\x00", "[]", "𝔘"])
def test_odd_values_in_the_inbox_and_its_forms(
    client, db, streams, reviewer, owner, login_as, value
):
    route = routed(db, owner, "Bill too high", streams["billing"]).routes[0]
    login_as(reviewer)
    for name in ("stream", "assigned", "q", "status", "tag", "sort"):
        assert client.get("/en/insights/inbox", query_string={name: value}).status_code in (
            200,
            404,
        ), name
    response = client.post(
        "/en/insights/inbox/assign", data={"route": [value, str(route.id)], "assignee": value}
    )
    assert response.status_code == 302
    response = client.post(
        f"/en/insights/inbox/{route.id}",
        data={"action": "assign", "assignee": value, "seen": value},
    )
    assert response.status_code == 200  # the page again, the choice refused
    assert db.session.get(Route, route.id).assigned_to_id is None


@pytest.mark.parametrize("bad", ["assigned=zzz", "stream=abc", "tag=999999", "status=nope"])
def test_one_bad_filter_value_leaves_the_other_filters_working(
    client, db, streams, reviewer, owner, login_as, bad
):
    open_one = routed(db, owner, "Bill too high", streams["billing"])
    done = routed(db, owner, "Bill paid twice", streams["billing"])
    done.routes[0].status = "done"
    routed(db, owner, "No signal", streams["network"])
    db.session.commit()
    login_as(reviewer)
    page = client.get(f"/en/insights/inbox?{bad}&source=other&q=bill").get_data(as_text=True)
    assert open_one.title_en in page
    assert "Bill paid twice" not in page  # still only the open ones
    assert "No signal" not in page  # the search still applies


@pytest.mark.parametrize("lang, said", [("en", "More than 2 insights"), ("nl", "Meer dan 2")])
def test_a_long_inbox_is_counted_up_to_its_limit(
    client, db, streams, reviewer, owner, login_as, monkeypatch, lang, said
):
    monkeypatch.setattr(inbox_views, "COUNT_UP_TO", 2)
    for title in ("Bill too high", "Bill unclear", "Bill late"):
        routed(db, owner, title, streams["billing"])
    login_as(reviewer)
    assert said in client.get(f"/{lang}/insights/inbox").get_data(as_text=True)
    page = client.get(f"/{lang}/insights/inbox?q=late").get_data(as_text=True)
    assert ("1 insight" if lang == "en" else "1 inzicht") in page
