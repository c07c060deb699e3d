"""The release's responses CSV (issue 16): opens as columns in the exporter's spreadsheet (';' and
a byte order mark in Dutch, ',' and the mark in English), headers, segments and "not used" in the
exporter's language, Amsterdam times, a panelist's formula never live, and streamed at volume."""

import gc
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from panel.feedback import services
from panel.feedback.export_views import response_lines
from panel.feedback.models import Response
from panel.security import Role

from ..test_exports import read_csv

WORDS = {
    "en": {
        "header": [
            "Number",
            "Score (0 to 10)",
            "Customer type",
            "Phone",
            "Age",
            "What could be better",
            "Device",
            "Operating system",
            "Problem",
            "Last changed",
            "Change 1: Dark mode",
            "Change 2: Faster log-in",
        ],
        "business": "Business customer",
        "not_used": "Not used",
    },
    "nl": {
        "header": [
            "Nummer",
            "Score (0 tot en met 10)",
            "Soort klant",
            "Telefoon",
            "Leeftijd",
            "Wat beter kan",
            "Toestel",
            "Besturingssysteem",
            "Probleem",
            "Laatst gewijzigd op",
            "Wijziging 1: Donkere modus",
            "Wijziging 2: Sneller inloggen",
        ],
        "business": "Zakelijke klant",
        "not_used": "Niet gebruikt",
    },
}
SUMMER = datetime(2026, 7, 1, 21, 45, tzinfo=UTC)  # 23:45 in Amsterdam


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_responses_csv_round_trip(client, db, make_release, make_member, make_user, login_as, lang):
    words = WORDS[lang]
    release = make_release()
    first, second = release.changes
    member = make_member(customer_type="business", platform="android", birth_year=1990)
    response = services.save_response(
        release,
        member,
        {
            "score": 9,
            "ratings": {first.id: 4, second.id: None},
            "improve_text": '=HYPERLINK("https://evil.example","Klik")',
            "problem_device": "+31 Pixel",
            "problem_os": "-Android 14",
            "problem_text": "Loopt vast; @SUM(A1) en zoë",
        },
    )
    response.updated_at = SUMMER
    db.session.commit()
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))

    header, rows = read_csv(
        client.get(f"/{lang}/results/releases/{release.id}/responses.csv"), lang
    )
    assert header == words["header"]
    (row,) = rows
    assert row[:5] == [str(response.id), "9", words["business"], "Android", "35–44"]
    assert row[5] == "'" + '=HYPERLINK("https://evil.example","Klik")'
    assert row[6:9] == ["'+31 Pixel", "'-Android 14", "Loopt vast; @SUM(A1) en zoë"]
    assert row[9] == "2026-07-01 23:45"
    assert row[10:] == ["4", words["not_used"]]


def test_responses_csv_speaks_the_page_language_not_the_panelists(
    client, db, make_release, make_member, make_user, login_as
):
    release = make_release()
    services.save_response(release, make_member(locale="nl"), {"score": 3})
    db.session.commit()
    login_as(make_user(roles=[Role.PRODUCT_OWNER], locale="nl"))
    header, rows = read_csv(client.get(f"/en/results/releases/{release.id}/responses.csv"), "en")
    assert header[0] == "Number" and rows[0][1] == "3"


def test_responses_csv_streams_at_volume(app, db, make_release):
    """A thousand responses at a time: after the first lines, far fewer than all are loaded."""
    release = make_release()
    total = 2500
    db.session.execute(
        insert(Response),
        [
            {"release_id": release.id, "score": n % 11, "customer_type": "prepaid"}
            for n in range(total)
        ],
    )
    db.session.commit()
    release_id, changes = release.id, list(release.changes)
    db.session.expunge_all()
    with app.test_request_context("/nl/results"):
        lines = response_lines(release_id, changes)
        first = [next(lines) for _ in range(3)]
        gc.collect()
        loaded = sum(isinstance(obj, Response) for obj in db.session.identity_map.values())
        assert first[0].startswith("\ufeff") and ";" in first[1]
        assert 0 < loaded <= 1000, loaded
        assert sum(1 for _ in lines) == total - 2


def test_responses_csv_queries_do_not_grow_with_responses(
    client, db, make_release, make_member, make_user, login_as, count_queries
):
    release = make_release()
    first, second = release.changes
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))

    def export():
        with count_queries() as queries:
            response = client.get(f"/en/results/releases/{release.id}/responses.csv")
            assert response.status_code == 200
        return queries.count

    services.save_response(release, make_member(), {"score": 5, "ratings": {first.id: 2}})
    db.session.commit()
    few = export()
    for score in range(5):
        ratings = {first.id: 3, second.id: None}
        services.save_response(release, make_member(), {"score": score, "ratings": ratings})
    db.session.commit()
    assert export() == few
