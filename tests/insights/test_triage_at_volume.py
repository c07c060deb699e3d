"""Triage stays the same size and cost as the panel grows: the source filter offers the newest
releases and rounds (and the one chosen), a search is counted up to a limit, and a search with
many matches is read in date order with the same result."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.feedback import services as feedback
from panel.insights import triage
from panel.insights.models import seed_default_streams
from panel.rounds import services as rounds
from panel.security import Role

from .test_triage import ROUND_FIELDS, respond


@pytest.fixture
def manager(make_user):
    return make_user(roles=[Role.PANEL_MANAGER], name="Mia Manager", locale="en")


def make_release(db, owner, version, month):
    now = utcnow()
    data = {
        "version": version,
        "month": month,
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=7),
        "audience": "all",
        "sample_size": None,
    }
    change = {
        "title_nl": "Iets",
        "title_en": "Something",
        "description_nl": "Kort",
        "description_en": "Short",
    }
    release = feedback.save_release(None, data, [change], owner)
    feedback.publish_release(release, owner)
    db.session.commit()
    return release


def make_round(db, owner, title):
    seed_default_streams()
    round_ = rounds.create_round(owner, dict(ROUND_FIELDS, title_en=title, title_nl=title), [])
    db.session.commit()
    return round_


def test_the_source_filter_offers_the_newest_and_the_one_chosen(
    db, client, login_as, manager, monkeypatch
):
    monkeypatch.setattr(triage, "SOURCE_CHOICES", 2)
    first = utcnow().date().replace(day=1)
    releases = [
        make_release(db, manager, f"12.{n}", first - timedelta(days=40 * n)) for n in range(3)
    ]
    made = [make_round(db, manager, f"Ronde {n}") for n in range(3)]
    login_as(manager)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    assert "App version 12.0" in page and "App version 12.1" in page
    assert "App version 12.2" not in page
    assert "Ronde 2" in page and "Ronde 1" in page and "Ronde 0" not in page
    # The oldest, chosen (as the release's page and the round's pages link here): offered and
    # selected.
    page = client.get(f"/en/insights/triage?source=release:{releases[2].id}").get_data(as_text=True)
    assert f'value="release:{releases[2].id}" selected' in page
    page = client.get(f"/en/insights/triage?source=round:{made[0].id}").get_data(as_text=True)
    assert f'value="round:{made[0].id}" selected' in page and "Ronde 0" in page


@pytest.mark.parametrize("lang, said", [("en", "More than 3 contributions"), ("nl", "Meer dan 3")])
def test_a_search_is_counted_up_to_its_limit(
    db, client, login_as, manager, monkeypatch, make_member, lang, said
):
    monkeypatch.setattr(triage, "SEARCH_COUNT_UP_TO", 3)
    release = make_release(db, manager, "12.4", utcnow().date().replace(day=1))
    for n in range(5):
        respond(db, release, make_member(), 3, f"Mijn rekening {n} klopt niet")
    respond(db, release, make_member(), 3, "De app is traag")
    login_as(manager)
    page = client.get(f"/{lang}/insights/triage?q=rekeningen").get_data(as_text=True)
    assert said in page
    # Without a search the list is counted up to its own, higher limit.
    page = client.get(f"/{lang}/insights/triage").get_data(as_text=True)
    assert ("6 contributions" if lang == "en" else "6 bijdragen") in page


def test_a_search_with_many_matches_reads_the_same_items_in_date_order(
    db, manager, monkeypatch, make_member
):
    """Read in date order (count over the limit, first pages) or by its matches (a few, or a
    deep page): the same items, newest first."""
    release = make_release(db, manager, "12.4", utcnow().date().replace(day=1))
    now = utcnow()
    made = [
        respond(db, release, make_member(), 3, f"Rekening {n}", at=now - timedelta(hours=n))
        for n in range(8)
    ]
    respond(db, release, make_member(), 3, "Iets anders", at=now - timedelta(minutes=30))
    filters = triage.TriageFilters.from_args({"q": "rekening"})

    def read(count, offset):
        query = triage.items_query(filters, manager, count, offset)
        return [item.source_id for item in db.session.scalars(query.limit(5).offset(offset))]

    newest_first = [response.id for response in made]
    monkeypatch.setattr(triage, "SEARCH_COUNT_UP_TO", 3)
    assert read(4, 0) == newest_first[:5]  # over the limit: in date order (on SQLite)
    assert read(2, 0) == newest_first[:5]  # under it: by the matches
    monkeypatch.setattr(triage, "IN_ORDER_UP_TO", 2)
    assert read(4, 5) == newest_first[5:]  # a deep page: by the matches
    count = db.session.execute(triage.count_query(filters, manager)).scalar()
    assert count == 4  # counted up to the limit and one more
