"""Pure permission functions for rounds, used by views and templates alike."""

from datetime import timedelta

from ..security import Role


def can_open_rounds(user):
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)


def can_manage_round(user, round_):
    """The round's owner runs it; panel managers may run any round."""
    if not user.is_authenticated:
        return False
    return user.has_role(Role.PANEL_MANAGER) or (
        user.has_role(Role.PRODUCT_OWNER) and round_.owner_id == user.id
    )


def can_moderate(user):
    """Hiding abusive ideas and comments is for panel managers."""
    return user.is_authenticated and user.has_role(Role.PANEL_MANAGER)


def can_see_names_at(user, session):
    """Owners see attendees by name only for a session at a location, to welcome them."""
    return session.kind == "physical" and can_manage_round(user, session.round)


def can_read_session_notes(user, session):
    """A session's notes are staff-only and belong to whoever runs its round: the round's owner
    and panel managers (administrators set the installation up; they do not run rounds). Quoted
    as an insight's evidence by one of them, a note is shared with that insight's staff readers,
    and the insight shows it as a staff note."""
    return can_manage_round(user, session.round)


# Panelists' own ideas and reactions (panel/rounds/reactions.py) -----------------------------

# Anything goes in the first minutes after posting; after that an edit may not change what
# others already supported or answered.
EDIT_WINDOW = timedelta(minutes=15)


def is_own(item, member):
    """An idea or reaction the member wrote."""
    return member is not None and item.author_id is not None and item.author_id == member.id


def can_edit_own(item, member, now, answered):
    """The author edits their idea or reaction while the window is open or, after it, while
    nobody else `answered` it (supported or reacted to an idea; replied to a reaction). Not once
    it is withdrawn or hidden by a moderator (views also ask for an open round)."""
    if not is_own(item, member) or item.withdrawn_at is not None or item.hidden_at is not None:
        return False
    return now - item.created_at < EDIT_WINDOW or not answered


def can_withdraw_own(item, member):
    return is_own(item, member) and item.withdrawn_at is None


def can_report_item(member, item):
    """A panelist reports what someone else wrote (their own they can edit or withdraw)."""
    return member is not None and not is_own(item, member) and item.withdrawn_at is None


def can_work_moderation_queue(user):
    """The moderation queue across all rounds: panel managers, and administrators (who look
    after the installation as a whole)."""
    return user.is_authenticated and user.has_any_role(Role.PANEL_MANAGER, Role.ADMIN)


def can_see_all_rounds(user):
    """Whoever works the moderation queue sees every round, idea and reaction, hidden ones
    too, so that the queue's "see it on the idea page" links open for them."""
    return can_work_moderation_queue(user)
