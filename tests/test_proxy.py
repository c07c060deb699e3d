"""Behind a reverse proxy: X-Forwarded-For counts only for the configured number of proxies."""

import pytest
from flask import request

from panel import create_app
from panel.config import TestConfig
from panel.extensions import limiter
from tests.conftest import IsolatedClient, vars_of

LIMIT = "3 per minute"


def attempt(client, remote_addr, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post(
        "/en/login",
        data={"email": "nobody@example.org", "password": "x" * 12},
        headers=headers,
        environ_base={"REMOTE_ADDR": remote_addr},
    ).status_code


@pytest.fixture
def low_limit(app):
    app.config["RATELIMIT_LOGIN"] = LIMIT
    limiter.reset()
    yield
    app.config["RATELIMIT_LOGIN"] = TestConfig.RATELIMIT_LOGIN
    limiter.reset()


def test_forwarded_for_is_ignored_by_default(app, client, low_limit):
    """A client sending a new X-Forwarded-For each time is still one address to the limiter."""
    assert app.config["PROXY_COUNT"] == 0
    codes = [attempt(client, "192.0.2.10", f"198.51.100.{n}") for n in range(4)]
    assert codes == [200, 200, 200, 429]
    assert attempt(client, "192.0.2.11", "198.51.100.0") == 200


@pytest.fixture
def proxied_app(database_url):
    """The app behind one proxy (a second app: ProxyFix is set up by the factory)."""
    proxied = create_app(
        dict(
            vars_of(TestConfig),
            SQLALCHEMY_DATABASE_URI=database_url,
            PROXY_COUNT=1,
            RATELIMIT_LOGIN=LIMIT,
        )
    )
    proxied.test_client_class = IsolatedClient
    limiter.reset()
    yield proxied
    limiter.reset()


def test_forwarded_for_is_used_behind_one_proxy(proxied_app):
    client = proxied_app.test_client()
    proxy = "10.0.0.2"
    codes = [attempt(client, proxy, "203.0.113.7") for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another client behind the same proxy has limits of its own.
    assert attempt(client, proxy, "203.0.113.8") == 200
    # What the client wrote in front of the proxy's own entry is not believed.
    assert attempt(client, proxy, "203.0.113.99, 203.0.113.7") == 429


def test_the_address_behind_the_proxy_is_the_one_the_app_sees(proxied_app):
    seen = {}

    @proxied_app.route("/<lang>/whoami-test")
    def whoami():
        seen["address"], seen["scheme"] = request.remote_addr, request.scheme
        return ""

    whoami.is_public = True
    proxied_app.test_client().get(
        "/en/whoami-test",
        headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert seen == {"address": "203.0.113.7", "scheme": "https"}
