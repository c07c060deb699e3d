"""The list of all insights: words, stream and its status, tag, source, who made it, dates, open
routes, overdue, open/closed, the three orders, paging with a count, and a flat query budget."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.insights import manage, services, views
from panel.insights.models import Insight, Route, Stream, Tag, seed_default_streams
from panel.security import Role


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    bill = Tag(name_nl="Rekening", name_en="Bill")
    db.session.add(bill)
    owner = make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner")
    other = make_user(roles=[Role.PANEL_MANAGER], name="Piet Manager")
    streams = {s.slug: s for s in Stream.query.all()}
    db.session.commit()
    return {"owner": owner, "other": other, "streams": streams, "bill": bill}


def titles(client, query=""):
    html = client.get("/en/insights/" + query).get_data(as_text=True)
    return [
        title
        for title in ("Alpha invoice", "Beta coverage", "Gamma app", "Delta closed")
        if title in html
    ]


def test_filters_and_orders(client, db, setup, login_as):
    owner, other, streams = setup["owner"], setup["other"], setup["streams"]
    alpha = services.create_insight("", "Alpha invoice", "", [setup["bill"]], owner)
    beta = services.create_insight("", "Beta coverage", "", [], other)
    gamma = services.create_insight("", "Gamma app", "storing", [], owner)
    delta = services.create_insight("", "Delta closed", "", [], owner)
    services.add_route(alpha, streams["billing"], owner)
    services.add_route(beta, streams["network"], owner)
    services.set_status(beta.routes[0], "done", owner)
    route = services.add_route(gamma, streams["billing"], owner)
    route.due_at = utcnow() - timedelta(days=1)
    route.routed_at = utcnow() - timedelta(days=10)
    alpha.evidence_count, beta.evidence_count, gamma.evidence_count = 1, 5, 3
    beta.created_at = utcnow() - timedelta(days=40)
    db.session.commit()
    manage.close_insight(delta, "wont_act", owner, "", "No")
    db.session.commit()
    login_as(owner)
    assert titles(client) == ["Alpha invoice", "Beta coverage", "Gamma app"]
    assert "3 insights" in client.get("/en/insights/").get_data(as_text=True)
    assert titles(client, "?q=invo") == ["Alpha invoice"]
    assert titles(client, "?q=storing") == ["Gamma app"]  # the description counts
    assert titles(client, f"?stream={streams['billing'].id}") == ["Alpha invoice", "Gamma app"]
    assert titles(client, f"?stream={streams['network'].id}&status=done") == ["Beta coverage"]
    assert titles(client, f"?stream={streams['billing'].id}&status=done") == []
    assert titles(client, f"?tag={setup['bill'].id}") == ["Alpha invoice"]
    assert titles(client, f"?by={other.id}") == ["Beta coverage"]
    assert titles(client, "?open=1") == ["Alpha invoice", "Gamma app"]
    assert titles(client, "?overdue=1") == ["Gamma app"]
    assert titles(client, "?state=closed") == ["Delta closed"]
    assert len(titles(client, "?state=all")) == 4
    since = (utcnow() - timedelta(days=5)).date().isoformat()
    assert "Beta coverage" not in titles(client, f"?from={since}")
    assert titles(client, f"?to={since}") == ["Beta coverage"]
    assert titles(client, "?source=other") == ["Alpha invoice", "Beta coverage", "Gamma app"]
    assert titles(client, "?source=round") == []
    # Orders: newest first (default), most evidence, waiting longest.
    html = client.get("/en/insights/?sort=evidence").get_data(as_text=True)
    assert html.index("Beta coverage") < html.index("Gamma app") < html.index("Alpha invoice")
    html = client.get("/en/insights/?sort=oldest_open").get_data(as_text=True)
    assert html.index("Gamma app") < html.index("Alpha invoice") and "Beta coverage" not in html
    # Nonsense is no filter, never an error; a bad date is said.
    response = client.get("/en/insights/?stream=x&tag=%00&by=-1&sort=drop&state=1&status=zz")
    assert response.status_code == 200 and titles(client, "?stream=x") == titles(client)
    assert "Not a date: showing every date." in client.get(
        "/en/insights/?from=2026-13-45"
    ).get_data(as_text=True)
    # Dutch.
    nl = client.get("/nl/insights/?state=closed").get_data(as_text=True)
    assert "Open of gesloten" in nl and "Geen actie" in nl


def test_a_page_of_the_list_costs_the_same_at_any_size(client, db, setup, login_as, count_queries):
    owner, streams = setup["owner"], setup["streams"]

    def make(number):
        for index in range(number):
            insight = services.create_insight("", f"Insight {index}", "", [setup["bill"]], owner)
            services.add_route(insight, streams["billing" if index % 2 else "network"], owner)
        db.session.commit()

    make(3)
    login_as(owner)
    query = f"?q=insight&tag={setup['bill'].id}&open=1&sort=oldest_open"
    with count_queries() as few:
        assert client.get("/en/insights/" + query).status_code == 200
    make(60)
    with count_queries() as many:
        assert client.get("/en/insights/" + query + "&page=2").status_code == 200
    assert many.count == few.count, str(many)
    with count_queries() as plain:
        client.get("/en/insights/")
    assert plain.count <= few.count
    assert Route.query.count() == 63 and Insight.query.count() == 63


@pytest.mark.parametrize("lang, said", [("en", "More than 3 insights"), ("nl", "Meer dan 3")])
def test_a_long_list_is_counted_up_to_its_limit(
    client, db, setup, login_as, monkeypatch, lang, said
):
    monkeypatch.setattr(views, "COUNT_UP_TO", 3)
    for index in range(5):
        services.create_insight("", f"Insight {index}", "", [], setup["owner"])
    db.session.commit()
    login_as(setup["owner"])
    assert said in client.get(f"/{lang}/insights/").get_data(as_text=True)
    # Narrowed under the limit, the count is exact again.
    page = client.get(f"/{lang}/insights/?q=Insight+4").get_data(as_text=True)
    assert ("1 insight" if lang == "en" else "1 inzicht") in page
