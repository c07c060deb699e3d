"""The .ics file for a session registration: its event fields, and lines folded per RFC 5545."""

from datetime import UTC

import icalendar

from panel.rounds import services

LONG_TITLE = (
    "Co-creatiesessie: de nieuwe reisplanner, de prijzen in één oogopslag, "
    "en wat er beter kan aan de meldingen van vertragingen"
)


def download(client, round_, session):
    return client.get(f"/en/rounds/{round_.id}/sessions/{session.id}/calendar.ics")


def test_calendar_file_holds_the_session_as_an_event(
    client, db, make_round, make_session, make_member, login_as
):
    round_ = make_round()
    session = make_session(round_, kind="physical", address="Stationsplein 1")
    member = make_member()
    registration = services.register(session, member)
    db.session.commit()
    login_as(member.user)

    response = download(client, round_, session)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="session-{session.id}.ics"'
    )
    calendar = icalendar.Calendar.from_ical(response.get_data())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]) == "-//Klantenteam//Sessions//NL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.id}-registration-{registration.id}@klantenteam"
    assert str(event["SUMMARY"]) == "Session"
    assert str(event["DESCRIPTION"]) == "Better app"
    assert str(event["LOCATION"]) == "HQ, Stationsplein 1, Amsterdam"
    assert str(event["URL"]) == f"http://localhost/{member.user.locale}/rounds/{round_.id}"
    for name, expected in (("DTSTART", session.starts_at), ("DTEND", session.ends_at)):
        moment = event.decoded(name)
        assert moment.utcoffset().total_seconds() == 0
        assert moment == expected.replace(microsecond=0)
    raw = response.get_data(as_text=True)
    assert session.starts_at.astimezone(UTC).strftime("DTSTART:%Y%m%dT%H%M%SZ") in raw
    assert "LOCATION:HQ\\, Stationsplein 1\\, Amsterdam" in raw


def test_long_lines_are_folded_at_75_octets(
    client, db, make_round, make_session, make_member, login_as
):
    round_ = make_round(title_en=LONG_TITLE)
    session = make_session(round_, title_en=LONG_TITLE + " (online)")
    member = make_member()
    services.register(session, member)
    db.session.commit()
    login_as(member.user)

    raw = download(client, round_, session).get_data()

    assert raw.endswith(b"\r\n")
    lines = raw.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "the long lines were not folded"
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character
    unfolded = raw.replace(b"\r\n ", b"").decode("utf-8")
    assert f"SUMMARY:{LONG_TITLE} (online)\r\n" in unfolded.replace("\\,", ",")
    assert f"DESCRIPTION:{LONG_TITLE}\r\n" in unfolded.replace("\\,", ",")
    [event] = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    assert str(event["SUMMARY"]) == LONG_TITLE + " (online)"
    assert str(event["DESCRIPTION"]) == LONG_TITLE
