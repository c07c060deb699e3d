"""Staff-written text panelists read is an nl/en pair; a missing half shows the other language,
marked (HOUSE_STYLE.md point 7): official idea answers, venue names and insight titles."""

from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.insights import services as insights
from panel.insights.models import Insight, seed_default_streams
from panel.rounds import services as rounds
from panel.rounds.models import Session
from panel.security import Role

IN_DUTCH = '<span lang="nl">{}</span> <small class="fallback">(in Dutch)</small>'
IN_ENGLISH = '<span lang="en">{}</span> <small class="fallback">(in het Engels)</small>'


@pytest.fixture
def answered(db, make_round, make_member, owner, client, login_as):
    """An idea by an English-speaking member, answered by its owner in Dutch only."""
    round_ = make_round()
    author = make_member(locale="en", email="chris@example.org")
    idea = rounds.post_idea(round_, author, "Dark mode", "Please")
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{idea.id}",
        data={
            "status": "considering",
            "answer_nl": "Goed idee, we kijken ernaar.",
            "answer_en": "",
        },
    )
    assert response.status_code == 302
    client.post("/en/logout")
    return round_, idea, author


def test_an_answer_in_dutch_only_reaches_an_english_reader_marked(db, client, login_as, answered):
    round_, idea, author = answered
    db.session.refresh(idea)
    assert idea.answer_nl == "Goed idee, we kijken ernaar." and idea.answer_en is None
    login_as(author.user)
    for path in (f"/en/rounds/{round_.id}/ideas/{idea.id}", "/en/me/contributions"):
        page = client.get(path).get_data(as_text=True)
        assert IN_DUTCH.format("Goed idee, we kijken ernaar.") in page, path


def test_a_dutch_reader_gets_the_dutch_answer_unmarked(db, client, login_as, answered, make_member):
    round_, idea, _ = answered
    login_as(make_member(locale="nl", email="lotte@example.org").user)
    page = client.get(f"/nl/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert "Goed idee, we kijken ernaar." in page
    assert 'class="fallback"' not in page


def test_an_answer_needs_one_language_and_the_form_keeps_the_status(
    db, client, login_as, make_round, make_member, owner
):
    round_ = make_round()
    idea = rounds.post_idea(round_, make_member(), "Dark mode", "Please")
    db.session.commit()
    login_as(owner)
    response = client.post(
        f"/en/owner/rounds/{round_.id}/ideas/{idea.id}",
        data={"status": "selected", "answer_nl": " ", "answer_en": ""},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Write the answer in at least one language." in page
    assert "shown marked" in page or "marked with its language" in page
    db.session.refresh(idea)
    assert idea.answered_at is None and idea.status == "new"


def test_an_english_only_answer_reaches_a_dutch_reader_marked(
    db, client, login_as, make_round, make_member, owner
):
    round_ = make_round()
    author = make_member(locale="nl")
    idea = rounds.post_idea(round_, author, "Donkere modus", "Graag")
    rounds.answer_idea(idea, "selected", "", "We're building it.", owner)
    db.session.commit()
    login_as(author.user)
    page = client.get(f"/nl/rounds/{round_.id}/ideas/{idea.id}").get_data(as_text=True)
    assert IN_ENGLISH.format("We&#39;re building it.") in page


def test_a_venue_in_dutch_only_is_marked_on_the_round_page(
    db, client, login_as, make_round, make_session, make_member
):
    round_ = make_round()
    make_session(round_, kind="physical", venue_nl="Winkel Hoog Catharijne", venue_en=None)
    login_as(make_member(locale="en").user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert IN_DUTCH.format("Winkel Hoog Catharijne") in page


def test_the_session_form_takes_the_venue_in_either_language(
    db, client, login_as, make_round, owner
):
    round_ = make_round()
    login_as(owner)
    starts = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%dT19:00")
    data = {
        "title_nl": "Sessie",
        "title_en": "Session",
        "kind": "physical",
        "venue_nl": "",
        "venue_en": "",
        "address": "Weena 505",
        "city": "Rotterdam",
        "starts_at": starts,
        "ends_at": starts.replace("T19:00", "T21:00"),
        "registration_deadline": starts.replace("T19:00", "T12:00"),
        "capacity": "10",
    }
    url = f"/en/owner/rounds/{round_.id}/sessions/new"
    page = client.post(url, data=data).get_data(as_text=True)
    assert "Give the venue in Dutch or English." in page and "Weena 505" in page
    assert Session.query.count() == 0
    response = client.post(url, data=dict(data, venue_en="Experience Centre"))
    assert response.status_code == 302
    session = Session.query.one()
    assert (session.venue_nl, session.venue_en) == (None, "Experience Centre")


def test_an_insight_title_in_dutch_only_is_marked_in_my_contributions(
    db, client, login_as, answered, make_user
):
    round_, idea, author = answered
    seed_default_streams()
    staff = make_user(roles=[Role.PRODUCT_OWNER], email="po@example.org")
    insight = insights.create_insight(
        "Donkere modus gevraagd", "", "", [], staff, evidence=[("idea", idea.id)]
    )
    db.session.commit()
    assert str(insight.title) == "Donkere modus gevraagd"
    login_as(author.user)
    page = client.get("/en/me/contributions").get_data(as_text=True)
    assert IN_DUTCH.format("Donkere modus gevraagd") in page


def test_the_new_insight_form_needs_a_title_in_one_language(db, client, login_as, make_user):
    seed_default_streams()
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    page = client.post(
        "/en/insights/new", data={"title_nl": "", "title_en": "", "description": "Kept text"}
    ).get_data(as_text=True)
    assert "Give the insight a title in at least one language." in page and "Kept text" in page
    response = client.post("/en/insights/new", data={"title_nl": "Traag", "title_en": "Slow"})
    assert response.status_code == 302
    assert (Insight.query.one().title_nl, Insight.query.one().title_en) == ("Traag", "Slow")


def test_staff_fill_in_the_missing_title_later(db, client, login_as, answered, make_user):
    round_, idea, author = answered
    seed_default_streams()
    staff = make_user(roles=[Role.PRODUCT_OWNER], email="po@example.org")
    insight = insights.create_insight(
        "Donkere modus", "", "", [], staff, evidence=[("idea", idea.id)]
    )
    db.session.commit()
    login_as(staff)
    detail = client.get(f"/en/insights/{insight.id}").get_data(as_text=True)
    assert "No English title yet" in detail
    page = client.post(
        f"/en/insights/{insight.id}/title", data={"title_nl": " ", "title_en": ""}
    ).get_data(as_text=True)
    assert "Give the insight a title in at least one language." in page
    response = client.post(
        f"/en/insights/{insight.id}/title",
        data={"title_nl": "Donkere modus", "title_en": "Dark mode wanted"},
    )
    assert response.status_code == 302
    client.post("/en/logout")
    login_as(author.user)
    page = client.get("/en/me/contributions").get_data(as_text=True)
    assert "Dark mode wanted" in page and "Donkere modus" not in page
