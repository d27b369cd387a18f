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
    ``FY2026`` and ``FY2026-Q1`` (a fiscal year not starting in January,
    named by the year it starts in), ``1405-01`` (Jalali month),
    ``1405-S1`` (Jalali season), ``1405`` (Jalali year).

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


def _gregorian(unit: PeriodUnit, day: date, fiscal: int) -> CalendarPeriod:
    months = {PeriodUnit.GREGORIAN_YEAR: 12, PeriodUnit.GREGORIAN_QUARTER: 3}.get(unit, 1)
    offset = fiscal - 1 if months > 1 else 0  # months and quarters count from the fiscal start
    index = day.year * 12 + day.month - 1 - offset
    first = index - index % months + offset  # the period's first month, counted from year 0
    start = date(first // 12, first % 12 + 1, 1)
    after = first + months
    end = date(after // 12, after % 12 + 1, 1)
    year = (first - offset) // 12  # the (fiscal) year the period belongs to
    prefix = f"FY{year}" if offset else f"{year}"
    if unit is PeriodUnit.GREGORIAN_YEAR:
        label = prefix
    elif unit is PeriodUnit.GREGORIAN_QUARTER:
        label = f"{prefix}-Q{(first - offset) % 12 // 3 + 1}"
    else:
        label = f"{start.year:04d}-{start.month:02d}"
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
def _period_of(unit: PeriodUnit, day: date, fiscal: int = 1) -> CalendarPeriod:
    if unit.value.startswith("gregorian"):
        return _gregorian(unit, day, fiscal)
    return _jalali(unit, day)


def fiscal_month(value: object, *, obj: str) -> int:
    """``value`` checked as a fiscal year's first month (1-12), or ValidationError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 12:
        raise ValidationError(
            obj=obj, field="fiscal_start_month", value=value, expected="an int from 1 to 12"
        )
    return value


def period_of(day: date, unit: PeriodUnit | str, *, fiscal_start_month: int = 1) -> CalendarPeriod:
    """The period of ``unit`` that contains ``day`` (memoised: grids reuse few distinct days).

    ``fiscal_start_month`` starts Gregorian years and quarters in another
    month: a fiscal year is named ``FY`` and the calendar year it starts in
    (``FY2026`` runs from April 2026 with ``fiscal_start_month=4``). Months
    and the Jalali units do not depend on it (the Iranian fiscal year is the
    Jalali year).

    >>> period_of(date(2026, 2, 14), "gregorian_quarter").label
    '2026-Q1'
    >>> period_of(date(2026, 2, 14), "gregorian_quarter", fiscal_start_month=4).label
    'FY2025-Q4'
    >>> period_of(date(2025, 3, 20), "jalali_year").label   # 30 Esfand 1403
    '1403'
    """
    require_date(day, obj="period_of", field="day")
    fiscal = fiscal_month(fiscal_start_month, obj="period_of")
    return _period_of(PeriodUnit.parse(unit), day, fiscal)


def period_grid(
    start: date, end: date, unit: PeriodUnit | str, *, fiscal_start_month: int = 1
) -> tuple[CalendarPeriod, ...]:
    """The consecutive periods of ``unit`` that cover the days ``[start, end)``.

    ``fiscal_start_month`` as in :func:`period_of`.

    >>> [p.label for p in period_grid(date(2026, 3, 1), date(2026, 5, 1), "jalali_month")]
    ['1404-12', '1405-01', '1405-02']
    """
    require_date(start, obj="period_grid", field="start")
    require_date(end, obj="period_grid", field="end")
    kind = PeriodUnit.parse(unit)
    fiscal = fiscal_month(fiscal_start_month, obj="period_grid")
    if end <= start:
        raise ValidationError(
            obj="period_grid", field="end", value=end, expected=f"a date after start ({start})"
        )
    if (end - start).days > 366 * 200:
        raise ValidationError(
            obj="period_grid", field="end", value=end, expected="a span of at most 200 years"
        )
    grid = [_period_of(kind, start, fiscal)]
    while grid[-1].end < end:
        grid.append(_period_of(kind, grid[-1].end, fiscal))
    return tuple(grid)
