"""Staff sessions end after an absolute lifetime however active; a reset request does the same
work for known and unknown addresses."""

from datetime import timedelta

import pytest

from panel.accounts import services
from panel.accounts.models import LoginSession
from panel.database import utcnow
from panel.mail import DISCARDED, ERASED, PENDING, OutboxMessage
from panel.security import Role


def _age_session(db, user, hours):
    row = LoginSession.query.filter_by(user_id=user.id).one()
    row.created_at = utcnow() - timedelta(hours=hours)
    db.session.commit()


@pytest.mark.parametrize("remember", [False, True])
def test_a_staff_session_ends_after_its_lifetime_even_when_active(
    app, client, db, make_user, login_as, remember
):
    user = make_user(roles=[Role.PRODUCT_OWNER])
    login_as(user, remember=remember)
    row = LoginSession.query.filter_by(user_id=user.id).one()
    assert row.expires_at - row.created_at <= app.config["STAFF_SESSION_LIFETIME"]
    lifetime_hours = app.config["STAFF_SESSION_LIFETIME"].total_seconds() / 3600
    _age_session(db, user, lifetime_hours - 1)
    assert client.get("/en/account").status_code == 200  # active: the idle clock is fresh
    _age_session(db, user, lifetime_hours + 0.1)
    with client.session_transaction() as session:
        session["seen"] = int(utcnow().timestamp())  # active a moment ago
    response = client.get("/en/account")
    assert response.status_code == 302 and "/login" in response.location
    assert LoginSession.query.filter_by(user_id=user.id).count() == 0


def test_a_remembered_panelist_session_outlives_the_staff_lifetime(app, client, db, make_user):
    user = make_user()
    client.post(
        "/en/login",
        data={"email": user.email, "password": "a calm walk by the sea", "remember": "y"},
    )
    _age_session(db, user, app.config["STAFF_SESSION_LIFETIME"].total_seconds() / 3600 + 1)
    assert client.get("/en/account").status_code == 200


def test_the_lifetime_is_a_setting(app, client, db, make_user, login_as):
    user = make_user(roles=[Role.REVIEWER])
    login_as(user)
    _age_session(db, user, 3)
    old = app.config["STAFF_SESSION_LIFETIME"]
    app.config["STAFF_SESSION_LIFETIME"] = timedelta(hours=2)
    try:
        assert client.get("/en/account").status_code == 302
    finally:
        app.config["STAFF_SESSION_LIFETIME"] = old


def test_a_reset_request_does_the_same_work_for_known_and_unknown_addresses(
    app, client, db, make_user, monkeypatch
):
    """Not a stopwatch: both answers sign a link and render the whole mail, in the same order."""
    user = make_user(locale="en")
    steps = []
    real_sign, real_render = services.sign, services.render_mail

    def sign(purpose, data):
        steps.append(("sign", purpose, sorted(data)))
        return real_sign(purpose, data)

    def render_mail(kind, locale, **context):
        steps.append(("render", kind, sorted(context)))
        return real_render(kind, locale, **context)

    monkeypatch.setattr(services, "sign", sign)
    monkeypatch.setattr(services, "render_mail", render_mail)

    known = client.post("/en/password/forgot", data={"email": user.email})
    known_steps, steps[:] = list(steps), []
    unknown = client.post("/en/password/forgot", data={"email": "nobody@example.org"})
    unknown_steps = list(steps)

    assert known_steps == unknown_steps
    assert [step[0] for step in known_steps] == ["sign", "render"]
    assert (known.status_code, known.location) == (unknown.status_code, unknown.location)
    # Both wrote an outbox row; the unknown address's is addressed to nobody and never sent.
    assert [(m.to_address, m.status) for m in OutboxMessage.query.order_by("id")] == [
        (user.email, PENDING),
        (ERASED, DISCARDED),
    ]


def test_a_reset_request_for_a_disabled_account_does_the_same_work(
    app, client, db, make_user, monkeypatch
):
    user = make_user()
    user.is_enabled = False
    db.session.commit()
    rendered = []
    real_render = services.render_mail
    monkeypatch.setattr(
        services,
        "render_mail",
        lambda kind, locale, **context: (
            rendered.append(kind) or real_render(kind, locale, **context)
        ),
    )
    client.post("/en/password/forgot", data={"email": user.email})
    assert rendered == ["password_reset"]
    assert OutboxMessage.query.filter(OutboxMessage.status != DISCARDED).count() == 0
