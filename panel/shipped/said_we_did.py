"""The public "You said, we did" page's figures, per month: what shipped in the releases of that
month (the changes linked to panel input) and which input led to it, counted only, plus the
outcomes of co-creation rounds published that month.

Nothing personal leaves here: no member, no pseudonym, no idea text (ideas are panelists' own
words, so only their number and supports are given). A page of months costs the same few grouped
reads however many releases, changes, links, askers or outcomes there are.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import format_number, ngettext
from sqlalchemy import exists, func, or_, select

from ..database import AMSTERDAM, local_month
from ..extensions import db
from ..feedback.models import Release, ReleaseChange
from ..rounds.models import Idea, Round
from ..rounds.outcomes import outcome_insights_for
from .models import ChangeAsker, ChangeIdea, ChangeInsight
from .results import linked_words, per_change

MONTH_KEY = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


def parse_month(value):
    """'2026-11' → the month's key, or None for anything else (a cursor typed or cut short)."""
    match = MONTH_KEY.fullmatch(value or "")
    if not match or int(match.group(1)) < 1900:
        return None
    return match.group(0)


def first_day(key):
    return date(int(key[:4]), int(key[5:7]), 1)


def next_key(key):
    year, month = int(key[:4]), int(key[5:7])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def month_start_utc(key):
    """When the Amsterdam month `key` starts, in UTC."""
    day = first_day(key)
    return datetime(day.year, day.month, 1, tzinfo=AMSTERDAM).astimezone(UTC)


def input_words(insights, ideas, supports, askers=0):
    """The panel input behind a change or an outcome, counted, as one line: "Asked for by 212
    panelists · from 3 insights and 2 ideas · supported 148 times"; '' without any."""
    parts = []
    if askers:
        parts.append(
            ngettext(
                "asked for by %(count)s panelist",
                "asked for by %(count)s panelists",
                askers,
                count=format_number(askers),
            )
        )
    if insights or ideas:
        parts.append(linked_words(insights, ideas))
    if supports:
        parts.append(
            ngettext(
                "supported %(count)s time",
                "supported %(count)s times",
                supports,
                count=format_number(supports),
            )
        )
    line = " · ".join(parts)
    return line[:1].upper() + line[1:]


@dataclass(frozen=True)
class ShippedChange:
    """A shipped change and the panel input behind it, counted."""

    change: ReleaseChange
    insights: int
    ideas: int
    supports: int  # supports of the linked ideas
    askers: int  # panelists who asked for it (the kept askers)

    @property
    def input_words(self):
        return input_words(self.insights, self.ideas, self.supports, self.askers)


@dataclass
class ShippedRelease:
    version: str
    changes: list = field(default_factory=list)


@dataclass(frozen=True)
class PublishedOutcome:
    """A round's outcome published that month, and the input it came from, counted."""

    round: Round
    insights: int
    ideas: int  # the ideas taken into the outcome
    supports: int

    @property
    def input_words(self):
        return input_words(self.insights, self.ideas, self.supports)


@dataclass
class Month:
    key: str  # 'YYYY-MM' (Amsterdam)
    releases: list = field(default_factory=list)
    outcomes: list = field(default_factory=list)

    @property
    def first_day(self):
        return first_day(self.key)


def _is_linked(change_id):
    return or_(
        exists().where(ChangeInsight.change_id == change_id),
        exists().where(ChangeIdea.change_id == change_id),
    )


def month_keys(limit, before=None, shipped_only=False):
    """The newest `limit` months (keys, newest first) before the month `before` (a key, or None
    for all) in which a release with linked changes came out or (unless `shipped_only`) a
    round's outcome was made public: two reads of at most `limit` rows."""
    linked_release = exists().where(
        ReleaseChange.release_id == Release.id, _is_linked(ReleaseChange.id)
    )
    releases = (
        select(Release.month)
        .where(Release.published_at.isnot(None), linked_release)
        .distinct()
        .order_by(Release.month.desc())
        .limit(limit)
    )
    month = local_month(Round.outcome_public_at)
    outcomes = (
        select(month)
        .where(Round.outcome_public_at.isnot(None))
        .group_by(month)
        .order_by(month.desc())
        .limit(limit)
    )
    if before is not None:
        releases = releases.where(Release.month < first_day(before))
        outcomes = outcomes.where(Round.outcome_public_at < month_start_utc(before))
    keys = {f"{day.year:04d}-{day.month:02d}" for day in db.session.scalars(releases)}
    if not shipped_only:
        keys |= set(db.session.scalars(outcomes))
    return sorted(keys, reverse=True)[:limit]


def _shipped(oldest, newest):
    """{month key: [ShippedRelease]} of the published releases from month `oldest` up to and
    including `newest`: their linked changes with the input behind each, in one read."""
    insights = per_change(ChangeInsight)
    ideas = per_change(ChangeIdea)
    supports = (
        select(func.coalesce(func.sum(Idea.support_count), 0))
        .join(ChangeIdea, ChangeIdea.idea_id == Idea.id)
        .where(ChangeIdea.change_id == ReleaseChange.id)
        .correlate(ReleaseChange)
        .scalar_subquery()
    )
    askers = per_change(ChangeAsker)
    rows = db.session.execute(
        select(ReleaseChange, Release.version, Release.month, insights, ideas, supports, askers)
        .join(Release, Release.id == ReleaseChange.release_id)
        .where(
            Release.published_at.isnot(None),
            Release.month >= first_day(oldest),
            Release.month < first_day(next_key(newest)),
            _is_linked(ReleaseChange.id),
        )
        .order_by(*Release.newest_first(), ReleaseChange.position, ReleaseChange.id)
    )
    found = {}
    for change, version, day, n_insights, n_ideas, n_supports, n_askers in rows:
        releases = found.setdefault(f"{day.year:04d}-{day.month:02d}", [])
        if not releases or releases[-1].version != version:
            releases.append(ShippedRelease(version))
        releases[-1].changes.append(
            ShippedChange(change, n_insights, n_ideas, int(n_supports or 0), n_askers)
        )
    return found


def _outcomes(oldest, newest):
    """{month key: [PublishedOutcome]} of the outcomes made public from month `oldest` up to and
    including `newest`, newest first: one read, and one for their insights."""
    in_outcome = Idea.round_id == Round.id, Idea.in_outcome.is_(True)
    ideas = select(func.count()).where(*in_outcome).correlate(Round).scalar_subquery()
    supports = (
        select(func.coalesce(func.sum(Idea.support_count), 0))
        .where(*in_outcome)
        .correlate(Round)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Round, local_month(Round.outcome_public_at), ideas, supports)
        .where(
            Round.outcome_public_at >= month_start_utc(oldest),
            Round.outcome_public_at < month_start_utc(next_key(newest)),
        )
        .order_by(Round.outcome_public_at.desc(), Round.id.desc())
    ).all()
    insights = outcome_insights_for([row[0] for row in rows])
    found = {}
    for round_, key, n_ideas, n_supports in rows:
        found.setdefault(key, []).append(
            PublishedOutcome(
                round_, len(insights.get(round_.id, [])), n_ideas, int(n_supports or 0)
            )
        )
    return found


def months_of(keys, shipped_only=False):
    """[Month] for these month keys (newest first), with what shipped and (unless
    `shipped_only`) the outcomes."""
    if not keys:
        return []
    oldest, newest = min(keys), max(keys)
    shipped = _shipped(oldest, newest)
    outcomes = {} if shipped_only else _outcomes(oldest, newest)
    return [Month(key, shipped.get(key, []), outcomes.get(key, [])) for key in keys]


def months(limit, before=None, shipped_only=False):
    """The newest `limit` months with something shipped or an outcome published (only shipped,
    with `shipped_only`: the home page), before the month `before` ('YYYY-MM') if given:
    [Month], newest first."""
    return months_of(month_keys(limit, before, shipped_only), shipped_only)
