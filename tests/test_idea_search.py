"""Finding ideas in a round of thousands (issue 15): search by words, filters that keep their
place in page links, a count of what was found, and similar ideas while typing a new one."""

# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from panel import create_app
from panel.config import PROJECT_ROOT, TestConfig
from panel.extensions import db as _db
from panel.rounds import idea_search, services
from panel.rounds.models import Idea
from tests.conftest import vars_of
from tests.rounds.conftest import make_round, owner  # noqa: F401 (fixtures used by name)
from tests.test_migrations import empty_database_url  # noqa: F401 (a fixture used by name)
from tests.test_query_budgets import Rows


@pytest.fixture
def round_(make_round):
    return make_round(stage="idea")


def shown(html):
    """The idea titles on a round page, in order."""
    return re.findall(r'<h3><a href="[^"]+/ideas/\d+">([^<]+)</a></h3>', html)


def page_of(client, round_, query=""):
    response = client.get(f"/en/rounds/{round_.id}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post(round_, member, title, body="Details"):
    idea = services.post_idea(round_, member, title, body)
    _db.session.commit()
    return idea


def test_search_finds_whole_words_and_prefixes_in_both_languages(
    client,
    db,
    round_,
    make_round,
    make_member,
    login_as,
):
    author = make_member()
    login_as(make_member().user)
    post(round_, author, "Donkere modus in de app", "Mijn ogen doen pijn 's avonds")
    post(round_, author, "Dark mode for the app", "Easier on the eyes at night")
    post(round_, author, "Café-wifi via de app", "Gratis wifi in het café")
    post(round_, author, "Cheaper bundles", "Data for less")
    other = make_round(stage="idea", title_en="Other round")
    post(other, author, "Dark mode elsewhere")
    assert shown(page_of(client, round_, "?q=modus")) == ["Donkere modus in de app"]
    assert shown(page_of(client, round_, "?q=dark")) == ["Dark mode for the app"]
    # A prefix finds the word; the body counts too; all words must match.
    assert shown(page_of(client, round_, "?q=donk")) == ["Donkere modus in de app"]
    assert shown(page_of(client, round_, "?q=night")) == ["Dark mode for the app"]
    assert shown(page_of(client, round_, "?q=dark+night")) == ["Dark mode for the app"]
    assert shown(page_of(client, round_, "?q=dark+bundles")) == []
    # Accents don't matter, either way round; capitals neither.
    assert shown(page_of(client, round_, "?q=cafe")) == ["Café-wifi via de app"]
    assert shown(page_of(client, round_, "?q=CAFÉ")) == ["Café-wifi via de app"]
    page = page_of(client, round_, "?q=app")
    assert len(shown(page)) == 3 and "3 ideas found" in page
    assert "Dark mode elsewhere" not in page


def test_the_count_and_page_links_keep_search_sort_and_filters(
    client, db, round_, make_member, login_as
):
    member = make_member()
    login_as(member.user)
    rows = Rows(db.session)
    rows.ideas(round_.id, 25, title="Faster network", body="Fewer dropped calls")
    rows.ideas(round_.id, 5, title="Other things", body="Something else")
    page = page_of(client, round_, "?q=netw&sort=supported&status=new")
    assert "25 ideas found" in page and len(shown(page)) == 20
    link = re.search(r'<a href="([^"]+)" rel="next">', page).group(1).replace("&amp;", "&")
    for part in ("q=netw", "sort=supported", "status=new", "page=2"):
        assert part in link
    second = page_of(client, round_, link.split("#")[0].removeprefix(f"/en/rounds/{round_.id}"))
    assert len(shown(second)) == 5 and set(shown(second)) == {"Faster network"}
    # The sort links keep the search, the search form keeps the sort.
    sort_link = re.search(r'<a href="([^"]+)#ideas">Newest</a>', page).group(1)
    assert "q=netw" in sort_link and "status=new" in sort_link
    assert '<input type="hidden" name="sort" value="supported">' in page
    # Supporting from a filtered list comes back to the same list.
    idea_id = Idea.query.filter_by(title="Faster network").first().id
    response = client.post(
        f"/en/rounds/{round_.id}/ideas/{idea_id}/support",
        data={"back": "round", "page": "2", "sort": "supported", "q": "netw", "status": "new"},
    )
    location = response.headers["Location"]
    for part in ("q=netw", "sort=supported", "status=new", "page=2"):
        assert part in location


def test_filters_status_mine_supported_answered(client, db, round_, make_member, login_as):
    me, other = make_member(), make_member()
    mine = post(round_, me, "My own idea")
    theirs = post(round_, other, "Their idea")
    answered = post(round_, other, "An answered idea")
    post(round_, other, "A quiet idea")
    services.support_idea(theirs, me)
    services.answer_idea(answered, "considering", "We kijken ernaar", "We're looking", None)
    db.session.commit()
    login_as(me.user)
    assert shown(page_of(client, round_, "?mine=1")) == [mine.title]
    assert shown(page_of(client, round_, "?supported=1")) == [theirs.title]
    assert shown(page_of(client, round_, "?answered=1")) == [answered.title]
    assert shown(page_of(client, round_, "?status=considering")) == [answered.title]
    assert shown(page_of(client, round_, "?mine=1&supported=1")) == []
    page = page_of(client, round_, "?supported=1")
    assert "1 idea found" in page and "Show all ideas" in page
    assert len(shown(page_of(client, round_))) == 4


def test_hidden_ideas_are_not_found(client, db, round_, make_member, login_as, owner):
    author = make_member()
    login_as(make_member().user)
    idea = post(round_, author, "Rude words here")
    services.hide_content(idea, "Not nice", owner)
    idea_search.reindex_idea(idea)
    db.session.commit()
    assert shown(page_of(client, round_, "?q=rude")) == []


@pytest.mark.parametrize(
    "query",
    [
        '?q="*) OR NEAR(a b',
        "?q=a:*|!b",
        "?q=" + "x" * 500,
        "?q=%00",
        "?status=nope&category=abc&mine=yes",
        "?category=99999999999999999999",
        "?q=-&q=&sort=%27",
    ],
)
def test_odd_searches_are_no_errors(client, round_, make_member, login_as, query):
    post(round_, make_member(), "Dark mode")
    login_as(make_member().user)
    page_of(client, round_, query)


def test_an_edited_idea_is_found_by_its_new_words_only(client, db, round_, make_member, login_as):
    login_as(make_member().user)
    idea = post(round_, make_member(), "Paars logo")
    idea.title = "Groen logo"
    idea_search.reindex_idea(idea)
    db.session.commit()
    assert shown(page_of(client, round_, "?q=groen")) == ["Groen logo"]
    assert shown(page_of(client, round_, "?q=paars")) == []


def test_reindex_repairs_an_entry_when_the_triggers_are_gone(db, round_, make_member):
    """SQLite's batch migrations rebuild a table without its triggers: reindex_idea still
    brings the idea's entry in step."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps the words in a generated column")
    idea = post(round_, make_member(), "Paars logo")
    db.session.execute(text("DROP TRIGGER ideas_search_update"))
    try:
        idea.title = "Groen logo"
        idea_search.reindex_idea(idea)
        query = idea_search.filter_ideas(
            _db.select(Idea.title), idea_search.IdeaFilters(words="groen")
        )
        assert db.session.scalars(query).all() == ["Groen logo"]
        stale = idea_search.filter_ideas(
            _db.select(Idea.title), idea_search.IdeaFilters(words="paars")
        )
        assert db.session.scalars(stale).all() == []
    finally:
        db.session.rollback()


def test_the_page_costs_the_same_queries_for_few_and_many_ideas(
    client, db, round_, make_member, login_as, count_queries
):
    member = make_member()
    login_as(member.user)
    rows = Rows(db.session)
    query = "?q=network&status=new&supported=1&answered=1&mine=1&sort=supported"

    def count():
        with count_queries() as queries:
            page_of(client, round_, query)
            page_of(client, round_)
        return queries.count

    rows.ideas(round_.id, 3, title="Better network")
    few = count()
    rows.ideas(round_.id, 300, title="Better network")
    assert count() == few


def test_check_for_similar_ideas_without_javascript(client, db, round_, make_member, login_as):
    author = make_member()
    login_as(make_member().user)
    for title in (
        "Donkere modus voor de app",
        "Een donkere modus graag",
        "Donker thema in de app 's avonds",
        "Goedkopere bundels",
    ):
        post(round_, author, title)
    response = client.post(
        f"/en/rounds/{round_.id}/ideas",
        data={"title": "Graag een donkere modus", "body": "Mijn tekst", "check": "1"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert Idea.query.count() == 4  # nothing posted
    assert 'value="Graag een donkere modus"' in page and "Mijn tekst" in page
    similar = re.search(r'<div class="similar-ideas">(.*?)</div>', page, re.S).group(1)
    titles = re.findall(r">([^<]+)</a>", similar)
    # Both words match the first two; the stop words "een" and "graag" count for nothing.
    assert set(titles[:2]) == {"Donkere modus voor de app", "Een donkere modus graag"}
    assert "Goedkopere bundels" not in titles and len(titles) <= 5
    # Then posting it anyway still works with the same form.
    token = re.search(r'name="form_token"[^>]*value="([^"]+)"', page).group(1)
    client.post(
        f"/en/rounds/{round_.id}/ideas",
        data={"title": "Graag een donkere modus", "body": "Mijn tekst", "form_token": token},
    )
    assert Idea.query.count() == 5


def test_similar_ideas_while_typing(client, db, round_, make_member, login_as):
    author = make_member()
    login_as(make_member().user)
    for k in range(8):
        post(round_, author, f"Sneller internet {k}")
    hidden = post(round_, author, "Sneller internet verborgen")
    hidden.hidden_at = hidden.created_at
    db.session.commit()
    fragment = client.get(f"/nl/rounds/{round_.id}/ideas/similar?title=sneller+internet")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert len(re.findall(r"<li>", html)) == 5 and "verborgen" not in html
    assert "Deze ideeën lijken erop." in html
    nothing = client.get(f"/en/rounds/{round_.id}/ideas/similar?title=de+het+een")
    assert nothing.get_data(as_text=True).strip() == ""
    none_alike = client.get(f"/en/rounds/{round_.id}/ideas/similar?title=bananas")
    assert "No similar ideas found" in none_alike.get_data(as_text=True)


def test_similar_ideas_are_only_for_who_may_see_the_round(
    client,
    make_round,
    make_member,
    login_as,
):
    draft = make_round(published=False)
    login_as(make_member().user)
    assert client.get(f"/en/rounds/{draft.id}/ideas/similar?title=app").status_code == 404


def test_a_migrated_database_keeps_the_index_in_step(empty_database_url):
    """Upgraded with ideas and reactions in it (not made from the models): the existing ideas
    are found, their reactions are still there (rebuilding `ideas` on SQLite must not cascade
    into them), and new and changed ideas are found."""
    app = create_app(dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI=empty_database_url))
    directory = os.path.join(PROJECT_ROOT, "migrations")
    with app.app_context():
        upgrade(directory=directory, revision="d2idx0rnds09")
        with _db.engine.begin() as connection:
            round_id = connection.execute(
                text(
                    "INSERT INTO rounds (title_nl, title_en, summary_nl, summary_en, question_nl,"
                    " question_en, visibility, stage, created_at)"
                    " VALUES ('r', 'r', '', '', '', '', 'all', 'idea', CURRENT_TIMESTAMP)"
                    " RETURNING id"
                )
            ).scalar()
            old_id = connection.execute(
                text(
                    "INSERT INTO ideas (round_id, title, body, status, support_count, created_at,"
                    " in_outcome) VALUES (:r, 'Oud idee', 'x', 'new', 0, CURRENT_TIMESTAMP,"
                    " false) RETURNING id"
                ),
                {"r": round_id},
            ).scalar()
            connection.execute(
                text(
                    "INSERT INTO comments (idea_id, body, created_at)"
                    " VALUES (:i, 'Goed plan', CURRENT_TIMESTAMP)"
                ),
                {"i": old_id},
            )
        _db.engine.dispose()
        upgrade(directory=directory, revision="heads")
        with _db.engine.begin() as connection:
            idea_id = connection.execute(
                text(
                    "INSERT INTO ideas (round_id, title, body, status, support_count, created_at,"
                    " in_outcome) VALUES (:r, 'Snellere app', 'x', 'new', 0, CURRENT_TIMESTAMP,"
                    " false) RETURNING id"
                ),
                {"r": round_id},
            ).scalar()
            connection.execute(
                text("UPDATE ideas SET title = 'Zuinige app' WHERE id = :i"), {"i": idea_id}
            )
            reactions = connection.execute(text("SELECT count(*) FROM comments")).scalar()

        def found(words):
            query = idea_search.filter_ideas(
                _db.select(Idea.id), idea_search.IdeaFilters(words=words)
            )
            return _db.session.scalars(query).all()

        old, new, stale = found("oud"), found("zuin"), found("snel")
        _db.session.remove()
        _db.engine.dispose()
    assert reactions == 1
    assert old == [old_id] and new == [idea_id] and stale == []


def test_the_owners_filtered_list_costs_the_same_queries_for_few_and_many_ideas(
    client, db, round_, owner, login_as, count_queries
):
    login_as(owner)
    rows = Rows(db.session)

    def count():
        with count_queries() as queries:
            page = client.get(f"/en/owner/rounds/{round_.id}?q=network&status=new&answered=1")
            assert page.status_code == 200
        return queries.count

    rows.ideas(round_.id, 3, title="Better network")
    few = count()
    rows.ideas(round_.id, 300, title="Better network")
    assert count() == few
