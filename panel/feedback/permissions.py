"""Pure permission functions for releases and their results."""

from ..security import Role


def can_manage_releases(user):
    """Product owners and panel managers write and publish releases."""
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)


def can_read_results(user):
    """Reviewers read results too, without changing anything."""
    return user.is_authenticated and user.has_any_role(
        Role.PRODUCT_OWNER, Role.PANEL_MANAGER, Role.REVIEWER
    )
