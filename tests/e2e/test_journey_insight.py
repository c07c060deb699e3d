"""Journey 4: a product owner makes an insight from a panelist's reaction; a rule routes it to
the billing stream; a reviewer answers it; the panelist sees the answer under "My contributions"."""

import re

import pytest

from . import seed
from .conftest import log_in

ANSWER = {"nl": "We maken de rekening eenvoudiger", "en": "We are making the bill simpler"}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_insight_from_comment_to_answer_to_panelist(live, new_page, lang):
    panelist_email, member_id = live.run(seed.panelist, locale=lang)
    reviewer_email = live.run(seed.feedback_reviewer_setup)
    owner_email, round_id, idea_id, comment_id = live.run(
        seed.round_with_comment, member_id, "De rekening is veel te lang"
    )
    owner = new_page()
    log_in(owner, live, lang, owner_email)
    owner.goto(f"{live.url}/{lang}/owner/rounds/{round_id}/ideas/{idea_id}")
    owner.click(f"a[href$='/insights/new?item=comment:{comment_id}']")  # Make insight
    # The title in both languages: panelists read it in their own.
    owner.fill("#title_nl", f"De rekening is te lang {lang}")
    owner.fill("#title_en", f"The bill is too long (rekening) {lang}")
    owner.click("main form button[type=submit]")
    insight_id = int(re.search(r"/insights/(\d+)$", owner.url).group(1))
    assert "De rekening is veel te lang" in owner.content()

    reviewer = new_page()
    log_in(reviewer, live, lang, reviewer_email)
    assert reviewer.url.endswith(f"/{lang}/insights/inbox")
    title = {"nl": "De rekening is te lang", "en": "The bill is too long (rekening)"}[lang]
    reviewer.click(f"main a:has-text('{title} {lang}')")
    assert "De rekening is veel te lang" in reviewer.content()
    reviewer.fill("#answer_nl", ANSWER["nl"])
    reviewer.fill("#answer_en", ANSWER["en"])
    reviewer.click("form:has(input[value=answer]) button[type=submit]")

    member = new_page()
    log_in(member, live, lang, panelist_email)
    member.goto(f"{live.url}/{lang}/me/contributions")
    content = member.content()
    assert "De rekening is veel te lang" in content and ANSWER[lang] in content
    assert insight_id
