"""Every kind of notification: its title, whether it may be turned off, and its e-mail.

The domain that sends a kind owns it: it answers the ``notification_kinds`` signal with its
kinds (see each domain's ``notices`` module), and the app gathers them once when it is created,
so that the preferences page lists them all. This module knows no domain.
"""

from dataclasses import dataclass

from flask import current_app

from ..i18n import lazy_gettext as _l
from ..signals import answers, notification_kinds

EXTENSION_KEY = "panel.notification_kinds"


@dataclass(frozen=True)
class Kind:
    name: str
    title: object  # lazy text with %(…)s placeholders filled from the notification's params
    setting_label: object  # what the member turns on or off on the preferences page
    essential: bool = False  # essential kinds cannot be turned off
    mail: str | None = None  # templates/mail/<mail>.*; None: in-app only
    display: object = None  # params → the values shown (e.g. a status code → its title)

    def title_for(self, params):
        shown = self.display(params) if self.display else params
        return str(self.title) % shown if shown else str(self.title)


def panel_kinds(_sender=None):
    """The kinds of the panel as a whole: news to every member."""
    return [
        Kind(
            "panel_news",
            _l("News from the klantenteam: %(subject)s"),
            _l("News and results from the klantenteam"),
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


def optional_kinds():
    return [kind for kind in all_kinds().values() if not kind.essential and kind.mail]
