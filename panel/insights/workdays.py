"""Working days in the Netherlands: weekends and Dutch public holidays do not count."""
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def easter(year):
    """Easter Sunday (Gregorian), by the anonymous Gregorian algorithm."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 - the algorithm's own name
    m = (a + 11 * h + 22 * l) // 451
    month = (h + l - 7 * m + 114) // 31
    day = (h + l - 7 * m + 114) % 31 + 1
    return date(year, month, day)


@lru_cache(maxsize=64)
def dutch_holidays(year):
    """New Year, Good Friday, Easter, King's Day, Liberation Day, Ascension, Whitsun, Christmas."""
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to the Saturday before
        kings_day = date(year, 4, 26)
    return frozenset({
        date(year, 1, 1), sunday - timedelta(days=2), sunday, sunday + timedelta(days=1), kings_day,
        date(year, 5, 5), sunday + timedelta(days=39), sunday + timedelta(days=49),
        sunday + timedelta(days=50), date(year, 12, 25), date(year, 12, 26),
    })


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
