"""Translated error pages that never show a stack trace."""

import logging

from flask import g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from .extensions import db
from .i18n import lazy_gettext as _l

log = logging.getLogger("panel.errors")

ERROR_TEXTS = {
    400: (
        _l("Something in that request was not right"),
        _l("Your browser sent something we could not understand. Please go back and try again."),
    ),
    403: (
        _l("This page is not for you"),
        _l("You don't have access to this page. If you think you should, contact the panel team."),
    ),
    404: (
        _l("We can't find that page"),
        _l("The page may have moved, or the link may be incomplete."),
    ),
    405: (
        _l("That doesn't work here"),
        _l("This page can't be used this way. Please go back and use the buttons on the page."),
    ),
    413: (
        _l("That is too much at once"),
        _l("What you sent is larger than we accept. Please send something smaller."),
    ),
    429: (
        _l("A little too fast"),
        _l("You tried this many times in a short while. Please wait a moment and try again."),
    ),
    500: (
        _l("Something went wrong on our side"),
        _l("We have been told about it. Please try again in a moment."),
    ),
}
CSRF_TEXT = (
    _l("Your page had expired"),
    _l(
        "For your safety, forms expire after a while. "
        "Please go back, reload the page and try again."
    ),
)


class NotAllowed(Exception):
    """The one way a service refuses (HOUSE_STYLE.md, point 17): the rules don't allow this now.

    `code` says why, in a word the view turns into a translated message; `details` carries what
    that message needs (the fields still missing, say).
    """

    def __init__(self, code, details=()):
        super().__init__(code)
        self.code = code
        self.details = details


def render_error(code, texts=None):
    title, message = texts or ERROR_TEXTS.get(code, ERROR_TEXTS[500])
    # The page's own forms (the logout button) must not read the request's body again: it may be
    # what was refused (too large, JSON). BaseForm then renders them empty.
    g.error_page = True
    try:
        return render_template("errors/error.html", code=code, title=title, message=message), code
    except Exception:  # the page itself failed (database down?): answer plainly, never a trace
        log.exception("error page %s could not be rendered", code)
        return f"{code} {title}", code, {"Content-Type": "text/plain; charset=utf-8"}


def register_error_pages(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        # Logged as a csrf_failure security event where the token is checked (panel.security).
        return render_error(400, CSRF_TEXT)

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code in ERROR_TEXTS:
            return render_error(error.code)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error on %s", request.endpoint)
        db.session.rollback()
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)
