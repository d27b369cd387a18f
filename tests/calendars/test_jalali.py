"""Jalali helpers, checked against shared/reference/sla.md (Iran)."""

from __future__ import annotations

from datetime import date

import pytest

from crmcore.calendars import (
    format_jalali,
    iranian_fiscal_year,
    iranian_fiscal_year_range,
    is_jalali_leap_year,
    jalali_date,
    jalali_month_range,
    parse_jalali,
    to_jalali,
)
from crmcore.errors import ValidationError


def test_nowruz_1404_is_21_march_2025() -> None:
    # Reference: "Nowruz 1404 is 2025-03-21" (the 2820-year rule gets this wrong).
    assert jalali_date(1404, 1, 1) == date(2025, 3, 21)
    assert parse_jalali("1404-01-01") == date(2025, 3, 21)


def test_recent_leap_years_match_the_reference() -> None:
    # Reference: recent leap years 1395, 1399, 1403, 1408, 1412.
    leaps = [y for y in range(1390, 1415) if is_jalali_leap_year(y)]
    assert leaps == [1391, 1395, 1399, 1403, 1408, 1412]
    assert jalali_date(1403, 12, 30) == date(2025, 3, 20)  # the day before Nowruz 1404
    with pytest.raises(ValidationError) as err:
        jalali_date(1404, 12, 30)  # 1404 is not leap
    assert err.value.field == "day"
    assert err.value.value == 30


def test_parse_accepts_slashes_and_persian_digits() -> None:
    assert parse_jalali("۱۴۰۵/۰۱/۰۱") == date(2026, 3, 21)
    assert parse_jalali("1399.12.30") == date(2021, 3, 20)


@pytest.mark.parametrize("text", ["", "1404-13-01", "14040101", "1404-01-32", None])
def test_parse_rejects_bad_text(text: object) -> None:
    with pytest.raises(ValidationError):
        parse_jalali(text)  # type: ignore[arg-type]


def test_round_trip_over_two_decades() -> None:
    day = date(2010, 1, 1)
    while day < date(2032, 1, 1):
        assert parse_jalali(format_jalali(day)) == day
        assert jalali_date(*to_jalali(day)) == day
        day = date.fromordinal(day.toordinal() + 7)


def test_month_ranges() -> None:
    # Farvardin..Shahrivar have 31 days, Mehr..Bahman 30, Esfand 29 (30 in leap years).
    start, end = jalali_month_range(1404, 1)
    assert (start, (end - start).days) == (date(2025, 3, 21), 31)
    start, end = jalali_month_range(1404, 7)
    assert (end - start).days == 30
    assert jalali_month_range(1403, 12)[1] - jalali_month_range(1403, 12)[0] == (
        date(2025, 3, 21) - date(2025, 2, 19)
    )  # 30 days: leap Esfand
    start, end = jalali_month_range(1404, 12)
    assert (end - start).days == 29


def test_fiscal_year_starts_on_farvardin_first() -> None:
    assert iranian_fiscal_year(date(2025, 3, 20)) == 1403
    assert iranian_fiscal_year(date(2025, 3, 21)) == 1404
    start, end = iranian_fiscal_year_range(1403)
    assert (end - start).days == 366  # 1403 is leap
    assert iranian_fiscal_year_range(1404) == (date(2025, 3, 21), date(2026, 3, 21))


def test_persian_digits() -> None:
    assert format_jalali(date(2025, 3, 21), persian_digits=True) == "۱۴۰۴-۰۱-۰۱"


@pytest.mark.parametrize("day", [date(1, 1, 1), date(622, 3, 20), date(9999, 12, 31)])
def test_dates_outside_jdatetime_range_are_validation_errors(day: date) -> None:
    # Regression: jdatetime's bare ValueError("year is out of range") used to escape.
    # 1 Farvardin 1 is 622-03-21 (jdatetime.date(1, 1, 1).togregorian()).
    for call in (to_jalali, format_jalali, iranian_fiscal_year):
        with pytest.raises(ValidationError, match="day") as info:
            call(day)
        assert info.value.value == day
