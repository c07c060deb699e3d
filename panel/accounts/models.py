"""User accounts, their roles and their login sessions."""

import hashlib
import secrets
from datetime import timedelta

from flask import g
from flask_login import UserMixin
from sqlalchemy import Index, bindparam, select
from sqlalchemy.orm import joinedload

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..security import STAFF_ROLES, Role


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id = db.Column(db.Integer, primary_key=True)
    # Nullable: a member who leaves the panel keeps an anonymous row and loses their identity.
    email = db.Column(db.String(254), unique=True, nullable=True)
    name = db.Column(db.String(120), nullable=True)
    locale = db.Column(db.String(2), nullable=False, default="nl")
    password_hash = db.Column(db.String(255), nullable=True)
    is_enabled = db.Column(db.Boolean, nullable=False, default=True)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = db.Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    last_login_at = db.Column(UTCDateTime)
    password_changed_at = db.Column(UTCDateTime)
    # Two-factor login (TOTP, RFC 6238), see panel.accounts.two_factor. The secret is stored as
    # it is: what protects it is what protects the database (access limited to the app's own
    # role, encrypted disks and backups). It is only ever shown to its owner while enrolling, is
    # never logged, and is wiped when an administrator resets the user's two-factor login.
    totp_secret = db.Column(db.String(64), nullable=True)
    totp_enabled_at = db.Column(UTCDateTime)
    # The time step of the last code accepted: a code is never accepted twice.
    totp_last_step = db.Column(db.BigInteger)

    role_rows = db.relationship("UserRole", cascade="all, delete-orphan", back_populates="user")

    # Set when the user is loaded through a login session; see panel.accounts.services.
    session_token = None

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.is_enabled

    @property
    def roles(self):
        return frozenset(Role(row.role) for row in self.role_rows)

    @property
    def role_list(self):
        """The roles in a stable order, for showing."""
        return [role for role in Role if role in self.roles]

    def has_role(self, role):
        return role in self.roles

    def has_any_role(self, *roles):
        return bool(self.roles.intersection(roles))

    @property
    def is_staff(self):
        return self.has_any_role(*STAFF_ROLES)

    @property
    def two_factor_enabled(self):
        return self.totp_secret is not None

    # Set from the login session: True while the password is checked but the code is not yet.
    second_factor_pending = False

    @property
    def is_authenticated(self):
        # A session that has passed the password but not the code is not logged in anywhere;
        # panel.security.require_login sends it to the code page.
        return not self.second_factor_pending

    @property
    def first_name(self):
        return (self.name or "").split(" ")[0] or self.display_name

    @property
    def display_name(self):
        return self.name or self.email or ""

    def __repr__(self):
        return f"<User {self.id}>"


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role = db.Column(db.String(20), primary_key=True)

    user = db.relationship("User", back_populates="role_rows")

    # Who has a role, read from the index alone (migration i2roles25).
    __table_args__ = (Index("ix_user_roles_role", "role", "user_id"),)


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class LoginSession(db.Model):
    """One logged-in browser. Deleting the row ends it, whatever cookie is replayed later."""

    __tablename__ = "login_sessions"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    is_remembered = db.Column(db.Boolean, nullable=False, default=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = db.Column(UTCDateTime, nullable=False)
    # Password checked, two-factor code not yet: the session reaches only the code page.
    second_factor_pending = db.Column(db.Boolean, nullable=False, default=False)
    code_failures = db.Column(db.Integer, nullable=False, default=0)

    user = db.relationship("User")

    @classmethod
    def open_for(cls, user, lifetime, remember, second_factor_pending=False):
        """A new session row and the secret token that names it (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        row = cls(
            user=user,
            token_hash=hash_token(token),
            is_remembered=remember,
            expires_at=utcnow() + lifetime,
            second_factor_pending=second_factor_pending,
            code_failures=0,
        )
        return row, token

    @classmethod
    def find_valid(cls, token):
        """The live session for this token, its user and roles, in one query.

        Higher layers fold what every page of a logged-in user asks into the same query
        (fold_into_login): their loader options (the member) and named values of the user's id
        (the unread count, the newest privacy statement), kept for the request as login_value()."""
        if not token or len(token) > 100:
            return None
        names, query = cls._login_query()
        found = db.session.execute(query, {"token_hash": hash_token(token)}).unique().first()
        if found is None or found[0].expires_at <= utcnow():
            return None
        g.panel_login_values = dict(zip(names, found[1:], strict=True))
        return found[0]

    @classmethod
    def _login_query(cls):
        """The login query, built once per set of folded parts (issue 13): every request runs
        it, and a statement kept and run with its token as a parameter keeps its cache key, so
        SQLAlchemy neither rebuilds the select and its loader options nor recomputes the key."""
        key = (tuple(_FOLDED_OPTIONS.items()), tuple(_FOLDED_VALUES.items()))
        built = _LOGIN_QUERY.get(key)
        if built is None:
            names = list(_FOLDED_VALUES)
            query = (
                select(cls, *(_FOLDED_VALUES[name](cls.user_id).label(name) for name in names))
                .options(
                    joinedload(cls.user).joinedload(User.role_rows),
                    *(make_option() for make_option in _FOLDED_OPTIONS.values()),
                )
                .where(cls.token_hash == bindparam("token_hash"))
            )
            _LOGIN_QUERY.clear()
            built = _LOGIN_QUERY[key] = (names, query)
        return built


# What every logged-in request needs, loaded with its login session (LoginSession.find_valid).
_FOLDED_OPTIONS = {}
_FOLDED_VALUES = {}
_LOGIN_QUERY = {}  # {the folded parts: (value names, the select)}, see LoginSession._login_query


def fold_into_login(name, option=None, value=None):
    """Load `option()` (a loader option from LoginSession, made when the query is: the mappers
    are complete by then) or the scalar subquery `value(user_id_column)` with every login
    session; login_value(name) reads the value."""
    if option is not None:
        _FOLDED_OPTIONS[name] = option
    if value is not None:
        _FOLDED_VALUES[name] = value


def login_value(name, default=None):
    """A value folded into this request's login query, or `default` when none was loaded (no
    session, or it was forgotten because it changed)."""
    return g.get("panel_login_values", {}).get(name, default)


def forget_login_value(name):
    """The value changed in this request: the next login_value(name) asks again."""
    g.get("panel_login_values", {}).pop(name, None)


class FailedLogin(db.Model):
    """A wrong password for an existing account, counted per hour across all workers."""

    __tablename__ = "failed_logins"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_failed_logins_user_created", "user_id", "created_at"),)

    @classmethod
    def count_recent(cls, user, window=timedelta(hours=1)):
        since = utcnow() - window
        return cls.query.filter(cls.user_id == user.id, cls.created_at > since).count()


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app; hashed like a password."""

    __tablename__ = "recovery_codes"

    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(
        db.Integer, db.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash = db.Column(db.String(255), nullable=False)
    used_at = db.Column(UTCDateTime)
