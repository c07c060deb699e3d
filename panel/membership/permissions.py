"""Pure permission functions for membership pages."""

from ..security import Role


def can_manage_members(user):
    """The panel's own pages (members, quotas, health, settings) are for panel managers."""
    return user.is_authenticated and user.has_role(Role.PANEL_MANAGER)


def can_set_panel_rules(user):
    """Quotas and the panel settings: panel managers, and administrators (PRODUCT.md)."""
    return user.is_authenticated and user.has_any_role(Role.PANEL_MANAGER, Role.ADMIN)
