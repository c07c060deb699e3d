"""'You asked for this': when a release is published, every panelist behind a linked insight or
idea gets one message (in their language, listing what they asked for and how), members who
left or were removed get nothing, a later link tells only the new askers, and two requests
announcing at once never tell anyone twice (SQLite and PostgreSQL)."""

import json
import threading
from datetime import timedelta
from functools import partial

import pytest
from flask import g
from flask_babel import refresh
from sqlalchemy import select

from panel.accounts.models import User
from panel.extensions import db as thread_db
from panel.feedback import services as feedback
from panel.feedback.models import FeedbackInvitation, Release, ReleaseChange
from panel.insights.models import Insight
from panel.mail import OutboxMessage
from panel.notifications.models import Notification, NotificationPreference
from panel.security import Role
from panel.shipped import announce, links
from panel.shipped.models import ShippedNotice

from . import conftest as shipped
from .conftest import make_idea

OWNER = {"name": "Olga Owner", "locale": "nl"}
ROUND_STAGE = None
# Here an insight rests on its members' reactions only.
make_insight = partial(shipped.make_insight, former_member=False)


def publish(db, release, owner):
    feedback.publish_release(release, owner)
    db.session.commit()


def told(db, release=None):
    """{member user id: [notification params]} of the 'asked_shipped' notifications."""
    db.session.expire_all()
    found = {}
    for notification in Notification.query.filter_by(kind="asked_shipped"):
        found.setdefault(notification.user_id, []).append(notification)
    return found


def mails_to(member):
    return OutboxMessage.query.filter_by(to_address=member.user.email, kind="asked_shipped").all()


@pytest.mark.parametrize("few", [announce.FEW, 0])  # how they asked read for them, or for all
def test_publishing_tells_exactly_the_askers_once_in_their_language(
    db, owner, make_member, make_release, round_, monkeypatch, few
):
    monkeypatch.setattr(announce, "FEW", few)
    ann = make_member(locale="nl", name="Ann de Vries")  # her reaction is evidence
    bob = make_member(locale="en", name="Bob Baker")  # his idea, and evidence for the 2nd change
    cas = make_member(locale="en", name="Cas Cole")  # supports bob's idea
    eva = make_member(locale="nl")  # asked for nothing
    release = make_release()
    usage, dark = release.changes
    links.link_insight(usage, make_insight(db, [ann]), owner)
    links.link_insight(dark, make_insight(db, [bob], nl="Te fel", en="Too bright"), owner)
    links.link_idea(usage, make_idea(db, round_, bob, supporters=[cas]), owner)
    db.session.commit()
    assert told(db) == {}  # linking a draft tells nobody

    publish(db, release, owner)

    notices = told(db)
    assert set(notices) == {ann.user_id, bob.user_id, cas.user_id}
    assert all(len(found) == 1 for found in notices.values())
    assert eva.user_id not in notices
    (ann_notice,) = notices[ann.user_id]
    assert ann_notice.params == {
        "release_id": release.id,
        "version": "11.12",
        "change": {"nl": "Verbruik per dag", "en": "Usage per day"},
        "more": 0,
    }
    assert ann_notice.link == f"/nl/feedback/{release.id}"  # the window is open
    (bob_notice,) = notices[bob.user_id]
    assert bob_notice.params["more"] == 1

    (ann_mail,) = mails_to(ann)
    assert ann_mail.locale == "nl"
    assert ann_mail.subject == "Je vroeg erom: ‘Verbruik per dag’ zit in versie 11.12"
    assert "Hoi Ann," in ann_mail.body_text
    assert "Het hoort bij het inzicht ‘Verbruik per dag laten zien’." in ann_mail.body_text
    assert "Feedback geven op versie 11.12" in ann_mail.body_html
    assert "Donkere modus" not in ann_mail.body_text  # she did not ask for that one

    (bob_mail,) = mails_to(bob)
    assert bob_mail.subject == (
        "You asked for this: ‘Usage per day’ and 1 other change are in version 11.12"
    )
    for words in (
        "Hello Bob,",
        "Usage per day",
        "Dark mode",
        "It comes from your idea ‘Laat mijn verbruik per dag zien’.",
        "It is part of the insight ‘Too bright’.",
    ):
        assert words in bob_mail.body_text, words
    (cas_mail,) = mails_to(cas)
    assert "You supported the idea ‘Laat mijn verbruik per dag zien’." in cas_mail.body_text
    assert "It comes from your idea" not in cas_mail.body_text
    assert "Hello Cas," in cas_mail.body_text and "Bob" not in cas_mail.body_text

    # Telling again tells nobody: one message per member and release.
    assert announce.announce_shipped(release) == 0
    db.session.commit()
    assert sum(len(found) for found in told(db).values()) == 3
    assert ShippedNotice.query.count() == 3


def test_a_dutch_owner_publishing_tells_an_english_member_in_english(
    app, db, owner, make_member, make_release
):
    eve = make_member(locale="en", name="Eve Evans")
    release = make_release()
    links.link_insight(release.changes[0], make_insight(db, [eve]), owner)
    db.session.commit()
    with app.test_request_context("/nl/manage/feedback"):
        g.lang = "nl"
        refresh()
        feedback.publish_release(release, owner)
        db.session.commit()
    refresh()

    (mail,) = mails_to(eve)
    assert mail.locale == "en"
    assert mail.subject == "You asked for this: ‘Usage per day’ is in version 11.12"
    assert "It is part of the insight ‘Show usage per day’." in mail.body_text
    for dutch in ("Verbruik", "Je vroeg", "versie"):
        assert dutch not in mail.body_text and dutch not in mail.body_html
    assert f"/en/feedback/{release.id}" in mail.body_html
    (notice,) = told(db)[eve.user_id]
    assert notice.link == f"/en/feedback/{release.id}"
    for lang, title in (
        ("en", "You asked for this: ‘Usage per day’ is in version 11.12"),
        ("nl", "Je vroeg erom: ‘Verbruik per dag’ zit in versie 11.12"),
    ):
        with app.test_request_context(f"/{lang}/notifications"):
            g.lang = lang
            refresh()
            assert str(notice.title) == title  # in the app: in the language of the page
        refresh()


def test_members_who_left_were_removed_or_are_not_in_get_nothing(
    db, owner, make_member, make_release
):
    active, paused = make_member(), make_member(status="paused")
    left, removed, reserve = (make_member(status=s) for s in ("left", "removed", "reserve"))
    erased = make_member(status="left")
    erased.user_id = None  # a former member: no account any more
    db.session.commit()
    release = make_release()
    links.link_insight(
        release.changes[0],
        make_insight(db, [active, paused, left, removed, reserve, erased]),
        owner,
    )
    db.session.commit()

    publish(db, release, owner)

    assert set(told(db)) == {active.user_id, paused.user_id}
    assert {notice.member_id for notice in ShippedNotice.query} == {active.id, paused.id}
    for member in (left, removed, reserve):
        assert mails_to(member) == []


def test_a_later_link_to_a_published_release_tells_only_the_new_askers(
    db, owner, make_member, make_release
):
    ann, bob, cas = make_member(), make_member(), make_member()
    release = make_release()
    usage, dark = release.changes
    links.link_insight(usage, make_insight(db, [ann, bob]), owner)
    db.session.commit()
    publish(db, release, owner)
    assert set(told(db)) == {ann.user_id, bob.user_id}

    # Bob asked for the dark mode too, Cas only for that: only Cas hears about it now.
    links.link_insight(dark, make_insight(db, [bob, cas], nl="Te fel", en="Too bright"), owner)
    assert announce.announce_shipped(release) == 1
    db.session.commit()

    notices = told(db)
    assert set(notices) == {ann.user_id, bob.user_id, cas.user_id}
    assert all(len(found) == 1 for found in notices.values())
    (cas_notice,) = notices[cas.user_id]
    assert cas_notice.params["change"]["en"] == "Dark mode"


def test_an_unpublished_release_tells_nobody(db, owner, make_member, make_release):
    release = make_release()
    links.link_insight(release.changes[0], make_insight(db, [make_member()]), owner)
    assert announce.announce_shipped(release) == 0
    db.session.commit()
    assert told(db) == {} and ShippedNotice.query.count() == 0


def test_a_member_who_switched_it_off_sees_it_in_the_app_without_an_email(
    db, owner, make_member, make_release
):
    quiet, keen = make_member(), make_member()
    db.session.add(
        NotificationPreference(user_id=quiet.user_id, kind="asked_shipped", email_enabled=False)
    )
    release = make_release()
    links.link_insight(release.changes[0], make_insight(db, [quiet, keen]), owner)
    db.session.commit()
    publish(db, release, owner)
    assert set(told(db)) == {quiet.user_id, keen.user_id}
    assert mails_to(quiet) == [] and len(mails_to(keen)) == 1


def test_the_link_leads_to_the_form_only_when_the_member_can_answer_it(
    db, owner, make_member, make_release
):
    """A release whose window opens later, or asked of a sample the member is not in, links to
    My contributions instead (where the mark is shown)."""
    ann, bob = make_member(locale="en"), make_member(locale="en")
    later = make_release(version="11.13", opens_in=timedelta(days=3))
    links.link_insight(later.changes[0], make_insight(db, [ann]), owner)
    db.session.commit()
    publish(db, later, owner)
    (notice,) = told(db)[ann.user_id]
    assert notice.link == "/en/me/contributions"
    (mail,) = mails_to(ann)
    assert "See everything you told us" in mail.body_text
    assert "Give feedback on version" not in mail.body_text

    # A sample drawn at publishing: only those it drew are sent to the form.
    crowd = [make_member(locale="en") for _ in range(6)]
    sample = make_release(version="11.14", audience="sample")
    links.link_insight(sample.changes[0], make_insight(db, [ann, bob, *crowd], en="Sampled"), owner)
    db.session.commit()
    publish(db, sample, owner)
    invited = set(
        db.session.scalars(
            select(FeedbackInvitation.member_id).where(FeedbackInvitation.release_id == sample.id)
        )
    )
    askers = [ann, bob, *crowd]
    assert 0 < len(invited & {m.id for m in askers}) < len(askers)
    links_of = {
        notice.user_id: notice.link
        for notice in Notification.query.filter_by(kind="asked_shipped")
        if json.loads(notice.params_json)["release_id"] == sample.id
    }
    assert links_of == {
        member.user_id: f"/en/feedback/{sample.id}"
        if member.id in invited
        else "/en/me/contributions"
        for member in askers
    }


def test_askers_of_a_release_open_to_everyone_are_sent_to_its_form(
    db, owner, make_member, make_release
):
    ann = make_member(locale="nl")
    release = make_release()
    links.link_insight(release.changes[0], make_insight(db, [ann]), owner)
    db.session.commit()
    publish(db, release, owner)
    assert FeedbackInvitation.query.filter_by(release_id=release.id, member_id=ann.id).count()
    (notice,) = told(db)[ann.user_id]
    assert notice.link == f"/nl/feedback/{release.id}"


def test_telling_many_askers_costs_the_same_queries_as_telling_a_few(
    db, owner, make_member, make_release, count_queries
):
    """Bulk: no query per member (one notification insert; mails rendered per language and
    per way of asking)."""

    def tell(n, version):
        members = [make_member(locale=("nl", "en")[i % 2]) for i in range(n)]
        release = make_release(version=version)
        links.link_insight(release.changes[0], make_insight(db, members), owner)
        feedback.publish_release(release, owner)
        links.refresh_askers(links.change_ids_of(release))
        db.session.execute(
            ShippedNotice.__table__.delete().where(ShippedNotice.release_id == release.id)
        )
        db.session.commit()
        release = db.session.get(Release, release.id)
        release.changes  # noqa: B018 - loaded like at publishing
        with count_queries() as queries:
            assert announce.announce_shipped(release) == n
        db.session.commit()
        return queries.count

    assert tell(12, "12.1") == tell(2, "12.2")


# Two requests at the same moment ---------------------------------------------------------------


@pytest.fixture
def slow_announce(app):
    app.config["SHIPPED_RACE_DELAY"] = 0.2
    yield
    app.config["SHIPPED_RACE_DELAY"] = 0


def run_together(app, jobs):
    """Each job runs in its own thread, app context and session, released together, and
    commits; their results."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(number, job):
        with app.app_context():
            try:
                barrier.wait()
                results[number] = job(thread_db)
                thread_db.session.commit()
            except Exception as error:  # noqa: BLE001 - any error fails the test
                thread_db.session.rollback()
                errors.append(error)
            finally:
                thread_db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def test_two_requests_announcing_at_once_tell_each_member_once(
    app, db, owner, make_member, make_release, slow_announce
):
    members = [make_member(locale=("nl", "en")[i % 2]) for i in range(6)]
    release = make_release()
    links.link_insight(release.changes[0], make_insight(db, members), owner)
    db.session.commit()
    feedback.publish_release(release, owner)
    # Published without telling: both requests below find everyone untold.
    db.session.execute(ShippedNotice.__table__.delete())
    db.session.execute(Notification.__table__.delete())
    db.session.execute(OutboxMessage.__table__.delete())
    db.session.commit()
    release_id = release.id  # read here: the threads must not touch this session's objects

    def announcing(thread_db):
        return announce.announce_shipped(thread_db.session.get(Release, release_id))

    results = run_together(app, [announcing, announcing])
    db.session.rollback()  # a fresh snapshot: what both threads wrote

    assert sum(results) == len(members)
    notices = told(db)
    assert set(notices) == {member.user_id for member in members}
    assert all(len(found) == 1 for found in notices.values())
    assert OutboxMessage.query.filter_by(kind="asked_shipped").count() == len(members)
    assert db.session.scalar(select(db.func.count()).select_from(ShippedNotice)) == len(members)


def test_two_people_linking_to_a_published_release_at_once_tell_each_asker_once(
    app, db, owner, make_user, make_member, make_release, slow_announce
):
    """Each links an insight and announces, as the link pages do: Bob, behind both insights,
    hears it once, and Ann and Cas each once."""
    other = make_user(roles=[Role.PANEL_MANAGER])
    ann, bob, cas = make_member(), make_member(), make_member()
    release = make_release()
    publish(db, release, owner)
    first = make_insight(db, [ann, bob])
    second = make_insight(db, [bob, cas], nl="Te fel", en="Too bright")
    release_id, change_id = release.id, release.changes[0].id
    jobs = [(first.id, owner.id), (second.id, other.id)]

    def linking(insight_id, actor_id):
        def job(thread_db):
            change = thread_db.session.get(ReleaseChange, change_id)
            actor = thread_db.session.get(User, actor_id)
            links.link_insight(change, thread_db.session.get(Insight, insight_id), actor)
            return announce.announce_shipped(thread_db.session.get(Release, release_id))

        return job

    results = run_together(app, [linking(*job) for job in jobs])
    db.session.rollback()

    assert sum(results) == 3
    notices = told(db)
    assert set(notices) == {ann.user_id, bob.user_id, cas.user_id}
    assert all(len(found) == 1 for found in notices.values())
    assert OutboxMessage.query.filter_by(kind="asked_shipped").count() == 3
