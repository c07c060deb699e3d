"""Merging and closing as duplicate tell panelists the answers they missed (issue 16): the
duplicate's panelists hear what the kept insight already answered, the kept insight's panelists
hear an answer that moves over with a route, and a close as duplicate tells the panelists it
adds to an answered insight. Once each, in the recipient's language, by e-mail only when wanted;
raced against an answer on both databases."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import event

from panel.database import utcnow
from panel.errors import NotAllowed
from panel.extensions import db as _db
from panel.feedback import services as feedback
from panel.insights import manage, services
from panel.insights.models import (
    Insight,
    Route,
    RoutingRule,
    Stream,
    StreamMember,
    Tag,
    seed_default_streams,
)
from panel.mail import OutboxMessage
from panel.notifications.models import Notification, NotificationPreference
from panel.security import Role

NL_SUBJECT = "Facturering en financiën heeft gereageerd op wat je ons vertelde"
EN_SUBJECT = "Billing and finance answered what you told us"


@pytest.fixture
def setup(db, make_user):
    seed_default_streams()
    app_tag = Tag(name_nl="App", name_en="App")
    db.session.add(app_tag)
    streams = {s.slug: s for s in Stream.query.all()}
    db.session.add_all(
        [
            RoutingRule(
                position=10, name="Bills", keywords="invoice", streams=[streams["billing"]]
            ),
            RoutingRule(position=20, name="App", tags=[app_tag], streams=[streams["network"]]),
        ]
    )
    owner = make_user(roles=[Role.PRODUCT_OWNER])
    reviewer = make_user(roles=[Role.REVIEWER])
    db.session.add(StreamMember(stream_id=streams["billing"].id, user_id=reviewer.id))
    db.session.commit()
    return {"app": app_tag, "owner": owner, "reviewer": reviewer}


@pytest.fixture
def panelists(db, setup, make_member):
    """make(*locales) → [(member, response)], each with app feedback to build insights on."""
    now = utcnow()
    release = feedback.save_release(
        None,
        {
            "version": "1",
            "month": now.date().replace(day=1),
            "opens_at": now - timedelta(hours=1),
            "closes_at": now + timedelta(days=3),
            "audience": "all",
            "sample_size": None,
        },
        [{"title_nl": "a", "title_en": "a", "description_nl": "b", "description_en": "b"}],
        setup["owner"],
    )
    feedback.publish_release(release, setup["owner"])

    def make(*locales):
        found = []
        for number, locale in enumerate(locales):
            member = make_member(locale=locale)
            response = feedback.save_response(
                release, member, {"score": 4, "improve_text": f"De rekening {number}"}
            )
            found.append((member, response))
        db.session.commit()
        return found

    return make


def insight(setup, title, people, tags=()):
    return services.create_insight(
        "",
        title,
        "",
        list(tags),
        setup["owner"],
        evidence=[("response", response.id) for _member, response in people],
    )


def route_in(insight_, slug):
    return next(route for route in insight_.routes if route.stream.slug == slug)


def told(user_id):
    return Notification.query.filter_by(kind="insight_answer", user_id=user_id).count()


def mails_to(member):
    return OutboxMessage.query.filter_by(to_address=member.user.email, kind="insight_answer").all()


def reset_messages(db):
    Notification.query.delete()
    OutboxMessage.query.delete()
    db.session.commit()


def assert_mailed_in_own_language(member, answer_nl, answer_en, subject_nl, subject_en):
    (mail,) = mails_to(member)
    if member.user.locale == "nl":
        assert mail.locale == "nl" and mail.subject == subject_nl
        assert answer_nl in mail.body_text and answer_en not in mail.body_text
        assert "/nl/" in mail.body_text
    else:
        assert mail.locale == "en" and mail.subject == subject_en
        assert answer_en in mail.body_text and answer_nl not in mail.body_text
        assert "/en/" in mail.body_text
    (notification,) = Notification.query.filter_by(kind="insight_answer", user_id=member.user_id)
    assert notification.link.startswith(f"/{member.user.locale}/")


def test_merge_tells_the_duplicates_panelists_what_the_kept_insight_answered(db, setup, panelists):
    (both, _), (kept_only, _), (dup_nl, _), (dup_en, _) = people = panelists("en", "nl", "nl", "en")
    kept = insight(setup, "Invoice unclear", [people[0], people[1]])
    duplicate = insight(setup, "The invoice confuses", [people[0], people[2], people[3]])
    services.publish_answer(route_in(kept, "billing"), "Antwoord", "Answer", setup["reviewer"])
    db.session.commit()
    assert told(both.user_id) == told(kept_only.user_id) == 1
    reset_messages(db)

    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()

    # Only the duplicate's panelists who were not behind the kept insight hear it, once each.
    assert [told(m.user_id) for m in (both, kept_only, dup_nl, dup_en)] == [0, 0, 1, 1]
    for member in (dup_nl, dup_en):
        assert_mailed_in_own_language(member, "Antwoord", "Answer", NL_SUBJECT, EN_SUBJECT)
        assert "Invoice unclear" in mails_to(member)[0].body_text  # the kept insight's title
    # The duplicate's billing route was folded into the kept one: nothing more to tell.
    assert OutboxMessage.query.count() == 2


def test_merge_tells_the_kept_panelists_the_answers_that_move_over(db, setup, panelists):
    (kept_nl, _), (kept_en, _), (both, _), (dup_only, _) = people = panelists(
        "nl", "en", "nl", "nl"
    )
    kept = insight(setup, "Invoice unclear", [people[0], people[1], people[2]])
    # In billing too (where the kept insight has no answer yet), and in network with its tag.
    duplicate = insight(setup, "The invoice", [people[2], people[3]], [setup["app"]])
    services.publish_answer(
        route_in(duplicate, "billing"), "Rekening NL", "Bill EN", setup["owner"]
    )
    services.publish_answer(
        route_in(duplicate, "network"), "Netwerk NL", "Network EN", setup["owner"]
    )
    db.session.commit()
    reset_messages(db)

    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()

    # Both answers now stand on the kept insight: its own panelists hear each once.
    assert [told(m.user_id) for m in (kept_nl, kept_en, both, dup_only)] == [2, 2, 0, 0]
    for member in (kept_nl, kept_en):
        by_subject = {mail.subject: mail for mail in mails_to(member)}
        nl = member.user.locale == "nl"
        billing = by_subject[NL_SUBJECT if nl else EN_SUBJECT]
        network = by_subject[
            "Netwerk heeft gereageerd op wat je ons vertelde"
            if nl
            else "Network answered what you told us"
        ]
        assert ("Rekening NL" if nl else "Bill EN") in billing.body_text
        assert ("Netwerk NL" if nl else "Network EN") in network.body_text
    db.session.expire_all()
    assert route_in(db.session.get(Insight, kept.id), "billing").answer_en == "Bill EN"


def test_close_as_duplicate_tells_the_panelists_it_adds_what_the_other_answered(
    db, setup, panelists
):
    (other_only, _), (both, _), (dup_nl, _), (dup_en, _) = people = panelists(
        "nl", "en", "nl", "en"
    )
    other = insight(setup, "Invoice unclear", [people[0], people[1]])
    duplicate = insight(setup, "Invoice", [people[1], people[2], people[3]])
    services.publish_answer(route_in(other, "billing"), "Antwoord", "Answer", setup["reviewer"])
    db.session.commit()
    reset_messages(db)

    manage.close_insight(duplicate, "duplicate", setup["owner"], duplicate_of=other)
    db.session.commit()

    assert [told(m.user_id) for m in (other_only, both, dup_nl, dup_en)] == [0, 0, 1, 1]
    for member in (dup_nl, dup_en):
        assert_mailed_in_own_language(member, "Antwoord", "Answer", NL_SUBJECT, EN_SUBJECT)
    # Closed again after a reopen: they are behind it already, nobody is told twice.
    manage.reopen_insight(duplicate, setup["owner"])
    db.session.commit()
    manage.close_insight(duplicate, "duplicate", setup["owner"], duplicate_of=other)
    db.session.commit()
    assert [told(m.user_id) for m in (other_only, both, dup_nl, dup_en)] == [0, 0, 1, 1]
    # A later answer reaches each of them once.
    services.publish_answer(route_in(other, "billing"), "Nieuw", "New", setup["reviewer"])
    db.session.commit()
    assert [told(m.user_id) for m in (other_only, both, dup_nl, dup_en)] == [0, 0, 1, 1]


def test_who_switched_the_answers_off_is_told_in_the_app_but_not_mailed(db, setup, panelists):
    people = panelists("nl", "nl", "en")
    (_kept, _), (quiet, _), (loud, _) = people
    db.session.add(
        NotificationPreference(user_id=quiet.user_id, kind="insight_answer", email_enabled=False)
    )
    kept = insight(setup, "Invoice unclear", [people[0]])
    duplicate = insight(setup, "Invoice", [people[1], people[2]])
    services.publish_answer(route_in(kept, "billing"), "Antwoord", "Answer", setup["reviewer"])
    db.session.commit()
    manage.merge_insights(duplicate, kept, setup["owner"])
    db.session.commit()
    assert told(quiet.user_id) == told(loud.user_id) == 1
    assert mails_to(quiet) == [] and len(mails_to(loud)) == 1


def test_telling_many_costs_no_query_per_panelist(app, db, setup, panelists):
    def statements_of_merge(size):
        people = panelists(*(["nl", "en"] * size))
        kept = insight(setup, "Invoice unclear", people[:1])
        duplicate = insight(setup, "Invoice", people[1:])
        services.publish_answer(route_in(kept, "billing"), "Antwoord", "Answer", setup["owner"])
        db.session.commit()
        count = [0]

        def counter(*_args):
            count[0] += 1

        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            manage.merge_insights(duplicate, kept, setup["owner"])
            db.session.commit()
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        # One at publishing, then one to each panelist behind the duplicate only.
        assert Notification.query.count() == 1 + 2 * size - 1
        reset_messages(db)
        return count[0]

    assert statements_of_merge(2) == statements_of_merge(6)


# Raced: a merge and an answer on either insight at once -----------------------------------------


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


@pytest.mark.parametrize("answered", ["kept", "duplicate"])
@pytest.mark.parametrize("first", ["merge", "answer"])
def test_a_merge_and_an_answer_at_once_tell_everyone_once(
    app, db, setup, panelists, answered, first
):
    people = panelists("nl", "en", "nl", "en")
    kept = insight(setup, "Invoice unclear", people[:2])
    # The duplicate is only in network (no invoice in its title): its route moves over whole.
    duplicate = insight(setup, "The app", people[2:], [setup["app"]])
    db.session.commit()
    route_id = route_in(
        kept if answered == "kept" else duplicate, "billing" if answered == "kept" else "network"
    ).id
    ids = {"kept": kept.id, "duplicate": duplicate.id, "owner": setup["owner"].id}

    def merge():
        if first == "answer":
            time.sleep(0.1)
        actor = _db.session.get(type(setup["owner"]), ids["owner"])
        manage.merge_insights(
            _db.session.get(Insight, ids["duplicate"]), _db.session.get(Insight, ids["kept"]), actor
        )
        return "merged"

    def answer():
        if first == "merge":
            time.sleep(0.1)
        actor = _db.session.get(type(setup["owner"]), ids["owner"])
        route = _db.session.get(Route, route_id)
        # Read before the merge moves anything: what the answer tells must not rest on it.
        assert route.insight.evidence
        services.publish_answer(route, "Antwoord", "Answer", actor)
        return "answered"

    assert race(app, [merge, answer]) == ["merged", "answered"]
    db.session.rollback()
    for member, _response in people:
        assert told(member.user_id) == 1, (member.user.locale, answered, first)
        assert len(mails_to(member)) == 1
