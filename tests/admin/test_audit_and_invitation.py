"""The audit log's filters (person, action, dates) and CSV export; inviting a reviewer into
streams."""

import csv
import io
from datetime import UTC, datetime

import pytest

from panel.accounts.models import User
from panel.audit import AuditEntry, record_audit
from panel.insights.models import Stream, StreamMember, seed_default_streams
from panel.security import Role


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], name="Ada Admin")
    login_as(user)
    return user


@pytest.fixture
def entries(db, admin, make_user):
    other = make_user(roles=[Role.PANEL_MANAGER], name="Pim Manager")
    AuditEntry.query.delete()  # the logins' own entries, if any
    rows = [
        ("quota.set", admin, datetime(2026, 3, 1, 10, 0, tzinfo=UTC)),
        ("quota.set", other, datetime(2026, 3, 5, 23, 30, tzinfo=UTC)),  # 6 March in Amsterdam
        ("tag.create", other, datetime(2026, 3, 9, 9, 0, tzinfo=UTC)),
        ("mail.purge", None, datetime(2026, 3, 10, 9, 0, tzinfo=UTC)),
    ]
    for action, actor, moment in rows:
        entry = record_audit(action, actor=actor, note="=HYPERLINK(1)")
        entry.actor_id = actor.id if actor else None
        entry.created_at = moment
    db.session.commit()
    return {"other": other}


def actions_on(page):
    return page.count('<td class="nowrap">')


def test_the_audit_log_filters_by_person_action_and_date(client, entries, admin):
    other = entries["other"]
    page = client.get(f"/en/admin/audit?person={other.id}").get_data(as_text=True)
    assert "2 entries" in page
    page = client.get("/en/admin/audit?action=quota.set").get_data(as_text=True)
    assert "2 entries" in page
    page = client.get("/en/admin/audit?person=system").get_data(as_text=True)
    assert "1 entry" in page
    # Dates are Amsterdam's: 23:30 UTC on 5 March is 6 March there.
    page = client.get("/en/admin/audit?since=2026-03-06&until=2026-03-09").get_data(as_text=True)
    assert "2 entries" in page
    page = client.get("/en/admin/audit?until=2026-03-05").get_data(as_text=True)
    assert "1 entry" in page
    assert 'href="/en/admin/audit.csv?until=2026-03-05"' in page


def test_former_staff_in_the_log_can_still_be_picked(client, db, entries, admin, make_user):
    """A manager who has left the staff (roles taken away) stays findable by person; a
    panelist who changed their own password is not offered (there can be thousands)."""
    other = entries["other"]
    other.role_rows.clear()
    from_panel = make_user(roles=[Role.PANELIST], name="Piet Panellid")
    record_audit("password.change", actor=from_panel)
    db.session.commit()
    page = client.get("/en/admin/audit").get_data(as_text=True)
    assert f'<option value="{other.id}">Pim Manager</option>' in page
    assert "Piet Panellid</option>" not in page
    page = client.get(f"/en/admin/audit?person={other.id}").get_data(as_text=True)
    assert "2 entries" in page


@pytest.mark.parametrize(
    "query, message",
    [
        ("since=2026-03-09&until=2026-03-01", "The end date is before the start date."),
        ("since=yesterday", "Please enter a date."),
        ("person=99999", "Please choose"),
        ("action=drop.table", "Please choose"),
    ],
)
def test_bad_filters_are_told_never_a_500(client, entries, admin, query, message):
    response = client.get(f"/en/admin/audit?{query}")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("lang, header", [("en", "When"), ("nl", "Wanneer")])
def test_the_audit_log_csv_follows_the_filters(client, entries, admin, lang, header):
    response = client.get(f"/{lang}/admin/audit.csv?action=quota.set")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") >= 5 else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    assert rows[0][0] == header and len(rows) == 3
    assert {row[3] for row in rows[1:]} == {"quota.set"}
    assert rows[2][0] == "2026-03-01 11:00"  # Amsterdam time (UTC+1 in March before the switch)
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_the_audit_log_reads_in_a_flat_number_of_queries(
    client, db, admin, make_user, count_queries
):
    people = [make_user(roles=[Role.REVIEWER]) for _ in range(3)]
    for number in range(60):
        record_audit("tag.create", actor=people[number % 3])
    db.session.commit()
    client.get("/en/admin/audit")  # warm up
    with count_queries() as few:
        client.get("/en/admin/audit?action=tag.create")
    for _ in range(60):
        record_audit("tag.update", actor=make_user(roles=[Role.REVIEWER]))
    db.session.commit()
    with count_queries() as many:
        client.get("/en/admin/audit?page=2")
    assert many.count <= few.count <= 8, str(many)


# Inviting a reviewer into streams -----------------------------------------------------------------


@pytest.fixture
def streams(db):
    seed_default_streams()
    db.session.commit()
    return {stream.slug: stream for stream in Stream.query.all()}


def invitation(**extra):
    return dict(email="rita@example.org", name="Rita Reviewer", locale="nl", **extra)


def test_an_invited_reviewer_is_put_in_streams(client, db, streams, admin):
    chosen = [streams["billing"].id, streams["network"].id]
    page = client.get("/en/admin/users/new").get_data(as_text=True)
    assert "Streams (for a reviewer)" in page and "Billing and finance" in page
    response = client.post(
        "/en/admin/users/new",
        data=invitation(roles=["reviewer"], streams=[str(i) for i in chosen]),
    )
    assert response.status_code == 302
    user = User.query.filter_by(email="rita@example.org").one()
    assert sorted(row.stream_id for row in StreamMember.query.filter_by(user_id=user.id)) == sorted(
        chosen
    )
    entry = AuditEntry.query.filter_by(action="user.streams", target_id=user.id).one()
    assert sorted(entry.details["streams"]) == ["billing", "network"]


@pytest.mark.parametrize(
    "lang, message", [("en", "tick the reviewer role"), ("nl", "rol beoordelaar")]
)
def test_streams_are_for_reviewers(client, db, streams, admin, lang, message):
    response = client.post(
        f"/{lang}/admin/users/new",
        data=invitation(roles=["product_owner"], streams=[str(streams["billing"].id)]),
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'value="Rita Reviewer"' in page
    assert User.query.filter_by(email="rita@example.org").count() == 0


def test_an_archived_stream_is_not_offered(client, db, streams, admin):
    streams["retail"].archived_at = datetime(2026, 1, 1, tzinfo=UTC)
    db.session.commit()
    page = client.get("/en/admin/users/new").get_data(as_text=True)
    assert "Retail" not in page
    response = client.post(
        "/en/admin/users/new",
        data=invitation(roles=["reviewer"], streams=[str(streams["retail"].id)]),
    )
    assert response.status_code == 200  # not a choice
    assert User.query.filter_by(email="rita@example.org").count() == 0
