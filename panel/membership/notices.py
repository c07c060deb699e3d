"""The notifications membership sends (answers signals.notification_kinds)."""

from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind
from .models import MemberStatus


def _status_title(params):
    return dict(params, status=MemberStatus.title_of(params.get("status")))


def membership_kinds(_sender=None):
    return [
        Kind(
            "welcome",
            _l("Welcome to the panel!"),
            _l("Welcome message"),
            essential=True,
            mail="welcome",
        ),
        Kind(
            "membership_status",
            _l("Your membership: %(status)s"),
            _l("Changes to your membership"),
            essential=True,
            mail="membership_status",
            display=_status_title,
        ),
        Kind(
            "privacy_statement",
            _l("We updated our privacy statement"),
            _l("Privacy statement updates"),
            essential=True,
            mail="privacy_notice",
        ),
    ]
