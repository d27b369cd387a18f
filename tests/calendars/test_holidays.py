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
