"""Cookies in production: Secure, HttpOnly and SameSite=Lax, by default."""

import ast
import os
import subprocess
import sys

import pytest

from panel import create_app
from panel.config import PROJECT_ROOT, TestConfig
from tests.conftest import PASSWORD, IsolatedClient, vars_of

COOKIE_SETTINGS = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "REMEMBER_COOKIE_SECURE",
    "REMEMBER_COOKIE_HTTPONLY",
    "REMEMBER_COOKIE_SAMESITE",
)


def settings_for(**env):
    """The cookie settings a fresh process reads from these PANEL_* variables (none else)."""
    script = "from panel.config import Config; print(repr({n: getattr(Config, n) for n in %r}))"
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PANEL_")} | env
    result = subprocess.run(
        [sys.executable, "-c", script % (COOKIE_SETTINGS,)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return ast.literal_eval(result.stdout)


@pytest.fixture(scope="module")
def production_settings():
    return settings_for()


def test_production_is_the_default_and_its_cookies_are_secure(production_settings):
    assert production_settings == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
    }
    assert settings_for(PANEL_ENV="development")["SESSION_COOKIE_SECURE"] is False


def test_login_sets_its_cookies_with_the_production_flags(
    database_url, production_settings, make_member
):
    app = create_app(
        dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI=database_url, **production_settings)
    )
    app.test_client_class = IsolatedClient
    member = make_member()
    response = app.test_client().post(
        "/en/login", data={"email": member.user.email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    cookies = {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}
    for name in ("panel_session", "panel_remember"):
        flags = [part.strip() for part in cookies[name].split(";")]
        assert "Secure" in flags and "HttpOnly" in flags and "SameSite=Lax" in flags, name
