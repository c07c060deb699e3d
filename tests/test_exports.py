"""Exports a team can open (issue 16): every CSV opens in the exporter's spreadsheet as columns
(';' and a byte order mark for a Dutch exporter, ',' and the mark for an English one), speaks the
exporter's language, keeps Amsterdam's clock, never hands a spreadsheet a formula, follows the
member list's filters and leaves people who are gone out of a contact-details export."""

import csv
import gc
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from panel.database import amsterdam_today
from panel.exports import BOM, CsvRows, local_time
from panel.membership.models import Member
from panel.security import Role

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = {"nl": ";", "en": ","}
SUMMER = datetime(2026, 7, 1, 10, 30, tzinfo=UTC)  # 12:30 in Amsterdam
WINTER = datetime(2026, 1, 15, 23, 30, tzinfo=UTC)  # 00:30 the next day in Amsterdam

MEMBER_WORDS = {
    "en": {
        "header": ["Member number", "Status", "Customer type", "Age", "Region", "Phone"],
        "contact": ["Name", "E-mail address"],
        "active": "Active",
        "subscription": "Subscription",
        "ios": "iPhone (iOS)",
    },
    "nl": {
        "header": ["Lidnummer", "Status", "Soort klant", "Leeftijd", "Regio", "Telefoon"],
        "contact": ["Naam", "E-mailadres"],
        "active": "Actief",
        "subscription": "Abonnement",
        "ios": "iPhone (iOS)",
    },
}


def read_csv(response, lang):
    """The download as a spreadsheet in `lang` reads it: (header, rows)."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(BOM.encode()), "no byte order mark: Excel would misread accents"
    text = body.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=DELIMITERS[lang]))
    width = len(rows[0])
    assert all(len(row) == width for row in rows), "a row split into more or fewer columns"
    for row in rows:
        for cell in row:
            if cell.startswith(FORMULA_STARTS):
                float(cell)  # only a number the export wrote itself (-1) may start with '-'
    return rows[0], rows[1:]


@pytest.fixture
def manager(make_user, login_as):
    user = make_user(roles=[Role.PANEL_MANAGER])
    login_as(user)
    return user


def test_csv_rows_follow_the_language_they_are_made_in(app):
    with app.test_request_context("/nl/manage/export"):
        rows = CsvRows()
        assert rows.delimiter == ";"
        assert rows.line(["Zoë", 3]) == BOM + '"Zoë";3\r\n'
        assert rows.line(["a;b", "=1"]) == '"a;b";"\'=1"\r\n'  # the mark only once
    with app.test_request_context("/en/manage/export"):
        assert CsvRows().line(["Zoë", 3]) == BOM + '"Zoë",3\r\n'
    assert CsvRows("en").delimiter == "," and CsvRows("nl").delimiter == ";"


def test_times_are_on_amsterdams_clock():
    assert local_time(SUMMER) == "2026-07-01 12:30"
    assert local_time(WINTER) == "2026-01-16 00:30"
    assert local_time(None) == ""


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_member_export_round_trip(client, db, manager, make_member, lang):
    words = MEMBER_WORDS[lang]
    member = make_member(name='=HYPERLINK("https://evil.example","Lotte")', source="-app")
    member.joined_at, member.confirmed_at, member.last_active_at = SUMMER, SUMMER, WINTER
    make_member(name="Zoë de Vries; +31 6", email="zoe@example.org")
    db.session.commit()

    response = client.post(
        f"/{lang}/manage/export", data={"include_contact": "y", "reason": "Calling"}
    )
    header, rows = read_csv(response, lang)
    stem = {"en": "klantenteam-members-", "nl": "klantenteam-leden-"}[lang]
    filename = f'filename="{stem}{amsterdam_today().isoformat()}.csv"'
    assert filename in response.headers["Content-Disposition"]
    assert header[:6] == words["header"] and header[-2:] == words["contact"]
    by_number = {row[0]: row for row in rows}
    row = by_number[str(member.number)]
    assert row[1] == words["active"] and row[2] == words["subscription"]
    assert row[3] == "35–44" and row[4] == "Utrecht" and row[5] == words["ios"]
    assert row[6] == "'-app"
    assert row[7:10] == ["2026-07-01 12:30", "2026-07-01 12:30", "2026-01-16 00:30"]
    assert row[10] == "'" + '=HYPERLINK("https://evil.example","Lotte")'
    assert "Zoë de Vries; +31 6" in [row[10] for row in rows]  # accents intact, ';' inside


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_pseudonymous_member_export_has_no_names(client, manager, make_member, lang):
    make_member(name="Secret Person", email="secret@example.org")
    header, rows = read_csv(client.post(f"/{lang}/manage/export", data={}), lang)
    assert header == MEMBER_WORDS[lang]["header"] + header[6:] and len(header) == 10
    text = "".join(cell for row in rows for cell in row)
    assert "Secret" not in text and "secret@example.org" not in text


def test_member_export_follows_the_lists_filters(client, db, manager, make_member):
    paused = make_member(status="paused", customer_type="prepaid", name="Pam Paused")
    also_paused = make_member(status="paused", customer_type="business", name="Bo Business")
    active = make_member(customer_type="prepaid", name="Pam Active")
    db.session.commit()

    page = client.get("/en/manage/members?status=paused&customer_type=prepaid&page=1&sort=number")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Export these members" in html
    assert "/en/manage/export?status=paused&amp;customer_type=prepaid" in html
    assert "export?page" not in html and "sort=number&amp;" not in html.split("manage/export")[1]

    form = client.get("/en/manage/export?status=paused&customer_type=prepaid")
    text = form.get_data(as_text=True)
    assert "Paused" in text and "Prepaid" in text
    assert 'action="/en/manage/export?status=paused&amp;customer_type=prepaid"' in text

    response = client.post("/en/manage/export?status=paused&customer_type=prepaid", data={})
    _header, rows = read_csv(response, "en")
    assert [row[0] for row in rows] == [str(paused.number)]

    # The list's name search, too: the same search as the list's.
    response = client.post("/en/manage/export?q=pam", data={})
    _header, rows = read_csv(response, "en")
    assert sorted(row[0] for row in rows) == sorted([str(paused.number), str(active.number)])
    # A member number in the search box finds that member, as in the list.
    response = client.post(f"/en/manage/export?q=%23{also_paused.number}", data={})
    assert [row[0] for row in read_csv(response, "en")[1]] == [str(also_paused.number)]
    # Without filters: everyone.
    _header, rows = read_csv(client.post("/en/manage/export", data={}), "en")
    assert len(rows) == 3


def test_the_export_page_without_filters_offers_every_member(client, manager):
    for lang, words in (("en", "A CSV file with every member"), ("nl", "alle leden")):
        text = client.get(f"/{lang}/manage/export").get_data(as_text=True)
        assert words in text
        assert f'action="/{lang}/manage/export"' in text


def test_contact_details_leave_out_members_who_are_gone(client, db, manager, make_member):
    kept = {
        status: make_member(status=status, email=f"{status}@example.org")
        for status in ("active", "paused", "pending", "reserve", "applicant")
    }
    gone = {
        status: make_member(status=status, email=f"{status}@example.org")
        for status in ("removed", "declined", "left")
    }
    response = client.post(
        "/en/manage/export", data={"include_contact": "y", "reason": "Inviting for a session"}
    )
    _header, rows = read_csv(response, "en")
    numbers = {row[0] for row in rows}
    assert numbers == {str(member.number) for member in kept.values()}
    text = response.get_data(as_text=True)
    for status in gone:
        assert f"{status}@example.org" not in text
    # The pseudonymous export still counts everyone.
    _header, rows = read_csv(client.post("/en/manage/export", data={}), "en")
    assert len(rows) == len(kept) + len(gone)
    # Filtering on a status that is gone gives an empty contact list, not the statuses' rows.
    response = client.post(
        "/en/manage/export?status=removed", data={"include_contact": "y", "reason": "Checking"}
    )
    assert read_csv(response, "en")[1] == []


def test_member_export_streams_at_volume(app, db, make_user):
    """The export reads members a thousand at a time: after its first lines, far fewer than
    all members have been loaded."""
    from panel.membership.manager_views import csv_rows, filter_form

    total = 2500
    db.session.execute(
        insert(Member),
        [
            {"number": 900_000 + n, "status": "active", "customer_type": "prepaid"}
            for n in range(total)
        ],
    )
    db.session.commit()
    db.session.expunge_all()
    with app.test_request_context("/en/manage/export"):
        lines = csv_rows(False, filter_form())
        first = [next(lines) for _ in range(3)]
        gc.collect()
        loaded = sum(isinstance(obj, Member) for obj in db.session.identity_map.values())
        assert first[1].startswith("900000,")
        assert 0 < loaded <= 1000, loaded
        assert sum(1 for _ in lines) == total - 2


def test_member_export_queries_do_not_grow_with_members(
    client, db, manager, make_member, count_queries
):
    def export():
        with count_queries() as queries:
            response = client.post(
                "/en/manage/export?status=active", data={"include_contact": "y", "reason": "Call"}
            )
            assert response.status_code == 200
        return queries.count

    make_member()
    few = export()
    for _ in range(5):
        make_member()
    assert export() == few
