"""Reporting period grids on the Gregorian or the Jalali calendar (private).

One grid for every engine that buckets dates: Gregorian months, quarters and
years; Jalali months, seasons (three months each, from Farvardin) and years
(the Iranian fiscal year, 1 Farvardin to the end of Esfand).
"""

from __future__ import annotations

import enum
from datetime import date
from functools import lru_cache

import attrs

from crmcore._checks import require_date
from crmcore.calendars._jalali import (
    iranian_fiscal_year_range,
    jalali_date,
    jalali_month_range,
    to_jalali,
)
from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits


class PeriodUnit(enum.StrEnum):
    """The length and calendar of one period of a grid."""

    GREGORIAN_MONTH = "gregorian_month"
    GREGORIAN_QUARTER = "gregorian_quarter"
    GREGORIAN_YEAR = "gregorian_year"
    JALALI_MONTH = "jalali_month"
    JALALI_SEASON = "jalali_season"
    """Three Jalali months: spring (Farvardin-Khordad) is season 1."""
    JALALI_YEAR = "jalali_year"
    """The Iranian fiscal year: 1 Farvardin to the end of Esfand."""

    @classmethod
    def parse(cls, value: object) -> PeriodUnit:
        """``value`` as a unit, or ValidationError naming the accepted ones."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value)) if isinstance(value, str) else cls("")
        except ValueError:
            raise ValidationError(
                obj="PeriodUnit",
                field="unit",
                value=value,
                expected="one of " + ", ".join(u.value for u in cls),
            ) from None


def _to_unit(value: object) -> PeriodUnit:
    return PeriodUnit.parse(value)


@attrs.frozen
class CalendarPeriod:
    """One period of a grid: the half-open span of days ``[start, end)`` and its label.

    Labels: ``2026-03`` (month), ``2026-Q1`` (quarter), ``2026`` (year),
    ``1405-01`` (Jalali month), ``1405-S1`` (Jalali season), ``1405`` (Jalali year).

    >>> p = period_of(date(2026, 3, 21), "jalali_season")
    >>> p.label, str(p.start), str(p.end), p.persian_label()
    ('1405-S1', '2026-03-21', '2026-06-22', '۱۴۰۵-S۱')
    """

    unit: PeriodUnit = attrs.field(converter=_to_unit)
    label: str
    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day < self.end

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    def persian_label(self) -> str:
        """The label in Persian digits."""
        return to_persian_digits(self.label)


def _gregorian(unit: PeriodUnit, day: date) -> CalendarPeriod:
    if unit is PeriodUnit.GREGORIAN_YEAR:
        return CalendarPeriod(unit, f"{day.year}", date(day.year, 1, 1), date(day.year + 1, 1, 1))
    months = 3 if unit is PeriodUnit.GREGORIAN_QUARTER else 1
    first = (day.month - 1) // months * months  # 0-based month that starts the period
    index = day.year * 12 + first + months
    end = date(index // 12, index % 12 + 1, 1)
    start = date(day.year, first + 1, 1)
    label = (
        f"{day.year}-Q{first // 3 + 1}"
        if unit is PeriodUnit.GREGORIAN_QUARTER
        else f"{day.year:04d}-{first + 1:02d}"
    )
    return CalendarPeriod(unit, label, start, end)


def _jalali(unit: PeriodUnit, day: date) -> CalendarPeriod:
    year, month, _ = to_jalali(day)
    if unit is PeriodUnit.JALALI_YEAR:
        return CalendarPeriod(unit, f"{year}", *iranian_fiscal_year_range(year))
    if unit is PeriodUnit.JALALI_MONTH:
        return CalendarPeriod(unit, f"{year:04d}-{month:02d}", *jalali_month_range(year, month))
    season = (month - 1) // 3 + 1
    start = jalali_date(year, season * 3 - 2, 1)
    end = jalali_date(year + 1, 1, 1) if season == 4 else jalali_date(year, season * 3 + 1, 1)
    return CalendarPeriod(unit, f"{year:04d}-S{season}", start, end)


@lru_cache(maxsize=65536)
def _period_of(unit: PeriodUnit, day: date) -> CalendarPeriod:
    return _gregorian(unit, day) if unit.value.startswith("gregorian") else _jalali(unit, day)


def period_of(day: date, unit: PeriodUnit | str) -> CalendarPeriod:
    """The period of ``unit`` that contains ``day`` (memoised: grids reuse few distinct days).

    >>> period_of(date(2026, 2, 14), "gregorian_quarter").label
    '2026-Q1'
    >>> period_of(date(2025, 3, 20), "jalali_year").label   # 30 Esfand 1403
    '1403'
    """
    require_date(day, obj="period_of", field="day")
    return _period_of(PeriodUnit.parse(unit), day)


def period_grid(start: date, end: date, unit: PeriodUnit | str) -> tuple[CalendarPeriod, ...]:
    """The consecutive periods of ``unit`` that cover the days ``[start, end)``.

    >>> [p.label for p in period_grid(date(2026, 3, 1), date(2026, 5, 1), "jalali_month")]
    ['1404-12', '1405-01', '1405-02']
    """
    require_date(start, obj="period_grid", field="start")
    require_date(end, obj="period_grid", field="end")
    kind = PeriodUnit.parse(unit)
    if end <= start:
        raise ValidationError(
            obj="period_grid", field="end", value=end, expected=f"a date after start ({start})"
        )
    if (end - start).days > 366 * 200:
        raise ValidationError(
            obj="period_grid", field="end", value=end, expected="a span of at most 200 years"
        )
    grid = [period_of(start, kind)]
    while grid[-1].end < end:
        grid.append(period_of(grid[-1].end, kind))
    return tuple(grid)
