"""The notifications feedback sends (answers signals.notification_kinds)."""

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind
from .models import Release


def _release_title(params):
    release = db.session.get(Release, params.get("release_id") or 0)
    return dict(params, version=release.version if release else "")


def _release(params):
    return {"release": db.session.get(Release, params.get("release_id") or 0)}


def feedback_kinds(_sender=None):
    return [
        Kind(
            "release_feedback",
            _l("What do you think of app version %(version)s?"),
            _l("Questions about new versions of the app"),
            mail="notification",
            display=_release_title,
            details=_release,
        ),
        Kind(
            "release_reminder",
            _l("Last chance: tell us what you think of app version %(version)s"),
            _l("Reminders about questions you haven't answered yet"),
            mail="notification",
            display=_release_title,
            details=_release,
        ),
    ]
