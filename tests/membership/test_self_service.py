"""The member's own pages: dashboard, profile, pause and resume, export, leaving, re-consent."""

import json
from datetime import date, timedelta

import pytest

from panel.accounts.models import LoginSession, User
from panel.mail import OutboxMessage, deliver_outbox
from panel.membership import health
from panel.membership.models import Consent, Member, StatusChange
from panel.membership.privacy import current_statement, publish_statement
from panel.notifications.models import Notification
from panel.security import Role

from ..conftest import PASSWORD, mail_body


@pytest.fixture
def member(make_member, login_as):
    member = make_member(name="Mila Member", email="mila@example.org")
    login_as(member.user)
    return member


@pytest.mark.parametrize("lang, greeting", [("en", "Hi Mila!"), ("nl", "Mila")])
def test_dashboard_greets_and_shows_status(client, member, lang, greeting):
    page = client.get(f"/{lang}/me").get_data(as_text=True)
    assert greeting in page and f'<html lang="{lang}">' in page
    assert str(member.number) in page


def test_members_land_on_their_dashboard_after_login(client, make_member):
    member = make_member()
    response = client.post("/en/login", data={"email": member.user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/en/me")


def test_staff_without_membership_have_no_dashboard(client, make_user, login_as):
    login_as(make_user(roles=[Role.REVIEWER]))
    assert client.get("/en/me").status_code == 404


def test_edit_profile_and_language(client, db, member):
    response = client.post(
        "/en/me/profile",
        data={
            "name": "Mila M.",
            "locale": "nl",
            "birth_year": "1980",
            "postcode": "9711",
            "customer_type": "prepaid",
            "platform": "android",
            "app_usage": "daily",
            "interests": ["billing"],
            "physical_region": "",
            "attends_online": "y",
            "consent_recording": "y",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/nl/me/profile")
    db.session.refresh(member)
    assert member.user.name == "Mila M." and member.user.locale == "nl"
    assert member.region == "groningen" and member.interests == ["billing"]
    assert member.last_active_at is not None
    assert {c.purpose for c in Consent.query.filter_by(withdrawn_at=None)} == {
        "participation",
        "recording",
    }


def test_withdrawing_recording_consent_is_recorded(client, db, member):
    base = {
        "name": "Mila",
        "locale": "en",
        "birth_year": "1980",
        "postcode": "3511",
        "customer_type": "prepaid",
        "platform": "ios",
        "app_usage": "daily",
        "physical_region": "",
    }
    client.post("/en/me/profile", data=dict(base, consent_recording="y"))
    client.post("/en/me/profile", data=base)
    recording = Consent.query.filter_by(purpose="recording").one()
    assert recording.withdrawn_at is not None
    assert Consent.query.filter_by(purpose="participation").one().withdrawn_at is None


def test_pause_until_a_date_and_resume_by_hand(client, db, member):
    until = date.today() + timedelta(days=20)
    response = client.post("/en/me/pause", data={"until": until.isoformat()})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.status == "paused" and member.paused_until == until
    assert "taking a break until" in client.get("/en/me").get_data(as_text=True)
    client.post("/en/me/resume")
    db.session.refresh(member)
    assert member.status == "active" and member.paused_until is None


@pytest.mark.parametrize("days, message", [(0, "after today"), (400, "at most a year")])
def test_pause_date_must_be_sensible(client, member, days, message):
    until = date.today() + timedelta(days=days)
    response = client.post("/en/me/pause", data={"until": until.isoformat()})
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_pause_ends_by_itself(app, db, make_member):
    ended = make_member(status="paused", paused_until=date.today() - timedelta(days=1))
    running = make_member(status="paused", paused_until=date.today() + timedelta(days=3))
    result = app.test_cli_runner().invoke(args=["panel", "resume-paused"])
    assert "1 paused members are active again" in result.output
    db.session.refresh(ended)
    db.session.refresh(running)
    assert ended.status == "active" and running.status == "paused"
    assert StatusChange.query.filter_by(member_id=ended.id, to_status="active").count() == 1


def test_export_holds_own_data_and_nobody_elses(client, db, member, make_member):
    other = make_member(name="Otto Other", email="otto@example.org", postcode="9711")
    response = client.get("/en/me/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["Your account"]["E-mail address"] == "mila@example.org"
    assert data["Your membership"]["Member number"] == member.number
    assert data["Consents"][0]["For"] == "Taking part in the panel (required)"
    text = response.get_data(as_text=True)
    assert "otto@example.org" not in text and "Otto" not in text and str(other.number) not in text


def test_export_and_leaving_need_a_fresh_login(app, client, db, make_member):
    member = make_member()
    client.post(
        "/en/login", data={"email": member.user.email, "password": PASSWORD, "remember": "y"}
    )
    client.delete_cookie("panel_session")  # a new browser session, logged in by the remember cookie
    assert client.get("/en/me").status_code == 200
    for path in ("/en/me/export", "/en/me/leave"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert "Please log in again" in client.get("/en/login").get_data(as_text=True)


def test_leaving_erases_identity_and_keeps_aggregates(
    app, client, db, member, make_member, smtp_server
):
    make_member(email="stays@example.org")
    statuses_before = dict(health.members_by_status())
    user_id, number = member.user.id, member.number
    response = client.post("/en/me/leave", data={"reason": "no_time", "confirm": "y"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/en/goodbye")
    assert db.session.get(User, user_id) is None
    assert LoginSession.query.filter_by(user_id=user_id).count() == 0
    gone = Member.query.filter_by(number=number).one()
    assert gone.user_id is None and gone.status == "left" and gone.leave_reason == "no_time"
    assert gone.birth_year is None and gone.postcode is None and gone.interests == []
    assert all(c.withdrawn_at for c in Consent.query.filter_by(member_id=gone.id))
    assert Notification.query.filter_by(user_id=user_id).count() == 0
    # Counts stay: one member moved from active to left, the total is the same.
    statuses_after = dict(health.members_by_status())
    assert sum(statuses_after.values()) == sum(statuses_before.values())
    # The goodbye e-mail goes out, and then the address is gone from the outbox too.
    assert deliver_outbox() == (1, 0)
    assert "you've left the panel" in mail_body(smtp_server.messages[0])
    assert not OutboxMessage.query.filter(OutboxMessage.to_address == "mila@example.org").count()
    # Logged out, and the account cannot log in again.
    assert client.get("/en/me").status_code == 302
    assert (
        client.post(
            "/en/login", data={"email": "mila@example.org", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_leaving_needs_the_confirmation_tick(client, db, member):
    response = client.post("/en/me/leave", data={"reason": "other"})
    assert response.status_code == 200 and "Tick this box" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.status == "active"


def test_new_privacy_statement_must_be_accepted_first(client, db, member, make_user):
    admin = make_user(roles=[Role.ADMIN])
    publish_statement("Nieuw\n\nTekst", "New\n\nText", "Kort", "Short", actor=admin)
    db.session.commit()
    response = client.get("/en/me")
    assert response.status_code == 302 and "/privacy-update" in response.headers["Location"]
    page = client.get("/en/me/privacy-update").get_data(as_text=True)
    assert "Short" in page
    assert client.get("/en/privacy").status_code == 200  # still readable
    response = client.post("/en/me/privacy-update", data={"accept": "y"})
    assert response.status_code == 302
    assert client.get("/en/me").status_code == 200
    participation = (
        Consent.query.filter_by(member_id=member.id, purpose="participation")
        .order_by(Consent.id)
        .all()
    )
    assert [c.statement_version for c in participation] == [1, 2]
    assert participation[0].withdrawn_at is not None and participation[1].withdrawn_at is None


def test_older_statement_versions_stay_readable(client, db, make_user):
    current_statement()
    publish_statement(
        "Versie twee\n\nTekst", "Version two\n\nText", "a", "b", actor=make_user(roles=[Role.ADMIN])
    )
    db.session.commit()
    assert "Version two" in client.get("/en/privacy").get_data(as_text=True)
    old = client.get("/en/privacy/1").get_data(as_text=True)
    assert "older version" in old and "What we do with your data" in old
    assert client.get("/en/privacy/99").status_code == 404
