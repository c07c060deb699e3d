"""The audit log's details read in the reader's language, on the page and in its CSV: labels,
coded values and the records and streams they name (issue 16 review, item 8)."""

import csv
import io

import pytest

from panel.audit import AuditEntry, record_audit
from panel.i18n import speaking
from panel.insights.models import Stream, seed_default_streams
from panel.security import Role


@pytest.fixture
def logged(db, make_user):
    seed_default_streams()
    db.session.commit()
    admin = make_user(roles=[Role.ADMIN], name="Ada Admin")
    slugs = [stream.slug for stream in Stream.query.order_by(Stream.id)][:2]
    AuditEntry.query.delete()
    record_audit("route.assign", actor=admin, stream=slugs[0], route=1, assignee=4)
    record_audit("route.assign", actor=admin, stream=slugs[0], route=1, assignee="nobody")
    record_audit("insight.close", actor=admin, kind="duplicate", duplicate_of=2, routes=1)
    record_audit("insight.close", actor=admin, kind="wont_act", duplicate_of=None, routes=0)
    record_audit("insight.merge", actor=admin, merged_into=3, evidence=2, routes=1)
    record_audit("insight.evidence", actor=admin, added=2)
    record_audit("user.streams", actor=admin, streams=slugs)
    record_audit("user.update", actor=admin, roles_before=[], roles_after=[], enabled=True)
    record_audit("two_factor.reset", actor=None, via="command line")
    db.session.commit()
    return {"admin": admin, "streams": Stream.query.filter(Stream.slug.in_(slugs)).all()}


def lines_by_action(lang):
    with speaking(lang):
        return [(entry.action, entry.detail_lines) for entry in AuditEntry.query.order_by("id")]


def test_details_are_labelled_and_valued_in_dutch(app, logged):
    stream_names = {stream.slug: stream.name_nl for stream in logged["streams"]}
    with app.test_request_context("/nl/"):
        lines = lines_by_action("nl")
    first = next(iter(stream_names.values()))
    assert lines == [
        ("route.assign", [("Toegewezen aan", "Gebruiker 4"), ("Stream", first)]),
        ("route.assign", [("Toegewezen aan", "niemand"), ("Stream", first)]),
        (
            "insight.close",
            [
                ("Dubbel van", "Inzicht 2"),
                ("Gesloten als", "Dubbel"),
                ("Streams waarin het nog openstond", "1"),
            ],
        ),
        (
            "insight.close",
            [("Gesloten als", "Geen actie"), ("Streams waarin het nog openstond", "0")],
        ),
        (
            "insight.merge",
            [
                ("Bijdragen verplaatst", "2"),
                ("Samengevoegd met inzicht", "3"),
                ("Streams overgezet", "1"),
            ],
        ),
        ("insight.evidence", [("Bijdragen toegevoegd", "2")]),
        ("user.streams", [("Streams", ", ".join(stream_names.values()))]),
        (
            "user.update",
            [("Kan inloggen", "ja"), ("Rollen daarna", "—"), ("Rollen daarvoor", "—")],
        ),
        ("two_factor.reset", [("Hoe", "op de opdrachtregel van de server")]),
    ]


def test_details_are_labelled_and_valued_in_english(app, logged):
    names = [stream.name_en for stream in logged["streams"]]
    with app.test_request_context("/en/"):
        lines = dict(lines_by_action("en")[2:7])
    assert lines["insight.close"] == [
        ("Closed as", "Won't act"),
        ("Streams it was still open in", "0"),
    ]
    assert lines["user.streams"] == [("Streams", ", ".join(names))]
    assert ("Merged into insight", "3") in lines["insight.merge"]


def test_the_page_and_csv_show_no_codes(client, login_as, logged):
    login_as(logged["admin"])
    page = client.get("/nl/admin/audit").get_data(as_text=True)
    text = client.get("/nl/admin/audit.csv").get_data(as_text=True).lstrip("\ufeff")
    delimiter = ";" if text.splitlines()[0].count(";") >= 5 else ","
    details = " ".join(row[5] for row in csv.reader(io.StringIO(text), delimiter=delimiter))
    for shown in (page, details):
        assert "Gesloten als: Geen actie" in shown and "Dubbel van: Inzicht 2" in shown
        for code in ("Assignee", "Route:", "wont_act", "Kind", "Evidence", "Duplicate of", "Via"):
            assert code not in shown, code
        for stream in logged["streams"]:
            assert stream.name_nl in shown
