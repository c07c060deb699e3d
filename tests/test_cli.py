"""Operator commands."""

from datetime import timedelta

from panel.accounts.models import FailedLogin, LoginSession, User
from panel.database import utcnow
from panel.mail import SENT, OutboxMessage
from panel.security import Role


def test_create_admin(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "panel",
            "create-admin",
            "--email",
            "Boss@Example.org",
            "--name",
            "Boss",
            "--password",
            "a long and fine sentence",
        ]
    )
    assert result.exit_code == 0, result.output
    user = User.query.filter_by(email="boss@example.org").one()
    assert user.roles == {Role.ADMIN}


def test_create_admin_refuses_a_common_password(app, db):
    result = app.test_cli_runner().invoke(
        args=[
            "panel",
            "create-admin",
            "--email",
            "b@example.org",
            "--name",
            "B",
            "--password",
            "password1",
        ]
    )
    assert result.exit_code != 0
    assert User.query.count() == 0


def test_demo_loads_every_role_once(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["panel", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    for role in Role:
        assert role.value in result.output
    users = User.query.count()
    assert users > 200
    again = runner.invoke(args=["panel", "demo", "--if-empty"])
    assert "nothing loaded" in again.output
    assert User.query.count() == users


def test_demo_accounts_can_log_in(app, db, client):
    from panel.demo import DEMO_PASSWORD

    app.test_cli_runner().invoke(args=["panel", "demo"])
    response = client.post(
        "/en/login", data={"email": "admin@klantenteam.example", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302


def test_purge_removes_only_expired_rows(app, db, make_user):
    user = make_user()
    old = utcnow() - timedelta(days=40)
    db.session.add_all(
        [
            LoginSession(user_id=user.id, token_hash="a" * 64, expires_at=old),
            LoginSession(
                user_id=user.id, token_hash="b" * 64, expires_at=utcnow() + timedelta(hours=1)
            ),
            FailedLogin(user_id=user.id, created_at=old),
            FailedLogin(user_id=user.id),
            OutboxMessage(
                to_address="x@example.org",
                locale="nl",
                kind="k",
                subject="s",
                body_text="t",
                body_html="h",
                status=SENT,
                sent_at=old,
            ),
            OutboxMessage(
                to_address="y@example.org",
                locale="nl",
                kind="k",
                subject="s",
                body_text="t",
                body_html="h",
            ),
        ]
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "purge", "--yes"])
    assert result.exit_code == 0, result.output
    assert LoginSession.query.count() == 1
    assert FailedLogin.query.count() == 1
    assert [m.to_address for m in OutboxMessage.query] == ["y@example.org"]


def test_send_mail_command(app, db, make_user, smtp_server):
    user = make_user()
    with app.test_request_context():
        from panel.mail import queue_mail

        queue_mail(user.email, "password_changed", "en", user=user)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "send-mail"])
    assert "1 sent" in result.output
    assert len(smtp_server.messages) == 1
