"""What every request pays (budgets, not timings): a light logged-in page asks the database once
(its login session with the user, roles, member, the newest privacy statement's version and the
unread count), /healthz without a login only its own SELECT 1."""

from panel.membership.privacy import publish_statement
from panel.notifications.services import notify

from .feedback.conftest import answer, make_release, product_owner  # noqa: F401
from .feedback.test_feedback import assert_counts_match_recount


def test_a_light_logged_in_page_runs_one_query(client, db, make_member, login_as, count_queries):
    member = make_member()
    notify(member.user, "welcome")
    notify(member.user, "welcome")
    db.session.commit()
    login_as(member.user)
    with count_queries() as queries:
        response = client.get("/en/account")
    assert response.status_code == 200
    # The folded values are the real ones: two unread notifications in the menu.
    assert '<span class="badge">2<span class="visually-hidden"> unread' in response.text
    assert queries.count == 1, str(queries)


def test_the_folded_statement_version_asks_for_a_new_statement(
    client, db, make_member, make_user, login_as
):
    member = make_member()
    login_as(member.user)
    assert client.get("/en/account").status_code == 200
    publish_statement("Nieuw", "New", "Anders", "Changed", actor=make_user())
    db.session.commit()
    response = client.get("/en/account")
    assert response.status_code == 302 and "/privacy" in response.location


def test_reading_the_notifications_updates_the_count_in_the_same_request(
    client, db, make_member, login_as
):
    member = make_member()
    notify(member.user, "welcome")
    db.session.commit()
    login_as(member.user)
    assert '<span class="badge">1' in client.get("/en/account").text
    response = client.post("/en/notifications/read", data={}, follow_redirects=True)
    assert response.status_code == 200
    assert '<span class="badge">' not in response.text


def test_healthz_without_a_login_runs_only_its_check(client, count_queries):
    with count_queries() as queries:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert queries.statements == ["SELECT 1"], str(queries)


def test_a_feedback_edit_runs_one_statement_per_count_table(
    client,
    db,
    make_release,  # noqa: F811
    make_member,
    login_as,
    count_queries,
):
    """Editing an answer changes eight score rows and four rating rows: one UPDATE statement for
    each table (run for its rows at once), and the kept counts still equal a recount."""
    release = make_release()
    member = make_member()
    login_as(member.user)
    first, second = release.changes
    answer(client, release, 9, **{f"change_{first.id}": "5", f"change_{second.id}": "not_used"})
    with count_queries() as queries:
        response = answer(
            client, release, 3, **{f"change_{first.id}": "2", f"change_{second.id}": "4"}
        )
    assert response.status_code == 302
    count_updates = [
        s
        for s in queries.statements
        if s.startswith(("UPDATE score_counts", "UPDATE rating_counts"))
    ]
    assert len(count_updates) == 2, str(queries)
    # The request's own statements (the test's reloads of its release come first).
    start = next(i for i, s in enumerate(queries.statements) if "FROM login_sessions" in s)
    assert len(queries.statements[start:]) <= 13, str(queries)
    assert_counts_match_recount(release)
