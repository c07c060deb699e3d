"""Thin views for pages anyone may see."""

import logging

from flask import current_app, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from ..i18n import LANGUAGE_COOKIE, preferred_language
from ..security import public, safe_next
from ..signals import answers, public_outcomes
from . import bp, root_bp
from .forms import LanguageForm

log = logging.getLogger("panel.health")


@root_bp.route("/")
@public
def root():
    return redirect(url_for("public.home", lang=preferred_language()))


@root_bp.route("/healthz")
@public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        database_ok = True
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        db.session.rollback()
        database_ok = False
    body = {"status": "ok" if database_ok else "unavailable", "database": database_ok}
    return jsonify(body), 200 if database_ok else 503


@root_bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for("root.root"))
    lang = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = lang
    response = redirect(safe_next(form.next.data, url_for("public.home", lang=lang)))
    response.set_cookie(
        LANGUAGE_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
    )
    return response


@bp.route("/")
@public
def home():
    outcomes = [outcome for found in answers(public_outcomes) for outcome in found]
    return render_template("public/home.html", outcomes=outcomes)
