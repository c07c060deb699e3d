"""Managing insights (panel/insights/manage.py): merge, close as duplicate / won't act, edit with
the routing preview, and the warning for streams nobody reads; raced on both databases."""

import threading

import pytest

from panel.audit import AuditEntry
from panel.errors import NotAllowed
from panel.extensions import db as _db
from panel.insights import manage, services
from panel.insights.models import (
    Evidence,
    Insight,
    InternalNote,
    Route,
    RoutingRule,
    Stream,
    StreamMember,
    Tag,
    seed_default_streams,
)
from panel.notifications.models import Notification
from panel.security import Role

from .test_insights import make_panel_evidence


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    tags = {
        "Bill": Tag(name_nl="Rekening", name_en="Bill"),
        "App": Tag(name_nl="App", name_en="App"),
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
            RoutingRule(position=20, name="App", tags=[tags["App"]], streams=[streams["network"]]),
        ]
    )
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    reviewer = make_user(roles=[Role.REVIEWER])
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=reviewer.id))
    db.session.commit()
    return {"tags": tags, "streams": streams, "owner": owner, "reviewer": reviewer}


def insight_with(setup, title, evidence=(), tags=()):
    return services.create_insight("", title, "", list(tags), setup["owner"], evidence=evidence)


def test_merge_moves_evidence_once_routes_tags_and_answers(db, setup, make_member):
    members, responses = make_panel_evidence(db, setup, make_member)
    owner = setup["owner"]
    kept = insight_with(setup, "Invoice unclear", [("response", responses[0].id)])
    duplicate = insight_with(
        setup,
        "The invoice confuses",
        [("response", responses[0].id), ("response", responses[1].id)],
        [setup["tags"]["App"]],
    )
    # Both in billing: the duplicate's route is further along and answered.
    dup_route = next(r for r in duplicate.routes if r.stream.slug == "billing")
    services.publish_answer(dup_route, "Antwoord", "Answer", setup["reviewer"])
    services.set_status(dup_route, "in_progress", setup["reviewer"])
    services.add_note(dup_route, "staff only", setup["reviewer"])
    db.session.commit()
    manage.merge_insights(duplicate, kept, owner)
    db.session.commit()
    db.session.expire_all()
    kept, duplicate = db.session.get(Insight, kept.id), db.session.get(Insight, duplicate.id)
    assert duplicate.merged_into_id == kept.id and duplicate.evidence_count == 0
    assert sorted(e.source_id for e in kept.evidence) == [responses[0].id, responses[1].id]
    assert kept.evidence_count == 2
    assert {t.name_en for t in kept.tags} == {"App"}
    billing = [r for r in kept.routes if r.stream.slug == "billing"]
    assert len(billing) == 1 and billing[0].status == "in_progress"
    assert billing[0].answer_en == "Answer"
    assert InternalNote.query.one().route_id == billing[0].id
    assert Route.query.filter_by(insight_id=duplicate.id).count() == 0
    assert "network" in {r.stream.slug for r in kept.routes}  # its App tag routes it there
    assert AuditEntry.query.filter_by(action="insight.merge").count() == 1
    # The panelists behind either are behind the kept insight: a new answer reaches both.
    network = next(r for r in kept.routes if r.stream.slug == "network")
    services.publish_answer(network, "nl", "en", owner)
    db.session.commit()
    told = {n.user_id for n in Notification.query.filter_by(kind="insight_answer")}
    assert {members[0].user_id, members[1].user_id} <= told


def test_merged_insight_page_leads_to_the_kept_one(client, db, setup, login_as):
    kept, duplicate = insight_with(setup, "A"), insight_with(setup, "B")
    db.session.commit()
    login_as(setup["owner"])
    page = client.get(f"/en/insights/{duplicate.id}/merge")
    confirm = client.post(
        f"/en/insights/{duplicate.id}/merge",
        data={"kept_id": kept.id, "csrf_token": csrf_of(page)},
    )  # first what would move
    assert "Merge into “A”?" in confirm.get_data(as_text=True) and "Yes, merge" in (
        confirm.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Insight, duplicate.id).merged_into_id is None
    response = client.post(
        f"/en/insights/{duplicate.id}/merge",
        data={"kept_id": kept.id, "confirm": "1", "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 302 and response.location.endswith(f"/insights/{kept.id}")
    response = client.get(f"/en/insights/{duplicate.id}")
    assert response.status_code == 302 and response.location.endswith(f"/insights/{kept.id}")
    assert "Merged into this insight:" in client.get(f"/en/insights/{kept.id}").get_data(
        as_text=True
    )
    # Merging again (a second tab): refused with a word, nothing changes.
    response = client.post(
        f"/en/insights/{kept.id}/merge",
        data={"kept_id": kept.id, "confirm": "1", "csrf_token": csrf_of(page)},
        follow_redirects=True,
    )
    assert "be merged with or be a duplicate of itself" in response.get_data(as_text=True)


def csrf_of(response):
    from tests.conftest import csrf_token_from

    return csrf_token_from(response)


def test_merge_refusals(db, setup):
    one, two = insight_with(setup, "A"), insight_with(setup, "B")
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        manage.merge_insights(one, one, setup["owner"])
    assert refused.value.code == "same"
    manage.merge_insights(one, two, setup["owner"])
    db.session.commit()
    with pytest.raises(NotAllowed) as refused:
        manage.merge_insights(two, one, setup["owner"])
    assert refused.value.code == "merged"


def race(app, works):
    """Run the works at once (each in its own app context and transaction); [outcome]."""
    barrier = threading.Barrier(len(works))
    outcomes, errors = [None] * len(works), []

    def run(number, work):
        with app.app_context():
            barrier.wait()
            try:
                outcomes[number] = work()
                _db.session.commit()
            except NotAllowed as refusal:
                _db.session.rollback()
                outcomes[number] = refusal.code
            except Exception as error:  # noqa: BLE001 - any error fails the test
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(works)]
    app.config["INSIGHT_RACE_DELAY"] = 0.2
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        app.config["INSIGHT_RACE_DELAY"] = 0
    assert errors == []
    return outcomes


def test_two_insights_merged_into_each_other_at_once_merge_once(app, db, setup, make_member):
    _members, responses = make_panel_evidence(db, setup, make_member)
    one = insight_with(setup, "Invoice A", [("response", responses[0].id)])
    two = insight_with(setup, "Invoice B", [("response", responses[1].id)])
    db.session.commit()
    ids, owner_id = (one.id, two.id), setup["owner"].id

    def merge(dup, kept):
        def work():
            actor = _db.session.get(type(setup["owner"]), owner_id)
            manage.merge_insights(
                _db.session.get(Insight, dup), _db.session.get(Insight, kept), actor
            )
            return "done"

        return work

    outcomes = race(app, [merge(ids[0], ids[1]), merge(ids[1], ids[0])])
    db.session.rollback()
    merged = Insight.query.filter(Insight.merged_into_id.isnot(None)).all()
    assert sorted(outcomes) == ["done", "merged"] and len(merged) == 1, [
        (i.id, i.merged_into_id) for i in merged
    ]
    kept = db.session.get(Insight, merged[0].merged_into_id)
    assert kept.merged_into_id is None and kept.evidence_count == 2
    assert Evidence.query.filter_by(insight_id=kept.id).count() == 2


def test_two_merges_of_one_insight_at_once_move_it_once(app, db, setup, make_member):
    _members, responses = make_panel_evidence(db, setup, make_member)
    duplicate = insight_with(setup, "Invoice", [("response", responses[0].id)])
    first, second = insight_with(setup, "Bill A"), insight_with(setup, "Bill B")
    db.session.commit()
    owner_id = setup["owner"].id

    def merge(kept_id):
        def work():
            actor = _db.session.get(type(setup["owner"]), owner_id)
            manage.merge_insights(
                _db.session.get(Insight, duplicate.id), _db.session.get(Insight, kept_id), actor
            )
            return "done"

        return work

    outcomes = race(app, [merge(first.id), merge(second.id)])
    assert sorted(outcomes) == ["done", "merged"]
    db.session.rollback()
    counts = sorted(
        db.session.get(Insight, number).evidence_count for number in (first.id, second.id)
    )
    assert counts == [0, 1] and Evidence.query.count() == 1


def test_close_as_wont_act_declines_open_routes_and_tells_panelists_once(
    client, db, setup, make_member, login_as
):
    members, responses = make_panel_evidence(db, setup, make_member)
    insight = insight_with(
        setup,
        "Invoice unclear",
        [("response", responses[0].id), ("response", responses[1].id)],
        [setup["tags"]["App"]],
    )
    db.session.commit()
    assert {r.stream.slug for r in insight.routes} == {"billing", "network"}
    login_as(setup["owner"])
    page = client.get(f"/en/insights/{insight.id}/close")
    response = client.post(
        f"/en/insights/{insight.id}/close",
        data={"kind": "wont_act", "reason_nl": "", "reason_en": "", "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 200  # a reason is needed; nothing closed
    assert "Say why in at least one language" in response.get_data(as_text=True)
    response = client.post(
        f"/en/insights/{insight.id}/close",
        data={
            "kind": "wont_act",
            "reason_nl": "Dit past niet in onze plannen.",
            "reason_en": "This doesn't fit our plans.",
            "csrf_token": csrf_of(page),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    insight = db.session.get(Insight, insight.id)
    assert insight.closed_at is not None and insight.close_kind == "wont_act"
    assert {r.status for r in insight.routes} == {"declined"}
    assert {r.answer_en for r in insight.routes} == {"This doesn't fit our plans."}
    told = [n.user_id for n in Notification.query.filter_by(kind="insight_answer")]
    assert sorted(told) == sorted([members[0].user_id, members[1].user_id])  # once each
    # Closed: the list leaves it out until asked for closed ones; the rules leave it alone.
    assert f'/insights/{insight.id}"' not in client.get("/en/insights/").get_data(as_text=True)
    assert f'/insights/{insight.id}"' in client.get("/en/insights/?state=closed").get_data(
        as_text=True
    )


def test_close_as_duplicate_lets_the_streams_go_and_copies_the_evidence(
    client, db, setup, make_member, login_as
):
    members, responses = make_panel_evidence(db, setup, make_member)
    other = insight_with(setup, "Invoice unclear", [("response", responses[0].id)])
    duplicate = insight_with(
        setup, "Invoice", [("response", responses[0].id), ("response", responses[1].id)]
    )
    db.session.commit()
    login_as(setup["owner"])
    page = client.get(f"/en/insights/{duplicate.id}/close")
    response = client.post(
        f"/en/insights/{duplicate.id}/close",
        data={"kind": "duplicate", "duplicate_of": "999999", "csrf_token": csrf_of(page)},
    )
    assert "There is no insight with that number." in response.get_data(as_text=True)
    response = client.post(
        f"/en/insights/{duplicate.id}/close",
        data={"kind": "duplicate", "duplicate_of": f"#{other.id}", "csrf_token": csrf_of(page)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    duplicate, other = db.session.get(Insight, duplicate.id), db.session.get(Insight, other.id)
    assert duplicate.duplicate_of_id == other.id and duplicate.live_routes == []
    assert duplicate.evidence_count == 2 and other.evidence_count == 2
    assert Notification.query.filter_by(kind="insight_answer").count() == 0
    page = client.get(f"/en/insights/{duplicate.id}").get_data(as_text=True)
    assert "Closed as a duplicate" in page and f"#{other.id}" in page
    # When the other insight is answered, the duplicate's panelists hear it too.
    services.publish_answer(other.routes[0], "nl", "en", setup["reviewer"])
    db.session.commit()
    told = {n.user_id for n in Notification.query.filter_by(kind="insight_answer")}
    assert told == {members[0].user_id, members[1].user_id}


def test_two_closes_at_once_close_once(app, db, setup):
    insight = insight_with(setup, "Invoice unclear")
    db.session.commit()
    owner_id = setup["owner"].id

    def close():
        actor = _db.session.get(type(setup["owner"]), owner_id)
        manage.close_insight(_db.session.get(Insight, insight.id), "wont_act", actor, "", "No")
        return "closed_now"

    outcomes = race(app, [close, close])
    assert sorted(outcomes) == ["closed", "closed_now"]
    db.session.rollback()
    assert AuditEntry.query.filter_by(action="insight.close").count() == 1


def test_edit_previews_new_streams_and_warns_of_streams_nobody_reads(client, db, setup, login_as):
    insight = insight_with(setup, "Something")
    db.session.commit()
    assert insight.routes == []
    login_as(setup["owner"])
    url = f"/en/insights/{insight.id}/edit"
    page = client.get(url)
    data = {
        "title_nl": "",
        "title_en": "Something",
        "description": "",
        "tags": [str(setup["tags"]["Bill"].id), str(setup["tags"]["App"].id)],
        "csrf_token": csrf_of(page),
    }
    preview = client.post(url, data=dict(data, action="preview")).get_data(as_text=True)
    assert "Billing" in preview and "Nobody reads this stream" in preview
    db.session.expire_all()
    assert db.session.get(Insight, insight.id).routes == []  # a preview saves nothing
    response = client.post(url, data=data, follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "now also in 2 more streams" in text
    assert "Nobody reads the inbox of Network" in text  # billing has a reviewer
    assert "Nobody reads the inbox of Billing" not in text


def test_adding_a_route_by_hand_to_a_stream_nobody_reads_warns(client, db, setup, login_as):
    insight = insight_with(setup, "Something")
    db.session.commit()
    login_as(setup["owner"])
    text = client.post(
        f"/en/insights/{insight.id}/routes",
        data={"stream_id": setup["streams"]["network"].id},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Nobody reads the inbox of Network yet" in text


def test_adding_to_one_insight_at_once_counts_every_contribution_once(app, db, setup, make_member):
    _members, responses = make_panel_evidence(db, setup, make_member)
    insight = insight_with(setup, "Invoice unclear", [("response", responses[0].id)])
    db.session.commit()
    owner_id = setup["owner"].id

    def add(items):
        def work():
            actor = _db.session.get(type(setup["owner"]), owner_id)
            return manage.add_items(_db.session.get(Insight, insight.id), items, actor)["added"]

        return work

    both = [("response", responses[1].id)]
    outcomes = race(app, [add(both), add(both + [("response", responses[2].id)])])
    assert sorted(outcomes) in ([0, 2], [1, 1])
    db.session.rollback()
    db.session.refresh(insight)
    assert insight.evidence_count == 3 and Evidence.query.count() == 3


def test_making_an_insight_that_goes_to_a_stream_nobody_reads_warns(
    client, db, setup, make_member, login_as
):
    _members, responses = make_panel_evidence(db, setup, make_member)
    login_as(setup["owner"])
    page = client.get(f"/en/insights/new?item=response:{responses[0].id}")
    text = client.post(
        "/en/insights/new",
        data={
            "item": f"response:{responses[0].id}",
            "title_en": "The app crashes",
            "tags": [str(setup["tags"]["App"].id)],
            "csrf_token": csrf_of(page),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Nobody reads the inbox of Network yet" in text
    nl = client.get("/nl/insights/").get_data(as_text=True)
    assert "The app crashes" in nl


def test_a_closed_insight_reopens_and_a_second_reopen_is_told(client, db, setup, login_as):
    insight = insight_with(setup, "Invoice unclear")
    db.session.commit()
    manage.close_insight(insight, "wont_act", setup["owner"], "Nee", "No")
    db.session.commit()
    login_as(setup["owner"])
    page = client.get(f"/en/insights/{insight.id}")
    assert "Closed: we won't act on it" in page.get_data(as_text=True)
    token = csrf_of(page)
    text = client.post(
        f"/en/insights/{insight.id}/reopen", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "The insight is open again." in text
    text = client.post(
        f"/en/insights/{insight.id}/reopen", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)
    assert "It is open already." in text
    db.session.expire_all()
    assert db.session.get(Insight, insight.id).closed_at is None
    assert AuditEntry.query.filter_by(action="insight.reopen").count() == 1


def test_the_edit_form_offers_archived_tags_only_where_the_insight_has_them(
    client, db, setup, login_as
):
    from panel.database import utcnow

    old = Tag(name_nl="Papier", name_en="Paper", archived_at=utcnow())
    db.session.add(old)
    tagged = insight_with(setup, "Paper bill", tags=[old])
    plain = insight_with(setup, "Other")
    db.session.commit()
    login_as(setup["owner"])
    assert "Paper" in client.get(f"/en/insights/{tagged.id}/edit").get_data(as_text=True)
    assert ">Paper<" not in client.get(f"/en/insights/{plain.id}/edit").get_data(as_text=True)


def test_a_newly_chosen_archived_tag_is_refused_by_name_and_a_kept_one_stays(
    client, db, setup, login_as
):
    from panel.database import utcnow
    from tests.conftest import csrf_token_from

    old = Tag(name_nl="Papier", name_en="Paper", archived_at=utcnow())
    db.session.add(old)
    tagged = insight_with(setup, "Paper bill", tags=[old])
    plain = insight_with(setup, "Other")
    db.session.commit()
    login_as(setup["owner"])
    refused = "‘Paper’ is archived, so it can't be added any more. Choose another tag."
    # New: the form doesn't offer it; sent anyway (a page open from before), refused by name,
    # with what was typed kept.
    page = client.get("/en/insights/new")
    assert ">Paper<" not in page.get_data(as_text=True)
    response = client.post(
        "/en/insights/new",
        data={"title_en": "Kept words", "tags": [old.id], "csrf_token": csrf_token_from(page)},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and refused.replace("'", "&#39;") in html
    assert 'value="Kept words"' in html
    assert Insight.query.filter_by(title_en="Kept words").count() == 0
    # Edit: refused on the insight without it, kept on the insight that has it.
    url = f"/en/insights/{plain.id}/edit"
    response = client.post(
        url,
        data={
            "title_en": "Other",
            "tags": [old.id],
            "csrf_token": csrf_token_from(client.get(url)),
        },
    )
    assert refused.replace("'", "&#39;") in response.get_data(as_text=True)
    url = f"/en/insights/{tagged.id}/edit"
    response = client.post(
        url,
        data={
            "title_en": "Paper bills",
            "tags": [old.id],
            "csrf_token": csrf_token_from(client.get(url)),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert [tag.id for tag in db.session.get(Insight, tagged.id).tags] == [old.id]
    # The tags form on the insight's page: refused with a word, nothing saved.
    token = csrf_token_from(client.get(f"/en/insights/{plain.id}"))
    response = client.post(
        f"/en/insights/{plain.id}/tags", data={"tags": [old.id], "csrf_token": token}
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert refused.replace("'", "&#39;") in page
    db.session.expire_all()
    assert db.session.get(Insight, plain.id).tags == []
    # Dutch.
    page = client.get(f"/nl/insights/{plain.id}/edit")
    response = client.post(
        f"/nl/insights/{plain.id}/edit",
        data={"title_en": "Other", "tags": [old.id], "csrf_token": csrf_token_from(page)},
    )
    assert "‘Papier’ is gearchiveerd" in response.get_data(as_text=True)
