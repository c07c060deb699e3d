"""Stream metrics say what they measure (issue 16): first response vs answer published, both in
working days like the target; a stream without reviewers is flagged."""

from datetime import UTC, datetime

import pytest

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.insights import services
from panel.insights.models import Insight, Route
from panel.insights.workdays import add_working_days, working_days_between
from panel.security import Role

# Friday 27 November 2026, 16:00 in Amsterdam.
FRIDAY = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("days", [1, 2, 5, 10])
def test_working_days_between_is_the_inverse_of_the_due_date(days):
    assert working_days_between(FRIDAY, add_working_days(FRIDAY, days)) == pytest.approx(days)


def test_weekends_and_holidays_do_not_count():
    # Friday 16:00 to Monday 10:00: the rest of Friday and Monday morning.
    monday = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert working_days_between(FRIDAY, monday) == pytest.approx(8 / 24 + 10 / 24)
    # Christmas Eve 10:00 to the Monday after, 10:00: Christmas days and the weekend are off.
    assert working_days_between(
        datetime(2026, 12, 24, 9, tzinfo=UTC), datetime(2026, 12, 28, 9, tzinfo=UTC)
    ) == pytest.approx(1)
    assert working_days_between(monday, FRIDAY) == 0


def add_route(db, stream, routed_at, first_response_at=None, answered_at=None):
    insight = Insight(title_en="Bill", created_at=routed_at)
    db.session.add(insight)
    db.session.flush()
    route = Route(
        insight_id=insight.id,
        stream_id=stream.id,
        routed_at=routed_at,
        due_at=add_working_days(routed_at, stream.target_days),
        first_response_at=first_response_at,
        answered_at=answered_at,
        status="acknowledged" if first_response_at else "new",
    )
    db.session.add(route)
    return route


def test_first_response_and_answer_are_measured_apart_in_working_days(db):
    seed_default_streams()
    stream = Stream.query.filter_by(slug="billing").one()
    stream.target_days = 2
    # Responded Monday 16:00 (1 working day: the weekend left out), answered Friday 16:00 (5).
    add_route(
        db,
        stream,
        FRIDAY,
        first_response_at=add_working_days(FRIDAY, 1),
        answered_at=add_working_days(FRIDAY, 5),
    )
    # Responded after 3 working days: late. Never answered.
    add_route(db, stream, FRIDAY, first_response_at=add_working_days(FRIDAY, 3))
    # No response and past due: late too.
    add_route(db, stream, FRIDAY)
    db.session.commit()
    metrics = services.stream_metrics(stream, now=NOW)
    assert metrics["response_days"] == pytest.approx(2)  # median of 1 and 3
    assert metrics["answer_days"] == pytest.approx(5)
    assert metrics["answered"] == 1
    assert metrics["in_time"] == pytest.approx(1 / 3)
    assert metrics["overdue"] == 1
    (month,) = metrics["months"]
    assert month["routed"] == 3 and month["answered"] == 1


def test_the_metrics_page_explains_and_flags_streams_without_reviewers(
    client, db, make_user, login_as
):
    seed_default_streams()
    manager = make_user(roles=[Role.PANEL_MANAGER], locale="nl")
    billing = Stream.query.filter_by(slug="billing").one()
    db.session.add(StreamMember(stream_id=billing.id, user_id=manager.id))
    add_route(db, billing, FRIDAY, first_response_at=add_working_days(FRIDAY, 1))
    db.session.commit()
    login_as(manager)
    page = client.get("/en/insights/streams").get_data(as_text=True)
    assert "First response: the stream acknowledged the insight or changed its status." in page
    assert "Answer to the panelists" in page and "Within target" in page
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[1:]}
    assert "no reviewers" not in rows["Billing and finance"]
    assert "no reviewers" in rows["Retail"]
    page = client.get("/nl/insights/streams").get_data(as_text=True)
    assert "geen beoordelaars" in page and "werkdag" in page
