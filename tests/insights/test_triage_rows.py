"""How triage's rows read: a reaction to a withdrawn idea says so, session notes (no language of
their own) stay under either language filter, and a row's facts have no dangling separator."""
# ruff: noqa: F811  (the fixtures are test_triage's, imported)

import re
from datetime import timedelta

from panel.database import utcnow
from panel.rounds import reactions
from panel.rounds import services as rounds
from panel.rounds.models import Session

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
        notes="Iedereen wil een donkere modus",
    )
    db.session.add(session)
    db.session.commit()
    return session


def test_a_reaction_to_a_withdrawn_idea_says_so(db, client, login_as, round_, make_member):
    author, other = make_member(locale="en"), make_member(locale="nl")
    idea = rounds.post_idea(round_, author, "Dark mode", "Easier on the eyes")
    db.session.commit()
    rounds.add_comment(idea, other, "Ja, graag!")
    db.session.commit()
    reactions.withdraw_idea(idea, author)
    db.session.commit()
    login_as(round_.owner)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    assert "Ja, graag!" in page
    assert "Reaction to an idea that has been withdrawn" in page
    assert "Reaction to the idea “”" not in page


def test_session_notes_stay_under_either_language(db, client, login_as, round_):
    session = notes_of(db, round_)
    login_as(round_.owner)
    for language in ("nl", "en"):
        page = client.get(f"/en/insights/triage?language={language}").get_data(as_text=True)
        assert f'id="item-session-{session.id}"' in page, language


def test_a_rows_facts_have_no_dangling_separator(
    db, client, login_as, owner, release, round_, make_member
):
    notes_of(db, round_)
    respond(db, release, make_member(), 3, "Traag")
    login_as(round_.owner)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    facts = re.findall(r'<p class="muted">(.*?)</p>', page, re.S)
    assert any(
        f'<a href="/en/results/releases/{release.id}">App version 12.4</a>' in f for f in facts
    )
    for text in facts:
        text = " ".join(text.split())
        assert not text.endswith("·") and not text.startswith("·"), text
