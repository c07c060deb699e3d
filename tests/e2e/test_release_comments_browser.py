"""A release's comments in Chromium: a product owner following a link to the comments page (an
older link, a bookmark) lands in triage with the same filter, and adds one comment to an insight
from there without JavaScript, coming back to the same filtered triage page; a reviewer still
reads the comments page itself, without tools to make insights. Both pages have no serious
axe-core findings and fit a 375-px phone."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import insert

from panel.database import utcnow
from panel.extensions import db
from panel.security import Role

from . import seed
from .conftest import assert_no_sideways_scroll, log_in, serious_accessibility_violations


def release_with_comments(lang, version):
    """A closed, published release with three comments and an insight; (release id, ids,
    insight id)."""
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
    insight = Insight(title_nl="Accu", title_en="Battery")
    db.session.add(insight)
    db.session.flush()
    ids = []
    for k, (score, words) in enumerate(
        [(3, "Mijn accu is snel leeg"), (2, "Graag donkere modus"), (9, "Te traag")]
    ):
        _email, member_id = seed.panelist(locale=lang)
        ids.append(
            db.session.execute(
                insert(Response).returning(Response.id),
                {
                    "release_id": release.id,
                    "member_id": member_id,
                    "score": score,
                    "improve_text": words,
                    "updated_at": now - timedelta(hours=3 - k),
                },
            ).scalar_one()
        )
    return release.id, ids, insight.id


def evidence_of_release(release_id):
    from panel.feedback.models import Response
    from panel.insights.models import Evidence

    return sorted(
        e.source_id
        for e in Evidence.query.filter_by(kind="response")
        if db.session.get(Response, e.source_id).release_id == release_id
    )


def reviewer_in_a_stream(lang):
    from panel.accounts.services import find_user_by_email
    from panel.insights.models import Stream, StreamMember, seed_default_streams

    email = seed.staff([Role.REVIEWER], locale=lang)
    seed_default_streams()
    stream = Stream.query.order_by(Stream.id).first()
    db.session.add(StreamMember(stream_id=stream.id, user_id=find_user_by_email(email).id))
    return email


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_owner_lands_in_triage_and_adds_one_comment_without_javascript(live, new_page, lang):
    owner_email = live.run(seed.staff, [Role.PRODUCT_OWNER], locale=lang)
    release_id, ids, insight_id = live.run(release_with_comments, lang, f"31.{lang}")
    owner = new_page(javascript=False)
    log_in(owner, live, lang, owner_email)
    owner.goto(f"{live.url}/{lang}/results/releases/{release_id}/comments?group=detractor")

    # Triage, filtered the same way: the two detractors' comments, not the promoter's.
    triage = owner.url
    parts = urlsplit(triage)
    assert parts.path == f"/{lang}/insights/triage"
    assert parse_qs(parts.query) == {"source": [f"release:{release_id}"], "group": ["detractor"]}
    text = owner.inner_text("main")
    assert "Graag donkere modus" in text and "Mijn accu" in text and "Te traag" not in text

    owner.click(f"a[href*='/insights/pick?item=response:{ids[1]}']")
    owner.click(f"#pick-results form:has(input[name=insight_id][value='{insight_id}']) button")

    assert owner.url == triage
    assert live.run(evidence_of_release, release_id) == [ids[1]]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_reviewer_reads_the_comments_and_both_pages_fit_a_phone(live, new_page, lang):
    reviewer_email = live.run(reviewer_in_a_stream, lang)
    release_id, _ids, _insight = live.run(release_with_comments, lang, f"32.{lang}")
    paths = [f"/results/releases/{release_id}", f"/results/releases/{release_id}/comments"]
    page = new_page(inject_scripts=True)
    log_in(page, live, lang, reviewer_email)
    phone = new_page(width=375)
    log_in(phone, live, lang, reviewer_email)
    for path in paths:
        page.goto(f"{live.url}/{lang}{path}")
        assert urlsplit(page.url).path == f"/{lang}{path}"
        assert serious_accessibility_violations(page) == [], path
        phone.goto(f"{live.url}/{lang}{path}")
        assert_no_sideways_scroll(phone)
    text = page.inner_text("main")
    assert "Graag donkere modus" in text and "Te traag" in text
    assert page.locator("a[href*='/insights/pick'], a[href*='/insights/new']").count() == 0
