"""The "surprise & delight" ledger: thank-yous against a quarter's budget, the member's side, the
finance export, and erasure when a member leaves."""

import csv
import io
import re
import threading
from datetime import UTC, datetime

import pytest
from flask_login import AnonymousUserMixin
from sqlalchemy import func, select

from panel.audit import AuditEntry
from panel.errors import NotAllowed
from panel.mail import OutboxMessage
from panel.membership.privacy import export_member_data, leave_panel
from panel.notifications.models import Notification
from panel.notifications.services import set_email_preferences
from panel.recognition import ledger
from panel.recognition.models import ThankYou, ThankYouBudget
from panel.recognition.permissions import can_give_thank_yous
from panel.security import Role
from tests.conftest import PASSWORD

MANAGER = {"locale": "en"}


@pytest.fixture
def managing(manager, login_as):
    login_as(manager)
    return manager


def give(member, actor, cents=2500, kind="gift_card", reason="Came to three sessions", **kw):
    return ledger.give_thank_you(member, kind, cents, reason, kw.pop("message", ""), actor, **kw)


def give_form(member, value="25", kind="gift_card", reason="Came to three sessions", **extra):
    data = {
        "member_number": str(member.number),
        "kind": kind,
        "value": value,
        "reason": reason,
        "message": "Thanks for all your ideas!",
    }
    data.update(extra)
    return data


# Quarters and budget math ------------------------------------------------------------------


def test_the_quarter_follows_amsterdams_calendar():
    # 23:30 UTC on 31 December is already 1 January in Amsterdam.
    assert ledger.quarter_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "2027-Q1"
    assert ledger.quarter_of(datetime(2026, 9, 30, 21, 59, tzinfo=UTC)) == "2026-Q3"
    assert ledger.quarter_of(datetime(2026, 9, 30, 22, 0, tzinfo=UTC)) == "2026-Q4"
    assert ledger.shift_quarter("2026-Q1", -1) == "2025-Q4"
    assert ledger.shift_quarter("2026-Q4", 1) == "2027-Q1"
    assert not ledger.is_quarter("2026-Q5") and not ledger.is_quarter("26-Q1")


def test_the_budget_left_is_the_budget_minus_what_was_given(db, manager, make_member):
    member = make_member()
    quarter = ledger.quarter_of()
    assert ledger.budget_left(quarter) == 0  # no budget: nothing to spend
    ledger.set_budget(quarter, 100_00, manager)
    give(member, manager, cents=25_00)
    give(member, manager, cents=0, kind="note", reason="A kind word after the pilot")
    give(member, manager, cents=12_50, kind="merchandise")
    assert ledger.budget_left(quarter) == 62_50
    assert ledger.quarter_figures(quarter) == (100_00, 37_50, 62_50)
    # Setting it again updates the one row.
    ledger.set_budget(quarter, 150_00, manager)
    assert ledger.budget_left(quarter) == 112_50
    assert db.session.scalar(select(func.count()).select_from(ThankYouBudget)) == 1
    # The budget of another quarter is its own.
    assert ledger.budget_left(ledger.shift_quarter(quarter, -1)) == 0


def test_giving_beyond_the_budget_is_refused_unless_the_manager_says_so(db, manager, make_member):
    member = make_member()
    quarter = ledger.quarter_of()
    ledger.set_budget(quarter, 30_00, manager)
    give(member, manager, cents=25_00)
    with pytest.raises(NotAllowed) as refusal:
        give(member, manager, cents=10_00)
    assert refusal.value.code == "over_budget"
    # A note costs nothing and always fits.
    give(member, manager, cents=0, kind="note", reason="Thanks for the long answers")
    give(member, manager, cents=10_00, over_budget=True)
    assert ledger.budget_left(quarter) == -5_00
    entries = AuditEntry.query.filter_by(action="thank_you.give").all()
    assert [entry.details["over_budget"] for entry in entries] == [False, False, True]


@pytest.mark.parametrize("status", ["left", "removed", "applicant", "pending", "reserve"])
def test_only_members_in_the_panel_can_get_one(db, manager, make_member, status):
    member = make_member(status=status)
    with pytest.raises(NotAllowed) as refusal:
        give(member, manager, cents=0, kind="note")
    assert refusal.value.code == "member"


def test_a_paused_member_can_get_one_and_values_are_checked(db, manager, make_member):
    member = make_member(status="paused")
    ledger.set_budget(ledger.quarter_of(), 50_00, manager)
    give(member, manager, cents=5_00)
    for kind, cents, reason in [
        ("gift_card", 0, "x"),  # only a note may be worth nothing
        ("gift_card", -1, "x"),
        ("voucher", 5_00, "x"),
        ("gift_card", 5_00, "   "),
    ]:
        with pytest.raises(NotAllowed):
            give(member, manager, cents=cents, kind=kind, reason=reason)


# The pages -----------------------------------------------------------------------------------


def test_a_manager_gives_a_thank_you_from_the_members_page(client, db, managing, make_member):
    member = make_member(locale="nl", name="Lotte de Vries")
    ledger.set_budget(ledger.quarter_of(), 100_00, managing)
    db.session.commit()
    detail = client.get(f"/en/manage/members/{member.id}").get_data(as_text=True)
    assert f"/en/manage/recognition/give?member={member.number}" in detail
    form = client.get(f"/en/manage/recognition/give?member={member.number}")
    assert form.status_code == 200
    assert f'value="{member.number}"' in form.get_data(as_text=True)
    response = client.post("/en/manage/recognition/give", data=give_form(member, value="25,50"))
    assert response.status_code == 302
    thank_you = ThankYou.query.one()
    assert (thank_you.member_id, thank_you.value_cents, thank_you.kind) == (
        member.id,
        25_50,
        "gift_card",
    )
    assert thank_you.given_by_id == managing.id
    page = client.get("/en/manage/recognition/").get_data(as_text=True)
    assert f"Panelist #{member.number}" in page and "€25.50" in page
    assert "Came to three sessions" in page
    assert "€74.50" in page  # left
    assert "Lotte" not in page  # staff see the pseudonym
    # The member's history on their page.
    detail = client.get(f"/en/manage/members/{member.id}").get_data(as_text=True)
    assert "Thank-you: Gift card, €25.50. Came to three sessions" in detail


def test_over_budget_is_refused_in_the_managers_language_keeping_what_was_typed(
    client, db, managing, make_member
):
    member = make_member()
    ledger.set_budget(ledger.quarter_of(), 20_00, managing)
    db.session.commit()
    data = give_form(member, value="25", reason="Kwam drie keer naar een sessie in Utrecht")
    response = client.post("/nl/manage/recognition/give", data=data)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"Hiermee ga je over het budget voor het {ledger.quarter_of()[-1]}e kwartaal" in page
    assert "€\xa020,00" in page
    assert "Kwam drie keer naar een sessie in Utrecht" in page
    assert ThankYou.query.count() == 0
    # Ticking "over budget, I know" gives it.
    response = client.post("/nl/manage/recognition/give", data=dict(data, over_budget="y"))
    assert response.status_code == 302
    assert ThankYou.query.count() == 1


@pytest.mark.parametrize(
    "changes",
    [
        {"member_number": "999999999"},
        {"member_number": "twelve"},
        {"value": "lots"},
        {"value": "-5"},
        {"value": "0"},
        {"value": "sNaN"},
        {"value": "NaN"},
        {"value": "Infinity"},
        {"value": "1e9"},
        {"value": "1E2"},
        {"value": "25\x00"},
        {"kind": "voucher"},
        {"reason": ""},
        {"reason": "x" * 301},
        {"member_number": "9" * 30},
    ],
)
def test_bad_input_is_a_translated_error_never_a_500(client, db, managing, make_member, changes):
    member = make_member()
    response = client.post("/nl/manage/recognition/give", data=give_form(member, **changes))
    assert response.status_code == 400
    assert "Some fields" not in response.get_data(as_text=True)  # Dutch, not English
    assert ThankYou.query.count() == 0


def test_setting_the_budget_reads_dutch_amounts(client, db, managing):
    quarter = ledger.quarter_of()
    response = client.post(
        f"/nl/manage/recognition/budget?quarter={quarter}", data={"amount": "€ 1.250,50"}
    )
    assert response.status_code == 302
    assert ledger.budget_of(quarter) == 1_250_50
    url = f"/nl/manage/recognition/budget?quarter={quarter}"
    for typed in ("-1", "veel", "99999999", "sNaN", "NaN", "Infinity", "-Infinity", "1e9"):
        refused = client.post(url, data={"amount": typed})
        assert refused.status_code == 400
        assert typed in refused.get_data(as_text=True)  # kept as typed
    for typed in ("sNaN", "Infinity", "1e9"):
        page = client.post(url, data={"amount": typed}).get_data(as_text=True)
        assert "Vul een bedrag in euro's in, bijvoorbeeld 12,50." in page.replace("&#39;", "'")
    made_up = client.post("/nl/manage/recognition/budget?quarter=2026-Q9", data={"amount": "1"})
    assert made_up.status_code == 404
    assert ledger.budget_of(quarter) == 1_250_50
    page = client.get("/nl/manage/recognition/").get_data(as_text=True)
    assert "€\xa01.250,50" in page


@pytest.mark.parametrize("roles", [[Role.PANELIST], [Role.PRODUCT_OWNER], [Role.REVIEWER]])
def test_only_panel_managers_reach_the_ledger(client, db, make_user, login_as, roles):
    login_as(make_user(roles=roles))
    assert client.get("/en/manage/recognition/").status_code in (403, 404)
    assert client.get("/en/manage/recognition/give").status_code in (403, 404)
    quarter = ledger.quarter_of()
    assert client.post(
        f"/en/manage/recognition/budget?quarter={quarter}", data={"amount": "5"}
    ).status_code in (403, 404)
    assert client.post(f"/en/manage/recognition/export?quarter={quarter}").status_code in (403, 404)
    assert db.session.scalar(select(func.count()).select_from(ThankYouBudget)) == 0


def test_a_member_sees_their_own_thank_yous_not_the_value_nor_others(
    client, db, manager, make_member, login_as
):
    ledger.set_budget(ledger.quarter_of(), 100_00, manager)
    mine = make_member()
    theirs = make_member()
    give(mine, manager, cents=25_00, message="Thanks for testing the new bill page")
    give(theirs, manager, cents=40_00, kind="tickets", message="Enjoy the concert, Zyxwv")
    db.session.commit()
    login_as(mine.user)
    page = client.get("/en/me/thank-yous").get_data(as_text=True)
    assert "Gift card" in page and "Thanks for testing the new bill page" in page
    assert "25" not in page.split("<main", 1)[-1].split("</main>")[0].replace(str(mine.number), "")
    assert "Zyxwv" not in page and "Event tickets" not in page
    assert "Came to three sessions" not in page  # the reason is for the ledger
    assert client.get("/en/manage/recognition/").status_code in (403, 404)


def test_the_dashboard_shows_recent_thank_yous(client, db, manager, make_member, login_as):
    member = make_member()
    login_as(member.user)
    before = client.get("/en/me")
    assert "All your thank-yous" not in before.get_data(as_text=True)
    give(member, manager, cents=0, kind="note", message="You made our day")
    db.session.commit()
    page = client.get("/en/me").get_data(as_text=True)
    assert "You made our day" in page and "All your thank-yous" in page


def test_staff_without_a_membership_have_no_thank_you_page(client, managing):
    assert client.get("/en/me/thank-yous").status_code == 404


# The message ----------------------------------------------------------------------------------


def test_the_member_is_told_in_their_language_and_may_switch_it_off(db, manager, make_member):
    dutch = make_member(locale="nl", name="Lotte de Vries")
    give(dutch, manager, cents=0, kind="note", message="Bedankt voor je hulp!")
    db.session.commit()
    mail = OutboxMessage.query.filter_by(to_address=dutch.user.email).one()
    assert mail.locale == "nl"
    assert mail.subject == "Een bedankje van het panelteam"
    assert "Hoi Lotte," in mail.body_text and "Bedankt voor je hulp!" in mail.body_text
    assert "/nl/me/thank-yous" in mail.body_text
    assert Notification.query.filter_by(user_id=dutch.user.id, kind="thank_you").count() == 1
    # Switched off: the in-app notification stays, no e-mail.
    english = make_member(locale="en")
    set_email_preferences(english.user, [])
    give(english, manager, cents=0, kind="note")
    db.session.commit()
    assert OutboxMessage.query.filter_by(to_address=english.user.email).count() == 0
    assert Notification.query.filter_by(user_id=english.user.id, kind="thank_you").count() == 1


# The finance export -----------------------------------------------------------------------------


def read_csv(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.split("\n")[0] else ","))


def test_the_finance_export_is_pseudonymous_unless_a_logged_reason_is_given(
    client, db, managing, make_member
):
    member = make_member(name="Lotte de Vries", email="lotte@example.org")
    ledger.set_budget(ledger.quarter_of(), 100_00, managing)
    give(member, managing, cents=25_00, reason="Kwam naar de sessie met Lotte", message="Dag Lotte")
    db.session.commit()
    quarter = ledger.quarter_of()
    response = client.post(f"/en/manage/recognition/export?quarter={quarter}", data={})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = read_csv(response)
    assert rows[0][:5] == ["Date", "Quarter", "Member number", "Kind", "Value (EUR)"]
    assert rows[1][1:5] == [quarter, str(member.number), "Gift card", "25.00"]
    assert "Lotte" not in response.get_data(as_text=True)
    assert "lotte@example.org" not in response.get_data(as_text=True)
    # The reason and the message may name the member: not without a logged reason either.
    assert "Reason" not in rows[0] and "Message to the member" not in rows[0]
    assert "Kwam naar de sessie met Lotte" not in response.get_data(as_text=True)
    assert "Dag Lotte" not in response.get_data(as_text=True)
    # Contact details need a reason…
    url = f"/en/manage/recognition/export?quarter={quarter}"
    refused = client.post(url, data={"include_contact": "y"})
    assert refused.status_code == 400
    # …which is logged.
    response = client.post(
        f"/nl/manage/recognition/export?quarter={quarter}",
        data={"include_contact": "y", "reason": "Sending the gift cards"},
    )
    rows = read_csv(response)
    assert rows[0][-4:] == ["Reden", "Bericht aan het panellid", "Naam", "E-mailadres"]
    assert rows[1][-4:] == [
        "Kwam naar de sessie met Lotte",
        "Dag Lotte",
        "Lotte de Vries",
        "lotte@example.org",
    ]
    assert rows[1][4] == "25,00"
    entries = AuditEntry.query.filter_by(action="thank_yous.export").order_by(AuditEntry.id).all()
    assert [entry.details["include_contact"] for entry in entries] == [False, True]
    assert entries[1].details["reason"] == "Sending the gift cards"


# Leaving ------------------------------------------------------------------------------------------


def test_leaving_erases_the_person_and_keeps_the_amounts(client, db, manager, make_member):
    member = make_member()
    quarter = ledger.quarter_of()
    ledger.set_budget(quarter, 100_00, manager)
    give(member, manager, cents=25_00, reason="Kwam naar de sessie met Lotte", message="Dank je!")
    db.session.commit()
    assert ledger.budget_left(quarter) == 75_00
    leave_panel(member, "other")
    db.session.commit()
    thank_you = ThankYou.query.one()
    assert thank_you.member_id is None
    assert (thank_you.reason, thank_you.message) == ("", "")
    assert (thank_you.value_cents, thank_you.kind, thank_you.quarter) == (
        25_00,
        "gift_card",
        quarter,
    )
    assert thank_you.given_at is not None
    assert ledger.budget_left(quarter) == 75_00


def test_the_members_data_export_holds_their_thank_yous(db, manager, make_member):
    member = make_member(locale="nl")
    other = make_member()
    give(member, manager, cents=0, kind="note", message="Dank je wel!")
    give(other, manager, cents=0, kind="note", message="Zyxwv")
    db.session.commit()
    data = export_member_data(member)
    records = data["Bedankjes"]
    assert len(records) == 1
    assert records[0]["Soort"] == "Een persoonlijk bericht"
    assert records[0]["Bericht"] == "Dank je wel!"
    assert "Zyxwv" not in str(data)
    # The value and the reason are not on their pages but are theirs: the give page says so.
    ledger.set_budget(ledger.quarter_of(), 100_00, manager)
    give(member, manager, cents=25_00, reason="Kwam drie keer naar Utrecht")
    db.session.commit()
    newest = export_member_data(member)["Bedankjes"][0]
    assert (newest["Waarde"], newest["Reden"]) == ("€\xa025,00", "Kwam drie keer naar Utrecht")


def test_the_give_page_says_where_the_member_sees_the_value(client, managing):
    page = client.get("/en/manage/recognition/give").get_data(as_text=True)
    assert "The value and the reason are not on their pages" in page
    assert "don't see the value" not in page


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [([Role.PANEL_MANAGER], True), ([Role.ADMIN], False), ([Role.PRODUCT_OWNER], False)],
)
def test_only_a_panel_manager_is_offered_giving_a_thank_you(db, make_user, roles, allowed):
    user = make_user(roles=roles)
    assert can_give_thank_yous(user) is allowed
    assert can_give_thank_yous(AnonymousUserMixin()) is False


# Races --------------------------------------------------------------------------------------------


def post_together(app, posts):
    barrier = threading.Barrier(len(posts))
    codes, errors = [], []

    def send(client, url, data):
        barrier.wait()
        try:
            codes.append(client.post(url, data=data).status_code)
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    threads = [threading.Thread(target=send, args=post) for post in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return sorted(codes)


def logged_in(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def race_delay(app):
    app.config["THANK_YOU_RACE_DELAY"] = 0.3
    yield
    app.config["THANK_YOU_RACE_DELAY"] = 0


def test_two_managers_giving_at_once_cannot_both_pass_the_budget(
    app, db, make_user, make_member, race_delay
):
    managers = [make_user(roles=[Role.PANEL_MANAGER]) for _ in range(2)]
    members = [make_member() for _ in range(2)]
    ledger.set_budget(ledger.quarter_of(), 100_00, managers[0])
    db.session.commit()
    codes = post_together(
        app,
        [
            (logged_in(app, manager), "/en/manage/recognition/give", give_form(member, value="60"))
            for manager, member in zip(managers, members, strict=True)
        ],
    )
    assert codes == [302, 400]
    db.session.rollback()
    assert ThankYou.query.count() == 1
    assert ledger.budget_left(ledger.quarter_of()) == 40_00


def test_two_managers_setting_a_budget_at_once_leave_one_row(app, db, make_user):
    managers = [make_user(roles=[Role.PANEL_MANAGER]) for _ in range(4)]
    quarter = ledger.shift_quarter(ledger.quarter_of(), 1)
    codes = post_together(
        app,
        [
            (
                logged_in(app, manager),
                f"/en/manage/recognition/budget?quarter={quarter}",
                {"amount": str(n)},
            )
            for n, manager in enumerate(managers, 1)
        ],
    )
    assert codes == [302] * 4
    db.session.rollback()
    budgets = ThankYouBudget.query.all()
    assert len(budgets) == 1 and budgets[0].amount_cents in (100, 200, 300, 400)


# Query budgets ------------------------------------------------------------------------------------


def test_the_ledger_and_the_members_page_cost_the_same_with_more_rows(
    client, db, manager, make_member, login_as, count_queries
):
    ledger.set_budget(ledger.quarter_of(), 10_000_00, manager)
    member = make_member()
    others = [make_member() for _ in range(3)]
    give(member, manager, cents=0, kind="note")
    db.session.commit()
    login_as(manager)

    def cost(url):
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        return queries.count

    few = cost("/en/manage/recognition/")
    login_as(member.user)
    few_own = cost("/en/me/thank-yous")
    login_as(manager)
    for other in others * 5:
        give(other, manager, cents=1_00)
        give(member, manager, cents=0, kind="note", message="Again, thanks")
    db.session.commit()
    assert cost("/en/manage/recognition/") == few
    login_as(member.user)
    assert cost("/en/me/thank-yous") == few_own


def form_token_of(page):
    match = re.search(r'name="form_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert match, "no form token on the page"
    return match.group(1)


def test_the_same_give_form_sent_twice_gives_one_thank_you(client, db, managing, make_member):
    member = make_member()
    ledger.set_budget(ledger.quarter_of(), 100_00, managing)
    db.session.commit()
    page = client.get(f"/en/manage/recognition/give?member={member.number}")
    data = dict(give_form(member), form_token=form_token_of(page))
    first = client.post("/en/manage/recognition/give", data=data)
    second = client.post("/en/manage/recognition/give", data=data)
    assert first.status_code == second.status_code == 302
    assert ThankYou.query.count() == 1
    assert ledger.budget_left(ledger.quarter_of()) == 75_00


def test_an_expired_form_keeps_what_was_typed(app, db, manager, make_member, login_as):
    member = make_member()
    client = app.test_client()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = client.get("/en/login")
        client.post(
            "/en/login",
            data={"email": manager.email, "password": PASSWORD, "csrf_token": csrf_of(page)},
        )
        response = client.post(
            "/nl/manage/recognition/give",
            data=give_form(member, reason="Kwam drie keer naar Utrecht", csrf_token="stale"),
        )
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Kwam drie keer naar Utrecht" in page and "niets opgeslagen" in page
    assert ThankYou.query.count() == 0


def csrf_of(page):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    return match.group(1)


def test_a_note_worth_nothing_needs_no_budget(client, db, managing, make_member):
    member = make_member(status="paused")
    response = client.post(
        "/en/manage/recognition/give", data=give_form(member, value="0", kind="note")
    )
    assert response.status_code == 302
    assert ThankYou.query.one().value_cents == 0
    assert ledger.budget_left(ledger.quarter_of()) == 0


def test_the_contact_export_leaves_out_members_gone_from_the_panel(
    client, db, managing, make_member
):
    """A member removed from the panel keeps their amount in the finance export, but their
    name, e-mail address and the free text about them are not handed out, as in the member
    export."""
    staying = make_member(name="Lotte de Vries", email="lotte@example.org")
    removed = make_member(name="Ruud Verwijderd", email="ruud@example.org")
    ledger.set_budget(ledger.quarter_of(), 100_00, managing)
    give(staying, managing, cents=10_00)
    give(removed, managing, cents=15_00, reason="Ruud kwam altijd", message="Dag Ruud")
    removed.status = "removed"
    db.session.commit()
    quarter = ledger.quarter_of()
    response = client.post(
        f"/en/manage/recognition/export?quarter={quarter}",
        data={"include_contact": "y", "reason": "Sending the gift cards"},
    )
    rows = {row[2]: row for row in read_csv(response)[1:]}
    assert rows[str(staying.number)][-2:] == ["Lotte de Vries", "lotte@example.org"]
    assert rows[str(removed.number)][4] == "15.00"
    assert rows[str(removed.number)][-4:] == ["", "", "", ""]
    assert "Ruud" not in response.get_data(as_text=True)
