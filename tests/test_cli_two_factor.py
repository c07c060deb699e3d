"""A sole administrator who lost phone and recovery codes gets back in from the server:
`flask panel reset-two-factor EMAIL`, audit-logged."""

import json

from panel.accounts.models import LoginSession
from panel.audit import AuditEntry
from panel.security import Role

from .conftest import PASSWORD


def test_reset_two_factor_from_the_command_line(app, client, db, make_user, login_as):
    admin = make_user(roles=[Role.ADMIN], locale="en", email="only-admin@example.org")
    assert admin.totp_secret
    login_as(admin)
    assert LoginSession.query.filter_by(user_id=admin.id).count() == 1

    result = app.test_cli_runner().invoke(
        args=["panel", "reset-two-factor", "Only-Admin@example.org"]
    )
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert admin.totp_secret is None
    assert LoginSession.query.filter_by(user_id=admin.id).count() == 0
    entry = AuditEntry.query.filter_by(action="two_factor.reset").one()
    assert (entry.actor_id, entry.target_id) == (None, admin.id)
    assert json.loads(entry.details_json) == {"via": "command line"}

    # Back in with the password alone, straight to enrolling (not the code page).
    response = app.test_client().post(
        "/en/login", data={"email": admin.email, "password": PASSWORD}
    )
    assert response.status_code == 302 and "/login/code" not in response.location


def test_reset_two_factor_refuses_unknown_or_unenrolled_accounts(app, db, make_user):
    make_user(locale="en", email="panelist@example.org")
    runner = app.test_cli_runner()
    unknown = runner.invoke(args=["panel", "reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
    none = runner.invoke(args=["panel", "reset-two-factor", "panelist@example.org"])
    assert none.exit_code != 0 and "no two-factor login" in none.output
    assert AuditEntry.query.count() == 0
