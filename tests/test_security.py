"""Deny by default, CSRF on every state change, safe redirects."""

import pytest
from werkzeug.routing import IntegerConverter

from panel.security import Role, is_safe_next

from .conftest import TOTP_SECRET, csrf_token_from, two_factor_code

# Endpoints anyone may use. Everything else must send an anonymous visitor to the login page.
PUBLIC_ENDPOINTS = {
    "static",
    "root.root",
    "root.healthz",
    "root.set_language",
    "public.home",
    "public.said_we_did",
    "accounts.login",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invitation",
    "membership.join",
    "membership.join_sent",
    "membership.confirm",
    "membership.privacy",
    "membership.privacy_version",
    "membership.goodbye",
}
# Endpoints every logged-in user may use, whatever their roles.
# Pages about the member themselves check that the record is theirs (see tests/membership).
ANY_USER_ENDPOINTS = {
    "rounds.similar_ideas",
    "accounts.logout",
    "accounts.account",
    "accounts.change_password",
    "accounts.second_factor",
    "accounts.two_factor_settings",
    "accounts.renew_recovery_codes",
    "accounts.turn_off_two_factor",
    "membership.dashboard",
    "recognition.thank_yous",
    "membership.new_confirm_link",
    "membership.profile",
    "membership.pause",
    "membership.resume",
    "membership.export",
    "membership.leave",
    "membership.privacy_update",
    "membership.news_item",
    "notifications.index",
    "notifications.open_one",
    "notifications.mark_all_read",
    "notifications.settings",
    "rounds.overview",
    "rounds.round_page",
    "rounds.respond_to_invitation",
    "rounds.register",
    "rounds.cancel",
    "rounds.calendar",
    "rounds.post_idea",
    "rounds.idea_page",
    "rounds.support",
    "rounds.comment",
    "rounds.report",  # any logged-in user who can see the idea or reaction
    # Whoever can see the idea (and the reaction, unless hidden); tested in tests/rounds
    "rounds.show_reaction",
    "rounds.reply",  # a member who can see it; taking part is checked as for a reaction
    # The author's own only, 404 for anyone else: tests/rounds/test_own_edits and ..._replies
    "rounds.edit_idea",
    "rounds.edit_reaction",
    "rounds.withdraw_idea",
    "rounds.withdraw_reaction",
    "feedback.overview",
    "feedback.form",
    "feedback.touchpoint",
    "loop.contributions",
}


def example_url(app, rule):
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if argument == "lang":
            values[argument] = "nl"
        elif isinstance(converter, IntegerConverter):  # panel's bounded one too
            values[argument] = 999999
        elif converter.__class__.__name__ == "AnyConverter":
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def test_every_endpoint_is_public_or_guarded(app):
    unaccounted = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        public = getattr(view, "is_public", False) or rule.endpoint == "static"
        assert public == (rule.endpoint in PUBLIC_ENDPOINTS), rule.endpoint
        blueprint = app.blueprints.get(rule.endpoint.rsplit(".", 1)[0])
        guarded = getattr(blueprint, "required_roles", None) or getattr(
            view, "required_roles", None
        )
        if not public and not guarded and rule.endpoint not in ANY_USER_ENDPOINTS:
            unaccounted.append(rule.endpoint)
    assert unaccounted == [], "endpoints neither public nor guarded by role"


def test_anonymous_visitors_are_sent_to_login(app, client):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        url = example_url(app, rule)
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(url, method=method)
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert "/login" in response.headers["Location"], rule.endpoint


@pytest.mark.parametrize(
    "roles", [[Role.PANELIST], [Role.PRODUCT_OWNER], [Role.REVIEWER], [Role.PANEL_MANAGER]]
)
def test_staff_areas_refuse_other_roles(app, client, make_user, login_as, roles):
    login_as(make_user(roles=roles))
    for rule in app.url_map.iter_rules():
        blueprint = app.blueprints.get(rule.endpoint.rsplit(".", 1)[0])
        required = getattr(blueprint, "required_roles", None)
        if not required or set(roles) & required:
            continue
        response = (
            client.get(example_url(app, rule))
            if "GET" in rule.methods
            else client.post(example_url(app, rule))
        )
        assert response.status_code == 403, rule.endpoint


@pytest.fixture
def csrf_app(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_endpoint_refuses_a_missing_csrf_token(csrf_app, db, make_member):
    from panel.accounts.models import UserRole

    client = csrf_app.test_client()
    # A member who holds every staff role too, so that every endpoint is reachable.
    admin = make_member().user
    admin.role_rows += [UserRole(role=role.value) for role in Role if role != Role.PANELIST]
    admin.totp_secret = TOTP_SECRET
    db.session.commit()
    page = client.get("/en/login")
    response = client.post(
        "/en/login",
        data={
            "email": admin.email,
            "password": "a calm walk by the sea",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    page = client.get("/en/login/code")
    response = client.post(
        "/en/login/code",
        data={"totp-code": two_factor_code(admin), "totp-csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302 and "/login/code" not in response.location
    checked = 0
    for rule in csrf_app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        url = example_url(csrf_app, rule)
        response = client.post(url, data={"lang": "en", "name": "x"})
        body = response.get_data(as_text=True)
        # Either the bare 400, the form again with what was typed and an "expired" message,
        # or a 404 for the made-up record the example URL names.
        refused = (
            response.status_code in (400, 404) if "999999" in url else response.status_code == 400
        )
        refused = refused or (
            response.status_code == 200
            and "nothing was saved yet" in body.replace("\n", " ")
            or response.status_code == 200
            and "nog niets opgeslagen" in body
        )
        assert refused, (rule.endpoint, response.status_code)
        checked += 1
    assert checked >= 6
    # Still logged in: the logout without token did nothing.
    assert client.get("/en/account").status_code == 200


def test_expired_form_keeps_what_was_typed(csrf_app):
    client = csrf_app.test_client()
    response = client.post(
        "/en/password/forgot", data={"email": "typed@example.org", "csrf_token": "stale"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "nothing was saved yet" in body
    assert 'value="typed@example.org"' in body


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "http:/evil",
        "javascript:alert(1)",
        "",
        None,
        "/\tevil",
        "evil.example/path",
    ],
)
def test_unsafe_next_targets_are_refused(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/nl/account", "/en/admin/users?q=a"])
def test_same_site_next_targets_are_allowed(target):
    assert is_safe_next(target)


def test_login_ignores_offsite_next(client, make_user):
    user = make_user()
    response = client.post(
        "/en/login",
        data={"email": user.email, "password": "a calm walk by the sea", "next": "//evil.example/"},
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
