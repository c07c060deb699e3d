"""An iCalendar (.ics) file for a session registration, written with the `icalendar` library,
and a session's time and place as a message to the panelist states them."""

from datetime import UTC

from flask import current_app
from icalendar import Calendar, Event

from ..i18n import current_language, datetime_filter, link_for, speaking, time_filter
from ..mail import Attachment

# A session's day and time in a message: "di 8 december, 19:00" / "Tue 8 Dec, 19:00".
WHEN_FORMATS = {"nl": "EEE d MMMM, HH:mm", "en": "EEE d MMM, HH:mm"}


def _utc(moment):
    return moment.astimezone(UTC)


def session_when(session):
    """Day, start and end in Europe/Amsterdam, in the language of the moment:
    "di 8 december, 19:00–21:00"."""
    return when_text(session.starts_at, session.ends_at)


def when_text(starts_at, ends_at=None):
    """session_when from the moments themselves (a notification keeps them); without an end
    (notifications stored before it was kept) the day and start alone."""
    pattern = WHEN_FORMATS.get(current_language(), WHEN_FORMATS["en"])
    start = datetime_filter(starts_at, pattern)
    return f"{start}–{time_filter(ends_at)}" if ends_at else start


def session_place(session):
    """Venue, address and city of a session at a location (the venue in the language of the
    moment); empty for an online session."""
    if session.kind == "online":
        return ""
    return ", ".join(str(part) for part in (session.venue, session.address, session.city) if part)


def ics_for(registration, lang=None, cancelled=False):
    """The .ics text (CRLF lines, folded at 75 octets) for one confirmed registration.

    lang: the language of its title and link (the member's own when sent to them); by default
    the language of the moment. cancelled: the same event (same UID, a higher SEQUENCE) as
    cancelled, so a calendar that took it in takes it out again."""
    if lang is not None:
        with speaking(lang):
            return ics_for(registration, cancelled=cancelled)
    session = registration.session
    round_ = session.round
    location = session.meeting_link if session.kind == "online" else session_place(session)

    event = Event()
    event.add("uid", f"session-{session.id}-registration-{registration.id}@klantenteam")
    event.add("dtstamp", _utc(registration.created_at))
    event.add("dtstart", _utc(session.starts_at))
    event.add("dtend", _utc(session.ends_at))
    event.add("summary", str(session.title))
    event.add("description", str(round_.title))
    if location:
        event.add("location", location)
    path = link_for("rounds.round_page", registration.member.user.locale, round_id=round_.id)
    event.add("url", current_app.config["BASE_URL"] + path)
    if cancelled:
        event.add("sequence", 1)
        event.add("status", "CANCELLED")

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Klantenteam//Sessions//NL")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")


def ics_attachment(registration, cancelled=False):
    """The registration's .ics to attach to a message to its member, in their language."""
    lang = registration.member.user.locale
    return Attachment(
        f"session-{registration.session_id}.ics",
        "text/calendar",
        ics_for(registration, lang, cancelled=cancelled),
    )
