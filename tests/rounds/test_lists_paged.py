"""Long lists are paged (issue 13, issue 15 "Lists that scale"): the rounds list, a round's ideas,
an idea's reactions, the owner's rounds and round view, and "My contributions". Page links work
without JavaScript and keep the sort; a support from the list returns to the same page."""

import re
from datetime import timedelta

import pytest

from panel.accounts.streams import seed_default_streams
from panel.database import utcnow
from panel.rounds.models import Comment
from panel.security import Role
from tests.test_query_budgets import Rows


@pytest.fixture
def rows(db):
    seed_default_streams()
    db.session.commit()
    return Rows(db.session)


def titles(html, prefix):
    return re.findall(rf">({prefix} \d+)<", html)


def next_link(html):
    found = re.search(r'<a href="([^"]+)" rel="next">', html)
    return found and found.group(1).replace("&amp;", "&")


def test_the_rounds_list_is_paged(client, rows, make_member, login_as):
    login_as(make_member().user)
    rows.rounds(25)
    first = client.get("/en/rounds").get_data(as_text=True)
    assert len(titles(first, "Round")) == 20
    assert "Page 1 of 2" in first
    assert next_link(first) == "/en/rounds?page=2"
    second = client.get("/en/rounds?page=2").get_data(as_text=True)
    assert len(titles(second, "Round")) == 5
    assert not set(titles(first, "Round")) & set(titles(second, "Round"))
    # The stage steps are still there, in the page's language.
    dutch = client.get("/nl/rounds").get_data(as_text=True)
    assert 'aria-current="step">Idee</li>' in dutch


def test_a_rounds_ideas_are_paged_and_keep_their_order(client, db, rows, make_member, login_as):
    member = make_member()
    login_as(member.user)
    (round_id,) = rows.rounds(1)
    # Support counts so that "most supported" is the opposite of "newest": the oldest has most.
    ideas = [rows.ideas(round_id, 1, support_count=26 - k)[0] for k in range(1, 26)]
    title = {idea_id: f"Idea {idea_id + 1}" for idea_id in ideas}  # the round took number 1
    newest = client.get(f"/en/rounds/{round_id}").get_data(as_text=True)
    shown = titles(newest, "Idea")
    assert len(shown) == 20 and shown[0] == title[ideas[-1]]
    assert next_link(newest) == f"/en/rounds/{round_id}?page=2#ideas"
    supported = client.get(f"/en/rounds/{round_id}?sort=supported").get_data(as_text=True)
    link = next_link(supported)
    assert "sort=supported" in link and "page=2" in link and link.endswith("#ideas")
    rest = client.get(link.split("#")[0]).get_data(as_text=True)
    assert titles(rest, "Idea") == [title[i] for i in ideas[20:]]
    assert "Page 2 of 2" in rest


def test_support_from_the_list_returns_to_the_same_page(
    client, rows, make_round, login_as, make_member
):
    round_ = make_round(stage="idea")
    member = make_member()
    login_as(member.user)
    ideas = rows.ideas(round_.id, 25)
    page = client.get(f"/en/rounds/{round_.id}?sort=supported&page=2").get_data(as_text=True)
    assert 'name="page" value="2"' in page and 'name="sort" value="supported"' in page
    response = client.post(
        f"/en/rounds/{round_.id}/ideas/{ideas[0]}/support",
        data={"back": "round", "page": "2", "sort": "supported"},
    )
    location = response.headers["Location"]
    assert "page=2" in location and "sort=supported" in location
    assert location.endswith(f"#idea-{ideas[0]}")
    # Anything else than a page number or a known order is left out.
    response = client.post(
        f"/en/rounds/{round_.id}/ideas/{ideas[0]}/unsupport",
        data={"back": "round", "page": "x\u0661", "sort": "<script>"},
    )
    assert response.headers["Location"].endswith(f"/en/rounds/{round_.id}#idea-{ideas[0]}")


# A reaction's text on the idea page (its replies, threaded under it, are marked the same).
REACTION_TEXT = r'<p class="comment-body">(Reaction \d+)</p>'


def test_an_ideas_reactions_are_paged_newest_or_oldest_first(
    client, db, rows, make_round, make_member, login_as
):
    round_ = make_round(stage="idea")
    member = make_member()
    login_as(member.user)
    (idea_id,) = rows.ideas(round_.id, 1)
    authors = rows.members(25)
    db.session.execute(
        Comment.__table__.insert(),
        [
            {
                "idea_id": idea_id,
                "author_id": author,
                "body": f"Reaction {k}",
                "created_at": utcnow(),
            }
            for k, author in enumerate(authors, 1)
        ],
    )
    # One hidden reaction by someone else: not shown, not counted.
    db.session.execute(
        Comment.__table__.insert(),
        [
            {
                "idea_id": idea_id,
                "author_id": authors[0],
                "body": "Reaction 99",
                "hidden_at": utcnow(),
                "created_at": utcnow() - timedelta(days=1),
            }
        ],
    )
    db.session.commit()
    url = f"/en/rounds/{round_.id}/ideas/{idea_id}"
    html = client.get(url).get_data(as_text=True)
    shown = re.findall(REACTION_TEXT, html)
    assert shown[:2] == ["Reaction 25", "Reaction 24"] and len(shown) == 20
    assert "Reaction 99" not in html
    # The reply form comes before the reactions.
    assert html.index('action="' + url + '/comments"') < html.index("Reaction 25")
    assert next_link(html) == url + "?page=2#comments"
    oldest = client.get(url + "?order=oldest").get_data(as_text=True)
    assert re.findall(REACTION_TEXT, oldest)[:2] == ["Reaction 1", "Reaction 2"]
    link = next_link(oldest)
    assert "order=oldest" in link and "page=2" in link
    last = client.get(link.split("#")[0]).get_data(as_text=True)
    assert re.findall(REACTION_TEXT, last) == [f"Reaction {k}" for k in range(21, 26)]


def test_the_owners_lists_are_paged(client, rows, make_user, login_as):
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    login_as(owner)
    rounds = rows.rounds(35, owner=owner)
    html = client.get("/en/owner/rounds").get_data(as_text=True)
    assert len(titles(html, "Round")) == 30 and "Page 1 of 2" in html
    rows.ideas(rounds[0], 25)
    html = client.get(f"/en/owner/rounds/{rounds[0]}").get_data(as_text=True)
    assert len(titles(html, "Idea")) == 20
    assert next_link(html) == f"/en/owner/rounds/{rounds[0]}?page=2#ideas"
    # The count of ideas is all of them, not the page's.
    assert re.search(r'<span class="stat-value">25</span><span class="stat-label">ideas', html)


def test_my_contributions_are_paged_newest_first_over_every_kind(
    client, rows, make_member, login_as
):
    member = make_member()
    login_as(member.user)
    rounds = rows.rounds(8)
    rows.ideas(rounds[0], 8, [member.id] * 8)  # 8 ideas
    others = rows.ideas(rounds[1], 8)
    rows.comments(others, [member.id] * 8)  # 8 reactions
    rows.responses(rows.releases(8), [member.id] * 8)  # 8 app feedback
    sessions = [rows.sessions(r, 1, starts_in=timedelta(days=-3))[0] for r in rounds]
    rows.registrations([member.id] * 8, sessions, attendance="attended")  # 8 sessions, oldest
    first = client.get("/en/me/contributions").get_data(as_text=True)
    assert first.count('class="panel contribution"') == 20
    assert "Page 1 of 2" in first
    assert "You took part in a session" not in first  # three days ago: the oldest, on page 2
    second = client.get(next_link(first)).get_data(as_text=True)
    assert second.count('class="panel contribution"') == 12
    assert second.count("You took part in a session") == 8
