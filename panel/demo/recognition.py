"""Demo: contributor levels counted, some members showing their badge."""

from sqlalchemy import select, update

from ..extensions import db
from ..membership.models import IN_PANEL, Member
from ..recognition.levels import refresh_levels

SHOWING_SHARE = 0.3  # about three in ten members switched their badge on


def demo_levels(rng, now):
    """Counts every member's contributor level; some members agreed to show it."""
    refresh_levels(now=now)
    member_ids = db.session.scalars(
        select(Member.id).where(Member.status.in_(IN_PANEL)).order_by(Member.id)
    ).all()
    showing = [member_id for member_id in member_ids if rng.random() < SHOWING_SHARE]
    if showing:
        db.session.execute(
            update(Member)
            .where(Member.id.in_(showing))
            .values(show_level=True)
            .execution_options(synchronize_session=False)
        )
