"""A release's comments (issues 13 and 16): the release page shows their number per score group
with links into triage (those who make insights) or to the comments page (reviewers); the comments
page pages through them keeping the filters, counting only up to a bound; for those who make
insights, it leads into triage with the same filters."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, text

from panel.database import utcnow
from panel.feedback import services
from panel.feedback.models import Release, Response
from panel.security import Role
from tests.feedback.test_at_volume import add_releases


@pytest.fixture
def release_with_comments(db, make_member):
    """make(n, score=9, **values) adds n comments (the newest last) and n responses without one;
    the release is published and closed."""
    (release_id,) = add_releases(db, 1)
    added = []

    def make(n, score=9, **values):
        now = utcnow()
        members = [make_member() for _ in range(2 * n)]
        rows = [
            {
                "release_id": release_id,
                "member_id": member.id,
                "score": score,
                "improve_text": f"Opmerking {len(added) + k}" if k < n else None,
                "updated_at": now - timedelta(days=1) + timedelta(seconds=len(added) + k),
                **values,
            }
            for k, member in enumerate(members)
        ]
        ids = db.session.scalars(
            insert(Response).returning(Response.id, sort_by_parameter_order=True), rows
        ).all()
        added.extend(ids[:n])
        db.session.commit()
        return ids[:n]

    make.release_id = release_id
    return make


@pytest.fixture
def owner(make_user, login_as):
    user = make_user(roles=[Role.PRODUCT_OWNER])
    login_as(user)
    return user


@pytest.fixture
def reviewer(make_user, login_as):
    """Reviewers read the comments page; those who make insights are sent on to triage."""
    user = make_user(roles=[Role.REVIEWER])
    login_as(user)
    return user


def shown(page):
    return re.findall(r"<blockquote>(Opmerking \d+)</blockquote>", page)


def test_release_page_counts_the_comments_per_group_and_links_into_triage(
    client, release_with_comments, owner
):
    release_with_comments(25)
    release_with_comments(4, score=3)
    release_id = release_with_comments.release_id

    page = client.get(f"/en/results/releases/{release_id}").get_data(as_text=True)
    assert shown(page) == []  # no comments listed here any more
    assert "29 comments" in page
    assert "Promoters (9–10): 25 comments" in page and "Passives (7–8): no comments" in page
    assert f'href="/en/insights/triage?source=release:{release_id}&amp;group=detractor"' in page
    assert f'href="/en/insights/triage?source=release:{release_id}"' in page

    dutch = client.get(f"/nl/results/releases/{release_id}").get_data(as_text=True)
    assert "29 opmerkingen" in dutch


def test_reviewers_see_the_number_and_a_link_to_the_comments_page(
    client, release_with_comments, reviewer
):
    release_with_comments(25)
    release_id = release_with_comments.release_id
    page = client.get(f"/en/results/releases/{release_id}").get_data(as_text=True)
    assert shown(page) == [] and "25 comments" in page
    assert f'href="/en/results/releases/{release_id}/comments"' in page
    assert "/insights/triage" not in page


def test_the_comments_page_leads_those_who_make_insights_into_triage(
    client, release_with_comments, owner
):
    release_id = release_with_comments.release_id
    response = client.get(
        f"/en/results/releases/{release_id}/comments?q=app&group=promoter&segment=platform:ios"
    )
    assert response.status_code == 302
    assert response.location == (
        f"/en/insights/triage?source=release:{release_id}&q=app&group=promoter&segment=platform:ios"
    )


def test_a_release_without_comments_says_so(client, release_with_comments, owner):
    release_id = release_with_comments.release_id
    page = client.get(f"/en/results/releases/{release_id}").get_data(as_text=True)
    assert "No comments yet." in page
    assert "/insights/triage?" not in page


def test_the_number_is_counted_only_up_to_a_bound(
    client, release_with_comments, reviewer, monkeypatch
):
    release_with_comments(12)
    monkeypatch.setattr(services, "COUNT_COMMENTS_UP_TO", 5)

    page = client.get(f"/en/results/releases/{release_with_comments.release_id}")
    assert "More than 5 comments" in page.get_data(as_text=True)
    assert "12 comments" not in page.get_data(as_text=True)


def test_comments_page_pages_through_all_keeping_the_filters(
    client, release_with_comments, reviewer
):
    detractors = release_with_comments(45, score=3, platform="android")
    release_with_comments(10, score=10, platform="android")
    url = f"/en/results/releases/{release_with_comments.release_id}/comments"

    first = client.get(url + "?group=detractor&segment=platform:android").get_data(as_text=True)
    assert "45 comments" in first
    assert shown(first) == [f"Opmerking {k}" for k in range(44, 24, -1)]
    assert "Page 1 of 3" in first
    nxt = re.search(r'href="([^"]+)" rel="next"', first).group(1).replace("&amp;", "&")
    assert "group=detractor" in nxt and "segment=platform:android" in nxt and "page=2" in nxt

    last = client.get(nxt.replace("page=2", "page=3")).get_data(as_text=True)
    assert shown(last) == [f"Opmerking {k}" for k in range(4, -1, -1)]
    assert 'rel="next"' not in last
    assert len(detractors) == 45

    everyone = client.get(url).get_data(as_text=True)
    assert "55 comments" in everyone  # promoters too
    assert shown(everyone)[0] == "Opmerking 54"

    none = client.get(url + "?q=nowhere").get_data(as_text=True)
    assert "No comments match." in none and "comments</p>" not in none


def test_beyond_the_bound_the_pager_goes_on_without_a_last_page(
    client, release_with_comments, reviewer, monkeypatch
):
    release_with_comments(130)
    url = f"/en/results/releases/{release_with_comments.release_id}/comments"

    first = client.get(url).get_data(as_text=True)  # counted up to 100 on page 1
    assert "More than 100 comments" in first
    assert "Page 1<" in first and 'rel="next"' in first and "Page 1 of" not in first
    seventh = client.get(url + "?page=7").get_data(as_text=True)  # counted up to 300 here
    assert "130 comments" in seventh and "Page 7 of 7" in seventh
    assert shown(seventh) == [f"Opmerking {k}" for k in range(9, -1, -1)]


def test_an_older_filtered_link_to_the_release_page_goes_to_the_comments_page(
    client, release_with_comments, owner
):
    release_id = release_with_comments.release_id
    response = client.get(f"/en/results/releases/{release_id}?q=app&group=promoter")
    assert response.status_code == 302
    assert response.location.startswith(f"/en/results/releases/{release_id}/comments?")
    assert "q=app" in response.location and "group=promoter" in response.location


def test_comments_of_a_draft_are_not_there_and_panelists_are_refused(
    client, db, release_with_comments, make_member, make_user, login_as
):
    (draft,) = add_releases(db, 1, published_at=None, version="30.0")
    login_as(make_member().user)
    url = f"/en/results/releases/{release_with_comments.release_id}/comments"
    assert client.get(url).status_code == 403
    login_as(make_user(roles=[Role.REVIEWER]))
    assert client.get(url).status_code == 200
    assert client.get(f"/en/results/releases/{draft}/comments").status_code == 404


@pytest.mark.parametrize("role", [Role.PRODUCT_OWNER, Role.REVIEWER])
def test_queries_do_not_grow_with_the_comments(
    client, release_with_comments, make_user, login_as, count_queries, role
):
    login_as(make_user(roles=[role]))
    release_id = release_with_comments.release_id
    urls = [f"/en/results/releases/{release_id}"]
    if role == Role.REVIEWER:
        urls.append(f"/en/results/releases/{release_id}/comments")
    for url in urls:
        counts = []
        for n in (5, 60):
            release_with_comments(n)
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            counts.append(queries.count)
        assert counts[0] == counts[1], (url, counts)


def test_listing_and_counting_read_the_release_in_index_order(db, release_with_comments):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's (PostgreSQL: see docs/performance.md)")
    release = db.session.get(Release, release_with_comments.release_id)
    comments = services.comments_query(release, group="detractor")
    for query in (comments.limit(20), services.count_comments(comments, 100)):
        sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
        plan = " | ".join(
            str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql))
        )
        assert "SEARCH feedback_responses USING INDEX" in plan, plan
        assert "TEMP B-TREE" not in plan, plan


def test_search_finds_the_words_in_this_release_only(db, make_member):
    first, second = add_releases(db, 2)
    rows = [
        (first, "De batterij loopt leeg"),
        (first, "Inloggen gaat traag"),
        (second, "Batterij houdt het niet"),
        (second, f"Versie {first} is traag"),  # the other release's id as a word
    ]
    db.session.execute(
        insert(Response),
        [
            {"release_id": release, "member_id": make_member().id, "score": 5, "improve_text": t}
            for release, t in rows
        ],
    )
    db.session.commit()
    release = db.session.get(Release, first)

    def find(words):
        return sorted(r.improve_text for r in services.search_comments(release, words))

    assert find("batterij") == ["De batterij loopt leeg"]
    assert find("traag") == ["Inloggen gaat traag"]
    assert find(str(first)) == []  # the release's id is not a word of its comments
    # Edited and deleted comments leave the index with their release.
    response = Response.query.filter_by(improve_text="De batterij loopt leeg").one()
    response.improve_text = "Donkere modus graag"
    db.session.commit()
    assert find("batterij") == [] and find("donker") == ["Donkere modus graag"]
    db.session.delete(response)
    db.session.commit()
    assert find("donker") == []


def test_reviewers_read_the_comments_without_the_insight_tools(
    client, release_with_comments, make_user, login_as
):
    release_with_comments(3)
    login_as(make_user(roles=[Role.REVIEWER]))
    page = client.get(f"/en/results/releases/{release_with_comments.release_id}/comments")
    text_ = page.get_data(as_text=True)
    assert page.status_code == 200 and len(shown(text_)) == 3
    assert "add-comment-evidence" not in text_ and "Make insight" not in text_
