"""'Download my data' is readable by a person (issue 14): labelled sections in the member's
language, names of rounds, sessions and ideas next to their numbers, the whole status history and
consent history, and a file name in the member's language."""

import json
from datetime import timedelta

import pytest
from babel.dates import format_date

from panel.database import amsterdam_today, utcnow
from panel.feedback.models import ChangeRating, ReleaseChange, Response
from panel.membership.models import MemberStatus
from panel.membership.privacy import accept_statement, current_statement, publish_statement
from panel.membership.services import change_status
from panel.rounds.models import Comment, Idea, IdeaSupport, Invitation, Registration
from panel.security import Role

from .conftest import PASSWORD
from .test_dashboard import add_release, add_round, add_session

WORDS = {
    "en": {
        "file": "my-panel-data-",
        "about": "About this file",
        "account": "Your account",
        "email": "E-mail address",
        "membership": "Your membership",
        "number": "Member number",
        "status": "Status",
        "history": "Status history",
        "to": "New status",
        "statuses": ["Paused", "Active"],
        "consents": "Consents",
        "ended": "Status",
        "in_force": "In force",
        "replaced": "replaced by version 2",
        "rounds": "Co-creation rounds",
        "sessions": "Sessions",
        "session": "Session",
        "session_number": "Session number",
        "round": "Round",
        "round_number": "Round number",
        "ideas": "Your ideas",
        "idea": "Idea",
        "reactions": "Your reactions",
        "on_idea": "On idea",
        "feedback": "Feedback",
        "versions": "App versions",
        "round_title": "Better app",
        "session_title": "Evening session",
    },
    "nl": {
        "file": "mijn-gegevens-klantenteam-",
        "about": "Over dit bestand",
        "account": "Je account",
        "email": "E-mailadres",
        "membership": "Je lidmaatschap",
        "number": "Lidnummer",
        "status": "Status",
        "history": "Statusgeschiedenis",
        "to": "Nieuwe status",
        "statuses": ["Gepauzeerd", "Actief"],
        "consents": "Toestemmingen",
        "ended": "Status",
        "in_force": "Geldig",
        "replaced": "vervangen door versie 2",
        "rounds": "Co-creatierondes",
        "sessions": "Sessies",
        "session": "Sessie",
        "session_number": "Sessienummer",
        "round": "Ronde",
        "round_number": "Rondenummer",
        "ideas": "Je ideeën",
        "idea": "Idee",
        "reactions": "Je reacties",
        "on_idea": "Bij idee",
        "feedback": "Feedback",
        "versions": "App-versies",
        "round_title": "Betere app",
        "session_title": "Avondsessie",
    },
}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_export_reads_as_a_document_in_the_members_language(
    client, db, make_member, make_user, login_as, lang
):
    words = WORDS[lang]
    member = make_member(locale=lang)
    change_status(member, MemberStatus.PAUSED, actor=member.user)
    change_status(member, MemberStatus.ACTIVE, actor=member.user)
    publish_statement("Nieuw", "New", "Kort", "Short", actor=make_user(roles=[Role.ADMIN]))
    db.session.commit()
    accept_statement(member, current_statement(), lang)
    round_ = add_round(db, "Better app", "Betere app")
    session = add_session(db, round_, "Evening session", "Avondsessie")
    db.session.add(Registration(session_id=session.id, member_id=member.id, status="confirmed"))
    db.session.add(Invitation(round_id=round_.id, member_id=member.id, status="accepted"))
    idea = Idea(round_id=round_.id, author_id=member.id, title="Dark mode", body="At night")
    db.session.add(idea)
    db.session.flush()
    db.session.add(Comment(idea_id=idea.id, author_id=member.id, body="Me too"))
    db.session.add(IdeaSupport(idea_id=idea.id, member_id=member.id))
    release = add_release(db)
    change = ReleaseChange(
        release_id=release.id,
        position=1,
        title_nl="Snellere start",
        title_en="Faster start",
        description_nl="Snel",
        description_en="Fast",
    )
    db.session.add(change)
    db.session.flush()
    response = Response(
        release_id=release.id, member_id=member.id, score=9, improve_text="More colour"
    )
    db.session.add(response)
    db.session.flush()
    db.session.add(ChangeRating(response_id=response.id, change_id=change.id, rating=4))
    db.session.commit()
    login_as(member.user, password=PASSWORD)

    response = client.get(f"/{lang}/me/export")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    today = amsterdam_today().isoformat()  # the member's calendar, also just after 23:00 UTC
    assert f'filename="{words["file"]}' in disposition and today in disposition
    data = json.loads(response.get_data(as_text=True))

    assert list(data)[:3] == [words["about"], words["account"], words["membership"]]
    assert data[words["account"]][words["email"]] == member.user.email
    assert data[words["membership"]][words["number"]] == member.number
    assert data[words["membership"]][words["status"]] == words["statuses"][-1]
    # The whole status history, in words.
    assert [change[words["to"]] for change in data[words["history"]]] == words["statuses"]
    # The consent history: the first consent was replaced by the one under version 2.
    ends = [consent[words["ended"]] for consent in data[words["consents"]]]
    assert words["replaced"] in ends[0] and ends[-1] == words["in_force"]
    # Downloaded today, Amsterdam's day, the month written in the member's language.
    month = format_date(amsterdam_today(), "MMMM", locale=lang)
    assert month in data[words["about"]]

    rounds = data[words["rounds"]]
    (registration,) = rounds[words["sessions"]]
    assert registration[words["session"]] == words["session_title"]
    assert registration[words["session_number"]] == session.id
    assert registration[words["round"]] == words["round_title"]
    assert registration[words["round_number"]] == round_.id
    (own_idea,) = rounds[words["ideas"]]
    assert (
        own_idea[words["idea"]] == "Dark mode" and own_idea[words["round"]] == words["round_title"]
    )
    assert rounds[words["reactions"]][0][words["on_idea"]] == "Dark mode"
    (answer,) = data[words["feedback"]][words["versions"]]
    assert "12.7" in answer.values() and 9 in answer.values()
    (rating,) = next(value for value in answer.values() if isinstance(value, list))
    assert {"en": "Faster start", "nl": "Snellere start"}[lang] in rating.values()
    # Nothing of the code's own vocabulary is left for the reader.
    text = response.get_data(as_text=True)
    for code in ('"confirmed"', '"accepted"', '"participation"', '"active"', "T00:", "+00:00"):
        assert code not in text, code


def test_the_export_follows_the_saved_language_not_the_page(client, db, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user, password=PASSWORD)
    response = client.get("/en/me/export")
    assert "mijn-gegevens-klantenteam-" in response.headers["Content-Disposition"]
    assert "Je account" in json.loads(response.get_data(as_text=True))


def test_the_export_names_nobody_else(client, db, make_member, login_as):
    member = make_member()
    other = make_member(name="Otto Other", email="otto@example.org")
    round_ = add_round(db, "Shared round", "Gedeelde ronde")
    session = add_session(db, round_, taken=2)
    for someone in (member, other):
        db.session.add(
            Registration(session_id=session.id, member_id=someone.id, status="confirmed")
        )
    db.session.add(Idea(round_id=round_.id, author_id=other.id, title="Otto's idea", body="…"))
    db.session.commit()
    login_as(member.user, password=PASSWORD)
    text = client.get("/en/me/export").get_data(as_text=True)
    assert "Shared round" in text
    assert "Otto" not in text and "otto@example.org" not in text and str(other.number) not in text


def test_an_ended_round_and_a_past_session_still_show_by_name(client, db, make_member, login_as):
    member = make_member()
    round_ = add_round(db, "Old round", "Oude ronde", stage="closed")
    session = add_session(db, round_, "Old session", "Oude sessie")
    session.starts_at = utcnow() - timedelta(days=40)
    db.session.add(
        Registration(
            session_id=session.id, member_id=member.id, status="confirmed", attendance="attended"
        )
    )
    db.session.commit()
    login_as(member.user, password=PASSWORD)
    data = client.get("/en/me/export").get_json()
    (registration,) = data["Co-creation rounds"]["Sessions"]
    assert registration["Session"] == "Old session" and registration["Attendance"] == "Attended"
