"""Pure permission functions for rounds, used by views and templates alike."""

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
