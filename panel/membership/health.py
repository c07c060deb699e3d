"""Panel health figures: status counts, composition against quotas, recruitment funnel, leavers.

Each figure counts all members, or a year of leavers, or months of invitations and answers: at
100,000 members too much to count for every view of the page, and more at every size. The page
shows them from the newest kept snapshot (HealthSnapshot), counted by `flask panel
refresh-health` every ten minutes or by the manager's "Count again" button, and says when they
were counted. Without a snapshot yet it counts them for that view and keeps nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, select
from sqlalchemy.exc import IntegrityError

from .. import signals
from ..database import UTCDateTime, amsterdam_today, local_month, month_keys, month_start, utcnow
from ..extensions import db
from ..signals import answers
from .models import IN_PANEL, Member, MemberStatus, QuotaTarget
from .segments import AgeBand, CustomerType, Region


def members_by_status():
    rows = dict(db.session.query(Member.status, func.count(Member.id)).group_by(Member.status))
    return [(status, rows.get(status.value, 0)) for status in MemberStatus]


def composition(today=None):
    """Each quota target with its current fill.

    One grouped read of the members in the panel by customer type, region and birth year
    (index-only, a few thousand groups at any panel size), then each target sums its groups the
    way joining.segment_conditions selects members: instead of a CASE per target per member."""
    targets = quota_targets()
    if not targets:
        return []
    levels = segment_levels()
    fills = [
        level_fill(levels, target.customer_type, target.region, target.age_band, today)
        for target in targets
    ]
    return list(zip(targets, fills, strict=True))


def quota_targets():
    return QuotaTarget.query.order_by(
        QuotaTarget.customer_type, QuotaTarget.age_band, QuotaTarget.region
    ).all()


def segment_levels():
    """{(customer type or None, region or None): {birth year: members in the panel}}."""
    # Grouped in the order of ix_members_status_segment, status first: read straight from the
    # index without sorting (SQLite at L: 241 ms with a temporary b-tree, 56 ms without).
    segment = (Member.status, Member.customer_type, Member.region, Member.birth_year)
    groups = db.session.execute(
        select(*segment, func.count()).where(Member.status.in_(IN_PANEL)).group_by(*segment)
    ).all()
    # Counts per birth year at each level a target can ask for: type and/or region, or neither.
    levels = {}
    for _status, customer_type, region, birth_year, count in groups:
        # A set: a member without a type or region is counted once at the level without it.
        for key in {
            (customer_type, region),
            (customer_type, None),
            (None, region),
            (None, None),
        }:
            years = levels.setdefault(key, {})
            years[birth_year] = years.get(birth_year, 0) + count
    return levels


def level_fill(levels, customer_type, region, age_band, today=None):
    """Members in the panel of one segment (None or "" for any), summed from segment_levels()."""
    years = levels.get((customer_type or None, region or None), {})
    if not age_band:
        return sum(years.values())
    first, last = AgeBand(age_band).birth_years(today)
    return sum(
        count
        for year, count in years.items()
        if year is not None and year <= last and (first is None or year >= first)
    )


def recruitment_funnel():
    """Per source: joined → confirmed → ever active (read from the index on source and the two
    times, not the member rows)."""
    rows = db.session.execute(
        select(
            Member.source,
            func.count(),
            func.count(Member.confirmed_at),
            func.count(Member.activated_at),
        ).group_by(Member.source)
    ).all()
    funnel = [
        {"source": source or "", "joined": joined, "confirmed": confirmed, "active": active}
        for source, joined, confirmed, active in rows
    ]
    return sorted(funnel, key=lambda row: -row["joined"])


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
    # Index-only on (status, last_active_at).
    active = func.count(case((Member.last_active_at >= since, 1)))
    in_panel, recent = db.session.execute(
        select(func.count(), active).where(Member.status.in_(IN_PANEL))
    ).one()
    return recent or 0, in_panel or 0


# The kept snapshot ---------------------------------------------------------------------------

SNAPSHOT_VERSION = 2  # the form of `figures`; a snapshot in another form is counted again
KEEP_SNAPSHOTS = timedelta(days=1)


class HealthSnapshot(db.Model):
    """The panel health page's figures as counted at `taken_at`: to the minute, and one count
    per minute, so a refresh pressed twice, or by two managers at once, counts once."""

    __tablename__ = "health_snapshots"
    id = db.Column(db.Integer, primary_key=True)
    taken_at = db.Column(UTCDateTime, nullable=False, unique=True)
    figures = db.Column(db.JSON, nullable=False)


@dataclass(frozen=True)
class KeptFigures:
    """What the health page shows from one snapshot."""

    taken_at: datetime
    statuses: list  # [(MemberStatus, count)], every status, in order
    fills: dict  # {"type|region|age band": members in the panel}, "" for any; no zeros
    funnel: list  # [{"source", "joined", "confirmed", "active"}], most joined first
    iso_active: int
    in_panel: int
    leavers: list  # [("YYYY-MM", leavers)], the last 12 Amsterdam months
    reasons: list  # [(reason code or "", leavers)] of the last 12 months, most first
    parts: dict  # {name: counts} from the receivers of signals.panel_health_counts

    @classmethod
    def from_figures(cls, taken_at, figures):
        return cls(
            taken_at=taken_at,
            statuses=[
                (status, figures["statuses"].get(status.value, 0)) for status in MemberStatus
            ],
            fills=figures["fills"],
            funnel=figures["funnel"],
            iso_active=figures["iso_active"],
            in_panel=figures["in_panel"],
            leavers=[tuple(month) for month in figures["leavers"]],
            reasons=[tuple(reason) for reason in figures["reasons"]],
            parts=figures["parts"],
        )

    def count(self, status):
        return dict(self.statuses)[status]

    def fill(self, target):
        return self.fills.get(
            f"{target.customer_type or ''}|{target.region or ''}|{target.age_band or ''}", 0
        )

    def composition(self):
        """Each quota target as set now, with its fill as counted in the snapshot."""
        return [(target, self.fill(target)) for target in quota_targets()]


def count_figures(now=None):
    """The snapshot's figures, counted now, JSON-ready."""
    now = now or utcnow()
    levels = segment_levels()
    today = amsterdam_today(now)
    # Every segment a quota can name (each part one value or any), so that a quota set after
    # the snapshot finds its fill too; age bands as on the snapshot's day.
    fills = {}
    for customer_type in ["", *CustomerType.values()]:
        for region in ["", *Region.values()]:
            for age_band in ["", *AgeBand.values()]:
                fill = level_fill(levels, customer_type, region, age_band, today)
                if fill:
                    fills[f"{customer_type}|{region}|{age_band}"] = fill
    recent, in_panel = iso_active(now)
    return {
        "version": SNAPSHOT_VERSION,
        "statuses": {status.value: count for status, count in members_by_status()},
        "fills": fills,
        "funnel": recruitment_funnel(),
        "iso_active": recent,
        "in_panel": in_panel,
        "leavers": leavers_per_month(now=now),
        "reasons": [list(row) for row in leave_reasons(now=now)],
        "parts": dict(answers(signals.panel_health_counts, now=now)),
    }


def newest_snapshot():
    return db.session.scalars(
        select(HealthSnapshot).order_by(HealthSnapshot.taken_at.desc()).limit(1)
    ).first()


def refresh(now=None):
    """Count the figures again and keep them, unless this minute's are kept already (then
    nothing happens). True if counted and kept.

    Everything is counted before anything is written: SQLite's write lock is held for the
    insert only, not while counting."""
    now = now or utcnow()
    minute = now.replace(second=0, microsecond=0)
    newest = newest_snapshot()
    if newest is not None and newest.taken_at >= minute:
        return False
    figures = count_figures(now)
    try:
        with db.session.begin_nested():
            db.session.add(HealthSnapshot(taken_at=minute, figures=figures))
    except IntegrityError:  # another refresh kept this minute's first
        return False
    db.session.execute(
        delete(HealthSnapshot).where(HealthSnapshot.taken_at < minute - KEEP_SNAPSHOTS)
    )
    return True


def kept_figures(now=None):
    """The newest kept figures. With none kept yet (or only in an older form) they are counted
    now, and not kept: showing a page changes nothing."""
    snapshot = newest_snapshot()
    if snapshot is not None and snapshot.figures.get("version") == SNAPSHOT_VERSION:
        return KeptFigures.from_figures(snapshot.taken_at, snapshot.figures)
    now = now or utcnow()
    return KeptFigures.from_figures(now, count_figures(now))
