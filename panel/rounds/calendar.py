"""An iCalendar (.ics) file for a session registration (RFC 5545, written by hand: a few lines)."""
from flask import current_app


def _escape(text):
    return (text or "").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _stamp(moment):
    return moment.strftime("%Y%m%dT%H%M%SZ")


def _fold(line):
    """Lines longer than 75 octets continue on the next line after a space."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        encoded = char.encode("utf-8")
        if len(current) + len(encoded) > 74:
            parts.append(current.decode("utf-8"))
            current = b""
        current += encoded
    parts.append(current.decode("utf-8"))
    return "\r\n ".join(parts)


def ics_for(registration):
    session = registration.session
    round_ = session.round
    location = (session.meeting_link if session.kind == "online"
                else ", ".join(part for part in (session.venue, session.address, session.city) if part))
    lines = [
        "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Klantenteam//Sessions//NL", "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH", "BEGIN:VEVENT",
        f"UID:session-{session.id}-registration-{registration.id}@klantenteam",
        f"DTSTAMP:{_stamp(registration.created_at)}",
        f"DTSTART:{_stamp(session.starts_at)}", f"DTEND:{_stamp(session.ends_at)}",
        f"SUMMARY:{_escape(str(session.title))}",
        f"DESCRIPTION:{_escape(str(round_.title))}",
        f"LOCATION:{_escape(location)}",
        f"URL:{current_app.config['BASE_URL']}/{registration.member.user.locale}/rounds/{round_.id}",
        "END:VEVENT", "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
