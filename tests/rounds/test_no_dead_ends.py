"""No dead ends: own ideas, members who can't take part, cancelling, waiting lists, overlaps."""

from datetime import date, timedelta

import pytest

from panel.errors import NotAllowed
from panel.rounds import services
from panel.rounds.models import Comment, Idea, IdeaSupport, Registration


def number(member):
    """The number in a member's pseudonym ("Panelist #12"), the same in every language."""
    return member.pseudonym.rsplit("#", 1)[1]


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


def test_you_cannot_support_your_own_idea(db, round_, make_member):
    author = make_member()
    idea = services.post_idea(round_, author, "Dark mode", "Please")
    with pytest.raises(NotAllowed) as refused:
        services.support_idea(idea, author)
    assert refused.value.code == "own_idea"
    assert IdeaSupport.query.count() == 0 and idea.support_count == 0


@pytest.mark.parametrize(
    "lang, message, you",
    [
        ("en", "You can&#39;t support your own idea. Others can.", "(you)"),
        ("nl", "Je eigen idee kun je niet steunen. Anderen wel.", "(jij)"),
    ],
)
def test_own_idea_has_no_support_button_and_says_you(
    client, db, round_, make_member, login_as, lang, message, you
):
    author, other = make_member(locale=lang), make_member()
    mine = services.post_idea(round_, author, "Dark mode", "Please")
    theirs = services.post_idea(round_, other, "Bigger font", "Yes")
    db.session.add(Comment(idea_id=theirs.id, author_id=author.id, body="Good one"))
    db.session.commit()
    login_as(author.user)

    page = client.get(f"/{lang}/rounds/{round_.id}").get_data(as_text=True)
    assert f"ideas/{mine.id}/support" not in page
    assert f"ideas/{theirs.id}/support" in page
    assert page.count("Your own idea" if lang == "en" else "Jouw idee") == 1

    own = client.get(f"/{lang}/rounds/{round_.id}/ideas/{mine.id}").get_data(as_text=True)
    assert f"#{number(author)} {you}" in own
    assert f"ideas/{mine.id}/support" not in own
    others = client.get(f"/{lang}/rounds/{round_.id}/ideas/{theirs.id}").get_data(as_text=True)
    assert f"#{number(other)} {you}" not in others
    assert f"#{number(author)} {you}" in others  # my reaction under their idea

    # Posted anyway: a translated refusal, nothing stored.
    response = client.post(
        f"/{lang}/rounds/{round_.id}/ideas/{mine.id}/support", follow_redirects=True
    )
    assert message in response.get_data(as_text=True)
    assert IdeaSupport.query.count() == 0


@pytest.mark.parametrize(
    "status, lang, expected",
    [
        ("paused", "en", "re taking a break until"),
        ("paused", "nl", "Je pauzeert tot"),
        ("reserve", "en", "re on the reserve list"),
        ("pending", "nl", "Je lidmaatschap wacht nog op goedkeuring"),
    ],
)
def test_a_member_who_is_not_active_is_told_why_and_how_to_go_on(
    client, db, round_, make_session, make_member, login_as, status, lang, expected
):
    session = make_session(round_)
    member = make_member(status=status)
    if status == "paused":
        member.paused_until = date.today() + timedelta(days=20)
        db.session.commit()
    login_as(member.user)
    page = client.get(f"/{lang}/rounds/{round_.id}").get_data(as_text=True)
    notice = page.split('class="panel not-active"', 1)[1].split("</p>", 1)[0]
    assert expected in notice
    assert f'href="/{lang}/me"' in notice
    assert f"sessions/{session.id}/register" not in page


def test_an_active_member_sees_no_such_notice(client, round_, make_session, make_member, login_as):
    make_session(round_)
    login_as(make_member().user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "not-active" not in page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_cancelling_asks_first_without_javascript(
    client, db, round_, make_session, make_member, login_as, lang
):
    session = make_session(round_, capacity=1)
    member = make_member()
    services.register(session, member)
    db.session.commit()
    login_as(member.user)
    cancel_url = f"/{lang}/rounds/{round_.id}/sessions/{session.id}/cancel"
    assert f'href="{cancel_url}"' in client.get(f"/{lang}/rounds/{round_.id}").get_data(
        as_text=True
    )
    page = client.get(cancel_url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert ("Cancel your registration?" if lang == "en" else "Je aanmelding annuleren?") in text
    assert "Session" in text or "Sessie" in text
    assert f'method="post" action="{cancel_url}"' in text
    # Looking is not cancelling.
    assert Registration.query.one().status == "confirmed"
    client.post(cancel_url)
    assert Registration.query.one().status == "cancelled"
    # Nothing left to cancel: back to the round.
    assert client.get(cancel_url).status_code == 302


def test_the_waiting_list_shows_your_position(
    client, db, round_, make_session, make_member, login_as
):
    session = make_session(round_, capacity=1)
    members = [make_member() for _ in range(4)]
    for member in members:
        services.register(session, member)
    db.session.commit()
    login_as(members[2].user)
    page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
    assert "re number 2 on the waiting list." in page
    client.post("/en/logout")
    login_as(members[3].user)
    page = client.get(f"/nl/rounds/{round_.id}").get_data(as_text=True)
    assert "Je bent nummer 3 op de wachtlijst." in page
    services.cancel_registration(Registration.query.filter_by(member_id=members[0].id).one())
    db.session.commit()
    page = client.get(f"/nl/rounds/{round_.id}").get_data(as_text=True)
    assert "Je bent nummer 2 op de wachtlijst." in page


def test_registering_for_an_overlapping_session_warns(
    client, db, round_, make_session, make_member, login_as
):
    first = make_session(round_, title_en="Morning", title_nl="Ochtend")
    overlapping = make_session(
        round_,
        starts_in=timedelta(days=7, hours=1),
        title_en="Late morning",
        title_nl="Late ochtend",
    )
    later = make_session(round_, starts_in=timedelta(days=9), title_en="Later", title_nl="Later")
    member = make_member()
    login_as(member.user)
    base = f"/en/rounds/{round_.id}/sessions"
    response = client.post(f"{base}/{first.id}/register", follow_redirects=True)
    assert "Note: this overlaps" not in response.get_data(as_text=True)
    response = client.post(f"{base}/{overlapping.id}/register", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "Note: this overlaps with “Morning”" in text
    assert Registration.query.filter_by(status="confirmed").count() == 2  # a warning, no refusal
    response = client.post(f"{base}/{later.id}/register", follow_redirects=True)
    assert "Note: this overlaps" not in response.get_data(as_text=True)
    response = client.post(
        f"/nl/rounds/{round_.id}/sessions/{overlapping.id}/register", follow_redirects=True
    )
    assert "Let op: dit valt samen met ‘Ochtend’" in response.get_data(as_text=True)


def test_idea_model_unchanged(db, round_, make_member):
    """Withdrawing support on someone else's idea still works after the own-idea rule."""
    author, fan = make_member(), make_member()
    idea = services.post_idea(round_, author, "A", "B")
    assert services.support_idea(idea, fan) is True
    assert services.withdraw_support(idea, fan) is True
    assert Idea.query.one().support_count == 0


def test_waiting_list_places_and_own_ideas_cost_the_same_for_many_rows(
    client, db, round_, make_session, make_member, login_as, count_queries
):
    """The round page asks one query for all waiting-list places, however many there are."""
    member, ahead = make_member(), make_member()
    login_as(member.user)

    def add(n):
        for _ in range(n):
            session = make_session(round_, capacity=0)
            services.register(session, ahead)
            services.register(session, member)
            services.post_idea(round_, member, "Mine", "x")
        db.session.commit()

    counts = []
    for n in (1, 5):
        add(n)
        with count_queries() as queries:
            page = client.get(f"/en/rounds/{round_.id}").get_data(as_text=True)
        counts.append(queries.count)
    assert page.count("re number 2 on the waiting list.") == 6
    assert page.count("Your own idea") == 6
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    "lang, expected",
    [
        ("en", "This overlaps with “Morning”"),
        ("nl", "Dit valt samen met ‘Ochtend’"),
    ],
)
def test_a_session_card_warns_before_you_register_for_an_overlap(
    client, db, make_round, round_, make_session, make_member, login_as, lang, expected
):
    other_round = make_round(stage="idea")
    morning = make_session(other_round, title_en="Morning", title_nl="Ochtend")
    overlapping = make_session(round_, starts_in=timedelta(days=7, hours=1))
    make_session(round_, starts_in=timedelta(days=9))
    member = make_member()
    services.register(morning, member)
    db.session.commit()
    login_as(member.user)
    page = client.get(f"/{lang}/rounds/{round_.id}").get_data(as_text=True)
    assert page.count(expected) == 1
    card = page.split(f'id="session-{overlapping.id}"', 1)[1].split("</li>", 1)[0]
    assert expected in card
