"""Triage: every contribution in one list (kept in step with its sources), searched in Dutch and
English with stems and without accents, filtered, dismissed as "No action" (once, however many
press at once), handed in bulk to the insight pages; the release page links into it."""

import threading
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select, text

from panel.database import utcnow
from panel.feedback import services as feedback
from panel.feedback.models import Response
from panel.insights import services as insights
from panel.insights import triage
from panel.insights.models import TriageDismissal, TriageItem, seed_default_streams
from panel.rounds import reactions
from panel.rounds import services as rounds
from panel.rounds.models import Session
from panel.rounds.moderation import hide_item
from panel.security import Role

from ..conftest import PASSWORD, csrf_token_from

ROUND_FIELDS = {
    "title_nl": "Betere app",
    "title_en": "Better app",
    "summary_nl": "Samen bouwen",
    "summary_en": "Build together",
    "question_nl": "Wat mis je?",
    "question_en": "What do you miss?",
    "visibility": "all",
}


@pytest.fixture
def owner(make_user):
    return make_user(roles=[Role.PRODUCT_OWNER], name="Olga Owner", locale="en")


@pytest.fixture
def release(db, owner):
    now = utcnow()
    data = {
        "version": "12.4",
        "month": now.date().replace(day=1),
        "opens_at": now - timedelta(hours=1),
        "closes_at": now + timedelta(days=7),
        "audience": "all",
        "sample_size": None,
    }
    changes = [
        {
            "title_nl": "Donkere modus",
            "title_en": "Dark mode",
            "description_nl": "Rustig",
            "description_en": "Calm",
        }
    ]
    release = feedback.save_release(None, data, changes, owner)
    feedback.publish_release(release, owner)
    db.session.commit()
    return release


@pytest.fixture
def round_(db, owner):
    seed_default_streams()
    round_ = rounds.create_round(owner, dict(ROUND_FIELDS), [])
    round_.stage = "idea"
    rounds.publish_round(round_, owner)
    db.session.commit()
    return round_


def respond(db, release, member, score, improve=None, problem=None, at=None):
    response = Response(
        release_id=release.id,
        member_id=member.id,
        score=score,
        improve_text=improve,
        problem_text=problem,
        customer_type=member.customer_type,
        platform=member.platform,
        created_at=at or utcnow(),
    )
    db.session.add(response)
    db.session.commit()
    return response


def keys(page_items):
    return [(entry.item.kind, entry.item.source_id) for entry in page_items]


# A panel manager: reads every item, session notes of every round too.
MANAGER = SimpleNamespace(id=None, has_role=lambda role: role == Role.PANEL_MANAGER)


def listed(reader=MANAGER, **args):
    filters = triage.TriageFilters.from_args(args)
    return [
        (item.kind, item.source_id)
        for item in triage.db.session.scalars(triage.items_query(filters, reader))
    ]


# Words and stems ------------------------------------------------------------------------------


def test_index_words_hold_folded_words_and_their_stems():
    words = triage.index_words("Rekeningen van Zoë", "Facturen!").split()
    assert "rekeningen" in words and "zoe" in words and "facturen" in words
    assert "factuur" in words  # the Dutch stem of "facturen"
    assert set(triage.stems("rekeningen")) & set(triage.stems("rekening"))


# The list and its index in step with the sources ------------------------------------------------


def test_every_contribution_is_listed_newest_first(db, release, round_, make_member):
    dutch, english = make_member(locale="nl"), make_member(locale="en")
    quiet = respond(db, release, make_member(), 8)  # a score alone is no contribution
    old = respond(db, release, dutch, 3, "De rekening klopt niet", at=utcnow() - timedelta(days=2))
    idea = rounds.post_idea(round_, english, "Dark mode", "Easier on the eyes")
    db.session.commit()
    reaction = rounds.add_comment(idea, dutch, "Ja, graag!")
    db.session.commit()
    session = Session(
        round_id=round_.id,
        title_nl="Sessie",
        title_en="Session",
        kind="online",
        capacity=5,
        seats_taken=0,
        starts_at=utcnow() + timedelta(days=1),
        ends_at=utcnow() + timedelta(days=1, hours=2),
        registration_deadline=utcnow(),
        notes="Iedereen wil een donkere modus",
    )
    db.session.add(session)
    db.session.commit()
    assert listed() == [
        ("session", session.id),
        ("comment", reaction.id),
        ("idea", idea.id),
        ("response", old.id),
    ]
    assert ("response", quiet.id) not in listed()
    # A session's notes are for who runs its round: another product owner does not see them.
    other_owner = make_member().user  # any user without the manager role, owning no round
    assert ("session", session.id) not in listed(reader=other_owner)
    assert ("idea", idea.id) in listed(reader=other_owner)
    assert ("session", session.id) in listed(reader=round_.owner)
    assert listed(kind="idea") == [("idea", idea.id)]
    assert listed(source=f"release:{release.id}") == [("response", old.id)]
    assert listed(source="round") == [
        ("session", session.id),
        ("comment", reaction.id),
        ("idea", idea.id),
    ]
    assert listed(group="detractor") == [("response", old.id)]
    assert listed(group="promoter") == []
    # Session notes have no language: they stay under either language.
    assert listed(language="en") == [("session", session.id), ("idea", idea.id)]
    assert listed(segment="customer_type:subscription", kind="response") == [("response", old.id)]


def test_edits_hiding_and_withdrawing_keep_the_index_in_step(db, round_, make_member):
    author = make_member(locale="nl")
    idea = rounds.post_idea(round_, author, "Facturen", "Ik wil mijn facturen zien")
    other = rounds.post_idea(round_, author, "Wifi", "Bellen via wifi")
    db.session.commit()
    assert listed(q="factuur") == [("idea", idea.id)]
    # An edit is one UPDATE statement (no ORM flush): its new words are found, the old not.
    assert reactions.edit_idea(idea, author, "Abonnement", "Mijn abonnement opzeggen")
    db.session.commit()
    assert listed(q="factuur") == []
    assert listed(q="abonnementen") == [("idea", idea.id)]
    hide_item(other, "spam")
    db.session.commit()
    assert ("idea", other.id) not in listed()
    assert reactions.withdraw_idea(idea, author)
    db.session.commit()
    assert listed() == []
    # The CLI's rebuild gives the same rows.
    before = db.session.execute(select(func.count()).select_from(TriageItem)).scalar()
    triage.rebuild()
    db.session.commit()
    assert db.session.execute(select(func.count()).select_from(TriageItem)).scalar() == before


@pytest.mark.parametrize(
    "search, found",
    [
        ("rekeningen", True),  # Dutch plural finds the singular
        ("facturen", True),  # and "factuur" through its stem
        ("reken", True),  # a prefix
        ("Zoe", True),  # without the accent
        ("zoë", True),
        ("bills", True),  # English plural
        ("abonnement", False),
        ("rekening zoe", True),  # every word
        ("rekening wifi", False),
        ('"rekening" * (zoe', True),  # no search syntax reaches the database
    ],
)
def test_search_in_dutch_and_english(db, release, make_member, search, found):
    response = respond(
        db, release, make_member(), 4, "Zoë zegt: de rekening en de factuur", "Two bill errors"
    )
    assert listed(q=search) == ([("response", response.id)] if found else [])


# The page --------------------------------------------------------------------------------------


def test_only_those_who_make_insights_open_triage(client, login_as, make_user):
    login_as(make_user(roles=[Role.REVIEWER]))
    assert client.get("/en/insights/triage").status_code == 403
    assert client.post("/en/insights/triage/dismiss", data={"item": "idea:1"}).status_code in (
        400,
        403,
    )


def test_page_shows_state_and_costs_the_same_for_more_rows(
    db, client, login_as, owner, release, round_, make_member, count_queries
):
    member = make_member()
    first = respond(db, release, member, 2, "De app is traag")
    insight = insights.create_insight("Trage <b>app</b>", "Slow <b>app</b>", "", [], owner)
    insights.add_evidence(insight, "response", first.id, owner)
    db.session.commit()
    login_as(owner)
    page = client.get("/en/insights/triage").get_data(as_text=True)
    assert "Slow &lt;b&gt;app&lt;/b&gt;" in page and "<b>app</b>" not in page
    assert "1 contribution" in page
    dutch = client.get("/nl/insights/triage").get_data(as_text=True)
    assert "Onderbouwing van" in dutch and "Trage &lt;b&gt;app&lt;/b&gt;" in dutch
    with count_queries() as few:
        assert client.get("/en/insights/triage").status_code == 200
    for number in range(30):
        idea = rounds.post_idea(round_, make_member(), f"Idee {number}", "Tekst")
        rounds.add_comment(idea, member, f"Reactie {number}")
    respond(db, release, make_member(), 9, "Top")
    db.session.commit()
    with count_queries() as many:
        page = client.get("/en/insights/triage?q=idee")
    assert page.status_code == 200
    assert many.count <= few.count + 2, str(many)  # + the ideas' and reactions' sources


def test_no_action_and_undo(db, client, login_as, owner, release, make_member):
    response = respond(db, release, make_member(), 5, "Meh")
    login_as(owner)
    page = client.get("/en/insights/triage?state=open")
    token = csrf_token_from(page)
    back = "/en/insights/triage?state=open"
    answer = client.post(
        "/en/insights/triage/dismiss",
        data={"csrf_token": token, "item": f"response:{response.id}", "next": back},
    )
    assert answer.status_code == 302 and answer.location.endswith(back)
    state = triage.processed_state([("response", response.id)])[("response", response.id)]
    assert state.status == "dismissed" and state.dismissal.dismissed_by_id == owner.id
    assert listed(state="open") == [] and listed(state="dismissed") == [("response", response.id)]
    page = client.get("/en/insights/triage").get_data(as_text=True)
    assert "No action, decided by Olga Owner" in page
    client.post(
        "/en/insights/triage/undo",
        data={"csrf_token": token, "item": f"response:{response.id}", "next": back},
    )
    assert listed(state="open") == [("response", response.id)]


def test_bulk_hands_the_selection_to_the_insight_pages(
    db, client, login_as, owner, release, make_member
):
    one = respond(db, release, make_member(), 5, "Een")
    two = respond(db, release, make_member(), 6, "Twee")
    login_as(owner)
    page = client.get("/en/insights/triage")
    token = csrf_token_from(page)
    back = "/en/insights/triage?group=detractor"
    items = [f"response:{one.id}", f"response:{two.id}", "bogus:1", "idea:x"]
    answer = client.post(
        "/en/insights/triage/bulk",
        data={"csrf_token": token, "item": items, "action": "make", "next": back},
    )
    assert answer.status_code == 302
    target = urlsplit(answer.location)
    assert target.path == "/en/insights/new"
    query = parse_qs(target.query)
    assert query["item"] == items[:2] and query["next"] == [back]
    answer = client.post(
        "/en/insights/triage/bulk",
        data={"csrf_token": token, "item": items, "action": "add", "next": back},
    )
    target = urlsplit(answer.location)
    assert target.path == "/en/insights/pick" and parse_qs(target.query)["item"] == items[:2]
    answer = client.post(
        "/en/insights/triage/bulk",
        data={"csrf_token": token, "item": items, "action": "dismiss", "next": back},
    )
    assert answer.status_code == 302
    assert db.session.execute(select(func.count()).select_from(TriageDismissal)).scalar() == 2
    # An outside "next" is not followed.
    answer = client.post(
        "/en/insights/triage/bulk",
        data={"csrf_token": token, "item": items, "action": "dismiss", "next": "//evil.example"},
    )
    assert urlsplit(answer.location).path == "/en/insights/triage"


# Two colleagues (or a double click) at once ----------------------------------------------------


def test_two_dismissals_at_once_make_one(app, db, owner, make_user, release, make_member):
    item = f"response:{respond(db, release, make_member(), 1, 'Kapot').id}"
    colleague = make_user(roles=[Role.PANEL_MANAGER])
    clients = []
    for user in (owner, colleague):
        client = app.test_client()
        assert (
            client.post("/en/login", data={"email": user.email, "password": PASSWORD}).status_code
            == 302
        )
        clients.append(client)
    app.config["TRIAGE_RACE_DELAY"] = 0.2
    barrier = threading.Barrier(2)
    codes, errors = [], []

    def send(client):
        page = client.get("/en/insights/triage")
        token = csrf_token_from(page)
        barrier.wait()
        try:
            codes.append(
                client.post(
                    "/en/insights/triage/dismiss",
                    data={"csrf_token": token, "item": item},
                ).status_code
            )
        except Exception as error:  # noqa: BLE001 - any error fails the test
            errors.append(error)

    try:
        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["TRIAGE_RACE_DELAY"] = 0
    assert errors == [] and codes == [302, 302]
    db.session.rollback()
    assert db.session.execute(select(func.count()).select_from(TriageDismissal)).scalar() == 1


# The release page --------------------------------------------------------------------------


def test_release_page_counts_comments_by_group_and_links_into_triage(
    db, client, login_as, owner, release, make_member
):
    respond(db, release, make_member(), 10, "Top")
    respond(db, release, make_member(), 3, "Slecht")
    respond(db, release, make_member(), 2, "Traag")
    login_as(owner)
    page = client.get(f"/en/results/releases/{release.id}").get_data(as_text=True)
    assert "3 comments" in page
    assert f"/en/insights/triage?source=release:{release.id}&amp;group=detractor" in page
    answer = client.get(f"/en/results/releases/{release.id}/comments?group=detractor&q=traag")
    assert answer.status_code == 302
    query = parse_qs(urlsplit(answer.location).query)
    assert query == {"source": [f"release:{release.id}"], "group": ["detractor"], "q": ["traag"]}


def test_the_reindex_command_rebuilds_triage(app, db, release, make_member):
    response = respond(db, release, make_member(), 4, "Facturen kloppen niet")
    db.session.execute(TriageItem.__table__.delete())
    db.session.commit()
    assert listed() == []
    result = app.test_cli_runner().invoke(args=["panel", "reindex-triage"])
    assert result.exit_code == 0 and "Contributions in triage: 1." in result.output
    db.session.rollback()
    assert listed(q="factuur") == [("response", response.id)]


# Plans: the list is read in index order, never sorted in full ----------------------------------


def plan_of(db, query):
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    rows = db.session.execute(text("EXPLAIN QUERY PLAN " + sql))
    return " | ".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    "args, index",
    [
        ({}, "ix_triage_items_created"),
        ({"state": "open"}, "ix_triage_items_created"),
        ({"source": "release:7"}, "ix_triage_items_release"),
        ({"source": "round:3"}, "ix_triage_items_round"),
        ({"kind": "idea"}, "ix_triage_items_kind"),
    ],
)
def test_the_list_reads_an_index_in_its_order(db, owner, args, index):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's (PostgreSQL: see the module docstring)")
    filters = triage.TriageFilters.from_args(args)
    for reader in (MANAGER, owner):
        plan = plan_of(db, triage.items_query(filters, reader).limit(25))
        assert index in plan and "TEMP B-TREE" not in plan, plan


def test_a_releases_comment_counts_read_one_covering_index(db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    plan = plan_of(db, triage.release_comment_counts_query(7))
    assert "COVERING INDEX ix_triage_items_release_groups" in plan, plan


def test_a_search_is_answered_by_the_full_text_index(db, owner):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    filters = triage.TriageFilters.from_args({"q": "rekeningen zoë"})
    plan = plan_of(db, triage.items_query(filters, owner).limit(25))
    assert "triage_search VIRTUAL TABLE INDEX" in plan, plan
    count = plan_of(db, triage.count_query(filters, owner))
    assert "triage_search VIRTUAL TABLE INDEX" in count, count
