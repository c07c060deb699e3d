"""Working days for due dates: Dutch public holidays come from the holidays library."""

from datetime import UTC, date, datetime

import pytest

from panel.insights.workdays import add_working_days, dutch_holidays, is_working_day


@pytest.mark.parametrize(
    "year, is_day_off", [(2025, True), (2026, False), (2027, False), (2030, True)]
)
def test_liberation_day_is_a_day_off_only_in_lustrum_years(year, is_day_off):
    assert (date(year, 5, 5) in dutch_holidays(year)) is is_day_off


def test_due_date_across_liberation_day_2026_is_not_pushed():
    # Monday 4 May 2026 + 2 working days: Tuesday 5 May counts, so Wednesday 6 May.
    assert add_working_days(datetime(2026, 5, 4, 10, tzinfo=UTC), 2).date() == date(2026, 5, 6)
    assert is_working_day(date(2027, 5, 5))


def test_due_date_across_liberation_day_in_a_lustrum_year_is_pushed():
    # Friday 2 May 2025 + 1 working day: Monday 5 May is a day off, so Tuesday 6 May.
    assert add_working_days(datetime(2025, 5, 2, 10, tzinfo=UTC), 1).date() == date(2025, 5, 6)
    # In 2030 the day off falls on a Sunday, so it cannot push a due date that year.
    assert date(2030, 5, 5) in dutch_holidays(2030)


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (datetime(2026, 4, 24, 10, tzinfo=UTC), 1, date(2026, 4, 28)),  # Friday, King's Day Monday
        (datetime(2025, 4, 25, 10, tzinfo=UTC), 1, date(2025, 4, 28)),  # King's Day on a Saturday
        (datetime(2027, 3, 26, 10, tzinfo=UTC), 1, date(2027, 3, 30)),  # Good Friday, Easter Monday
        (datetime(2026, 12, 24, 10, tzinfo=UTC), 1, date(2026, 12, 28)),  # Christmas, then weekend
        (datetime(2027, 12, 24, 10, tzinfo=UTC), 1, date(2027, 12, 27)),  # Christmas on a Saturday
        (datetime(2026, 5, 13, 10, tzinfo=UTC), 1, date(2026, 5, 15)),  # Ascension Day
        (datetime(2026, 5, 22, 10, tzinfo=UTC), 1, date(2026, 5, 26)),  # Whit Monday
    ],
)
def test_due_dates_still_skip_the_other_holidays(start, days, expected):
    assert add_working_days(start, days).date() == expected


def test_due_date_keeps_the_time_of_day_in_amsterdam():
    start = datetime(2026, 4, 24, 8, 30, tzinfo=UTC)  # 10:30 in Amsterdam (summer time)
    due = add_working_days(start, 1)
    assert due == datetime(2026, 4, 28, 8, 30, tzinfo=UTC)
    assert due.tzinfo is UTC
