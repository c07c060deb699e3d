"""The list of all insights: what it is narrowed to and in which order (read from the address).

Only known values count: anything else is no filter (never an error), except a date that is not
one, which the page names. Merged insights are never listed (their page leads to the kept one).
Every filter is an indexed condition or an EXISTS on an indexed table, so a page of the list
costs the same few queries at any volume: the full-text index for words, ix_routes_* for stream,
status, open and overdue, ix_insight_tags_tag for a tag, ix_insights_created_by, and
ix_insights_created_at / ix_insights_evidence_count for the orders.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select, text

from ..database import AMSTERDAM, utcnow
from .insight_search import matching_ids
from .models import (
    CLOSED_INDEX_WHERE,
    OPEN_ROUTE_INDEX_WHERE,
    Insight,
    Route,
    RouteStatus,
    insight_tags,
)

SORTS = ("newest", "evidence", "oldest_open")
SOURCES = ("round", "release", "other")
STATES = ("open", "closed", "all")
NUMBER = re.compile(r"[0-9]{1,9}")


def _number(value):
    return int(value) if NUMBER.fullmatch(value or "") else None


def _date(value):
    """(date or None, is_bad): an ISO date (what <input type=date> sends)."""
    value = (value or "").strip()
    if not value:
        return None, False
    try:
        return date.fromisoformat(value), False
    except ValueError:
        return None, True


@dataclass
class InsightFilters:
    words: str = ""
    stream: int | None = None
    status: str = ""
    tag: int | None = None
    source: str = ""
    created_by: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    open_routes: bool = False
    overdue: bool = False
    state: str = "open"
    sort: str = "newest"
    bad_dates: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args):
        created_from, bad_from = _date(args.get("from"))
        created_to, bad_to = _date(args.get("to"))
        status = args.get("status", "")
        return cls(
            words=" ".join(args.get("q", "").split())[:100],
            stream=_number(args.get("stream")),
            status=status if status in RouteStatus.values() else "",
            tag=_number(args.get("tag")),
            source=args.get("source") if args.get("source") in SOURCES else "",
            created_by=_number(args.get("by")),
            created_from=created_from,
            created_to=created_to,
            open_routes=args.get("open") == "1",
            overdue=args.get("overdue") == "1",
            state=args.get("state") if args.get("state") in STATES else "open",
            sort=args.get("sort") if args.get("sort") in SORTS else "newest",
            bad_dates=[name for name, bad in (("from", bad_from), ("to", bad_to)) if bad],
        )

    @property
    def active(self):
        return bool(
            self.words
            or self.stream
            or self.status
            or self.tag
            or self.source
            or self.created_by
            or self.created_from
            or self.created_to
            or self.open_routes
            or self.overdue
            or self.state != "open"
        )


def _local_midnight(day):
    return datetime.combine(day, time(0), tzinfo=AMSTERDAM)


def filtered(filters, now=None):
    """A select of the insights the filters leave, in the chosen order."""
    now = now or utcnow()
    query = select(Insight).where(Insight.merged_into_id.is_(None))
    if filters.words:
        query = query.where(Insight.id.in_(matching_ids(filters.words)))
    if filters.state == "open":
        query = query.where(Insight.closed_at.is_(None))
    elif filters.state == "closed":
        # Written as the partial index ix_insights_closed's condition, so the few closed ones
        # are read from it.
        query = query.where(text(CLOSED_INDEX_WHERE))
    # Narrowed from the routes' and tags' own indexes (IN, not a correlated EXISTS per insight):
    # the open ones by the partial index ix_routes_open_due (its condition written out), a
    # stream and its status by ix_routes_stream_status_due, a tag by ix_insight_tags_tag.
    routes = [Route.removed_at.is_(None)]
    if filters.stream:
        routes.append(Route.stream_id == filters.stream)
    if filters.status:
        routes.append(Route.status == filters.status)
    if filters.open_routes or filters.overdue:
        routes.append(text(OPEN_ROUTE_INDEX_WHERE))
    if filters.overdue:
        routes += [Route.first_response_at.is_(None), Route.due_at < now]
    if len(routes) > 1:
        query = query.where(Insight.id.in_(select(Route.insight_id).where(*routes)))
    if filters.tag:
        query = query.where(
            Insight.id.in_(
                select(insight_tags.c.insight_id).where(insight_tags.c.tag_id == filters.tag)
            )
        )
    if filters.source == "round":
        query = query.where(Insight.round_id.isnot(None))
    elif filters.source == "release":
        query = query.where(Insight.round_id.is_(None), Insight.release_id.isnot(None))
    elif filters.source == "other":
        query = query.where(Insight.round_id.is_(None), Insight.release_id.is_(None))
    if filters.created_by:
        query = query.where(Insight.created_by_id == filters.created_by)
    if filters.created_from:
        query = query.where(Insight.created_at >= _local_midnight(filters.created_from))
    if filters.created_to:
        query = query.where(
            Insight.created_at < _local_midnight(filters.created_to + timedelta(days=1))
        )
    if filters.sort == "evidence":
        return query.order_by(Insight.evidence_count.desc(), Insight.id.desc())
    if filters.sort == "oldest_open":
        # Insights with an open route, the one waiting longest first.
        waiting = (
            select(Route.insight_id, func.min(Route.routed_at).label("since"))
            .where(text(OPEN_ROUTE_INDEX_WHERE))  # from the partial index ix_routes_open_due
            .group_by(Route.insight_id)
            .subquery()
        )
        return query.join(waiting, waiting.c.insight_id == Insight.id).order_by(
            waiting.c.since, Insight.id
        )
    return query.order_by(Insight.created_at.desc(), Insight.id.desc())
