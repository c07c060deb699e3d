"""Every kind of notification: its title, whether it may be turned off, and its e-mail.

The domain that sends a kind owns it: it answers the ``notification_kinds`` signal with its
kinds (see each domain's ``notices`` module), and the app gathers them once when it is created,
so that the preferences page lists them all. This module knows no domain.
"""

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..forms import REDACTED
from ..i18n import lazy_gettext as _l
from ..i18n import pick_language
from ..signals import answers, notification_kinds

EXTENSION_KEY = "panel.notification_kinds"


@dataclass(frozen=True)
class Kind:
    name: str
    title: object  # lazy text with %(…)s placeholders filled from the notification's params
    setting_label: object  # what the member turns on or off on the preferences page
    essential: bool = False  # essential kinds cannot be turned off
    staff_only: bool = False  # about staff work: panelists are never sent it nor offered it
    mail: str | None = None  # templates/mail/<mail>.*; None: in-app only
    display: object = None  # params → the values shown (e.g. a status code → its title)
    # params → {name: model} a mail about it shows more of (templates/mail/_about_<name>.*);
    # called while the mail is written, so the models' bilingual fields speak the recipient's.
    details: object = None

    def title_for(self, params):
        """The title in the language of the moment: the reader's page, or the recipient's while
        a message is written for them (`panel.i18n.speaking`).

        Text; in HTML a staff-written field shown in the other language is marked (its `lang`
        and "(in het Engels)"), as everywhere else."""
        shown = self.display(params) if self.display else params
        title = str(self.title)
        if not shown:
            return Title(title, escape(title))
        values = {name: resolved(value) for name, value in shown.items()}
        return Title(title % values, escape(title) % values)

    def details_for(self, params):
        return (self.details(params) or {}) if self.details else {}


class Title(str):
    """A notification's title: plain text, and marked-up HTML where a template escapes it."""

    def __new__(cls, text, markup):
        title = super().__new__(cls, text)
        # Already escaped: escape(title) % values escapes every value put into it.
        title.markup = Markup(markup)  # nosec B704
        return title

    def __html__(self):
        return self.markup


def both_languages(obj, field):
    """A staff-written bilingual field as the pair a notification keeps: {"nl": …, "en": …}.

    Stored like this, the title is shown in the reader's language, not the trigger's."""
    return {lang: getattr(obj, f"{field}_{lang}") or "" for lang in ("nl", "en")}


def is_pair(value):
    return isinstance(value, dict) and bool(value) and set(value) <= {"nl", "en"}


def resolved(value):
    """A stored parameter as shown now: an nl/en pair in the current language (the other one,
    marked, when that half is empty); plain values (older rows, panelists' own words) as they
    are, except that words a moderator removed (an idea's title) read as the moderator's
    phrase in the reader's language."""
    if isinstance(value, str) and REDACTED in value:
        return value.replace(REDACTED, _("[removed by the moderator]"))
    return pick_language(value) if is_pair(value) else value


def panel_kinds(_sender=None):
    """The kinds of the panel as a whole: news to every member."""
    return [
        Kind(
            "panel_news",
            _l("News from the panel: %(subject)s"),
            _l("News and results from the panel"),
            mail="panel_news",
        ),
    ]


def load(app):
    """Gather every domain's kinds (after the domains connected to the signal)."""
    kinds = {}
    for found in answers(notification_kinds):
        for kind in found:
            if kind.name in kinds:
                raise RuntimeError(f"notification kind {kind.name!r} is registered twice")
            kinds[kind.name] = kind
    app.extensions[EXTENSION_KEY] = kinds


def all_kinds():
    """Every kind by name, in the order the domains registered them."""
    return current_app.extensions[EXTENSION_KEY]


def get(name):
    return all_kinds()[name]


def optional_kinds(user=None):
    """The kinds a person may switch e-mail on or off for; `user` given: only those that can
    reach them (a staff-only kind not for a panelist)."""
    return [
        kind
        for kind in all_kinds().values()
        if not kind.essential
        and kind.mail
        and (user is None or not kind.staff_only or user.is_staff)
    ]
