"""Malformed input never produces a server error: the public forms, fuzzed with Hypothesis."""

import os
import re
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.routing import IntegerConverter

from panel.extensions import db as _db

FORMS = [
    "/en/login",
    "/nl/login",
    "/en/password/forgot",
    "/nl/password/reset/not-a-token",
    "/en/welcome/x.y.z",
    "/language",
    "/en/join",
    "/nl/join",
    "/en/join/confirm/abc",
]
FIELDS = [
    "email",
    "password",
    "remember",
    "next",
    "lang",
    "confirm",
    "csrf_token",
    "name",
    "locale",
    "birth_year",
    "postcode",
    "customer_type",
    "platform",
    "app_usage",
    "interests",
    "attends_physical",
    "physical_region",
    "consent_participation",
    "source",
]

text = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=100).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "nl", "en", "//evil", "@", "a@b", "\x00", "y" * 5000]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(path=st.sampled_from(FORMS), data=st.dictionaries(st.sampled_from(FIELDS), text, max_size=6))
def test_public_forms_never_fail(client, path, data):
    response = client.post(path, data=data)
    assert response.status_code < 500, (path, data)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "status",
                "customer_type",
                "age_band",
                "region",
                "source",
                "inactive",
                "sort",
                "page",
            ]
        ),
        text,
        max_size=5,
    )
)
@example(query={"q": "\x00"})  # PostgreSQL refuses NUL in text: it must never reach it
def test_member_filters_never_fail(app, db, make_user, query):
    from panel.security import Role

    client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    client.post("/en/login", data={"email": manager.email, "password": "a calm walk by the sea"})
    response = client.get("/en/manage/members", query_string=query)
    assert response.status_code < 500, query


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            ["q", "status", "customer_type", "age_band", "region", "source", "inactive"]
        ),
        text,
        max_size=4,
    )
)
@example(query={"q": "\x00", "status": "removed"})
def test_member_export_filters_never_fail(app, db, make_user, query):
    """The export carries the list's filters: whatever they hold, its page and its CSV answer."""
    from panel.security import Role

    client = app.test_client()
    manager = make_user(roles=[Role.PANEL_MANAGER])
    client.post("/en/login", data={"email": manager.email, "password": "a calm walk by the sea"})
    assert client.get("/nl/manage/export", query_string=query).status_code < 500, query
    response = client.post("/nl/manage/export", query_string=query, data={})
    assert response.status_code < 500 and response.get_data().startswith(b"\xef\xbb\xbf"), query


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segment=st.text(min_size=1, max_size=40).filter(lambda s: "/" not in s and "?" not in s))
def test_odd_paths_never_fail(client, segment):
    response = client.get("/nl/" + segment)
    assert response.status_code < 500


# Out-of-range ids, JSON bodies, NUL, the 413 page ---------------------------------------------

HUGE_IDS = ["2147483648", "9223372036854775808", "99999999999999999999999"]


def url_with(rule, value):
    """The rule's URL with every <int:…> set to `value` (other parts: a plausible value)."""
    parts = {}
    for name, converter in rule._converters.items():
        items = getattr(converter, "items", None)
        if name == "lang":
            parts[name] = "en"
        elif items:
            parts[name] = sorted(items)[0]
        elif converter.regex == r"\d+" or "int" in type(converter).__name__.lower():
            parts[name] = value
        else:
            parts[name] = "x"
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: parts[match.group(1)], rule.rule)


def int_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(isinstance(c, IntegerConverter) for c in rule._converters.values())
    ]


def test_ids_beyond_the_integer_range_are_not_found(app, client, make_user, login_as):
    from panel.security import Role

    login_as(make_user(roles=[Role.PANELIST, Role.PRODUCT_OWNER, Role.PANEL_MANAGER]))
    rules = int_rules(app)
    assert len(rules) > 30
    for rule in rules:
        for value in HUGE_IDS:
            url = url_with(rule, value)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(url, method=method)
                assert response.status_code == 404, (method, url, response.status_code)


def test_the_largest_id_is_simply_not_there(app, client, make_user, login_as):
    from panel.security import Role

    login_as(make_user(roles=[Role.PANELIST, Role.PRODUCT_OWNER, Role.PANEL_MANAGER]))
    for path in [
        "/en/rounds/2147483647",
        "/en/manage/members/2147483647",
        "/en/feedback/2147483647",
    ]:
        assert client.get(path).status_code == 404, path


PAGED = [
    "/en/manage/members",
    "/en/notifications",
    "/en/insights/",
    "/en/insights/triage",
    "/en/admin/users",
]


def test_page_numbers_out_of_range_show_a_page(app, client, make_user, login_as):
    from panel.security import Role

    login_as(make_user(roles=list(Role)))
    for path in PAGED:
        for page in HUGE_IDS + ["-1", "0", "1e9", "١", "99999"]:
            response = client.get(path, query_string={"page": page})
            assert response.status_code == 200, (path, page, response.status_code)


def test_requested_page_is_bounded(app):
    from panel.paging import MAX_PAGE, requested_page

    for value, expected in [
        ("3", 3),
        ("0", 1),
        ("-2", 1),
        ("abc", 1),
        ("9223372036854775808", 1),
        (str(MAX_PAGE), MAX_PAGE),
        (str(MAX_PAGE + 1), 1),
        ("\x00", 1),
        ("１", 1),  # a full-width digit: int() would take it
    ]:
        with app.test_request_context("/en/", query_string={"page": value}):
            assert requested_page() == expected, value


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("path", ["/login", "/join", "/password/forgot"])
def test_a_json_body_on_a_form_page_is_a_bad_request(client, db, path, lang):
    from panel.accounts.models import User

    response = client.post(f"/{lang}{path}", json={"email": 5, "password": ["x"], "name": {}})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    title = {"en": "Something in that request was not right", "nl": "Er klopte iets niet"}[lang]
    assert f"<h1>{title}" in body, body[:500]
    assert f'lang="{lang}"' in body
    assert db.session.query(User).count() == 0


def test_a_json_body_on_any_form_is_refused(app, client, make_user, make_member, login_as):
    """Every POST endpoint of the url map, logged in: a JSON body never gets further than 400."""
    from panel.security import Role

    make_member()
    login_as(make_user(roles=list(Role)))
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("accounts.logout",):
            continue
        url = url_with(rule, "1")
        response = client.post(url, json={"name": 5, "email": [], "body": None})
        assert response.status_code in (400, 404), (url, response.status_code)


def test_nul_in_a_text_field_is_a_form_error_and_nothing_is_stored(client, db):
    from panel.accounts.models import User

    from .conftest import join_data

    for field in ("name", "postcode", "password", "email"):
        value = {"name": "Jamie\x00", "postcode": "35\x0011", "password": "a quiet\x00 dutch canal"}
        value["email"] = "jamie\x00@example.org"
        response = client.post("/en/join", data=join_data(**{field: value[field]}))
        assert response.status_code == 200, field
        body = response.get_data(as_text=True)
        assert "This contains an invisible character we can&#39;t store." in body, field
        assert 'value="Jamie' in body or field == "name"  # what was typed is kept
        assert db.session.query(User).count() == 0, field
    response = client.post("/nl/join", data=join_data(name="Jamie\x00"))
    assert "Hier staat een onzichtbaar teken in dat we niet kunnen opslaan." in response.get_data(
        as_text=True
    )
    response = client.post("/en/join", data=join_data())
    assert response.status_code == 302  # the same form without NUL goes through
    assert db.session.query(User).count() == 1


def test_a_huge_typed_number_is_a_form_error(client, db, make_user, login_as):
    from panel.membership.models import PanelSettings
    from panel.security import Role

    from .conftest import join_data

    response = client.post("/en/join", data=join_data(birth_year="99999999999999999999"))
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    before = db.session.query(PanelSettings).count()
    response = client.post(
        "/en/manage/quotas",
        data={"characteristic": "customer_type", "value": "prepaid", "target": "2147483648"},
    )
    assert response.status_code in (200, 400)
    assert "Please enter a" in response.get_data(as_text=True)
    assert db.session.query(PanelSettings).count() == before


def test_a_huge_id_in_a_select_is_not_a_valid_choice(app):
    from wtforms import SelectField

    from panel.forms import BaseForm, choices

    class Pick(BaseForm):
        class Meta:
            csrf = False

        owner = SelectField(coerce=int, choices=choices([(1, "one")]))

    for value in HUGE_IDS:
        with app.test_request_context("/en/", method="POST", data={"owner": value}):
            form = Pick()
            assert not form.validate()
            assert form.owner.errors


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_413_page_is_the_translated_page(client, make_user, login_as, lang):
    from panel.security import Role

    title = {"en": "That is too much at once", "nl": "Dat is te veel in één keer"}[lang]
    for logged_in in (False, True):
        if logged_in:
            login_as(make_user(roles=[Role.PANELIST]))
        response = client.post(
            f"/{lang}/login",
            data="x=" + "y" * (2 * 1024 * 1024),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 413
        assert response.mimetype == "text/html", logged_in
        assert f"<h1>{title}</h1>" in response.get_data(as_text=True), logged_in


# Every form of the url map ------------------------------------------------------------------

# Rows a refused form may still write: the failed login it was (counted for the lockout).
BOOKKEEPING = {"failed_logins", "login_sessions"}
# Last, because they end what the others need: the session, the membership.
LAST = ("accounts.logout", "membership.leave")
# Values for path parts that are neither ids nor one of a fixed set.
PATH_WORDS = {"action": "remove", "token": "not-a-token"}
# Six keep CI under a minute per database; PANEL_FUZZ_EXAMPLES=100 for a deeper run by hand.
EXAMPLES_PER_FORM = int(os.environ.get("PANEL_FUZZ_EXAMPLES", "6"))

ODD_VALUES = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "1",
        "y",
        "on",
        "2147483648",
        "-9223372036854775809",
        "99999999999999999999999",
        "1e400",
        "NaN",
        "\x00",
        "a\x00b",
        "x" * 20_000,
        "𝔘ñí©ødé ✓ 漢字 🙂",
        "<b>x</b>",
        "=HYPERLINK(1)",
        "a\r\nb",
        "Subject\r\nBcc: evil@example.com",
        "2026-13-45T25:61",
        "2026-11-30T10:00",
        "31-12-2026",
        "nl",
        "en",
        "//evil.example",
    ]
)
FIELD_VALUE = st.one_of(
    ODD_VALUES,
    st.text(max_size=60),
    st.lists(ODD_VALUES, min_size=2, max_size=3),  # the same field sent more than once
)


class FormReader(HTMLParser):
    """The fields of each <form method=post> on a page, with the values it would send."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select, self.textarea = [], None, None, None
        self.chosen = set()  # selects whose option is picked

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self.current = (attrs.get("action") or "", {})
            self.forms.append(self.current)
        if self.current is None:
            return
        fields = self.current[1]
        if tag == "option" and self.select:
            # An <option> has no name of its own: it fills the select it is in. The selected one,
            # else the first with a value (a placeholder "Choose …" has none), as a browser would
            # send once someone picked one, so a required select arrives valid.
            value = attrs.get("value", "")
            if "selected" in attrs or (value and self.select not in self.chosen):
                fields[self.select] = [value]
                self.chosen.add(self.select)
            return
        if not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                fields.setdefault(name, [])
                if "checked" in attrs:
                    fields[name].append(attrs.get("value") or "y")
            elif kind not in ("submit", "button", "file"):
                fields[name] = [attrs.get("value") or ""]
        elif tag == "select":
            self.select = name
            fields[name] = []
        elif tag == "textarea":
            self.textarea = name
            fields[name] = [""]
        elif tag == "button" and attrs.get("value") is not None:
            fields.setdefault(name, [attrs["value"]])

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.textarea and self.current:
            self.current[1][self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None


def form_on_page(client, url):
    """The fields of the form that posts to `url`, from its own page or the one above it."""
    path = url
    while path.count("/") > 1:
        response = client.get(path)
        if response.status_code == 200:
            reader = FormReader()
            reader.feed(response.get_data(as_text=True))
            for action, fields in reader.forms:
                if (action or path).split("?")[0] == url:
                    fields.pop("csrf_token", None)
                    # Without its token each example is a first submission (see submissions.py).
                    fields.pop("form_token", None)
                    return {name: values for name, values in fields.items() if values}
        path = path.rsplit("/", 1)[0]
    return {}


@st.composite
def changed(draw, defaults):
    """The form as its page would send it, with a few fields changed, added or left out."""
    data = dict(defaults)
    names = sorted(defaults) + ["form_token", "unexpected"]
    for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
        data[name] = draw(FIELD_VALUE)
    for name in draw(st.lists(st.sampled_from(names), max_size=2, unique=True)):
        data.pop(name, None)
    return data


def form_urls(rule, user_id, most=8):
    """The rule's URLs (English) with the ids of rows that exist (none when there are none)."""
    from .test_injection import ID_QUERIES

    parts, id_names = {"lang": "en"}, []
    for name, converter in rule._converters.items():
        if name == "lang":
            continue
        if getattr(converter, "items", None):
            parts[name] = sorted(converter.items)[-1]
        elif isinstance(converter, IntegerConverter):
            id_names.append(name)
        else:
            parts[name] = PATH_WORDS[name]
    key = tuple(sorted(id_names))
    rows = [()]
    if key:
        assert key in ID_QUERIES, f"teach ID_QUERIES (tests/test_injection.py) the ids of {rule}"
        rows = _db.session.execute(sa.text(ID_QUERIES[key]), {"user_id": user_id}).all()[:most]
    urls = []
    for row in rows:
        parts.update({name: str(value) for name, value in zip(key, row, strict=True)})
        urls.append(
            re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda match: parts[match.group(1)], rule.rule)
        )
    return urls


def row_counts():
    tables = [t for t in _db.metadata.sorted_tables if t.name not in BOOKKEEPING]
    counts = _db.session.execute(
        sa.select(*(sa.select(sa.func.count()).select_from(t).scalar_subquery() for t in tables))
    ).one()
    _db.session.rollback()
    return dict(zip([t.name for t in tables], counts, strict=True))


def fuzz_form(client, url, defaults):
    @settings(
        max_examples=EXAMPLES_PER_FORM,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(data=changed(defaults))
    def send(data):
        before = row_counts()
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)
        body = response.get_data(as_text=True)
        if "flash-error" in body and response.status_code in (200, 400, 422):
            after = row_counts()
            changed_rows = {t: (before[t], after[t]) for t in after if after[t] != before[t]}
            assert not changed_rows, (url, data, changed_rows)

    send()


def test_every_form_in_the_url_map_takes_any_input(app, db, make_user):
    """Every POST route, logged in with a role that may use it (anonymous for public ones), gets
    its own form with fields changed to huge, unicode, NUL, wrong-type, duplicated values or left
    out: never a 500, and a form error stores nothing."""
    from panel.demo import DEMO_PASSWORD, load_demo
    from panel.security import Role

    from .conftest import PASSWORD
    from .test_injection import log_in, lotte

    load_demo()
    staff = make_user(roles=list(Role), locale="en")
    panelist = lotte()

    def who(rule):
        """0: anyone, 1: the panelist, 2: staff (after the panelist: a new privacy statement
        would send the panelist to the consent page), 3: what ends the session or membership."""
        blueprint = app.blueprints.get(rule.endpoint.rpartition(".")[0])
        if rule.endpoint in LAST:
            return 3 + LAST.index(rule.endpoint)
        if getattr(blueprint, "required_roles", None):
            return 2
        return 0 if getattr(app.view_functions[rule.endpoint], "is_public", False) else 1

    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if "POST" in rule.methods),
        key=lambda rule: (who(rule), rule.rule),
    )
    assert len(rules) > 40
    tried = []
    for rule in rules:
        client = app.test_client()
        if who(rule) == 2:
            log_in(client, staff, PASSWORD)
        elif who(rule) > 0:
            log_in(client, panelist, DEMO_PASSWORD)
        # The first record whose page offers this form (a round open for ideas, a session
        # still taking registrations …), else the first record.
        urls = form_urls(rule, panelist.id)
        if not urls:
            continue
        for url in urls:
            defaults = form_on_page(client, url)
            if defaults:
                break
        else:
            url = urls[0]
        tried.append((rule.endpoint, sorted(defaults)))

        fuzz_form(client, url, defaults)
    with_fields = [endpoint for endpoint, names in tried if names]
    assert len(with_fields) > 25, tried

    # And every page, read with odd values in every query parameter the views read.
    from .test_injection import pages

    client = app.test_client()
    log_in(client, staff, PASSWORD)
    with app.test_request_context():
        urls = sorted({url for _endpoint, url in pages(app, list(Role), panelist.id)})
    for number, url in enumerate(urls):
        odd = ODD_QUERIES[number % len(ODD_QUERIES)]
        response = client.get(url, query_string={name: odd for name in QUERY_PARAMETERS})
        assert response.status_code < 500, (url, odd)


# The query parameters views and filter forms read.
QUERY_PARAMETERS = [
    "page",
    "q",
    "sort",
    "next",
    "kind",
    "source",
    "stream",
    "group",
    "segment",
    "status",
    "tag",
    "role",
    "customer_type",
    "age_band",
    "region",
    "inactive",
    "state",
    "language",
    "person",
    "action",
    "since",
    "until",
    # The list of insights and the "Add to insight" picker.
    "by",
    "from",
    "to",
    "open",
    "overdue",
    "item",
    "partial",
]
ODD_QUERIES = ["\x00", "9223372036854775808", "x" * 5000, "𝔘ñí 🙂", "-1", "a:\x00", "[]"]


def test_huge_ids_in_query_strings_and_hidden_fields(client, make_user, login_as):
    """Ids that views read from a query string or a hidden field, not from the path."""
    from panel.security import Role

    login_as(make_user(roles=[Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER]))
    for value in HUGE_IDS:
        response = client.get("/en/insights/new", query_string={"kind": "idea", "source": value})
        assert response.status_code in (200, 404), value
        assert client.get("/en/insights/inbox", query_string={"stream": value}).status_code == 200
        response = client.post(
            "/en/insights/evidence", data={"insight_id": "1", "kind": "idea", "source": value}
        )
        assert response.status_code == 302, value
        response = client.post("/en/insights/inbox/acknowledge", data={"route": [value, "1"]})
        assert response.status_code == 302, value
        assert client.post("/en/insights/1/routes", data={"stream_id": value}).status_code == 404
        for path in ("dismiss", "undo", "bulk"):
            response = client.post(
                f"/en/insights/triage/{path}",
                data={"item": [f"response:{value}", f"{value}:1"], "action": "dismiss"},
            )
            assert response.status_code == 302, (path, value)
        response = client.get("/en/insights/triage", query_string={"source": f"release:{value}"})
        assert response.status_code == 200, value
        response = client.get("/en/insights/pick", query_string={"item": f"response:{value}"})
        assert response.status_code == 404, value
        response = client.post(
            "/en/insights/evidence", data={"insight_id": value, "item": "response:1"}
        )
        assert response.status_code in (302, 404), value
        response = client.post("/en/insights/1/merge", data={"kept_id": value})
        assert response.status_code in (200, 302, 404), value
        response = client.post(
            "/en/insights/1/close", data={"kind": "duplicate", "duplicate_of": value}
        )
        assert response.status_code in (200, 302, 404), value


def test_a_form_without_one_of_its_fields_is_a_form_error(client, make_user, login_as):
    """Found by the fuzzing: a release edited without its opening time compared the stored
    (aware) time with the typed (naive) closing time."""
    from datetime import date

    from panel.database import utcnow
    from panel.feedback.models import Release
    from panel.security import Role

    now = utcnow()
    release = Release(version="1.0", month=date.today(), opens_at=now, closes_at=now)
    _db.session.add(release)
    _db.session.commit()
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    response = client.post(
        f"/en/results/releases/{release.id}/edit",
        data={"version": "1.1", "month": "2026-11-01", "closes_at": "2026-12-06T08:00"},
    )
    assert response.status_code == 200
    assert "flash-error" in response.get_data(as_text=True)
    _db.session.refresh(release)
    assert release.version == "1.0"


def test_a_stored_time_is_the_local_time_its_field_shows(app):
    """A date-time field holds Amsterdam time, also when its value comes from the stored (UTC)
    object because the field was not sent: found by the fuzzing on the session form."""
    from datetime import UTC, datetime
    from types import SimpleNamespace

    from wtforms import DateTimeLocalField

    from panel.forms import BaseForm

    class When(BaseForm):
        class Meta:
            csrf = False

        starts_at = DateTimeLocalField(format="%Y-%m-%dT%H:%M")
        ends_at = DateTimeLocalField(format="%Y-%m-%dT%H:%M")

    stored = SimpleNamespace(
        starts_at=datetime(2026, 7, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    )
    with app.test_request_context("/en/", method="POST", data={"ends_at": "2026-12-01T10:00"}):
        form = When(obj=stored)
        assert form.starts_at.data == datetime(2026, 7, 1, 10, 0)  # summer time
        assert form.ends_at.data == datetime(2026, 12, 1, 10, 0)  # as typed
        assert form.ends_at.data > form.starts_at.data


def test_nul_in_a_hidden_field_is_dropped_not_refused(client, make_user):
    """Nobody typed a hidden field, so nobody could correct it: a login link with next=%00
    still logs in (clean_text drops the NUL)."""
    user = make_user()
    page = client.get("/en/login", query_string={"next": "/en/me\x00"})
    assert page.status_code == 200
    response = client.post(
        "/en/login",
        data={"email": user.email, "password": "a calm walk by the sea", "next": "/en/me\x00"},
    )
    assert response.status_code == 302


def test_a_claimed_token_skips_validation_only_for_its_own_form(app, db):
    """Found by the fuzzing: a form token claimed by one form (sending an idea) was accepted by
    every other form as 'sent before', which skips validation, so an empty stage reached the
    service (500). A token now names its form's class."""
    from wtforms import StringField
    from wtforms.validators import DataRequired

    from panel.forms import BaseForm
    from panel.submissions import claim_submission

    class Creates(BaseForm):
        class Meta:
            csrf = False

        title = StringField(validators=[DataRequired()])

    class Edits(BaseForm):
        class Meta:
            csrf = False

        stage = StringField(validators=[DataRequired()])

    with app.test_request_context("/en/"):
        token = Creates().form_token.data
    with app.test_request_context("/en/", method="POST", data={"title": "x", "form_token": token}):
        form = Creates()
        assert form.validate() and claim_submission(form)
        db.session.commit()
    with app.test_request_context("/en/", method="POST", data={"form_token": token}):
        assert Creates().validate()  # the same form again: answered as the first one was
        assert not Edits().validate()  # another form with that token: checked as always


def test_the_form_reader_fills_selects_as_a_browser_would():
    """An <option> has no name: the reader gives its select the selected option, else the first
    one with a value (not the empty placeholder), so required selects arrive valid."""
    reader = FormReader()
    reader.feed(
        '<form method="post" action="/x"><select name="stream">'
        '<option value="">Choose …</option><option value="app">App</option>'
        '<option value="web">Web</option></select>'
        '<select name="kind"><option value="a">A</option>'
        '<option value="b" selected>B</option></select></form>'
    )
    assert reader.forms == [("/x", {"stream": ["app"], "kind": ["b"]})]
