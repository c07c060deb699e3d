"""The insight workbench in Chromium, nl and en: the picker's results follow the typing (with
JavaScript) and its plain GET search works without; a contribution is added and the browser
comes back; the picker, edit, merge and close pages have no serious axe-core findings and no
sideways scrolling at 375 px."""

import pytest
from playwright.sync_api import expect

from panel.extensions import db
from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in, serious_accessibility_violations


def two_insights_and_a_reaction(member_id, lang):
    from panel.accounts.services import find_user_by_email
    from panel.insights import services

    owner_email, round_id, idea_id, comment_id = seed.round_with_comment(
        member_id, "De rekening komt veel te laat binnen"
    )
    owner = find_user_by_email(owner_email)
    first = services.create_insight(f"Rekening te laat {lang}", "", "", [], owner)
    second = services.create_insight(f"Batterij leeg {lang}", "", "", [], owner)
    db.session.flush()
    return owner_email, round_id, idea_id, comment_id, first.id, second.id


def evidence_of(insight_id):
    from panel.insights.models import Evidence

    return [(e.kind, e.source_id) for e in Evidence.query.filter_by(insight_id=insight_id)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pick_as_you_type_and_add(live, new_page, lang):
    _email, member_id = live.run(seed.panelist, locale=lang)
    owner_email, round_id, idea_id, comment_id, first, second = live.run(
        two_insights_and_a_reaction, member_id, lang
    )
    owner = new_page()
    log_in(owner, live, lang, owner_email)
    idea_page = f"{live.url}/{lang}/owner/rounds/{round_id}/ideas/{idea_id}"
    owner.goto(idea_page)
    owner.click(f"a[href*='/insights/pick?item=comment:{comment_id}']")
    # The reaction's words suggest the first insight.
    assert f"Rekening te laat {lang}" in owner.inner_text("#pick-results section:first-child")
    owner.fill("#pick-q", "batterij")
    # Without pressing Search: the results follow the typing.
    expect(owner.locator("#pick-results")).not_to_contain_text("Rekening te laat", timeout=15_000)
    assert "q=" not in owner.url
    owner.click(f"#pick-results form:has(input[name=insight_id][value='{second}']) button")
    assert owner.url == idea_page
    assert live.run(evidence_of, second) == [("comment", comment_id)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_pick_without_javascript(live, new_page, lang):
    _email, member_id = live.run(seed.panelist, locale=lang)
    owner_email, _round_id, _idea_id, comment_id, first, _second = live.run(
        two_insights_and_a_reaction, member_id, lang
    )
    owner = new_page(javascript=False)
    log_in(owner, live, lang, owner_email)
    url = f"{live.url}/{lang}/insights/pick?item=comment:{comment_id}&next=/{lang}/insights/"
    owner.goto(url)
    owner.fill("#pick-q", f"te laat {lang}")
    owner.click("form[data-pick-search] button[type=submit]")
    assert "q=te+laat" in owner.url
    owner.click(f"#pick-results form:has(input[name=insight_id][value='{first}']) button")
    assert owner.url == f"{live.url}/{lang}/insights/"
    assert live.run(evidence_of, first) == [("comment", comment_id)]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_workbench_pages_are_accessible_and_fit_a_phone(live, new_page, lang):
    _email, member_id = live.run(seed.panelist, locale=lang)
    owner_email, _round_id, _idea_id, comment_id, first, _second = live.run(
        two_insights_and_a_reaction, member_id, lang
    )
    staff_email = live.run(seed.staff, [Role.PRODUCT_OWNER])
    paths = [
        f"/insights/pick?item=comment:{comment_id}",
        f"/insights/new?item=comment:{comment_id}",
        f"/insights/{first}/edit",
        f"/insights/{first}/merge?q=batterij",
        f"/insights/{first}/close",
        "/insights/?state=all&open=1",
    ]
    page = new_page(inject_scripts=True)
    log_in(page, live, lang, staff_email)
    phone = new_page(width=375)
    log_in(phone, live, lang, staff_email)
    for path in paths:
        page.goto(f"{live.url}/{lang}{path}")
        assert serious_accessibility_violations(page) == [], path
        phone.goto(f"{live.url}/{lang}{path}")
        assert_no_sideways_scroll(phone)
    assert owner_email
