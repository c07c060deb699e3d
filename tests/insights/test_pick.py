"""'Add to insight' for one or several contributions (contract 2) and 'Make insight' from several
(contract 3): any insight, search and suggestions, hidden sources skipped with a word, back to
where the person came from."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import pytest

from panel.insights import services
from panel.insights.models import Insight, Stream, seed_default_streams
from panel.rounds import services as rounds
from panel.security import Role
from tests.conftest import csrf_token_from
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)

from .test_insights import make_panel_evidence


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    creator = make_user(roles=[Role.PRODUCT_OWNER])
    return {"owner": creator, "streams": {s.slug: s for s in Stream.query.all()}}


def test_pick_searches_all_insights_and_suggests_similar_ones(
    client, db, setup, make_member, login_as, count_queries
):
    _members, responses = make_panel_evidence(db, setup, make_member, "De rekening is te hoog")
    like = services.create_insight("Rekening te hoog", "", "", [], setup["owner"])
    for number in range(25):  # more than a page, and more than the old 200-newest select
        services.create_insight(f"Ander onderwerp {number}", "", "", [], setup["owner"])
    db.session.commit()
    login_as(setup["owner"])
    url = f"/en/insights/pick?item=response:{responses[0].id}&item=response:{responses[1].id}"
    page = client.get(url + "&next=/en/insights/triage").get_data(as_text=True)
    assert "Add 2 contributions to an insight" in page
    suggestions = page.split("Insights like it")[1].split("Open insights")[0]
    assert "Rekening te hoog" in suggestions and "Ander onderwerp" not in suggestions
    assert 'name="next" value="/en/insights/triage"' in page
    found = client.get(url + "&q=rekening").get_data(as_text=True)
    assert "1 insight with" in found and "Rekening te hoog" in found
    partial = client.get(url + "&q=rekening&partial=1").get_data(as_text=True)
    assert partial.lstrip().startswith('<div id="pick-results">')
    # The page costs the same at 1 or 2 pages of insights.
    with count_queries() as first:
        client.get(url)
    for number in range(25):
        services.create_insight(f"Nog een {number}", "", "", [], setup["owner"])
    db.session.commit()
    with count_queries() as second:
        client.get(url + "&page=2")
    assert second.count == first.count
    # Adding both at once to the oldest insight (any insight, not only recent ones).
    response = client.post(
        "/en/insights/evidence",
        data={
            "insight_id": like.id,
            "item": [f"response:{responses[0].id}", f"response:{responses[1].id}"],
            "next": "/en/insights/triage",
            "csrf_token": csrf_token_from(client.get(url)),
        },
    )
    assert response.status_code == 302 and response.location.endswith("/en/insights/triage")
    db.session.refresh(like)
    assert like.evidence_count == 2
    # Back on the picker, it says they are evidence of it already.
    assert "Already evidence of:" in client.get(url).get_data(as_text=True)


def test_nothing_to_pick_and_unknown_items_are_not_found(client, db, setup, login_as):
    login_as(setup["owner"])
    assert client.get("/en/insights/pick").status_code == 404
    assert client.get("/en/insights/pick?item=bogus:1").status_code == 404
    assert client.get("/en/insights/pick?item=response:999999").status_code == 404


def test_hidden_sources_are_skipped_with_a_word(
    client, db, setup, make_member, login_as, make_round, make_user
):
    round_ = make_round()
    author = make_member()
    shown = rounds.post_idea(round_, author, "Donker thema", "Graag")
    hidden = rounds.post_idea(round_, author, "Scheldwoord", "Weg ermee")
    db.session.commit()
    rounds.hide_content(hidden, "Insults", make_user(roles=[Role.PANEL_MANAGER]))
    insight = services.create_insight("", "Dark mode", "", [], setup["owner"])
    db.session.commit()
    login_as(setup["owner"])
    items = [f"idea:{shown.id}", f"idea:{hidden.id}"]
    page = client.get("/en/insights/pick", query_string={"item": items}).get_data(as_text=True)
    assert "1 contribution is left out: a moderator hid it." in page
    text = client.post(
        "/en/insights/evidence",
        data={"insight_id": insight.id, "item": items, "csrf_token": csrf_token_from_text(page)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 contribution was left out: a moderator hid it." in text
    db.session.refresh(insight)
    assert insight.evidence_count == 1
    # Make insight from both: the hidden one is left out, said so.
    page = client.get("/en/insights/new", query_string={"item": items}).get_data(as_text=True)
    assert "Donker thema" in page and "Scheldwoord" not in page
    response = client.post(
        "/en/insights/new",
        data={"item": items, "title_en": "Dark", "csrf_token": csrf_token_from_text(page)},
    )
    assert response.status_code == 200  # hidden meanwhile: the form stays, with what was typed
    assert 'value="Dark"' in response.get_data(as_text=True)


def csrf_token_from_text(page):
    import re

    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_make_insight_from_several_contributions_goes_back(
    client, db, setup, make_member, login_as
):
    _members, responses = make_panel_evidence(db, setup, make_member)
    login_as(setup["owner"])
    items = [f"response:{responses[0].id}", f"response:{responses[2].id}"]
    page = client.get(
        "/en/insights/new", query_string={"item": items, "next": "/en/insights/triage?x=1"}
    )
    text = page.get_data(as_text=True)
    assert "De rekening is onduidelijk 0" in text and "De rekening is onduidelijk 2" in text
    response = client.post(
        "/en/insights/new",
        data={
            "item": items,
            "next": "/en/insights/triage?x=1",
            "title_en": "Bills confuse people",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.location.endswith("/en/insights/triage?x=1")
    insight = Insight.query.one()
    assert insight.evidence_count == 2
    # An address elsewhere is no way back.
    page = client.get(
        "/en/insights/new", query_string={"item": items, "next": "https://evil.example"}
    )
    assert 'name="next" value="https://evil' not in page.get_data(as_text=True)


def test_make_and_add_links_beside_a_contribution(client, db, setup, make_member, login_as):
    _members, responses = make_panel_evidence(db, setup, make_member)
    login_as(setup["owner"])
    page = client.get(f"/en/results/releases/{responses[0].release_id}").get_data(as_text=True)
    assert "/en/insights/new?" in page or "/en/insights/pick?" in page or "triage" in page
