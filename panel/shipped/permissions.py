"""Pure permission functions for linking what shipped."""

from ..rounds.permissions import can_manage_round
from ..security import Role


def can_link_changes(user):
    """Product owners and panel managers link release changes to insights and ideas (they write
    the releases; reviewers close their routes as shipped, but don't change the links)."""
    return user.is_authenticated and user.has_any_role(Role.PRODUCT_OWNER, Role.PANEL_MANAGER)


def can_link_idea(user, idea):
    """Linking an idea marks it shipped and tells its author and supporters, so it is for whoever
    runs its round: the round's owner, or a panel manager (who may run any round). Another
    product owner neither links nor unlinks it, nor finds it in the change page's search."""
    return can_link_changes(user) and can_manage_round(user, idea.round)


def sees_every_round(user):
    """Panel managers find ideas of every round on a change's page; an owner only their own."""
    return user.is_authenticated and user.has_role(Role.PANEL_MANAGER)
