"""The 20,000 most common passwords are refused, in any case, on every form that sets one."""

import pytest

from panel.accounts.models import User
from panel.accounts.services import common_passwords, make_password_token, password_problem
from panel.security import Role

from ..conftest import join_data

COMMON = ["abcd1234", "welcome1", "qwer1234", "Welcome1", "ABCD1234", "QwEr1234", "Password1!"]
MESSAGE = {
    "en": "This password is too common or too easy to guess.",
    "nl": "Dit wachtwoord komt te vaak voor of is te makkelijk te raden.",
}


def test_the_list_holds_the_most_common_passwords():
    words = common_passwords()
    assert len(words) >= 20_000
    assert {"abcd1234", "welcome1", "qwer1234", "password", "welkom01"} <= words


@pytest.mark.parametrize("password", COMMON)
def test_common_passwords_are_refused_whatever_their_case(app, password):
    with app.test_request_context("/en/"):
        assert "too common" in password_problem(password)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_join_refuses_a_common_password(client, db, lang):
    response = client.post(f"/{lang}/join", data=join_data(locale=lang, password="Welcome1"))
    assert response.status_code == 200
    assert MESSAGE[lang] in response.get_data(as_text=True)
    assert User.query.count() == 0


@pytest.mark.parametrize("purpose, url", [("reset", "password/reset"), ("invitation", "welcome")])
def test_reset_and_invitation_refuse_a_common_password(app, client, db, make_user, purpose, url):
    user = make_user(roles=[Role.PRODUCT_OWNER])
    before = user.password_hash
    with app.test_request_context():
        token = make_password_token(user, purpose)
    response = client.post(
        f"/en/{url}/{token}", data={"password": "qwer1234", "confirm": "qwer1234"}
    )
    assert response.status_code == 200
    assert MESSAGE["en"] in response.get_data(as_text=True)
    assert db.session.get(User, user.id).password_hash == before


def test_change_refuses_a_common_password(client, make_user, login_as):
    user = make_user()
    login_as(user)
    response = client.post(
        "/nl/account/password",
        data={
            "current_password": "a calm walk by the sea",
            "password": "ABCD1234",
            "confirm": "ABCD1234",
        },
    )
    assert response.status_code == 200
    assert MESSAGE["nl"] in response.get_data(as_text=True)
