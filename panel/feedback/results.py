"""What the results pages show, computed from the kept counts: never a scan of all responses."""

from dataclasses import dataclass

from flask_babel import gettext, ngettext
from sqlalchemy import and_, or_

from ..membership.segments import AgeBand, CustomerType, Platform
from .models import Release
from .nps import Score, compare
from .services import release_score_counts, score_counts

SMALL_CELL = 30  # cells with fewer responses are shown greyed out as too small to read


@dataclass
class TrendPoint:
    release: Release
    score: Score
    change: object  # nps.Change against the release before, or None


# Five years of monthly releases (QUALITY.md): 60 points, read from the kept counts.
TREND_RELEASES = 60


def trend(limit=TREND_RELEASES):
    """The last `limit` published releases, oldest first, with their score and the change."""
    releases = (
        Release.query.filter(Release.published_at.isnot(None))
        .order_by(Release.month.desc(), Release.id.desc())
        .limit(limit)
        .all()[::-1]
    )
    counts = score_counts([r.id for r in releases])
    points, previous = [], None
    for release in releases:
        score = Score.from_counts(counts.get(release.id, {}).get("", [0] * 11))
        points.append(TrendPoint(release, score, compare(previous, score) if previous else None))
        previous = score
    return points


def change_for(release):
    """The change of a published release's score against the published release before it (in
    the trend's order), or None: two small reads, whatever the number of releases."""
    if release.published_at is None:
        return None
    before = (
        Release.query.filter(
            Release.published_at.isnot(None),
            or_(
                Release.month < release.month,
                and_(Release.month == release.month, Release.id < release.id),
            ),
        )
        .order_by(Release.month.desc(), Release.id.desc())
        .first()
    )
    if before is None:
        return None
    counts = score_counts([before.id, release.id])
    previous, score = (
        Score.from_counts(counts.get(r.id, {}).get("", [0] * 11)) for r in (before, release)
    )
    return compare(previous, score)


SEGMENT_TITLES = {"customer_type": CustomerType, "platform": Platform, "age_band": AgeBand}


def breakdown(release, kept=None):
    """{kind: [(title, Score, too_small)]} per segment kind, from the kept counts (`kept` as
    release_score_counts() reads them, or read here)."""
    kept = release_score_counts(release) if kept is None else kept
    result = {}
    for kind, enum in SEGMENT_TITLES.items():
        counts = kept.get(kind, {})
        rows = []
        for value in enum.values():
            score = Score.from_counts(counts.get(value, [0] * 11))
            rows.append((enum.title_of(value), score, score.n < SMALL_CELL))
        result[kind] = rows
    return result


def line_chart(points, width=720, height=260, left=44, right=16, top=16, bottom=40):
    """Geometry for the NPS trend: the line, the interval band, and the axis (−100…100 → pixels)."""
    usable_w, usable_h = width - left - right, height - top - bottom
    scored = [(i, p) for i, p in enumerate(points) if p.score.n]
    values = [p.score.nps for _, p in scored] + [v for _, p in scored for v in p.score.interval]
    low = min(values + [0]) if values else -10
    high = max(values + [0]) if values else 10
    step = 20
    low, high = max(-100, (low // step) * step), min(100, -((-high) // step) * step)
    if high - low < 2 * step:
        high = min(100, low + 2 * step)
    span = (high - low) or 1

    def x(index):
        return left + (usable_w * index / max(len(points) - 1, 1))

    def y(value):
        return top + usable_h * (high - value) / span

    line = " ".join(f"{x(i):.1f},{y(p.score.nps):.1f}" for i, p in scored)
    upper = [f"{x(i):.1f},{y(p.score.interval[1]):.1f}" for i, p in scored]
    lower = [f"{x(i):.1f},{y(p.score.interval[0]):.1f}" for i, p in reversed(scored)]
    ticks = [(value, y(value)) for value in range(int(low), int(high) + 1, step)]
    dots = [(x(i), y(p.score.nps), p) for i, p in scored]
    labels = [(x(i), p.release.month) for i, p in enumerate(points)]
    return {
        "width": width,
        "height": height,
        "line": line,
        "band": " ".join(upper + lower),
        "ticks": ticks,
        "dots": dots,
        "labels": labels,
        "left": left,
        "right": width - right,
        "zero": y(0),
        "bottom": height - bottom,
    }


def nps_text(value):
    """An NPS in whole points with its sign ("+12", "−3", "0"); "—" without responses."""
    if value is None:
        return "—"
    rounded = round(value)
    return f"+{rounded}" if rounded > 0 else f"−{abs(rounded)}" if rounded < 0 else "0"


def change_words(change):
    """The change from the release before, said in words."""
    if change is None:
        return ""
    points = round(abs(change.points))
    if change.significant and change.direction == "rise":
        return ngettext(
            "significant rise of %(num)s point", "significant rise of %(num)s points", points
        )
    if change.significant and change.direction == "fall":
        return ngettext(
            "significant fall of %(num)s point", "significant fall of %(num)s points", points
        )
    return gettext("no significant change (%(points)s points)", points=nps_text(change.points))


def segment_title(kind, value):
    enum = SEGMENT_TITLES.get(kind)
    return enum.title_of(value) if enum and value else "—"
