"""Reporting periods on the Gregorian or the Jalali calendar (private)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import attrs

from crmcore._checks import require_date
from crmcore.calendars import iranian_fiscal_year_range, jalali_month_range, to_jalali
from crmcore.errors import CrmError, ValidationError
from crmcore.money import to_persian_digits

__all__ = ["Period", "PeriodKind", "period_flows", "periods"]

T = TypeVar("T")


class PeriodKind(enum.StrEnum):
    """How a plan's timeline is cut into periods."""

    GREGORIAN_MONTH = "gregorian_month"
    GREGORIAN_YEAR = "gregorian_year"
    """A Gregorian (fiscal) year; its first month is ``fiscal_start_month``."""
    JALALI_MONTH = "jalali_month"
    JALALI_YEAR = "jalali_year"
    """The Iranian fiscal year: 1 Farvardin to the end of Esfand."""


@attrs.frozen
class Period:
    """A half-open span of days ``[start, end)`` with a label.

    Labels: ``2025-03`` (Gregorian month), ``2025`` or ``FY2025`` (a
    Gregorian fiscal year not starting in January, named by its first
    year), ``1404-01`` (Jalali month), ``1404`` (Jalali year).
    """

    label: str
    start: date
    end: date

    def __attrs_post_init__(self) -> None:
        require_date(self.start, obj="Period", field="start")
        require_date(self.end, obj="Period", field="end")
        if self.end <= self.start:
            raise ValidationError(
                obj="Period", field="end", value=self.end, expected=f"a date after {self.start}"
            )

    @property
    def days(self) -> int:
        """Number of days in the period."""
        return (self.end - self.start).days

    def persian_label(self) -> str:
        """The label in Persian digits (``۱۴۰۴-۰۱``)."""
        return to_persian_digits(self.label)


def _gregorian_months(first: date, count: int, _fiscal: int) -> list[Period]:
    index = first.year * 12 + first.month - 1
    result = []
    for k in range(index, index + count):
        start = date(k // 12, k % 12 + 1, 1)
        end = date((k + 1) // 12, (k + 1) % 12 + 1, 1)
        result.append(Period(f"{start.year:04d}-{start.month:02d}", start, end))
    return result


def _gregorian_years(first: date, count: int, fiscal: int) -> list[Period]:
    year = first.year if first.month >= fiscal else first.year - 1
    return [
        Period(f"{y}" if fiscal == 1 else f"FY{y}", date(y, fiscal, 1), date(y + 1, fiscal, 1))
        for y in range(year, year + count)
    ]


def _jalali_months(first: date, count: int, _fiscal: int) -> list[Period]:
    jyear, jmonth, _ = to_jalali(first)
    result = []
    for k in range(count):
        y, m = jyear + (jmonth - 1 + k) // 12, (jmonth - 1 + k) % 12 + 1
        result.append(Period(f"{y:04d}-{m:02d}", *jalali_month_range(y, m)))
    return result


def _jalali_years(first: date, count: int, _fiscal: int) -> list[Period]:
    jyear = to_jalali(first)[0]
    return [Period(f"{y}", *iranian_fiscal_year_range(y)) for y in range(jyear, jyear + count)]


_GRIDS = {
    PeriodKind.GREGORIAN_MONTH: _gregorian_months,
    PeriodKind.GREGORIAN_YEAR: _gregorian_years,
    PeriodKind.JALALI_MONTH: _jalali_months,
    PeriodKind.JALALI_YEAR: _jalali_years,
}


def periods(
    kind: PeriodKind | str, first: date, count: int, *, fiscal_start_month: int = 1
) -> tuple[Period, ...]:
    """``count`` consecutive periods of ``kind``, the first one containing ``first``.

    >>> from datetime import date
    >>> [(p.label, str(p.start)) for p in periods("jalali_year", date(2025, 5, 1), 2)]
    [('1404', '2025-03-21'), ('1405', '2026-03-21')]
    >>> [p.label for p in periods("jalali_month", date(2025, 3, 21), 2)]
    ['1404-01', '1404-02']
    >>> [p.label for p in periods("gregorian_year", date(2025, 5, 1), 2, fiscal_start_month=4)]
    ['FY2025', 'FY2026']
    """
    try:
        unit = PeriodKind(kind)
    except ValueError:
        raise ValidationError(
            obj="periods",
            field="kind",
            value=kind,
            expected="one of " + ", ".join(k.value for k in PeriodKind),
        ) from None
    require_date(first, obj="periods", field="first")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1200:
        raise ValidationError(
            obj="periods", field="count", value=count, expected="an int from 1 to 1200"
        )
    if not isinstance(fiscal_start_month, int) or not 1 <= fiscal_start_month <= 12:
        raise ValidationError(
            obj="periods", field="fiscal_start_month", value=fiscal_start_month, expected="1..12"
        )
    try:
        result = _GRIDS[unit](first, count, fiscal_start_month)
    except CrmError:
        raise
    except (ValueError, OverflowError):
        # datetime.date stops at year 9999: the last periods would end after it.
        raise ValidationError(
            obj="periods",
            field="count",
            value=count,
            expected=f"periods from {first.isoformat()} that end by the year 9999",
        ) from None
    return tuple(result)


def period_flows(
    schedule: Sequence[Period], amounts: Sequence[T], *, at: str = "start"
) -> tuple[tuple[date, T], ...]:
    """Date periodic amounts at the start (or end) of their periods, for :func:`xnpv`.

    With Jalali months the flows fall on the 1st of each Persian month, so
    XNPV/XIRR count the real days between them (31-day Farvardin, 29-day
    Esfand) where NPV/IRR would treat every month alike.

    >>> from datetime import date
    >>> months = periods("jalali_month", date(2025, 3, 21), 3)
    >>> [str(d) for d, _ in period_flows(months, [-100, 60, 60])]
    ['2025-03-21', '2025-04-21', '2025-05-22']
    """
    if at not in ("start", "end"):
        raise ValidationError(obj="period_flows", field="at", value=at, expected="'start' or 'end'")
    if len(schedule) != len(amounts):
        raise ValidationError(
            obj="period_flows",
            field="amounts",
            value=len(amounts),
            expected=f"one amount per period ({len(schedule)})",
        )
    for index, period in enumerate(schedule):
        if not isinstance(period, Period):
            raise ValidationError(
                obj="period_flows", field=f"schedule[{index}]", value=period, expected="a Period"
            )
    return tuple(
        (p.start if at == "start" else p.end, amount)
        for p, amount in zip(schedule, amounts, strict=True)
    )
