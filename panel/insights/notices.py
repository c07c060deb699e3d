"""The notifications insights send (answers signals.notification_kinds)."""

import json

from sqlalchemy import insert

from ..database import utcnow
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..i18n import link_for
from ..mail import queue_mail_bulk
from ..notifications import kinds
from ..notifications.kinds import Kind, both_languages
from ..notifications.models import Notification
from ..notifications.services import users_without_email_for
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


def tell_answer(route, users):
    """The route's published answer to these users at once ("insight_answer", as
    services.publish_answer sends it): one insert for the in-app notifications, one query for
    who switched the e-mail off, and the e-mail rendered once per language, each in its
    recipient's language with a link in that language. Returns how many were told."""
    users = list(users)
    if not users:
        return 0
    kind = kinds.get("insight_answer")
    params = stream_params(route.stream)
    params_json, now = json.dumps(params), utcnow()
    links = {user.locale: link_for("loop.contributions", user.locale) for user in users}
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": user.id,
                "kind": kind.name,
                "params_json": params_json,
                "link": links[user.locale],
                "created_at": now,
            }
            for user in users
        ],
    )
    opted_out = users_without_email_for(kind, [user.id for user in users])
    by_locale = {}
    for user in users:
        if user.id not in opted_out:
            by_locale.setdefault(user.locale, []).append(user)
    for locale, group in by_locale.items():
        queue_mail_bulk(
            group,
            kind.mail,
            link=links[locale],
            notification_kind=kind,
            params=params,
            route=route,
            **params,
        )
    return len(users)
