"""Every main page in both languages: no serious or critical axe-core findings, and no sideways
scrolling on a 375-px phone. The pages are those of the demo installation, for every role."""

import pytest

from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in, serious_accessibility_violations

PUBLIC = ["/", "/join", "/login", "/privacy", "/password/forgot"]
MEMBER = [
    "/me",
    "/me/profile",
    "/me/pause",
    "/rounds",
    "/feedback",
    "/notifications",
    "/me/contributions",
]
STAFF = [
    "/owner/rounds",
    "/owner/rounds/new",
    "/results/",
    "/results/releases/new",
    "/insights/",
    "/insights/inbox",
    "/insights/streams",
    "/manage/health",
    "/manage/members",
    "/manage/quotas",
    "/insights/setup/rules",
    "/admin/users",
    "/admin/audit",
]


@pytest.fixture(scope="module")
def accounts(live):
    member_email, _ = live.run(seed.panelist)
    staff_email = live.run(
        seed.staff, [Role.ADMIN, Role.PANEL_MANAGER, Role.PRODUCT_OWNER, Role.REVIEWER]
    )
    return member_email, staff_email


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_main_pages_have_no_serious_accessibility_problems(live, new_page, accounts, lang):
    member_email, staff_email = accounts
    problems = {}
    for who, paths in ((None, PUBLIC), (member_email, MEMBER), (staff_email, STAFF)):
        page = new_page(inject_scripts=True)
        if who:
            log_in(page, live, lang, who)
        for path in paths:
            page.goto(f"{live.url}/{lang}{path}")
            assert page.locator("html").get_attribute("lang") == lang, path
            found = serious_accessibility_violations(page)
            if found:
                problems[path] = found
    assert problems == {}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_sideways_scrolling_on_a_phone(live, new_page, accounts, lang):
    member_email, staff_email = accounts
    for who, paths in ((None, PUBLIC), (member_email, MEMBER), (staff_email, STAFF)):
        page = new_page(width=375)
        if who:
            log_in(page, live, lang, who)
        for path in paths:
            page.goto(f"{live.url}/{lang}{path}")
            assert_no_sideways_scroll(page)


def test_join_form_with_the_keyboard_only(live, new_page):
    page = new_page()
    page.goto(f"{live.url}/en/join")
    page.focus("#name")
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type(seed.unique_email("keys"))
    page.keyboard.press("Tab")
    page.keyboard.type("a calm walk by the sea")
    page.keyboard.press("Tab")  # language: the first radio of the group
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.type("1991")
    page.keyboard.press("Tab")
    page.keyboard.type("3511")
    for _ in range(3):  # customer type, years, phone, app use: radio groups
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.focus("#consent_participation")
    page.keyboard.press("Space")
    focus_is_visible = (
        page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    )
    assert focus_is_visible
    page.focus("main form button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/en/join/sent"), page.url


@pytest.mark.parametrize("width", [1280, 375])
def test_the_language_question_is_accessible_and_fits_a_phone(live, new_page, accounts, width):
    """After the header's switch a logged-in member is asked about their e-mail language."""
    member_email, _ = accounts  # saved language: English
    page = new_page(width=width, inject_scripts=True)
    log_in(page, live, "en", member_email)
    page.click("form.language-switcher button[value=nl]")
    page.locator(".language-question").wait_for()
    assert page.url.endswith("/nl/me")
    assert serious_accessibility_violations(page) == []
    assert_no_sideways_scroll(page)
