"""One commit per request (HOUSE_STYLE.md, point 15): what a request's services flushed is kept
only when the view succeeds; a view that fails, or a commit that fails, keeps nothing."""

import pytest
from flask import abort

from panel import create_app
from panel.accounts.models import User
from panel.audit import AuditEntry, record_audit
from panel.config import TestConfig
from panel.extensions import db
from panel.security import public
from tests.conftest import vars_of


@pytest.fixture
def app_with_probes(tmp_path):
    """A fresh app (routes can only be added before its first request) with probe views."""
    app = create_app(
        dict(
            vars_of(TestConfig),
            SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/commit.sqlite3",
            PROPAGATE_EXCEPTIONS=False,  # answer as in production, not raise into the test
        )
    )

    @app.route("/probe/<outcome>")
    @public
    def probe(outcome):
        record_audit(f"probe.{outcome}")
        db.session.flush()  # as a service would: the row is written, not yet committed
        if outcome == "refused":
            abort(403)
        if outcome == "broken":
            raise RuntimeError("a bug in the view")
        if outcome == "unsaveable":  # two accounts with one address: only the commit finds out
            db.session.add(User(email="same@example.com", name="A", locale="en"))
            db.session.add(User(email="same@example.com", name="B", locale="en"))
        return "done"

    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.drop_all()


def actions(app):
    with app.app_context():
        return [entry.action for entry in AuditEntry.query.order_by(AuditEntry.id)]


def test_a_successful_request_is_committed(app_with_probes):
    response = app_with_probes.test_client().get("/probe/ok")
    assert response.status_code == 200
    assert actions(app_with_probes) == ["probe.ok"]


@pytest.mark.parametrize("outcome, status", [("refused", 403), ("broken", 500)])
def test_a_view_that_raises_keeps_nothing_it_flushed(app_with_probes, outcome, status):
    response = app_with_probes.test_client().get(f"/probe/{outcome}")
    assert response.status_code == status
    assert "text/html" in response.content_type
    assert actions(app_with_probes) == []


def test_a_commit_that_fails_ends_on_the_error_page_and_keeps_nothing(app_with_probes):
    client = app_with_probes.test_client()
    response = client.get("/probe/unsaveable")
    assert response.status_code == 500
    assert "text/html" in response.content_type, "the translated error page, not a plain text"
    assert "Content-Security-Policy" in response.headers
    assert actions(app_with_probes) == []
    with app_with_probes.app_context():
        assert User.query.count() == 0
    assert client.get("/probe/ok").status_code == 200, "the next request works as usual"
