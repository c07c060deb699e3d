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
