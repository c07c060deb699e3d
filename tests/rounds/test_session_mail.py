"""Messages that carry the content: a session's confirmation, promotion, reminder and
cancellation say when and where (Europe/Amsterdam, in the member's language) with the .ics
attached; the stage change, idea answer and stream answer carry the note or answer; a reaction
to my idea tells me."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default

import icalendar
import pytest

from panel.database import utcnow
from panel.i18n import speaking
from panel.insights import services as insights
from panel.insights.models import Stream
from panel.mail import OutboxMessage, deliver_outbox
from panel.notifications.models import Notification
from panel.rounds import services
from panel.rounds.models import Idea, Registration

from .test_seat_invariant import logged_in_client, run_together

# Tuesday 7 December 2027, 19:00–21:00 in Amsterdam (CET, UTC+1).
STARTS = datetime(2027, 12, 7, 18, 0, tzinfo=UTC)
WHEN = {"nl": "di 7 december, 19:00–21:00", "en": "Tue 7 Dec, 19:00–21:00"}


@pytest.fixture
def tuesday_session(make_round, make_session):
    def make(kind="physical", capacity=10, **fields):
        round_ = make_round(title_nl="Rondetitel-NL", title_en="Round-title-EN")
        values = dict(
            title_nl="Sessietitel-NL",
            title_en="Session-title-EN",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
            registration_deadline=utcnow() + timedelta(days=1),
        )
        if kind == "physical":
            values.update(
                venue_nl="Hoofdkantoor-NL",
                venue_en="Head-office-EN",
                address="Stationsplein 1",
                city="Utrecht",
            )
        values.update(fields)
        return make_session(round_, capacity=capacity, kind=kind, **values)

    return make


def delivered(smtp_server):
    """Deliver the outbox over real SMTP; the messages as the mail host received them."""
    deliver_outbox()
    return [message_from_bytes(e.content, policy=default) for e in smtp_server.messages]


def parts(message):
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    attachments = list(message.iter_attachments())
    return text, html, attachments


def calendar_event(attachment):
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename().endswith(".ics")
    [event] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    return event


def only_mail(kind):
    return OutboxMessage.query.filter_by(kind=kind).one()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_registering_mails_time_place_and_the_calendar_file(
    db, lang, tuesday_session, make_member, smtp_server
):
    session = tuesday_session()
    member = make_member(locale=lang, name="Lotte de Vries")
    services.register(session, member)
    db.session.commit()

    [message] = delivered(smtp_server)
    text, html, [attachment] = parts(message)

    other = "en" if lang == "nl" else "nl"
    marker = {"nl": "NL", "en": "EN"}
    assert message["To"] == member.user.email
    assert message["Content-Language"] == lang
    assert WHEN[lang] in message["Subject"]
    assert ("Hoi Lotte," if lang == "nl" else "Hello Lotte,") in text
    for body in (text, html):
        assert WHEN[lang] in body
        assert f"Sessietitel-{marker[lang]}" in body or f"Session-title-{marker[lang]}" in body
        assert "Stationsplein 1" in body and "Utrecht" in body
        assert f"-{marker[lang]}" in body and f"-{marker[other]}" not in body
        assert f"/{lang}/rounds/{session.round_id}" in body
    assert ("Hoofdkantoor-NL" if lang == "nl" else "Head-office-EN") in text
    event = calendar_event(attachment)
    assert event.decoded("DTSTART") == STARTS
    assert event.decoded("DTEND") == STARTS + timedelta(hours=2)
    assert str(event["SUMMARY"]) == ("Sessietitel-NL" if lang == "nl" else "Session-title-EN")
    assert "Stationsplein 1" in str(event["LOCATION"])


def test_an_online_session_mails_its_link_only_with_a_seat(
    db, tuesday_session, make_member, smtp_server
):
    session = tuesday_session(kind="online", capacity=1)
    seated, waiting = make_member(locale="en"), make_member(locale="en")
    services.register(session, seated)
    services.register(session, waiting)
    db.session.commit()

    first, second = delivered(smtp_server)

    text, html, [attachment] = parts(first)
    assert "https://meet.example.com/secret-room" in text
    assert 'href="https://meet.example.com/secret-room"' in html
    assert str(calendar_event(attachment)["LOCATION"]) == "https://meet.example.com/secret-room"
    text, html, attachments = parts(second)
    assert "waiting list" in second["Subject"]
    assert "waiting list" in text and "waiting list" in html
    assert "secret-room" not in text + html
    assert attachments == []


def test_promotion_and_cancelling_each_send_their_message(
    db, tuesday_session, make_member, smtp_server
):
    session = tuesday_session(capacity=1)
    leaving, waiting = make_member(locale="en"), make_member(locale="nl", name="Sanne Bakker")
    registration = services.register(session, leaving)
    services.register(session, waiting)
    db.session.commit()
    delivered(smtp_server)
    smtp_server.messages.clear()

    services.cancel_registration(registration)
    db.session.commit()

    messages = {m["To"]: m for m in delivered(smtp_server)}
    assert set(messages) == {leaving.user.email, waiting.user.email}
    cancelled = messages[leaving.user.email]
    text, html, [attachment] = parts(cancelled)
    assert cancelled["Subject"].startswith("Registration cancelled: Session-title-EN")
    assert WHEN["en"] in text and "is cancelled" in text and "is cancelled" in html
    assert "out of your calendar" in text and "out of your calendar" in html
    # The same event, cancelled: a calendar that took the first file in takes it out again.
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.id}-registration-{registration.id}@klantenteam"
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    promoted = messages[waiting.user.email]
    text, html, [attachment] = parts(promoted)
    assert "Hoi Sanne," in text
    assert WHEN["nl"] in text and WHEN["nl"] in html
    assert "Hoofdkantoor-NL" in text and "Head-office-EN" not in text
    assert calendar_event(attachment).decoded("DTSTART") == STARTS
    assert Notification.query.filter_by(kind="waitlist_promoted").count() == 1


def test_leaving_the_waiting_list_confirms_without_a_calendar_file(
    db, tuesday_session, make_member, smtp_server
):
    session = tuesday_session(capacity=1)
    services.register(session, make_member(locale="en"))
    waiting = services.register(session, make_member(locale="nl"))
    db.session.commit()
    OutboxMessage.query.delete()
    db.session.commit()

    services.cancel_registration(waiting)
    db.session.commit()

    [message] = delivered(smtp_server)
    text, html, attachments = parts(message)
    assert message["Subject"] == f"Aanmelding geannuleerd: Sessietitel-NL, {WHEN['nl']}"
    assert "is geannuleerd" in text and "agenda" not in text
    assert attachments == []


def test_the_day_before_reminder_carries_the_details_and_calendar_file(
    db, tuesday_session, make_member, smtp_server
):
    session = tuesday_session()
    member = make_member(locale="nl")
    services.register(session, member)
    db.session.commit()
    OutboxMessage.query.delete()
    db.session.commit()

    assert services.remind_session(session.id, STARTS - timedelta(hours=20)) == 1
    db.session.commit()

    [message] = delivered(smtp_server)
    text, html, [attachment] = parts(message)
    assert message["Subject"] == f"Morgen: Sessietitel-NL, {WHEN['nl']}"
    assert WHEN["nl"] in text and "Stationsplein 1" in html
    assert calendar_event(attachment).decoded("DTSTART") == STARTS


def test_pressing_register_and_cancel_four_times_at_once_mails_each_once(
    app, db, tuesday_session, make_member
):
    """Four requests at the same moment (threads released by a barrier): one registration and one
    confirmation; then one cancellation and one confirmation of it."""
    session = tuesday_session(kind="online")
    member = make_member(locale="en")
    client = logged_in_client(app, member.user)
    base = f"/en/rounds/{session.round_id}/sessions/{session.id}"

    results = run_together(app, [("register", lambda: client.post(f"{base}/register"))] * 4)
    assert [code for _, code in results] == [302] * 4
    db.session.rollback()
    assert Registration.query.filter_by(member_id=member.id).count() == 1
    assert OutboxMessage.query.filter_by(kind="session_registered").count() == 1

    results = run_together(app, [("cancel", lambda: client.post(f"{base}/cancel"))] * 4)
    assert [code for _, code in results] == [302] * 4
    db.session.rollback()
    assert OutboxMessage.query.filter_by(kind="session_cancelled").count() == 1


# Stage, answers, reactions ----------------------------------------------------------------------


def test_the_stage_change_mail_carries_the_note_in_the_recipients_language(
    db, make_round, make_member, owner
):
    round_ = make_round()
    dutch, english = make_member(locale="nl"), make_member(locale="en")
    for member in (dutch, english):
        services.post_idea(round_, member, f"Idee van {member.id}", "Tekst")
    db.session.commit()

    services.advance_stage(
        round_, "concept", "Geleerd-NL: minder knoppen", "Learned-EN: fewer buttons", owner
    )
    db.session.commit()

    mails = {m.to_address: m for m in OutboxMessage.query.filter_by(kind="round_stage")}
    for member, mine, other in ((dutch, "Geleerd-NL", "-EN"), (english, "Learned-EN", "-NL")):
        mail = mails[member.user.email]
        for body in (mail.body_text, mail.body_html):
            assert mine in body and other not in body


def test_the_idea_answer_mail_carries_the_answer(db, make_round, make_member, owner):
    round_ = make_round()
    author = make_member(locale="en")
    idea = services.post_idea(round_, author, "Dark mode", "Please")
    db.session.commit()

    services.answer_idea(idea, "selected", "Antwoord-NL komt er", "Answer-EN coming soon", owner)
    db.session.commit()

    mail = only_mail("idea_answered")
    for body in (mail.body_text, mail.body_html):
        assert "Answer-EN coming soon" in body and "Antwoord-NL" not in body
        assert f"/en/rounds/{round_.id}/ideas/{idea.id}" in body


def test_the_stream_answer_mail_carries_the_answer_and_the_insight(
    db, make_round, make_member, owner
):
    round_ = make_round()
    author = make_member(locale="nl")
    idea = services.post_idea(round_, author, "Factuur", "Onduidelijk")
    db.session.commit()
    insight = insights.create_insight(
        "Inzicht-NL: factuur onduidelijk",
        "Insight-EN: bill unclear",
        "",
        [],
        owner,
        evidence=[("idea", idea.id)],
    )
    stream = Stream.query.filter_by(slug="billing").one()
    route = insights.add_route(insight, stream, owner)
    db.session.commit()

    insights.publish_answer(route, "Antwoord-NL: we passen het aan", "Answer-EN: we fix it", owner)
    db.session.commit()

    mail = only_mail("insight_answer")
    for body in (mail.body_text, mail.body_html):
        assert "Inzicht-NL: factuur onduidelijk" in body
        assert "Antwoord-NL: we passen het aan" in body
        assert "-EN" not in body


def test_a_reaction_to_my_idea_tells_me_once_per_reaction_not_for_my_own(
    db, make_round, make_member
):
    round_ = make_round()
    author, other = make_member(locale="en"), make_member(locale="nl")
    idea = services.post_idea(round_, author, "Offline maps", "Please")
    db.session.commit()

    services.add_comment(idea, other, "Goed idee, ik mis dit ook")
    services.add_comment(idea, author, "Thanks!")
    services.add_comment(idea, other, "Nog een gedachte")
    db.session.commit()

    notes = Notification.query.filter_by(kind="idea_reaction").all()
    assert [n.user_id for n in notes] == [author.user_id, author.user_id]
    with speaking("en"):
        assert notes[0].title == "New reaction to your idea “Offline maps”"
    with speaking("nl"):
        assert notes[0].title == "Nieuwe reactie op je idee ‘Offline maps’"
    mails = OutboxMessage.query.filter_by(kind="idea_reaction").order_by(OutboxMessage.id).all()
    assert [m.to_address for m in mails] == [author.user.email] * 2
    assert "Goed idee, ik mis dit ook" in mails[0].body_text
    assert "Goed idee, ik mis dit ook" in mails[0].body_html
    assert f"/en/rounds/{round_.id}/ideas/{idea.id}" in mails[0].body_text


def test_reactions_by_mail_can_be_switched_off(client, db, make_round, make_member, login_as):
    round_ = make_round()
    author, other = make_member(locale="en"), make_member(locale="en")
    idea = services.post_idea(round_, author, "Offline maps", "Please")
    db.session.commit()
    login_as(author.user)
    page = client.get("/en/notifications/settings").get_data(as_text=True)
    assert 'value="idea_reaction"' in page and "Reactions to your ideas" in page
    client.post("/en/notifications/settings", data={"email_kinds": ["round_stage"]})

    services.add_comment(idea, other, "Yes!")
    db.session.commit()

    assert Notification.query.filter_by(kind="idea_reaction").count() == 1  # still in the app
    assert OutboxMessage.query.filter_by(kind="idea_reaction").count() == 0
    assert db.session.get(Idea, idea.id).comments[0].body == "Yes!"


def test_a_missing_translation_shows_the_other_language_marked_in_text_and_html(
    db, tuesday_session, make_member
):
    session = tuesday_session(venue_en="", title_en="")
    services.register(session, make_member(locale="en"))
    db.session.commit()

    mail = only_mail("session_registered")
    assert "Session: Sessietitel-NL (in Dutch)" in mail.body_text
    assert "Where: Hoofdkantoor-NL (in Dutch), Stationsplein 1, Utrecht" in mail.body_text
    assert '<span lang="nl">Hoofdkantoor-NL</span> <small class="fallback">(in Dutch)</small>' in (
        mail.body_html
    )
