"""Working days in the Netherlands: weekends and Dutch public holidays do not count."""

from datetime import date, datetime, timedelta
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
    add_working_days: from a moment to its due date is exactly the stream's target.

    The stream metrics call it for every route of half a year: whole days in between are
    counted from a per-year running total, not walked one by one."""
    if end <= start:
        return 0.0
    start, end = start.astimezone(AMSTERDAM), end.astimezone(AMSTERDAM)
    first, last = start.date(), end.date()
    if first == last:
        return _share_of_day(first, start, end)
    return (
        _share_of_day(first, start, _midnight(first + timedelta(days=1)))
        + _working_days_from_to(first + timedelta(days=1), last)
        + _share_of_day(last, _midnight(last), end)
    )


def _midnight(day):
    return datetime.combine(day, datetime.min.time(), tzinfo=AMSTERDAM)


def _share_of_day(day, begin, end):
    """The part of `day` from `begin` to `end` (a day of 23 or 25 hours is still one day)."""
    if not is_working_day(day):
        return 0.0
    length = (_midnight(day + timedelta(days=1)) - _midnight(day)).total_seconds()
    return max((end - begin).total_seconds(), 0) / length


@lru_cache(maxsize=64)
def _running_total(year):
    """[working days among the first n days of `year`] for n = 0 … days in the year."""
    first = date(year, 1, 1)
    totals = [0]
    for offset in range((date(year + 1, 1, 1) - first).days):
        totals.append(totals[-1] + is_working_day(first + timedelta(days=offset)))
    return totals


def _working_days_from_to(first, stop):
    """Working days from `first` up to, not including, `stop`."""
    count = 0
    while first < stop:
        until = min(stop, date(first.year + 1, 1, 1))
        totals, new_year = _running_total(first.year), date(first.year, 1, 1)
        count += totals[(until - new_year).days] - totals[(first - new_year).days]
        first = until
    return count
