"""Configuration read from PANEL_* environment variables."""

import os
from datetime import timedelta

PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV_SECRET_KEY = "dev-only-secret-key-not-for-production"


def _env(name, default=None):
    return os.environ.get("PANEL_" + name, default)


def _env_bool(name, default):
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def _env_int(name, default):
    value = _env(name)
    return int(value) if value not in (None, "") else default


def _web_concurrency():
    value = os.environ.get("WEB_CONCURRENCY")
    return int(value) if value not in (None, "") else None


class Config:
    """Settings for a running installation; production unless PANEL_ENV says otherwise."""

    ENV = _env("ENV", "production")
    SECRET_KEY = _env("SECRET_KEY", DEV_SECRET_KEY)
    SQLALCHEMY_DATABASE_URI = _env(
        "DATABASE_URL", "sqlite:///" + os.path.join(PROJECT_ROOT, "instance", "panel.sqlite3")
    )
    # A ping before every checkout (one round trip, ~0.1 ms on loopback) so that a connection the
    # server dropped (a restart, a failover) never fails a member's request: without it each worker
    # answers one request with a 500 before SQLAlchemy discards its pool. It is most of what
    # /healthz costs and nothing next to a page (docs/performance.md, "The floor"). Connections are
    # also replaced after 30 minutes, before idle timeouts of firewalls drop them.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "pool_recycle": 1800}
    OPERATOR_NAME = _env("OPERATOR_NAME", "Klantenteam")
    # Who runs the panel, named in the footer and the privacy statement (demo defaults): the
    # organisation, where members ask questions, the data controller, and its privacy contact.
    OPERATOR_ORGANISATION = _env("OPERATOR_ORGANISATION", "Voorbeeld Telecom B.V.")
    OPERATOR_CONTACT = _env("OPERATOR_CONTACT", "klantenteam@example.com")
    DATA_CONTROLLER = _env(
        "DATA_CONTROLLER", "Voorbeeld Telecom B.V., Stationsplein 1, 3511 AA Utrecht"
    )
    PRIVACY_CONTACT = _env("PRIVACY_CONTACT", "privacy@example.com")
    # Where members can complain about the handling of their data (GDPR article 77).
    SUPERVISOR_URL = _env("SUPERVISOR_URL", "https://autoriteitpersoonsgegevens.nl")
    BASE_URL = _env("BASE_URL", "http://127.0.0.1:5000")

    # Languages
    LANGUAGES = ("nl", "en")
    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(PROJECT_ROOT, "translations")

    # Sessions and cookies
    SESSION_COOKIE_NAME = "panel_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SECURE_COOKIES", ENV == "production")
    REMEMBER_COOKIE_NAME = "panel_remember"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = timedelta(days=_env_int("REMEMBER_DAYS", 14))
    IDLE_TIMEOUT = timedelta(minutes=_env_int("IDLE_MINUTES", 60))
    # Staff log in again after this long, however active the session (besides the idle timeout).
    STAFF_SESSION_LIFETIME = timedelta(hours=_env_int("STAFF_SESSION_HOURS", 12))
    # Administrators must set up two-factor login before anything else. Only a development run
    # may go without (the default there, so `make run` logs in); production always requires it.
    ADMIN_TWO_FACTOR_REQUIRED = _env_bool("ADMIN_TWO_FACTOR", ENV != "development")
    PASSWORD_TOKEN_MAX_AGE = timedelta(hours=_env_int("RESET_TOKEN_HOURS", 2))
    INVITATION_TOKEN_MAX_AGE = timedelta(days=_env_int("INVITATION_TOKEN_DAYS", 7))

    # Requests
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 1024 * 1024)
    WTF_CSRF_TIME_LIMIT = _env_int("CSRF_TIME_LIMIT", 8 * 3600)
    WTF_CSRF_CHECK_DEFAULT = False  # panel.security checks every unsafe request itself
    HSTS = _env_bool("HSTS", ENV == "production")

    # Passwords (argon2id, ASVS 5.0 appendix C minimum: t=2, m=19 MiB, p=1)
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 2)
    ARGON2_MEMORY_KIB = _env_int("ARGON2_MEMORY_KIB", 19 * 1024)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 1)
    MAX_FAILED_LOGINS_PER_HOUR = _env_int("MAX_FAILED_LOGINS_PER_HOUR", 100)

    # Rate limits per client address (Flask-Limiter). The counters must be shared by every worker
    # and host: redis://127.0.0.1:6379/0 under gunicorn. memory:// counts per process, so with
    # more than one worker production refuses to start on it unless RATELIMIT_ALLOW_MEMORY is set.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ALLOW_MEMORY = _env_bool("RATELIMIT_ALLOW_MEMORY", False)
    RATELIMIT_KEY_PREFIX = _env("RATELIMIT_KEY_PREFIX", "panel")
    # Redis out of reach: each worker counts in its own memory until it is back (and logs a
    # warning), rather than failing every login with a 500 or dropping the limits altogether.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # How many worker processes serve this installation: PANEL_WORKERS (gunicorn.conf.py sets
    # it), else WEB_CONCURRENCY (gunicorn's own default for -w); None when nobody said. Production
    # counts limits in memory only when told it is one worker (or RATELIMIT_ALLOW_MEMORY): a
    # `gunicorn -w 4` started without gunicorn.conf.py says nothing, and is refused.
    WORKERS = _env_int("WORKERS", None) or _web_concurrency()
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto (0: trust none).
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_LOGIN = _env("RATELIMIT_LOGIN", "20 per minute;200 per hour")
    RATELIMIT_RESET = _env("RATELIMIT_RESET", "5 per minute;30 per hour")
    RATELIMIT_JOIN = _env("RATELIMIT_JOIN", "10 per minute;50 per hour")

    # E-mail
    MAIL_FROM = _env("MAIL_FROM", "Klantenteam <klantenteam@example.com>")
    SMTP_HOST = _env("SMTP_HOST", "127.0.0.1")
    SMTP_PORT = _env_int("SMTP_PORT", 25)
    SMTP_USERNAME = _env("SMTP_USERNAME")
    SMTP_PASSWORD = _env("SMTP_PASSWORD")
    SMTP_STARTTLS = _env_bool("SMTP_STARTTLS", False)
    SMTP_TIMEOUT = _env_int("SMTP_TIMEOUT", 10)
    # Failed mail is tried again (backoff capped at an hour) for this long, then marked failed.
    MAIL_RETRY_HOURS = _env_int("MAIL_RETRY_HOURS", 72)
    MAIL_PREVIEW = _env_bool("MAIL_PREVIEW", ENV != "production")


class TestConfig(Config):
    """Settings for the test suite: a throw-away database, CSRF checked by its own tests."""

    ENV = "testing"
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-tests"
    SQLALCHEMY_DATABASE_URI = os.environ.get("PANEL_TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    ADMIN_TWO_FACTOR_REQUIRED = True
    WTF_CSRF_ENABLED = False
    WORKERS = 1  # the test client serves from this one process
    # Limits stay on (they are part of what is tested) but high, except where a test lowers them.
    RATELIMIT_LOGIN = "10000 per minute"
    RATELIMIT_RESET = "10000 per minute"
    RATELIMIT_JOIN = "10000 per minute"
    HSTS = False
    MAIL_PREVIEW = True
    SERVER_NAME = "localhost"
    BASE_URL = "http://localhost"
