"""Time means Amsterdam: "today", month buckets and weeks don't follow the server's time zone
(TZ) or the database session's TimeZone, on SQLite and PostgreSQL alike."""

import os
import time
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import bindparam, select, text

from panel.database import (
    UTCDateTime,
    amsterdam_today,
    local_month,
    month_key,
    month_keys,
    month_start,
)
from panel.feedback.hooks import panel_nps_by_month
from panel.feedback.models import TouchpointResponse
from panel.insights.models import Insight, Route, Stream, seed_default_streams
from panel.insights.services import iso_week, stream_metrics
from panel.insights.workdays import add_working_days
from panel.membership import health
from panel.membership.models import MemberStatus

FAR_AWAY = "Pacific/Kiritimati"  # UTC+14: usually already tomorrow there

# 23:30 UTC on 31 October 2026 is 00:30 on 1 November in Amsterdam (CET, UTC+1).
LAST_EVENING_OCTOBER = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
# 22:30 UTC on 30 June 2026 is 00:30 on 1 July in Amsterdam (CEST, UTC+2).
LAST_EVENING_JUNE = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@contextmanager
def server_time_zone(db, zone):
    """The process's TZ and, on PostgreSQL, the connection's TimeZone set to `zone`."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    postgres = db.engine.dialect.name == "postgresql"
    if postgres:
        db.session.execute(text(f"SET TIME ZONE '{zone}'"))
    try:
        yield
    finally:
        if postgres:
            db.session.execute(text("RESET TIME ZONE"))
        if previous is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = previous
        time.tzset()


def test_the_far_away_zone_really_is_somewhere_else(db):
    moment = datetime(2026, 11, 30, 11, 0, tzinfo=UTC)
    with server_time_zone(db, FAR_AWAY):
        assert datetime.fromtimestamp(moment.timestamp()).date() == date(2026, 12, 1)
        if db.engine.dialect.name == "postgresql":
            shown = db.session.execute(text("SELECT to_char(:t, 'YYYY-MM-DD')"), {"t": moment})
            assert shown.scalar() == "2026-12-01"


@pytest.mark.parametrize("zone", [FAR_AWAY, "America/Los_Angeles", "Europe/Amsterdam", "UTC"])
def test_today_is_amsterdam_today_whatever_the_server_zone(db, zone):
    with server_time_zone(db, zone):
        assert amsterdam_today(LAST_EVENING_OCTOBER) == date(2026, 11, 1)
        assert amsterdam_today(datetime(2026, 11, 30, 11, 0, tzinfo=UTC)) == date(2026, 11, 30)
        assert amsterdam_today(datetime(2026, 12, 31, 22, 59, tzinfo=UTC)) == date(2026, 12, 31)
        assert amsterdam_today(datetime(2026, 12, 31, 23, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_month_helpers():
    assert month_key(LAST_EVENING_OCTOBER) == "2026-11"
    assert month_key(LAST_EVENING_JUNE) == "2026-07"
    assert month_start(NOW) == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)
    assert month_start(NOW, back=5) == datetime(2026, 5, 31, 22, 0, tzinfo=UTC)
    assert month_start(NOW, back=11) == datetime(2025, 11, 30, 23, 0, tzinfo=UTC)
    assert month_keys(NOW, 3) == ["2026-09", "2026-10", "2026-11"]
    assert month_keys(datetime(2027, 1, 2, tzinfo=UTC), 3) == ["2026-11", "2026-12", "2027-01"]
    # A digest at 00:30 on Monday in Amsterdam (Sunday 23:30 UTC) belongs to the new week.
    assert iso_week(datetime(2026, 11, 29, 23, 30, tzinfo=UTC)) == "2026-W49"


def moments_around_every_month_turn(years):
    """For each Amsterdam month start: a minute before, the start itself and a minute after; and
    the moments summer time begins and ends."""
    for year in years:
        for month in range(1, 13):
            start = month_start(datetime(year, month, 15, tzinfo=UTC))
            yield from (start - timedelta(minutes=1), start, start + timedelta(minutes=1))
        for switch in (
            datetime(year, 3, 31, 1, tzinfo=UTC),
            datetime(year, 10, 31, 1, tzinfo=UTC),
        ):
            yield from (switch - timedelta(hours=2), switch, switch + timedelta(hours=2))


@pytest.mark.parametrize("zone", [FAR_AWAY, "UTC"])
def test_the_sql_month_is_the_amsterdam_month_around_every_turn(db, zone):
    moments = list(moments_around_every_month_turn(range(2019, 2032)))
    params = {f"t{i}": moment for i, moment in enumerate(moments)}
    columns = [local_month(bindparam(name, type_=UTCDateTime)) for name in params]
    with server_time_zone(db, zone):
        found = []
        for first in range(0, len(columns), 200):  # SQLite allows a limited number of columns
            found += db.session.execute(select(*columns[first : first + 200]), params).one()
    assert list(found) == [month_key(moment) for moment in moments]


@pytest.fixture
def figures_data(db, make_member):
    """Leavers, session answers and routed insights: one late on the last evening of October,
    one late on the last evening of June (both already next month in Amsterdam), one mid-month."""
    moments = [LAST_EVENING_OCTOBER, LAST_EVENING_JUNE, datetime(2026, 9, 15, 12, tzinfo=UTC)]
    for index, moment in enumerate(moments):
        member = make_member(status=MemberStatus.LEFT.value, email=f"left{index}@example.com")
        member.left_at = moment
        db.session.add(TouchpointResponse(member_id=member.id, score=10, created_at=moment))
    seed_default_streams()
    stream = Stream.query.first()
    for moment in moments:
        insight = Insight(title_nl="Bereik", created_at=moment)
        db.session.add(insight)
        db.session.flush()
        db.session.add(
            Route(
                insight_id=insight.id,
                stream_id=stream.id,
                routed_at=moment,
                due_at=moment + timedelta(days=3),
                first_response_at=moment + timedelta(hours=5),
                status="acknowledged",
            )
        )
    db.session.commit()
    return stream


def figures(stream):
    leavers = dict(health.leavers_per_month(months=12, now=NOW))
    nps = {
        month.strftime("%Y-%m"): score.n
        for month, score in panel_nps_by_month(months=6, now=NOW)[1]["rows"]
    }
    metrics = {row["month"]: row["routed"] for row in stream_metrics(stream, now=NOW)["months"]}
    return leavers, nps, metrics


@pytest.mark.parametrize("zone", [FAR_AWAY, "America/Los_Angeles", "UTC"])
def test_month_figures_are_the_same_far_away_as_in_amsterdam(db, figures_data, zone):
    with server_time_zone(db, "Europe/Amsterdam"):
        in_amsterdam = figures(figures_data)
    with server_time_zone(db, zone):
        far_away = figures(figures_data)
    assert far_away == in_amsterdam
    leavers, nps, metrics = far_away
    assert list(leavers)[-1] == "2026-11" and len(leavers) == 12
    assert (leavers["2026-06"], leavers["2026-07"], leavers["2026-09"]) == (0, 1, 1)
    assert (leavers["2026-10"], leavers["2026-11"]) == (0, 1)
    assert nps == {"2026-07": 1, "2026-09": 1, "2026-11": 1}
    assert metrics == {"2026-07": 1, "2026-09": 1, "2026-11": 1}


@pytest.mark.parametrize("zone", [FAR_AWAY, "America/Los_Angeles"])
def test_working_days_count_on_the_amsterdam_calendar(db, zone):
    # Friday 23:30 in Amsterdam (already Saturday far away, still Friday in Los Angeles): two
    # working days on is Tuesday 23:30 in Amsterdam; Christmas and Boxing Day don't count.
    friday_evening = datetime(2026, 11, 27, 22, 30, tzinfo=UTC)
    before_christmas = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)
    with server_time_zone(db, zone):
        assert add_working_days(friday_evening, 2) == datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
        assert add_working_days(before_christmas, 1) == datetime(2026, 12, 28, 10, 0, tzinfo=UTC)
