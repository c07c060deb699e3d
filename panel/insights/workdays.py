"""Working days in the Netherlands: weekends and Dutch public holidays do not count."""

from datetime import datetime, timedelta
from functools import lru_cache

import holidays
from dateutil.easter import easter as _western_easter

from ..database import AMSTERDAM


def easter(year):
    """Easter Sunday (Gregorian), from dateutil: the same rule the holidays library uses."""
    return _western_easter(year)


@lru_cache(maxsize=64)
def dutch_holidays(year):
    """The Dutch public holidays of `year`, from the holidays library.

    Bevrijdingsdag (5 May) is a general day off only in lustrum years (2025, 2030, …); the
    library's public category already leaves it out in other years, and the tests pin that.
    """
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day):
    return day.weekday() < 5 and day not in dutch_holidays(day.year)


def add_working_days(moment, days):
    """The moment `days` working days after `moment` (Amsterdam calendar, same time of day)."""
    local = moment.astimezone(AMSTERDAM)
    day = local.date()
    added = 0
    while added < days:
        day += timedelta(days=1)
        if is_working_day(day):
            added += 1
    result = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=AMSTERDAM)
    return result.astimezone(moment.tzinfo)


def working_days_between(start, end):
    """How many working days passed from `start` to `end` (Amsterdam calendar), as a fraction:
    only the hours of working days count, a full working day is 1. The inverse of
    add_working_days: from a moment to its due date is exactly the stream's target."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    total = 0.0
    day = start.date()
    while day <= end.date():
        if is_working_day(day):
            day_start = datetime.combine(day, datetime.min.time(), tzinfo=AMSTERDAM)
            day_end = datetime.combine(
                day + timedelta(days=1), datetime.min.time(), tzinfo=AMSTERDAM
            )
            seconds = (min(end, day_end) - max(start, day_start)).total_seconds()
            # A day of 23 or 25 hours (summer time) is still one day.
            total += max(seconds, 0) / (day_end - day_start).total_seconds()
        day += timedelta(days=1)
    return total
