"""No injection: markup typed by staff or panelists is shown as text on every page, and exports
never hand a spreadsheet a formula.

The markup test loads the demo (a panel in full swing), writes markup into every free-text column
of the database (and into every kind of notification), then walks every GET page of the url map
as a panelist and as staff, in Dutch and English, with the ids of the rows that exist. New
free-text columns and new pages are covered without touching this file: a String/Text column
must be listed below as free text or as coded, and a page's ids must be ones this file can find.
"""

import json
import re

import sqlalchemy as sa

from panel.extensions import db as _db
from panel.security import Role

from .conftest import PASSWORD

META = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
MARKUP = META + '<b>x</b>"><img src=x>'
SHORT_MARKUP = '<b>x</b>"><img src=x>'  # for columns too short for the <meta> tag
UNESCAPED = ['<meta http-equiv="refresh"', "<b>x</b>", "<img src=x>"]
ESCAPED = "&lt;b&gt;x&lt;/b&gt;"

# Every String/Text column is one of these two: free text (typed by someone, shown on a page)
# gets markup; coded values (statuses, codes, hashes, addresses checked by a form) keep theirs.
FREE_TEXT = {
    "audit_entries": [],  # details_json: an entry with a typed reason is added (see below)
    "comments": ["body", "hidden_reason"],
    "content_reports": ["text"],
    "feedback_responses": ["improve_text", "problem_device", "problem_os", "problem_text"],
    # shipped_version: the release's version (typed by its owner), copied when it shipped
    "ideas": ["title", "body", "answer_nl", "answer_en", "hidden_reason", "shipped_version"],
    "idea_categories": ["name_nl", "name_en"],  # named by the round's owner, shown to panelists
    "insights": ["title_nl", "title_en", "description", "closed_reason_nl", "closed_reason_en"],
    "internal_notes": ["body"],
    "members": ["source"],
    "news_items": ["subject_nl", "subject_en", "body_nl", "body_en"],
    "outbox_messages": ["subject", "body_text", "last_error"],
    "privacy_statements": ["body_nl", "body_en", "changes_nl", "changes_en"],
    "release_changes": [
        "title_nl",
        "title_en",
        "description_nl",
        "description_en",
        "correction_nl",
        "correction_en",
    ],
    "releases": ["version"],
    "rounds": [
        "title_nl",
        "title_en",
        "summary_nl",
        "summary_en",
        "question_nl",
        "question_en",
        "outcome_nl",
        "outcome_en",
    ],
    "routes": ["answer_nl", "answer_en"],
    "routing_rules": ["name", "keywords"],
    "sessions": [
        "title_nl",
        "title_en",
        "venue_nl",
        "venue_en",
        "address",
        "city",
        "meeting_link",
        "notes",
    ],
    "stage_changes": ["note_nl", "note_en"],
    "status_changes": ["reason"],
    "streams": ["name_nl", "name_en", "description_nl", "description_en"],
    "tags": ["name_nl", "name_en"],
    "thank_yous": ["reason", "message"],
    "touchpoint_responses": ["better_text"],
    "users": ["name"],
}
CODED = {
    "audit_entries": ["action", "target_type", "details_json"],
    "consents": ["purpose", "language", "channel"],
    "content_reports": ["reason", "closed_as"],
    "digest_log": ["week"],
    "evidence": ["kind"],
    "insights": ["close_kind"],  # a CloseKind value set by the close form
    "feedback_responses": ["customer_type", "platform", "age_band"],
    "form_submissions": ["token", "location"],
    "ideas": ["status"],
    "invitations": ["status"],
    "thank_you_budgets": ["quarter"],  # "2026-Q4", checked by the form
    "thank_yous": ["kind", "quarter"],
    "login_sessions": ["token_hash"],
    "member_interests": ["interest"],
    # postcode: four digits checked by the join form
    "members": [
        "status",
        "postcode",
        "region",
        "customer_type",
        "years_as_customer",
        "platform",
        "app_usage",
        "physical_region",
        "leave_reason",
        "contributor_level",  # a level name counted by recognition.levels
    ],
    "notification_preferences": ["kind"],
    # params_json: one notification of every kind with markup in its parameters (see below)
    "notifications": ["kind", "params_json", "link"],
    # body_html: the mail as sent, shown only as its text part; to_address: checked by forms
    "outbox_messages": [
        "to_address",
        "locale",
        "kind",
        "body_html",
        "status",
        "attachment_name",
        "attachment_type",
        "attachment_text",
    ],
    "quota_targets": ["customer_type", "age_band", "region"],
    "recovery_codes": ["code_hash"],
    "registrations": ["status", "attendance"],
    "releases": ["audience"],
    "round_actions": ["stage", "action"],
    "rounds": ["visibility", "target_customer_type", "target_age_band", "target_region", "stage"],
    "routes": ["status"],
    "routing_rules": ["combine"],
    "score_counts": ["segment_kind", "segment_value"],
    "sessions": ["kind"],
    "stage_changes": ["from_stage", "to_stage"],
    "status_changes": ["from_status", "to_status"],
    "streams": ["slug"],
    "user_roles": ["role"],
    "users": ["email", "locale", "password_hash", "totp_secret"],
    # folded: a lower-case copy of the user's name and address for search, never shown (the
    # name and address themselves are checked above)
    "user_search": ["folded"],
    # words: the folded and stemmed words of a contribution for triage search, never shown
    "triage_items": [
        "kind",
        "score_group",
        "customer_type",
        "platform",
        "age_band",
        "language",
        "words",
    ],
    "triage_dismissals": ["kind"],
}

# How to find the ids in a page's URL: the table whose rows the arguments name (one row per
# combination); an argument not listed here fails the test until it is taught.
ID_QUERIES = {
    ("round_id",): "SELECT id FROM rounds ORDER BY id",
    ("idea_id", "round_id"): "SELECT id, round_id FROM ideas ORDER BY id",
    ("round_id", "session_id"): "SELECT round_id, id FROM sessions ORDER BY id",
    ("registration_id", "round_id", "session_id"): (
        "SELECT r.id, s.round_id, s.id FROM registrations r JOIN sessions s ON s.id = r.session_id"
        " ORDER BY r.id"
    ),
    ("release_id",): "SELECT id FROM releases ORDER BY id DESC",
    ("registration_id",): (
        "SELECT r.id FROM registrations r JOIN members m ON m.id = r.member_id"
        " WHERE m.user_id = :user_id ORDER BY r.id"
    ),
    ("insight_id",): "SELECT id FROM insights ORDER BY id",
    ("insight_id", "route_id"): "SELECT insight_id, id FROM routes ORDER BY id",
    ("category_id", "round_id"): "SELECT id, round_id FROM idea_categories ORDER BY id",
    ("item_id", "round_id"): "SELECT id, round_id FROM ideas ORDER BY id",  # kind: ideas
    ("comment_id", "idea_id", "round_id"): (
        "SELECT c.id, c.idea_id, i.round_id FROM comments c JOIN ideas i ON i.id = c.idea_id"
        " ORDER BY c.id"
    ),
    ("item_id", "kind"): "SELECT id, 'ideas' FROM ideas ORDER BY id",
    ("item_id",): "SELECT id FROM ideas ORDER BY id",  # the moderation queue's actions (fuzz)
    ("route_id",): "SELECT id FROM routes ORDER BY id",
    ("change_id",): "SELECT id FROM release_changes ORDER BY id",
    ("rule_id",): "SELECT id FROM routing_rules ORDER BY id",
    ("stream_id",): "SELECT id FROM streams ORDER BY id",
    ("tag_id",): "SELECT id FROM tags ORDER BY id",
    ("member_id",): "SELECT id FROM members ORDER BY id",
    ("user_id",): "SELECT id FROM users ORDER BY id",
    ("message_id",): "SELECT id FROM outbox_messages ORDER BY id",
    ("notification_id",): "SELECT id FROM notifications ORDER BY id",
    ("quota_id",): "SELECT id FROM quota_targets ORDER BY id",
    ("version",): "SELECT version FROM privacy_statements ORDER BY version",
    ("news_id",): "SELECT id FROM news_items ORDER BY id",
    ("token",): "SELECT 'not-a-token'",
}
PER_PAGE = 8  # combinations of ids tried per page (the demo has 8 rounds, in every stage)


def text_columns():
    for table in _db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, (sa.String, sa.Text)) and not isinstance(
                column.type, sa.Enum
            ):
                yield table.name, column


def test_every_text_column_is_free_text_or_coded(app):
    """A new String/Text column is either checked with markup here or named as coded."""
    unlisted = [
        f"{table}.{column.name}"
        for table, column in text_columns()
        if column.name not in FREE_TEXT.get(table, []) + CODED.get(table, [])
    ]
    assert not unlisted, (
        "add these columns to FREE_TEXT (typed by someone and shown) or CODED in "
        f"tests/test_injection.py: {unlisted}"
    )


def markup_for(column, row_number):
    """Markup that fits the column (unique per row, for unique columns)."""
    length = getattr(column.type, "length", None)
    suffix = f" {row_number}"
    for payload in (MARKUP, SHORT_MARKUP):
        if length is None or len(payload) + len(suffix) <= length:
            return payload + suffix
    raise AssertionError(f"{column} is too short for markup: list it as coded")


def fill_with_markup():
    """Markup in every free-text column of every row, and in every kind of notification."""
    from panel.audit import record_audit
    from panel.notifications import kinds
    from panel.notifications.models import Notification

    for table_name, names in FREE_TEXT.items():
        table = _db.metadata.tables.get(table_name)
        if table is None:  # a table another branch adds
            continue
        key = list(table.primary_key.columns)
        rows = _db.session.execute(sa.select(*key)).all()
        for number, row in enumerate(rows):
            values = {name: markup_for(table.columns[name], number) for name in names}
            if values:
                condition = sa.and_(
                    *(column == value for column, value in zip(key, row, strict=True))
                )
                _db.session.execute(table.update().where(condition).values(**values))
    record_audit("members.export", include_contact=True, reason=MARKUP)
    panelist = lotte()
    for kind in kinds.all_kinds().values():
        names = set(re.findall(r"%\((\w+)\)s", str(kind.title)))
        params = {name: {"nl": MARKUP, "en": MARKUP} for name in names}
        try:
            kind.title_for(params)
        except Exception:  # parameters that are codes (a status): the demo's own stay
            continue
        _db.session.add(
            Notification(user_id=panelist.id, kind=kind.name, params_json=json.dumps(params))
        )
    _db.session.commit()


def lotte():
    from panel.accounts.models import User

    return User.query.filter_by(email="panellid@klantenteam.example").one()


def pages(app, roles, user_id):
    """(endpoint, url) for every GET page reachable with `roles`, with real ids."""
    from panel.i18n import link_for

    found = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        required = getattr(blueprint, "required_roles", None)
        if required and not required & set(roles):
            continue
        arguments = tuple(sorted(set(rule.arguments) - {"lang"}))
        combos = [()]
        if arguments:
            assert arguments in ID_QUERIES, f"teach ID_QUERIES the ids of {rule.rule}"
            combos = _db.session.execute(
                sa.text(ID_QUERIES[arguments]), {"user_id": user_id}
            ).all()[:PER_PAGE]
        for combo in combos:
            values = dict(zip(arguments, combo, strict=True))
            for lang in ("nl", "en"):
                if "lang" in rule.arguments:
                    url = link_for(rule.endpoint, lang, **values)
                elif lang == "nl":
                    url = app.url_for(rule.endpoint, **values)
                else:
                    continue
                found.append((rule.endpoint, url))
    return found


def log_in(client, user, password):
    response = client.post("/en/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, "login failed"
    if "/login/code" in response.location:  # an administrator: two-factor login
        from .conftest import two_factor_code

        response = client.post("/en/login/code", data={"totp-code": two_factor_code(user)})
        assert response.status_code == 302 and "/login/code" not in response.location


def walk(app, user, password, roles, user_id):
    client = app.test_client()
    log_in(client, user, password)
    with app.test_request_context():
        urls = pages(app, roles, user_id)
    problems, escaped_on = [], set()
    for endpoint, url in urls:
        response = client.get(url)
        body = response.get_data(as_text=True)
        if response.status_code >= 500:
            problems.append(f"{url}: {response.status_code}")
        if response.mimetype != "text/html":
            continue  # a download (JSON, CSV, calendar) is data, never rendered by the browser
        for raw in UNESCAPED:
            if raw in body:
                at = body.index(raw)
                problems.append(f"{url}: unescaped {raw!r} in …{body[max(at - 120, 0) : at + 40]}")
        if ESCAPED in body:
            escaped_on.add(endpoint)
    return urls, problems, escaped_on


def test_markup_in_every_field_is_shown_as_text(app, db, make_user):
    from panel.demo import DEMO_PASSWORD, load_demo

    load_demo()
    staff = make_user(roles=list(Role), locale="en")
    fill_with_markup()
    panelist = lotte()

    urls, problems, panelist_escaped = walk(
        app, panelist, DEMO_PASSWORD, [Role.PANELIST], panelist.id
    )
    assert len(urls) > 40
    staff_urls, staff_problems, staff_escaped = walk(app, staff, PASSWORD, list(Role), panelist.id)
    assert len(staff_urls) > 150
    assert not problems + staff_problems, "\n".join(problems + staff_problems)
    # The walk saw the markup (as text) where staff and panelists wrote it.
    assert {
        "membership.dashboard",
        "loop.contributions",
        "rounds.overview",
        "rounds.round_page",
        "rounds.idea_page",
        "notifications.index",
        "feedback.form",
        "membership.privacy",
    } <= panelist_escaped, panelist_escaped
    assert {
        "owner.rounds",
        "owner.round_detail",
        "owner.idea",
        "owner.session_detail",
        "insights.index",
        "insights.detail",
        "insights.inbox",
        "insight_setup.streams",
        "insight_setup.tags",
        "insight_setup.rules",
        "results.overview",
        "results.release",
        "manage.members",
        "manage.member",
        "admin.users",
        "admin.audit_log",
        "admin.outbox",
        "admin.outbox_message",
    } <= staff_escaped, staff_escaped


# CSV exports ---------------------------------------------------------------------------------

FORMULAS = ['=HYPERLINK("https://evil.example")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


def test_neutralise_prefixes_formula_cells():
    from panel.exports import CsvRows, neutralise

    for formula in FORMULAS:
        assert neutralise(formula) == "'" + formula
    assert neutralise("Jamie") == "Jamie"
    assert neutralise(-1) == -1  # numbers the export writes itself stay numbers
    # Every text cell quoted, numbers bare (they stay numbers).
    assert CsvRows("en").line(["=1+1", "a", 7, -1]) == '\ufeff"\'=1+1","a",7,-1\r\n'
    rows = CsvRows("nl")  # the byte order mark once, at the start; ';' for a Dutch exporter
    assert (rows.line(["a", 7]), rows.line(["=b", -1])) == ('\ufeff"a";7\r\n', '"\'=b";-1\r\n')


# Dutch Excel opens a .csv with ';' as its separator: a formula after a ';' (or ',', a tab or a
# line break) would start a cell of its own there.
AFTER_SEPARATORS = {
    "Lotte;=1+cmd|' /C calc'!A0": "Lotte;'=1+cmd|' /C calc'!A0",
    "x;=1+1": "x;'=1+1",
    "a,@SUM(A1)": "a,'@SUM(A1)",
    "a\t+1": "a\t'+1",
    "a\n-2+3": "a\n'-2+3",
    "a\r\n=1": "a\r\n'=1",
    "=1;=2": "'=1;'=2",
}


def test_neutralise_guards_cells_after_a_separator():
    from panel.exports import neutralise

    for value, safe in AFTER_SEPARATORS.items():
        assert neutralise(value) == safe
    assert neutralise("Lotte; de Jong, 3-4 x") == "Lotte; de Jong, 3-4 x"


def test_no_cell_starts_a_formula_whichever_separator_the_spreadsheet_picks():
    import csv
    import io

    from panel.exports import CsvRows

    line = CsvRows().line([1, *AFTER_SEPARATORS])
    for delimiter in (",", ";", "\t"):
        for row in csv.reader(io.StringIO(line), delimiter=delimiter):
            for cell in row:
                assert not cell.lstrip('"').startswith(("=", "+", "-", "@")), (delimiter, cell)


def cells(response):
    import csv
    import io

    assert response.status_code == 200, response.status_code
    return [
        cell for row in csv.reader(io.StringIO(response.get_data(as_text=True))) for cell in row
    ]


def assert_no_formula(values, found):
    for value in values:
        assert value not in found, f"{value!r} exported as is"
        assert "'" + value in found or "'" + value.strip() in found, (value, found)
    assert not [cell for cell in found if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], found


def test_member_export_neutralises_formulas(client, make_user, make_member, login_as):
    names = ['=HYPERLINK("https://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)"]
    make_member(name="Lotte;=1+cmd|' /C calc'!A0", email="semicolon@example.org")
    for number, name in enumerate(names):
        make_member(name=name, email=f"formula{number}@example.org", source="=cmd|' /C calc'!A0")
    manager = make_user(roles=[Role.PANEL_MANAGER])
    login_as(manager)
    response = client.post(
        "/en/manage/export", data={"include_contact": "y", "reason": "Calling for a session"}
    )
    found = cells(response)
    assert_no_formula(names + ["=cmd|' /C calc'!A0"], found)
    assert "Lotte;'=1+cmd|' /C calc'!A0" in found
    # Read as Dutch Excel reads it, with ';' between cells: still no formula.
    import csv
    import io

    body = response.get_data(as_text=True)
    for row in csv.reader(io.StringIO(body), delimiter=";"):
        assert not [cell for cell in row if cell[:1] in ("=", "+", "-", "@")], row


def test_feedback_export_neutralises_formulas(client, make_user, make_member, login_as):
    from datetime import date, timedelta

    from panel.database import utcnow
    from panel.feedback.models import Release, Response

    now = utcnow()
    release = Release(
        version="=1+1", month=date.today(), opens_at=now - timedelta(days=1), closes_at=now
    )
    _db.session.add(release)
    _db.session.flush()
    texts = ['=HYPERLINK("https://evil.example")', "+31 6 1234", "-rm", "@import", "\tTab"]
    _db.session.add(
        Response(
            release_id=release.id,
            member_id=make_member().id,
            score=7,
            improve_text=texts[0],
            problem_device=texts[1],
            problem_os=texts[2],
            problem_text=texts[3],
            customer_type=texts[4],
        )
    )
    _db.session.commit()
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    found = cells(client.get(f"/en/results/releases/{release.id}/responses.csv"))
    assert "7" in found
    assert_no_formula(texts, found)
