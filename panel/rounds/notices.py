"""The notifications rounds send (answers signals.notification_kinds)."""

from datetime import datetime

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..notifications.kinds import Kind, both_languages
from .calendar import session_when, when_text
from .models import IdeaStatus, Round, Session, Stage


def round_params(round_):
    """What a notification about a round keeps: its id and its title in both languages."""
    return {"round_id": round_.id, "round": both_languages(round_, "title")}


def session_params(session):
    """What a notification about a session keeps: its id, title in both languages, start and
    end (formatted when shown, in the reader's language, as the session's e-mails say it)."""
    return {
        "session_id": session.id,
        "session": both_languages(session, "title"),
        "starts_at": session.starts_at.isoformat(),
        "ends_at": session.ends_at.isoformat(),
    }


def _round_title(params):
    shown = dict(params)
    if "round" not in params:  # notifications stored before the titles were kept
        round_ = db.session.get(Round, params.get("round_id") or 0)
        shown["round"] = both_languages(round_, "title") if round_ else ""
    if "stage" in params:
        shown["stage"] = Stage.title_of(params["stage"])
    return shown


def _session_title(params):
    if "session" in params and "starts_at" in params:
        starts_at = datetime.fromisoformat(params["starts_at"])
        ends_at = datetime.fromisoformat(params["ends_at"]) if params.get("ends_at") else None
        return dict(params, when=when_text(starts_at, ends_at))
    session = db.session.get(Session, params.get("session_id") or 0)
    return dict(
        params,
        session=both_languages(session, "title") if session else "",
        when=session_when(session) if session else "",
    )


def _round(params):
    return {"round": db.session.get(Round, params.get("round_id") or 0)}


def _idea_title(params):
    return dict(params, status=IdeaStatus.title_of(params.get("status")))


def round_kinds(_sender=None):
    return [
        Kind(
            "round_invitation",
            _l("You're invited: %(round)s"),
            _l("Invitations to take part"),
            mail="notification",
            display=_round_title,
            details=_round,
        ),
        Kind(
            "round_stage",
            _l("%(round)s is now in the stage: %(stage)s"),
            _l("News from rounds you take part in"),
            mail="round_stage",
            display=_round_title,
        ),
        Kind(
            "round_outcome",
            _l("The result of %(round)s is here"),
            _l("Results of rounds you took part in"),
            mail="notification",
            display=_round_title,
            details=_round,
        ),
        Kind(
            "waitlist_promoted",
            _l("A seat came free: you're registered for %(session)s"),
            _l("Changes to your session registrations"),
            essential=True,
            mail="session_promoted",
            display=_session_title,
        ),
        Kind(
            "session_reminder",
            _l("Tomorrow: %(session)s, %(when)s"),
            _l("Session reminders"),
            mail="session_reminder",
            display=_session_title,
        ),
        Kind(
            "idea_answered",
            _l("Your idea “%(idea_title)s” got an answer: %(status)s"),
            _l("Answers to your ideas"),
            mail="idea_answered",
            display=_idea_title,
        ),
        Kind(
            "idea_reaction",
            _l("New reaction to your idea “%(idea_title)s”"),
            _l("Reactions to your ideas"),
            mail="idea_reaction",
        ),
        Kind(
            "reaction_reply",
            _l("New reply to your reaction on “%(idea_title)s”"),
            _l("Replies to your reactions"),
            mail="reaction_reply",
        ),
        Kind(
            "content_hidden",
            _l("We hid something you wrote. Reason: %(reason)s"),
            _l("Moderation of what you wrote"),
            essential=True,
            mail="notification",
        ),
        Kind(
            "content_unhidden",
            _l("A moderator made what you wrote visible again"),
            _l("Something of yours visible again after moderation"),
            mail="notification",
        ),
        Kind(
            "idea_merged",
            _l("“%(idea_title)s” is merged with “%(kept_title)s”"),
            _l("Ideas of yours merged with a similar idea"),
            mail="idea_merged",
        ),
    ]
