"""The dashboard says what to do next, most urgent first (issue 14): open rounds with free seats,
open feedback, invitations to answer, the rounds you take part in, sessions coming up."""

import html
from datetime import timedelta

import pytest

from panel.database import utcnow
from panel.feedback.models import Release
from panel.membership.views import AttentionItem, Urgency, dashboard_attention
from panel.rounds.models import (
    DEFAULT_ACTIONS,
    Invitation,
    Registration,
    Round,
    RoundAction,
    Session,
)

TEXTS = {
    "en": {
        "invited": "You're invited to take part in: Invited round",
        "feedback": "What do you think of app version 12.7?",
        "seats": "There's 1 session with free seats in Open round.",
        "taking_part": "You're taking part in Accepted round.",
        "coming_up": "You're registered for Upcoming session",
    },
    "nl": {
        "invited": "Je bent uitgenodigd",
        "feedback": "versie 12.7",
        "seats": "Bij ‘Open ronde’ is nog plek in 1 sessie.",
        "taking_part": "Je doet mee aan Geaccepteerde ronde.",
        "coming_up": "Aankomende sessie",
    },
}


def add_round(db, title_en, title_nl, visibility="all", stage="idea"):
    round_ = Round(
        title_en=title_en,
        title_nl=title_nl,
        summary_en="Together",
        summary_nl="Samen",
        question_en="What?",
        question_nl="Wat?",
        visibility=visibility,
        stage=stage,
        published_at=utcnow(),
        action_rows=[
            RoundAction(stage=s.value, action=a.value)
            for s, actions in DEFAULT_ACTIONS.items()
            for a in actions
        ],
    )
    db.session.add(round_)
    db.session.flush()
    return round_


def add_session(db, round_, title_en="Session", title_nl="Sessie", capacity=10, taken=0):
    starts = utcnow() + timedelta(days=7)
    session = Session(
        round_id=round_.id,
        title_en=title_en,
        title_nl=title_nl,
        kind="online",
        capacity=capacity,
        seats_taken=taken,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        registration_deadline=starts - timedelta(hours=1),
        meeting_link="https://meet.example.com/room",
    )
    db.session.add(session)
    db.session.flush()
    return session


def add_release(db, version="12.7"):
    now = utcnow()
    release = Release(
        version=version,
        month=now.date().replace(day=1),
        opens_at=now - timedelta(hours=1),
        closes_at=now + timedelta(days=7),
        published_at=now,
        audience="all",
    )
    db.session.add(release)
    db.session.flush()
    return release


@pytest.fixture
def busy(db, make_member):
    """busy(lang) → an active member with something of every kind waiting on the dashboard."""

    def make(lang="en"):
        member = make_member(locale=lang)
        # Made in the reverse order of urgency, so the order on the page is the ranking's doing.
        upcoming = add_round(db, "Upcoming round", "Aankomende ronde")
        session = add_session(db, upcoming, "Upcoming session", "Aankomende sessie", taken=1)
        db.session.add(Registration(session_id=session.id, member_id=member.id, status="confirmed"))
        db.session.add(Invitation(round_id=upcoming.id, member_id=member.id, status="accepted"))
        accepted = add_round(db, "Accepted round", "Geaccepteerde ronde", visibility="invited")
        db.session.add(Invitation(round_id=accepted.id, member_id=member.id, status="accepted"))
        invited = add_round(db, "Invited round", "Uitgenodigde ronde")
        db.session.add(Invitation(round_id=invited.id, member_id=member.id, status="invited"))
        add_release(db)
        add_session(db, add_round(db, "Open round", "Open ronde"))
        db.session.commit()
        return member

    return make


def dashboard(client, lang="en"):
    return html.unescape(client.get(f"/{lang}/me").get_data(as_text=True))


def positions(page, texts):
    found = {key: page.find(text) for key, text in texts.items()}
    assert all(at >= 0 for at in found.values()), found
    return [key for key, _ in sorted(found.items(), key=lambda pair: pair[1])]


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_dashboard_says_what_to_do_next_most_urgent_first(client, busy, login_as, lang):
    member = busy(lang)
    login_as(member.user)
    page = dashboard(client, lang)
    assert positions(page, TEXTS[lang]) == [
        "seats",
        "feedback",
        "invited",
        "taking_part",
        "coming_up",
    ]


def test_each_item_has_an_explicit_urgency(app, busy, client):
    member = busy()
    with app.test_request_context("/en/me"):
        items = dashboard_attention(member)
    assert [item.rank for item in items] == sorted(item.rank for item in items)
    assert {item.rank for item in items} == set(Urgency)
    with pytest.raises(TypeError):
        AttentionItem("text", "/", "label")  # no item without its urgency


def test_an_accepted_invitation_stays_until_its_round_ends(client, db, make_member, login_as):
    member = make_member()
    round_ = add_round(db, "Accepted round", "Geaccepteerde ronde", visibility="invited")
    db.session.add(Invitation(round_id=round_.id, member_id=member.id, status="accepted"))
    db.session.commit()
    login_as(member.user)
    assert "You're taking part in Accepted round." in dashboard(client)
    round_.stage = "launch"
    db.session.commit()
    assert "You're taking part in Accepted round." in dashboard(client)
    round_.stage = "closed"
    db.session.commit()
    assert "Accepted round" not in dashboard(client)


def test_free_seats_only_where_the_member_can_take_one(client, db, make_member, login_as):
    member = make_member()
    full = add_round(db, "Full round", "Volle ronde")
    add_session(db, full, capacity=3, taken=3)
    registered = add_round(db, "Registered round", "Aangemelde ronde")
    db.session.add(
        Registration(
            session_id=add_session(db, registered).id, member_id=member.id, status="confirmed"
        )
    )
    add_session(db, registered, "Second session", "Tweede sessie")
    private = add_round(db, "Private round", "Besloten ronde", visibility="invited")
    add_session(db, private)
    launched = add_round(db, "Launched round", "Gelanceerde ronde", stage="launch")
    add_session(db, launched)
    declined = add_round(db, "Declined round", "Afgeslagen ronde")
    add_session(db, declined)
    db.session.add(Invitation(round_id=declined.id, member_id=member.id, status="declined"))
    two = add_round(db, "Two sessions round", "Ronde met twee sessies")
    add_session(db, two)
    add_session(db, two, "Other session", "Andere sessie")
    db.session.commit()
    login_as(member.user)
    page = dashboard(client)
    assert "There are 2 sessions with free seats in Two sessions round." in page
    assert f"/en/rounds/{two.id}#sessions-heading" in page
    for title in ("Full", "Registered", "Private", "Launched", "Declined"):
        assert f"{title} round" not in page, title
    member.status = "paused"
    db.session.commit()
    assert "free seats" not in client.get("/en/me").get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, waiting",
    [
        ("en", "Once you've confirmed your e-mail address"),
        ("nl", "Zodra je je e-mailadres hebt bevestigd"),
    ],
)
def test_an_unconfirmed_applicant_sees_what_applies_to_them(
    client, db, make_member, login_as, lang, waiting
):
    applicant = make_member(status="applicant", locale=lang)
    add_session(db, add_round(db, "Open round", "Open ronde"))
    add_release(db)
    db.session.commit()
    login_as(applicant.user)
    page = dashboard(client, lang)
    # Nothing they can't do yet (feedback and seats need a confirmed membership) …
    assert "12.7" not in page and "Open r" not in page
    # … what comes once they've confirmed, and the way to a new confirmation link.
    assert waiting in page
    assert "/me/confirm/new-link" in page


MORE_SEATS = {
    "en": ("3 more rounds have sessions with free seats.", "Rounds with free seats for you"),
    "nl": ("In nog 3 rondes is plek in een sessie.", "Rondes met plek voor jou"),
}


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_soonest_free_seats_are_named_and_the_rest_are_one_link(
    client, db, make_member, login_as, lang
):
    """A member who could join many rounds sees the five with the soonest free seats and one
    item that leads to the rounds list showing exactly the rounds with seats for them."""
    member = make_member(locale=lang)
    open_rounds = [add_round(db, f"Round {n}", f"Ronde {n}") for n in range(1, 9)]
    for days, round_ in zip([8, 1, 7, 2, 6, 3, 5, 4], open_rounds, strict=True):
        session = add_session(db, round_)
        session.starts_at = utcnow() + timedelta(days=days)
        session.registration_deadline = session.starts_at - timedelta(hours=1)
    full = add_round(db, "Full round", "Volle ronde")
    add_session(db, full, capacity=2, taken=2)
    db.session.commit()
    login_as(member.user)

    page = dashboard(client, lang)
    soonest = [r for r in open_rounds if r.sessions[0].starts_at <= utcnow() + timedelta(days=5)]
    for round_ in open_rounds:
        shown = f"/{lang}/rounds/{round_.id}#sessions-heading" in page
        assert shown == (round_ in soonest), round_.title_en
    more, heading = MORE_SEATS[lang]
    assert more in page
    assert f"/{lang}/rounds?seats=free" in page

    listed = html.unescape(client.get(f"/{lang}/rounds?seats=free").get_data(as_text=True))
    assert heading in listed
    for round_ in open_rounds:
        assert f'/{lang}/rounds/{round_.id}"' in listed, round_.title_en
    assert f'/{lang}/rounds/{full.id}"' not in listed
    everything = client.get(f"/{lang}/rounds").get_data(as_text=True)
    assert f'/{lang}/rounds/{full.id}"' in everything


def test_five_rounds_with_seats_need_no_extra_item(client, db, make_member, login_as):
    member = make_member()
    for n in range(1, 6):
        add_session(db, add_round(db, f"Round {n}", f"Ronde {n}"))
    db.session.commit()
    login_as(member.user)
    page = dashboard(client)
    assert page.count("#sessions-heading") == 5
    assert "more round" not in page and "seats=free" not in page
