"""A record someone may not see answers 404, like one that isn't there; both are a security
event (record_not_found) with the user's id and the endpoint, nothing personal."""

import json
import logging


def record_events(caplog):
    return [
        json.loads(r.getMessage())
        for r in caplog.records
        if r.name == "panel.security" and "record_not_found" in r.getMessage()
    ]


def test_a_refused_or_missing_record_is_logged(
    client, db, make_member, make_round, login_as, caplog
):
    caplog.set_level(logging.INFO, logger="panel.security")
    draft = make_round(published=False)
    member = make_member(email="chris@example.org")
    login_as(member.user)
    assert client.get(f"/en/rounds/{draft.id}").status_code == 404  # not theirs to see
    assert client.get("/en/rounds/999999").status_code == 404  # not there
    assert client.get("/en/no-such-page").status_code == 404  # no record asked for
    expected = {
        "event": "record_not_found",
        "user_id": member.user.id,
        "endpoint": "rounds.round_page",
        "method": "GET",
    }
    assert record_events(caplog) == [expected, expected]
    assert "chris@example.org" not in caplog.text
