"""Thin views for pages anyone may see."""

import logging

from flask import (
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.services import set_language as save_language
from ..extensions import db, limiter
from ..i18n import LANGUAGE_COOKIE, OTHER_LANGUAGE_LABELS, preferred_language, speaking
from ..membership.services import find_member_for
from ..rounds.hooks import openable_round_ids
from ..rounds.outcomes import outcome_insights_for
from ..security import public, safe_next
from ..shipped import said_we_did as said
from ..signals import answers, public_outcomes
from . import bp, root_bp
from .forms import LanguageForm

log = logging.getLogger("panel.health")

# The session key of the question "also receive e-mails in this language?" (its answer form is
# templates/_language_question.html).
LANGUAGE_QUESTION = "language_question"


@root_bp.route("/")
@public
def root():
    return redirect(url_for("public.home", lang=preferred_language()))


@root_bp.route("/healthz")
@public
def healthz():
    # A connection of its own, straight from the pool: the check needs no ORM session, and a
    # connection that fails is discarded by the pool rather than kept for the next request.
    try:
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        database_ok = True
    except SQLAlchemyError:
        log.exception("health check: database unreachable")
        database_ok = False
    body = {"status": "ok" if database_ok else "unavailable", "database": database_ok}
    return jsonify(body), 200 if database_ok else 503


@limiter.request_filter
def _healthz_unlimited():
    """/healthz has no rate limit: the limiter need not work out, per request, that it has none."""
    return request.endpoint == "root.healthz"


@root_bp.route("/language", methods=["POST"])
@public
def set_language():
    form = LanguageForm()
    if not form.validate_on_submit():
        return redirect(url_for("root.root"))
    lang = form.lang.data
    if current_user.is_authenticated:
        ask_or_save_email_language(lang, form.emails.data)
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


@root_bp.app_template_global()
def asked_language():
    """The language a logged-in person switched the pages to and may also want for e-mails."""
    asked = session.get(LANGUAGE_QUESTION)
    if asked and current_user.is_authenticated and current_user.locale != asked:
        return asked
    return None


def ask_or_save_email_language(lang, answer):
    """The header's switch changes the page's language; the saved language (of e-mails, and of
    the pages after the next login) changes only when the person says so. Switching to another
    language than the saved one asks on the next page (templates/_language_question.html)."""
    with speaking(lang):  # the flash is read on the next page, in `lang`
        if answer == "yes":
            save_language(current_user, lang)
            flash(
                _(
                    "Done. From now on we'll e-mail you in %(language)s.",
                    language=OTHER_LANGUAGE_LABELS[lang],
                ),
                "success",
            )
        elif answer == "no":
            flash(
                _(
                    "All right: your e-mails stay in %(language)s. You can change this under "
                    "My account.",
                    language=OTHER_LANGUAGE_LABELS[current_user.locale],
                ),
                "success",
            )
    if answer or lang == current_user.locale:
        session.pop(LANGUAGE_QUESTION, None)
    else:
        session[LANGUAGE_QUESTION] = lang


# The home page shows what shipped in the latest three months; the page itself six a page.
HOME_MONTHS = 3
MONTHS_PER_PAGE = 6


@bp.route("/")
@public
def home():
    outcomes = [outcome for found in answers(public_outcomes) for outcome in found]
    return render_template(
        "public/home.html",
        outcomes=outcomes,
        # The insights each outcome came from, for all of them in one query.
        outcome_insights=outcome_insights_for(outcomes),
        # What shipped: the outcome cards above are the rounds' side of it.
        shipped_months=said.months(HOME_MONTHS, shipped_only=True),
    )


@bp.route("/you-said-we-did")
@public
def said_we_did():
    """Month by month, newest first: what shipped and which panel input led to it (counts
    only), and the rounds' outcomes. Paged by month: ?before=2026-06 shows the months before
    June 2026 (anything else shows the newest)."""
    before = said.parse_month(request.args.get("before"))
    keys = said.month_keys(MONTHS_PER_PAGE + 1, before)
    months = said.months_of(keys[:MONTHS_PER_PAGE])
    rounds = [outcome.round for month in months for outcome in month.outcomes]
    return render_template(
        "public/said_we_did.html",
        months=months,
        before=before,
        older=keys[MONTHS_PER_PAGE - 1] if len(keys) > MONTHS_PER_PAGE else None,
        # A round's page opens for those who may see it (members of an open round, its staff).
        openable=openable_round_ids(current_user, find_member_for(current_user), rounds)
        if rounds
        else set(),
    )
