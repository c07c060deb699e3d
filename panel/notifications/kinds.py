"""Every kind of notification: its title, whether it may be turned off, and its e-mail.

Later capabilities add their kinds here, so that the preferences page lists them all.
"""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Kind:
    name: str
    title: object          # lazy text with %(…)s placeholders filled from the notification's params
    setting_label: object  # what the member turns on or off on the preferences page
    essential: bool = False  # essential kinds cannot be turned off
    mail: str | None = None  # templates/mail/<mail>.*; None: in-app only
    display: object = None   # params → the values shown (e.g. a status code → its title)

    def title_for(self, params):
        shown = self.display(params) if self.display else params
        return str(self.title) % shown if shown else str(self.title)


def _status_title(params):
    from ..membership.models import MemberStatus

    return dict(params, status=MemberStatus.title_of(params.get("status")))


KINDS = {kind.name: kind for kind in [
    Kind("welcome", _l("Welcome to the klantenteam!"), _l("Welcome message"), essential=True),
    Kind("membership_status", _l("Your membership: %(status)s"),
         _l("Changes to your membership"), essential=True, mail="membership_status",
         display=_status_title),
    Kind("privacy_statement", _l("We updated our privacy statement"),
         _l("Privacy statement updates"), essential=True),
    Kind("panel_news", _l("News from the klantenteam: %(subject)s"),
         _l("News and results from the klantenteam"), mail="panel_news"),
]}


def optional_kinds():
    return [kind for kind in KINDS.values() if not kind.essential and kind.mail]
