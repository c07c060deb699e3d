"""Account verbs: log in and out, passwords, staff invitations and roles."""

import gzip
import hashlib
import logging
import os
from functools import lru_cache

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..audit import record_audit
from ..database import utcnow
from ..extensions import db
from ..mail import DISCARDED, ERASED, PENDING, OutboxMessage, queue_mail, render_mail
from ..security import (
    Role,
    burn_password_time,
    hash_password,
    security_event,
    sign,
    unsign,
    verify_password,
)
from .models import FailedLogin, LoginSession, User, UserRole, hash_token
from .two_factor import PENDING_LIFETIME

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128


def normalize_email(email):
    """Lower-case and trimmed; addresses are compared in this form everywhere."""
    return (email or "").strip().lower()


def find_user_by_email(email):
    email = normalize_email(email)
    if not email:
        return None
    return User.query.filter_by(email=email).first()


# Passwords -----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def common_passwords():
    """The passwords refused as too common, in lower case (see data/README.md): the 20,000 most
    common passwords (Royce Williams' list as shipped by Django, BSD licence) and our own list of
    Dutch and service words with their usual suffixes."""
    folder = os.path.join(os.path.dirname(__file__), "data")
    with gzip.open(os.path.join(folder, "common-passwords.txt.gz"), "rt", encoding="utf-8") as f:
        words = {line.strip().lower() for line in f if line.strip()}
    with open(os.path.join(folder, "common_passwords.txt"), encoding="utf-8") as f:
        words.update(line.strip().lower() for line in f if line.strip())
    return frozenset(words)


def password_problem(password, email=None, name=None):
    """A translated reason why a new password is refused, or None when it is fine."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _(
            "Use at least %(min)d characters; a short sentence is easy to remember.",
            min=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return _("Use at most %(max)d characters.", max=MAX_PASSWORD_LENGTH)
    lowered = password.lower()
    personal = {normalize_email(email), normalize_email(email).split("@")[0], (name or "").lower()}
    if lowered in common_passwords() or lowered in personal - {""}:
        return _("This password is too common or too easy to guess. Please choose another one.")
    return None


def set_password(user, password):
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()


# Logging in and out ----------------------------------------------------------------------


def authenticate(email, password):
    """The user for this e-mail and password, or None. Unknown and wrong answer alike."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash or not user.is_enabled:
        burn_password_time(password)
        security_event(
            "login_failed",
            user_id=user.id if user is not None else None,
            reason="unknown_account" if user is None else "disabled_or_no_password",
        )
        return None
    limit = current_app.config["MAX_FAILED_LOGINS_PER_HOUR"]
    if FailedLogin.count_recent(user) >= limit:
        burn_password_time(password)
        security_event("login_locked_out", logging.WARNING, user_id=user.id, step="password")
        return None
    matches, needs_rehash = verify_password(user.password_hash, password)
    if not matches:
        db.session.add(FailedLogin(user_id=user.id))  # kept: the request commits though login fails
        security_event("login_failed", user_id=user.id, reason="wrong_password")
        return None
    if needs_rehash:
        set_password(user, password)
    return user


def start_session(user, remember=False, second_factor_passed=False):
    """Log in with a brand-new session; any earlier session cookie of this browser is dropped.

    With two-factor login on, the session waits for the code (second_factor_pending) and lasts
    only PENDING_LIFETIME until pass_second_factor(). Staff sessions never outlive
    STAFF_SESSION_LIFETIME, however active."""
    session.clear()
    pending = user.two_factor_enabled and not second_factor_passed
    row, token = LoginSession.open_for(
        user,
        PENDING_LIFETIME if pending else _lifetime(user, remember),
        remember,
        second_factor_pending=pending,
    )
    db.session.add(row)
    if not pending:
        user.last_login_at = utcnow()
    db.session.flush()
    user.session_token = token
    user.second_factor_pending = pending
    login_user(user, remember=remember, duration=current_app.config["REMEMBER_COOKIE_DURATION"])
    session["seen"] = int(utcnow().timestamp())
    security_event(
        "login_password_accepted" if pending else "login_succeeded",
        user_id=user.id,
        second_factor="pending" if pending else ("passed" if second_factor_passed else "none"),
    )
    return token


def _lifetime(user, remember):
    config = current_app.config
    lifetime = config["REMEMBER_COOKIE_DURATION"] if remember else config["IDLE_TIMEOUT"] * 12
    if user.is_staff:
        lifetime = min(lifetime, config["STAFF_SESSION_LIFETIME"])
    return lifetime


def current_login_session(user):
    return LoginSession.find_valid(user.session_token)


def pass_second_factor(user, row):
    """The code is accepted: the waiting session is replaced by a full one, under a new token."""
    db.session.delete(row)
    db.session.flush()
    start_session(user, remember=row.is_remembered, second_factor_passed=True)


def load_session_user(token):
    """Flask-Login's user loader: the user of a live session, or None."""
    row = LoginSession.find_valid(token)
    if row is None or not row.user.is_enabled:
        return None
    if not row.is_remembered and _idle_too_long():
        db.session.delete(row)  # the request commits, whatever page it ends on
        security_event("session_ended", user_id=row.user_id, reason="idle")
        return None
    user = row.user
    if user.is_staff and utcnow() - row.created_at > current_app.config["STAFF_SESSION_LIFETIME"]:
        db.session.delete(row)  # staff log in again after this long, however active
        security_event("session_ended", user_id=user.id, reason="staff_lifetime")
        return None
    user.session_token = token
    user.second_factor_pending = row.second_factor_pending
    return user


def _idle_too_long():
    seen = session.get("seen")
    if not seen:
        return False
    idle = utcnow().timestamp() - seen
    return idle > current_app.config["IDLE_TIMEOUT"].total_seconds()


def end_session(user):
    """Log out: the session row goes, so a replayed cookie is refused."""
    if user.session_token:
        LoginSession.query.filter_by(token_hash=hash_token(user.session_token)).delete()
    logout_user()
    session.clear()


def end_all_sessions(user):
    LoginSession.query.filter_by(user_id=user.id).delete()


def change_password(user, new_password):
    """New password; every other session ends and this browser gets a fresh one."""
    set_password(user, new_password)
    end_all_sessions(user)
    start_session(user, second_factor_passed=True)  # this browser had passed both steps
    queue_mail(user.email, "password_changed", user.locale, user=user)
    record_audit("password.change", target=user, actor=user)


# Tokens for reset and invitation links ------------------------------------------------


def _password_fingerprint(user):
    # Changes as soon as the password is set, which makes every link single use.
    return hashlib.sha256((user.password_hash or "none").encode()).hexdigest()[:16]


def make_password_token(user, purpose):
    return sign(purpose, {"u": user.id, "p": _password_fingerprint(user)})


def load_password_token(token, purpose):
    """The user a reset/invitation link belongs to, or None when it is wrong, used or expired."""
    key = "PASSWORD_TOKEN_MAX_AGE" if purpose == "reset" else "INVITATION_TOKEN_MAX_AGE"
    max_age = current_app.config[key].total_seconds()
    data = unsign(purpose, token, max_age)
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.is_enabled or data.get("p") != _password_fingerprint(user):
        return None
    return user


def request_password_reset(email, locale="nl"):
    """Mail a reset link if the account exists; the caller answers the same either way.

    Known and unknown addresses do the same work, so the answer takes as long: the link is
    signed and the whole mail rendered for a stand-in account too, and an outbox row of the same
    size is written either way (the same INSERT, the same commit). For an unknown address the
    row is DISCARDED: addressed to nobody, never sent, removed by the next send-mail run."""
    user = find_user_by_email(email)
    known = user is not None and user.is_enabled
    recipient = user if known else User(id=0, email=normalize_email(email), locale=locale)
    token = make_password_token(recipient, "reset")
    subject, body_text, body_html = render_mail(
        "password_reset", recipient.locale, user=recipient, token=token
    )
    db.session.add(
        OutboxMessage(
            to_address=recipient.email if known else ERASED,
            locale=recipient.locale,
            kind="password_reset",
            subject=subject,
            # (nothing typed by a stranger is kept, not even for the minute until it goes)
            body_text=body_text if known else "",
            body_html=body_html if known else "",
            status=PENDING if known else DISCARDED,
        )
    )
    security_event("password_reset_requested", user_id=user.id if known else None, known=known)


def reset_password(user, new_password):
    set_password(user, new_password)
    end_all_sessions(user)
    record_audit("password.reset", target=user, actor=user)


# Users and roles ----------------------------------------------------------------------------


def create_user(email, name, locale="nl", roles=(), password=None):
    user = User(email=normalize_email(email), name=name, locale=locale)
    user.role_rows = [UserRole(role=Role(role).value) for role in roles]
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    return user


def invite_staff_member(email, name, locale, roles, actor):
    """Create a staff account without a password and mail a link to choose one."""
    user = create_user(email, name, locale, roles)
    security_event(
        "role_changed",
        user_id=user.id,
        actor_id=actor.id,
        roles_before=[],
        roles_after=sorted(r.value for r in user.roles),
    )
    queue_mail(
        user.email,
        "staff_invitation",
        locale,
        user=user,
        inviter=actor,
        token=make_password_token(user, "invitation"),
    )
    record_audit("user.invite", target=user, actor=actor, roles=sorted(r.value for r in user.roles))
    return user


def update_user(user, actor, name, locale, roles, is_enabled):
    before = sorted(r.value for r in user.roles)
    user.name = name
    user.locale = locale
    wanted = {Role(r) for r in roles}
    user.role_rows = [row for row in user.role_rows if Role(row.role) in wanted] + [
        UserRole(role=role.value) for role in wanted - user.roles
    ]
    if user.is_enabled and not is_enabled:
        end_all_sessions(user)
    user.is_enabled = is_enabled
    after = sorted(r.value for r in wanted)
    if after != before:
        security_event(
            "role_changed",
            logging.WARNING,
            user_id=user.id,
            actor_id=actor.id,
            roles_before=before,
            roles_after=after,
        )
    record_audit(
        "user.update",
        target=user,
        actor=actor,
        roles_before=before,
        roles_after=sorted(r.value for r in wanted),
        enabled=is_enabled,
    )


def set_language(user, lang):
    user.locale = lang
