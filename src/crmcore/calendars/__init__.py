"""Business calendars: weekly hours, holidays, Jalali dates and business-time arithmetic.

- :class:`WeeklySchedule` of :class:`TimeSpan` per weekday (breaks,
  overnight shifts, 24×7), changing from a date with :class:`ScheduleChange`.
- Holidays through the :class:`HolidaySource` protocol: :class:`ExplicitHolidays`,
  :class:`GregorianHoliday`, :class:`JalaliHoliday`, :class:`RRuleHoliday`,
  :class:`CountryHolidays`; partial days via ``Holiday.closes_at``; run-time
  :class:`DayOverride` (ad-hoc closures, extra working days).
- :class:`BusinessCalendar`: ``add``, ``between``, ``is_working``,
  ``next_working_time``, ``working_intervals``, ``add_days``,
  ``business_days_between`` and batch ``add_many``/``add_epochs``/``between_many``
  (``backend="auto" | "python" | "numpy"``); typed batch records
  :class:`DeadlineQuery` and :class:`IntervalQuery` for :func:`deadlines` and
  :func:`business_times` (CSV rows become these through ``crmcore.serialization``).
- Presets :func:`iran` and :func:`from_country`, by name :func:`calendar_preset`; Jalali helpers
  :func:`jalali_date`, :func:`parse_jalali`, :func:`format_jalali`,
  :func:`jalali_month_range`, :func:`iranian_fiscal_year`.

>>> from datetime import datetime, timedelta
>>> cal = iran(thursday="half")
>>> # 29 Esfand 1403 is a holiday, then 30 Esfand (leap year), Nowruz 1-4 Farvardin:
>>> # the first working time is Tuesday 5 Farvardin 08:00; 8 h later is its closing time.
>>> deadline = cal.add(datetime(2025, 3, 19, 10, 0, tzinfo=cal.timezone), timedelta(hours=8))
>>> deadline.isoformat(), format_jalali(deadline.date())
('2025-03-25T16:00:00+03:30', '1404-01-05')
"""

from crmcore.calendars._calendar import BusinessCalendar
from crmcore.calendars._holidays import (
    CountryHolidays,
    DayOverride,
    ExplicitHolidays,
    GregorianHoliday,
    Holiday,
    HolidaySource,
    JalaliHoliday,
    RRuleHoliday,
    merge_holidays,
)
from crmcore.calendars._jalali import (
    format_jalali,
    iranian_fiscal_year,
    iranian_fiscal_year_range,
    is_jalali_leap_year,
    jalali_date,
    jalali_month_range,
    parse_jalali,
    to_jalali,
)
from crmcore.calendars._periods import CalendarPeriod, PeriodUnit, period_grid, period_of
from crmcore.calendars._presets import calendar_preset, from_country, iran, iran_solar_holidays
from crmcore.calendars._queries import DeadlineQuery, IntervalQuery, business_times, deadlines
from crmcore.calendars._schedule import ScheduleChange, TimeSpan, WeeklySchedule

__all__ = [
    "BusinessCalendar",
    "CalendarPeriod",
    "CountryHolidays",
    "DayOverride",
    "DeadlineQuery",
    "ExplicitHolidays",
    "GregorianHoliday",
    "Holiday",
    "HolidaySource",
    "IntervalQuery",
    "JalaliHoliday",
    "PeriodUnit",
    "RRuleHoliday",
    "ScheduleChange",
    "TimeSpan",
    "WeeklySchedule",
    "business_times",
    "calendar_preset",
    "deadlines",
    "format_jalali",
    "from_country",
    "iran",
    "iran_solar_holidays",
    "iranian_fiscal_year",
    "iranian_fiscal_year_range",
    "is_jalali_leap_year",
    "jalali_date",
    "jalali_month_range",
    "merge_holidays",
    "parse_jalali",
    "period_grid",
    "period_of",
    "to_jalali",
]
