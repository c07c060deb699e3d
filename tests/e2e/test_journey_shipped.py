"""Journey 6 (issue 17, "You asked, it shipped"): a product owner opens a change's linking page
from the release editor, links an insight by its number and publishes the release; the panelist
whose reaction is evidence of the insight is told in their language (a notification and one
mail), sees "You asked for this" beside the change on the feedback form and the change under My
contributions; a panelist who asked for nothing sees none of it."""

import pytest

from . import seed
from .conftest import log_in

CHANGES = [
    {
        "title_nl": "Verbruik per dag",
        "title_en": "Usage per day",
        "description_nl": "Zie je verbruik per dag",
        "description_en": "See your usage per day",
    },
    {
        "title_nl": "Donkere modus",
        "title_en": "Dark mode",
        "description_nl": "Rustig voor je ogen",
        "description_en": "Easy on your eyes",
    },
]
VERSION = {"nl": "17.1", "en": "17.2"}
# The notification: "You asked for this: ‘Usage per day’ is in version 17.2" (translated apart).
TOLD = {
    "nl": "Je vroeg erom: ‘Verbruik per dag’ zit in versie 17.1",
    "en": "You asked for this: ‘Usage per day’ is in version 17.2",
}
MARK = {"nl": "Je vroeg hierom", "en": "You asked for this"}
SECTION = {"nl": "Waar je om vroeg, nu in de app", "en": "What you asked for that shipped"}
SHIPPED = {
    "nl": "‘Verbruik per dag’ zit in versie 17.1",
    "en": "‘Usage per day’ is in version 17.2",
}
THROUGH_INSIGHT = {
    "nl": "Je inbreng, via een inzicht",
    "en": "What you told us, through an insight",
}
LINKED = {"nl": "Gekoppeld: ", "en": "Linked: "}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_linked_insight_tells_exactly_the_panelist_who_asked(live, new_page, lang):
    asker_email, asker_id = live.run(seed.panelist, locale=lang)
    other_email, _other_id = live.run(seed.panelist, locale=lang)
    owner_email, _round, _idea, comment_id = live.run(
        seed.round_with_comment, asker_id, f"Ik wil mijn verbruik per dag zien {lang}"
    )
    insight_id = live.run(
        seed.insight_of_comment,
        owner_email,
        comment_id,
        f"Verbruik per dag tonen {lang}",
        f"Show usage per day {lang}",
    )
    release_id, (usage_id, _dark_id) = live.run(
        seed.draft_release, owner_email, VERSION[lang], CHANGES
    )

    owner = new_page()
    log_in(owner, live, lang, owner_email)
    # From the release editor to the change's linking page; the insight linked by its number.
    owner.goto(f"{live.url}/{lang}/results/releases/{release_id}/edit")
    owner.click(f"main a[href$='/shipped/changes/{usage_id}']")
    assert owner.url.endswith(f"/{lang}/shipped/changes/{usage_id}")
    by_number = owner.locator(f"form.inline-form[action$='/shipped/changes/{usage_id}/link']")
    by_number.locator("input[name=kind][value=insight]").check()
    by_number.locator("#number").fill(str(insight_id))
    by_number.locator("button[type=submit]").click()
    assert owner.url.endswith(f"/{lang}/shipped/changes/{usage_id}")
    title = {"nl": "Verbruik per dag tonen", "en": "Show usage per day"}[lang]
    assert f"{LINKED[lang]}{title} {lang}" in owner.inner_text("main")
    linked = owner.inner_text("main section[aria-labelledby=linked-insights]")
    assert f"{title} {lang}" in linked and f"#{insight_id}" in linked
    # The release page (the editor's "Save" lands there) publishes it.
    owner.goto(f"{live.url}/{lang}/results/releases/{release_id}")
    owner.click(f"form[action$='/releases/{release_id}/publish'] button")
    assert owner.url.endswith(f"/{lang}/results/releases/{release_id}")
    assert live.run(seed.outbox_locales, asker_email, "asked_shipped") == [lang]
    assert live.run(seed.outbox_locales, other_email, "asked_shipped") == []

    asker = new_page()
    log_in(asker, live, lang, asker_email)
    asker.goto(f"{live.url}/{lang}/notifications")
    assert TOLD[lang] in asker.inner_text(".notification-list")
    asker.goto(f"{live.url}/{lang}/feedback/{release_id}")
    usage = asker.locator("fieldset.change-rating").filter(has_text=CHANGES[0][f"title_{lang}"])
    assert usage.locator("legend .tag").inner_text() == MARK[lang]
    dark = asker.locator("fieldset.change-rating").filter(has_text=CHANGES[1][f"title_{lang}"])
    assert dark.locator("legend .tag").count() == 0  # only the change that answers the insight
    asker.goto(f"{live.url}/{lang}/me/contributions")
    section = asker.locator("section[aria-labelledby=asked-shipped-heading]")
    assert section.locator("h2").inner_text() == SECTION[lang]
    shipped = section.inner_text()
    assert SHIPPED[lang] in shipped and THROUGH_INSIGHT[lang] in shipped

    other = new_page()
    log_in(other, live, lang, other_email)
    other.goto(f"{live.url}/{lang}/notifications")
    assert TOLD[lang].split(":")[0] not in other.inner_text("main")
    other.goto(f"{live.url}/{lang}/feedback/{release_id}")
    assert other.locator("fieldset.change-rating").count() == 2  # the form, without marks
    assert other.locator("fieldset.change-rating legend .tag").count() == 0
    other.goto(f"{live.url}/{lang}/me/contributions")
    assert other.url.endswith(f"/{lang}/me/contributions")
    assert other.locator("#asked-shipped-heading").count() == 0
    assert SECTION[lang] not in other.content()
