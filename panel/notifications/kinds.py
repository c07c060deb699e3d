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


def _round_title(params):
    from ..extensions import db
    from ..rounds.models import Round, Stage

    round_ = db.session.get(Round, params.get("round_id") or 0)
    shown = dict(params, round=str(round_.title) if round_ else "")
    if "stage" in params:
        shown["stage"] = Stage.title_of(params["stage"])
    return shown


def _session_title(params):
    from ..extensions import db
    from ..i18n import datetime_filter
    from ..rounds.models import Session

    session = db.session.get(Session, params.get("session_id") or 0)
    return dict(params, session=str(session.title) if session else "",
                when=datetime_filter(session.starts_at, "medium") if session else "")


def _release_title(params):
    from ..extensions import db
    from ..feedback.models import Release

    release = db.session.get(Release, params.get("release_id") or 0)
    return dict(params, version=release.version if release else "")


def _stream_name(params):
    from ..extensions import db
    from ..insights.models import Stream

    stream = db.session.get(Stream, params.get("stream_id") or 0)
    return dict(params, stream=str(stream.name) if stream else "")


def _idea_title(params):
    from ..rounds.models import IdeaStatus

    return dict(params, status=IdeaStatus.title_of(params.get("status")))


KINDS = {kind.name: kind for kind in [
    Kind("welcome", _l("Welcome to the klantenteam!"), _l("Welcome message"), essential=True),
    Kind("membership_status", _l("Your membership: %(status)s"),
         _l("Changes to your membership"), essential=True, mail="membership_status",
         display=_status_title),
    Kind("privacy_statement", _l("We updated our privacy statement"),
         _l("Privacy statement updates"), essential=True),
    Kind("panel_news", _l("News from the klantenteam: %(subject)s"),
         _l("News and results from the klantenteam"), mail="panel_news"),
    Kind("round_invitation", _l("You're invited: %(round)s"), _l("Invitations to take part"),
         mail="notification", display=_round_title),
    Kind("round_stage", _l("%(round)s is now in the stage: %(stage)s"),
         _l("News from rounds you take part in"), mail="notification", display=_round_title),
    Kind("round_outcome", _l("The result of %(round)s is here"),
         _l("Results of rounds you took part in"), mail="notification", display=_round_title),
    Kind("waitlist_promoted", _l("A seat came free: you're registered for %(session)s"),
         _l("Changes to your session registrations"), essential=True, mail="notification",
         display=_session_title),
    Kind("session_reminder", _l("Tomorrow: %(session)s, %(when)s"), _l("Session reminders"),
         mail="notification", display=_session_title),
    Kind("idea_answered", _l("Your idea “%(idea_title)s” got an answer: %(status)s"),
         _l("Answers to your ideas"), mail="notification", display=_idea_title),
    Kind("release_feedback", _l("What do you think of app version %(version)s?"),
         _l("Questions about new versions of the app"), mail="notification", display=_release_title),
    Kind("release_reminder", _l("Last chance: tell us what you think of app version %(version)s"),
         _l("Reminders about questions you haven't answered yet"), mail="notification",
         display=_release_title),
    Kind("insight_answer", _l("%(stream)s answered what you told us"),
         _l("Answers from the teams to what you told us"), mail="notification", display=_stream_name),
    Kind("content_hidden", _l("We hid something you wrote. Reason: %(reason)s"),
         _l("Moderation of what you wrote"), essential=True, mail="notification"),
]}


def optional_kinds():
    return [kind for kind in KINDS.values() if not kind.essential and kind.mail]
