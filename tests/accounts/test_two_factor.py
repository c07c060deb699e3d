"""Two-factor login for staff: enrolling, the code step, replay and attempt limits, recovery
codes, the administrator's reset, and a session between password and code that reaches
nothing else (walked over the whole url map)."""

import re
import threading
import time

import pyotp
import pytest
from werkzeug.routing import AnyConverter, IntegerConverter

from panel.accounts import two_factor
from panel.accounts.models import FailedLogin, LoginSession, RecoveryCode, User
from panel.accounts.services import make_password_token
from panel.audit import AuditEntry
from panel.config import TestConfig
from panel.extensions import limiter
from panel.security import Role, verify_password

from ..conftest import PASSWORD, TOTP_SECRET, two_factor_code

CODE_PAGE = "/en/login/code"


def example_url(app, rule):
    values = {}
    for argument in rule.arguments:
        converter = rule._converters[argument]
        if argument == "lang":
            values[argument] = "en"
        elif isinstance(converter, IntegerConverter):
            values[argument] = 1
        elif isinstance(converter, AnyConverter):
            values[argument] = sorted(converter.items)[0]
        else:
            values[argument] = "x"
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def password_step(client, user, remember=False):
    response = client.post(
        "/en/login",
        data={"email": user.email, "password": PASSWORD, "remember": "y" if remember else ""},
    )
    assert response.status_code == 302
    return response


def send_code(client, code):
    return client.post(CODE_PAGE, data={"totp-code": code})


def enrolled(make_user, roles=(Role.PRODUCT_OWNER,)):
    return make_user(roles=list(roles), totp=True)


# Enrolling ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang, heading", [("en", "Two-factor login"), ("nl", "Tweestapsverificatie")]
)
def test_staff_enrol_with_a_qr_code_and_get_ten_recovery_codes_once(
    client, db, make_user, login_as, lang, heading
):
    user = make_user(roles=[Role.PANEL_MANAGER])
    login_as(user)
    page = client.get(f"/{lang}/account/two-factor")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and heading in body
    assert '<svg role="img" aria-label="' in body  # drawn by the app, no outside service
    assert "http" not in body.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    field = re.search(r'<input[^>]*name="code"[^>]*>', body).group(0)
    assert 'autocomplete="one-time-code"' in field and 'inputmode="numeric"' in field
    assert re.search(r'<label for="code">', body)

    wrong = client.post(f"/{lang}/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200
    db.session.refresh(user)
    assert user.totp_secret is None

    done = client.post(f"/{lang}/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(True))
    assert len(set(codes)) == 10
    db.session.refresh(user)
    assert user.totp_secret == secret
    stored = RecoveryCode.query.filter_by(user_id=user.id).all()
    assert len(stored) == 10
    assert all(row.code_hash.startswith("$argon2id$") for row in stored)
    assert not any(code.replace("-", "") in row.code_hash for code in codes for row in stored)
    # Shown once: the page now only says it is on.
    again = client.get(f"/{lang}/account/two-factor").get_data(as_text=True)
    assert not any(code in again for code in codes) and "<svg" not in again
    assert AuditEntry.query.filter_by(action="two_factor.enrol", target_id=user.id).count() == 1


def test_panelists_have_no_two_factor_page(client, make_user, login_as):
    login_as(make_user())
    assert client.get("/en/account/two-factor").status_code == 404


def test_an_administrator_must_enrol_before_anything_else(app, client, db, make_user, login_as):
    admin = make_user(roles=[Role.ADMIN], totp=False)
    login_as(admin)
    assert client.get("/en/admin/users").location.endswith("/en/account/two-factor")
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "is_public", False) or rule.endpoint == "static":
            continue
        if rule.endpoint in ("accounts.two_factor_settings", "accounts.logout"):
            continue
        method = "GET" if "GET" in rule.methods else "POST"
        response = client.open(example_url(app, rule), method=method)
        assert response.status_code == 302, rule.endpoint
        assert response.location.endswith("/en/account/two-factor"), rule.endpoint
    assert client.get("/en/account/two-factor").status_code == 200
    # Once enrolled, the administration opens.
    body = client.get("/en/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    client.post("/en/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert client.get("/en/admin/users").status_code == 200


# The code step ----------------------------------------------------------------------------


def test_a_session_between_password_and_code_reaches_nothing_else(app, client, db, make_user):
    """Walk the url map: every endpoint, public ones too, sends it to the code page."""
    user = enrolled(make_user, roles=list(Role))
    assert password_step(client, user).location.endswith(CODE_PAGE)
    walked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "accounts.second_factor", "accounts.logout"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(example_url(app, rule), method=method, data={"x": "1"})
            assert response.status_code == 302, (rule.endpoint, method, response.status_code)
            assert response.location.endswith(CODE_PAGE), (rule.endpoint, method)
            walked += 1
    assert walked > 100
    page = client.get(CODE_PAGE)
    assert page.status_code == 200
    assert "My account" not in page.get_data(as_text=True)  # no navigation of a logged-in user
    assert LoginSession.query.filter_by(user_id=user.id).one().second_factor_pending
    # Logging out works from here.
    assert client.post("/en/logout").status_code == 302
    assert LoginSession.query.filter_by(user_id=user.id).count() == 0


def test_the_code_logs_in_under_a_new_session_token(client, db, make_user):
    user = enrolled(make_user)
    password_step(client, user)
    pending = LoginSession.query.filter_by(user_id=user.id).one().token_hash
    response = send_code(client, two_factor_code(user))
    assert response.status_code == 302 and "/owner/" in response.location
    row = LoginSession.query.filter_by(user_id=user.id).one()
    assert row.token_hash != pending and not row.second_factor_pending
    assert client.get("/en/account").status_code == 200


def test_the_code_page_keeps_where_the_user_was_going(client, make_user):
    user = enrolled(make_user)
    client.post(
        "/en/login", data={"email": user.email, "password": PASSWORD, "next": "/en/account"}
    )
    assert send_code(client, two_factor_code(user)).location.endswith("/en/account")


def test_a_code_works_once(app, db, make_user):
    user = enrolled(make_user)
    code = two_factor_code(user)
    first, second = app.test_client(), app.test_client()
    password_step(first, user)
    password_step(second, user)
    assert "/login/code" not in send_code(first, code).location
    replay = send_code(second, code)
    assert replay.status_code == 200
    assert "That code is not right" in replay.get_data(as_text=True)
    assert second.get("/en/account").location.endswith(CODE_PAGE)


def test_one_step_of_clock_drift_is_accepted_two_are_not(app, db, make_user):
    user = enrolled(make_user)
    totp = pyotp.TOTP(TOTP_SECRET)
    now = time.time()
    client = app.test_client()
    password_step(client, user)
    assert send_code(client, totp.at(now - 95)).status_code == 200  # three steps back
    assert send_code(client, totp.at(now - 30)).status_code == 302  # one step back


def test_the_same_code_sent_twice_at_once_logs_in_once(app, db, make_user):
    user = enrolled(make_user)
    code = two_factor_code(user)
    clients = [app.test_client(), app.test_client()]
    for one in clients:
        password_step(one, user)
    barrier = threading.Barrier(2)
    results = []

    def send(one):
        barrier.wait()
        results.append(send_code(one, code).status_code)

    threads = [threading.Thread(target=send, args=(one,)) for one in clients]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert sorted(results) == [200, 302]
    db.session.rollback()
    assert LoginSession.query.filter_by(user_id=user.id, second_factor_pending=False).count() == 1


def test_five_wrong_codes_end_the_session_and_count_as_failed_logins(client, db, make_user):
    user = enrolled(make_user)
    password_step(client, user)
    for _ in range(4):
        assert send_code(client, "123456").status_code == 200
    ended = send_code(client, "123456")
    assert ended.status_code == 302 and ended.location.endswith("/en/login")
    assert LoginSession.query.filter_by(user_id=user.id).count() == 0
    assert FailedLogin.query.filter_by(user_id=user.id).count() == 5
    assert client.get("/en/account").location.startswith("/en/login")


def test_a_locked_account_gets_no_further_with_the_right_code(app, client, db, make_user):
    user = enrolled(make_user)
    password_step(client, user)
    for _ in range(app.config["MAX_FAILED_LOGINS_PER_HOUR"]):
        db.session.add(FailedLogin(user_id=user.id))
    db.session.commit()
    assert send_code(client, two_factor_code(user)).status_code == 200
    assert client.get("/en/account").location.endswith(CODE_PAGE)


def test_a_recovery_code_works_once(app, db, make_user):
    user = enrolled(make_user)
    codes = two_factor.new_recovery_codes(user)
    db.session.commit()
    client = app.test_client()
    password_step(client, user)
    used = client.post(CODE_PAGE, data={"recovery-recovery_code": codes[3].upper()})
    assert used.status_code == 302 and "/login/code" not in used.location
    client.post("/en/logout")
    password_step(client, user)
    again = client.post(CODE_PAGE, data={"recovery-recovery_code": codes[3]})
    assert again.status_code == 200
    assert "That recovery code is not right" in again.get_data(as_text=True)
    assert two_factor.recovery_codes_left(user) == 9


def test_a_password_reset_does_not_skip_the_code(app, client, db, make_user):
    user = enrolled(make_user)
    with app.test_request_context():
        token = make_password_token(user, "reset")
    new = "a long walk through utrecht"
    response = client.post(f"/en/password/reset/{token}", data={"password": new, "confirm": new})
    assert response.status_code == 302
    assert client.get("/en/account").location.endswith(CODE_PAGE)


# The administrator's reset ------------------------------------------------------------------


def test_another_admin_resets_two_factor_and_it_is_audited(app, db, make_user, login_as, client):
    target = make_user(roles=[Role.ADMIN])
    two_factor.new_recovery_codes(target)
    db.session.commit()
    their_client = app.test_client()
    password_step(their_client, target)
    send_code(their_client, two_factor_code(target))
    assert their_client.get("/en/account").status_code == 200

    admin = make_user(roles=[Role.ADMIN])
    login_as(admin)
    page = client.get(f"/en/admin/users/{target.id}").get_data(as_text=True)
    assert f"/en/admin/users/{target.id}/two-factor/reset" in page
    response = client.post(f"/en/admin/users/{target.id}/two-factor/reset")
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.totp_secret is None and target.totp_last_step is None
    assert RecoveryCode.query.filter_by(user_id=target.id).count() == 0
    entry = AuditEntry.query.filter_by(action="two_factor.reset").one()
    assert (entry.actor_id, entry.target_id) == (admin.id, target.id)
    # They are logged out, and as an administrator must enrol again after the password.
    assert their_client.get("/en/account").status_code == 302
    assert password_step(their_client, target).location.endswith("/admin/users")
    assert their_client.get("/en/admin/users").location.endswith("/en/account/two-factor")


def test_only_administrators_reset_two_factor(client, db, make_user, login_as):
    target = enrolled(make_user)
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    assert client.post(f"/en/admin/users/{target.id}/two-factor/reset").status_code == 403
    assert db.session.get(User, target.id).totp_secret == TOTP_SECRET


def test_the_enrolment_form_sent_twice_at_once_turns_it_on_once(client, db, make_user, login_as):
    user = make_user(roles=[Role.REVIEWER])
    login_as(user)
    body = client.get("/en/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', body).group(1).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(2)
    responses = []

    def send():
        barrier.wait()
        responses.append(client.post("/en/account/two-factor", data={"code": code}))

    threads = [threading.Thread(target=send) for _ in range(2)]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    assert sorted(response.status_code for response in responses) == [200, 302]
    shown = next(r for r in responses if r.status_code == 200).get_data(as_text=True)
    assert len(re.findall(r"<li><code>", shown)) == 10
    db.session.rollback()
    assert RecoveryCode.query.filter_by(user_id=user.id).count() == 10
    assert AuditEntry.query.filter_by(action="two_factor.enrol").count() == 1


def test_the_code_page_is_rate_limited_per_address(app, db, make_user):
    user = enrolled(make_user)
    app.config["RATELIMIT_LOGIN"] = "3 per minute"
    limiter.reset()
    try:
        client = app.test_client()
        password_step(client, user)
        codes = [
            client.post(
                CODE_PAGE, data={"totp-code": "123456"}, environ_base={"REMOTE_ADDR": "10.4.5.6"}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
    finally:
        app.config["RATELIMIT_LOGIN"] = TestConfig.RATELIMIT_LOGIN
        limiter.reset()


def test_the_offered_secret_stays_out_of_the_cookie_and_changes_per_login(
    app, db, make_user, login_as, client
):
    user = make_user(roles=[Role.PRODUCT_OWNER])
    login_as(user)
    first = re.search(r'class="secret">([A-Z2-7 ]+)<', client.get("/en/account/two-factor").text)
    first = first.group(1).replace(" ", "")
    again = re.search(r'class="secret">([A-Z2-7 ]+)<', client.get("/en/account/two-factor").text)
    assert again.group(1).replace(" ", "") == first  # the page and its confirmation agree
    cookie = client.get_cookie("panel_session").value
    assert first not in cookie
    with client.session_transaction() as session:
        assert first not in str(dict(session))
    client.post("/en/logout")
    login_as(user)
    later = re.search(r'class="secret">([A-Z2-7 ]+)<', client.get("/en/account/two-factor").text)
    assert later.group(1).replace(" ", "") != first


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_new_recovery_codes_replace_the_old_ones(client, db, make_user, login_as, lang):
    user = enrolled(make_user)
    old = two_factor.new_recovery_codes(user)
    db.session.commit()
    login_as(user)
    page = client.get(f"/{lang}/account/two-factor").get_data(as_text=True)
    assert f'action="/{lang}/account/two-factor/recovery-codes"' in page
    wrong = client.post(f"/{lang}/account/two-factor/recovery-codes", data={"renew-code": "1"})
    assert wrong.status_code == 200 and 'id="renew-code-error"' in wrong.get_data(as_text=True)
    done = client.post(
        f"/{lang}/account/two-factor/recovery-codes", data={"renew-code": two_factor_code(user)}
    )
    new = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(True))
    assert len(new) == 10 and not set(new) & set(old)
    stored = RecoveryCode.query.filter_by(user_id=user.id).all()
    assert len(stored) == 10
    assert not any(verify_password(row.code_hash, old[0].replace("-", ""))[0] for row in stored)
    assert AuditEntry.query.filter_by(action="two_factor.recovery_codes").count() == 1


def test_a_product_owner_may_turn_two_factor_off_with_a_code(client, db, make_user, login_as):
    user = enrolled(make_user)
    login_as(user)
    assert client.post("/en/account/two-factor/off", data={"off-code": "000000"}).status_code == 200
    assert db.session.get(User, user.id).totp_secret == TOTP_SECRET
    response = client.post("/en/account/two-factor/off", data={"off-code": two_factor_code(user)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret is None
    assert AuditEntry.query.filter_by(action="two_factor.disable").count() == 1
    client.post("/en/logout")
    assert "/login/code" not in password_step(client, user).location


def test_an_administrator_cannot_turn_two_factor_off(client, db, make_user, login_as):
    admin = make_user(roles=[Role.ADMIN])
    login_as(admin)
    page = client.get("/en/account/two-factor").get_data(as_text=True)
    assert "/account/two-factor/off" not in page
    response = client.post("/en/account/two-factor/off", data={"off-code": two_factor_code(admin)})
    assert response.status_code == 302
    assert db.session.get(User, admin.id).totp_secret == TOTP_SECRET
