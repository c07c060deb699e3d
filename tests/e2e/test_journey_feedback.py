"""Journey 3: a product owner publishes a release; panelists answer the feedback form (one on a
375-px phone, one without JavaScript, one with the keyboard only); the results show NPS and trend.
Journey 5: a member leaves the panel, can no longer log in, and their feedback still counts."""

import re
from datetime import datetime, timedelta

import pytest

from panel.forms import AMSTERDAM
from panel.security import Role

from . import seed
from .conftest import PASSWORD, assert_no_sideways_scroll, log_in

NPS_HEADING = {"nl": "NPS-trend", "en": "NPS trend"}


def publish_release(live, owner, lang, version):
    owner.goto(f"{live.url}/{lang}/results/releases/new")
    owner.fill("#version", version)
    # The form proposes today 09:00 (Amsterdam): still ahead between midnight and nine. The journey
    # needs a window that is open now, so the owner sets one that opened an hour ago.
    opens = datetime.now(AMSTERDAM).replace(tzinfo=None, second=0, microsecond=0) - timedelta(
        hours=1
    )
    owner.fill("#month", opens.strftime("%Y-%m-%d"))
    owner.fill("#opens_at", opens.strftime("%Y-%m-%dT%H:%M"))
    owner.fill("#closes_at", (opens + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M"))
    owner.fill("#changes-0-title_nl", "Donkere modus")
    owner.fill("#changes-0-title_en", "Dark mode")
    owner.fill("#changes-0-description_nl", "Rustig voor je ogen")
    owner.fill("#changes-0-description_en", "Easy on your eyes")
    owner.click("main form button[type=submit]")
    release_id = int(re.search(r"/releases/(\d+)$", owner.url).group(1))
    owner.click(f"form[action$='/releases/{release_id}/publish'] button")
    return release_id


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_release_feedback_and_results(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    members = [live.run(seed.panelist, locale=lang) for _ in range(3)]
    owner = new_page()
    log_in(owner, live, lang, owner_email)
    release_id = publish_release(live, owner, lang, f"9.{0 if lang == 'nl' else 1}")

    phone = new_page(width=375)
    log_in(phone, live, lang, members[0][0])
    phone.goto(f"{live.url}/{lang}/feedback/{release_id}")
    assert_no_sideways_scroll(phone)
    phone.check("#score-10")
    phone.check("input[name^=change_][value='5']")  # "5" for the change
    phone.fill("#improve_text", "Graag een widget")
    phone.click("main form button[type=submit]")
    assert phone.url.endswith(f"/{lang}/feedback")

    no_js = new_page(javascript=False)
    log_in(no_js, live, lang, members[1][0])
    no_js.goto(f"{live.url}/{lang}/feedback/{release_id}")
    no_js.check("#score-3")
    no_js.click("main form button[type=submit]")

    keyboard = new_page()
    log_in(keyboard, live, lang, members[2][0])
    keyboard.goto(f"{live.url}/{lang}/feedback/{release_id}")
    keyboard.focus("#score-0")
    for _ in range(8):
        keyboard.keyboard.press("ArrowRight")  # to 8 (radios move with the arrows)
    keyboard.focus("#improve_text")
    keyboard.keyboard.type("Fine as it is")
    keyboard.keyboard.press("Tab")  # the problem report's summary
    keyboard.keyboard.press("Tab")  # the send button
    assert keyboard.evaluate("document.activeElement.type") == "submit"
    with keyboard.expect_navigation():
        keyboard.keyboard.press("Enter")
    assert keyboard.url.endswith(f"/{lang}/feedback")

    owner.goto(f"{live.url}/{lang}/results/releases/{release_id}")
    content = owner.content()
    # 10, 3 and 8: one promoter, one detractor, one passive → NPS 0 from 3 responses.
    assert re.search(r'class="stat-value">3<', content) and 'class="stat-value">0<' in content
    # The owner follows the release page's link into triage and reads what the panelists wrote.
    owner.click(".comment-groups + p a")
    assert "/insights/triage?source=release" in owner.url
    comments = owner.inner_text(".triage-list")
    assert "Graag een widget" in comments and "Fine as it is" in comments
    owner.goto(f"{live.url}/{lang}/results/")
    assert NPS_HEADING[lang] in owner.content() and "<svg" in owner.content()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_leaving_erases_the_member_but_not_their_score(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    email, _ = live.run(seed.panelist, locale=lang)
    owner = new_page()
    log_in(owner, live, lang, owner_email)
    release_id = publish_release(live, owner, lang, f"8.{0 if lang == 'nl' else 1}")
    member = new_page()
    log_in(member, live, lang, email)
    member.goto(f"{live.url}/{lang}/feedback/{release_id}")
    member.check("#score-9")
    member.click("main form button[type=submit]")

    member.goto(f"{live.url}/{lang}/me/leave")
    member.check("#reason-2")
    member.check("#confirm")
    member.click("main form button[type=submit]")
    assert member.url.endswith(f"/{lang}/goodbye")
    log_in(member, live, lang, email, PASSWORD)
    assert "/login" in member.url  # refused

    owner.goto(f"{live.url}/{lang}/results/releases/{release_id}")
    content = owner.content()
    assert 'class="stat-value">1<' in content and 'class="stat-value">+100<' in content
