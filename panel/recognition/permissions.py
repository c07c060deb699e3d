"""Pure permission functions for recognition: who may give thank-yous, who may get one."""

from ..membership.models import TAKING_PART
from ..membership.permissions import can_manage_members


def can_give_thank_yous(user):
    """The ledger, its budgets and its export are for panel managers (who manage the members)."""
    return can_manage_members(user)


def can_receive_thank_you(member):
    """A member in the panel (active or paused) can be given a thank-you."""
    return member is not None and member.status in TAKING_PART
