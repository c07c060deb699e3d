"""Demo triage: every contribution of the demo listed, and a few already looked at.

Short app-feedback comments that say nothing to act on ("Top", "Prima") are marked "No action"
by the product owner, a day or two ago, so the triage page shows all three states: evidence of
an insight, no action (with who and when), and waiting.
"""

from datetime import timedelta

from sqlalchemy import select

from ..extensions import db
from ..insights import triage
from ..insights.models import TriageDismissal, TriageItem

DISMISSED = 4


def demo_triage(staff, now):
    triage.rebuild()
    db.session.flush()
    # The shortest comments, not yet evidence, oldest first: what a product owner waves through.
    items = db.session.execute(
        select(TriageItem.kind, TriageItem.source_id)
        .where(TriageItem.kind == "response", ~triage.is_evidence())
        .order_by(db.func.length(TriageItem.words), TriageItem.id)
        .limit(DISMISSED)
    ).all()
    for number, (kind, source_id) in enumerate(items):
        db.session.add(
            TriageDismissal(
                kind=kind,
                source_id=source_id,
                dismissed_by_id=staff.owner_nl.id,
                dismissed_at=now - timedelta(days=1 + number, hours=3),
            )
        )
