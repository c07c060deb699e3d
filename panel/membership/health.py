"""Panel health figures: status counts, composition against quotas, recruitment funnel, leavers."""

from datetime import timedelta

from sqlalchemy import case, func

from ..database import local_month, month_keys, month_start, utcnow
from ..extensions import db
from .joining import quota_fills
from .models import IN_PANEL, Member, MemberStatus, QuotaTarget


def members_by_status():
    rows = dict(db.session.query(Member.status, func.count(Member.id)).group_by(Member.status))
    return [(status, rows.get(status.value, 0)) for status in MemberStatus]


def composition():
    """Each quota target with its current fill (all fills counted in one query)."""
    targets = QuotaTarget.query.order_by(
        QuotaTarget.customer_type, QuotaTarget.age_band, QuotaTarget.region
    ).all()
    return list(zip(targets, quota_fills(targets), strict=True))


def recruitment_funnel():
    """Per source: joined → confirmed → ever active."""
    source = func.coalesce(Member.source, "")
    rows = (
        db.session.query(
            source,
            func.count(Member.id),
            func.count(Member.confirmed_at),
            func.count(Member.activated_at),
        )
        .group_by(source)
        .order_by(func.count(Member.id).desc())
        .all()
    )
    return [
        {"source": row[0], "joined": row[1], "confirmed": row[2], "active": row[3]} for row in rows
    ]


def leavers_per_month(months=12, now=None):
    """[('YYYY-MM', leavers)] for the last `months` Amsterdam months, this one included."""
    now = now or utcnow()
    month = local_month(Member.left_at)
    counts = dict(
        db.session.query(month, func.count(Member.id))
        .filter(
            Member.status == MemberStatus.LEFT.value,
            Member.left_at >= month_start(now, months - 1),
        )
        .group_by(month)
    )
    return [(label, counts.get(label, 0)) for label in month_keys(now, months)]


def leave_reasons(months=12, now=None):
    since = (now or utcnow()) - timedelta(days=31 * months)
    reason = func.coalesce(Member.leave_reason, "")
    return (
        db.session.query(reason, func.count(Member.id))
        .filter(
            Member.status == MemberStatus.LEFT.value,
            Member.left_at >= since,
        )
        .group_by(reason)
        .order_by(func.count(Member.id).desc())
        .all()
    )


def iso_active(now=None):
    """(active in the ISO 20252 sense, all members in the panel)."""
    since = (now or utcnow()) - timedelta(days=365)
    active = func.sum(case((Member.last_active_at >= since, 1), else_=0))
    in_panel, recent = (
        db.session.query(func.count(Member.id), active).filter(Member.status.in_(IN_PANEL)).one()
    )
    return recent or 0, in_panel or 0
