"""Panel managers: the member list, decisions, quotas, settings, export and panel health."""

import csv
import html
import io
from datetime import timedelta

import pytest

from panel.audit import AuditEntry
from panel.database import utcnow
from panel.mail import OutboxMessage
from panel.membership.models import PanelSettings, QuotaTarget
from panel.notifications.models import Notification
from panel.security import Role


@pytest.fixture
def manager(make_user, login_as):
    user = make_user(roles=[Role.PANEL_MANAGER], name="Maud Manager")
    login_as(user)
    return user


def numbers_on(page):
    import re

    return {int(n) for n in re.findall(r">#(\d{6})<", page)}


def test_list_searches_by_name_email_and_number(client, manager, make_member):
    anna = make_member(name="Anna Appel", email="anna@example.org")
    bert = make_member(name="Bert Boon", email="bert@example.org")
    assert numbers_on(client.get("/en/manage/members?q=appel").get_data(as_text=True)) == {
        anna.number
    }
    assert numbers_on(
        client.get("/en/manage/members?q=BERT@example.org").get_data(as_text=True)
    ) == {bert.number}
    assert numbers_on(
        client.get(f"/en/manage/members?q=%23{anna.number}").get_data(as_text=True)
    ) == {anna.number}


def test_list_filters_by_status_segment_source_and_activity(client, db, manager, make_member):
    year = utcnow().year
    young = make_member(customer_type="prepaid", birth_year=year - 20, source="app")
    old = make_member(customer_type="subscription", birth_year=year - 70, postcode="9711")
    paused = make_member(status="paused")
    old.last_active_at = utcnow() - timedelta(days=10)
    db.session.commit()
    get = lambda query: numbers_on(client.get("/en/manage/members?" + query).get_data(as_text=True))  # noqa: E731
    assert get("customer_type=prepaid") == {young.number}
    assert get("age_band=16-24") == {young.number}
    assert get("age_band=65%2B") == {old.number}
    assert get("region=groningen") == {old.number}
    assert get("status=paused") == {paused.number}
    assert get("source=app") == {young.number}
    assert get("inactive=90") == {young.number, paused.number}
    assert get("status=nonsense") == {young.number, old.number, paused.number}


def test_list_pages_through_members(client, manager, make_member):
    members = [make_member() for _ in range(53)]
    first = numbers_on(client.get("/en/manage/members?sort=number").get_data(as_text=True))
    second = numbers_on(client.get("/en/manage/members?sort=number&page=2").get_data(as_text=True))
    assert len(first) == 50 and len(second) == 3
    assert first | second == {m.number for m in members}
    assert max(first) < min(second)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_manager_pages_render(client, manager, make_member, lang):
    member = make_member()
    for path in ("health", "members", f"members/{member.id}", "quotas", "settings", "export"):
        response = client.get(f"/{lang}/manage/{path}")
        assert response.status_code == 200, path
        assert f'<html lang="{lang}">' in response.get_data(as_text=True)


def test_approve_a_pending_member_notifies_and_audits(client, db, manager, make_member):
    member = make_member(status="pending")
    response = client.post(f"/en/manage/members/{member.id}/approve", data={})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.status == "active" and member.activated_at is not None
    assert (
        Notification.query.filter_by(user_id=member.user_id, kind="membership_status").count() == 1
    )
    assert (
        OutboxMessage.query.filter_by(
            to_address=member.user.email, kind="membership_status"
        ).count()
        == 1
    )
    entry = AuditEntry.query.filter_by(action="member.approve").one()
    assert entry.actor_id == manager.id and entry.target_id == member.id


def test_remove_needs_a_reason_the_member_sees(client, db, manager, make_member):
    member = make_member()
    response = client.post(f"/en/manage/members/{member.id}/remove", data={"reason": ""})
    assert response.status_code == 400 and "Please give a reason" in response.get_data(as_text=True)
    db.session.refresh(member)
    assert member.status == "active"
    client.post(
        f"/en/manage/members/{member.id}/remove", data={"reason": "Misbehaved in a session"}
    )
    db.session.refresh(member)
    assert member.status == "removed"
    mail = OutboxMessage.query.filter_by(kind="membership_status").one()
    assert "Misbehaved in a session" in mail.body_text
    # Reinstating brings them back.
    client.post(f"/en/manage/members/{member.id}/reinstate", data={})
    db.session.refresh(member)
    assert member.status == "active"


def test_action_that_does_not_fit_the_status_is_refused(client, db, manager, make_member):
    member = make_member(status="active")
    response = client.post(
        f"/en/manage/members/{member.id}/approve", data={}, follow_redirects=True
    )
    assert "not possible" in response.get_data(as_text=True)
    assert client.post(f"/en/manage/members/{member.id}/delete-everything").status_code == 404


def test_quota_is_set_shown_with_fill_and_removed(client, db, manager, make_member):
    make_member(customer_type="prepaid")
    make_member(customer_type="prepaid")
    response = client.post(
        "/en/manage/quotas",
        data={"customer_type": "prepaid", "age_band": "", "region": "", "target": "2"},
    )
    assert response.status_code == 302
    quota = QuotaTarget.query.one()
    assert (quota.customer_type, quota.age_band, quota.region, quota.target) == (
        "prepaid",
        None,
        None,
        2,
    )
    page = client.get("/en/manage/quotas").get_data(as_text=True)
    assert "full" in page and "100%" in page
    client.post("/en/manage/quotas", data={"customer_type": "prepaid", "target": "5"})
    assert QuotaTarget.query.one().target == 5  # same segment: updated, not duplicated
    client.post(f"/en/manage/quotas/{quota.id}/delete")
    assert QuotaTarget.query.count() == 0


def test_quota_target_must_be_a_number(client, manager):
    response = client.post("/en/manage/quotas", data={"target": "-3"})
    assert response.status_code == 200 and "Enter a number" in response.get_data(as_text=True)


def test_settings_are_saved(client, db, manager):
    response = client.post(
        "/en/manage/settings",
        data={
            "manual_approval": "y",
            "max_invitations_per_30_days": "2",
            "rest_days_after_taking_part": "30",
        },
    )
    assert response.status_code == 302
    settings = PanelSettings.current()
    assert settings.manual_approval and not settings.accept_non_customers
    assert settings.max_invitations_per_30_days == 2 and settings.rest_days_after_taking_part == 30


def test_export_is_pseudonymous_by_default(client, manager, make_member):
    member = make_member(email="secret@example.org", name="Secret Person")
    response = client.post("/en/manage/export", data={})
    text = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["Member number"] == str(member.number) and rows[0]["Status"] == "Active"
    assert "secret@example.org" not in text and "Secret Person" not in text
    assert (
        AuditEntry.query.filter_by(action="members.export").one().details["include_contact"]
        is False
    )


def test_export_with_contact_details_needs_a_reason_and_is_logged(client, manager, make_member):
    make_member(email="secret@example.org")
    response = client.post("/en/manage/export", data={"include_contact": "y"})
    assert response.status_code == 200 and "say why" in response.get_data(as_text=True)
    response = client.post(
        "/en/manage/export", data={"include_contact": "y", "reason": "Calling the session group"}
    )
    assert "secret@example.org" in response.get_data(as_text=True)
    entry = AuditEntry.query.filter_by(action="members.export").one()
    assert entry.details == {"include_contact": True, "reason": "Calling the session group"}


def test_panel_health_counts(client, db, manager, make_member):
    make_member()
    make_member(status="pending", source="app")
    left = make_member()
    left.status, left.left_at, left.leave_reason = "left", utcnow(), "no_time"
    db.session.add(QuotaTarget(customer_type="subscription", target=10))
    db.session.commit()
    page = client.get("/en/manage/health").get_data(as_text=True)
    assert "<svg" in page and "Members by status" in page
    assert "I don't have time for it" in html.unescape(page)
    assert "Subscription" in page


def test_iso_active_definition(db, make_member):
    from panel.membership.health import iso_active

    recent = make_member()
    stale = make_member()
    recent.last_active_at = utcnow() - timedelta(days=30)
    stale.last_active_at = utcnow() - timedelta(days=400)
    db.session.commit()
    assert iso_active() == (1, 2)


MEMBER_PAGES = ("members", "members/{member}", "health", "export")
PANEL_RULE_PAGES = ("quotas", "settings")


@pytest.mark.parametrize(
    "roles, reaches",
    [
        ([Role.PANELIST], ()),
        ([Role.REVIEWER], ()),
        ([Role.PRODUCT_OWNER], ()),
        # Administrators set quotas and the panel settings (PRODUCT.md), never members' data.
        ([Role.ADMIN], PANEL_RULE_PAGES),
        ([Role.PANEL_MANAGER], MEMBER_PAGES + PANEL_RULE_PAGES),
    ],
)
def test_only_panel_managers_reach_manager_pages(
    client, make_user, login_as, make_member, roles, reaches
):
    member = make_member()
    login_as(make_user(roles=roles))
    for path in MEMBER_PAGES + PANEL_RULE_PAGES:
        expected = 200 if path in reaches else 403
        url = f"/en/manage/{path.format(member=member.id)}"
        assert client.get(url).status_code == expected, path


def test_member_detail_shows_contact_details_only_to_managers(
    client, make_user, login_as, make_member
):
    member = make_member(email="private@example.org")
    login_as(make_user(roles=[Role.REVIEWER]))
    assert "private@example.org" not in client.get(f"/en/manage/members/{member.id}").get_data(
        as_text=True
    )


def test_a_member_cannot_reach_another_members_data(client, db, make_member, login_as):
    me = make_member(email="me@example.org")
    other = make_member(email="other@example.org")
    login_as(me.user)
    for path in (f"/en/manage/members/{other.id}", "/en/manage/export"):
        assert client.get(path).status_code == 403
    export = client.get("/en/me/export").get_data(as_text=True)
    assert "other@example.org" not in export
    # Notifications of another member are not found, not shown.
    from panel.notifications.services import notify

    note = notify(other.user, "welcome")
    db.session.commit()
    assert client.post(f"/en/notifications/{note.id}/open").status_code == 404
