"""Klantenteam: the application factory."""
import logging
import os

from flask import Flask, g, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from . import i18n, security
from .config import DEV_SECRET_KEY, PROJECT_ROOT, Config
from .database import utcnow
from .errors import register_error_pages
from .extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config=None):
    app = Flask(
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
    os.makedirs(app.instance_path, exist_ok=True)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=i18n.babel_locale)
    login_manager.init_app(app)
    login_manager.login_view = login_manager.refresh_view = "accounts.login"
    login_manager.needs_refresh_message = _l(
        "Please log in again to continue; this keeps your data safe.")
    login_manager.needs_refresh_message_category = "info"

    register_models()
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_error_pages(app)

    from .cli import register_cli
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


def register_models():
    # Import every domain's models so that metadata and migrations see all tables.
    from . import audit, mail  # noqa: F401
    from .accounts import models  # noqa: F401,F811
    from .membership import models  # noqa: F401,F811
    from .notifications import models  # noqa: F401,F811
    from .insights import models  # noqa: F401,F811
    from .rounds import models  # noqa: F401,F811
    from .feedback import models  # noqa: F401,F811
    from .insights import models  # noqa: F401,F811


def register_blueprints(app):
    from .accounts import bp as accounts_bp
    from .admin import bp as admin_bp
    from .membership import bp as membership_bp
    from .membership import manage_bp
    from .notifications import bp as notifications_bp
    from .public import bp as public_bp
    from .public import root_bp
    from .feedback import bp as feedback_bp
    from .insights import bp as insights_bp
    from .insights import loop_bp, setup_bp
    from .feedback import results_bp
    from .rounds import bp as rounds_bp
    from .rounds import owner_bp

    app.register_blueprint(root_bp)
    app.register_blueprint(public_bp, url_prefix="/<lang>")
    app.register_blueprint(accounts_bp, url_prefix="/<lang>")
    app.register_blueprint(membership_bp, url_prefix="/<lang>")
    app.register_blueprint(notifications_bp, url_prefix="/<lang>")
    app.register_blueprint(manage_bp, url_prefix="/<lang>/manage")
    app.register_blueprint(rounds_bp, url_prefix="/<lang>")
    app.register_blueprint(owner_bp, url_prefix="/<lang>/owner")
    app.register_blueprint(feedback_bp, url_prefix="/<lang>")
    app.register_blueprint(results_bp, url_prefix="/<lang>/results")
    app.register_blueprint(insights_bp, url_prefix="/<lang>/insights")
    app.register_blueprint(setup_bp, url_prefix="/<lang>/insights/setup")
    app.register_blueprint(loop_bp, url_prefix="/<lang>")
    app.register_blueprint(admin_bp, url_prefix="/<lang>/admin")


def register_request_hooks(app):
    app.url_value_preprocessor(i18n.pull_language)
    app.url_defaults(i18n.add_language)
    app.before_request(security.protect_from_csrf)
    app.before_request(security.require_login)
    from .membership.views import require_current_statement
    app.before_request(require_current_statement)
    app.after_request(security.set_security_headers)

    @app.after_request
    def remember_language(response):
        lang = g.get("lang")
        if lang and request.cookies.get(i18n.LANGUAGE_COOKIE) != lang:
            response.set_cookie(i18n.LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600,
                                samesite="Lax", secure=app.config["SESSION_COOKIE_SECURE"],
                                httponly=True)
        return response

    @app.after_request
    def mark_activity(response):
        # The idle timeout is kept in the signed session cookie, so reading a page never writes.
        if current_user.is_authenticated:
            now = int(utcnow().timestamp())
            if now - session.get("seen", 0) > 30:
                session["seen"] = now
        return response


def register_template_helpers(app):
    from .forms import ConfirmForm

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
            "unread_notifications": unread_notifications,
            "utcnow": utcnow,
        }

    def unread_notifications():
        from .notifications.services import unread_count

        return unread_count(current_user) if current_user.is_authenticated else 0
