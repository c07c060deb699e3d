"""When things happened in the demo: a moment between two others, a wall-clock time in Amsterdam."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def between(rng, start, end):
    """A moment from start to end; start itself when the span is empty."""
    if end <= start:
        return start
    return start + timedelta(seconds=rng.uniform(0, (end - start).total_seconds()))


def local(day, hour, minute=0):
    """`hour:minute` on `day` in Amsterdam, as an aware UTC datetime."""
    return datetime.combine(day, time(hour, minute), AMSTERDAM).astimezone(UTC)


def weekday_before(day):
    """The day itself, or the Friday before when it falls in a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))
