"""Linking a release's changes to the insights and ideas they answer, and who asked for them.

Who asked for a change (ChangeAsker, kept): the members behind the evidence of its linked
insights, and the authors and supporters of its linked ideas. They are the people who had asked
when it shipped. The rows are counted from the links whenever the change's links change (link,
unlink) and once more when its release is published (announce.on_release_published), so that
evidence and support added while the release was a draft count too. After publishing they stay
as they were: a reaction that becomes evidence, or a support given, later does not make its
member an asker of a change already shipped (they were not told, and the marks and results
don't claim they asked). Only a change of that change's own links counts it again, from the
links as they are then.

Every write here is safe when two people do the same at once: the links and the askers are
inserted "unless already there" (the primary keys decide), never read-then-insert.
"""

from sqlalchemy import delete, literal, select, true, union, update

from ..audit import record_audit
from ..database import conflict_insert, race_pause
from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..insights.models import Evidence
from ..rounds.models import Idea, IdeaStatus, IdeaSupport
from .models import ChangeAsker, ChangeIdea, ChangeInsight


def _insert_ignoring(model, row, keys):
    """INSERT one row unless its key is already there; whether it was inserted."""
    statement = (
        conflict_insert(model)
        .values(**row)
        .on_conflict_do_nothing(index_elements=keys)
        .returning(model.__table__.c[keys[0]])
    )
    # What came back is what was inserted (a driver's row count is not reliable here).
    return db.session.execute(statement).first() is not None


def link_insight(change, insight, actor):
    """The change answers the insight. True when newly linked."""
    added = _insert_ignoring(
        ChangeInsight,
        {"change_id": change.id, "insight_id": insight.id, "linked_by_id": actor.id},
        ["change_id", "insight_id"],
    )
    if added:
        record_audit(
            "change.link_insight",
            target=change.release,
            actor=actor,
            change=change.id,
            insight=insight.id,
        )
        refresh_askers([change.id])
    return bool(added)


def unlink_insight(change, insight, actor):
    removed = db.session.execute(
        delete(ChangeInsight).where(
            ChangeInsight.change_id == change.id, ChangeInsight.insight_id == insight.id
        )
    ).rowcount
    if removed:
        record_audit(
            "change.unlink_insight",
            target=change.release,
            actor=actor,
            change=change.id,
            insight=insight.id,
        )
        refresh_askers([change.id])
    return bool(removed)


def move_insight_links(duplicate_id, kept_id):
    """An insight merged into another (signals.insight_merged): the changes that answered the
    duplicate answer the kept insight (each once). The askers of changes not yet published are
    counted again from the kept insight, which now holds the duplicate's evidence; those of a
    published change stay as they were when it shipped."""
    linked = select(ChangeInsight.change_id, literal(kept_id), ChangeInsight.linked_by_id).where(
        ChangeInsight.insight_id == duplicate_id
    )
    change_ids = list(db.session.scalars(linked.with_only_columns(ChangeInsight.change_id)))
    if not change_ids:
        return
    db.session.execute(
        conflict_insert(ChangeInsight)
        .from_select(["change_id", "insight_id", "linked_by_id"], linked.where(true()))
        .on_conflict_do_nothing(index_elements=["change_id", "insight_id"])
    )
    db.session.execute(delete(ChangeInsight).where(ChangeInsight.insight_id == duplicate_id))
    unpublished = db.session.scalars(
        select(ReleaseChange.id)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(ReleaseChange.id.in_(change_ids), Release.published_at.is_(None))
    ).all()
    refresh_askers(unpublished)


def link_idea(change, idea, actor):
    """The change ships the idea. True when newly linked; in a published release the idea is
    marked shipped in its version at once."""
    _lock(idea)
    added = _insert_ignoring(
        ChangeIdea,
        {"change_id": change.id, "idea_id": idea.id, "linked_by_id": actor.id},
        ["change_id", "idea_id"],
    )
    if added:
        record_audit(
            "change.link_idea", target=change.release, actor=actor, change=change.id, idea=idea.id
        )
        refresh_askers([change.id])
        if change.release.published_at is not None:
            mark_ideas_shipped(change.release)
    return bool(added)


def unlink_idea(change, idea, actor):
    _lock(idea)
    removed = db.session.execute(
        delete(ChangeIdea).where(ChangeIdea.change_id == change.id, ChangeIdea.idea_id == idea.id)
    ).rowcount
    if removed:
        record_audit(
            "change.unlink_idea", target=change.release, actor=actor, change=change.id, idea=idea.id
        )
        refresh_askers([change.id])
        reconsider_shipped(idea)
    return bool(removed)


def _lock(idea):
    """Linking and unlinking an idea take turns on its row: an unlink deciding the idea is no
    longer shipped never crosses a link shipping it in another published release."""
    db.session.execute(select(Idea.id).where(Idea.id == idea.id).with_for_update())


def reconsider_shipped(idea):
    """After an unlink: an idea still shipped by a published change keeps "shipped" (in the
    earliest such version); one that no published change ships any more goes back to
    "selected", the status it had when the work was chosen."""
    if idea.status != IdeaStatus.SHIPPED.value:
        return
    version = db.session.scalar(
        select(Release.version)
        .join(ReleaseChange, ReleaseChange.release_id == Release.id)
        .join(ChangeIdea, ChangeIdea.change_id == ReleaseChange.id)
        .where(ChangeIdea.idea_id == idea.id, Release.published_at.isnot(None))
        .order_by(Release.published_at, Release.id)
        .limit(1)
    )
    if version is None:
        idea.status, idea.shipped_version = IdeaStatus.SELECTED.value, None
    else:
        idea.shipped_version = version
    db.session.flush()


def askers_query(change_ids):
    """SELECT (change_id, member_id) of everyone who asked for these changes, counted from the
    links now: members behind evidence of a linked insight, authors and supporters of a linked
    idea. Merged-away and withdrawn ideas are not linked; former members (NULL) are left out."""
    change_ids = list(change_ids)
    from_evidence = (
        select(ChangeInsight.change_id, Evidence.member_id)
        .join(Evidence, Evidence.insight_id == ChangeInsight.insight_id)
        .where(ChangeInsight.change_id.in_(change_ids), Evidence.member_id.isnot(None))
    )
    from_authors = (
        select(ChangeIdea.change_id, Idea.author_id)
        .join(Idea, Idea.id == ChangeIdea.idea_id)
        .where(ChangeIdea.change_id.in_(change_ids), Idea.author_id.isnot(None))
    )
    from_supporters = (
        select(ChangeIdea.change_id, IdeaSupport.member_id)
        .join(IdeaSupport, IdeaSupport.idea_id == ChangeIdea.idea_id)
        .where(ChangeIdea.change_id.in_(change_ids))
    )
    return union(from_evidence, from_authors, from_supporters)


def refresh_askers(change_ids):
    """Recount the kept askers of these changes from their links (delete, then insert what the
    links say; a concurrent refresh of the same change inserts the same rows, skipped by key)."""
    change_ids = sorted(set(change_ids))
    if not change_ids:
        return
    # One refresh of a change at a time (PostgreSQL; SQLite writes one at a time anyway): a
    # second link made at the same moment waits here and then counts both links. NO KEY UPDATE
    # lets feedback keep rating the change meanwhile.
    db.session.execute(
        select(ReleaseChange.id)
        .where(ReleaseChange.id.in_(change_ids))
        .order_by(ReleaseChange.id)
        .with_for_update(key_share=True)
    )
    db.session.execute(delete(ChangeAsker).where(ChangeAsker.change_id.in_(change_ids)))
    race_pause("SHIPPED_RACE_DELAY")
    asked = askers_query(change_ids).subquery()
    # "WHERE true": SQLite reads ON CONFLICT after INSERT … SELECT only with a WHERE.
    rows = select(asked.c[0], asked.c[1]).where(true())
    db.session.execute(
        conflict_insert(ChangeAsker)
        .from_select(["change_id", "member_id"], rows)
        .on_conflict_do_nothing(index_elements=["change_id", "member_id"])
    )


def change_ids_of(release):
    return list(
        db.session.scalars(select(ReleaseChange.id).where(ReleaseChange.release_id == release.id))
    )


def mark_ideas_shipped(release):
    """A published release ships its linked ideas: status "shipped", in its version. An idea
    shipped by an earlier release keeps that version. Returns the ideas newly marked."""
    if release.published_at is None:
        return []
    linked = (
        select(ChangeIdea.idea_id)
        .join(ReleaseChange, ReleaseChange.id == ChangeIdea.change_id)
        .where(ReleaseChange.release_id == release.id)
    )
    ideas = db.session.scalars(
        select(Idea).where(Idea.id.in_(linked), Idea.shipped_version.is_(None))
    ).all()
    if ideas:
        db.session.execute(
            update(Idea)
            .where(Idea.id.in_([idea.id for idea in ideas]), Idea.shipped_version.is_(None))
            .values(status=IdeaStatus.SHIPPED.value, shipped_version=release.version)
        )
    return ideas


def linked_changes_of_insight(insight_id):
    """[(ReleaseChange, Release)] that answer the insight, newest release first."""
    return _linked_changes(ChangeInsight.insight_id, insight_id)


def linked_changes_of_idea(idea_id):
    """[(ReleaseChange, Release)] that ship the idea, newest release first."""
    return _linked_changes(ChangeIdea.idea_id, idea_id)


def _linked_changes(link_column, id_):
    link = link_column.class_
    return db.session.execute(
        select(ReleaseChange, Release)
        .join(link, link.change_id == ReleaseChange.id)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(link_column == id_)
        .order_by(Release.month.desc(), ReleaseChange.position)
    ).all()
