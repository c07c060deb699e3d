"""A release's comments (issue 13): the release page shows the newest few with their number and a
link to all of them; the comments page pages through them keeping the filters; the number is
counted only up to a bound; one shared form adds any comment to an insight, without JavaScript."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import insert, text

from panel.database import utcnow
from panel.feedback import services
from panel.feedback.models import Release, Response
from panel.insights.models import Evidence, Insight
from panel.security import Role
from tests.conftest import csrf_token_from
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


def shown(page):
    return re.findall(r"<blockquote>(Opmerking \d+)</blockquote>", page)


def test_release_page_shows_the_ten_newest_with_their_number_and_a_link(
    client, release_with_comments, owner
):
    release_with_comments(25)
    release_id = release_with_comments.release_id

    page = client.get(f"/en/results/releases/{release_id}").get_data(as_text=True)
    assert shown(page) == [f"Opmerking {k}" for k in range(24, 14, -1)]
    assert "25 comments" in page
    assert f'href="/en/results/releases/{release_id}/comments"' in page

    dutch = client.get(f"/nl/results/releases/{release_id}").get_data(as_text=True)
    assert "25 opmerkingen" in dutch


def test_a_release_without_comments_says_so(client, release_with_comments, owner):
    release_id = release_with_comments.release_id
    page = client.get(f"/en/results/releases/{release_id}").get_data(as_text=True)
    assert "No comments yet." in page
    assert f'href="/en/results/releases/{release_id}/comments"' not in page


def test_the_number_is_counted_only_up_to_a_bound(
    client, release_with_comments, owner, monkeypatch
):
    release_with_comments(12)
    monkeypatch.setattr(services, "COUNT_COMMENTS_UP_TO", 5)

    page = client.get(f"/en/results/releases/{release_with_comments.release_id}")
    assert "More than 5 comments" in page.get_data(as_text=True)
    assert "12 comments" not in page.get_data(as_text=True)


def test_comments_page_pages_through_all_keeping_the_filters(client, release_with_comments, owner):
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
    client, release_with_comments, owner, monkeypatch
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
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    assert client.get(url).status_code == 200
    assert client.get(f"/en/results/releases/{draft}/comments").status_code == 404


def test_the_shared_form_adds_the_comment_whose_button_was_pressed(
    app, client, db, release_with_comments, owner
):
    """With CSRF checked: the one token of the page goes with every comment's button."""
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        check_shared_form(client, db, release_with_comments)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def check_shared_form(client, db, release_with_comments):
    ids = release_with_comments(3)
    db.session.execute(insert(Insight), [{"title_nl": "Traag", "title_en": "Slow"}])
    db.session.commit()
    insight = Insight.query.one()
    url = f"/en/results/releases/{release_with_comments.release_id}/comments?group=promoter"
    page = client.get(url)
    html = page.get_data(as_text=True)
    comments = html.split('id="comments"')[1]
    assert comments.count('name="csrf_token"') == 1
    form = re.search(r'<form id="add-comment-evidence".*?</form>', html, re.S).group(0)
    assert 'name="kind" value="response"' in form and "Choose an insight…" in form

    response = client.post(
        "/en/insights/evidence",
        headers={"Referer": f"http://localhost{url}"},
        data={
            "csrf_token": csrf_token_from(page),
            "kind": "response",
            "insight_id": str(insight.id),
            "source": str(ids[1]),  # the second comment's button
        },
    )
    assert response.status_code == 302 and response.location.endswith(url)
    evidence = Evidence.query.filter_by(insight_id=insight.id).one()
    assert evidence.source_id == ids[1]


def test_queries_do_not_grow_with_the_comments(client, release_with_comments, owner, count_queries):
    release_id = release_with_comments.release_id
    for url in (
        f"/en/results/releases/{release_id}",
        f"/en/results/releases/{release_id}/comments",
    ):
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
    for path in ("", "/comments"):
        page = client.get(f"/en/results/releases/{release_with_comments.release_id}{path}")
        text_ = page.get_data(as_text=True)
        assert page.status_code == 200 and len(shown(text_)) == 3
        assert "add-comment-evidence" not in text_ and "Make insight" not in text_
