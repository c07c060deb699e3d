"""Journey 1: a customer finds the home page, joins, confirms by e-mail, sees their dashboard,
changes their language, downloads their data, pauses and resumes — in Dutch and in English,
with and without JavaScript."""

import json
import re
from datetime import date, timedelta

import pytest

from .conftest import assert_no_sideways_scroll, log_in
from .seed import PASSWORD, unique_email

JOIN = {"nl": "Meld je aan voor het klantenteam", "en": "Join the panel"}
WELCOME = {"nl": "Welkom in het klantenteam!", "en": "Welcome to the panel!"}
GREETING = {"nl": "Hoi Jamie!", "en": "Hi Jamie!"}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_join_confirm_dashboard_language_export_pause(live, mailbox, new_page, lang, javascript):
    handler, _ = mailbox
    page = new_page(javascript=javascript)
    email = unique_email("joiner")
    page.goto(f"{live.url}/")
    assert page.locator("html").get_attribute("lang") in ("nl", "en")
    page.goto(f"{live.url}/{lang}/")
    page.get_by_role("link", name=JOIN[lang]).first.click()
    page.fill("#name", "Jamie Jansen")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.check(f"#locale-{0 if lang == 'nl' else 1}")
    page.fill("#birth_year", "1990")
    page.fill("#postcode", "3511 AB")
    page.check("#customer_type-1")  # subscription
    page.check("#platform-1")  # Android
    page.check("#app_usage-1")  # every week
    page.check("#interests-1")  # the app
    page.check("#attends_online")
    page.check("#consent_participation")
    page.click("main form button[type=submit]")
    assert re.search(r"/join/sent$", page.url)

    link = live.last_link(handler, email, r"http://127\.0\.0\.1:\d+/\w\w/join/confirm/\S+")
    page.goto(link)
    page.click("main form button[type=submit]")
    assert WELCOME[lang] in page.content()

    log_in(page, live, lang, email)
    assert page.url.endswith(f"/{lang}/me")
    assert GREETING[lang] in page.content()
    assert_no_sideways_scroll(page)

    other = "en" if lang == "nl" else "nl"
    page.click(f"form.language-switcher button[value={other}]")
    assert page.url.endswith(f"/{other}/me")
    assert page.locator("html").get_attribute("lang") == other
    # The saved (e-mail) language changes only when they say so: here they keep theirs.
    page.click(".language-question button[value=no]")
    assert page.url.endswith(f"/{other}/me") and page.locator(".language-question").count() == 0
    page.click(f"form.language-switcher button[value={lang}]")

    with page.expect_download() as download:
        page.click(f"a[href='/{lang}/me/export']")
    data = json.loads(open(download.value.path(), encoding="utf-8").read())
    account, membership = list(data.values())[1:3]  # after "About this file", in their language
    assert email in account.values() and "3511" in membership.values()

    page.click(f"a[href='/{lang}/me/pause']")
    page.fill("#until", (date.today() + timedelta(days=14)).isoformat())
    page.click("main form button[type=submit]")
    assert page.locator(".status-paused").count() == 1
    page.click("form[action$='/me/resume'] button")
    assert page.locator(".status-active").count() == 1
