"""Demo data for `make run`: a panel in full swing for every role.

One module per domain, loaded in the order the domains build on each other; each part is
committed on its own (the services only flush), so a newcomer logging in as any role sees real
work. Everything is relative to the moment of loading and drawn from one seeded random
generator, so every load tells the same story.
"""

import random

from ..audit import record_audit
from ..database import utcnow
from ..extensions import db
from ..insights.models import seed_default_streams
from .accounts import DEMO_PASSWORD, load_staff
from .feedback import load_feedback
from .insight_workbench import demo_merged_and_closed
from .insights import load_insights
from .membership import PANELIST_COUNT, load_members
from .notifications import load_notifications
from .recognition import demo_levels
from .rounds import demo_outcome_insights, load_rounds
from .setup import demo_archived_tag
from .shipped import demo_shipped
from .thank_yous import demo_thank_yous
from .triage import demo_triage

__all__ = ["DEMO_PASSWORD", "load_demo"]


def load_demo(seed=2026, now=None):
    """Create the demo installation; returns [(role, e-mail)] of the accounts to print."""
    now = now or utcnow()
    rng = random.Random(seed)
    shown = []
    staff = load_staff(shown)
    db.session.commit()
    load_members(rng, now, shown)
    seed_default_streams()
    db.session.commit()
    load_rounds(rng, staff, now)
    db.session.commit()
    load_feedback(rng, staff.owner_nl, now)
    db.session.commit()
    load_insights(rng, staff, now)
    demo_merged_and_closed(staff, now)
    demo_outcome_insights()
    db.session.commit()
    demo_triage(staff, now)
    db.session.commit()
    demo_archived_tag(staff)
    db.session.commit()
    demo_shipped(rng, staff, now)
    db.session.commit()
    demo_levels(rng, now)
    db.session.commit()
    demo_thank_yous(rng, staff, now)
    db.session.commit()
    load_notifications(staff.manager, now)
    record_audit("demo.load", actor=staff.manager, panelists=PANELIST_COUNT)
    db.session.commit()
    return shown
