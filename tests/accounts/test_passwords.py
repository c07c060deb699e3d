"""The password policy and resetting a forgotten password through a real mail server."""

import re

import pytest

from panel.accounts.services import password_problem
from panel.mail import deliver_outbox

from ..conftest import PASSWORD, mail_body


@pytest.mark.parametrize(
    "password, ok",
    [
        ("short", False),
        ("x" * 7, False),
        ("eight ch", True),
        ("x" * 128, True),
        ("x" * 129, False),
        ("password123", False),
        ("welkom01", False),
        ("Qwertyuiop", False),
        ("een lange zin over fietsen", True),
        ("no rules at all", True),
    ],
)
def test_password_policy(app, password, ok):
    with app.test_request_context():
        assert (password_problem(password) is None) == ok


def test_password_may_not_be_the_email_address(app):
    with app.test_request_context():
        assert password_problem("sam.jones@example.org", email="Sam.Jones@example.org")


def _reset_link(envelope):
    match = re.search(r"http://localhost(/\w\w/password/reset/\S+)", mail_body(envelope))
    assert match, "no reset link in the e-mail"
    return match.group(1)


@pytest.mark.parametrize(
    "lang, subject", [("nl", "Kies een nieuw wachtwoord"), ("en", "Choose a new password")]
)
def test_reset_password_through_the_mail(client, make_user, smtp_server, lang, subject):
    user = make_user(locale=lang)
    response = client.post(f"/{lang}/password/forgot", data={"email": user.email})
    assert response.status_code == 302
    assert deliver_outbox() == (1, 0)
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == [user.email]
    assert subject in envelope.content.decode()
    link = _reset_link(envelope)
    assert link.startswith(f"/{lang}/")
    new = "sunny days in zeeland"
    response = client.post(link, data={"password": new, "confirm": new})
    assert response.status_code == 302
    client.post(f"/{lang}/logout")
    assert (
        client.post(f"/{lang}/login", data={"email": user.email, "password": new}).status_code
        == 302
    )
    # The link works once.
    assert (
        client.post(
            link, data={"password": "another fine sentence", "confirm": "another fine sentence"}
        ).status_code
        == 400
    )


def test_reset_for_unknown_address_sends_nothing_and_says_the_same(client, make_user, smtp_server):
    user = make_user()
    known = client.post("/en/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post(
        "/en/password/forgot", data={"email": "nobody@example.org"}, follow_redirects=True
    )
    assert known.get_data(as_text=True).count("If an account exists") == 1
    assert unknown.get_data(as_text=True).count("If an account exists") == 1
    deliver_outbox()
    assert [m.rcpt_tos for m in smtp_server.messages] == [[user.email]]


def test_expired_or_forged_reset_link_is_refused(app, client, make_user):
    from panel.accounts.services import make_password_token

    user = make_user()
    with app.test_request_context():
        token = make_password_token(user, "reset")
    assert client.get(f"/en/password/reset/{token}").status_code == 200
    assert client.get(f"/en/password/reset/{token}x").status_code == 400
    app.config["PASSWORD_TOKEN_MAX_AGE"] = app.config["PASSWORD_TOKEN_MAX_AGE"] * -1
    try:
        assert client.get(f"/en/password/reset/{token}").status_code == 400
    finally:
        app.config["PASSWORD_TOKEN_MAX_AGE"] = app.config["PASSWORD_TOKEN_MAX_AGE"] * -1


def test_reset_refuses_a_common_password_and_keeps_the_old_one(client, make_user, smtp_server):
    user = make_user(locale="en")
    client.post("/en/password/forgot", data={"email": user.email})
    deliver_outbox()
    link = _reset_link(smtp_server.messages[0])
    response = client.post(link, data={"password": "password123", "confirm": "password123"})
    assert response.status_code == 200
    assert "too common" in response.get_data(as_text=True)
    assert (
        client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
        == 302
    )
