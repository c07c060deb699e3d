"""Administrators invite colleagues, change roles, deactivate accounts; all of it audited."""

import re

import pytest

from panel.accounts.models import LoginSession, User
from panel.audit import AuditEntry
from panel.mail import deliver_outbox
from panel.security import Role

from ..conftest import PASSWORD, mail_body


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], name="Ada Admin")
    login_as(user)
    return user


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_invited_colleague_chooses_a_password_and_logs_in(
    app, client, db, admin, smtp_server, lang
):
    response = client.post(
        f"/{lang}/admin/users/new",
        data={
            "email": "New.Colleague@Example.org",
            "name": "Nina Nieuw",
            "locale": lang,
            "roles": ["reviewer", "product_owner"],
        },
    )
    assert response.status_code == 302
    user = User.query.filter_by(email="new.colleague@example.org").one()
    assert user.roles == {Role.REVIEWER, Role.PRODUCT_OWNER} and user.password_hash is None
    deliver_outbox()
    body = mail_body(smtp_server.messages[0])
    link = re.search(r"http://localhost(/\w\w/welcome/\S+)", body).group(1)
    assert link.startswith(f"/{lang}/")
    other = app.test_client()
    response = other.post(
        link, data={"password": "my own good sentence", "confirm": "my own good sentence"}
    )
    assert response.status_code == 302
    assert other.get(f"/{lang}/account").status_code == 200
    assert AuditEntry.query.filter_by(action="user.invite", target_id=user.id).count() == 1


def test_invitation_needs_a_role_and_a_new_address(client, admin):
    response = client.post(
        "/en/admin/users/new", data={"email": admin.email, "name": "X", "locale": "en"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "already an account" in page and "Choose at least one role" in page
    assert 'value="X"' in page  # what was typed stays


def test_edit_roles_and_deactivate_ends_sessions(app, client, db, admin, make_user):
    colleague = make_user(roles=[Role.REVIEWER])
    device = app.test_client()
    device.post("/en/login", data={"email": colleague.email, "password": PASSWORD})
    response = client.post(
        f"/en/admin/users/{colleague.id}",
        data={"name": "Renamed", "locale": "en", "roles": ["panel_manager"], "is_enabled": ""},
    )
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == {Role.PANEL_MANAGER} and not colleague.is_enabled
    assert LoginSession.query.filter_by(user_id=colleague.id).count() == 0
    assert device.get("/en/account").status_code == 302
    entry = AuditEntry.query.filter_by(action="user.update").one()
    assert entry.actor_id == admin.id and entry.details["roles_before"] == ["reviewer"]


def test_admin_cannot_remove_own_admin_role(client, db, admin):
    response = client.post(
        f"/en/admin/users/{admin.id}",
        data={"name": admin.name, "locale": "en", "roles": ["reviewer"], "is_enabled": "y"},
    )
    assert response.status_code == 200
    assert "own administrator access" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert Role.ADMIN in admin.roles


def test_extra_posted_fields_are_ignored(client, db, admin, make_user):
    colleague = make_user(roles=[Role.REVIEWER])
    client.post(
        f"/en/admin/users/{colleague.id}",
        data={
            "name": "Same",
            "locale": "en",
            "roles": ["reviewer"],
            "is_enabled": "y",
            "email": "changed@example.org",
            "password_hash": "x",
        },
    )
    db.session.refresh(colleague)
    assert colleague.email != "changed@example.org" and colleague.password_hash != "x"


def test_unknown_role_is_refused(client, db, admin, make_user):
    colleague = make_user(roles=[Role.REVIEWER])
    response = client.post(
        f"/en/admin/users/{colleague.id}",
        data={"name": "Same", "locale": "en", "roles": ["superuser"], "is_enabled": "y"},
    )
    assert response.status_code == 200
    db.session.refresh(colleague)
    assert colleague.roles == {Role.REVIEWER}


def test_user_list_searches_and_filters(client, admin, make_user):
    make_user(roles=[Role.REVIEWER], name="Rita Reviewer", email="rita@example.org")
    make_user(roles=[Role.PANELIST], name="Piet Panel", email="piet@example.org")
    page = client.get("/en/admin/users?q=rita").get_data(as_text=True)
    assert "Rita Reviewer" in page and "Piet Panel" not in page
    page = client.get("/en/admin/users?role=panelist").get_data(as_text=True)
    assert "Piet Panel" in page and "Rita Reviewer" not in page
    page = client.get("/en/admin/users?q=%25_").get_data(as_text=True)
    assert "No users match" in page


def test_missing_user_is_not_found(client, admin):
    assert client.get("/en/admin/users/424242").status_code == 404


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_admin_pages_render(client, admin, lang):
    for path in ("users", "users/new", "audit", "outbox", f"users/{admin.id}"):
        response = client.get(f"/{lang}/admin/{path}")
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_outbox_page_shows_the_message(app, client, db, admin):
    client.post("/en/password/forgot", data={"email": admin.email})
    page = client.get("/en/admin/outbox").get_data(as_text=True)
    assert admin.email in page
    message_id = re.search(r"/en/admin/outbox/(\d+)", page).group(1)
    assert "password/reset" in client.get(f"/en/admin/outbox/{message_id}").get_data(as_text=True)


def test_edit_form_shows_the_current_roles_ticked(client, admin, make_user):
    colleague = make_user(roles=[Role.REVIEWER, Role.PRODUCT_OWNER])
    page = client.get(f"/en/admin/users/{colleague.id}").get_data(as_text=True)
    ticked = set(
        re.findall(r'<input checked id="roles-\d" name="roles" type="checkbox" value="(\w+)"', page)
    )
    assert ticked == {"reviewer", "product_owner"}


def test_taking_away_every_role_is_saved(client, db, admin, make_user):
    colleague = make_user(roles=[Role.REVIEWER])
    response = client.post(
        f"/en/admin/users/{colleague.id}",
        data={"name": "No Roles", "locale": "en", "is_enabled": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(colleague)
    assert colleague.roles == frozenset()
