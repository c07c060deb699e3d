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
