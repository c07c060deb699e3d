"""The home page's launched outcomes link "Read more about this round" only for a viewer who
may open that round's page: never a 404 from the home page (issue 16 review, item 10)."""

import pytest

from panel.rounds import services
from panel.rounds.models import Invitation, InvitationStatus
from panel.security import Role

READ_MORE = "Read more about this round"


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def launched(db, owner):
    """Two rounds with a public outcome: one for every panelist, one by invitation only."""

    def make(visibility):
        round_ = services.create_round(
            owner,
            {
                "title_nl": f"Ronde {visibility}",
                "title_en": f"Round {visibility}",
                "summary_nl": "Samen",
                "summary_en": "Together",
                "question_nl": "Wat?",
                "question_en": "What?",
                "visibility": visibility,
            },
            [],
        )
        round_.stage = "launch"
        services.publish_round(round_, owner)
        round_.outcome_nl, round_.outcome_en = "Gedaan", "Done"
        services.set_outcome_public(round_, True, owner)
        return round_

    rounds = {"all": make("all"), "invited": make("invited")}
    db.session.commit()
    return rounds


def links(client, rounds):
    page = client.get("/en/").get_data(as_text=True)
    assert "Round all" in page and "Round invited" in page  # the outcomes are public
    return {name for name, round_ in rounds.items() if f'href="/en/rounds/{round_.id}"' in page}


def opens(client, rounds, names):
    return all(client.get(f"/en/rounds/{rounds[name].id}").status_code == 200 for name in names)


def test_a_visitor_reads_the_outcomes_without_links(client, launched):
    assert links(client, launched) == set()


def test_a_reviewer_who_is_not_a_member_gets_no_link_to_a_panelists_page(
    client, launched, make_user, login_as
):
    login_as(make_user(roles=[Role.REVIEWER]))
    assert links(client, launched) == set()
    assert READ_MORE not in client.get("/en/").get_data(as_text=True)


def test_a_member_gets_the_open_round_and_the_one_they_were_invited_to(
    client, db, launched, make_member, login_as
):
    member = make_member()
    login_as(member.user)
    assert links(client, launched) == {"all"} and opens(client, launched, {"all"})
    assert client.get(f"/en/rounds/{launched['invited'].id}").status_code == 404
    db.session.add(
        Invitation(
            round_id=launched["invited"].id,
            member_id=member.id,
            status=InvitationStatus.DECLINED.value,
        )
    )
    db.session.commit()
    assert links(client, launched) == {"all", "invited"}
    assert opens(client, launched, {"all", "invited"})


@pytest.mark.parametrize("who", ["owner", Role.PANEL_MANAGER, Role.ADMIN])
def test_the_rounds_owner_and_whoever_sees_every_round_get_every_link(
    client, launched, owner, make_user, login_as, who
):
    """The owner runs the round; panel managers run any; administrators see every round (the
    moderation queue's links)."""
    login_as(owner if who == "owner" else make_user(roles=[who]))
    assert links(client, launched) == {"all", "invited"}
    assert opens(client, launched, {"all", "invited"})


def test_another_owner_gets_only_the_rounds_a_member_could_open(
    client, launched, make_user, login_as
):
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    assert links(client, launched) == set()
