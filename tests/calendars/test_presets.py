"""The Iranian preset and from_country, against shared/reference/sla.md and holidays.IR."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import holidays as holidays_lib
import pytest

from crmcore.calendars import ExplicitHolidays, Holiday, from_country, iran, jalali_date
from crmcore.errors import ValidationError

IRAN = iran()
H = timedelta(hours=1)


def test_nowruz_and_the_last_days_of_esfand_1403() -> None:
    # Reference: 29 Esfand, 30 Esfand (leap years; 1403 is leap), 1-4 Farvardin are holidays.
    for day in (date(2025, 3, 19), date(2025, 3, 20), date(2025, 3, 21), date(2025, 3, 24)):
        assert not IRAN.is_working_day(day), day
    # 5 Farvardin 1404 (Tuesday 2025-03-25) is a working day.
    assert IRAN.is_working_day(date(2025, 3, 25))


def test_30_esfand_in_leap_years_1399_and_1403_only() -> None:
    assert jalali_date(1399, 12, 30) == date(2021, 3, 20)  # a Saturday: normally working
    assert not IRAN.is_working_day(date(2021, 3, 20))
    # 1404 is not leap: 29 Esfand 1404 = 2026-03-20 (Friday) and Nowruz 1405 follows.
    assert jalali_date(1405, 1, 1) == date(2026, 3, 21)


def test_solar_holidays_of_1404_and_1405() -> None:
    # 12, 13 Farvardin; 14, 15 Khordad; 22 Bahman (reference list).
    for year in (1404, 1405):
        for month, day in ((1, 12), (1, 13), (3, 14), (3, 15), (11, 22), (12, 29)):
            assert not IRAN.is_working_day(jalali_date(year, month, day)), (year, month, day)


def test_weekend_is_friday_and_thursday_by_choice() -> None:
    # 2025-05-01 is a Thursday, 2025-05-02 a Friday, 2025-05-03 a Saturday (no holidays).
    thu, fri, sat = date(2025, 5, 1), date(2025, 5, 2), date(2025, 5, 3)
    assert not IRAN.is_working_day(thu)
    assert not IRAN.is_working_day(fri)
    assert IRAN.is_working_day(sat)
    half = iran(thursday="half")
    full = iran(thursday="full")
    tz = half.timezone

    def day(d: date) -> tuple[datetime, datetime]:
        return (
            datetime(d.year, d.month, d.day, tzinfo=tz),
            datetime(d.year, d.month, d.day, 23, tzinfo=tz),
        )

    assert half.between(*day(thu)) == 4 * H  # 08:00-12:00
    assert full.between(*day(thu)) == 8 * H  # 08:00-16:00
    assert not full.is_working_day(fri)
    with pytest.raises(ValidationError) as err:
        iran(thursday="sometimes")
    assert err.value.field == "thursday"


def test_half_thursday_deadline() -> None:
    cal = iran(thursday="half")
    tz = cal.timezone
    # Wed 2025-04-30 14:00 + 5 h: 2 h Wed (14-16), 4 h Thu (08-12) -> 6 h > 5 h: Thu 11:00.
    assert cal.add(datetime(2025, 4, 30, 14, tzinfo=tz), 5 * H) == datetime(
        2025, 5, 1, 11, tzinfo=tz
    )
    # + 7 h: 6 h by Thu 12:00, Friday off, Sat 08:00 + 1 h -> Sat 09:00.
    assert cal.add(datetime(2025, 4, 30, 14, tzinfo=tz), 7 * H) == datetime(
        2025, 5, 3, 9, tzinfo=tz
    )


def test_agrees_with_holidays_ir_for_1395_to_1410() -> None:
    table = holidays_lib.IR(years=range(2016, 2033))  # type: ignore[attr-defined]
    day = jalali_date(1395, 1, 1)
    end = jalali_date(1411, 1, 1)
    checked = 0
    while day < end:
        expected = day.weekday() in (5, 6, 0, 1, 2) and day not in table
        assert IRAN.is_working_day(day) == expected, day
        checked += 1
        day += timedelta(days=1)
    assert checked > 5800


def test_coinciding_holidays_count_once() -> None:
    # 1 Farvardin 1405 (2026-03-21) is both Nowruz and Eid al-Fitr in holidays.IR.
    merged = IRAN.holidays_between(date(2026, 3, 21), date(2026, 3, 22))
    assert list(merged) == [date(2026, 3, 21)]
    assert "Nowruz" in merged[date(2026, 3, 21)].name
    assert "Eid al-Fitr" in merged[date(2026, 3, 21)].name
    # Sat 21 .. Wed 25 March 2026: 21-24 closed, 25 open: one working day.
    assert IRAN.business_days_between(date(2026, 3, 21), date(2026, 3, 26)) == 1


def test_estimated_lunar_holidays_are_flagged() -> None:
    merged = IRAN.holidays_between(date(2030, 1, 1), date(2031, 1, 1))
    estimated = [h for h in merged.values() if h.estimated]
    confirmed = [h for h in merged.values() if not h.estimated]
    assert estimated
    assert all("estimated" in h.name for h in estimated)
    # Solar holidays are fixed, never estimated: Nowruz 1409 = 2030-03-21.
    assert merged[date(2030, 3, 21)] in confirmed


def test_runtime_closure_and_extra_day() -> None:
    closure = date(2025, 8, 3)  # Sunday: a heat closure
    cal = iran(extra_holidays=[ExplicitHolidays([Holiday(closure, "Heat closure")])])
    assert IRAN.is_working_day(closure)
    assert not cal.is_working_day(closure)
    extra = IRAN.open(date(2025, 5, 1), "08:00-13:00", "Thursday catch-up")
    assert extra.is_working_day(date(2025, 5, 1))
    assert "Heat closure" in cal.describe_day(closure)


def test_from_country() -> None:
    us = from_country("US", timezone="America/New_York")
    assert not us.is_working_day(date(2025, 12, 25))
    assert us.is_working_day(date(2025, 12, 26))
    de = from_country("DE", timezone="Europe/Berlin", hours={"mon-fri": "08:00-16:00"})
    assert not de.is_working_day(date(2025, 10, 3))  # German Unity Day
    with pytest.raises(ValidationError) as err:
        from_country("XX", timezone="UTC")
    assert err.value.field == "country"
