"""The public "You said, we did" page: per month, newest first, what shipped in the published
releases (only changes linked to panel input) with that input counted, and the rounds' outcomes
made public that month; open to anyone, in both languages, nothing personal on it, paged by
month (a bad page parameter shows the newest months), a fixed number of queries; the home page
shows the latest three months of what shipped and links to it."""

import re
from datetime import date

import pytest
from sqlalchemy import insert

from panel.database import amsterdam_today, utcnow
from panel.feedback.models import Release, ReleaseChange
from panel.insights.models import Evidence, Insight
from panel.rounds import services as rounds
from panel.rounds.models import Idea, IdeaStatus, IdeaSupport
from panel.security import Role
from panel.shipped import links, said_we_did
from panel.shipped.models import ChangeInsight
from tests.shipped.conftest import CHANGES as SHIPPED_CHANGES
from tests.shipped.conftest import new_release, new_round

IDEA_TITLE = "Laat mijn verbruik per dag zien alsjeblieft"
IDEA_BODY = "Dan weet ik waar mijn bundel blijft, zei mijn buurvrouw."


def month_back(k):
    today = amsterdam_today()
    index = today.year * 12 + today.month - 1 - k
    return date(index // 12, index % 12 + 1, 1)


def key_of(day):
    return f"{day.year:04d}-{day.month:02d}"


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


# The second change of these releases is linked to nothing.
CHANGES = [
    SHIPPED_CHANGES[0],
    {
        "title_nl": "Nieuw lettertype",
        "title_en": "A new typeface",
        "description_nl": "Rustiger",
        "description_en": "Calmer",
    },
]


def make_release(db, owner, version, months_ago=0, publish=True):
    """A release of CHANGES in the calendar month `months_ago` months back."""
    return new_release(
        db, owner, version, publish=publish, changes=CHANGES, month=month_back(months_ago)
    )


@pytest.fixture
def round_(db, owner):
    return new_round(db, owner, stage="idea")


@pytest.fixture
def shipped(db, owner, round_, make_member):
    """Version 11.12 (this month): its first change answers an insight (two members' reactions)
    and ships an idea (its author, two supporters); its second change is linked to nothing.
    A draft with a linked change, and the round's outcome made public this month."""
    members = [
        make_member(name=f"Jamie Jansen {k}", email=f"jamie{k}@example.org") for k in range(5)
    ]
    author, fan, other_fan, voice, second_voice = members
    idea = Idea(
        round_id=round_.id,
        author_id=author.id,
        title=IDEA_TITLE,
        body=IDEA_BODY,
        status=IdeaStatus.SELECTED.value,
        support_count=2,
        in_outcome=True,
    )
    insight = Insight(title_nl="Verbruik per dag", title_en="Usage per day", description="")
    db.session.add_all([idea, insight])
    db.session.flush()
    db.session.add_all(
        [IdeaSupport(idea_id=idea.id, member_id=m.id) for m in (fan, other_fan)]
        + [
            Evidence(insight_id=insight.id, kind="comment", source_id=k, member_id=m.id)
            for k, m in enumerate((voice, second_voice, fan), 1)
        ]
    )
    db.session.commit()
    release = make_release(db, owner, "11.12")
    usage = release.changes[0]
    links.link_insight(usage, insight, owner)
    links.link_idea(usage, idea, owner)
    draft = make_release(db, owner, "11.13", publish=False)
    links.link_insight(draft.changes[1], insight, owner)
    round_.stage = "launch"
    round_.outcome_nl, round_.outcome_en = (
        "We bouwen het verbruik per dag.",
        "We build usage per day.",
    )
    rounds.set_outcome_public(round_, True, owner)
    db.session.commit()
    return {"members": members, "idea": idea, "release": release, "round": round_}


def text_of(response):
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_anyone_reads_what_shipped_and_the_input_behind_it_counted(client, shipped, lang):
    html = text_of(client.get(f"/{lang}/you-said-we-did"))
    this_month = month_back(0)
    if lang == "en":
        assert "<title>You said, we did" in html
        assert "Version 11.12 of the app" in html and "Usage per day" in html
        # Five panelists asked: two reactions of the insight, the idea's author and supporters
        # (one supporter is also behind the insight).
        assert "Asked for by 5 panelists · from 1 insight and 1 idea · supported 2 times" in html
        assert "We build usage per day." in html and "From 1 idea · supported 2 times" in html
    else:
        assert "<title>Jullie zeiden, wij deden" in html
        assert "Versie 11.12 van de app" in html and "Verbruik per dag" in html
        assert "Gevraagd door 5 panelleden · uit 1 inzicht en 1 idee · 2 keer gesteund" in html
        assert "We bouwen het verbruik per dag." in html
    assert f'id="month-{key_of(this_month)}"' in html
    # A change linked to nothing, and the draft's linked change, are not listed.
    assert "A new typeface" not in html and "Nieuw lettertype" not in html
    assert "11.13" not in html


def test_nothing_personal_is_shown(client, shipped):
    html = text_of(client.get("/en/you-said-we-did")) + text_of(client.get("/nl/you-said-we-did"))
    for member in shipped["members"]:
        # (The number alone could turn up by chance in a token: as a pseudonym shows it.)
        personal = (str(member.pseudonym), member.user.email, member.user.name, f"#{member.number}")
        for text in personal:
            assert text not in html
    # Ideas are the panelists' own words: counted, never quoted.
    assert IDEA_TITLE not in html and IDEA_BODY not in html
    assert "Olga Owner" not in html


def test_the_home_page_shows_the_latest_three_months_of_what_shipped(db, client, owner, shipped):
    insight = Insight(title_nl="Oud", title_en="Old", description="")
    db.session.add(insight)
    db.session.commit()
    for k in range(1, 5):
        release = make_release(db, owner, f"11.{k}", months_ago=k)
        links.link_insight(release.changes[0], insight, owner)
    db.session.commit()
    html = text_of(client.get("/en/"))
    section = html.split('id="outcomes-heading"')[1].split("</section>")[0]
    assert [f"11.{k}" in section for k in (12, 1, 2, 3, 4)] == [True, True, True, False, False]
    assert "Better app" in section  # the round's outcome card is still there, once
    assert section.count("We build usage per day.") == 1
    assert 'href="/en/you-said-we-did"' in section


def add_months(db, owner, n, changes_per_release=1, first=1):
    """n published releases, one a month back from `first` months ago, each with linked
    changes (an insight resting on two reactions); bulk rows."""
    now = utcnow()
    release_ids = db.session.scalars(
        insert(Release).returning(Release.id, sort_by_parameter_order=True),
        [
            {
                "version": f"9.{first + k}",
                "month": month_back(first + k),
                "opens_at": now,
                "closes_at": now,
                "published_at": now,
                "audience": "all",
            }
            for k in range(n)
        ],
    ).all()
    change_ids = db.session.scalars(
        insert(ReleaseChange).returning(ReleaseChange.id, sort_by_parameter_order=True),
        [
            {
                "release_id": release_id,
                "position": p,
                "title_nl": f"Wijziging {release_id}.{p}",
                "title_en": f"Change {release_id}.{p}",
            }
            for release_id in release_ids
            for p in range(changes_per_release)
        ],
    ).all()
    insight = Insight(title_nl="Iets", title_en="Something", description="")
    db.session.add(insight)
    db.session.flush()
    db.session.execute(
        insert(ChangeInsight),
        [{"change_id": change_id, "insight_id": insight.id} for change_id in change_ids],
    )
    links.refresh_askers(change_ids)
    db.session.commit()


def test_paged_by_month_newest_first(client, db, owner):
    add_months(db, owner, 8)
    first = text_of(client.get("/en/you-said-we-did"))
    shown = re.findall(r'id="month-(\d{4}-\d{2})"', first)
    assert shown == [key_of(month_back(k)) for k in range(1, 7)]
    older = re.search(r'href="(/en/you-said-we-did\?before=[^"]+)"', first).group(1)
    assert older.endswith(f"before={key_of(month_back(6))}")
    second = text_of(client.get(older))
    assert re.findall(r'id="month-(\d{4}-\d{2})"', second) == [
        key_of(month_back(7)),
        key_of(month_back(8)),
    ]
    assert "Earlier months" not in second and "Latest months" in second


@pytest.mark.parametrize(
    "before", ["x", "2026-13", "2026-00", "0000-01", "9" * 500, "2026-1", "'; drop table", "١٢"]
)
def test_a_bad_page_parameter_shows_the_newest_months(client, db, owner, before):
    add_months(db, owner, 2)
    html = text_of(client.get("/en/you-said-we-did", query_string={"before": before}))
    assert re.findall(r'id="month-(\d{4}-\d{2})"', html) == [
        key_of(month_back(1)),
        key_of(month_back(2)),
    ]


def test_an_empty_page_says_so_in_both_languages(client):
    assert "Nothing to show yet." in text_of(client.get("/en/you-said-we-did"))
    assert "Nog niets te zien." in text_of(client.get("/nl/you-said-we-did"))


def test_months_reads_a_fixed_number_of_times(client, db, owner, count_queries, shipped):
    counts = []
    for n, per_release in ((1, 1), (5, 4)):
        add_months(db, owner, n, per_release, first=1 if n == 1 else 2)
        with count_queries() as queries:
            text_of(client.get("/en/you-said-we-did"))
        counts.append(queries.count)
    assert counts[0] == counts[1] and counts[1] <= 8, counts
    with count_queries() as queries:
        assert len(said_we_did.months(6)) == 6
    assert queries.count == 5  # months from releases, from outcomes; changes; outcomes; insights


def test_the_home_page_reads_a_fixed_number_of_times(client, db, owner, count_queries, shipped):
    counts = []
    for n, first in ((1, 1), (6, 2)):
        add_months(db, owner, n, 3, first=first)
        with count_queries() as queries:
            html = text_of(client.get("/nl/"))
        assert "Jullie zeiden, wij deden" in html
        counts.append(queries.count)
    assert counts[0] == counts[1], counts


def test_a_rounds_page_is_linked_only_for_those_who_may_open_it(
    client, shipped, make_member, login_as
):
    link = f'href="/en/rounds/{shipped["round"].id}"'
    assert link not in text_of(client.get("/en/you-said-we-did"))  # a visitor: no link
    login_as(make_member().user)
    html = text_of(client.get("/en/you-said-we-did"))
    assert link in html and "Read more about this round" in html
    assert client.get(f"/en/rounds/{shipped['round'].id}").status_code == 200
