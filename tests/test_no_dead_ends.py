"""No dead ends for staff: every same-site link reachable from a staff member's navigation opens.

Each staff role logs in to the demo installation and follows the links of the pages it reaches
(GET only, in its own language, a few pages of each kind), asserting that none answers 403
("not for you"), 404 or an error. An administrator in particular never meets a 403 from a link on
their own pages (issue 16).
"""

import re
from collections import deque
from urllib.parse import urljoin, urlsplit

import pytest

from panel.accounts.models import User
from panel.demo import load_demo
from panel.demo.accounts import DEMO_PASSWORD
from panel.extensions import db as _db

from .conftest import TOTP_SECRET, empty_all_tables, two_factor_code

HREF = re.compile(r'href="([^"#]*)(?:#[^"]*)?"')
# Pages of one kind (the same address with other numbers or filters) are visited this often.
PER_KIND = 2
MAX_PAGES = 160
# Not pages: files and the way out.
SKIP = re.compile(r"^/static/|\.(csv|xlsx|ics|png|svg|js|css)(\?|$)|/logout")


@pytest.fixture(scope="module")
def demo(app):
    """The demo once for all roles; the tables are empty again afterwards."""
    with app.app_context():
        load_demo()
        admin = User.query.filter_by(email="admin@klantenteam.example").one()
        admin.totp_secret = TOTP_SECRET  # tests require an administrator's second factor
        _db.session.commit()
        try:
            yield
        finally:
            _db.session.remove()
            empty_all_tables()


@pytest.fixture
def db(app, demo):
    """This module keeps the demo between tests (conftest's db empties every table)."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()


def kind_of(path):
    """/nl/insights/12?page=2 → /nl/insights/#?page: one kind of page."""
    parts = urlsplit(path)
    keys = ",".join(sorted(key.split("=")[0] for key in parts.query.split("&") if key))
    return re.sub(r"/\d+", "/#", parts.path) + ("?" + keys if keys else "")


def crawl(client, start, lang):
    seen, kinds, refused = {start}, {}, []
    queue = deque([(start, "(navigation)")])
    visited = 0
    while queue and visited < MAX_PAGES:
        path, found_on = queue.popleft()
        response = client.get(path)
        visited += 1
        if response.status_code in (403, 404) or response.status_code >= 500:
            refused.append((response.status_code, path, found_on))
            continue
        if response.status_code in (
            301,
            302,
            303,
            307,
            308,
        ):  # a page that sends on (the reviewer's insights → inbox)
            hrefs = [response.location]
        elif response.status_code != 200 or "text/html" not in response.content_type:
            continue
        else:
            hrefs = [href.replace("&amp;", "&") for href in HREF.findall(response.text)]
        for href in hrefs:
            target = urljoin(path, href)
            parts = urlsplit(target)
            if parts.scheme or parts.netloc or not parts.path.startswith(f"/{lang}/"):
                continue  # elsewhere, or the other language (the language switch)
            if SKIP.search(target) or target in seen:
                continue
            kind = kind_of(target)
            if kinds.get(kind, 0) >= PER_KIND:
                continue
            kinds[kind] = kinds.get(kind, 0) + 1
            seen.add(target)
            queue.append((target, path))
    return visited, refused, seen


@pytest.mark.parametrize(
    "email, lang",
    [
        ("admin@klantenteam.example", "nl"),
        ("admin@klantenteam.example", "en"),
        ("manager@klantenteam.example", "nl"),
        ("eigenaar@klantenteam.example", "nl"),
        ("owner@klantenteam.example", "en"),
        ("reviewer@klantenteam.example", "nl"),
    ],
)
def test_no_link_on_a_staff_members_pages_is_a_dead_end(app, db, email, lang):
    user = User.query.filter_by(email=email).one()
    client = app.test_client()
    response = client.post("/en/login", data={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    if user.totp_secret:
        response = client.post("/en/login/code", data={"totp-code": two_factor_code(user)})
        assert response.status_code == 302
    start = urlsplit(client.get(f"/{lang}/").location or f"/{lang}/").path or f"/{lang}/"
    if not start.startswith(f"/{lang}/"):
        start = f"/{lang}/"
    visited, refused, seen = crawl(client, start, lang)
    assert visited > 15, "the crawl should reach the staff member's pages"
    lines = [f"{code} {path} (linked from {on})" for code, path, on in refused]
    assert refused == [], "\n".join(lines)
    if email.startswith("admin"):
        for page in (
            "insights/setup/streams",
            "insights/setup/rules",
            "manage/quotas",
            "manage/settings",
            "admin/audit",
        ):
            assert f"/{lang}/{page}" in seen, page
