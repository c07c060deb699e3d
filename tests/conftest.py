"""Shared fixtures: the app on a throw-away database, clients, users and a real SMTP server."""

import os
import re
import socket
from contextlib import contextmanager

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from sqlalchemy import event

from panel import create_app
from panel.accounts.services import create_user
from panel.config import TestConfig
from panel.extensions import db as _db
from panel.security import Role, hash_password

PASSWORD = "a calm walk by the sea"
# Administrators must use two-factor login: make_user enrols them with this secret.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
POSTGRES_URL = os.environ.get("PANEL_TEST_DATABASE_URL", "")


class IsolatedClient(FlaskClient):
    """Each request runs in its own app context (own `g`, own db session), as in production."""

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            # The test's own changes become visible to the request, and its next reads see
            # what the request wrote (a fresh snapshot), like two separate processes.
            _db.session.commit()
        token = _cv_app.set(None)
        try:
            response = super().open(*args, **kwargs)
            # A streamed body (CSV exports) runs in the request's context: read it while that
            # context is still the current one.
            response.get_data()
            return response
        finally:
            _cv_app.reset(token)


def vars_of(config_class):
    """A config class as a mapping, to adjust before the app (and its engine) is made."""
    return {key: getattr(config_class, key) for key in dir(config_class) if key.isupper()}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if POSTGRES_URL:
        return POSTGRES_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def app(database_url):
    app = create_app(dict(vars_of(TestConfig), SQLALCHEMY_DATABASE_URI=database_url))
    app.test_client_class = IsolatedClient
    with app.app_context():
        _db.drop_all()
        _db.create_all()
    return app


@pytest.fixture(autouse=True)
def db(app):
    """The database, emptied after every test; the test body runs inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        empty_all_tables()


def empty_all_tables():
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{table.name}"' for table in tables)
            connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


class QueryCounter:
    """The SQL statements run while counting (transaction control left out: SQLite's BEGIN is a
    statement, PostgreSQL's is not)."""

    def __init__(self):
        self.statements = []

    @property
    def count(self):
        return len(self.statements)

    def __str__(self):
        return "\n".join(
            f"{number}. {statement[:200]}" for number, statement in enumerate(self.statements, 1)
        )


@pytest.fixture
def count_queries(db):
    """with count_queries() as queries: client.get(...) — then queries.count is the number run."""

    @contextmanager
    def counting():
        counter = QueryCounter()

        def record(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                counter.statements.append(" ".join(statement.split()))

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.fixture(scope="session")
def password_hash(app):
    with app.app_context():
        return hash_password(PASSWORD)


@pytest.fixture
def make_user(db, password_hash):
    """make_user(roles=[Role.ADMIN], locale="en", email=...) → a committed User."""
    counter = iter(range(1, 10_000))

    def make(
        roles=(Role.PANELIST,), locale="nl", email=None, name=None, password=PASSWORD, totp=None
    ):
        number = next(counter)
        user = create_user(
            email or f"user{number}@example.org", name or f"Test User {number}", locale, roles=roles
        )
        user.password_hash = password_hash if password == PASSWORD else hash_password(password)
        if totp if totp is not None else Role.ADMIN in roles:
            user.totp_secret = TOTP_SECRET
        db.session.commit()
        return user

    return make


def two_factor_code(user):
    """The current code of an enrolled user, usable again (the test forgets the step it used)."""
    import pyotp

    user.totp_last_step = None
    _db.session.commit()
    return pyotp.TOTP(user.totp_secret).now()


@pytest.fixture
def login_as(client):
    """login_as(user) logs the client in through the real login form (and the code page, for a
    user with two-factor login)."""

    def login(user, password=PASSWORD, remember=False):
        response = client.post(
            "/en/login",
            data={"email": user.email, "password": password, "remember": "y" if remember else ""},
        )
        assert response.status_code == 302, "login failed"
        if user.totp_secret:
            assert "/login/code" in response.location
            response = client.post("/en/login/code", data={"totp-code": two_factor_code(user)})
            assert response.status_code == 302 and "/login/code" not in response.location
        return response

    return login


def csrf_token_from(response):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no CSRF token in the page"
    return match.group(1)


# A real SMTP server on loopback ----------------------------------------------------------


class RecordingHandler:
    def __init__(self):
        self.messages = []
        self.refuse = False

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: try again later"
        self.messages.append(envelope)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real aiosmtpd server; points the app's SMTP settings at it for the test."""
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["SMTP_HOST"], app.config["SMTP_PORT"]
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port)
    try:
        yield handler
    finally:
        controller.stop()
        app.config["SMTP_HOST"], app.config["SMTP_PORT"] = old


def mail_body(envelope):
    """The plain-text part of a delivered message."""
    from email import message_from_bytes
    from email.policy import default

    message = message_from_bytes(envelope.content, policy=default)
    return message.get_body(preferencelist=("plain",)).get_content()


# Members ----------------------------------------------------------------------------------


def join_data(**overrides):
    """A complete, valid join form."""
    data = {
        "name": "Jamie Jansen",
        "email": "jamie@example.org",
        "password": "a quiet dutch canal",
        "locale": "en",
        "birth_year": "1990",
        "postcode": "3511 AB",
        "customer_type": "subscription",
        "years_as_customer": "3-5",
        "platform": "android",
        "app_usage": "weekly",
        "interests": ["app", "network"],
        "attends_physical": "y",
        "physical_region": "utrecht",
        "attends_online": "y",
        "consent_participation": "y",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def make_member(db, make_user):
    """make_member(status="active", customer_type=…, birth_year=…, …) → a committed Member."""
    from panel.membership.joining import new_member_number
    from panel.membership.models import Consent, Member
    from panel.membership.privacy import current_statement
    from panel.membership.segments import region_for_postcode

    def make(status="active", locale="en", email=None, name=None, postcode="3511", **profile):
        user = make_user(roles=[Role.PANELIST], locale=locale, email=email, name=name)
        statement = current_statement()
        values = {
            "birth_year": 1985,
            "customer_type": "subscription",
            "platform": "ios",
            "app_usage": "weekly",
            "attends_online": True,
        }
        values.update(profile)
        member = Member(
            user=user,
            number=new_member_number(),
            status=status,
            postcode=postcode,
            region=region_for_postcode(postcode).value,
            accepted_statement_version=statement.version,
            **values,
        )
        db.session.add(member)
        db.session.flush()
        db.session.add(
            Consent(
                member_id=member.id,
                purpose="participation",
                statement_version=statement.version,
                language=locale,
            )
        )
        db.session.commit()
        return member

    return make
