"""Panel health at volume (issue 13): every figure on the page comes from a kept snapshot
(membership.health.HealthSnapshot), counted by `flask panel refresh-health` and by the manager's
"Count again" button, at most once a minute. The page says when they were counted; after changes
and a count they equal a recount member by member. Showing the page writes nothing."""
# ruff: noqa: F811 (the fixtures imported below are parameters of the tests)

import html
import itertools
import re
import sqlite3
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from panel import signals
from panel.database import AMSTERDAM, utcnow
from panel.extensions import db as _db
from panel.feedback.models import TouchpointResponse
from panel.feedback.results import nps_text
from panel.i18n import speaking
from panel.membership import health
from panel.membership.forms import LEAVE_REASON_CHOICES
from panel.membership.health import HealthSnapshot
from panel.membership.joining import quota_fills
from panel.membership.models import IN_PANEL, Member, MemberStatus, QuotaTarget
from panel.membership.segments import AgeBand, CustomerType, Region
from panel.rounds.models import Invitation
from panel.security import Role

from .conftest import PASSWORD, join_data
from .rounds.conftest import make_round, owner  # noqa: F401 - fixtures
from .test_jobs_twice import run_twice_at_once


class Clock:
    """The health module's clock, moved on by hand (a refresh counts at most once a minute)."""

    def __init__(self):
        self.now = utcnow().replace(second=5, microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(health, "utcnow", clock)
    return clock


@pytest.fixture
def manager(app, make_user):
    """A logged-in panel manager's client, apart from the test's `client`."""
    user = make_user(roles=[Role.PANEL_MANAGER], name="Maud Manager")
    manager = app.test_client()
    response = manager.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return manager


def snapshots():
    _db.session.rollback()  # what the requests committed
    return _db.session.scalar(select(func.count()).select_from(HealthSnapshot))


# What the page shows, read back from its HTML ----------------------------------------------


def section(page, heading_id):
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def rows(fragment):
    """[[cell text, …]] of a table's body rows."""
    body = fragment[fragment.index("<tbody>") :]
    return [
        [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def number(text):
    return int(text.replace(",", ""))


def shown(page):
    stats = dict(
        (html.unescape(label), html.unescape(value))
        for value, label in re.findall(
            r'<span class="stat-value">(.*?)</span><span class="stat-label">(.*?)</span>', page
        )
    )
    return {
        "in panel": number(
            stats.get("members in the panel") or stats.get("member in the panel") or "0"
        ),
        "iso active": number(
            stats["took part or updated their profile in the last 12 months (ISO 20252)"]
        ),
        "statuses": {name: number(count) for name, count in rows(section(page, "status-heading"))},
        "composition": {
            segment: number(fill)
            for segment, fill, _target in rows(section(page, "composition-heading"))
        },
        "funnel": {
            source: tuple(map(number, counts[:3]))
            for source, *counts in rows(section(page, "funnel-heading"))
            if len(counts) == 4
        },
        "answered": stats[
            "of invitations answered (90 days; counting invitations sent at least 48 hours ago"
            " or in a closed round)"
        ],
        "over limit": number(stats["members invited more often than the limit (30 days)"]),
        "panel nps": next(
            (value, label) for label, value in stats.items() if label.startswith("panel NPS")
        ),
        "reasons": rows(section(page, "reasons-heading")),
    }


def recount():
    """The same figures counted member by member, in Python (not the snapshot's SQL)."""
    _db.session.rollback()
    members = Member.query.all()
    in_panel = [m for m in members if m.status in IN_PANEL]
    since = utcnow() - timedelta(days=365)
    targets = QuotaTarget.query.order_by(
        QuotaTarget.customer_type, QuotaTarget.age_band, QuotaTarget.region
    ).all()
    funnel = {}
    for m in members:
        joined, confirmed, active = funnel.get(m.source or "(no source)", (0, 0, 0))
        funnel[m.source or "(no source)"] = (
            joined + 1,
            confirmed + (m.confirmed_at is not None),
            active + (m.activated_at is not None),
        )
    statuses = Counter(m.status for m in members)
    recent = [i for i in Invitation.query.all() if i.created_at > utcnow() - timedelta(days=90)]
    counted = [i for i in recent if i.created_at <= utcnow() - timedelta(hours=48)]
    answered = sum(i.status in ("accepted", "declined") for i in counted)
    per_member = Counter(
        i.member_id for i in recent if i.created_at > utcnow() - timedelta(days=30)
    )
    with speaking("en"):
        statuses = {str(status.title): statuses[status.value] for status in MemberStatus}
        composition = {
            str(target.describe()): fill
            for target, fill in zip(targets, quota_fills(targets), strict=True)
        }
    left = Counter(
        m.leave_reason
        for m in members
        if m.status == "left" and m.left_at > utcnow() - timedelta(days=372)
    )
    with speaking("en"):
        titles = {code: str(title) for code, title in LEAVE_REASON_CHOICES}
        reasons = [[titles[code], str(count)] for code, count in left.most_common()]
    scores = [
        t.score
        for t in TouchpointResponse.query.all()
        if t.created_at > utcnow() - timedelta(days=90)
    ]
    nps = (
        100 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)
        if scores
        else None
    )
    answers = f"{len(scores)} answer" + ("" if len(scores) == 1 else "s")
    return {
        "in panel": len(in_panel),
        "iso active": sum(m.last_active_at >= since for m in in_panel if m.last_active_at),
        "statuses": statuses,
        "composition": composition,
        "funnel": funnel,
        "answered": f"{round(100 * answered / len(counted))}%" if counted else "—",
        "over limit": sum(n > 4 for n in per_member.values()),  # the default limit is 4
        "panel nps": (nps_text(nps), f"panel NPS after sessions, 90 days ({answers})"),
        "reasons": reasons or [["Nobody left in the last 12 months."]],
    }


@pytest.fixture
def panel_data(db, make_member, make_round):
    """Members in every status and segment, quotas, and a round's invitations."""
    members = [
        make_member(customer_type="prepaid", birth_year=2000, source="store"),
        make_member(customer_type="prepaid", birth_year=1960, postcode="1011"),
        make_member(customer_type="business", birth_year=1980, source="website"),
        make_member(status="paused", customer_type="subscription", birth_year=1990),
        make_member(status="pending", birth_year=1970, source="website"),
        make_member(status="reserve", birth_year=1995),
        make_member(status="applicant", birth_year=1999, source="store"),
    ]
    members[0].confirmed_at = members[0].activated_at = utcnow()
    members[1].last_active_at = utcnow() - timedelta(days=400)
    members[2].last_active_at = utcnow() - timedelta(days=10)
    db.session.add_all(
        [
            QuotaTarget(customer_type="prepaid", target=5),
            QuotaTarget(customer_type="prepaid", age_band="16-24", target=2),
            QuotaTarget(region="utrecht", target=10),
            QuotaTarget(age_band="55-64", region="noord-holland", target=1),
        ]
    )
    round_ = make_round()
    for member, status, days in zip(
        members[:5],
        ["accepted", "declined", "invited", "invited", "accepted"],
        [3, 5, 10, 1, 60],
        strict=True,
    ):
        db.session.add(
            Invitation(
                round_id=round_.id,
                member_id=member.id,
                status=status,
                created_at=utcnow() - timedelta(days=days),
            )
        )
    db.session.commit()
    return members, round_


def test_the_page_equals_a_recount_after_joining_leaving_and_invitations(
    app, db, clock, manager, panel_data, make_round, login_as, client
):
    members, round_ = panel_data
    # No count kept yet: the page counts now, and keeps nothing (a GET changes nothing).
    page = manager.get("/en/manage/health").get_data(as_text=True)
    assert shown(page) == recount()
    assert snapshots() == 0

    response = manager.post("/en/manage/health/refresh")
    assert response.status_code == 302 and response.location.endswith("/en/manage/health")
    assert snapshots() == 1
    page = manager.get("/en/manage/health").get_data(as_text=True)
    assert "The figures have been counted again." in page
    before = shown(page)
    assert before == recount()
    assert before["reasons"] == [["Nobody left in the last 12 months."]]

    # Someone joins through the form, a member leaves, members are invited and answer, and
    # panelists rate a session.
    joiner = app.test_client()
    assert joiner.post("/en/join", data=join_data(source="poster")).status_code == 302
    login_as(members[1].user)
    response = client.post("/en/me/leave", data={"reason": "no_time", "confirm": "y"})
    assert response.status_code == 302
    for member, status in zip(
        members[2:6], ["accepted", "declined", "declined", "invited"], strict=True
    ):
        db.session.add(
            Invitation(
                round_id=make_round().id,
                member_id=member.id,
                status=status,
                created_at=utcnow() - timedelta(days=4),
            )
        )
    for _ in range(5):  # one member invited more often than the limit
        db.session.add(
            Invitation(
                round_id=make_round().id,
                member_id=members[0].id,
                created_at=utcnow() - timedelta(days=3),
            )
        )
    db.session.add_all([TouchpointResponse(score=score) for score in (10, 9, 3)])
    db.session.commit()

    # Until counted again the page shows the figures as they were, and says when they are from.
    page = manager.get("/en/manage/health").get_data(as_text=True)
    assert shown(page) == before != recount()
    kept_at = health.newest_snapshot().taken_at
    assert kept_at == clock.now.replace(second=0)
    counted_on = kept_at.astimezone(AMSTERDAM)  # the page speaks Amsterdam's calendar
    assert f"These figures were counted on {counted_on:%-d %b %Y}" in html.unescape(page)

    # Counting again within the same minute changes nothing; a minute on, it counts.
    page = manager.post("/en/manage/health/refresh", follow_redirects=True).get_data(as_text=True)
    assert "The figures were counted less than a minute ago." in page
    assert shown(page) == before
    clock.advance(minutes=1)
    page = manager.post("/en/manage/health/refresh", follow_redirects=True).get_data(as_text=True)
    after = shown(page)
    assert after == recount() != before
    assert after["in panel"] == before["in panel"] - 1  # the leaver; the joiner is an applicant
    assert after["over limit"] == 1
    assert after["reasons"] == [["I don't have time for it", "1"]]
    assert after["panel nps"] == ("+33", "panel NPS after sessions, 90 days (3 answers)")
    assert snapshots() == 2


def test_the_cron_job_counts_and_keeps_a_day(app, db, clock, panel_data):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["panel", "refresh-health"])
    assert result.exit_code == 0 and "Panel health counted." in result.output
    result = runner.invoke(args=["panel", "refresh-health"])
    assert "counted this minute" in result.output
    assert snapshots() == 1
    first = health.newest_snapshot().taken_at
    clock.advance(hours=25)
    runner.invoke(args=["panel", "refresh-health"])
    # Counts older than a day go: only the newest one is left.
    _db.session.rollback()
    assert [s.taken_at for s in HealthSnapshot.query.all()] == [first + timedelta(hours=25)]
    figures = health.kept_figures()
    assert figures.taken_at == clock.now.replace(second=0)
    assert figures.in_panel == recount()["in panel"]


def test_the_job_lets_others_write_while_it_counts(app, db, database_url, panel_data):
    """SQLite: the count holds no write lock (only the insert at its end does), so a member
    answering meanwhile is not kept waiting."""
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's write lock")
    db.session.commit()
    written = []

    def write_meanwhile(_sender, now):
        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=0) as other:
            other.execute("BEGIN IMMEDIATE")  # "database is locked" if the job held the lock
            other.execute("ROLLBACK")
        written.append(now)
        return "probe", {}

    with signals.panel_health_counts.connected_to(write_meanwhile):
        result = app.test_cli_runner().invoke(args=["panel", "refresh-health"])
    assert result.exit_code == 0, result.output
    assert len(written) == 1 and snapshots() == 1


def test_two_counts_at_once_keep_one(app, db, clock, panel_data):
    """Two managers press at the same moment (or cron and a manager): both answer without an
    error, one count is kept, and it equals a recount."""
    db.session.commit()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def press():
        with app.app_context():
            try:
                barrier.wait()
                results.append(health.refresh())
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - any error fails the test
                errors.append(error)
                _db.session.rollback()

    threads = [threading.Thread(target=press) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(results) == [False, True]
    assert snapshots() == 1
    assert health.kept_figures().in_panel == recount()["in panel"]


def test_the_job_twice_at_once_keeps_one_count(app, db, clock, panel_data):
    run_twice_at_once(app, db, "refresh-health")
    assert snapshots() == 1


def test_only_panel_managers_count_again(app, db, client, make_user, login_as):
    for roles in ([Role.PANELIST], [Role.REVIEWER], [Role.PRODUCT_OWNER]):
        login_as(make_user(roles=roles))
        assert client.post("/en/manage/health/refresh").status_code == 403
    assert snapshots() == 0


def test_dutch_page_says_how_fresh_the_figures_are(db, clock, manager, panel_data):
    manager.post("/nl/manage/health/refresh")
    page = html.unescape(manager.get("/nl/manage/health").get_data(as_text=True))
    assert "Deze cijfers zijn geteld op" in page
    assert "Opnieuw tellen" in page


def test_query_budget_does_not_grow_with_rows(db, clock, manager, count_queries, make_round):
    """The page reads the newest kept count and the quotas, whatever the panel's size."""
    round_ = make_round()
    serial = iter(range(2_000_000, 3_000_000))
    segments = itertools.product(CustomerType.values(), AgeBand.values(), Region.values())

    def add(n):
        now = utcnow()
        member_ids = db.session.scalars(
            insert(Member).returning(Member.id),
            [
                {
                    "number": next(serial),
                    "status": status,
                    "customer_type": "prepaid",
                    "birth_year": 1980 + k % 30,
                    "source": "store" if k % 2 else None,
                    "left_at": now - timedelta(days=k % 300) if status == "left" else None,
                    "leave_reason": "no_time" if status == "left" else None,
                    "last_active_at": now - timedelta(days=k),
                    "accepted_statement_version": 1,
                }
                for k in range(n)
                for status in ("active", "left", "pending")
            ],
        ).all()
        db.session.execute(
            insert(Invitation),
            [
                {"round_id": round_.id, "member_id": member_id, "created_at": now}
                for member_id in member_ids
            ],
        )
        db.session.execute(
            insert(QuotaTarget),
            [
                {"customer_type": c, "age_band": a, "region": r, "target": 10}
                for c, a, r in itertools.islice(segments, n)
            ],
        )
        db.session.execute(insert(TouchpointResponse), [{"score": k % 11} for k in range(n)])
        db.session.commit()
        clock.advance(minutes=1)
        assert manager.post("/en/manage/health/refresh").status_code == 302

    counts = []
    for n in (5, 50):
        add(n)
        with count_queries() as queries:
            page = manager.get("/en/manage/health").get_data(as_text=True)
        counts.append(queries)
        assert shown(page)["in panel"] == db.session.scalar(
            select(func.count()).select_from(Member).where(Member.status.in_(IN_PANEL))
        )
    small, large = counts
    assert small.count == large.count, str(large)
    assert large.count <= 3, str(large)  # the login, the newest count, the quotas as set now
    counted = ("FROM members", "FROM invitations", "FROM touchpoint_responses")
    assert not any(table in s for s in large.statements for table in counted), str(large)
