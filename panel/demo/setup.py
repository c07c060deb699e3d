"""Demo: the administrator's set-up over time: a tag the team stopped using, archived (kept on
the insights that have it, no longer offered), so the tags page shows one."""

from ..extensions import db
from ..insights import rules
from ..insights.models import Insight, Tag


def demo_archived_tag(staff):
    tag = Tag(name_nl="Papieren rekening", name_en="Paper bill")
    db.session.add(tag)
    db.session.flush()
    bill = Tag.query.filter_by(name_en="Bill").first()
    oldest = (
        Insight.query.filter(Insight.tags.contains(bill)).order_by(Insight.id).first()
        if bill
        else None
    )
    if oldest is not None:
        oldest.tags.append(tag)
        db.session.flush()
    rules.archive_tag(tag, staff.admin)
