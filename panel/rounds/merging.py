"""Merging a duplicate idea into another idea of the same round (issue 15).

The duplicate's supports and reactions move to the idea that is kept; a member who supported
both counts once, and the kept idea's author does not come to support their own idea. The
duplicate stays as a record that says where it went: its page leads to the kept idea. Both
authors are told (notification kind ``idea_merged``).
"""

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from ..audit import record_audit
from ..database import utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..i18n import link_for
from ..notifications.services import notify
from . import idea_search
from .models import Comment, Idea, IdeaSupport
from .moderation import ContentReport
from .notices import round_params

# How many ideas the owner's "merge into" search offers at once.
CANDIDATES = 10


def merge_candidates(duplicate, term):
    """Ideas of the same round the duplicate may be merged into, for the owner's search: by
    number ("123" or "#123") or by words of the title. At most CANDIDATES, most supported first;
    one query whatever the size of the round."""
    term = (term or "").strip()
    if not term:
        return []
    query = select(Idea).where(
        Idea.round_id == duplicate.round_id,
        Idea.id != duplicate.id,
        Idea.merged_into_id.is_(None),
        Idea.hidden_at.is_(None),
    )
    number = term.removeprefix("#")
    if number.isdigit() and len(number) < 10:
        query = query.where(Idea.id == int(number))
    else:
        words = [word for word in term.split() if word][:5]
        for word in words:
            escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(Idea.title.ilike(f"%{escaped}%", escape="\\"))
    query = query.order_by(Idea.support_count.desc(), Idea.id.desc()).limit(CANDIDATES)
    return db.session.scalars(query).all()


def what_moves(duplicate, kept):
    """For the confirm step: how many supporters the kept idea will have (each member once, its
    own author not), and how many reactions move."""
    supporters = select(func.count(func.distinct(IdeaSupport.member_id))).where(
        IdeaSupport.idea_id.in_([duplicate.id, kept.id])
    )
    if kept.author_id is not None:
        supporters = supporters.where(IdeaSupport.member_id != kept.author_id)
    reactions = select(func.count()).select_from(Comment).where(Comment.idea_id == duplicate.id)
    return {
        "supporters": db.session.scalar(supporters),
        "reactions": db.session.scalar(reactions),
    }


def _lock_both(duplicate_id, kept_id):
    """Both ideas, locked for the rest of the transaction and read afresh, in id order (two
    merges of the same pair at once take the locks in the same order: no deadlock). SELECT …
    FOR UPDATE on PostgreSQL; on SQLite the locking read takes the database's write lock."""
    rows = db.session.scalars(
        select(Idea)
        .where(Idea.id.in_([duplicate_id, kept_id]))
        .order_by(Idea.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    found = {idea.id: idea for idea in rows}
    return found.get(duplicate_id), found.get(kept_id)


def merge_idea(duplicate, kept, actor):
    """Merge `duplicate` into `kept` (both of one round). Refusals: NotAllowed("same"),
    ("other_round"), ("merged": one of them is already merged), ("hidden": the kept idea is
    hidden or withdrawn), ("duplicate_hidden": the duplicate is hidden or withdrawn: a moderator
    or its author took it away, so its supports and reactions are not moved onto another idea).

    Under the lock of both rows, so that two merges at once cannot move supports twice or
    merge two ideas into each other; the kept count is then a recount, not an increment."""
    if duplicate.id == kept.id:
        raise NotAllowed("same")
    if duplicate.round_id != kept.round_id:
        raise NotAllowed("other_round")
    duplicate, kept = _lock_both(duplicate.id, kept.id)
    if duplicate is None or kept is None:
        raise NotAllowed("merged")
    if duplicate.merged_into_id is not None or kept.merged_into_id is not None:
        raise NotAllowed("merged")
    if kept.hidden_at is not None or kept.withdrawn_at is not None:
        raise NotAllowed("hidden")
    if duplicate.hidden_at is not None or duplicate.withdrawn_at is not None:
        raise NotAllowed("duplicate_hidden")
    now = utcnow()
    duplicate_led_to_outcome = duplicate.in_outcome  # read before the claim clears it
    # The conditional update is the claim: a merge that lost the race changes nothing.
    claimed = db.session.execute(
        update(Idea)
        .where(Idea.id == duplicate.id, Idea.merged_into_id.is_(None))
        # The kept idea carries the result now (below): the duplicate no longer led to it.
        .values(merged_into_id=kept.id, merged_at=now, support_count=0, in_outcome=False)
    ).rowcount
    if claimed != 1:
        raise NotAllowed("merged")
    supports = _move_supports(duplicate, kept)
    reactions = db.session.execute(
        update(Comment).where(Comment.idea_id == duplicate.id).values(idea_id=kept.id)
    ).rowcount
    # Reports of those reactions go with them (the queue finds them on the kept idea); reports
    # of the duplicate's own text stay on it: that text is still the duplicate's.
    db.session.execute(
        update(ContentReport)
        .where(ContentReport.idea_id == duplicate.id, ContentReport.comment_id.isnot(None))
        .values(idea_id=kept.id)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Idea)
        .where(Idea.id == kept.id)
        .values(
            support_count=select(func.count())
            .where(IdeaSupport.idea_id == kept.id)
            .scalar_subquery(),
            in_outcome=Idea.in_outcome | duplicate_led_to_outcome,
        )
    )
    db.session.flush()
    db.session.refresh(duplicate)
    db.session.refresh(kept)
    # The search index follows both (it filters the merged one out by its column).
    idea_search.reindex_idea(duplicate)
    idea_search.reindex_idea(kept)
    record_audit(
        "idea.merge",
        target=duplicate,
        actor=actor,
        merged_into=kept.id,
        supports=supports,
        reactions=reactions,
    )
    _tell_authors(duplicate, kept)
    return kept


def _move_supports(duplicate, kept):
    """Move the duplicate's supports to the kept idea; returns how many moved. A member who
    supported both keeps one support; the kept idea's author drops theirs (nobody supports
    their own idea)."""
    other = aliased(IdeaSupport)
    also_on_kept = exists().where(
        other.idea_id == kept.id, other.member_id == IdeaSupport.member_id
    )
    conditions = [also_on_kept]
    if kept.author_id is not None:
        conditions.append(IdeaSupport.member_id == kept.author_id)
    db.session.execute(
        delete(IdeaSupport)
        .where(IdeaSupport.idea_id == duplicate.id, or_(*conditions))
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(
        update(IdeaSupport)
        .where(IdeaSupport.idea_id == duplicate.id)
        .values(idea_id=kept.id)
        .execution_options(synchronize_session=False)
    ).rowcount


def _tell_authors(duplicate, kept):
    """Both authors hear of it once (one author of both ideas: one message), each in their own
    language, unless they switched this kind off."""
    told = set()
    for idea in (duplicate, kept):
        author = idea.author
        if author is None or author.user is None or author.id in told:
            continue
        told.add(author.id)
        notify(
            author.user,
            "idea_merged",
            link=link_for(
                "rounds.idea_page", author.user.locale, round_id=kept.round_id, idea_id=kept.id
            ),
            idea_id=kept.id,
            # As stored: a moderator's redaction reads in the recipient's language when shown.
            idea_title=duplicate.title,
            kept_title=kept.title,
            **round_params(kept.round),
        )
