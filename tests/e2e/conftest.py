"""Browser tests: the app served for real on 127.0.0.1, e-mail caught by a real SMTP server,
Debian's Chromium driven by Playwright. Without Chromium they skip with a clear message."""

import os
import re
import threading

import pytest
from werkzeug.serving import make_server

from panel import create_app
from panel.config import PROJECT_ROOT, TestConfig
from panel.extensions import db as _db

from ..conftest import RecordingHandler, free_port, mail_body, vars_of

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = os.path.join(PROJECT_ROOT, "node_modules", "axe-core", "axe.min.js")
PASSWORD = "a calm walk by the sea"

if os.environ.get("PANEL_TEST_DATABASE_URL"):
    pytest.skip("browser tests run once, in the SQLite pass of the suite", allow_module_level=True)
if not os.path.exists(CHROMIUM):
    pytest.skip(
        "browser tests need Debian's Chromium at /usr/bin/chromium "
        "(apt-get install chromium; .ci/run installs it)",
        allow_module_level=True,
    )


@pytest.fixture(scope="session")
def mailbox():
    from aiosmtpd.controller import Controller

    handler = RecordingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


class LiveServer:
    def __init__(self, app, url):
        self.app, self.url = app, url

    def run(self, function, *args, **kwargs):
        """Run `function` inside the served app's context and commit (seeding, checks)."""
        with self.app.app_context():
            result = function(*args, **kwargs)
            _db.session.commit()
            return result

    def last_link(self, mailbox, address, pattern):
        """Deliver the outbox over SMTP; the newest link to `address` that matches `pattern`."""
        from panel.mail import deliver_outbox

        self.run(deliver_outbox)
        for envelope in reversed(mailbox.messages):
            if address in envelope.rcpt_tos:
                match = re.search(pattern, mail_body(envelope))
                if match:
                    return match.group(0)
        raise AssertionError(f"no mail to {address} with {pattern}")


@pytest.fixture(scope="session")
def live(tmp_path_factory, mailbox):
    handler, smtp_port = mailbox
    port = free_port()
    database = tmp_path_factory.mktemp("e2e") / "e2e.sqlite3"
    config = dict(
        vars_of(TestConfig),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}",
        SERVER_NAME=None,
        WTF_CSRF_ENABLED=True,
        BASE_URL=f"http://127.0.0.1:{port}",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp_port,
        PROPAGATE_EXCEPTIONS=False,
        # The journeys log administrators in with their password only (a development run's
        # setting); two-factor login itself is tested in tests/accounts/test_two_factor.py.
        ADMIN_TWO_FACTOR_REQUIRED=False,
    )
    app = create_app(config)
    with app.app_context():
        _db.create_all()
        from panel.insights.models import seed_default_streams

        seed_default_streams()
        _db.session.commit()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{port}")
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def new_page(browser):
    """new_page(width=…, javascript=…) for a second person or another kind of device."""
    contexts = []

    def make(width=1280, javascript=True, inject_scripts=False):
        # inject_scripts: lets axe-core be added to the page despite the app's strict CSP.
        context = browser.new_context(
            viewport={"width": width, "height": 900},
            java_script_enabled=javascript,
            bypass_csp=inject_scripts,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def log_in(page, live, lang, email, password=PASSWORD):
    page.goto(f"{live.url}/{lang}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("main form[action$='/login'] button[type=submit]")


def assert_no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], (
        page.url
    )


def serious_accessibility_violations(page):
    """axe-core's serious and critical findings on the current page."""
    if not os.path.exists(AXE):
        pytest.skip("axe-core is not installed (make test installs it with npm)")
    page.add_script_tag(path=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
