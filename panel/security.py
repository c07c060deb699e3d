"""Roles, the deny-by-default guard, CSRF policy, security headers and password hashing."""

import enum
import logging
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import abort, current_app, redirect, request, session, url_for
from flask_login import current_user
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from .extensions import csrf
from .i18n import lazy_gettext as _l

security_log = logging.getLogger("panel.security")


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
            security_log.warning(
                "access denied: user=%s endpoint=%s", current_user.id, request.endpoint
            )
            abort(403)

    return blueprint


def redirect_to_login():
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def view_function():
    return current_app.view_functions.get(request.endpoint) if request.endpoint else None


def require_login():
    """before_request: every endpoint needs a logged-in user unless its view is public."""
    view = view_function()
    if view is None or request.endpoint == "static" or getattr(view, "is_public", False):
        return None
    if not current_user.is_authenticated:
        return redirect_to_login()
    return None


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
        return
    csrf.protect()


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
    if current_user and current_user.is_authenticated or "_user_id" in session:
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
