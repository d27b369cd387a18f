"""Reporting periods on the Gregorian or the Jalali calendar (private)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeVar

import attrs

from crmcore._checks import require_date
from crmcore.calendars import PeriodUnit, period_of
from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits

__all__ = ["Period", "period_flows", "periods"]

T = TypeVar("T")


@attrs.frozen
class Period:
    """One period of a plan: a half-open span of days ``[start, end)`` with a label.

    Any span may be a plan's period; :func:`periods` cuts a calendar grid
    (:class:`~crmcore.calendars.CalendarPeriod` labels: ``2025-03``,
    ``2025-Q1``, ``FY2025``, ``1404-01``, ``1404-S1``, ``1404``).
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


def periods(
    unit: PeriodUnit | str, first: date, count: int, *, fiscal_start_month: int = 1
) -> tuple[Period, ...]:
    """``count`` consecutive periods of ``unit``, the first one containing ``first``.

    The grid is :func:`crmcore.calendars.period_of`'s (any
    :class:`~crmcore.calendars.PeriodUnit`; ``fiscal_start_month`` starts
    Gregorian years and quarters in another month, labelled ``FY2025``).

    >>> from datetime import date
    >>> [(p.label, str(p.start)) for p in periods("jalali_year", date(2025, 5, 1), 2)]
    [('1404', '2025-03-21'), ('1405', '2026-03-21')]
    >>> [p.label for p in periods("jalali_season", date(2025, 3, 21), 2)]
    ['1404-S1', '1404-S2']
    >>> [p.label for p in periods("gregorian_year", date(2025, 5, 1), 2, fiscal_start_month=4)]
    ['FY2025', 'FY2026']
    """
    kind = PeriodUnit.parse(unit)
    require_date(first, obj="periods", field="first")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1200:
        raise ValidationError(
            obj="periods", field="count", value=count, expected="an int from 1 to 1200"
        )
    result = [period_of(first, kind, fiscal_start_month=fiscal_start_month)]
    try:
        while len(result) < count:
            result.append(period_of(result[-1].end, kind, fiscal_start_month=fiscal_start_month))
    except (ValueError, OverflowError):
        # datetime.date stops at year 9999: the last periods would end after it.
        raise ValidationError(
            obj="periods",
            field="count",
            value=count,
            expected=f"periods from {first.isoformat()} that end by the year 9999",
        ) from None
    return tuple(Period(p.label, p.start, p.end) for p in result)


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
