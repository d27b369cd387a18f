"""Holiday sources and their merge."""

from __future__ import annotations

from datetime import date, time

import pytest

from crmcore.calendars import (
    CountryHolidays,
    ExplicitHolidays,
    GregorianHoliday,
    Holiday,
    HolidaySource,
    JalaliHoliday,
    RRuleHoliday,
    merge_holidays,
)
from crmcore.errors import ValidationError


def test_gregorian_and_jalali_fixed_dates() -> None:
    xmas = list(
        GregorianHoliday(12, 25, "Christmas").holidays_between(date(2024, 1, 1), date(2026, 1, 1))
    )
    assert [h.day for h in xmas] == [date(2024, 12, 25), date(2025, 12, 25)]
    # 22 Bahman 1403 = 2025-02-10 (Islamic Revolution Day, holidays.IR agrees).
    got = list(
        JalaliHoliday(11, 22, "Revolution").holidays_between(date(2025, 1, 1), date(2026, 1, 1))
    )
    assert [h.day for h in got] == [date(2025, 2, 10)]


def test_rrule_source() -> None:
    # US Thanksgiving: fourth Thursday of November (2024-11-28, 2025-11-27).
    src = RRuleHoliday("FREQ=YEARLY;BYMONTH=11;BYDAY=+4TH", "Thanksgiving", date(2000, 1, 1))
    assert [h.day for h in src.holidays_between(date(2024, 1, 1), date(2026, 1, 1))] == [
        date(2024, 11, 28),
        date(2025, 11, 27),
    ]
    with pytest.raises(ValidationError):
        RRuleHoliday("FREQ=SOMETIMES", "bad", date(2000, 1, 1))


def test_merge_counts_coinciding_holidays_once() -> None:
    a = ExplicitHolidays([Holiday(date(2025, 1, 1), "New Year", estimated=True)])
    b = GregorianHoliday(1, 1, "New Year")
    c = ExplicitHolidays(
        [
            Holiday(date(2025, 1, 2), "Half", closes_at=time(13)),
            Holiday(date(2025, 1, 2), "Early", closes_at=time(12)),
        ]
    )
    merged = merge_holidays([a, b, c], date(2025, 1, 1), date(2025, 2, 1))
    assert len(merged) == 2
    assert merged[date(2025, 1, 1)] == Holiday(date(2025, 1, 1), "New Year")  # confirmed by b
    assert merged[date(2025, 1, 2)].closes_at == time(12)  # the earliest early close


def test_country_source_flags_estimates() -> None:
    src = CountryHolidays("IR")
    got = list(src.holidays_between(date(2030, 1, 1), date(2030, 12, 31)))
    assert any(h.estimated for h in got)
    assert any(not h.estimated for h in got)
    assert isinstance(src, HolidaySource)


def test_bad_sources() -> None:
    with pytest.raises(ValidationError):
        GregorianHoliday(13, 1, "x")
    with pytest.raises(ValidationError):
        JalaliHoliday(7, 31, "x")  # Mehr has 30 days
    with pytest.raises(ValidationError):
        CountryHolidays("ZZ")
    with pytest.raises(ValidationError):
        ExplicitHolidays(["2025-01-01"])  # type: ignore[list-item]


def test_bad_containers_are_validation_errors() -> None:
    # Regression: these used to escape as bare TypeError / AttributeError.
    with pytest.raises(ValidationError, match="holidays") as info:
        ExplicitHolidays(None)  # type: ignore[arg-type]
    assert info.value.field == "holidays"
    with pytest.raises(ValidationError, match=r"sources\[1\]") as info:
        merge_holidays(
            [ExplicitHolidays([date(2025, 1, 1)]), 1],  # type: ignore[list-item]
            date(2025, 1, 1),
            date(2026, 1, 1),
        )
    assert info.value.value == 1


@pytest.mark.parametrize(("month", "day"), [(2, 30), (4, 31), (11, 31)])
def test_gregorian_day_that_never_occurs_is_refused(month: int, day: int) -> None:
    # Regression: GregorianHoliday(2, 30) was accepted and silently never closed a day.
    with pytest.raises(ValidationError, match="day"):
        GregorianHoliday(month, day, "x")
    # 29 February is kept: it occurs in leap years (2024-02-29).
    leap = GregorianHoliday(2, 29, "Leap day").holidays_between(date(2024, 1, 1), date(2025, 1, 1))
    assert [h.day for h in leap] == [date(2024, 2, 29)]


def test_jalali_holiday_outside_jdatetime_range_is_a_validation_error() -> None:
    # Regression: jdatetime's bare ValueError escaped for dates before 622-03-21.
    with pytest.raises(ValidationError):
        list(JalaliHoliday(1, 1, "Nowruz").holidays_between(date(1, 1, 1), date(2, 1, 1)))
