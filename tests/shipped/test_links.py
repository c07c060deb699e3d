"""Linking release changes to the insights and ideas they answer (panel.shipped.links): who
asked for a change (members behind a linked insight's evidence, the author and supporters of a
linked idea), kept right after every link and unlink, ideas marked "shipped in version X" only
once their release is published, and two people linking at the same moment."""

import threading

import pytest
from sqlalchemy import select

from panel.accounts.models import User
from panel.audit import AuditEntry
from panel.extensions import db as _db
from panel.feedback import services as feedback
from panel.feedback.models import ReleaseChange
from panel.insights import manage
from panel.insights.models import Evidence, Insight
from panel.rounds.models import Idea
from panel.security import Role
from panel.shipped import links
from panel.shipped.models import ChangeAsker, ChangeIdea, ChangeInsight

from .conftest import askers_of, make_idea, make_insight


def ids(*members):
    return {member.id for member in members}


def test_askers_are_the_evidence_members_the_idea_author_and_its_supporters(
    db, owner, make_member, make_release, round_
):
    ann, bob, cas, dirk, eva = (make_member() for _ in range(5))
    release = make_release()
    usage, dark = release.changes
    insight = make_insight(db, [ann, bob])
    idea = make_idea(db, round_, cas, supporters=[dirk, bob])

    assert links.link_insight(usage, insight, owner) is True
    assert links.link_idea(usage, idea, owner) is True
    db.session.commit()

    assert askers_of(db, usage) == ids(ann, bob, cas, dirk)  # bob twice, counted once
    assert askers_of(db, dark) == set()  # eva asked for nothing; the other change has no links
    kept = db.session.scalars(select(ChangeAsker.member_id).distinct())
    assert set(kept) == ids(ann, bob, cas, dirk)
    assert eva.id not in askers_of(db, usage)
    assert [change.id for change, _ in links.linked_changes_of_insight(insight.id)] == [usage.id]
    assert [change.id for change, _ in links.linked_changes_of_idea(idea.id)] == [usage.id]
    actions = [entry.action for entry in AuditEntry.query.order_by(AuditEntry.id)]
    assert actions.count("change.link_insight") == 1 and actions.count("change.link_idea") == 1


def test_linking_twice_changes_nothing(db, owner, make_member, make_release):
    ann = make_member()
    usage = make_release().changes[0]
    insight = make_insight(db, [ann])
    assert links.link_insight(usage, insight, owner) is True
    assert links.link_insight(usage, insight, owner) is False
    db.session.commit()
    assert ChangeInsight.query.count() == 1
    assert AuditEntry.query.filter_by(action="change.link_insight").count() == 1


def test_unlinking_recounts_the_askers(db, owner, make_member, make_release, round_):
    ann, bob, cas = make_member(), make_member(), make_member()
    usage = make_release().changes[0]
    insight = make_insight(db, [ann, bob])
    idea = make_idea(db, round_, cas, supporters=[bob])
    links.link_insight(usage, insight, owner)
    links.link_idea(usage, idea, owner)
    db.session.commit()

    assert links.unlink_insight(usage, insight, owner) is True
    db.session.commit()
    assert askers_of(db, usage) == ids(bob, cas)  # bob still supports the linked idea
    assert links.unlink_insight(usage, insight, owner) is False

    assert links.unlink_idea(usage, idea, owner) is True
    db.session.commit()
    assert askers_of(db, usage) == set()
    assert ChangeIdea.query.count() == 0


def test_new_evidence_counts_at_the_next_refresh(db, owner, make_member, make_release):
    """Publishing refreshes the askers: someone whose reaction became evidence after the link
    is told too."""
    ann, bob = make_member(), make_member()
    usage = make_release().changes[0]
    insight = make_insight(db, [ann])
    links.link_insight(usage, insight, owner)
    db.session.add(Evidence(insight_id=insight.id, kind="idea", source_id=9, member_id=bob.id))
    db.session.commit()
    assert askers_of(db, usage) == ids(ann)
    links.refresh_askers(links.change_ids_of(usage.release))
    db.session.commit()
    assert askers_of(db, usage) == ids(ann, bob)


def test_the_askers_are_those_who_had_asked_when_it_shipped(db, owner, make_member, make_release):
    """Counted again at publishing, then kept: evidence added after the release shipped does not
    make its member an asker, until the change's own links change."""
    ann, bob, cas, dirk = (make_member() for _ in range(4))
    release = make_release()
    usage = release.changes[0]
    insight = make_insight(db, [ann])
    links.link_insight(usage, insight, owner)
    db.session.add(Evidence(insight_id=insight.id, kind="idea", source_id=7, member_id=bob.id))
    feedback.publish_release(release, owner)  # release_published: the askers are counted anew
    db.session.commit()
    assert askers_of(db, usage) == ids(ann, bob)

    db.session.add(Evidence(insight_id=insight.id, kind="idea", source_id=8, member_id=cas.id))
    db.session.commit()
    assert askers_of(db, usage) == ids(ann, bob)  # shipped already: cas did not ask for it

    later = make_insight(db, [dirk], nl="Verbruik per week", en="Usage per week")
    links.link_insight(db.session.get(ReleaseChange, usage.id), later, owner)
    db.session.commit()
    assert askers_of(db, usage) == ids(ann, bob, cas, dirk)  # its links changed: counted again


def test_ideas_ship_only_in_a_published_release(db, owner, make_member, make_release, round_):
    release = make_release(version="11.12")
    usage = release.changes[0]
    idea = make_idea(db, round_, make_member())
    links.link_idea(usage, idea, owner)
    db.session.commit()
    assert links.mark_ideas_shipped(release) == []  # not published yet
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("selected", None)

    feedback.publish_release(release, owner)
    links.mark_ideas_shipped(release)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("shipped", "11.12")
    assert "11.12" in str(idea.status_title)


def test_a_link_to_a_published_release_ships_the_idea_at_once(
    db, owner, make_member, make_release, round_
):
    release = make_release(version="11.12", publish=True)
    idea = make_idea(db, round_, make_member())
    links.link_idea(release.changes[0], idea, owner)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("shipped", "11.12")


def test_an_idea_keeps_the_version_it_first_shipped_in(
    db, owner, make_member, make_release, round_
):
    earlier = make_release(version="11.11", publish=True, months_ago=1)
    later = make_release(version="11.12", publish=True)
    idea = make_idea(db, round_, make_member())
    links.link_idea(earlier.changes[0], idea, owner)
    links.link_idea(later.changes[1], idea, owner)
    db.session.commit()
    db.session.refresh(idea)
    assert idea.shipped_version == "11.11"

    # Unlinking the earlier change: the later release still ships it.
    links.unlink_idea(earlier.changes[0], idea, owner)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("shipped", "11.12")

    # No published change ships it any more: back to "selected".
    links.unlink_idea(later.changes[1], idea, owner)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("selected", None)


def test_unlinking_from_a_draft_leaves_a_shipped_idea_shipped(
    db, owner, make_member, make_release, round_
):
    published = make_release(version="11.11", publish=True, months_ago=1)
    draft = make_release(version="11.12")
    idea = make_idea(db, round_, make_member())
    links.link_idea(published.changes[0], idea, owner)
    links.link_idea(draft.changes[0], idea, owner)
    links.unlink_idea(draft.changes[0], idea, owner)
    db.session.commit()
    db.session.refresh(idea)
    assert (idea.status, idea.shipped_version) == ("shipped", "11.11")


# Two people at the same moment ---------------------------------------------------------------


def run_together(app, jobs):
    """Each job (a function of nothing) runs in its own thread and app context, released
    together by a barrier, and commits; returns their results."""
    barrier = threading.Barrier(len(jobs))
    results, errors = [None] * len(jobs), []

    def run(number, job):
        with app.app_context():
            try:
                barrier.wait()
                results[number] = job()
                _db.session.commit()
            except Exception as error:  # noqa: BLE001 - any error fails the test
                _db.session.rollback()
                errors.append(error)
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run, args=item) for item in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


def linking(kind, change_id, target_id, actor_id):
    """A job linking (in its own session) a change to an insight or idea, as a person would."""

    def job():
        change = _db.session.get(ReleaseChange, change_id)
        actor = _db.session.get(User, actor_id)
        if kind == "insight":
            return links.link_insight(change, _db.session.get(Insight, target_id), actor)
        return links.link_idea(change, _db.session.get(Idea, target_id), actor)

    return job


@pytest.fixture
def slow_refresh(app):
    app.config["SHIPPED_RACE_DELAY"] = 0.05
    yield
    app.config["SHIPPED_RACE_DELAY"] = 0


def test_two_people_linking_the_same_insight_at_once_make_one_link(
    app, db, owner, make_user, make_member, make_release, slow_refresh
):
    other = make_user(roles=[Role.PANEL_MANAGER])
    ann, bob = make_member(), make_member()
    usage = make_release(publish=True).changes[0]
    insight = make_insight(db, [ann, bob])
    results = run_together(
        app,
        [
            linking("insight", usage.id, insight.id, owner.id),
            linking("insight", usage.id, insight.id, other.id),
        ],
    )
    assert sorted(results) == [False, True]
    db.session.rollback()
    assert ChangeInsight.query.count() == 1
    assert AuditEntry.query.filter_by(action="change.link_insight").count() == 1
    assert askers_of(db, usage) == ids(ann, bob)


def test_two_people_linking_different_things_at_once_both_count(
    app, db, owner, make_user, make_member, make_release, round_, slow_refresh
):
    other = make_user(roles=[Role.PANEL_MANAGER])
    ann, bob, cas, dirk = (make_member() for _ in range(4))
    release = make_release(version="11.12", publish=True)
    usage = release.changes[0]
    # An earlier link: its askers must survive both refreshes too.
    first = make_insight(db, [dirk], nl="Bundel raakt op", en="Bundle runs out")
    links.link_insight(usage, first, owner)
    db.session.commit()
    insight = make_insight(db, [ann])
    idea = make_idea(db, round_, bob, supporters=[cas])
    results = run_together(
        app,
        [
            linking("insight", usage.id, insight.id, owner.id),
            linking("idea", usage.id, idea.id, other.id),
        ],
    )
    assert results == [True, True]
    db.session.rollback()
    assert ChangeInsight.query.count() == 2 and ChangeIdea.query.count() == 1
    assert askers_of(db, usage) == ids(ann, bob, cas, dirk)
    assert db.session.get(Idea, idea.id).shipped_version == "11.12"


def test_a_merged_insight_hands_its_changes_to_the_kept_one(db, owner, make_member, make_release):
    """The changes that answered the duplicate answer the kept insight (once each, also where
    both were linked); a change not yet published counts its askers again from the kept
    insight, so nobody who asked is lost when it ships."""
    ann, bob, cas = make_member(), make_member(), make_member()
    usage, dark = make_release().changes
    duplicate = make_insight(db, [ann], former_member=False)
    kept = make_insight(db, [bob], nl="Verbruik per dag", en="Usage per day", former_member=False)
    links.link_insight(usage, duplicate, owner)
    links.link_insight(dark, duplicate, owner)
    links.link_insight(dark, kept, owner)
    db.session.commit()
    assert askers_of(db, usage) == ids(ann)

    manage.merge_insights(duplicate, kept, owner)
    db.session.commit()

    pairs = set(db.session.execute(select(ChangeInsight.change_id, ChangeInsight.insight_id)))
    assert pairs == {(usage.id, kept.id), (dark.id, kept.id)}
    assert askers_of(db, usage) == ids(ann, bob)
    assert askers_of(db, dark) == ids(ann, bob)
    assert [change.id for change, _ in links.linked_changes_of_insight(kept.id)] == sorted(
        [usage.id, dark.id]
    )
    assert cas.id not in askers_of(db, usage)
