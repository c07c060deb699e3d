"""Two-factor login for staff: a time-based code from any authenticator app (TOTP, RFC 6238)
and ten single-use recovery codes.

Administrators must enrol before they reach anything else (panel.security.require_login);
product owners, panel managers and reviewers may. After the password, a session is marked
`second_factor_pending` (LoginSession) and reaches only the code page until a code is accepted.

Codes: six digits, 30-second steps, one step of clock drift either way (valid_window=1). A code
is accepted once: the step it belongs to is stored (users.totp_last_step) with a conditional
UPDATE, so neither a replay nor two requests at the same moment get in twice. Wrong codes count
per session (after MAX_CODE_FAILURES_PER_SESSION the session ends and the password is asked
again) and as failed logins of the account (the hourly limit locks it out), besides the per-address
rate limit of the code page.

Secrets: `users.totp_secret` holds the base32 secret as it is, because the server must compute
the same codes as the app. It is protected by what protects the database (a role of its own for
the app, encrypted disks and backups, no direct access for staff); it is shown only to its owner
while enrolling (QR code drawn here as SVG with segno, and typed out; until confirmed it is
derived from SECRET_KEY and the login session, not stored, see enrolment_secret), never logged,
never mailed, and wiped when an administrator resets the user's two-factor login. Recovery
codes are stored as argon2id hashes, like passwords, and shown once.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import timedelta

import pyotp
import segno
from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import or_, update

from ..audit import record_audit
from ..database import utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..security import hash_password, security_event, two_factor_required, verify_password
from .models import FailedLogin, LoginSession, RecoveryCode, User

VALID_WINDOW = 1  # steps of 30 seconds accepted before and after the current one
RECOVERY_CODE_COUNT = 10
MAX_CODE_FAILURES_PER_SESSION = 5
# A session that has passed the password has this long to give the code.
PENDING_LIFETIME = timedelta(minutes=10)
# Recovery codes: 10 characters from an alphabet without look-alikes (0/o, 1/l/i), ~50 bits.
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def enrolment_secret(user):
    """The secret offered while enrolling: 160 bits (as RFC 4226 advises) derived from the app's
    SECRET_KEY and this login session, so the page and its confirmation agree without the
    secret being stored anywhere (nor in the session cookie) before it is confirmed."""
    key = current_app.config["SECRET_KEY"].encode()
    message = f"totp-enrol:{user.id}:{user.session_token}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def grouped(secret):
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(user, secret):
    return pyotp.TOTP(secret).provisioning_uri(
        name=user.email or str(user.id), issuer_name=current_app.config["OPERATOR_NAME"]
    )


def qr_code_svg(uri, label):
    """The otpauth:// link as an inline SVG QR code, drawn here (no outside service)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#000", light="#fff", omitsize=True
    )
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1)
    # Safe markup: segno draws the SVG from the otpauth link alone, and the label is escaped.
    return Markup(labelled)  # nosec B704


def clean_code(code):
    return re.sub(r"[\s-]", "", code or "")


def matching_step(secret, code, last_step=None, for_time=None):
    """The time step whose code `code` is (current one or VALID_WINDOW either side), newer
    than `last_step`; None when it matches none of them."""
    code = clean_code(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(for_time if for_time is not None else utcnow())
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _claim_step(user, step):
    """Record `step` as used; False when it (or a later one) was used already, also by a
    request at the same moment (the UPDATE waits for the other's row lock)."""
    result = db.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


# Enrolling ---------------------------------------------------------------------------------


def may_enrol(user):
    return user.is_staff


def new_recovery_codes(user):
    """Ten fresh codes replace any earlier ones; the plain codes are returned to show once."""
    RecoveryCode.query.filter_by(user_id=user.id).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_password(raw)))
    db.session.flush()
    return codes


def enrol(user, secret, code):
    """Turn on two-factor login with `secret` once `code` proves the app has it.

    Returns the recovery codes to show once, or None when the code is wrong. Refuses
    (NotAllowed('already_on')) when it is on already, also when the same form was sent twice at
    once: the conditional UPDATE lets one of them through."""
    step = matching_step(secret, code)
    if step is None:
        security_event("two_factor_enrolment_failed", user_id=user.id)
        return None
    now = utcnow()
    turned_on = db.session.execute(
        update(User)
        .where(User.id == user.id, User.totp_secret.is_(None))
        .values(totp_secret=secret, totp_enabled_at=now, totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if turned_on.rowcount != 1:
        raise NotAllowed("already_on")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, now, step
    codes = new_recovery_codes(user)
    record_audit("two_factor.enrol", target=user, actor=user)
    security_event("two_factor_enrolled", user_id=user.id)
    return codes


def confirm_with_code(user, code):
    """True when `code` is the app's code now; it is used up, like a code typed at login. A wrong
    code counts as a failed login of the account."""
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None and _claim_step(user, step):
        return True
    db.session.add(FailedLogin(user_id=user.id))
    security_event("two_factor_failed", user_id=user.id, step="settings")
    return False


def renew_recovery_codes(user, code):
    """Ten new recovery codes (the old ones stop working) once `code` is right; else None."""
    if not confirm_with_code(user, code):
        return None
    codes = new_recovery_codes(user)
    record_audit("two_factor.recovery_codes", target=user, actor=user)
    security_event("two_factor_recovery_codes_renewed", user_id=user.id)
    return codes


def turn_off(user, code):
    """A user who may go without turns two-factor login off, with a code from the app.

    NotAllowed('required') for an administrator who must use it; False for a wrong code."""
    if two_factor_required(user):
        raise NotAllowed("required")
    if not confirm_with_code(user, code):
        return False
    _forget(user)
    record_audit("two_factor.disable", target=user, actor=user)
    security_event("two_factor_disabled", user_id=user.id)
    return True


def _forget(user):
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    RecoveryCode.query.filter_by(user_id=user.id).delete()


def reset(user, actor, **details):
    """An administrator turns off someone's two-factor login (a lost phone): the secret and
    recovery codes go, every session of theirs ends, and an administrator must enrol again at
    the next login. actor None: from the server's command line (`flask panel reset-two-factor`),
    for a sole administrator locked out."""
    _forget(user)
    LoginSession.query.filter_by(user_id=user.id).delete()
    record_audit("two_factor.reset", target=user, actor=actor, **details)
    security_event(
        "two_factor_reset", user_id=user.id, actor_id=actor.id if actor else None, **details
    )


# Logging in ---------------------------------------------------------------------------------


def _locked_out(user):
    return FailedLogin.count_recent(user) >= current_app.config["MAX_FAILED_LOGINS_PER_HOUR"]


def check_code(user, row, code):
    """'ok', 'wrong' or 'ended' (too many wrong codes: the session is gone) for a code typed
    at the second step of logging in."""
    if _locked_out(user):
        security_event("login_locked_out", user_id=user.id, step="second_factor")
        return _fail(user, row, count=False)
    step = matching_step(user.totp_secret, code, user.totp_last_step)
    if step is not None and _claim_step(user, step):
        security_event("two_factor_succeeded", user_id=user.id, method="totp")
        return "ok"
    return _fail(user, row)


def check_recovery_code(user, row, code):
    """Like check_code, for a recovery code; each one works once."""
    if _locked_out(user):
        security_event("login_locked_out", user_id=user.id, step="second_factor")
        return _fail(user, row, count=False)
    typed = clean_code(code).lower()
    if len(typed) == 10:
        for recovery in RecoveryCode.query.filter_by(user_id=user.id, used_at=None).all():
            if verify_password(recovery.code_hash, typed)[0]:
                used = db.session.execute(
                    update(RecoveryCode)
                    .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
                    .values(used_at=utcnow())
                    .execution_options(synchronize_session=False)
                )
                if used.rowcount == 1:
                    security_event("two_factor_succeeded", user_id=user.id, method="recovery_code")
                    return "ok"
                break
    return _fail(user, row)


def _fail(user, row, count=True):
    if count:
        db.session.add(FailedLogin(user_id=user.id))
    row.code_failures = (row.code_failures or 0) + 1
    security_event("two_factor_failed", user_id=user.id, failures=row.code_failures)
    if row.code_failures >= MAX_CODE_FAILURES_PER_SESSION:
        db.session.delete(row)
        security_event("two_factor_session_ended", user_id=user.id)
        return "ended"
    return "wrong"


def recovery_codes_left(user):
    return RecoveryCode.query.filter_by(user_id=user.id, used_at=None).count()
