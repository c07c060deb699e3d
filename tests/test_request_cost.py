"""What every request pays (budgets, not timings): a light logged-in page asks the database once
(its login session with the user, roles, member, the newest privacy statement's version and the
unread count), /healthz without a login only its own SELECT 1."""

from panel.membership.privacy import publish_statement
from panel.notifications.services import notify


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
