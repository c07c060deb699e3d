"""The skeleton: language in the URL, health check, headers, error pages, production guard."""

import html

import pytest
from sqlalchemy import text

from panel import create_app
from panel.config import TestConfig
from panel.database import utcnow

from .conftest import vars_of


@pytest.mark.parametrize(
    "accept, expected",
    [("en-GB,en;q=0.9", "/en/"), ("nl-NL", "/nl/"), ("de-DE", "/nl/"), ("", "/nl/")],
)
def test_root_redirects_by_browser_language(client, accept, expected):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(expected)


def test_root_prefers_cookie_over_browser(client):
    client.set_cookie("panel_lang", "en")
    response = client.get("/", headers={"Accept-Language": "nl"})
    assert response.headers["Location"].endswith("/en/")


def test_root_prefers_saved_language_over_cookie(client, make_user, login_as):
    login_as(make_user(locale="en"))
    client.set_cookie("panel_lang", "nl")
    assert client.get("/").headers["Location"].endswith("/en/")


@pytest.mark.parametrize(
    "lang, words",
    [("nl", "Help ons betere producten te maken"), ("en", "Help us make better products")],
)
def test_home_renders_in_its_language(client, lang, words):
    page = client.get(f"/{lang}/").get_data(as_text=True)
    assert f'<html lang="{lang}">' in page
    assert words in page


def test_unknown_language_is_not_found(client):
    assert client.get("/fr/").status_code == 404


def test_visiting_a_language_remembers_it(client):
    client.get("/en/login")
    assert client.get_cookie("panel_lang").value == "en"


def test_language_switcher_keeps_path_and_query(client):
    page = client.get("/nl/login?next=/nl/account").get_data(as_text=True)
    assert 'name="next" value="/en/login?next=/nl/account"' in page.replace("&amp;", "&").replace(
        "%2F", "/"
    )


def test_language_switch_is_saved_for_a_logged_in_user_who_says_so(client, db, make_user, login_as):
    """The switch alone changes the page; the saved language waits for the answer to the question
    it asks (tests/test_language_switch.py)."""
    user = make_user(locale="nl")
    login_as(user)
    response = client.post("/language", data={"lang": "en", "next": "/en/account"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/account")
    db.session.refresh(user)
    assert user.locale == "nl"
    client.post("/language", data={"lang": "en", "next": "/en/account", "emails": "yes"})
    db.session.refresh(user)
    assert user.locale == "en"


def test_language_switch_refuses_offsite_next(client):
    response = client.post("/language", data={"lang": "en", "next": "//evil.example/"})
    assert response.headers["Location"].endswith("/en/")


def test_health_check_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": True}


def test_health_check_reports_unreachable_database(tmp_path):
    broken = create_app(
        dict(
            vars_of(TestConfig),
            SQLALCHEMY_DATABASE_URI="sqlite:///" + str(tmp_path / "no" / "x.db"),
        )
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] is False


def test_security_headers_on_every_page(client):
    response = client.get("/nl/")
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_pages_of_logged_in_users_are_not_stored(client, make_user, login_as):
    assert client.get("/nl/").headers.get("Cache-Control") != "no-store"
    login_as(make_user())
    assert client.get("/nl/account").headers["Cache-Control"] == "no-store"


def test_hsts_in_production_settings(app):
    app.config["HSTS"] = True
    try:
        assert "max-age" in app.test_client().get("/nl/").headers["Strict-Transport-Security"]
    finally:
        app.config["HSTS"] = False


def test_too_large_request_gets_translated_413(client):
    response = client.post("/nl/login", data={"email": "x" * (1024 * 1024 + 10)})
    assert response.status_code == 413
    assert "Dat is te veel in één keer" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "lang, title", [("nl", "We kunnen deze pagina niet vinden"), ("en", "We can't find that page")]
)
def test_not_found_page_is_translated(client, lang, title):
    response = client.get(f"/{lang}/no-such-page")
    assert response.status_code == 404
    assert title in html.unescape(response.get_data(as_text=True))


def test_unexpected_error_shows_no_trace():
    app = create_app(
        dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI="sqlite://", PROPAGATE_EXCEPTIONS=False)
    )

    @app.route("/<lang>/boom")
    def boom():
        raise RuntimeError("secret internals")

    boom.is_public = True
    response = app.test_client().get("/en/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in body
    assert "secret internals" not in body and "Traceback" not in body


@pytest.mark.parametrize("key", [None, "dev-only-secret-key-not-for-production", "short"])
def test_production_refuses_weak_secret_key(key):
    class Production(TestConfig):
        ENV = "production"
        SECRET_KEY = key

    with pytest.raises(RuntimeError, match="PANEL_SECRET_KEY"):
        create_app(Production)


def test_production_starts_with_a_strong_key():
    class Production(TestConfig):
        ENV = "production"
        SECRET_KEY = "x" * 40

    assert create_app(Production).config["ENV"] == "production"


def test_sqlite_settings_for_concurrent_use(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings only apply to SQLite")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_timestamps_come_back_aware_utc(db, make_user):
    user = make_user()
    db.session.expire_all()
    assert user.created_at.tzinfo is not None
    assert abs((utcnow() - user.created_at).total_seconds()) < 60
    assert db.session.execute(text("SELECT 1")).scalar() == 1
