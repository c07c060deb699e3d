"""The outcome of a round links the insights it came from as well as the ideas (PRODUCT.md):
the owner ticks them on an insights page the outcome form links to; the round page and the
public home page name them in the reader's language; two saves at once end as one of them."""

import json
import threading
import time

import pytest
from sqlalchemy import event, select

from panel.audit import AuditEntry
from panel.insights.models import Insight, outcome_insights, seed_default_streams
from panel.rounds import services
from panel.rounds.models import Idea
from panel.security import Role

from .conftest import PASSWORD

ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def make_round(db, owner):
    def make(stage="launch"):
        seed_default_streams()
        round_ = services.create_round(owner, dict(ROUND_FIELDS), [])
        round_.stage = stage
        services.publish_round(round_, owner)
        db.session.commit()
        return round_

    return make


@pytest.fixture
def round_(make_round):
    return make_round()


def make_insight(db, round_=None, nl="Klanten willen donkere modus", en="Customers want dark mode"):
    insight = Insight(title_nl=nl, title_en=en, round_id=round_.id if round_ else None)
    db.session.add(insight)
    db.session.commit()
    return insight


def linked_ids(db, round_):
    db.session.rollback()
    return set(
        db.session.scalars(
            select(outcome_insights.c.insight_id).where(outcome_insights.c.round_id == round_.id)
        )
    )


def test_owner_links_insights_and_panelists_read_their_titles(
    client, db, round_, owner, make_member, login_as
):
    dark = make_insight(db, round_)
    wifi = make_insight(db, round_, "Wifi-bellen valt weg", "Wi-Fi calling drops")
    elsewhere = make_insight(db, None, "Facturen zijn onduidelijk", "Bills are unclear")
    login_as(owner)
    outcome_page = client.get(f"/en/owner/rounds/{round_.id}/outcome").get_data(as_text=True)
    assert f"/en/insights/rounds/{round_.id}/outcome" in outcome_page
    assert "No insights linked yet" in outcome_page
    page = client.get(f"/en/insights/rounds/{round_.id}/outcome").get_data(as_text=True)
    assert "Customers want dark mode" in page and "Wi-Fi calling drops" in page
    assert "Bills are unclear" not in page  # another source: added by its number
    response = client.post(
        f"/en/insights/rounds/{round_.id}/outcome",
        data={"insights": [dark.id], "number": elsewhere.id},
    )
    assert response.headers["Location"].endswith(f"/en/owner/rounds/{round_.id}/outcome")
    assert linked_ids(db, round_) == {dark.id, elsewhere.id}
    entry = AuditEntry.query.filter_by(action="round.outcome_insights").one()
    assert entry.target_id == round_.id
    assert json.loads(entry.details_json) == {"insights": sorted([dark.id, elsewhere.id])}
    outcome_page = client.get(f"/en/owner/rounds/{round_.id}/outcome").get_data(as_text=True)
    assert "Customers want dark mode" in outcome_page and "Bills are unclear" in outcome_page
    # Unticking takes one off again.
    client.post(f"/en/insights/rounds/{round_.id}/outcome", data={"insights": [elsewhere.id]})
    assert linked_ids(db, round_) == {elsewhere.id}
    client.post(
        f"/en/insights/rounds/{round_.id}/outcome",
        data={"insights": [dark.id, wifi.id, elsewhere.id]},
    )
    # The outcome is written and published: panelists and visitors read the titles.
    client.post(
        f"/en/owner/rounds/{round_.id}/outcome",
        data={"outcome_nl": "We bouwden het", "outcome_en": "We built it"},
    )
    client.post(f"/en/owner/rounds/{round_.id}/outcome/publish")
    client.post("/en/logout")
    login_as(make_member(locale="nl").user)
    dutch = client.get(f"/nl/rounds/{round_.id}").get_data(as_text=True)
    assert "Klanten willen donkere modus" in dutch and "Facturen zijn onduidelijk" in dutch
    english = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "Customers want dark mode" in english and "Wi-Fi calling drops" in english
    client.post("/nl/logout")
    home = client.get("/nl/").get_data(as_text=True)
    assert "Wifi-bellen valt weg" in home and "Wi-Fi calling drops" not in home


def test_the_home_page_costs_the_same_with_more_outcomes(
    client, db, make_round, owner, count_queries
):
    def publish_with_insight(round_):
        insight = make_insight(db, round_)
        db.session.execute(
            outcome_insights.insert().values(round_id=round_.id, insight_id=insight.id)
        )
        round_.outcome_nl, round_.outcome_en = "Gedaan", "Done"
        services.set_outcome_public(round_, True, owner)
        db.session.commit()

    publish_with_insight(make_round())
    client.get("/en/")
    with count_queries() as one:
        assert "Customers want dark mode" in client.get("/en/").get_data(as_text=True)
    for _ in range(3):
        publish_with_insight(make_round())
    with count_queries() as four:
        client.get("/en/")
    assert four.count == one.count


@pytest.mark.parametrize("who", ["other owner", "reviewer"])
def test_only_the_rounds_owner_links(client, db, round_, make_user, login_as, who):
    insight = make_insight(db, round_)
    role = Role.PRODUCT_OWNER if who == "other owner" else Role.REVIEWER
    login_as(make_user(roles=[role]))
    url = f"/en/insights/rounds/{round_.id}/outcome"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"insights": [insight.id]}).status_code == 403
    assert linked_ids(db, round_) == set()


def test_a_wrong_number_says_so_and_keeps_the_ticks(client, db, round_, owner, login_as):
    insight = make_insight(db, round_)
    login_as(owner)
    url = f"/en/insights/rounds/{round_.id}/outcome"
    for number in ("99999", "abc", "-3", "9" * 40):
        response = client.post(url, data={"insights": [insight.id], "number": number})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert 'id="number-error"' in page  # a translated message beside the field
        assert "checked" in page
    assert client.post(url, data={"insights": ["x", "999999"]}).status_code == 200
    assert linked_ids(db, round_) == set()


def test_the_outcome_form_offers_linked_and_top_ideas_at_any_size(
    client, db, round_, owner, make_member, login_as, count_queries
):
    author = make_member()
    ideas = [
        Idea(round_id=round_.id, author_id=author.id, title=f"Idee {n}", body="x", support_count=n)
        for n in range(70)
    ]
    ideas[0].in_outcome = True  # the least supported, but linked
    db.session.add_all(ideas)
    db.session.commit()
    login_as(owner)
    client.get(f"/en/owner/rounds/{round_.id}/outcome")
    with count_queries() as many:
        page = client.get(f"/en/owner/rounds/{round_.id}/outcome").get_data(as_text=True)
    assert "Idee 69<" in page and "Idee 0<" in page and "Idee 15<" not in page
    assert "the most supported ones" in page
    db.session.add_all(
        Idea(round_id=round_.id, author_id=author.id, title=f"Meer {n}", body="y")
        for n in range(100)
    )
    db.session.commit()
    with count_queries() as more:
        client.get(f"/en/owner/rounds/{round_.id}/outcome")
    assert more.count == many.count
    # Saving ticks exactly the chosen ideas, however many the round holds.
    chosen = [ideas[69].id, ideas[40].id]  # and idea 0 no longer
    client.post(
        f"/en/owner/rounds/{round_.id}/outcome",
        data={"outcome_nl": "Gedaan", "outcome_en": "Done", "ideas": chosen},
    )
    db.session.rollback()
    linked = db.session.scalars(
        select(Idea.id).where(Idea.round_id == round_.id, Idea.in_outcome.is_(True))
    ).all()
    assert sorted(linked) == sorted(chosen)


def test_two_saves_at_once_end_as_one_of_them(app, db, round_, owner):
    insights = [make_insight(db, round_, f"Inzicht {n}", f"Insight {n}") for n in range(4)]
    sets = [{insights[0].id, insights[1].id}, {insights[2].id, insights[3].id}]
    clients = []
    for _ in sets:
        client = app.test_client()
        client.post("/en/login", data={"email": owner.email, "password": PASSWORD})
        clients.append(client)
    url = f"/en/insights/rounds/{round_.id}/outcome"
    barrier = threading.Barrier(len(sets))
    codes, errors = [], []

    def save(client, chosen):
        barrier.wait()
        try:
            codes.append(client.post(url, data={"insights": sorted(chosen)}).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    def pause(conn, cursor, statement, parameters, context, executemany):
        # Widen the gap between reading the links and writing them.
        if statement.lstrip().upper().startswith(("INSERT INTO OUTCOME", "DELETE FROM OUTCOME")):
            time.sleep(0.05)

    event.listen(db.engine, "before_cursor_execute", pause)
    try:
        for _ in range(3):
            threads = [
                threading.Thread(target=save, args=pair) for pair in zip(clients, sets, strict=True)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            assert errors == [] and codes == [302, 302]
            assert linked_ids(db, round_) in sets
            codes.clear()
            barrier.reset()
    finally:
        event.remove(db.engine, "before_cursor_execute", pause)
