"""Issue 14, the reviewer's gaps: English says "panel", Dutch "klantenteam"; audit details name
a stream; the dashboard's order of urgency; plain-text fallback marks; no empty digest; mail
footers."""

import re
from datetime import timedelta
from email import message_from_bytes
from email.policy import default

from flask import render_template
from flask_babel import gettext, ngettext

from panel.accounts.streams import Stream
from panel.audit import AuditEntry, record_audit
from panel.database import utcnow
from panel.i18n import pick_language, speaking
from panel.insights.models import Insight, Route, StreamMember
from panel.mail import OutboxMessage, deliver_outbox
from panel.membership.news import NewsItem
from panel.notifications.models import Notification
from panel.rounds import services as rounds
from panel.security import Role

from .conftest import join_data
from .rounds.conftest import make_round, make_session, owner  # noqa: F401 - fixtures

# "klantenteam" as a word in English copy; not the product's name, an address or a host.
LOWER_CASE_NAME = re.compile(r"(?<![\w.@/-])klantenteam(?![\w@.-])")


def mail_texts(envelope):
    message = message_from_bytes(envelope.content, policy=default)
    parts = [message["Subject"]]
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            parts.append(part.get_content())
    return parts


def test_english_journey_says_panel_not_klantenteam(client, db, smtp_server):
    pages = {path: client.get(path) for path in ("/en/", "/en/join", "/en/privacy")}
    response = client.post("/en/join", data=join_data(locale="en"))
    assert response.status_code == 302
    pages["/en/join/sent"] = client.get("/en/join/sent")
    client.post("/en/join", data=join_data(locale="en"))  # joining again: a fresh link
    deliver_outbox()
    body = mail_texts(smtp_server.messages[0])[1]
    link = re.search(r"http://localhost(/en/join/confirm/\S+)", body).group(1)
    pages["confirm"] = client.post(link)
    client.post("/en/login", data={"email": "jamie@example.org", "password": "a quiet dutch canal"})
    for path in ("/en/me", "/en/me/pause", "/en/me/leave", "/en/me/profile"):
        pages[path] = client.get(path)
    pages["export"] = client.get("/en/me/export")
    pages["/en/goodbye"] = client.post("/en/me/leave", data={"reason": "other", "confirm": "y"})
    deliver_outbox()
    subjects = [mail_texts(envelope)[0] for envelope in smtp_server.messages]
    assert len(subjects) == 3, (subjects, {k: r.status_code for k, r in pages.items()})

    texts = {name: response.get_data(as_text=True) for name, response in pages.items()}
    texts["export file"] = pages["export"].headers["Content-Disposition"]
    for number, envelope in enumerate(smtp_server.messages):
        for index, text in enumerate(mail_texts(envelope)):
            texts[f"mail {number} part {index}"] = text
    for name, text in texts.items():
        assert not LOWER_CASE_NAME.search(text), (name, LOWER_CASE_NAME.search(text))
    assert "Welcome to the panel!" in texts["confirm"]
    assert "my-panel-data-" in texts["export file"]


def test_dutch_panelists_read_one_word_for_their_input(client, make_member, login_as):
    member = make_member(locale="nl")
    login_as(member.user)
    page = client.get("/nl/me/contributions").get_data(as_text=True)
    assert "<h1>Mijn inbreng</h1>" in page and "bijdragen" not in page
    dashboard = client.get("/nl/me").get_data(as_text=True)
    assert "Mijn inbreng en wat ermee is gebeurd" in dashboard and "Mijn bijdragen" not in dashboard
    with speaking("nl"):
        assert gettext("What you told us is part of this insight:") == (
            "Je inbreng hoort nu bij dit inzicht:"
        )


def test_audit_details_name_the_stream_in_the_readers_language(
    app, db, client, make_user, login_as, count_queries
):
    admin = make_user(roles=[Role.ADMIN])
    db.session.add(Stream(slug="app_digital", name_nl="App en online", name_en="App and online"))
    record_audit("insight.route", actor=admin, stream="app_digital", by="hand")
    record_audit("insight.unroute", actor=admin, stream="gone_stream")  # an old row
    db.session.commit()
    entries = {entry.action: entry for entry in AuditEntry.query}
    with app.test_request_context("/en/"), speaking("en"):
        assert ("Stream", "App and online") in entries["insight.route"].detail_lines
        assert entries["insight.unroute"].detail_lines == [("Stream", "gone_stream")]
    login_as(admin)
    with count_queries() as few:
        page = client.get("/nl/admin/audit").get_data(as_text=True)
    assert "Stream: App en online" in page and "app_digital" not in page
    for _ in range(10):
        record_audit("insight.route", actor=admin, stream="app_digital", by="hand")
    db.session.commit()
    with count_queries() as many:
        client.get("/nl/admin/audit")
    assert many.count == few.count  # the names are read once per page, not once per row


def test_plain_text_titles_keep_the_fallback_mark(app, db, client, make_user, login_as):
    author = make_user(roles=[Role.PRODUCT_OWNER])
    insight = Insight(title_nl="Facturen zijn onduidelijk", title_en="", created_by_id=author.id)
    news = NewsItem(subject_nl="Nieuwe testlocatie", subject_en="", body_nl="Tekst", body_en="")
    db.session.add_all([insight, news])
    db.session.commit()
    login_as(author)
    page = client.get(f"/en/insights/{insight.id}").get_data(as_text=True)
    assert "<title>Facturen zijn onduidelijk (in Dutch) ·" in page
    with app.test_request_context("/nl/"), speaking("nl"):
        english = pick_language({"en": "A rather long title about the bill and the chat"})
        assert english.plain() == "A rather long title about the bill and the chat (in het Engels)"
        assert english.plain(20) == "A rather long title… (in het Engels)"
        assert pick_language({"nl": "Gewoon Nederlands"}).plain() == "Gewoon Nederlands"
    with app.test_request_context("/en/"), speaking("en"):
        rendered = render_template("membership/news_item.html", item=news)
        assert "<title>Nieuwe testlocatie (in Dutch) ·" in rendered


def test_no_digest_when_a_stream_has_nothing_to_tell(app, db, make_user):
    quiet = Stream(slug="quiet", name_nl="Stil", name_en="Quiet", position=1)
    busy = Stream(slug="busy", name_nl="Druk", name_en="Busy", position=2)
    insight = Insight(title_nl="Rekening onduidelijk", title_en="Bill unclear", description="")
    db.session.add_all([quiet, busy, insight])
    db.session.flush()
    reviewers = {stream.slug: make_user(roles=[Role.REVIEWER]) for stream in (quiet, busy)}
    for stream in (quiet, busy):
        db.session.add(StreamMember(stream_id=stream.id, user_id=reviewers[stream.slug].id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "send-digests"])
    assert result.exit_code == 0 and "0 digests sent." in result.output, result.output
    assert OutboxMessage.query.filter_by(kind="stream_digest").count() == 0
    db.session.add(
        Route(insight_id=insight.id, stream_id=busy.id, due_at=utcnow() + timedelta(days=2))
    )
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "send-digests"])
    assert "1 digests sent." in result.output, result.output
    sent = OutboxMessage.query.filter_by(kind="stream_digest").one()
    assert sent.to_address == reviewers["busy"].email


def test_mails_to_applicants_do_not_say_they_have_an_account(client, db, smtp_server):
    client.post("/nl/join", data=join_data(locale="nl"))
    client.post("/nl/join", data=join_data(locale="nl"))  # joining again: confirm_again
    deliver_outbox()
    assert len(smtp_server.messages) == 2
    for envelope in smtp_server.messages:
        for text in mail_texts(envelope)[1:]:
            assert "omdat je een account hebt" not in text
            assert "omdat iemand zich met dit e-mailadres heeft aangemeld bij" in text


def test_the_reminder_and_its_mail_say_the_time_the_same_way(
    app,
    db,
    make_round,  # noqa: F811 - fixture
    make_session,  # noqa: F811 - fixture
    make_member,
):
    member = make_member(locale="nl")
    rounds.register(make_session(make_round(), starts_in=timedelta(hours=20)), member)
    db.session.commit()
    app.test_cli_runner().invoke(args=["panel", "send-reminders"])
    notification = Notification.query.filter_by(kind="session_reminder").one()
    mail = OutboxMessage.query.filter_by(kind="session_reminder").one()
    with app.test_request_context("/nl/"), speaking("nl"):
        assert mail.subject == str(notification.title) and mail.subject.startswith("Morgen")


def test_dutch_that_reads_naturally(app, client):
    with app.test_request_context("/nl/"), speaking("nl"):
        assert gettext("Have a look") == "Bekijken"
        assert gettext(
            "%(round)s is now in the stage: %(stage)s", round="Rekening", stage="Pilot"
        ) == ("‘Rekening’ is nu in de fase ‘Pilot’")
        assert ngettext(
            "There's %(num)d session with free seats in %(round)s.",
            "There are %(num)d sessions with free seats in %(round)s.",
            3,
            round="Rekening",
        ) == ("Bij ‘Rekening’ is nog plek in 3 sessies.")
        assert gettext("Shipped") == "Zit in de app"
        assert gettext("Stream inbox") == "Inbox van je stream"
    page = client.get("/nl/privacy").get_data(as_text=True)
    statement = page[page.index("<main") : page.index('<footer class="site-footer">')]
    assert "Verwerkingsverantwoordelijke:" in statement  # the legal term stays here
    assert (
        "Verantwoordelijk voor je gegevens:" in page[page.index('<footer class="site-footer">') :]
    )
