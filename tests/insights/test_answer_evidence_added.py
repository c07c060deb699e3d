"""Contributions added to an insight that already answered (issue 16): the panelists it newly
rests on hear the answers its live routes published, once each, in their own language; adding
and an answer being published at once tell everyone once, on SQLite and PostgreSQL."""

import time

import pytest

from panel.extensions import db as _db
from panel.insights import manage, services
from panel.insights.models import Insight, Route

from . import test_merge_answers as base

setup, panelists = base.setup, base.panelists
NL_SUBJECT, EN_SUBJECT = base.NL_SUBJECT, base.EN_SUBJECT


def test_added_panelists_hear_the_answers_already_published_once(db, setup, panelists):
    people = panelists("nl", "nl", "en")
    (first, first_response), (dutch, dutch_response), (english, english_response) = people
    item = base.insight(setup, "Invoice unclear", people[:1], [setup["app"]])
    services.publish_answer(base.route_in(item, "billing"), "Antwoord", "Answer", setup["owner"])
    # Network answered too, then was taken out of its inbox: that answer no longer stands.
    network = base.route_in(item, "network")
    services.publish_answer(network, "Netwerk", "Network", setup["owner"])
    services.remove_route(network, setup["owner"])
    db.session.commit()
    assert base.told(first.user_id) == 2
    base.reset_messages(db)

    items = [("response", r.id) for r in (first_response, dutch_response, english_response)]
    counts = manage.add_items(item, items, setup["owner"])
    db.session.commit()

    assert counts == {"added": 2, "had": 1, "hidden": 0, "insight": item}
    assert [base.told(m.user_id) for m in (first, dutch, english)] == [0, 1, 1]
    for member in (dutch, english):
        base.assert_mailed_in_own_language(member, "Antwoord", "Answer", NL_SUBJECT, EN_SUBJECT)
    # Added again: they are behind it already, nobody hears it twice.
    manage.add_items(item, items[1:], setup["owner"])
    db.session.commit()
    assert [base.told(m.user_id) for m in (first, dutch, english)] == [0, 1, 1]
    # A later answer reaches each of them once, as before.
    services.publish_answer(base.route_in(item, "billing"), "Nieuw", "New", setup["owner"])
    db.session.commit()
    assert [base.told(m.user_id) for m in (first, dutch, english)] == [0, 1, 1]


def test_adding_to_an_insight_merged_meanwhile_adds_to_the_kept_one(db, setup, panelists):
    """The page showed the insight before a colleague merged it: the contributions go to the
    insight it was merged into, and the answer is told as there."""
    people = panelists("nl", "en")
    duplicate = base.insight(setup, "Hard to read", people[:1])
    kept = base.insight(setup, "Invoice unclear", people[:1], [setup["app"]])
    services.publish_answer(base.route_in(kept, "billing"), "Antwoord", "Answer", setup["owner"])
    db.session.commit()
    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()
    base.reset_messages(db)
    counts = manage.add_items(duplicate, [("response", people[1][1].id)], setup["owner"])
    db.session.commit()
    assert counts["insight"].id == kept.id and counts["added"] == 1
    assert db.session.get(Insight, kept.id).evidence_count == 2
    assert base.told(people[1][0].user_id) == 1


def test_adding_to_an_insight_without_answers_tells_nobody(db, setup, panelists):
    people = panelists("nl", "en")
    item = base.insight(setup, "Invoice unclear", people[:1])
    db.session.commit()
    manage.add_items(item, [("response", people[1][1].id)], setup["owner"])
    db.session.commit()
    assert base.told(people[1][0].user_id) == 0


@pytest.mark.parametrize("first", ["add", "answer"])
def test_adding_and_an_answer_at_once_tell_everyone_once(app, db, setup, panelists, first):
    people = panelists("nl", "en", "nl")
    item = base.insight(setup, "Invoice unclear", people[:1])
    db.session.commit()
    ids = {"insight": item.id, "route": base.route_in(item, "billing").id}
    owner_id = setup["owner"].id

    def add():
        if first == "answer":
            time.sleep(0.1)
        insight = _db.session.get(Insight, ids["insight"])
        assert insight.routes  # read before the answer: what is told must not rest on it
        actor = _db.session.get(type(setup["owner"]), owner_id)
        manage.add_items(insight, [("response", r.id) for _m, r in people[1:]], actor)
        return "added"

    def answer():
        if first == "add":
            time.sleep(0.1)
        route = _db.session.get(Route, ids["route"])
        # Read before the add changes anything: who is told must not rest on it.
        assert route.insight.evidence
        actor = _db.session.get(type(setup["owner"]), owner_id)
        services.publish_answer(route, "Antwoord", "Answer", actor)
        return "answered"

    assert base.race(app, [add, answer]) == ["added", "answered"]
    db.session.rollback()
    for member, _response in people:
        assert base.told(member.user_id) == 1, (member.user.locale, first)
        assert len(base.mails_to(member)) == 1
