"""Logging in and out, sessions that really end, brute-force limits and password storage."""

from datetime import timedelta

import pytest
from werkzeug.security import generate_password_hash

from panel.accounts.models import FailedLogin, LoginSession
from panel.config import TestConfig
from panel.database import utcnow
from panel.security import Role

from ..conftest import PASSWORD


@pytest.mark.parametrize("lang, greeting", [("nl", "Hoi"), ("en", "Hello")])
def test_log_in_and_out_in_both_languages(client, make_user, lang, greeting):
    user = make_user(locale=lang)
    response = client.post(
        f"/{lang}/login", data={"email": user.email.upper(), "password": PASSWORD}
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert greeting in page and user.name in page
    response = client.post(f"/{lang}/logout")
    assert response.status_code == 302
    assert client.get(f"/{lang}/account").status_code == 302


def test_logout_needs_post(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/en/logout").status_code == 405
    assert client.get("/en/account").status_code == 200


def test_unknown_account_and_wrong_password_answer_alike(client, make_user):
    user = make_user()
    wrong = client.post("/en/login", data={"email": user.email, "password": "not the password"})
    unknown = client.post(
        "/en/login", data={"email": "nobody@example.org", "password": "whatever1"}
    )
    assert wrong.status_code == unknown.status_code == 200
    message = "don&#39;t match an account"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    client.get("/en/login")
    before = client.get_cookie("panel_session")
    client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    after = client.get_cookie("panel_session")
    assert after is not None and (before is None or before.value != after.value)
    assert LoginSession.query.filter_by(user_id=user.id).count() == 1


def test_replayed_cookie_after_logout_is_refused(app, client, make_user, login_as):
    login_as(make_user())
    stolen = client.get_cookie("panel_session").value
    client.post("/en/logout")
    thief = app.test_client()
    thief.set_cookie("panel_session", stolen)
    response = thief.get("/en/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_ends_other_sessions(app, client, make_user, login_as):
    user = make_user()
    other_device = app.test_client()
    other_device.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert other_device.get("/en/account").status_code == 200
    login_as(user)
    old_cookie = client.get_cookie("panel_session").value
    response = client.post(
        "/en/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new sentence",
            "confirm": "a brand new sentence",
        },
    )
    assert response.status_code == 302
    assert client.get("/en/account").status_code == 200  # this browser stays logged in
    assert other_device.get("/en/account").status_code == 302
    replay = app.test_client()
    replay.set_cookie("panel_session", old_cookie)
    assert replay.get("/en/account").status_code == 302


def test_password_change_needs_the_current_password(client, make_user, login_as):
    login_as(make_user())
    response = client.post(
        "/en/account/password",
        data={
            "current_password": "wrong one!",
            "password": "a brand new sentence",
            "confirm": "a brand new sentence",
        },
    )
    assert response.status_code == 200
    assert "That is not your current password" in response.get_data(as_text=True)


def test_idle_session_times_out(app, client, make_user, login_as):
    login_as(make_user())
    with client.session_transaction() as session:
        session["seen"] = int(
            (utcnow() - app.config["IDLE_TIMEOUT"] - timedelta(minutes=1)).timestamp()
        )
    response = client.get("/en/account")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remembered_login_is_bounded(app, db, make_user):
    user = make_user()
    client = app.test_client()
    client.post("/en/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    row = LoginSession.query.filter_by(user_id=user.id).one()
    assert row.is_remembered
    lifetime = row.expires_at - row.created_at
    assert timedelta(days=1) < lifetime <= app.config["REMEMBER_COOKIE_DURATION"]
    client.delete_cookie("panel_session")
    assert client.get("/en/account").status_code == 200  # the remember cookie logs back in
    # Past its end the remember cookie no longer logs anyone in.
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    client.delete_cookie("panel_session")
    assert client.get("/en/account").status_code == 302


def test_failed_logins_are_limited_per_account(app, client, db, make_user):
    user = make_user()
    limit = app.config["MAX_FAILED_LOGINS_PER_HOUR"]
    assert limit <= 100
    db.session.add_all(FailedLogin(user_id=user.id) for _ in range(limit))
    db.session.commit()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 200  # refused even with the right password
    for row in FailedLogin.query.filter_by(user_id=user.id):
        row.created_at = utcnow() - timedelta(hours=2)
    db.session.commit()
    assert (
        client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )


def test_wrong_passwords_are_counted_in_the_database(client, make_user):
    user = make_user()
    for _ in range(3):
        client.post("/en/login", data={"email": user.email, "password": "wrong password"})
    assert FailedLogin.query.filter_by(user_id=user.id).count() == 3


def test_login_is_rate_limited_per_address(app, make_user):
    from panel.extensions import limiter

    app.config["RATELIMIT_LOGIN"] = "20 per minute"
    limiter.reset()
    try:
        client = app.test_client()
        codes = [
            client.post(
                "/en/login",
                data={"email": "a@example.org", "password": "x" * 8},
                environ_base={"REMOTE_ADDR": "10.1.2.3"},
            ).status_code
            for _ in range(21)
        ]
        assert codes[:20] == [200] * 20 and codes[20] == 429
        other = client.post(
            "/en/login",
            data={"email": "a@example.org", "password": "x" * 8},
            environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        assert other.status_code == 200
        assert "Even rustig aan" in client.post(
            "/nl/login", data={}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
        ).get_data(as_text=True)
    finally:
        app.config["RATELIMIT_LOGIN"] = TestConfig.RATELIMIT_LOGIN
        limiter.reset()


def test_passwords_are_stored_as_argon2id_with_asvs_parameters(make_user):
    user = make_user(password="an unusual sentence here")
    assert user.password_hash.startswith("$argon2id$")
    params = dict(part.split("=") for part in user.password_hash.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024 and int(params["t"]) >= 2


@pytest.mark.parametrize("legacy", ["scrypt", "pbkdf2:sha256"])
def test_old_hashes_are_upgraded_at_login(client, db, make_user, legacy):
    user = make_user()
    user.password_hash = generate_password_hash(PASSWORD, method=legacy)
    db.session.commit()
    assert (
        client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$")


def test_disabled_account_cannot_log_in(client, db, make_user):
    user = make_user(roles=[Role.REVIEWER])
    user.is_enabled = False
    db.session.commit()
    assert (
        client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 200
    )
