"""The notifications insights send (answers signals.notification_kinds)."""

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind, both_languages
from .models import Stream


def stream_params(stream):
    """What a notification about a stream keeps: its id and its name in both languages."""
    return {"stream_id": stream.id, "stream": both_languages(stream, "name")}


def _stream_name(params):
    if "stream" in params:
        return params
    stream = db.session.get(Stream, params.get("stream_id") or 0)  # stored before names were kept
    return dict(params, stream=both_languages(stream, "name") if stream else "")


def insight_kinds(_sender=None):
    return [
        Kind(
            "insight_answer",
            _l("%(stream)s answered what you told us"),
            _l("Answers from the teams to what you told us"),
            mail="insight_answer",
            display=_stream_name,
        ),
        # Staff: a colleague gave them an insight in a stream's inbox (they may switch it off).
        Kind(
            "route_assigned",
            _l("An insight in %(stream)s was assigned to you"),
            _l("Insights a colleague assigns to you in a stream's inbox"),
            mail="notification",
            display=_stream_name,
            staff_only=True,
        ),
    ]
