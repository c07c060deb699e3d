"""Setting up streams, tags and routing rules: adding, removing, archiving, applying a rule to
existing insights; the admin's way to all of it; quotas and settings open to administrators."""

import threading

import pytest

from panel.audit import AuditEntry
from panel.database import utcnow
from panel.insights import rules as setup
from panel.insights import services
from panel.insights.models import (
    Route,
    RoutingRule,
    Stream,
    StreamMember,
    Tag,
    seed_default_streams,
)
from panel.security import Role

from ..conftest import PASSWORD, two_factor_code


@pytest.fixture
def streams(db):
    seed_default_streams()
    db.session.commit()
    return {stream.slug: stream for stream in Stream.query.all()}


@pytest.fixture
def admin(make_user, login_as):
    user = make_user(roles=[Role.ADMIN], name="Ada Admin")
    login_as(user)
    return user


@pytest.fixture
def manager(make_user):
    return make_user(roles=[Role.PANEL_MANAGER], name="Pim Manager")


def logged_in_clients(app, user, count):
    clients = []
    for _ in range(count):
        client = app.test_client()
        response = client.post("/en/login", data={"email": user.email, "password": PASSWORD})
        if user.totp_secret:
            client.post("/en/login/code", data={"totp-code": two_factor_code(user)})
        assert response.status_code == 302
        clients.append(client)
    return clients


def at_once(clients, send):
    barrier = threading.Barrier(len(clients))
    codes = []

    def run(client):
        barrier.wait()
        codes.append(send(client).status_code)

    threads = [threading.Thread(target=run, args=(client,)) for client in clients]
    [thread.start() for thread in threads]
    [thread.join(timeout=60) for thread in threads]
    return sorted(codes)


# The admin's way in ------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_an_admin_reaches_streams_tags_and_rules_from_the_navigation(client, streams, admin, lang):
    home = client.get(f"/{lang}/admin/users").get_data(as_text=True)
    assert f'href="/{lang}/insights/setup/streams"' in home
    page = client.get(f"/{lang}/insights/setup/streams").get_data(as_text=True)
    assert f'href="/{lang}/insights/setup/tags"' in page
    assert f'href="/{lang}/insights/setup/rules"' in page
    # Not the insights' own pages, which an administrator can't open.
    assert f'href="/{lang}/insights/inbox"' not in page
    assert f'href="/{lang}/insights/streams"' not in page


@pytest.mark.parametrize(
    "lang, warning, digest",
    [("en", "No reviewers", "weekly digest"), ("nl", "Geen beoordelaars", "wekelijkse overzicht")],
)
def test_a_stream_without_reviewers_is_flagged(
    client, db, streams, admin, make_user, lang, warning, digest
):
    reviewer = make_user(roles=[Role.REVIEWER], name="Rita Reviewer")
    for stream in streams.values():
        if stream.slug != "billing":
            db.session.add(StreamMember(stream_id=stream.id, user_id=reviewer.id))
    db.session.commit()
    page = client.get(f"/{lang}/insights/setup/streams").get_data(as_text=True)
    assert page.count(warning) == 2  # the one stream, and the note saying what it means
    assert digest in page
    assert warning in client.get(
        f"/{lang}/insights/setup/streams/{streams['billing'].id}"
    ).get_data(as_text=True)


def test_quotas_and_settings_are_open_to_administrators_but_not_the_members(client, admin):
    assert client.get("/en/manage/quotas").status_code == 200
    assert client.get("/en/manage/settings").status_code == 200
    assert client.get("/en/manage/members").status_code == 403
    assert client.get("/en/manage/health").status_code == 403
    page = client.get("/en/manage/quotas").get_data(as_text=True)
    assert 'href="/en/manage/members"' not in page  # the admin's own navigation, no dead end


def test_settings_saved_by_an_administrator_are_audit_logged(client, db, admin):
    page = client.get("/en/manage/settings").get_data(as_text=True)
    assert "Panel settings" in page
    response = client.post(
        "/en/manage/settings",
        data={
            "max_invitations_per_30_days": "3",
            "rest_days_after_taking_part": "10",
            "accept_non_customers": "y",
        },
    )
    assert response.status_code == 302
    assert AuditEntry.query.filter_by(action="panel_settings.update", actor_id=admin.id).count()


# Streams -----------------------------------------------------------------------------------------


def new_stream_data(name_nl="Zakelijk", name_en="Business", **extra):
    return dict(
        name_nl=name_nl,
        name_en=name_en,
        description_nl="Zakelijke klanten.",
        description_en="Business customers.",
        target_days="3",
        **extra,
    )


def test_an_admin_adds_a_stream_with_reviewers(client, db, streams, admin, make_user):
    reviewer = make_user(roles=[Role.REVIEWER], name="Rita Reviewer")
    response = client.post(
        "/en/insights/setup/streams/new", data=new_stream_data(members=[str(reviewer.id)])
    )
    assert response.status_code == 302
    stream = Stream.query.filter_by(name_en="Business").one()
    assert stream.slug == "business" and stream.target_days == 3
    assert [user.id for user in stream.members] == [reviewer.id]
    assert stream.position > max(s.position for s in streams.values())
    assert AuditEntry.query.filter_by(action="stream.create", target_id=stream.id).count() == 1
    # Offered for routing at once.
    form = client.get("/en/insights/setup/rules/new").get_data(as_text=True)
    assert "Business" in form


@pytest.mark.parametrize("lang, message", [("en", "already a stream"), ("nl", "al een stream")])
def test_a_stream_name_is_taken_once(client, db, streams, admin, lang, message):
    response = client.post(
        f"/{lang}/insights/setup/streams/new", data=new_stream_data(name_en="Network")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and message in page
    assert 'value="Zakelijk"' in page  # what was typed stays
    assert Stream.query.count() == len(streams)


def test_two_managers_adding_the_same_stream_at_once_make_one(app, db, streams, manager):
    app.config["RACE_PAUSE_STREAM_CREATE"] = 0.3
    try:
        codes = at_once(
            logged_in_clients(app, manager, 4),
            lambda client: client.post("/en/insights/setup/streams/new", data=new_stream_data()),
        )
    finally:
        app.config["RACE_PAUSE_STREAM_CREATE"] = 0
    db.session.rollback()
    assert codes == [200, 200, 200, 302]
    assert Stream.query.filter_by(name_en="Business").count() == 1


def test_an_unused_stream_is_removed_and_a_used_one_archived(client, db, streams, admin, manager):
    spare = streams["retail"].id
    page = client.get(f"/en/insights/setup/streams/{spare}").get_data(as_text=True)
    assert "Remove stream" in page and "Archive stream" not in page
    assert client.post(f"/en/insights/setup/streams/{spare}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(Stream, spare) is None
    assert AuditEntry.query.filter_by(action="stream.delete", target_id=spare).count() == 1

    billing = streams["billing"]
    rule = RoutingRule(name="Bills", keywords="invoice", streams=[billing])
    db.session.add(rule)
    insight = services.create_insight("Factuur", "Invoice late", "", [], manager)
    db.session.commit()
    assert [route.stream_id for route in insight.routes] == [billing.id]
    page = client.get(f"/en/insights/setup/streams/{billing.id}").get_data(as_text=True)
    assert "Archive stream" in page and "Remove stream" not in page
    # Removing it anyway (an old page) is refused, nothing lost.
    client.post(f"/en/insights/setup/streams/{billing.id}/remove")
    db.session.expire_all()
    assert db.session.get(Stream, billing.id) is not None

    assert client.post(f"/en/insights/setup/streams/{billing.id}/archive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Stream, billing.id).archived_at is not None
    assert Route.query.filter_by(stream_id=billing.id).count() == 1  # its history stays
    assert db.session.get(RoutingRule, rule.id).streams == []  # rules stop sending to it
    assert "archived" in client.get("/en/insights/setup/streams").get_data(as_text=True)
    form = client.get("/en/insights/setup/rules/new").get_data(as_text=True)
    assert "Billing and finance" not in form
    assert [stream.slug for stream in setup.offered_streams()].count("billing") == 0

    assert client.post(f"/en/insights/setup/streams/{billing.id}/restore").status_code == 302
    db.session.expire_all()
    assert db.session.get(Stream, billing.id).archived_at is None


# Tags --------------------------------------------------------------------------------------------


def test_an_unused_tag_is_removed_and_a_used_one_archived(client, db, streams, admin, manager):
    spare, used = Tag(name_nl="Reserve", name_en="Spare"), Tag(name_nl="Rekening", name_en="Bill")
    db.session.add_all([spare, used])
    db.session.flush()
    insight = services.create_insight("Factuur", "Invoice", "", [used], manager)
    db.session.commit()
    spare = spare.id
    assert "Remove tag" in client.get(f"/en/insights/setup/tags/{spare}").get_data(as_text=True)
    assert client.post(f"/en/insights/setup/tags/{spare}/remove").status_code == 302
    db.session.expire_all()
    assert db.session.get(Tag, spare) is None

    page = client.get(f"/en/insights/setup/tags/{used.id}").get_data(as_text=True)
    assert "Archive tag" in page and "Remove tag" not in page
    client.post(f"/en/insights/setup/tags/{used.id}/remove")
    db.session.expire_all()
    assert db.session.get(Tag, used.id) is not None
    assert client.post(f"/en/insights/setup/tags/{used.id}/archive").status_code == 302
    db.session.expire_all()
    assert db.session.get(Tag, used.id).archived_at is not None
    assert [tag.id for tag in insight.tags] == [used.id]  # the insight keeps it
    assert used.id not in [tag.id for tag in setup.offered_tags()]
    assert used.id not in [tag.id for tag in setup.tags_to_offer()]
    assert used.id in [tag.id for tag in setup.tags_to_offer(insight.tags)]
    assert ">Bill<" not in client.get("/en/insights/setup/rules/new").get_data(as_text=True)
    actions = {entry.action for entry in AuditEntry.query.filter_by(target_type="tags")}
    assert {"tag.delete", "tag.archive"} <= actions


# Rules and existing insights ---------------------------------------------------------------------


@pytest.fixture
def rule_and_insights(db, streams, manager):
    billing, network = streams["billing"], streams["network"]
    rule = RoutingRule(name="Bills", keywords="invoice, factuur", streams=[billing, network])
    insights = [
        services.create_insight("", "Invoice unclear", "", [], manager),
        services.create_insight("", "Second invoice", "", [], manager),
        services.create_insight("", "Dark mode", "", [], manager),
    ]
    db.session.flush()
    # One already in both streams: matched, not newly routed.
    services.add_route(insights[1], billing, manager)
    services.add_route(insights[1], network, manager)
    db.session.add(rule)
    db.session.commit()
    return rule, insights


def test_the_preview_counts_matches_and_new_routes(client, db, rule_and_insights, admin):
    rule, insights = rule_and_insights
    assert setup.rule_reach(rule)[:2] == (2, 1)
    response = client.post(
        f"/en/insights/setup/rules/{rule.id}",
        data={
            "name": rule.name,
            "position": "10",
            "keywords": rule.keywords,
            "combine": "or",
            "streams": [str(stream.id) for stream in rule.streams],
            "preview": "1",
        },
    )
    page = response.get_data(as_text=True)
    assert "matches 2 existing insights" in page and "newly route 1 of them" in page
    assert "Invoice unclear" in page and "Second invoice" not in page


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_applying_a_rule_routes_existing_insights_after_a_confirmation(
    client, db, rule_and_insights, admin, lang
):
    rule, insights = rule_and_insights
    rule_page = client.get(f"/{lang}/insights/setup/rules/{rule.id}").get_data(as_text=True)
    assert f'href="/{lang}/insights/setup/rules/{rule.id}/apply"' in rule_page
    confirm = client.get(f"/{lang}/insights/setup/rules/{rule.id}/apply")
    assert confirm.status_code == 200 and "Invoice unclear" in confirm.get_data(as_text=True)
    assert Route.query.filter_by(insight_id=insights[0].id).count() == 0
    response = client.post(f"/{lang}/insights/setup/rules/{rule.id}/apply", data={})
    assert response.status_code == 302
    routes = Route.query.filter_by(insight_id=insights[0].id).all()
    assert sorted(route.stream_id for route in routes) == sorted(s.id for s in rule.streams)
    assert all(route.rule_id == rule.id for route in routes)
    assert Route.query.filter_by(insight_id=insights[2].id).count() == 0
    entry = AuditEntry.query.filter_by(action="rule.apply").one()
    assert entry.actor_id == admin.id and entry.details == {"insights": 1}
    # Again: nothing left to route.
    client.post(f"/{lang}/insights/setup/rules/{rule.id}/apply", data={})
    assert Route.query.count() == 4


def test_a_route_taken_out_by_hand_is_not_sent_back(db, rule_and_insights, admin, manager):
    rule, insights = rule_and_insights
    route = services.add_route(insights[0], rule.streams[0], manager)
    services.remove_route(route, manager)
    db.session.commit()
    setup.apply_rule(rule, admin)
    routed = {r.stream_id: r.removed_at for r in Route.query.filter_by(insight_id=insights[0].id)}
    assert routed[rule.streams[0].id] is not None and routed[rule.streams[1].id] is None


def test_applying_a_rule_twice_at_once_routes_each_insight_once(
    app, db, rule_and_insights, manager
):
    rule, insights = rule_and_insights
    url = f"/en/insights/setup/rules/{rule.id}/apply"
    app.config["RACE_PAUSE_RULE_APPLY"] = 0.3
    try:
        codes = at_once(
            logged_in_clients(app, manager, 3), lambda client: client.post(url, data={})
        )
    finally:
        app.config["RACE_PAUSE_RULE_APPLY"] = 0
    db.session.rollback()
    assert codes == [302, 302, 302]
    assert Route.query.filter_by(insight_id=insights[0].id).count() == 2
    assert Route.query.count() == 4


def test_an_admin_without_insights_sees_titles_not_links(client, db, rule_and_insights, admin):
    rule, insights = rule_and_insights
    page = client.get(f"/en/insights/setup/rules/{rule.id}/apply").get_data(as_text=True)
    assert "Invoice unclear" in page
    assert f"/en/insights/{insights[0].id}" not in page


def test_applying_a_rule_leaves_merged_and_closed_insights_alone(
    client, db, rule_and_insights, admin, manager
):
    rule, insights = rule_and_insights
    merged = services.create_insight("", "Invoice twice", "", [], manager)
    closed = services.create_insight("", "Invoice font", "", [], manager)
    db.session.flush()
    # Made after the rule, so the rule routed them; take that back to see what applying does.
    Route.query.filter(Route.insight_id.in_([merged.id, closed.id])).delete()
    merged.merged_into_id = insights[0].id
    closed.closed_at = utcnow()
    db.session.commit()
    assert setup.rule_reach(rule)[:2] == (2, 1)
    confirm = client.get(f"/en/insights/setup/rules/{rule.id}/apply").get_data(as_text=True)
    assert "Invoice twice" not in confirm and "Invoice font" not in confirm
    client.post(f"/en/insights/setup/rules/{rule.id}/apply", data={})
    assert Route.query.filter(Route.insight_id.in_([merged.id, closed.id])).count() == 0
