"""A release's comments in Chromium without JavaScript: the product owner chooses an insight once
above the list and presses the button beside one comment; that comment (and no other) is added,
and the browser comes back to the same filtered page of comments."""

import pytest
from sqlalchemy import insert

from panel.database import utcnow
from panel.extensions import db
from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in, serious_accessibility_violations


def release_with_comments(lang, version):
    """A closed, published release with three comments and an insight; (release id, ids)."""
    from datetime import timedelta

    from panel.feedback.models import Release, Response
    from panel.insights.models import Insight

    now = utcnow()
    release = Release(
        version=version,
        month=now.date().replace(day=1),
        opens_at=now - timedelta(days=20),
        closes_at=now - timedelta(days=10),
        published_at=now - timedelta(days=21),
        audience="all",
    )
    db.session.add(release)
    db.session.add(Insight(title_nl="Accu", title_en="Battery"))
    db.session.flush()
    ids = []
    for k, words in enumerate(["Mijn accu is snel leeg", "Graag donkere modus", "Te traag"]):
        _email, member_id = seed.panelist(locale=lang)
        ids.append(
            db.session.execute(
                insert(Response).returning(Response.id),
                {
                    "release_id": release.id,
                    "member_id": member_id,
                    "score": 3,
                    "improve_text": words,
                    "updated_at": now - timedelta(hours=3 - k),
                },
            ).scalar_one()
        )
    return release.id, ids


def evidence_of_release(release_id):
    from panel.feedback.models import Response
    from panel.insights.models import Evidence

    return sorted(
        e.source_id
        for e in Evidence.query.filter_by(kind="response")
        if db.session.get(Response, e.source_id).release_id == release_id
    )


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_add_one_comment_to_the_chosen_insight_without_javascript(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    release_id, ids = live.run(release_with_comments, lang, f"31.{lang}")
    owner = new_page(javascript=False)
    log_in(owner, live, lang, owner_email)
    url = f"{live.url}/{lang}/results/releases/{release_id}/comments?group=detractor"
    owner.goto(url)

    owner.select_option(
        "#comment-insight",
        label="Accu · nog geen bijdragen" if lang == "nl" else "Battery · no contributions yet",
    )
    owner.click(f"button[form='add-comment-evidence'][value='{ids[1]}']")

    assert owner.url == url
    assert live.run(evidence_of_release, release_id) == [ids[1]]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_release_and_comments_pages_are_accessible_and_fit_a_phone(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    release_id, _ids = live.run(release_with_comments, lang, f"32.{lang}")
    paths = [f"/results/releases/{release_id}", f"/results/releases/{release_id}/comments"]
    page = new_page(inject_scripts=True)
    log_in(page, live, lang, owner_email)
    phone = new_page(width=375)
    log_in(phone, live, lang, owner_email)
    for path in paths:
        page.goto(f"{live.url}/{lang}{path}")
        assert serious_accessibility_violations(page) == [], path
        phone.goto(f"{live.url}/{lang}{path}")
        assert_no_sideways_scroll(phone)
