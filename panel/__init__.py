"""Klantenteam: the application factory."""

import logging
import os

from flask import Flask, g, has_app_context, request, session
from flask_babel import get_translations
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (
    accounts,
    admin,
    audit,
    feedback,
    i18n,
    insights,
    mail,
    membership,
    notifications,
    public,
    recognition,
    rounds,
    security,
    shipped,
)
from .cli import register_cli
from .config import DEV_SECRET_KEY, PROJECT_ROOT, Config
from .converters import register_converters
from .database import utcnow
from .errors import register_error_pages
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .forms import ConfirmForm, refuse_json_bodies
from .i18n import lazy_gettext as _l
from .notifications import kinds as notification_kinds

assert audit and mail  # imported for their tables (audit log, outbox), which migrations must see


class PanelFlask(Flask):
    """Flask that rolls the request's changes back as soon as a view raises, before the error
    page is made; commit_request() then commits only what a successful request did."""

    def handle_user_exception(self, e):
        db.session.rollback()
        return super().handle_user_exception(e)

    def handle_exception(self, e):
        # What no handler took (and a failed commit): the 500 page starts from a clean session.
        db.session.rollback()
        return super().handle_exception(e)


def create_app(config=None):
    app = PanelFlask(
        __name__,
        instance_path=os.path.join(PROJECT_ROOT, "instance"),
        template_folder=os.path.join(PROJECT_ROOT, "templates"),
        static_folder=os.path.join(PROJECT_ROOT, "static"),
    )
    app.config.from_object(Config)
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None:
        app.config.from_object(config)
    check_production_settings(app)
    trust_proxies(app)
    register_converters(app)
    os.makedirs(app.instance_path, exist_ok=True)
    # PANEL_LOG_LEVEL: deploy/run-job sets WARNING, so cron mails a job's problems, not its
    # ordinary reports ("outbox: 3 sent").
    logging.basicConfig(
        level=os.environ.get("PANEL_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.babel_locale)
    login_manager.init_app(app)
    login_manager.login_view = login_manager.refresh_view = "accounts.login"
    login_manager.needs_refresh_message = _l(
        "Please log in again to continue; this keeps your data safe."
    )
    login_manager.needs_refresh_message_category = "info"

    register_request_hooks(app)
    init_domains(app)
    register_template_helpers(app)
    register_error_pages(app)
    register_cli(app)
    return app


def check_production_settings(app):
    """Refuse to start in production with a default or short SECRET_KEY."""
    if app.config["ENV"] != "production":
        return
    key = app.config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < 32:
        raise RuntimeError(
            "PANEL_SECRET_KEY must be set to a random value of at least 32 characters in "
            "production (or set PANEL_ENV=development for a local run)."
        )
    # memory:// counts per process: four workers would allow four times the per-IP limits. Only
    # a worker count of exactly 1, said explicitly (PANEL_WORKERS or WEB_CONCURRENCY), may count
    # in memory: a server started without saying how many workers it runs is not trusted to run one.
    if (
        app.config.get("WORKERS") != 1
        and app.config["RATELIMIT_STORAGE_URI"].startswith("memory://")
        and not app.config["RATELIMIT_ALLOW_MEMORY"]
    ):
        raise RuntimeError(
            "With more than one worker, or an unknown number (PANEL_WORKERS unset), the rate "
            "limits must be shared: set PANEL_RATELIMIT_STORAGE_URI=redis://127.0.0.1:6379/0 "
            "(or PANEL_WORKERS=1 for a single process, or PANEL_RATELIMIT_ALLOW_MEMORY=1 to "
            "accept limits counted per worker)."
        )


def trust_proxies(app):
    """Take the client's address and scheme from the PROXY_COUNT reverse proxies in front of
    the app (X-Forwarded-For/-Proto); with none configured these headers are the client's own
    and are ignored, so nobody escapes the per-IP limits by sending them."""
    count = app.config["PROXY_COUNT"]
    if count > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def init_domains(app):
    """Each domain registers its blueprints and connects to the signals it answers, lowest
    layer first (that order is the order of the dashboard's items and the health page)."""
    for domain in (
        accounts,
        notifications,
        membership,
        rounds,
        feedback,
        insights,
        shipped,
        recognition,
        admin,
        public,
    ):
        domain.init_app(app)
    notification_kinds.load(app)


def register_request_hooks(app):
    app.url_value_preprocessor(i18n.pull_language)
    app.url_defaults(i18n.add_language)
    app.before_request(refuse_json_bodies)
    app.before_request(security.protect_from_csrf)
    app.before_request(security.require_login)
    app.after_request(security.set_security_headers)
    app.after_request(commit_request)

    @app.after_request
    def remember_language(response):
        lang = g.get("lang")
        if lang and request.cookies.get(i18n.LANGUAGE_COOKIE) != lang:
            response.set_cookie(
                i18n.LANGUAGE_COOKIE,
                lang,
                max_age=365 * 24 * 3600,
                samesite="Lax",
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
            )
        return response

    @app.after_request
    def mark_activity(response):
        # The idle timeout is kept in the signed session cookie, so reading a page never writes.
        if current_user.is_authenticated:
            now = int(utcnow().timestamp())
            if now - session.get("seen", 0) > 30:
                session["seen"] = now
        return response


def commit_request(response):
    """One commit per request (HOUSE_STYLE.md, point 15): services only flush; what the request
    changed is committed once here. A view that raised was rolled back (PanelFlask) before its
    error page was made, so this commits nothing of it. If the commit fails, it is rolled back
    and the request ends on the error page. Nothing is expired by this last commit: a streamed
    response (a CSV export) still reads the rows it loaded. A request that began no transaction
    (a static file, /healthz after its rollback) has nothing to commit and skips it."""
    if not db.session.registry.has():
        return response
    session_ = db.session()
    if not session_.in_transaction():
        return response
    session_.expire_on_commit = False
    try:
        session_.commit()
    except Exception:
        session_.rollback()
        raise
    finally:
        session_.expire_on_commit = True
    return response


def page_translations():
    """Flask-Babel's get_translations(), kept on the request's Babel context for as long as its
    locale stays the same object (issue 13).

    Templates call gettext 50-150 times a page; each call looked up the context four times and
    formatted the locale's name to find the catalog again. force_locale (i18n.speaking) sets
    another locale object and puts the old one back afterwards, so a message written for
    someone else inside a page still gets its own language, and the page its own after it."""
    if not has_app_context():
        return get_translations()
    ctx = g.get("_flask_babel")
    locale = getattr(ctx, "babel_locale", None)
    if locale is None:
        return get_translations()
    kept = getattr(ctx, "panel_translations", None)
    if kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    ctx.panel_translations = (locale, translations)
    return translations


def register_template_helpers(app):
    # Flask-Babel's own callables, with the catalog kept for the request (page_translations).
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters.update(
        datetime=i18n.datetime_filter,
        date=i18n.date_filter,
        time=i18n.time_filter,
        number=i18n.number_filter,
        percent=i18n.percent_filter,
    )

    @app.context_processor
    def page_context():
        return {
            "current_language": i18n.current_language(),
            "language_names": i18n.LANGUAGE_NAMES,
            "url_in_language": i18n.url_in_language,
            "operator_name": app.config["OPERATOR_NAME"],
            "Role": security.Role,
            "confirm_form": ConfirmForm,
            "utcnow": utcnow,
        }
