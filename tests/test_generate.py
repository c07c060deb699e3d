"""The data generator at volume (`flask panel demo --size …`), at a tiny size.

Generated once into the empty test database (SQLite, or PostgreSQL with
PANEL_TEST_DATABASE_URL); what the tests check is read as plain values, and the tables are
emptied again afterwards.
"""

import pytest
from sqlalchemy import func, select, text

from panel.accounts.models import User
from panel.demo import DEMO_PASSWORD, volume
from panel.extensions import db as _db
from panel.feedback.models import Release
from panel.insights.models import Route, StreamMember
from panel.membership.models import Member
from panel.rounds.models import Idea, Round

from .conftest import empty_all_tables

TINY = volume.Size(
    members=250,
    releases=30,
    response_rate=0.42,
    sample=None,
    rounds=12,
    sessions=45,
    registrations=300,
    ideas=120,
    insights=80,
)


def _pages(client):
    """{(who, path): status} of the main pages, each role logged in through the login form."""
    statuses = {}
    release = _db.session.scalar(
        select(Release.id).where(Release.published_at.isnot(None)).order_by(Release.id)
    )
    round_id, idea_id = _db.session.execute(
        select(Idea.round_id, Idea.id).where(Idea.hidden_at.is_(None)).order_by(Idea.id.desc())
    ).first()
    newest_round = _db.session.scalar(
        select(Round.id).where(Round.published_at.isnot(None)).order_by(Round.id.desc())
    )
    # A route in one of the demo reviewer's streams (others' routes are not theirs to open).
    route = _db.session.scalar(
        select(Route.id)
        .join(StreamMember, StreamMember.stream_id == Route.stream_id)
        .join(User, User.id == StreamMember.user_id)
        .where(User.email == "reviewer@klantenteam.example")
        .order_by(Route.id.desc())
    )
    member = _db.session.scalar(select(Member.id).order_by(Member.id.desc()))
    panelist = _db.session.scalar(
        select(User.email)
        .join(Member, Member.user_id == User.id)
        .where(Member.status == "active", User.email.like("%@example.%"))
        .order_by(Member.id.desc())
    )
    visits = {
        panelist: [
            "/nl/me",
            "/nl/rounds",
            f"/nl/rounds/{newest_round}",
            f"/nl/rounds/{round_id}/ideas/{idea_id}",
            "/nl/feedback",
            "/en/me/contributions",
            "/nl/notifications",
        ],
        "manager@klantenteam.example": [
            "/nl/manage/members",
            "/nl/manage/members?q=lotte",
            f"/nl/manage/members/{member}",
            "/nl/manage/health",
            "/nl/results/",
            f"/nl/results/releases/{release}",
            f"/en/owner/rounds/{round_id}",
            "/nl/owner/rounds",
            "/nl/insights/",
        ],
        "reviewer@klantenteam.example": [
            "/nl/insights/inbox",
            f"/nl/insights/inbox/{route}",
            "/nl/insights/streams",
        ],
    }
    for email, paths in visits.items():
        response = client.post("/nl/login", data={"email": email, "password": DEMO_PASSWORD})
        statuses[(email, "login")] = response.status_code
        for path in paths:
            statuses[(email, path)] = client.get(path).status_code
        client.post("/nl/logout")
    return statuses


@pytest.fixture(scope="module")
def generated(app):
    with app.app_context():
        try:
            _accounts, written = volume.generate(TINY, seed=7, echo=lambda line: None)
            rows = {
                table.name: _db.session.scalar(select(func.count()).select_from(table))
                for table in _db.metadata.sorted_tables
            }
            data = {
                "written": written,
                "rows": rows,
                "problems": volume.kept_counts_problems(),
                "members": _db.session.scalar(select(func.count(Member.id))),
                "statuses": _db.session.execute(
                    select(Member.status, func.count()).group_by(Member.status)
                ).all(),
                "stages": _db.session.scalars(select(Round.stage).distinct()).all(),
                "languages": _db.session.execute(
                    select(User.locale, func.count()).group_by(User.locale)
                ).all(),
                "months": _db.session.scalar(select(func.count(func.distinct(Release.month)))),
                "busy_round": _db.session.scalar(
                    select(func.count())
                    .select_from(Idea)
                    .group_by(Idea.round_id)
                    .order_by(func.count().desc())
                ),
            }
            # The check itself notices a kept count that is off by one.
            _db.session.execute(
                text("UPDATE ideas SET support_count = support_count + 1 WHERE id = :id"),
                {"id": _db.session.scalar(select(func.max(Idea.id)))},
            )
            data["broken"] = volume.kept_counts_problems()
            _db.session.rollback()
            if _db.engine.dialect.name == "sqlite":
                data["search"] = _db.session.scalar(
                    text("SELECT count(*) FROM feedback_search WHERE feedback_search MATCH 'app'")
                )
            _db.session.rollback()
            data["pages"] = _pages(app.test_client())
            yield data
        finally:
            _db.session.rollback()
            _db.session.remove()
            empty_all_tables()


def test_every_table_has_rows(generated):
    # From the model registry: a table added later is noticed here.
    tables = {table.name for table in _db.metadata.sorted_tables}
    assert tables == set(generated["rows"])
    empty = sorted(name for name, count in generated["rows"].items() if not count)
    assert empty == []


def test_the_sizes_asked_for(generated):
    rows = generated["rows"]
    assert generated["members"] >= TINY.members
    assert rows["rounds"] == TINY.rounds
    assert rows["sessions"] == TINY.sessions
    assert rows["insights"] == TINY.insights
    assert generated["months"] == TINY.releases
    assert rows["feedback_invitations"] > rows["feedback_responses"] > 0
    # Bulk rows really were written in bulk, not by the demo alone.
    assert generated["written"]["feedback_responses"] > 1000


def test_kept_counts_equal_a_recount(generated):
    assert generated["problems"] == []
    assert generated["broken"] == [("ideas.support_count", 1)]


def test_varied_statuses_stages_and_languages(generated):
    statuses = dict(generated["statuses"])
    assert {"active", "paused", "left", "pending"} <= set(statuses)
    assert statuses["active"] > generated["members"] / 2
    assert {"idea", "concept", "closed"} <= set(generated["stages"])
    languages = dict(generated["languages"])
    assert languages["nl"] > languages["en"] > 0


def test_the_comments_are_searchable(generated):
    if "search" in generated:  # SQLite: the full-text index was rebuilt after the bulk load
        assert generated["search"] > 0


def test_main_pages_render(generated):
    pages = generated["pages"]
    logins = [status for (_who, path), status in pages.items() if path == "login"]
    assert logins == [302, 302, 302]
    problems = {key: status for key, status in pages.items() if key[1] != "login" and status != 200}
    assert problems == {}


def test_the_command_needs_an_empty_database(app, make_user):
    make_user()
    result = app.test_cli_runner().invoke(args=["panel", "demo", "--size", "S"])
    assert result.exit_code != 0
    assert "needs an empty database" in result.output
    assert _db.session.scalar(select(func.count(Member.id))) == 0
    sizes = app.test_cli_runner().invoke(args=["panel", "demo", "--help"]).output
    assert "[demo|S|M|L|XL]" in sizes
