"""Taking part like on a community: replies to reactions, own edits and withdrawals.

Every change here first locks the idea's row (SELECT … FOR UPDATE on PostgreSQL; on SQLite the
database's write lock) and only then reads what it decides on, so a reaction, a reply, an edit
and a withdrawal of the same idea happen one after the other. Supports change the idea's row
(`support_count`), so they wait their turn too. An edit after its first 15 minutes is one
conditional UPDATE (… WHERE support_count = 0 AND no reaction by someone else): whatever arrived
just before it, it never goes through once someone reacted or supported.
"""

from sqlalchemy import and_, delete, exists, or_, select, update
from sqlalchemy.orm import aliased

from ..database import race_pause, utcnow
from ..errors import NotAllowed
from ..extensions import db
from ..forms import REDACTED
from ..i18n import link_for
from ..membership.models import MemberStatus
from ..notifications.services import notify
from .idea_search import reindex_idea
from .models import Comment, Idea
from .moderation import close_reports
from .permissions import EDIT_WINDOW, is_own
from .services import check_can_take_part


def lock_idea(idea_id):
    """The idea's row, locked for the rest of the transaction and read afresh."""
    return db.session.execute(
        select(Idea)
        .where(Idea.id == idea_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _fresh_comment(comment_id):
    """A reaction as committed now (read after the idea's lock), or None when it is gone."""
    return db.session.execute(
        select(Comment).where(Comment.id == comment_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()


def reacted_by_others(idea_id, member_id):
    """A where-clause: someone other than the author reacted to the idea (or replied in it)."""
    return exists().where(
        Comment.idea_id == idea_id,
        or_(Comment.author_id.is_(None), Comment.author_id != member_id),
    )


def replied_by_others(comment_id, member_id):
    """A where-clause: someone other than the author replied to the reaction."""
    reply = aliased(Comment)
    return exists().where(
        reply.parent_id == comment_id,
        or_(reply.author_id.is_(None), reply.author_id != member_id),
    )


def idea_answered(idea):
    """Whether someone other than its author supported or reacted to the idea."""
    if idea.support_count:
        return True
    return bool(db.session.scalar(select(reacted_by_others(idea.id, idea.author_id or 0))))


def is_redacted(*texts):
    return any(REDACTED in (text or "") for text in texts)


# Reactions and replies --------------------------------------------------------------------------


def top_reaction(idea, comment_id):
    """The top-level reaction a reply goes under: the reaction itself, or the one a reply
    answers (replies are one level deep). None when it is not this idea's or no longer there."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.idea_id != idea.id:
        return None
    if comment.parent_id is not None:
        comment = db.session.get(Comment, comment.parent_id)
    return comment


def add_reaction(idea, member, body, parent=None):
    """A reaction to the idea, or (`parent`) a reply to one of its reactions.

    The idea's author hears of a reaction, the reaction's author of a reply (not of their own,
    and each unless switched off)."""
    check_can_take_part(idea.round, member, "support_comment")
    race_pause("REACTION_RACE_DELAY")
    idea = lock_idea(idea.id)
    if idea.is_hidden:
        raise NotAllowed("hidden")
    if idea.is_withdrawn:
        raise NotAllowed("withdrawn")
    if idea.is_merged:  # its reactions moved to the idea it was merged into (rounds.merging)
        raise NotAllowed("merged")
    if parent is not None:
        parent = _fresh_comment(parent.id)
        if parent is None or parent.idea_id != idea.id or parent.is_hidden:
            raise NotAllowed("reaction_gone")
        if parent.parent_id is not None:  # one level: a reply to a reply answers the same top
            parent = _fresh_comment(parent.parent_id)
            if parent is None:
                raise NotAllowed("reaction_gone")
    comment = Comment(
        idea_id=idea.id,
        author_id=member.id,
        body=body,
        parent_id=parent.id if parent is not None else None,
    )
    db.session.add(comment)
    member.last_active_at = utcnow()
    db.session.flush()
    if parent is None:
        _tell_author(idea, member, "idea_reaction", idea.author, comment)
    elif not parent.is_withdrawn:
        _tell_author(idea, member, "reaction_reply", parent.author, comment)
    return comment


def _tell_author(idea, member, kind, author, comment):
    if author is None or author.id == member.id or author.user is None:
        return
    notify(
        author.user,
        kind,
        link=link_for(
            "rounds.show_reaction",
            author.user.locale,
            round_id=idea.round_id,
            idea_id=idea.id,
            comment_id=comment.id,
        ),
        idea_title=idea.title,
        mail_context={"comment": comment},
    )


# Own edits --------------------------------------------------------------------------------------


def _check_can_edit(item, member, round_):
    if not is_own(item, member):
        raise NotAllowed("not_yours")
    if member.status != MemberStatus.ACTIVE.value:
        raise NotAllowed("not_active")
    if not round_.is_open:
        raise NotAllowed("closed")
    if item.is_withdrawn:
        raise NotAllowed("withdrawn")
    if item.is_hidden:
        raise NotAllowed("hidden")
    if is_redacted(getattr(item, "title", ""), item.body):
        raise NotAllowed("redacted")


def check_can_edit_idea(idea, member):
    """NotAllowed when the member may not edit the idea now (the edit form says so at once)."""
    _check_can_edit(idea, member, idea.round)
    if idea.created_at <= utcnow() - EDIT_WINDOW and idea_answered(idea):
        raise NotAllowed("edit_window")


def check_can_edit_reaction(comment, member):
    _check_can_edit(comment, member, comment.idea.round)
    if comment.created_at <= utcnow() - EDIT_WINDOW and db.session.scalar(
        select(replied_by_others(comment.id, member.id))
    ):
        raise NotAllowed("edit_window")


def edit_idea(idea, member, title, body):
    """The author changes their idea: any time in its first 15 minutes, after that only while
    nobody else supported or reacted. False when nothing changed."""
    _check_can_edit(idea, member, idea.round)
    if (title, body) == (idea.title, idea.body):
        return False
    check_can_edit_idea(idea, member)
    now = utcnow()
    race_pause("EDIT_RACE_DELAY")
    lock_idea(idea.id)
    changed = db.session.execute(
        update(Idea)
        .where(
            Idea.id == idea.id,
            Idea.author_id == member.id,
            Idea.withdrawn_at.is_(None),
            Idea.hidden_at.is_(None),
            or_(
                Idea.created_at > now - EDIT_WINDOW,
                and_(Idea.support_count == 0, ~reacted_by_others(idea.id, member.id)),
            ),
        )
        .values(title=title, body=body, edited_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(idea)
    if changed != 1:
        raise NotAllowed("edit_window")
    member.last_active_at = now
    reindex_idea(idea)  # the round's search finds it by its new words
    return True


def edit_reaction(comment, member, body):
    """The author changes their reaction: any time in its first 15 minutes, after that only
    while nobody else replied. False when nothing changed."""
    _check_can_edit(comment, member, comment.idea.round)
    if body == comment.body:
        return False
    check_can_edit_reaction(comment, member)
    now = utcnow()
    race_pause("EDIT_RACE_DELAY")
    lock_idea(comment.idea_id)
    changed = db.session.execute(
        update(Comment)
        .where(
            Comment.id == comment.id,
            Comment.author_id == member.id,
            Comment.withdrawn_at.is_(None),
            Comment.hidden_at.is_(None),
            or_(
                Comment.created_at > now - EDIT_WINDOW,
                ~replied_by_others(comment.id, member.id),
            ),
        )
        .values(body=body, edited_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        db.session.expire(comment)
        raise NotAllowed("edit_window")
    db.session.refresh(comment)
    member.last_active_at = now
    return True


# Withdrawing ------------------------------------------------------------------------------------


def withdraw_idea(idea, member):
    """The author withdraws their idea: it leaves the round's list and can't be supported or
    reacted to; its title and text are cleared (supports stay, countable for merges). Where
    others reacted, its page stays for their reactions, saying it was withdrawn."""
    if not is_own(idea, member):
        raise NotAllowed("not_yours")
    idea = lock_idea(idea.id)
    if idea.is_withdrawn:
        return False
    idea.withdrawn_at = utcnow()
    idea.title = ""
    idea.body = ""
    reindex_idea(idea)  # its words leave the search index too
    # Nothing is left to moderate: its open reports leave the queue (its reactions' stay).
    close_reports(idea, "withdrawn")
    return True


def has_reactions(idea):
    """Whether anything is left on a withdrawn idea's page."""
    return bool(db.session.scalar(select(exists().where(Comment.idea_id == idea.id))))


def withdraw_reaction(comment, member):
    """The author withdraws their reaction or reply. Without replies it is gone; with replies it
    stays as "withdrawn by the author", its text cleared, and the replies stay. A reply that was
    the last one under a withdrawn reaction takes that reaction with it."""
    if not is_own(comment, member):
        raise NotAllowed("not_yours")
    lock_idea(comment.idea_id)
    comment = _fresh_comment(comment.id)
    if comment is None or comment.is_withdrawn:
        return False
    has_replies = db.session.scalar(select(exists().where(Comment.parent_id == comment.id)))
    if has_replies:
        comment.withdrawn_at = utcnow()
        comment.body = ""
        db.session.flush()
        close_reports(comment, "withdrawn")  # its text is gone: nothing left to moderate
        return True
    parent_id = comment.parent_id
    db.session.execute(delete(Comment).where(Comment.id == comment.id))
    if parent_id is not None:
        # A withdrawn reaction whose last reply is gone leaves nothing to show.
        reply = aliased(Comment)
        db.session.execute(
            delete(Comment).where(
                Comment.id == parent_id,
                Comment.withdrawn_at.isnot(None),
                ~exists().where(reply.parent_id == parent_id),
            )
        )
    db.session.expire_all()
    return True
