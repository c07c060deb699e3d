"""An iCalendar (.ics) file for a session registration, written with the `icalendar` library."""

from datetime import UTC

from flask import current_app
from icalendar import Calendar, Event

from ..i18n import link_for


def _utc(moment):
    return moment.astimezone(UTC)


def ics_for(registration):
    """The .ics text (CRLF lines, folded at 75 octets) for one confirmed registration."""
    session = registration.session
    round_ = session.round
    location = (
        session.meeting_link
        if session.kind == "online"
        else ", ".join(part for part in (session.venue, session.address, session.city) if part)
    )

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

    calendar = Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", "-//Klantenteam//Sessions//NL")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add_component(event)
    return calendar.to_ical().decode("utf-8")
