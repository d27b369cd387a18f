"""Period grids: Gregorian months/quarters/years, Jalali months/seasons/years."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import PeriodUnit, period_grid, period_of
from crmcore.errors import ValidationError


def test_hand_checked_periods() -> None:
    # 1 Farvardin 1405 = 2026-03-21 (Iranian calendar tables); the first six Jalali
    # months have 31 days, so spring 1405 is 93 days and ends on 2026-06-22 (exclusive).
    spring = period_of(date(2026, 4, 30), "jalali_season")
    assert (spring.label, spring.start, spring.end, spring.days) == (
        "1405-S1",
        date(2026, 3, 21),
        date(2026, 6, 22),
        93,
    )
    # Winter 1404: Dey, Bahman, Esfand (29 days; 1404 is not leap) up to 1 Farvardin 1405.
    winter = period_of(date(2026, 3, 20), "jalali_season")
    assert (winter.label, winter.end) == ("1404-S4", date(2026, 3, 21))
    q = period_of(date(2026, 11, 30), "gregorian_quarter")
    assert (q.label, q.start, q.end) == ("2026-Q4", date(2026, 10, 1), date(2027, 1, 1))
    assert period_of(date(2026, 12, 31), "gregorian_month").end == date(2027, 1, 1)
    assert period_of(date(2026, 3, 21), "jalali_year").label == "1405"


def test_fiscal_years_and_quarters() -> None:
    # A fiscal year from April (UK/India style): FY2025 = 2025-04-01 .. 2026-03-31,
    # its Q1 is April-June and 14 Feb 2026 falls in Q4 (January-March).
    year = period_of(date(2026, 2, 14), "gregorian_year", fiscal_start_month=4)
    assert (year.label, year.start, year.end) == ("FY2025", date(2025, 4, 1), date(2026, 4, 1))
    q4 = period_of(date(2026, 2, 14), "gregorian_quarter", fiscal_start_month=4)
    assert (q4.label, q4.start, q4.end) == ("FY2025-Q4", date(2026, 1, 1), date(2026, 4, 1))
    q1 = period_of(date(2025, 4, 1), "gregorian_quarter", fiscal_start_month=4)
    assert (q1.label, q1.start, q1.end) == ("FY2025-Q1", date(2025, 4, 1), date(2025, 7, 1))
    # US federal fiscal year 2026 runs from 1 Oct 2025; here it is named by its first year.
    assert period_of(date(2025, 10, 1), "gregorian_year", fiscal_start_month=10).label == "FY2025"
    # months, and the Jalali units, do not move with the fiscal start
    assert period_of(date(2026, 2, 14), "gregorian_month", fiscal_start_month=4).label == "2026-02"
    assert period_of(date(2026, 3, 21), "jalali_year", fiscal_start_month=4).label == "1405"
    for bad in (0, 13, True, "4"):
        with pytest.raises(ValidationError) as caught:
            period_grid(
                date(2026, 1, 1), date(2027, 1, 1), "gregorian_year", fiscal_start_month=bad
            )  # type: ignore[arg-type]
        assert caught.value.field == "fiscal_start_month"


@settings(max_examples=60)
@given(
    day=st.dates(date(1990, 1, 1), date(2090, 1, 1)),
    fiscal=st.integers(1, 12),
    unit=st.sampled_from([PeriodUnit.GREGORIAN_YEAR, PeriodUnit.GREGORIAN_QUARTER]),
)
def test_fiscal_periods_contain_the_day_and_start_on_the_fiscal_grid(
    day: date, fiscal: int, unit: PeriodUnit
) -> None:
    period = period_of(day, unit, fiscal_start_month=fiscal)
    assert day in period
    months = 12 if unit is PeriodUnit.GREGORIAN_YEAR else 3
    assert period.start.day == 1
    assert (period.start.month - fiscal) % months == 0
    assert (period.end.year * 12 + period.end.month) - (
        period.start.year * 12 + period.start.month
    ) == months
    assert period.label.startswith("FY" if fiscal != 1 else str(period.start.year)[:2])


def test_bad_unit_and_span_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        period_of(date(2026, 1, 1), "fortnight")
    assert (caught.value.field, caught.value.value) == ("unit", "fortnight")
    with pytest.raises(ValidationError):
        period_grid(date(2026, 1, 2), date(2026, 1, 1), "gregorian_month")


@settings(max_examples=60)
@given(
    start=st.dates(date(1990, 1, 1), date(2090, 1, 1)),
    days=st.integers(1, 2000),
    unit=st.sampled_from(PeriodUnit),
)
def test_grids_tile_the_span_without_gaps(start: date, days: int, unit: PeriodUnit) -> None:
    end = start + timedelta(days=days)
    grid = period_grid(start, end, unit)
    assert grid[0].start <= start < grid[0].end
    assert grid[-1].end >= end
    for left, right in itertools.pairwise(grid):
        assert left.end == right.start
        assert left.label < right.label
    for day in (start, end - timedelta(days=1)):
        assert day in period_of(day, unit)
