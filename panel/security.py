"""Roles, the deny-by-default guard, CSRF policy, security headers and password hashing."""

import enum
import json
import logging
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash
from wtforms import ValidationError

from .extensions import csrf
from .i18n import lazy_gettext as _l

security_log = logging.getLogger("panel.security")


def security_event(event, level=logging.INFO, **fields):
    """Log one security event as a single JSON line on the `panel.security` logger.

    `event` is a fixed name (login_failed, two_factor_succeeded, access_denied …); `fields` hold
    only non-personal values: user ids, endpoints, reasons, counts. Never an e-mail address, a
    name, a password, a token, a code or an IP address.
    """
    record = {"event": event, **fields}
    security_log.log(level, "%s", json.dumps(record, sort_keys=True, default=str))


class Role(enum.Enum):
    PANELIST = "panelist"
    PRODUCT_OWNER = "product_owner"
    REVIEWER = "reviewer"
    PANEL_MANAGER = "panel_manager"
    ADMIN = "admin"

    @property
    def title(self):
        return ROLE_TITLES[self]


ROLE_TITLES = {
    Role.PANELIST: _l("Panelist"),
    Role.PRODUCT_OWNER: _l("Product owner"),
    Role.REVIEWER: _l("Reviewer"),
    Role.PANEL_MANAGER: _l("Panel manager"),
    Role.ADMIN: _l("Administrator"),
}
STAFF_ROLES = (Role.PRODUCT_OWNER, Role.REVIEWER, Role.PANEL_MANAGER, Role.ADMIN)


# Deny by default ------------------------------------------------------------------


def public(view):
    """Mark a view as reachable without logging in."""
    view.is_public = True
    return view


def guard_blueprint(blueprint, *roles):
    """Require one of `roles` for every endpoint of a staff blueprint."""
    blueprint.required_roles = frozenset(roles)

    @blueprint.before_request
    def _require_roles():
        if not current_user.is_authenticated:
            return redirect_to_login()
        if not current_user.has_any_role(*roles):
            abort(403)  # logged as access_denied by log_refusal

    return blueprint


def redirect_to_login():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def view_function():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def second_factor_step(view):
    """Mark a view that a session between password and two-factor code may reach (the code
    page, logging out). Every other endpoint, public ones included, sends it to the code page."""
    view.second_factor_step = True
    return view


def enrolment_step(view):
    """Mark a view that an administrator who must still set up two-factor login may reach."""
    view.enrolment_step = True
    return view


def two_factor_required(user):
    """Administrators must use two-factor login; production always, elsewhere unless the
    configuration lets a development run go without (PANEL_ADMIN_TWO_FACTOR=0)."""
    config = current_app.config
    required = config["ADMIN_TWO_FACTOR_REQUIRED"] or config["ENV"] == "production"
    return required and user.has_role(Role.ADMIN)


def must_enrol(user):
    return two_factor_required(user) and not user.two_factor_enabled


def require_login():
    """before_request: every endpoint needs a logged-in user unless its view is public.

    A session that has passed the password but not the two-factor code reaches nothing but the
    code page and logging out; an administrator without two-factor login reaches nothing that
    needs a login but the page to set it up (and logging out)."""
    view = view_function()
    if request.endpoint == "static":
        return None
    if getattr(current_user, "second_factor_pending", False):
        if view is not None and getattr(view, "second_factor_step", False):
            return None
        return redirect(url_for("accounts.second_factor"))
    if view is None or getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return redirect_to_login()
    if must_enrol(current_user) and not getattr(view, "enrolment_step", False):
        return redirect(url_for("accounts.two_factor_settings"))
    return None


def log_refusal(response):
    """after_request: every 403, whichever check refused it, is a security event. So is a 404
    for a record on a known route (/rounds/<id> …): a record someone may not see answers as one
    that isn't there, so the log names both alike (record_not_found), and ids tried one after
    another show up there."""
    if response.status_code == 403:
        security_event(
            "access_denied",
            logging.WARNING,
            user_id=getattr(current_user, "id", None),
            endpoint=request.endpoint,
            method=request.method,
        )
    elif response.status_code == 404 and request.url_rule is not None and request.view_args:
        security_event(
            "record_not_found",
            user_id=getattr(current_user, "id", None),
            endpoint=request.endpoint,
            method=request.method,
        )
    return response


# CSRF -------------------------------------------------------------------------------


def form_checks_csrf(view):
    """Mark a view whose BaseForm validates the CSRF token itself.

    Such a view re-renders the form with what the user typed when the token has expired,
    instead of the bare 400 page every other unsafe request gets.
    """
    view.form_checks_csrf = True
    return view


def protect_from_csrf():
    """before_request: check the CSRF token on every state-changing request."""
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    view = view_function()
    if view is not None and getattr(view, "form_checks_csrf", False):
        # The view's form refuses the token itself (and keeps what was typed); only log it here.
        try:
            validate_csrf(request.form.get("csrf_token"))
        except ValidationError as error:
            _log_csrf_failure(str(error))
        return
    try:
        csrf.protect()
    except CSRFError as error:
        _log_csrf_failure(error.description)
        raise


def _log_csrf_failure(reason):
    security_event(
        "csrf_failure",
        logging.WARNING,
        user_id=getattr(current_user, "id", None),
        endpoint=request.endpoint,
        reason=reason,
    )


# Signed links ----------------------------------------------------------------------------


def sign(purpose, data):
    """A URL-safe, tamper-proof token carrying `data` for one purpose (reset, confirm …)."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"panel-{purpose}").dumps(
        data
    )


def unsign(purpose, token, max_age):
    """The data in a token made by sign() for this purpose, or None if forged or too old."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"panel-{purpose}")
    try:
        return serializer.loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


# Redirects ------------------------------------------------------------------------------


def is_safe_next(target):
    """Only same-site absolute paths: no scheme, no host, no '//' or '/\\' tricks."""
    if not target or not isinstance(target, str):
        return False
    if not target.startswith("/") or target.startswith("//") or target.startswith("/\\"):
        return False
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target, fallback):
    return target if is_safe_next(target) else fallback


# Headers -------------------------------------------------------------------------------

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["HSTS"]:
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    # Whoever has a login in the session cookie: the user is not loaded just for this (a
    # public page such as /healthz asks the database nothing about them).
    loaded = g.get("_login_user")
    if "_user_id" in session or (loaded is not None and loaded.is_authenticated):
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    return response


# Passwords -------------------------------------------------------------------------------


def password_hasher():
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_KIB"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password):
    return password_hasher().hash(password)


def verify_password(stored_hash, password):
    """(matches, needs_rehash) for an argon2 hash or a legacy Werkzeug hash."""
    if not stored_hash:
        return False, False
    if stored_hash.startswith("$argon2"):
        hasher = password_hasher()
        try:
            hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False, False
        return True, hasher.check_needs_rehash(stored_hash)
    # Hashes from before argon2 (Werkzeug scrypt/pbkdf2): verify once, then upgrade.
    try:
        return check_password_hash(stored_hash, password), True
    except ValueError:
        return False, False


def burn_password_time(password):
    """Spend the same effort as a real check, so unknown accounts answer as fast as known ones."""
    verify_password(_dummy_hash(), password)


_DUMMY = {}


def _dummy_hash():
    key = (current_app.config["ARGON2_TIME_COST"], current_app.config["ARGON2_MEMORY_KIB"])
    if key not in _DUMMY:
        _DUMMY[key] = hash_password("not-a-real-password-just-timing")
    return _DUMMY[key]
