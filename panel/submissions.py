"""Double submissions: each rendering of a form carries a token that can create a record once.

A create view calls claim_submission(form) after validating and before it changes anything. The
claim is written in the request's own transaction, so it is kept exactly when what the form
created is kept. The same form sent again (a double click, a resent page, six posts at once)
finds its token taken: on PostgreSQL the second insert waits for the first transaction and then
fails on the unique key; on SQLite the second POST only starts once the first has committed
(BEGIN IMMEDIATE). That request creates nothing and is answered by answered_before(): the page
the first one went to. A form whose token was already claimed passes validation
(BaseForm.validate), so a double is answered this way even when the first one's record would now
fail a check (a name already taken).
"""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import after_this_request, flash, redirect
from flask_babel import gettext as _
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from .database import UTCDateTime, utcnow
from .extensions import db

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{20,64}")
# Kept long enough to recognise a form sent again from a page left open; then purged.
KEEP_FOR = timedelta(days=2)


def new_form_token(form=None):
    """A fresh, unguessable token for one rendering of a form, ending in its form's tag."""
    return secrets.token_urlsafe(24) + (form_tag(form) if form is not None else "")


def form_tag(form):
    """Eight characters naming the form's class. A token counts only for the class it was made
    for: a token claimed by one form (an idea) can't be sent with another (a profile) to skip that
    form's validation, which BaseForm.validate waives for a token claimed before."""
    name = f"{type(form).__module__}.{type(form).__qualname__}"
    return hashlib.sha256(name.encode()).hexdigest()[:8]


class FormSubmission(db.Model):
    """A form token that has been used, and where its request sent the browser."""

    __tablename__ = "form_submissions"

    token = db.Column(db.String(64), primary_key=True)
    location = db.Column(db.String(500))
    created_at = db.Column(UTCDateTime, nullable=False, default=utcnow, index=True)


def posted_token(form):
    """The token the form was sent with, or None (missing, or not one of ours)."""
    raw = getattr(form, "form_token", None)
    value = raw.raw_data[0] if raw is not None and raw.raw_data else ""
    if not TOKEN_PATTERN.fullmatch(value or "") or not value.endswith(form_tag(form)):
        return None
    return value


def submitted_before(form):
    """True when this form's token was claimed by an earlier request."""
    token = posted_token(form)
    return token is not None and db.session.get(FormSubmission, token) is not None


def claim_submission(form):
    """Take this form's token for the current request; False when it was sent before.

    A form sent without a token (a page rendered before tokens existed) is always first.
    Once claimed, the form renders a new token, so a refused or corrected form can be sent again.
    """
    token = posted_token(form)
    if token is None:
        return True
    claim = FormSubmission(token=token)
    try:
        with db.session.begin_nested():
            db.session.add(claim)
    except IntegrityError:
        return False
    form.form_token.data = new_form_token(form)

    @after_this_request
    def remember_location(response):
        # Runs before the request commits, so a waiting double sees where the first one went.
        if response.status_code in (301, 302, 303) and inspect(claim).persistent:
            location = response.location or ""
            if location.startswith("/") and not location.startswith("//"):
                claim.location = location[:500]
        return response

    return True


def first_to_write(write):
    """Run write() in a savepoint: False, and nothing of it kept, when a unique key shows that a
    request running at the same time wrote the same record first (two tabs sending one answer;
    PostgreSQL waits for the first transaction, then refuses the second)."""
    try:
        with db.session.begin_nested():
            write()
    except IntegrityError:
        return False
    return True


def answered_before(form, fallback):
    """The answer to a form sent again: where the first one went, with a calm word."""
    earlier = db.session.get(FormSubmission, posted_token(form))
    flash(_("We had already received this, so it was saved only once."), "info")
    return redirect(earlier.location if earlier is not None and earlier.location else fallback)


def purge_form_submissions(now):
    """Forget tokens older than KEEP_FOR; returns how many were removed."""
    return FormSubmission.query.filter(FormSubmission.created_at < now - KEEP_FOR).delete()
