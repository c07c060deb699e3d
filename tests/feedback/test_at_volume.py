"""Feedback pages that stay cheap as releases, responses and invitations grow (issue 13): my
feedback is paged and found through the member's own invitations, the trend covers five years,
a release's change is read against the release before it, and the plans use the indexes."""

from datetime import date, timedelta

import pytest
from sqlalchemy import insert, text

from panel.database import utcnow
from panel.feedback import results
from panel.feedback.hooks import sessions_to_rate
from panel.feedback.models import (
    FeedbackInvitation,
    Release,
    Response,
    ScoreCount,
    TouchpointResponse,
)
from panel.rounds.models import Registration, Round, Session
from panel.security import Role


def add_releases(db, n, opens_in=timedelta(days=-40), closes_in=timedelta(days=-30), **values):
    """n published releases, one a month back from this month, newest first; their ids."""
    now = utcnow()
    first = now.date()
    rows = []
    for k in range(n):
        months = first.year * 12 + first.month - 1 - k
        month = date(months // 12, months % 12 + 1, 1)
        rows.append(
            {
                "version": f"20.{k}",
                "month": month,
                "opens_at": now + opens_in,
                "closes_at": now + closes_in,
                "published_at": now + opens_in,
                "audience": "all",
                **values,
            }
        )
    ids = db.session.scalars(
        insert(Release).returning(Release.id, sort_by_parameter_order=True), rows
    ).all()
    db.session.commit()
    return ids


def set_scores(db, release_id, counts):
    db.session.execute(
        insert(ScoreCount),
        [
            {
                "release_id": release_id,
                "segment_kind": "all",
                "segment_value": "",
                "score": score,
                "count": n,
            }
            for score, n in enumerate(counts)
            if n
        ],
    )
    db.session.commit()


def test_my_feedback_is_paged_and_the_next_survey_comes_from_any_page(
    client, db, make_member, login_as
):
    member = make_member()
    ids = add_releases(db, 14)
    # The newest and the oldest are open; the oldest (on page 2) waits for the newest.
    for release_id in (ids[0], ids[-1]):
        release = db.session.get(Release, release_id)
        release.opens_at, release.closes_at = (
            utcnow() - timedelta(hours=1),
            utcnow() + timedelta(days=3),
        )
    db.session.commit()
    login_as(member.user)

    first = client.get("/en/feedback").get_data(as_text=True)
    assert first.count("App version 20.") == 12
    assert "Page 1 of 2" in first and "Give feedback" in first

    second = client.get("/en/feedback?page=2").get_data(as_text=True)
    assert second.count("App version 20.") == 2
    assert "App version 20.13" in second
    assert "Next, once you've answered version 20.0." in second
    assert "Give feedback" not in second


def test_my_feedback_shows_sample_releases_only_to_those_asked(client, db, make_member, login_as):
    member, other = make_member(), make_member()
    asked, answered, hidden = add_releases(db, 3, audience="sample", sample_size=10)
    db.session.execute(insert(FeedbackInvitation), [{"release_id": asked, "member_id": member.id}])
    db.session.execute(insert(FeedbackInvitation), [{"release_id": hidden, "member_id": other.id}])
    db.session.execute(
        insert(Response), [{"release_id": answered, "member_id": member.id, "score": 8}]
    )
    db.session.commit()
    login_as(member.user)

    page = client.get("/en/feedback").get_data(as_text=True)
    assert "App version 20.0" in page and "App version 20.1" in page
    assert "App version 20.2" not in page
    assert page.count("You answered") == 1


def test_results_trend_covers_five_years(client, db, make_user, login_as):
    add_releases(db, 61)
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))

    assert len(results.trend()) == 60
    page = client.get("/en/results/").get_data(as_text=True)
    assert "20.59" in page  # five years back
    assert "20.60" not in page


def test_a_release_older_than_the_trend_still_shows_its_change(client, db, make_user, login_as):
    ids = add_releases(db, 70)
    older, old = ids[65], ids[64]  # 65 and 64 months back: outside the 60 of the trend
    set_scores(db, older, [60] + [0] * 9 + [40])  # NPS −20
    set_scores(db, old, [10] + [0] * 9 + [90])  # NPS +80
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))

    page = client.get(f"/en/results/releases/{old}").get_data(as_text=True)
    assert "significant rise of 100 points" in page
    assert results.change_for(db.session.get(Release, ids[-1])) is None  # nothing before it


def test_sessions_to_rate_leaves_out_answered_ones(db, make_member):
    member = make_member()
    (round_id,) = db.session.scalars(
        insert(Round).returning(Round.id), [{"title_nl": "R", "title_en": "R"}]
    ).all()
    now = utcnow()
    session_ids = db.session.scalars(
        insert(Session).returning(Session.id, sort_by_parameter_order=True),
        [
            {
                "round_id": round_id,
                "title_nl": f"Sessie {k}",
                "title_en": f"Session {k}",
                "kind": "online",
                "starts_at": now - timedelta(days=2, hours=2),
                "ends_at": now - timedelta(days=2),
                "capacity": 10,
                "registration_deadline": now - timedelta(days=3),
            }
            for k in range(3)
        ],
    ).all()
    registrations = db.session.scalars(
        insert(Registration).returning(Registration.id, sort_by_parameter_order=True),
        [
            {
                "session_id": s,
                "member_id": member.id,
                "status": "confirmed",
                "attendance": "attended",
            }
            for s in session_ids
        ],
    ).all()
    # An answer of someone who left (registration unlinked) must not hide anything.
    db.session.execute(
        insert(TouchpointResponse),
        [{"registration_id": registrations[0], "score": 9}, {"registration_id": None, "score": 3}],
    )
    db.session.commit()

    items = sessions_to_rate(member)
    assert sorted(str(item.text) for item in items) == [
        "Hoe was Sessie 1? Twee korte vragen.",
        "Hoe was Sessie 2? Twee korte vragen.",
    ]


def plan(db, sql, **params):
    return " | ".join(
        str(row[-1]) for row in db.session.execute(text("EXPLAIN QUERY PLAN " + sql), params)
    )


@pytest.fixture
def sqlite_only(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")


def test_plans_use_the_indexes(db, sqlite_only):
    invitations = plan(
        db,
        "SELECT release_id FROM feedback_invitations WHERE member_id = :m",
        m=1,
    )
    assert "ix_feedback_invitations_member" in invitations, invitations
    comments = plan(
        db,
        "SELECT id FROM feedback_responses WHERE release_id = :r"
        " AND (improve_text IS NOT NULL OR problem_text IS NOT NULL)"
        " ORDER BY updated_at DESC, id DESC LIMIT 50",
        r=1,
    )
    assert "ix_feedback_responses_release_updated" in comments, comments
    assert "TEMP B-TREE" not in comments, comments
