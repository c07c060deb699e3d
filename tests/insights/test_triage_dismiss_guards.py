"""Triage's "No action" only on what the user may see there, never on evidence of an insight."""
# ruff: noqa: F811  (the fixtures are test_triage's, imported)

from datetime import timedelta

from panel.database import utcnow
from panel.insights import services as insights
from panel.insights.models import TriageDismissal
from panel.rounds.models import Session
from panel.security import Role

from ..conftest import csrf_token_from
from .test_triage import owner, release, respond, round_  # noqa: F401


def notes_of(db, round_):
    session = Session(
        round_id=round_.id,
        title_nl="Sessie",
        title_en="Session",
        kind="online",
        capacity=5,
        seats_taken=0,
        starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=1, hours=2),
        registration_deadline=utcnow(),
        notes="Alleen voor de eigenaar",
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_no_action_and_undo_leave_items_the_user_may_not_see(
    db, client, login_as, make_user, round_
):
    session = notes_of(db, round_)
    other = make_user(roles=[Role.PRODUCT_OWNER], name="Otto Other")
    login_as(other)
    token = csrf_token_from(client.get("/en/insights/triage"))
    client.post(
        "/en/insights/triage/dismiss",
        data={"csrf_token": token, "item": [f"session:{session.id}"]},
    )
    assert TriageDismissal.query.count() == 0
    # Dismissed by the round's owner, another owner can't take it back either.
    db.session.add(
        TriageDismissal(
            kind="session",
            source_id=session.id,
            dismissed_by_id=round_.owner_id,
            dismissed_at=utcnow(),
        )
    )
    db.session.commit()
    client.post(
        "/en/insights/triage/undo", data={"csrf_token": token, "item": f"session:{session.id}"}
    )
    assert TriageDismissal.query.count() == 1


def test_no_action_skips_evidence_and_says_so(db, client, login_as, owner, release, make_member):
    used = respond(db, release, make_member(), 3, "Factuur te laat")
    free = respond(db, release, make_member(), 4, "Te traag")
    insight = insights.create_insight("", "Late invoices", "", [], owner)
    db.session.flush()
    insights.add_evidence(insight, "response", used.id, owner)
    db.session.commit()
    login_as(owner)
    token = csrf_token_from(client.get("/en/insights/triage"))
    answer = client.post(
        "/en/insights/triage/bulk",
        data={
            "csrf_token": token,
            "action": "dismiss",
            "item": [f"response:{used.id}", f"response:{free.id}"],
        },
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert "1 contribution marked “No action”." in page
    assert "1 contribution is evidence of an insight already" in page
    dismissed = {row.source_id for row in TriageDismissal.query}
    assert dismissed == {free.id}
