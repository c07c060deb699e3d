"""The release results page, per linked change: the rating and NPS of the panelists who asked for
it against everyone else who responded, with n and the 95% interval, greyed under 30 responses;
no section when nothing is linked; a fixed number of queries however many responses."""

import re

import pytest
from sqlalchemy import insert

from panel.feedback import services as feedback
from panel.feedback.models import ChangeRating, Response
from panel.feedback.nps import Score
from panel.feedback.results import nps_text
from panel.insights.models import Evidence, Insight
from panel.shipped import links
from panel.shipped.results import asked_changes, askers_sections

from ..test_query_budgets import Rows

OWNER = {"locale": "en"}


@pytest.fixture
def release(make_release):
    return make_release(publish=True)


def link_insight_of(db, owner, change, member_ids):
    """An insight resting on one contribution of each member, linked to the change."""
    insight = Insight(title_nl="Verbruik per dag", title_en="Usage per day", description="")
    db.session.add(insight)
    db.session.flush()
    db.session.execute(
        insert(Evidence),
        [
            {"insight_id": insight.id, "kind": "comment", "source_id": k, "member_id": member_id}
            for k, member_id in enumerate(member_ids, 1)
        ],
    )
    links.link_insight(change, insight, owner)
    db.session.commit()
    return insight


def answer(db, release, member, score, rating="skip"):
    """A response through the service (the kept counts follow); rating None: haven't used it."""
    ratings = {} if rating == "skip" else {release.changes[0].id: rating}
    feedback.save_response(release, member, {"score": score, "ratings": ratings})
    db.session.commit()


def page(client, release, lang="en"):
    response = client.get(f"/{lang}/results/releases/{release.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_askers_score_against_everyone_else(client, db, owner, release, make_member, login_as):
    usage, dark = release.changes
    askers = [make_member() for _ in range(32)]
    others = [make_member() for _ in range(31)]
    silent = make_member()  # asked for it, never responded
    link_insight_of(db, owner, usage, [m.id for m in [*askers, silent]])
    for k, member in enumerate(askers):
        # 30 promoters, 2 detractors; 30 rate the change 5, one hasn't used it, one skips it.
        rating = 5 if k < 30 else None if k == 30 else "skip"
        answer(db, release, member, 10 if k < 30 else 3, rating)
    for k, member in enumerate(others):
        # 21 detractors, 10 passives; everyone rates the change 2.
        answer(db, release, member, 4 if k < 21 else 7, 2)

    (row,) = asked_changes(release)  # the dark mode is linked to nothing: no row
    assert row.change == usage and row.asked == 33 and (row.insights, row.ideas) == (1, 0)
    assert row.askers.score == Score(n=32, promoters=30, passives=0, detractors=2)
    assert row.others.score == Score(n=31, promoters=0, passives=10, detractors=21)
    assert (row.askers.rated, row.askers.average) == (30, 5.0)
    assert (row.others.rated, row.others.average) == (31, 2.0)
    assert not row.askers.too_small and not row.others.too_small
    assert row.difference.significant and row.difference.direction == "rise"

    login_as(owner)
    html = page(client, release)
    assert "Those who asked for it, against everyone else" in html
    assert "Asked for by 33 panelists · from 1 insight" in html
    askers_row = re.search(r"<tr\s*>\s*<td>Asked for it</td>(.*?)</tr>", html, re.S)
    cells = re.findall(r'<td class="number">([^<]*)</td>', askers_row.group(1))
    low, high = row.askers.score.interval
    assert cells == ["32", "+88", f"{nps_text(low)} … {nps_text(high)}", "30", "5.0"]
    assert (nps_text(low), nps_text(high)) == ("+71", "+100")
    assert "score 155 points higher: a significant difference" in html
    # The dark mode, linked to nothing, has no row in the section.
    section = html.split('id="askers-heading"')[1].split("</section>")[0]
    assert "Dark mode" not in section

    dutch = page(client, release, "nl")
    assert "Wie erom vroeg, tegenover alle anderen" in dutch
    assert "Gevraagd door 33 panelleden · uit 1 inzicht" in dutch


def test_a_group_under_30_responses_is_greyed_and_not_compared(
    client, db, owner, release, make_member, login_as
):
    usage, _dark = release.changes
    askers = [make_member() for _ in range(29)]
    others = [make_member() for _ in range(30)]
    link_insight_of(db, owner, usage, [m.id for m in askers])
    for member in askers:
        answer(db, release, member, 9, 4)
    for member in others:
        answer(db, release, member, 6, 3)

    (row,) = asked_changes(release)
    assert row.askers.too_small and not row.others.too_small and row.difference is None

    login_as(owner)
    html = page(client, release)
    assert re.search(r'<tr class="too-small">\s*<td>Asked for it<span', html)
    assert re.search(r"<tr\s*>\s*<td>Everyone else</td>", html)
    assert "Not compared: a group has too few responses." in html
    assert "Wie erom vroeg" not in html
    assert "Niet vergeleken: een groep heeft te weinig antwoorden." in page(client, release, "nl")


def test_no_section_when_no_change_is_linked(client, db, owner, release, make_member, login_as):
    answer(db, release, make_member(), 9, 4)
    assert asked_changes(release) == []
    login_as(owner)
    assert "askers-heading" not in page(client, release)


def test_a_draft_has_no_section(db, owner, release):
    release.published_at = None
    db.session.commit()
    assert askers_sections(release) == []


def test_the_page_runs_as_many_queries_for_many_responses_as_for_few(
    client, db, owner, release, login_as, count_queries
):
    usage, dark = release.changes
    rows = Rows(db.session)
    login_as(owner)
    counts = []
    asked_so_far = []
    for n in (5, 60):
        members = rows.members(n)
        asked = members[: n // 2]
        asked_so_far += asked
        response_ids = rows.add(
            Response,
            [
                {"release_id": release.id, "member_id": member_id, "score": 9 if k % 2 else 5}
                for k, member_id in enumerate(members)
            ],
        )
        rows.add(
            ChangeRating,
            [
                {"response_id": rid, "change_id": change.id, "rating": 4}
                for rid in response_ids
                for change in (usage, dark)
            ],
        )
        link_insight_of(db, owner, usage, asked_so_far)
        link_insight_of(db, owner, dark, asked_so_far[:3])
        feedback.rebuild_counts(release)
        db.session.commit()
        with count_queries() as queries:
            html = page(client, release)
        assert "Those who asked for it" in html
        counts.append(queries.count)
    assert counts[0] == counts[1]
    (usage_row, dark_row) = asked_changes(release)
    assert usage_row.askers.score.n == len(asked_so_far) == 32
    assert usage_row.others.score.n == 65 - 32
    assert dark_row.askers.score.n == 3 and dark_row.askers.too_small
