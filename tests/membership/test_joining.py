"""Joining: the form, double opt-in, screening outcomes, consent records, duplicates, purge."""

import re
from datetime import timedelta

import pytest

from panel.accounts.models import User
from panel.database import utcnow
from panel.mail import OutboxMessage, deliver_outbox
from panel.membership.models import (
    Consent,
    Member,
    MemberStatus,
    PanelSettings,
    QuotaTarget,
    StatusChange,
)

from ..conftest import join_data, mail_body


def confirm_link(smtp_server, index=-1):
    deliver_outbox()
    body = mail_body(smtp_server.messages[index])
    return re.search(r"http://localhost(/\w\w/join/confirm/\S+)", body).group(1)


def join_and_confirm(client, smtp_server, lang="en", **overrides):
    response = client.post(f"/{lang}/join", data=join_data(locale=lang, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    link = confirm_link(smtp_server)
    assert client.get(link).status_code == 200  # a page with a button: no change by GET
    return client.post(link)


@pytest.mark.parametrize("lang, welcome", [("en", "Welcome to the panel!"), ("nl", 'lang="nl"')])
def test_join_confirm_and_become_active(client, db, smtp_server, lang, welcome):
    response = join_and_confirm(client, smtp_server, lang=lang)
    assert response.status_code == 200
    assert welcome in response.get_data(as_text=True)
    member = Member.query.one()
    assert member.status == "active" and member.confirmed_at and member.activated_at
    assert member.region == "utrecht" and member.user.locale == lang
    assert sorted(member.interests) == ["app", "network"]
    assert [c.to_status for c in StatusChange.query.order_by(StatusChange.id)] == [
        "applicant",
        "active",
    ]
    assert (
        client.post(
            f"/{lang}/login", data={"email": "jamie@example.org", "password": "a quiet dutch canal"}
        ).status_code
        == 302
    )


def test_unconfirmed_member_is_an_applicant(client, db):
    client.post("/en/join", data=join_data())
    member = Member.query.one()
    assert member.status == "applicant" and member.confirmed_at is None
    assert OutboxMessage.query.filter_by(kind="join_confirm").count() == 1


def test_confirming_twice_changes_nothing(client, db, smtp_server):
    join_and_confirm(client, smtp_server)
    link = confirm_link(smtp_server, index=0)
    response = client.post(link)
    assert "already confirmed" in response.get_data(as_text=True)
    assert StatusChange.query.count() == 2


def test_manual_approval_makes_members_wait(client, db, smtp_server):
    settings = PanelSettings.current()
    settings.manual_approval = True
    db.session.add(settings)
    db.session.commit()
    response = join_and_confirm(client, smtp_server)
    assert "panel team looks at every new application" in response.get_data(as_text=True)
    assert Member.query.one().status == "pending"


def test_full_quota_puts_member_on_reserve(client, db, smtp_server, make_member):
    make_member(customer_type="subscription")
    db.session.add(QuotaTarget(customer_type="subscription", target=1))
    db.session.commit()
    response = join_and_confirm(client, smtp_server)
    assert "reserve list" in response.get_data(as_text=True)
    assert Member.query.filter(Member.user.has(email="jamie@example.org")).one().status == "reserve"


def test_quota_for_another_segment_does_not_apply(client, db, smtp_server, make_member):
    make_member(customer_type="prepaid")
    db.session.add(QuotaTarget(customer_type="prepaid", target=1))
    db.session.add(QuotaTarget(region="groningen", target=0))
    db.session.commit()
    join_and_confirm(client, smtp_server)
    assert Member.query.filter(Member.user.has(email="jamie@example.org")).one().status == "active"


def test_age_band_quota(client, db, smtp_server, make_member):
    year = utcnow().year
    make_member(birth_year=year - 20)
    db.session.add(QuotaTarget(age_band="16-24", target=1))
    db.session.commit()
    join_and_confirm(client, smtp_server, birth_year=str(year - 18))
    assert Member.query.filter(Member.user.has(email="jamie@example.org")).one().status == "reserve"


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize(
    "change, reason_text",
    [
        ({"customer_type": "none"}, "meant for our customers"),
        ({"birth_year": utcnow().year - 15}, "16 or older"),
    ],
)
def test_screening_at_confirm_still_declines_and_erases(
    client, db, smtp_server, lang, change, reason_text
):
    # The join form declines these answers itself (tests/membership/test_no_dead_ends.py); the
    # screening at confirmation is the safety net for an application stored some other way.
    response = client.post(f"/{lang}/join", data=join_data(locale=lang))
    assert response.status_code == 302
    Member.query.update(change)
    db.session.commit()
    link = confirm_link(smtp_server)
    page = client.post(link).get_data(as_text=True)
    if lang == "en":
        assert reason_text in page
    assert f'<html lang="{lang}">' in page
    member = Member.query.one()
    assert member.status == "declined" and member.user_id is None and member.birth_year is None
    assert User.query.count() == 0
    assert all(c.withdrawn_at for c in Consent.query)


def test_non_customers_welcome_when_the_manager_says_so(client, db, smtp_server):
    settings = PanelSettings.current()
    settings.accept_non_customers = True
    db.session.add(settings)
    db.session.commit()
    join_and_confirm(client, smtp_server, customer_type="none")
    assert Member.query.one().status == "active"


def test_consent_records_are_complete(client, db):
    client.post("/nl/join", data=join_data(locale="nl", consent_recording="y"))
    consents = {c.purpose: c for c in Consent.query}
    assert set(consents) == {"participation", "recording"}
    for consent in consents.values():
        assert consent.statement_version == 1 and consent.language == "nl"
        assert consent.channel == "web" and consent.given_at.tzinfo is not None
        assert consent.withdrawn_at is None


def test_participation_consent_is_required_and_not_preticked(client, db):
    page = client.get("/en/join").get_data(as_text=True)
    assert not re.search(r'<input[^>]*checked[^>]*name="consent_', page)
    response = client.post("/en/join", data=join_data(consent_participation=None))
    assert response.status_code == 200
    assert "only take part when you agree" in response.get_data(as_text=True)
    assert Member.query.count() == 0


def test_recording_consent_is_optional(client, db):
    client.post("/en/join", data=join_data())
    assert [c.purpose for c in Consent.query] == ["participation"]


def test_source_from_the_link_is_stored(client, db):
    page = client.get("/en/join?source=App-Banner").get_data(as_text=True)
    assert 'value="App-Banner"' in page
    client.post("/en/join", data=join_data(source="App-Banner"))
    assert Member.query.one().source == "app-banner"


def test_odd_source_is_ignored(client, db):
    client.post("/en/join", data=join_data(source="<script>"))
    assert Member.query.one().source is None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("postcode", "12", "four digits of a Dutch postcode"),
        ("postcode", "0123", "four digits of a Dutch postcode"),
        ("birth_year", "1850", "year you were born"),
        ("birth_year", "abc", ""),
        ("password", "password1", "too common"),
        ("physical_region", "", "region where you can come"),
        ("customer_type", "gold", "Please choose an answer."),
    ],
)
def test_bad_answers_get_clear_errors_and_keep_the_rest(client, db, field, value, message):
    response = client.post("/en/join", data=join_data(**{field: value}))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in page
    assert 'value="Jamie Jansen"' in page and 'value="jamie@example.org"' in page
    assert Member.query.count() == 0


def test_second_join_with_the_same_address_leaks_nothing(client, db, make_member, smtp_server):
    member = make_member(email="taken@example.org")
    first = client.post("/en/join", data=join_data(email="Taken@Example.org"))
    second = client.post("/en/join", data=join_data(email="fresh@example.org"))
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert Member.query.count() == 2 and User.query.count() == 2
    deliver_outbox()
    kinds = {tuple(m.rcpt_tos): m for m in smtp_server.messages}
    assert "already have an account" in mail_body(kinds[("taken@example.org",)])
    assert "/join/confirm/" in mail_body(kinds[("fresh@example.org",)])
    assert member.user.email == "taken@example.org"


def test_purge_removes_old_unconfirmed_applications_only(app, client, db, make_member):
    client.post("/en/join", data=join_data(email="old@example.org"))
    client.post("/en/join", data=join_data(email="new@example.org"))
    confirmed = make_member(email="kept@example.org")
    old = Member.query.filter(Member.user.has(email="old@example.org")).one()
    old.joined_at = utcnow() - timedelta(days=31)
    confirmed.joined_at = utcnow() - timedelta(days=400)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["panel", "purge", "--yes"])
    assert "1 unconfirmed applications removed" in result.output
    assert {u.email for u in User.query} == {"new@example.org", "kept@example.org"}
    # Safe to run again.
    again = app.test_cli_runner().invoke(args=["panel", "purge", "--yes"])
    assert "0 unconfirmed applications removed" in again.output


def test_expired_confirmation_link(client, db, smtp_server, app):
    client.post("/en/join", data=join_data())
    link = confirm_link(smtp_server)
    assert client.get(link + "x").status_code == 400
    member = Member.query.one()
    assert member.status == MemberStatus.APPLICANT.value


@pytest.mark.parametrize(
    "postcode, region",
    [
        ("3511", "utrecht"),
        ("3511 AB", "utrecht"),
        ("9711", "groningen"),
        ("1012", "noord-holland"),
        ("0123", None),
        ("²³⁴⁵", None),
        ("١٢٣٤", None),
        ("", None),
    ],
)
def test_postcode_to_region(postcode, region):
    from panel.membership.segments import region_for_postcode

    found = region_for_postcode(postcode)
    assert (found.value if found else None) == region
