"""Closing an insight as "won't act" while a reviewer publishes an answer on one of its routes
(issue 16): they take turns on the insight's row, so the panelists are told once, and the
answer the reviewer wrote is not replaced by the reason. On SQLite and PostgreSQL."""

import time

import pytest

from panel.extensions import db as _db
from panel.insights import manage, services
from panel.insights.models import Insight, Route

from . import test_merge_answers as base

setup, panelists = base.setup, base.panelists


@pytest.mark.parametrize("first", ["close", "answer"])
def test_a_wont_act_close_and_an_answer_at_once_tell_everyone_once(
    app, db, setup, panelists, first
):
    people = panelists("nl", "en")
    item = base.insight(setup, "Invoice unclear", people)
    db.session.commit()
    ids = {"insight": item.id, "route": base.route_in(item, "billing").id}
    owner_id = setup["owner"].id

    def close():
        if first == "answer":
            time.sleep(0.1)
        insight = _db.session.get(Insight, ids["insight"])
        # The close page showed its routes: read before the answer, they must not decide.
        assert [route.answered_at for route in insight.routes] == [None]
        actor = _db.session.get(type(setup["owner"]), owner_id)
        manage.close_insight(insight, "wont_act", actor, "Nee", "No")
        return "closed"

    def answer():
        if first == "close":
            time.sleep(0.1)
        route = _db.session.get(Route, ids["route"])
        actor = _db.session.get(type(setup["owner"]), owner_id)
        services.publish_answer(route, "Antwoord", "Answer", actor)
        return "answered"

    assert base.race(app, [close, answer]) == ["closed", "answered"]
    db.session.rollback()
    for member, _response in people:
        assert base.told(member.user_id) == 1, (member.user.locale, first)
        assert len(base.mails_to(member)) == 1
    route = db.session.get(Route, ids["route"])
    assert route.status == "declined"
    # Answered first: the close keeps that answer. Closed first: the answer edits the reason.
    assert (route.answer_nl, route.answer_en) == ("Antwoord", "Answer")
