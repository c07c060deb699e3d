"""The real triggers write to each recipient in their own language: a Dutch owner moving a stage,
the reminder job, confirming membership, a new privacy statement. And what the e-mail
preferences page promises ("Welcome message", "Privacy statement updates") is sent."""

import json
from datetime import timedelta

import pytest
from flask import g
from flask_babel import refresh

from panel.accounts.streams import Stream, StreamMember
from panel.database import utcnow
from panel.insights.models import Insight, Route
from panel.mail import OutboxMessage
from panel.membership.joining import confirm_membership
from panel.membership.models import PanelSettings
from panel.membership.privacy import publish_statement
from panel.notifications.models import Notification
from panel.notifications.services import notify
from panel.rounds.models import Registration, Round, Session
from panel.rounds.notices import round_params
from panel.rounds.services import advance_stage
from panel.security import Role

from ..conftest import csrf_token_from

TITLE = {"nl": "Verbruik in één oogopslag", "en": "Usage at a glance"}


@pytest.fixture
def members(make_member):
    return {
        lang: make_member(locale=lang, name=f"Sanne Lid{lang}", email=f"{lang}@example.org")
        for lang in ("nl", "en")
    }


@pytest.fixture
def round_with_session(db, members):
    now = utcnow()
    round_ = Round(title_nl=TITLE["nl"], title_en=TITLE["en"], stage="concept", published_at=now)
    db.session.add(round_)
    db.session.flush()
    session = Session(
        round_id=round_.id,
        title_nl="Proefsessie",
        title_en="Trial session",
        kind="online",
        capacity=10,
        seats_taken=2,
        starts_at=now + timedelta(hours=20),
        ends_at=now + timedelta(hours=22),
        registration_deadline=now + timedelta(hours=19),
        meeting_link="https://meet.example.com/room",
    )
    db.session.add(session)
    db.session.flush()
    for member in members.values():
        db.session.add(
            Registration(
                session_id=session.id, member_id=member.id, status="confirmed", confirmed_at=now
            )
        )
    db.session.commit()
    return round_, session


def in_request(app, lang):
    """A staff member's request in `lang` (a fresh request: Babel has no earlier locale)."""
    context = app.test_request_context(f"/{lang}/manage/rounds")
    context.push()
    g.lang = lang
    refresh()
    return context


def mail_to(member, kind=None):
    query = OutboxMessage.query.filter_by(to_address=member.user.email)
    if kind:
        query = query.filter_by(kind=kind)
    return query.one()


def test_a_dutch_owner_moving_a_stage_writes_to_each_panelist_in_their_language(
    app, db, make_user, members, round_with_session
):
    round_, _ = round_with_session
    owner = make_user(roles=[Role.PRODUCT_OWNER], locale="nl")
    context = in_request(app, "nl")
    try:
        advance_stage(round_, "prototype", "Wat we leerden", "What we learned", owner)
        db.session.commit()
    finally:
        context.pop()
        refresh()
    english = mail_to(members["en"])
    assert english.subject == "Usage at a glance is now in the stage: Prototype"
    for part in (english.body_text, english.body_html):
        assert "Usage at a glance" in part and "Verbruik" not in part and "Hello Sanne," in part
    dutch = mail_to(members["nl"])
    assert "Verbruik in één oogopslag" in dutch.subject and "Usage" not in dutch.subject
    assert dutch.body_text.startswith("Hoi Sanne,")


def test_the_reminder_job_writes_to_each_member_in_their_language(
    app, db, members, round_with_session
):
    result = app.test_cli_runner().invoke(args=["panel", "send-reminders"])
    assert result.exit_code == 0, result.output
    english, dutch = mail_to(members["en"]), mail_to(members["nl"])
    assert english.subject.startswith("Tomorrow: Trial session")
    assert "Proefsessie" not in english.body_text + english.body_html
    assert dutch.subject.startswith("Morgen: Proefsessie")
    assert "Trial session" not in dutch.body_text + dutch.body_html
    assert "/en/" in english.body_text and "/nl/" in dutch.body_text


def test_the_in_app_title_follows_the_reader_not_the_trigger(
    app, db, client, login_as, members, round_with_session
):
    round_, _ = round_with_session
    owner_context = in_request(app, "nl")
    try:
        advance_stage(round_, "prototype", "", "", members["nl"].user)
        db.session.commit()
    finally:
        owner_context.pop()
        refresh()
    stored = Notification.query.filter_by(user_id=members["en"].user_id).one()
    assert stored.params["round"] == TITLE  # both languages kept, not the trigger's
    login_as(members["en"].user)
    page = client.get("/en/notifications").get_data(as_text=True)
    assert "Usage at a glance is now in the stage: Prototype" in page
    assert "Verbruik" not in page
    dutch_page = client.get("/nl/notifications").get_data(as_text=True)
    assert "Verbruik in één oogopslag" in dutch_page


def test_the_notifications_page_costs_the_same_for_one_or_many(
    app, db, client, login_as, count_queries, members
):
    """Titles come from the pairs kept with each notification, not a query per round."""
    member = members["en"]
    login_as(member.user)

    def notify_about_a_new_round(number):
        round_ = Round(title_nl=f"Ronde {number}", title_en=f"Round {number}", stage="concept")
        db.session.add(round_)
        db.session.flush()
        notify(member.user, "round_stage", stage="concept", **round_params(round_))
        db.session.commit()

    def queries():
        with count_queries() as counted:
            page = client.get("/en/notifications").get_data(as_text=True)
        assert "Round 1 is now in the stage: Concept" in page
        return counted.count

    notify_about_a_new_round(1)
    one = queries()
    for number in range(2, 6):
        notify_about_a_new_round(number)
    assert queries() == one


@pytest.mark.parametrize("manual_approval, text", [(False, "active member"), (True, "look at")])
def test_confirming_membership_sends_the_welcome_mail(app, db, make_member, manual_approval, text):
    settings = PanelSettings.current()
    settings.manual_approval = manual_approval
    db.session.add(settings)
    db.session.commit()
    applicant = make_member(status="applicant", locale="en", name="Noor de Wit")
    context = in_request(app, "nl")  # confirmed from a Dutch page: the mail stays English
    try:
        status, _ = confirm_membership(applicant)
        db.session.commit()
    finally:
        context.pop()
        refresh()
    assert status == ("pending" if manual_approval else "active")
    welcome = mail_to(applicant, "welcome")
    assert welcome.subject == "Welcome to the panel!"
    assert welcome.body_text.startswith("Hello Noor,")
    assert text in welcome.body_text and text in welcome.body_html
    assert "/en/me" in welcome.body_text
    assert Notification.query.filter_by(user_id=applicant.user_id, kind="welcome").count() == 1


def test_members_hear_of_a_new_privacy_statement_in_their_language(
    app, db, make_user, make_member, members
):
    applicant = make_member(status="applicant", locale="nl", email="applicant@example.org")
    gone = make_member(status="left", locale="nl", email="gone@example.org")
    admin = make_user(roles=[Role.ADMIN], locale="en")
    context = in_request(app, "en")
    try:
        statement = publish_statement(
            "Tekst", "Text", "Bewaartermijn korter", "Shorter retention", actor=admin
        )
        db.session.commit()
    finally:
        context.pop()
        refresh()
    dutch, english = mail_to(members["nl"]), mail_to(members["en"])
    assert dutch.kind == english.kind == "privacy_notice"
    assert dutch.subject == "We hebben onze privacyverklaring aangepast"
    assert "Bewaartermijn korter" in dutch.body_text and "Shorter" not in dutch.body_text
    assert "Bewaartermijn korter" in dutch.body_html
    assert dutch.body_text.startswith("Hoi Sanne,")
    assert f"(version {statement.version})" in english.body_text
    assert "Shorter retention" in english.body_html and "Bewaartermijn" not in english.body_html
    assert "/nl/me/privacy-update" in dutch.body_text
    for outsider in (applicant, gone):
        assert OutboxMessage.query.filter_by(to_address=outsider.user.email).count() == 0
    notes = Notification.query.filter_by(kind="privacy_statement").all()
    assert {note.user_id for note in notes} == {m.user_id for m in members.values()}


def test_a_title_missing_in_the_readers_language_is_shown_in_the_other_marked(
    app, db, client, login_as, members
):
    member = members["en"]
    round_ = Round(title_nl="Alleen <Nederlands>", title_en="", stage="concept")
    db.session.add(round_)
    db.session.flush()
    notify(member.user, "round_stage", link="/en/me", stage="concept", **round_params(round_))
    db.session.commit()
    marked = (
        '<span lang="nl">Alleen &lt;Nederlands&gt;</span> '
        '<small class="fallback">(in Dutch)</small>'
    )
    mail = mail_to(member)
    assert mail.subject == "Alleen <Nederlands> is now in the stage: Concept"
    assert "Alleen <Nederlands> is now in the stage" in mail.body_text
    assert marked in mail.body_html
    login_as(member.user)
    assert marked in client.get("/en/notifications").get_data(as_text=True)


def test_the_digest_job_writes_to_each_stream_member_in_their_language(app, db, make_user):
    stream = Stream(slug="billing", name_nl="Facturatie", name_en="Billing", position=1)
    insight = Insight(title_nl="Rekening onduidelijk", title_en="Bill unclear", description="")
    db.session.add_all([stream, insight])
    db.session.flush()
    db.session.add(
        Route(insight_id=insight.id, stream_id=stream.id, due_at=utcnow() + timedelta(days=2))
    )
    reviewers = {lang: make_user(roles=[Role.REVIEWER], locale=lang) for lang in ("nl", "en")}
    for reviewer in reviewers.values():
        db.session.add(StreamMember(stream_id=stream.id, user_id=reviewer.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "send-digests"])
    assert result.exit_code == 0, result.output
    english = OutboxMessage.query.filter_by(to_address=reviewers["en"].email).one()
    dutch = OutboxMessage.query.filter_by(to_address=reviewers["nl"].email).one()
    assert "Bill unclear (Billing)" in english.body_text and "Facturatie" not in english.body_html
    assert "Rekening onduidelijk (Facturatie)" in dutch.body_text
    assert "Billing" not in dutch.body_html and dutch.subject.startswith("Je stream deze week")


def test_notifications_stored_before_the_pairs_still_read_well(
    app, db, client, login_as, members, round_with_session
):
    round_, session = round_with_session
    member = members["en"]
    for kind, params in (
        ("round_stage", {"round_id": round_.id, "stage": "pilot"}),  # ids only
        ("session_reminder", {"session_id": session.id}),
        ("panel_news", {"subject": "Plain words"}),  # a plain string
    ):
        db.session.add(
            Notification(user_id=member.user_id, kind=kind, params_json=json.dumps(params))
        )
    db.session.commit()
    login_as(member.user)
    page = client.get("/en/notifications").get_data(as_text=True)
    assert "Usage at a glance is now in the stage: Pilot" in page
    assert "Tomorrow: Trial session" in page
    assert "News from the panel: Plain words" in page
    dutch = client.get("/nl/notifications").get_data(as_text=True)
    assert "Verbruik in één oogopslag" in dutch and "Morgen: Proefsessie" in dutch


def test_a_dutch_owner_on_the_stage_page_keeps_a_dutch_page_and_english_mail(
    app, db, client, login_as, make_user, members, round_with_session
):
    """The whole path: the owner's page stays Dutch after the mail to English panelists was
    written in English (the message's language doesn't leak into the page, nor the other way)."""
    round_, _ = round_with_session
    owner = make_user(roles=[Role.PRODUCT_OWNER], locale="nl")
    round_.owner_id = owner.id
    db.session.commit()
    login_as(owner)
    form = client.get(f"/nl/owner/rounds/{round_.id}/stage")
    assert form.status_code == 200
    response = client.post(
        f"/nl/owner/rounds/{round_.id}/stage",
        data={
            "csrf_token": csrf_token_from(form),
            "to_stage": "prototype",
            "note_nl": "Wat we leerden",
            "note_en": "What we learned",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Participants have been told" not in page and 'lang="nl"' in page
    english = mail_to(members["en"])
    assert english.subject == "Usage at a glance is now in the stage: Prototype"
    assert "Verbruik" not in english.body_text + english.body_html
    assert "Hello Sanne," in english.body_text
    dutch = mail_to(members["nl"])
    assert dutch.subject.startswith("‘Verbruik in één oogopslag’ is nu in de fase")
