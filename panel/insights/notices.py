"""The notifications insights send (answers signals.notification_kinds)."""

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind
from .models import Stream


def _stream_name(params):
    stream = db.session.get(Stream, params.get("stream_id") or 0)
    return dict(params, stream=str(stream.name) if stream else "")


def insight_kinds(_sender=None):
    return [
        Kind(
            "insight_answer",
            _l("%(stream)s answered what you told us"),
            _l("Answers from the teams to what you told us"),
            mail="notification",
            display=_stream_name,
        ),
    ]
