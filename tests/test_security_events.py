"""Security events: one JSON line each on the `panel.security` logger, with an event name and
no personal data (no e-mail address, name, password, code, token or typed reason)."""

import json
import logging

import pytest

from panel.accounts.models import FailedLogin
from panel.security import Role

from .conftest import PASSWORD, csrf_token_from, two_factor_code


@pytest.fixture
def events(caplog):
    caplog.set_level(logging.INFO, logger="panel.security")

    def read():
        records = [r for r in caplog.records if r.name == "panel.security"]
        parsed = [json.loads(r.getMessage()) for r in records]  # every line is JSON
        assert all(isinstance(p.get("event"), str) for p in parsed)
        return parsed, "\n".join(r.getMessage() for r in records)

    return read


def names(parsed):
    return [p["event"] for p in parsed]


def test_logins_lockout_two_factor_roles_refusals_and_exports_are_logged_without_personal_data(
    app, client, db, make_user, make_member, login_as, events
):
    secrets = [PASSWORD, "wrong horse battery", "Calling the session group"]

    # Login failures (unknown account, wrong password), success.
    panelist = make_user(email="pat.panel@example.org", name="Pat Panel")
    client.post("/en/login", data={"email": "nobody@example.org", "password": "whatever pw"})
    client.post("/en/login", data={"email": panelist.email, "password": "wrong horse battery"})
    login_as(panelist)
    # Access denied: a panelist on an administration page.
    assert client.get("/en/admin/users").status_code == 403
    client.post("/en/logout")

    # Lockout.
    for _ in range(app.config["MAX_FAILED_LOGINS_PER_HOUR"]):
        db.session.add(FailedLogin(user_id=panelist.id))
    db.session.commit()
    client.post("/en/login", data={"email": panelist.email, "password": PASSWORD})

    # Two-factor: a wrong code, then the right one.
    admin = make_user(roles=[Role.ADMIN], email="anouk.admin@example.org", name="Anouk Admin")
    client.post("/en/login", data={"email": admin.email, "password": PASSWORD})
    client.post("/en/login/code", data={"totp-code": "000000"})
    code = two_factor_code(admin)
    secrets.append(code)
    assert client.post("/en/login/code", data={"totp-code": code}).status_code == 302

    # A role change by the administrator.
    colleague = make_user(roles=[Role.REVIEWER], email="rita.reviewer@example.org")
    client.post(
        f"/en/admin/users/{colleague.id}",
        data={"name": "Rita Reviewer", "locale": "en", "roles": ["reviewer", "panel_manager"]},
    )
    client.post("/en/logout")

    # An export with contact details.
    manager = make_user(roles=[Role.PANEL_MANAGER], email="mo.manager@example.org")
    make_member(email="secret.member@example.org", name="Secret Member")
    login_as(manager)
    response = client.post(
        "/en/manage/export",
        data={"include_contact": "y", "reason": "Calling the session group"},
    )
    assert "secret.member@example.org" in response.get_data(as_text=True)

    parsed, text = events()
    logged = names(parsed)
    for expected in [
        "login_failed",
        "login_succeeded",
        "access_denied",
        "login_locked_out",
        "login_password_accepted",
        "two_factor_failed",
        "two_factor_succeeded",
        "role_changed",
        "export_contact_details",
    ]:
        assert expected in logged, expected
    reasons = {p.get("reason") for p in parsed if p["event"] == "login_failed"}
    assert {"unknown_account", "wrong_password"} <= reasons
    change = next(p for p in parsed if p["event"] == "role_changed")
    assert change["user_id"] == colleague.id and change["actor_id"] == admin.id
    assert change["roles_after"] == ["panel_manager", "reviewer"]
    denied = next(p for p in parsed if p["event"] == "access_denied")
    assert denied["user_id"] == panelist.id and denied["endpoint"] == "admin.users"

    assert "@" not in text
    for name in ["Pat", "Anouk", "Rita", "Secret Member", "Panel", "Admin "]:
        assert name not in text
    for secret in secrets:
        assert secret not in text
    cookie = client.get_cookie("panel_session")
    assert cookie is None or cookie.value not in text


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_csrf_failures_are_logged(csrf_app, make_user, events):
    client = csrf_app.test_client()
    user = make_user()
    page = client.get("/en/login")
    client.post(
        "/en/login",
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(page)},
    )
    assert client.post("/en/logout", data={"csrf_token": "forged"}).status_code == 400
    # A form that keeps what was typed refuses a stale token itself; it is logged all the same.
    assert client.post("/en/account", data={"name": "Typed Name"}).status_code == 200
    parsed, text = events()
    failures = [p for p in parsed if p["event"] == "csrf_failure"]
    assert [p["endpoint"] for p in failures] == ["accounts.logout", "accounts.account"]
    assert all(p["user_id"] == user.id for p in failures)
    assert "forged" not in text and "Typed Name" not in text and "@" not in text
