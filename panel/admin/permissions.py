"""Pure permission functions for administration."""

from ..security import Role


def can_administer(user):
    """Users and roles, the audit log and the outbox are for administrators."""
    return user.is_authenticated and user.has_role(Role.ADMIN)
