"""Pure permission functions for linking what shipped."""

from ..security import Role


def can_link_changes(user):
    """Product owners and panel managers link release changes to insights and ideas (they write
    the releases; reviewers close their routes as shipped, but don't change the links)."""
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)
