"""Panel health read from grouped, index-only queries (issue 13): the same figures as counting
member by member, and plans that never read the member rows."""

import itertools
import random
from datetime import timedelta

import pytest
from sqlalchemy import event, insert

from panel.database import utcnow
from panel.extensions import db as _db
from panel.membership import health
from panel.membership.joining import quota_fills
from panel.membership.models import Member, QuotaTarget
from panel.membership.segments import AgeBand, CustomerType, Region

STATUSES = ["active", "active", "paused", "pending", "reserve", "left", "applicant"]


@pytest.fixture
def members(db):
    rng = random.Random(13)
    now = utcnow()
    rows = []
    for k in range(400):
        rows.append(
            {
                "number": 500_000 + k,
                "status": rng.choice(STATUSES),
                "customer_type": rng.choice(CustomerType.values() + [None]),
                "region": rng.choice(Region.values()[:4] + [None]),
                "birth_year": rng.choice([None, *range(1940, 2011)]),
                "source": rng.choice(["website", "store", None]),
                "confirmed_at": rng.choice([None, now]),
                "activated_at": rng.choice([None, now]),
                "joined_at": now - timedelta(days=400),
                "last_active_at": now - timedelta(days=rng.randint(0, 700)),
                "accepted_statement_version": 1,
            }
        )
    db.session.execute(insert(Member), rows)
    db.session.commit()


def test_composition_equals_counting_each_target(db, members):
    targets = [
        QuotaTarget(customer_type=c, age_band=a, region=r, target=10)
        for c, a, r in itertools.product(
            [None, *CustomerType.values()], [None, *AgeBand.values()], [None, *Region.values()[:3]]
        )
    ]
    db.session.add_all(targets)
    db.session.commit()

    shown = health.composition()

    assert [target for target, _fill in shown] == QuotaTarget.query.order_by(
        QuotaTarget.customer_type, QuotaTarget.age_band, QuotaTarget.region
    ).all()
    expected = quota_fills([target for target, _fill in shown])
    assert [fill for _target, fill in shown] == expected
    assert any(expected) and not all(expected)


def test_funnel_and_iso_active_equal_a_recount(db, members):
    everyone = Member.query.all()
    funnel = {row["source"]: row for row in health.recruitment_funnel()}
    for source in ("website", "store", None):
        group = [m for m in everyone if m.source == source]
        row = funnel[source or ""]
        assert row["joined"] == len(group)
        assert row["confirmed"] == sum(m.confirmed_at is not None for m in group)
        assert row["active"] == sum(m.activated_at is not None for m in group)
    joined = [row["joined"] for row in health.recruitment_funnel()]
    assert joined == sorted(joined, reverse=True)

    since = utcnow() - timedelta(days=365)
    in_panel = [m for m in everyone if m.status in ("pending", "active", "paused")]
    assert health.iso_active() == (
        sum(m.last_active_at >= since for m in in_panel),
        len(in_panel),
    )


def test_health_reads_indexes_not_member_rows(db, members):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "members" in statement:
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append((statement, " | ".join(str(row[-1]) for row in rows)))

    _db.session.add(QuotaTarget(customer_type="prepaid", age_band="25-34", target=5))
    _db.session.commit()

    event.listen(_db.engine, "before_cursor_execute", explain)
    try:
        health.members_by_status()
        health.composition()
        health.leavers_per_month()
        health.leave_reasons()
        health.iso_active()
        health.recruitment_funnel()
    finally:
        event.remove(_db.engine, "before_cursor_execute", explain)
    member_plans = [(s, p) for s, p in plans if "FROM members" in s]
    assert len(member_plans) == 6, plans
    for statement, plan in member_plans:
        assert "COVERING INDEX" in plan, (statement, plan)
