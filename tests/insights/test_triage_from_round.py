"""The owner's round pages lead to what panelists said in that round, in triage."""

import re

import pytest

from panel.insights.models import seed_default_streams
from panel.rounds import services as rounds
from panel.security import Role

from .test_triage import ROUND_FIELDS


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def round_(db, owner):
    seed_default_streams()
    round_ = rounds.create_round(owner, dict(ROUND_FIELDS), [])
    round_.stage = "idea"
    rounds.publish_round(round_, owner)
    db.session.commit()
    return round_


@pytest.mark.parametrize("lang, label", [("en", "Triage"), ("nl", "Triage")])
def test_the_round_overview_links_to_its_contributions_in_triage(
    client,
    db,
    login_as,
    owner,
    round_,
    make_member,
    lang,
    label,
):
    rounds.post_idea(round_, make_member(), "Facturen", "Ik wil mijn facturen zien")
    db.session.commit()
    login_as(owner)
    page = client.get(f"/{lang}/owner/rounds/{round_.id}").get_data(as_text=True)
    link = re.search(
        r'<a href="([^"]*/insights/triage\?source=round(?:%3A|:)\d+)">([^<]*)</a>', page
    )
    assert link, "no link into triage"
    assert link.group(2) == label
    listed = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Ik wil mijn facturen zien" in listed
    assert f'value="round:{round_.id}" selected' in listed
