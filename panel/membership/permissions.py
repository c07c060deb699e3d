"""Pure permission functions for membership pages."""
from ..security import Role


def can_manage_members(user):
    return user.is_authenticated and user.has_role(Role.PANEL_MANAGER)


def can_see_contact_details(user):
    """Only panel managers see who a member is; reviewers and product owners see pseudonyms."""
    return can_manage_members(user)


def is_own_member(user, member):
    return member is not None and member.user_id is not None and member.user_id == user.id
