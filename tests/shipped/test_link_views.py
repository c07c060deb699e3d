"""The pages that link release changes to insights and ideas: a change's page (find by words,
suggestions, add by number, unlink), the release overview and editor, the insight's and idea's
pages linking from their side, a route closed as "shipped in X"; who may, bad input, both
languages, and query budgets that stay flat as rows grow."""

import re
import threading

import pytest
from sqlalchemy import select

from panel.accounts.streams import Stream, StreamMember, seed_default_streams
from panel.demo import load_demo
from panel.insights import services as insights
from panel.insights.models import Route
from panel.notifications.models import Notification
from panel.rounds import services as rounds
from panel.rounds.models import Idea
from panel.security import Role
from panel.shipped import links
from panel.shipped.models import ChangeAsker, ChangeIdea, ChangeInsight, ShippedNotice
from panel.shipped.permissions import can_link_changes, can_link_idea

from ..conftest import PASSWORD
from .conftest import ROUND_FIELDS, askers_of, make_idea, make_insight

LINK_BUTTON = re.compile(
    r'name="kind" value="insight"><input type="hidden" name="number" value="(\d+)">'
    r'(?:<input type="hidden"[^>]*>)*<button type="submit" class="button'
)


def page_text(response):
    return response.get_data(as_text=True)


@pytest.fixture
def release(make_release):
    return make_release(version="11.12", publish=True)


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_owner_links_an_insight_by_a_suggestion_and_an_idea_by_number_then_unlinks(
    client, db, owner, login_as, make_member, release, round_, lang
):
    ann, bob = make_member(), make_member()
    usage = release.changes[0]
    insight = make_insight(db, [ann])
    idea = make_idea(db, round_, bob, title="Laat mijn verbruik per dag zien")
    login_as(owner)

    page = page_text(client.get(f"/{lang}/shipped/changes/{usage.id}"))
    # Suggested from the change's words ("Verbruik per dag" ↔ "Verbruik per dag laten zien").
    assert "Verbruik per dag laten zien" in page or "Show usage per day" in page
    assert f'name="number" value="{insight.id}"' in page
    response = client.post(
        f"/{lang}/shipped/changes/{usage.id}/link", data={"kind": "insight", "number": insight.id}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/{lang}/shipped/changes/{usage.id}")
    response = client.post(
        f"/{lang}/shipped/changes/{usage.id}/link", data={"kind": "idea", "number": f"#{idea.id}"}
    )
    assert response.status_code == 302
    assert askers_of(db, usage) == {ann.id, bob.id}
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("shipped", "11.12")

    page = page_text(client.get(f"/{lang}/shipped/changes/{usage.id}"))
    assert ("2 panelists asked for this" if lang == "en" else "2 panelleden vroegen hierom") in page
    assert "Laat mijn verbruik per dag zien" in page

    client.post(
        f"/{lang}/shipped/changes/{usage.id}/unlink", data={"kind": "idea", "number": idea.id}
    )
    assert askers_of(db, usage) == {ann.id}
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("selected", None)
    assert ChangeInsight.query.count() == 1 and ChangeIdea.query.count() == 0


def test_search_by_words_is_paged_and_leaves_out_what_is_linked(
    client, db, owner, login_as, release, round_
):
    battery = [
        make_insight(db, [], nl=f"Batterij loopt leeg {number}", en=f"Battery drains {number}")
        for number in range(23)
    ]
    make_insight(db, [], nl="Facturen zijn onduidelijk", en="Bills are unclear")
    usage = release.changes[0]
    login_as(owner)
    client.post(
        f"/en/shipped/changes/{usage.id}/link", data={"kind": "insight", "number": battery[0].id}
    )
    first = page_text(client.get(f"/en/shipped/changes/{usage.id}?find=insights&q=batterij"))
    assert "Page 1 of 2" in first and "Bills are unclear" not in first
    found = set(LINK_BUTTON.findall(first))
    second = page_text(
        client.get(f"/en/shipped/changes/{usage.id}?find=insights&q=batterij&page=2")
    )
    found |= set(LINK_BUTTON.findall(second))
    assert found == {str(insight.id) for insight in battery[1:]}  # the linked one is left out
    # Linking a search result leads back to the same search.
    response = client.post(
        f"/en/shipped/changes/{usage.id}/link",
        data={"kind": "insight", "number": battery[1].id, "find": "insights", "q": "batterij"},
    )
    assert response.location.endswith(
        f"/en/shipped/changes/{usage.id}?find=insights&q=batterij#add"
    )

    idea = make_idea(db, round_, None, title="Sneller opladen")
    ideas = page_text(client.get(f"/en/shipped/changes/{usage.id}?find=ideas&q=opladen"))
    assert "Sneller opladen" in ideas and f'value="{idea.id}"' in ideas
    nothing = page_text(client.get(f"/en/shipped/changes/{usage.id}?find=ideas&q=zzzqqq"))
    assert "Nothing that isn't linked yet has these words or this number." in nothing


@pytest.mark.parametrize(
    ("lang", "kind", "message"),
    [
        ("en", "insight", "There is no insight with that number."),
        ("nl", "insight", "Er is geen inzicht met dat nummer."),
        ("en", "idea", "There is no idea with that number, or it is no longer shown."),
        ("nl", "idea", "Er is geen idee met dat nummer, of het is niet meer te zien."),
    ],
)
def test_an_unknown_number_is_refused_in_the_page_language_keeping_what_was_typed(
    client, db, owner, login_as, release, lang, kind, message
):
    login_as(owner)
    change = release.changes[0]
    response = client.post(
        f"/{lang}/shipped/changes/{change.id}/link", data={"kind": kind, "number": "98765"}
    )
    assert response.status_code == 400
    page = page_text(response)
    assert message in page
    assert 'value="98765"' in page
    assert ChangeInsight.query.count() == 0


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "insight", "number": "abc"},
        {"kind": "insight", "number": "99999999999999999999"},
        {"kind": "spaceship", "number": "1"},
        {"kind": "insight", "number": ""},
        {},
    ],
)
def test_malformed_input_never_answers_with_an_error_page(
    client, db, owner, login_as, release, data
):
    login_as(owner)
    change = release.changes[0]
    assert client.post(f"/en/shipped/changes/{change.id}/link", data=data).status_code == 400
    assert client.post(f"/en/shipped/changes/{change.id}/unlink", data=data).status_code in (
        400,
        404,
    )
    odd = client.get(f"/en/shipped/changes/{change.id}?find=ideas&q=%22*%29(&page=x")
    assert odd.status_code == 200


@pytest.mark.parametrize("role", [Role.PANELIST, Role.REVIEWER])
def test_panelists_and_reviewers_may_not_link(
    client, db, make_user, login_as, release, role, make_member
):
    insight = make_insight(db, [])
    change = release.changes[0]
    user = make_member().user if role == Role.PANELIST else make_user(roles=[role])
    login_as(user)
    assert client.get(f"/en/shipped/changes/{change.id}").status_code == 403
    assert client.get(f"/en/shipped/releases/{release.id}").status_code == 403
    linking = {"kind": "insight", "number": insight.id}
    assert client.post(f"/en/shipped/changes/{change.id}/link", data=linking).status_code == 403
    assert (
        client.post(
            f"/en/shipped/insights/{insight.id}/link", data={"change": change.id}
        ).status_code
        == 403
    )
    assert ChangeInsight.query.count() == 0


def test_who_may_link(make_user, make_member):
    assert can_link_changes(make_user(roles=[Role.PRODUCT_OWNER]))
    assert can_link_changes(make_user(roles=[Role.PANEL_MANAGER]))
    assert not can_link_changes(make_user(roles=[Role.REVIEWER]))
    assert not can_link_changes(make_member().user)


def test_who_may_link_an_idea(db, owner, make_user, make_member, round_):
    idea = make_idea(db, round_, make_member())
    assert can_link_idea(owner, idea)  # runs its round
    assert can_link_idea(make_user(roles=[Role.PANEL_MANAGER]), idea)
    assert not can_link_idea(make_user(roles=[Role.PRODUCT_OWNER]), idea)
    assert not can_link_idea(make_user(roles=[Role.REVIEWER]), idea)
    assert not can_link_idea(make_member().user, idea)


def test_another_owner_may_not_link_or_unlink_an_idea_of_a_round_they_don_t_run(
    client, db, owner, make_user, login_as, make_member, release, round_
):
    author = make_member()
    idea = make_idea(db, round_, author)
    mine, theirs = release.changes
    links.link_idea(mine, idea, owner)
    db.session.commit()
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    by_number = {"kind": "idea", "number": idea.id}
    assert client.post(f"/en/shipped/changes/{theirs.id}/link", data=by_number).status_code == 403
    from_idea = f"/en/shipped/rounds/{round_.id}/ideas/{idea.id}/link"
    assert client.post(from_idea, data={"change": str(theirs.id)}).status_code == 403
    assert client.post(f"/en/shipped/changes/{mine.id}/unlink", data=by_number).status_code == 403
    db.session.rollback()
    assert [(row.change_id, row.idea_id) for row in ChangeIdea.query] == [(mine.id, idea.id)]
    assert db.session.get(Idea, idea.id).shipped_version == "11.12"
    assert ShippedNotice.query.count() == 0  # nobody was told by the refused posts
    # The change page shows that an idea is linked, not which idea of which round.
    page = page_text(client.get(f"/en/shipped/changes/{mine.id}"))
    assert "An idea of a round someone else runs" in page
    assert idea.title not in page and "Better app" not in page
    assert f"/shipped/changes/{mine.id}/unlink" not in page.split("Ideas it ships")[1]
    dutch = page_text(client.get(f"/nl/shipped/releases/{release.id}"))
    assert "Een idee uit een ronde van iemand anders" in dutch and idea.title not in dutch


def test_the_idea_search_finds_only_ideas_of_rounds_the_owner_runs(
    client, db, owner, make_user, login_as, make_member, release
):
    private = rounds.create_round(
        owner, dict(ROUND_FIELDS, title_en="Secret pilot", visibility="invited"), []
    )
    private.stage = "idea"
    rounds.publish_round(private, owner)
    db.session.commit()
    idea = make_idea(db, private, make_member(), title="Verbruik per dag in de pilot")
    usage = release.changes[0]
    login_as(make_user(roles=[Role.PRODUCT_OWNER]))
    for url in (
        f"/en/shipped/changes/{usage.id}",  # the suggestions
        f"/en/shipped/changes/{usage.id}?find=ideas&q=verbruik",
        f"/en/shipped/changes/{usage.id}?find=ideas&q={idea.id}",
    ):
        page = page_text(client.get(url))
        assert "Secret pilot" not in page and "in de pilot" not in page, url
    client.post("/en/logout")
    login_as(owner)
    page = page_text(client.get(f"/en/shipped/changes/{usage.id}?find=ideas&q=verbruik"))
    assert "Secret pilot" in page and "Verbruik per dag in de pilot" in page
    client.post("/en/logout")
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    page = page_text(client.get(f"/en/shipped/changes/{usage.id}"))
    assert "Verbruik per dag in de pilot" in page  # a suggestion: it shares the change's words


def test_release_editor_and_overview_show_each_change_s_links(
    client, db, owner, login_as, make_member, make_release
):
    draft = make_release(version="11.13")
    dark = draft.changes[1]
    insight = make_insight(db, [make_member()], nl="Donkere modus gevraagd", en="Dark mode asked")
    login_as(owner)
    linking = {"kind": "insight", "number": insight.id}
    client.post(f"/en/shipped/changes/{dark.id}/link", data=linking)
    editor = page_text(client.get(f"/en/results/releases/{draft.id}/edit"))
    assert "Dark mode asked" in editor
    assert f"/en/shipped/changes/{dark.id}" in editor
    assert f"/en/shipped/releases/{draft.id}" in editor
    overview = page_text(client.get(f"/nl/shipped/releases/{draft.id}"))
    assert "Donkere modus gevraagd" in overview
    assert "1 panellid vroeg hierom." in overview


def test_linking_from_the_insight_page(client, db, owner, login_as, make_member, release):
    insight = make_insight(db, [make_member()])
    usage = release.changes[0]
    login_as(owner)
    page = page_text(client.get(f"/en/insights/{insight.id}"))
    assert "Link to a release change" in page
    assert f'<option value="{usage.id}">11.12 — Usage per day</option>' in page
    response = client.post(
        f"/en/shipped/insights/{insight.id}/link", data={"change": str(usage.id)}
    )
    assert response.location.endswith(f"/en/insights/{insight.id}#shipped")
    page = page_text(client.get(f"/en/insights/{insight.id}"))
    assert "Shipped in version 11.12:" in page and "Usage per day" in page
    dutch = page_text(client.get(f"/nl/insights/{insight.id}"))
    assert "Zit in versie 11.12:" in dutch and "Verbruik per dag" in dutch
    # Nothing picked, or a change that isn't there: a message, no error page.
    for value in ("", "abc", "999999"):
        response = client.post(f"/en/shipped/insights/{insight.id}/link", data={"change": value})
        assert response.status_code == 302
    assert ChangeInsight.query.count() == 1


def test_linking_from_the_owner_s_idea_page_ships_it_for_panelists(
    client, db, owner, login_as, make_member, release, round_
):
    author = make_member(locale="nl")
    idea = make_idea(db, round_, author)
    login_as(owner)
    picked = {"change": str(release.changes[0].id)}
    client.post(f"/en/shipped/rounds/{round_.id}/ideas/{idea.id}/link", data=picked)
    page = page_text(client.get(f"/en/owner/rounds/{round_.id}/ideas/{idea.id}"))
    assert "Shipped in version 11.12:" in page
    client.post("/en/logout")
    login_as(author.user)
    panelist_view = page_text(client.get(f"/nl/rounds/{round_.id}/ideas/{idea.id}"))
    assert "11.12" in panelist_view


@pytest.fixture
def reviewer_route(db, make_user, owner):
    seed_default_streams()
    stream = Stream.query.filter_by(slug="app").first() or Stream.query.first()
    reviewer = make_user(roles=[Role.REVIEWER], locale="nl")
    db.session.add(StreamMember(stream_id=stream.id, user_id=reviewer.id))
    db.session.commit()
    return reviewer, stream


def test_a_route_is_closed_as_shipped_in_a_linked_release(
    client, db, owner, login_as, make_member, make_release, reviewer_route, round_
):
    reviewer, stream = reviewer_route
    english, dutch = make_member(locale="en"), make_member(locale="nl")
    insight = make_insight(db, [english, dutch])
    route = insights.add_route(insight, stream, owner)
    unlinked = make_release(version="11.11", publish=True, months_ago=1)
    release = make_release(version="11.12", publish=True)
    db.session.commit()
    login_as(reviewer)
    # No release answers it yet: nothing to close it with.
    assert "Close as shipped" not in page_text(client.get(f"/nl/insights/inbox/{route.id}"))
    client.post("/en/logout")
    login_as(owner)
    client.post(
        f"/en/shipped/changes/{release.changes[0].id}/link",
        data={"kind": "insight", "number": insight.id},
    )
    client.post("/en/logout")
    login_as(reviewer)
    page = page_text(client.get(f"/nl/insights/inbox/{route.id}"))
    assert 'value="shipped"' in page and '<option value="' + str(release.id) in page
    assert '<option value="' + str(unlinked.id) not in page
    # A release not offered: refused, what was typed kept.
    response = client.post(
        f"/nl/insights/inbox/{route.id}",
        data={"action": "shipped", "release": str(unlinked.id), "note_nl": "Fijn!"},
    )
    assert response.status_code == 200 and "Fijn!" in page_text(response)
    db.session.rollback()
    assert db.session.get(Route, route.id).shipped_release_id is None
    response = client.post(
        f"/nl/insights/inbox/{route.id}",
        data={"action": "shipped", "release": str(release.id), "note_nl": "Fijn!", "note_en": ""},
    )
    assert response.status_code == 302
    db.session.rollback()
    route = db.session.get(Route, route.id)
    assert route.status == "done" and route.shipped_release_id == release.id
    assert route.answer_en == "This is in version 11.12 of the app."
    assert route.answer_nl == "Dit zit in versie 11.12 van de app. Fijn!"
    told = {n.user_id for n in Notification.query.filter_by(kind="insight_answer")}
    assert told == {english.user_id, dutch.user_id}


def shipped_form_token(page):
    """The token of the route page's "close as shipped" form."""
    form = page.split('#shipped" novalidate>')[1].split("</form>")[0]
    return re.search(r'name="form_token" type="hidden" value="([^"]+)"', form).group(1)


def test_closing_as_shipped_sent_twice_at_once_publishes_one_answer(
    app, db, owner, make_member, release, reviewer_route
):
    reviewer, stream = reviewer_route
    ann = make_member(locale="en")
    insight = make_insight(db, [ann])
    route = insights.add_route(insight, stream, owner)
    links.link_insight(release.changes[0], insight, owner)
    db.session.commit()
    client = logged_in(app, reviewer)
    url = f"/en/insights/inbox/{route.id}"
    data = {
        "action": "shipped",
        "release": str(release.id),
        "note_en": "Thanks!",
        "form_token": shipped_form_token(page_text(client.get(url))),
    }
    barrier, responses = threading.Barrier(2), []

    def post():
        barrier.wait()
        responses.append(client.post(url, data=data))

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [response.status_code for response in responses] == [302, 302]
    assert {response.location for response in responses} == {f"{url}#shipped"}
    db.session.rollback()
    route = db.session.get(Route, route.id)
    assert route.answer_en == "This is in version 11.12 of the app. Thanks!"
    assert Notification.query.filter_by(kind="insight_answer", user_id=ann.user_id).count() == 1


def test_closing_as_shipped_keeps_the_answer_given_before(
    client, db, owner, login_as, make_member, make_release, reviewer_route
):
    reviewer, stream = reviewer_route
    insight = make_insight(db, [make_member()])
    route = insights.add_route(insight, stream, owner)
    insights.publish_answer(route, "We gaan het bouwen.", "We are building it.", reviewer)
    first, second = make_release("11.12", publish=True), make_release("11.13", publish=True)
    for release in (first, second):
        links.link_insight(release.changes[0], insight, owner)
    db.session.commit()
    login_as(reviewer)
    url = f"/nl/insights/inbox/{route.id}"
    client.post(url, data={"action": "shipped", "release": str(first.id), "note_nl": "Fijn!"})
    db.session.rollback()
    route = db.session.get(Route, route.id)
    assert route.answer_nl == "Dit zit in versie 11.12 van de app. Fijn! We gaan het bouwen."
    assert route.answer_en == "This is in version 11.12 of the app. We are building it."
    # Closed again in another version: that line replaces the earlier one.
    client.post(url, data={"action": "shipped", "release": str(second.id)})
    db.session.rollback()
    route = db.session.get(Route, route.id)
    assert route.answer_nl == "Dit zit in versie 11.13 van de app. Fijn! We gaan het bouwen."
    assert route.answer_en == "This is in version 11.13 of the app. We are building it."
    assert route.shipped_release_id == second.id


def test_query_budgets_stay_flat_as_links_grow(
    client, db, owner, login_as, make_member, release, round_, count_queries
):
    usage = release.changes[0]
    login_as(owner)

    def add_links(count):
        for _ in range(count):
            insight = make_insight(db, [make_member()])
            idea = make_idea(db, round_, make_member(), supporters=[make_member()])
            for kind, number in (("insight", insight.id), ("idea", idea.id)):
                client.post(
                    f"/en/shipped/changes/{usage.id}/link", data={"kind": kind, "number": number}
                )

    def costs():
        counts = []
        for url in (
            f"/en/shipped/changes/{usage.id}",
            f"/en/shipped/changes/{usage.id}?find=insights&q=verbruik",
            f"/en/shipped/releases/{release.id}",
            f"/en/results/releases/{release.id}/edit",
        ):
            client.get(url)  # warm
            with count_queries() as queries:
                assert client.get(url).status_code == 200
            counts.append(queries.count)
        return counts

    add_links(1)
    few = costs()
    add_links(4)
    assert costs() == few


def test_the_demo_links_changes_to_fitting_insights_and_ideas(app, db):
    load_demo()
    db.session.commit()
    links = db.session.execute(select(ChangeInsight)).scalars().all()
    assert len(links) >= 4
    assert ChangeAsker.query.count() > 0
    assert Idea.query.filter_by(status="shipped").filter(Idea.shipped_version.isnot(None)).count()


def test_a_late_link_to_a_published_release_tells_the_askers_once(
    client, db, owner, login_as, make_member, release
):
    ann, bob = make_member(), make_member()
    insight = make_insight(db, [ann, bob])
    other = make_insight(db, [ann], nl="Verbruik per week", en="Usage per week")
    login_as(owner)
    usage = release.changes[0]
    for target in (insight, other):
        client.post(
            f"/en/shipped/changes/{usage.id}/link", data={"kind": "insight", "number": target.id}
        )
    db.session.rollback()
    told = db.session.scalars(
        select(ShippedNotice.member_id).where(ShippedNotice.release_id == release.id)
    ).all()
    assert sorted(told) == sorted([ann.id, bob.id])  # ann asked twice: told once


def test_two_owners_linking_the_same_insight_at_once_make_one_link(
    app, db, owner, make_user, make_member, release
):
    other = make_user(roles=[Role.PANEL_MANAGER])
    insight = make_insight(db, [make_member(), make_member()])
    usage = release.changes[0]
    clients = [logged_in(app, user) for user in (owner, other)]
    url, data = f"/en/shipped/changes/{usage.id}/link", {"kind": "insight", "number": insight.id}
    barrier = threading.Barrier(2)
    codes = []

    def post(client):
        barrier.wait()
        response = client.post(url, data=data)
        codes.append(response.status_code)

    app.config["SHIPPED_RACE_DELAY"] = 0.05
    try:
        threads = [threading.Thread(target=post, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        app.config["SHIPPED_RACE_DELAY"] = 0
    assert codes == [302, 302]
    db.session.rollback()
    assert ChangeInsight.query.count() == 1
    assert len(askers_of(db, usage)) == 2


def logged_in(app, user):
    client = app.test_client()
    response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client
