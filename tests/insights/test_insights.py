"""Insights: routing rules, the inbox, due dates, answers back to panelists, digests, the loop."""

from datetime import UTC, date, datetime, timedelta

import pytest

from panel.audit import AuditEntry
from panel.database import utcnow
from panel.feedback import services as feedback
from panel.insights import services
from panel.insights.models import (
    DigestLog,
    InternalNote,
    Route,
    RoutingRule,
    Stream,
    StreamMember,
    Tag,
    seed_default_streams,
)
from panel.insights.workdays import add_working_days, dutch_holidays, easter
from panel.notifications.models import Notification
from panel.security import Role


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    tags = {
        name: Tag(name_nl=nl, name_en=name)
        for name, nl in (("Bill", "Rekening"), ("Coverage", "Bereik"), ("App", "App"))
    }
    db.session.add_all(tags.values())
    streams = {s.slug: s for s in Stream.query.all()}
    db.session.add_all(
        [
            RoutingRule(
                position=10,
                name="Bills",
                tags=[tags["Bill"]],
                keywords="rekening, invoice",
                streams=[streams["billing"]],
            ),
            RoutingRule(
                position=20,
                name="Network",
                tags=[tags["Coverage"]],
                keywords="storing, outage",
                combine="and",
                streams=[streams["network"]],
            ),
        ]
    )
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    reviewer = make_user(roles=[Role.REVIEWER], name="Rita Reviewer")
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=reviewer.id))
    db.session.commit()
    return {"tags": tags, "streams": streams, "owner": owner, "reviewer": reviewer}


def routed(insight):
    return sorted(route.stream.slug for route in insight.routes)


@pytest.mark.parametrize(
    "title, tags, expected",
    [
        ("De rekening klopt niet", [], ["billing"]),  # Dutch keyword, any case
        ("The INVOICE is wrong", [], ["billing"]),  # English keyword
        ("Rekeningen zijn te lang", [], []),  # whole words only
        ("Something about money", ["Bill"], ["billing"]),  # tag alone is enough (or)
        ("Storing in Utrecht", [], []),  # "and": words without the tag
        ("Storing in Utrecht", ["Coverage"], ["network"]),  # tag and word together
        (
            "Outage and invoice",
            ["Coverage"],
            ["billing", "network"],
        ),  # several rules, several streams
    ],
)
def test_rule_evaluation(db, setup, title, tags, expected):
    insight = services.create_insight(
        "", title, "", [setup["tags"][t] for t in tags], setup["owner"]
    )
    db.session.commit()
    assert routed(insight) == expected


def test_tag_change_routes_again_and_keeps_existing_routes(db, setup):
    insight = services.create_insight("", "Slow app", "", [setup["tags"]["Bill"]], setup["owner"])
    services.set_tags(insight, [setup["tags"]["Coverage"]], setup["owner"])
    db.session.commit()
    assert routed(insight) == ["billing"]  # Coverage alone doesn't satisfy the "and" rule
    insight.title_en = "Outage everywhere"
    services.set_tags(insight, [setup["tags"]["Coverage"]], setup["owner"])
    db.session.commit()
    assert routed(insight) == ["billing", "network"]


def test_preview_lists_the_insights_a_rule_would_route(db, setup):
    match = services.create_insight("", "Dark mode please", "", [], setup["owner"])
    services.create_insight("", "Nothing to see", "", [], setup["owner"])
    db.session.commit()
    rule = RoutingRule(name="App", keywords="dark mode", streams=[setup["streams"]["app_digital"]])
    count, insights = services.preview_rule(rule)
    assert count == 1 and insights == [match]
    db.session.rollback()


def test_manual_routing_is_recorded(client, db, setup, login_as):
    insight = services.create_insight("", "Shop queue", "", [], setup["owner"])
    db.session.commit()
    login_as(setup["owner"])
    retail = setup["streams"]["retail"]
    client.post(f"/en/insights/{insight.id}/routes", data={"stream_id": retail.id})
    assert routed(insight) == ["retail"]
    route = Route.query.one()
    assert route.rule_id is None and route.routed_by_id == setup["owner"].id
    client.post(f"/en/insights/{insight.id}/routes/{route.id}/remove")
    db.session.refresh(insight)
    assert insight.live_routes == [] and Route.query.one().removed_at is not None
    actions = [entry.action for entry in AuditEntry.query.order_by(AuditEntry.id)]
    assert "insight.route" in actions and "insight.unroute" in actions


def test_each_stream_has_its_own_status(db, setup):
    insight = services.create_insight(
        "", "Outage and invoice", "", [setup["tags"]["Coverage"]], setup["owner"]
    )
    billing, network = sorted(insight.routes, key=lambda r: r.stream.slug)
    services.set_status(billing, "planned", setup["reviewer"])
    db.session.commit()
    assert (billing.status, network.status) == ("planned", "new")
    assert billing.first_response_at is not None and network.first_response_at is None


def test_easter_and_dutch_holidays():
    assert easter(2026) == date(2026, 4, 5)
    assert easter(2027) == date(2027, 3, 28)
    holidays = dutch_holidays(2026)
    for day in (
        date(2026, 1, 1),
        date(2026, 4, 3),
        date(2026, 4, 6),
        date(2026, 4, 27),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 12, 25),
        date(2026, 12, 26),
    ):
        assert day in holidays
    assert date(2026, 5, 5) not in holidays  # Liberation Day is a day off only in lustrum years
    assert date(2025, 4, 26) in dutch_holidays(2025)  # King's Day on a Sunday moves to Saturday


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (
            datetime(2026, 11, 20, 10, tzinfo=UTC),
            2,
            date(2026, 11, 24),
        ),  # Friday → Tuesday
        (datetime(2026, 12, 23, 10, tzinfo=UTC), 2, date(2026, 12, 28)),  # over Christmas
        (
            datetime(2026, 4, 2, 10, tzinfo=UTC),
            1,
            date(2026, 4, 7),
        ),  # Good Friday, Easter Monday
    ],
)
def test_due_dates_skip_weekends_and_holidays(start, days, expected):
    assert add_working_days(start, days).date() == expected


def test_overdue_detection_and_filter(client, db, setup, login_as):
    insight = services.create_insight("", "Invoice error", "", [], setup["owner"])
    route = insight.routes[0]
    route.due_at = utcnow() - timedelta(hours=1)
    fresh = services.create_insight("", "Another invoice", "", [], setup["owner"]).routes[0]
    db.session.commit()
    assert route.is_overdue() and not fresh.is_overdue()
    login_as(setup["reviewer"])
    page = client.get("/en/insights/inbox?overdue=yes").get_data(as_text=True)
    assert "Invoice error" in page and "Another invoice" not in page
    services.set_status(route, "acknowledged", setup["reviewer"])
    db.session.commit()
    assert not route.is_overdue()


def test_reviewers_see_only_their_streams(client, db, setup, login_as):
    billing = services.create_insight("", "Invoice too long", "", [], setup["owner"])
    network = services.create_insight("", "Outage", "", [setup["tags"]["Coverage"]], setup["owner"])
    db.session.commit()
    login_as(setup["reviewer"])
    page = client.get("/en/insights/inbox?status=all").get_data(as_text=True)
    assert "Invoice too long" in page and "Outage" not in page
    assert client.get(f"/en/insights/{network.id}").status_code == 404
    assert client.get(f"/en/insights/inbox/{network.routes[0].id}").status_code == 404
    assert client.get(f"/en/insights/{billing.id}").status_code == 200


def test_bulk_acknowledge(client, db, setup, login_as):
    first = services.create_insight("", "Invoice one", "", [], setup["owner"]).routes[0]
    second = services.create_insight("", "Invoice two", "", [], setup["owner"]).routes[0]
    db.session.commit()
    login_as(setup["reviewer"])
    client.post("/en/insights/inbox/acknowledge", data={"route": [str(first.id), str(second.id)]})
    assert {r.status for r in Route.query} == {"acknowledged"}


def make_panel_evidence(db, setup, make_member, text="De rekening is onduidelijk"):
    from datetime import timedelta as td

    now = utcnow()
    release = feedback.save_release(
        None,
        {
            "version": "1",
            "month": now.date().replace(day=1),
            "opens_at": now - td(hours=1),
            "closes_at": now + td(days=3),
            "audience": "all",
            "sample_size": None,
        },
        [{"title_nl": "a", "title_en": "a", "description_nl": "b", "description_en": "b"}],
        setup["owner"],
    )
    feedback.publish_release(release, setup["owner"])
    members = [make_member(), make_member(), make_member()]
    responses = [
        feedback.save_response(release, m, {"score": 4, "improve_text": f"{text} {i}"})
        for i, m in enumerate(members)
    ]
    db.session.commit()
    return members, responses


def test_answer_reaches_exactly_the_evidence_authors(client, db, setup, make_member, login_as):
    from panel.membership.privacy import leave_panel

    (author, leaver, bystander), responses = make_panel_evidence(db, setup, make_member)
    insight = services.create_insight(
        "",
        "Bill unclear",
        "",
        [setup["tags"]["Bill"]],
        setup["owner"],
        evidence=[("response", responses[0].id), ("response", responses[1].id)],
    )
    db.session.commit()
    assert insight.evidence_count == 2
    leave_panel(leaver, "other")
    db.session.commit()
    login_as(setup["reviewer"])
    route = insight.routes[0]
    page = client.get(f"/en/insights/inbox/{route.id}").get_data(as_text=True)
    assert (
        f"#{author.number}" in page
        and author.user.name not in page
        and author.user.email not in page
    )
    client.post(
        f"/en/insights/inbox/{route.id}",
        data={
            "action": "answer",
            "answer_nl": "We passen het aan",
            "answer_en": "We're changing it",
        },
    )
    notified = {n.user_id for n in Notification.query.filter_by(kind="insight_answer")}
    assert notified == {author.user_id}
    assert bystander.user_id not in notified


def test_internal_notes_never_reach_panelists(client, db, setup, make_member, login_as):
    (author, _, _), responses = make_panel_evidence(db, setup, make_member)
    insight = services.create_insight(
        "",
        "Bill unclear",
        "",
        [setup["tags"]["Bill"]],
        setup["owner"],
        evidence=[("response", responses[0].id)],
    )
    route = insight.routes[0]
    services.add_note(route, "SECRET staff note", setup["reviewer"])
    services.publish_answer(route, "Antwoord", "Public answer", setup["reviewer"])
    db.session.commit()
    assert InternalNote.query.count() == 1
    login_as(author.user)
    pages = [
        client.get(path).get_data(as_text=True)
        for path in ("/en/me/contributions", "/en/me", "/en/notifications", "/en/me/export")
    ]
    assert all("SECRET" not in page for page in pages)
    assert "Public answer" in pages[0]


def test_my_contributions_shows_the_chain_and_nothing_of_others(
    client, db, setup, make_member, login_as
):
    (author, other, _), responses = make_panel_evidence(db, setup, make_member)
    insight = services.create_insight(
        "",
        "Bill unclear",
        "",
        [setup["tags"]["Bill"]],
        setup["owner"],
        evidence=[("response", responses[0].id)],
    )
    services.set_status(insight.routes[0], "planned", setup["reviewer"])
    services.publish_answer(
        insight.routes[0], "We maken het duidelijker", "We'll make it clearer", setup["reviewer"]
    )
    db.session.commit()
    login_as(author.user)
    page = client.get("/en/me/contributions").get_data(as_text=True)
    assert "De rekening is onduidelijk 0" in page and "Bill unclear" in page
    assert "Planned" in page and "make it clearer" in page
    assert "De rekening is onduidelijk 1" not in page


def test_digest_once_per_week(app, db, setup):
    services.create_insight("", "Invoice late", "", [], setup["owner"])
    db.session.commit()
    from panel.mail import OutboxMessage

    assert services.send_digests() == 1
    assert services.send_digests() == 0
    assert DigestLog.query.count() == 1
    message = OutboxMessage.query.filter_by(kind="stream_digest").one()
    assert "Invoice late" in message.body_text
    assert services.send_digests(now=utcnow() + timedelta(days=7)) == 1


def test_make_insight_from_a_comment_and_add_evidence(client, db, setup, make_member, login_as):
    (author, second, _), responses = make_panel_evidence(db, setup, make_member)
    login_as(setup["owner"])
    page = client.get(f"/en/insights/new?kind=response&source={responses[0].id}").get_data(
        as_text=True
    )
    assert "De rekening is onduidelijk 0" in page
    client.post(
        "/en/insights/new",
        data={
            "title_en": "Bills confuse people",
            "description": "",
            "kind": "response",
            "source": str(responses[0].id),
        },
    )
    from panel.insights.models import Insight

    insight = Insight.query.one()
    client.post(
        "/en/insights/evidence",
        data={"insight_id": insight.id, "kind": "response", "source": str(responses[1].id)},
    )
    client.post(
        "/en/insights/evidence",
        data={"insight_id": insight.id, "kind": "response", "source": str(responses[1].id)},
    )  # twice: once
    db.session.refresh(insight)
    assert insight.evidence_count == 2 and insight.release_id == responses[0].release_id
    assert routed(insight) == []  # no rule matches the title; a person routes it by hand


def test_a_stream_removed_by_hand_stays_removed(client, db, setup, login_as):
    insight = services.create_insight("", "Invoice unclear", "", [], setup["owner"])
    db.session.commit()
    route = insight.routes[0]
    login_as(setup["owner"])
    client.post(f"/en/insights/{insight.id}/routes/{route.id}/remove")
    client.post(f"/en/insights/{insight.id}/tags", data={"tags": [str(setup["tags"]["Bill"].id)]})
    db.session.refresh(insight)
    assert [r.stream.slug for r in insight.live_routes] == []  # the rule doesn't bring it back
    client.post(
        f"/en/insights/{insight.id}/routes", data={"stream_id": setup["streams"]["billing"].id}
    )
    db.session.refresh(insight)
    assert [r.stream.slug for r in insight.live_routes] == ["billing"]


def test_publishing_an_answer_acknowledges_a_new_route(db, setup):
    route = services.create_insight("", "Invoice unclear", "", [], setup["owner"]).routes[0]
    services.publish_answer(route, "nl", "en", setup["reviewer"])
    assert route.status == "acknowledged" and route.first_response_at is not None


def test_tags_are_not_duplicated(client, db, setup, make_user, login_as):
    login_as(make_user(roles=[Role.PANEL_MANAGER]))
    response = client.post(
        "/en/insights/setup/tags", data={"name_nl": "rekening", "name_en": "Other"}
    )
    assert response.status_code == 200 and "already a tag" in response.get_data(as_text=True)
    assert Tag.query.count() == 3


def test_add_to_insight_returns_to_the_contribution(client, db, setup, make_member, login_as):
    (author, second, _), responses = make_panel_evidence(db, setup, make_member)
    insight = services.create_insight(
        "", "Bills confuse people", "", [], setup["owner"], evidence=[("response", responses[0].id)]
    )
    db.session.commit()
    login_as(setup["owner"])
    page = f"/en/results/releases/{responses[0].release_id}"
    assert client.get(page).status_code == 200
    response = client.post(
        "/en/insights/evidence",
        headers={"Referer": f"http://localhost{page}"},
        data={"insight_id": insight.id, "kind": "response", "source": str(responses[1].id)},
    )
    assert response.headers["Location"].endswith(page)
    response = client.post(
        "/en/insights/evidence",
        headers={"Referer": "https://evil.example/x"},
        data={"insight_id": "", "kind": "response", "source": str(responses[2].id)},
    )
    assert "evil" not in response.headers["Location"]
    db.session.refresh(insight)
    assert insight.evidence_count == 2
