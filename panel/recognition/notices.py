"""The notifications recognition sends (answers signals.notification_kinds)."""

from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind


def recognition_kinds(_sender=None):
    # A thank-you is nice to hear about, not essential: a member may switch the e-mail off.
    return [
        Kind(
            "thank_you",
            _l("A thank-you from the panel team"),
            _l("Thank-yous from the panel team"),
            mail="thank_you",
        ),
    ]
