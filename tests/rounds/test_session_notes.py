"""Staff-only session notes: read by whoever runs the round, shared only by quoting them."""

import pytest

from panel.errors import NotAllowed
from panel.insights import services as insights
from panel.insights.models import Evidence
from panel.rounds.permissions import can_read_session_notes
from panel.security import Role

NOTE = "Two attendees could not find the usage screen"


@pytest.fixture
def session(make_round, make_session, db):
    session = make_session(make_round(), notes=NOTE)
    db.session.commit()
    return session


@pytest.mark.parametrize(
    "roles, may_read",
    [
        ("owner", True),
        ([Role.PRODUCT_OWNER], False),
        ([Role.PANEL_MANAGER], True),
        ([Role.ADMIN], False),
        ([Role.REVIEWER], False),
        ([Role.PANELIST], False),
    ],
)
def test_who_may_read_a_sessions_notes(session, owner, make_user, roles, may_read):
    user = owner if roles == "owner" else make_user(roles=roles)
    assert can_read_session_notes(user, session) is may_read


def test_another_product_owner_cannot_read_the_notes_anywhere(client, session, make_user, login_as):
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    page = f"/en/owner/rounds/{session.round_id}/sessions/{session.id}"
    assert client.get(page).status_code == 403
    # Not through the preview of a new insight made from the notes either.
    quoted = client.get(f"/en/insights/new?kind=session&source={session.id}")
    assert quoted.status_code == 404 and NOTE not in quoted.get_data(as_text=True)


def test_another_product_owner_cannot_quote_the_notes(session, make_user, db):
    with pytest.raises(NotAllowed):
        insights.add_evidence(None, "session", session.id, make_user(roles=[Role.PRODUCT_OWNER]))
    assert Evidence.query.count() == 0


@pytest.mark.parametrize("who", ["owner", "manager"])
def test_who_runs_the_round_quotes_the_notes_and_the_insight_says_they_are_staff_notes(
    client, session, owner, make_user, login_as, who
):
    login_as(owner if who == "owner" else make_user(roles=[Role.PANEL_MANAGER]))
    page = client.get(f"/en/insights/new?kind=session&source={session.id}")
    assert page.status_code == 200 and NOTE in page.get_data(as_text=True)
    title = "Usage screen is hard to find"
    response = client.post(
        f"/en/insights/new?kind=session&source={session.id}",
        data={"title": title, "title_nl": title, "title_en": title, "description": ""},
    )
    assert response.status_code == 302
    # Everyone who may read the insight sees the quote, marked as a staff note.
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert NOTE in detail
    assert "A staff note from the session" in detail
