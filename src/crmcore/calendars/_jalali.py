"""Jalali (Solar Hijri) date helpers built on jdatetime (private).

jdatetime uses the 33-year arithmetic leap rule, which agrees with the
astronomical Iranian calendar for 1300–1501 (see
``shared/reference/sla.md``): Nowruz 1404 is 2025-03-21 and the recent leap
years are 1395, 1399, 1403, 1408 and 1412.
"""

from __future__ import annotations

import re
from datetime import date

import jdatetime

from crmcore._checks import require_date
from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits

__all__ = [
    "format_jalali",
    "iranian_fiscal_year",
    "iranian_fiscal_year_range",
    "is_jalali_leap_year",
    "jalali_date",
    "jalali_month_range",
    "parse_jalali",
    "to_jalali",
]

_MIN_YEAR = 1
_MAX_YEAR = 3177  # a cap of our own: jdatetime.MAXYEAR is 9377 (Gregorian 9999)

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_PATTERN = re.compile(r"\s*(\d{1,4})[-/.](\d{1,2})[-/.](\d{1,2})\s*")


def _check_year(year: object, *, obj: str) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not _MIN_YEAR <= year <= _MAX_YEAR:
        raise ValidationError(
            obj=obj, field="year", value=year, expected=f"a Jalali year {_MIN_YEAR}..{_MAX_YEAR}"
        )
    return year


def _check_month(month: object, *, obj: str) -> int:
    if not isinstance(month, int) or isinstance(month, bool) or not 1 <= month <= 12:
        raise ValidationError(obj=obj, field="month", value=month, expected="a Jalali month 1..12")
    return month


def is_jalali_leap_year(year: int) -> bool:
    """True if Jalali ``year`` has 30 Esfand (366 days), by jdatetime's rule.

    >>> [y for y in range(1395, 1413) if is_jalali_leap_year(y)]
    [1395, 1399, 1403, 1408, 1412]
    """
    _check_year(year, obj="is_jalali_leap_year")
    return bool(jdatetime.date(year, 1, 1).isleap())


def jalali_date(year: int, month: int, day: int) -> date:
    """The Gregorian :class:`~datetime.date` of a Jalali date.

    >>> jalali_date(1404, 1, 1)
    datetime.date(2025, 3, 21)
    >>> jalali_date(1404, 12, 30)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: jalali_date.day: got 30; expected a day of Esfand 1404 (1..29)
    """
    _check_year(year, obj="jalali_date")
    _check_month(month, obj="jalali_date")
    length = _month_length(year, month)
    if not isinstance(day, int) or isinstance(day, bool) or not 1 <= day <= length:
        name = jdatetime.date(year, month, 1).j_months_en[month - 1]
        raise ValidationError(
            obj="jalali_date",
            field="day",
            value=day,
            expected=f"a day of {name} {year} (1..{length})",
        )
    result: date = jdatetime.date(year, month, day).togregorian()
    return result


def _month_length(year: int, month: int) -> int:
    if month <= 6:
        return 31
    if month <= 11:
        return 30
    return 30 if jdatetime.date(year, 1, 1).isleap() else 29


def to_jalali(day: date) -> tuple[int, int, int]:
    """The Jalali ``(year, month, day)`` of a Gregorian date.

    >>> to_jalali(date(2025, 3, 20))
    (1403, 12, 30)
    """
    require_date(day, obj="to_jalali", field="day")
    try:
        j = jdatetime.date.fromgregorian(date=day)
    except ValueError:
        # jdatetime covers Jalali years 1..MAXYEAR only (from 622-03-21).
        raise ValidationError(
            obj="to_jalali",
            field="day",
            value=day,
            expected=f"a date in Jalali years 1..{jdatetime.MAXYEAR}",
        ) from None
    return (j.year, j.month, j.day)


def format_jalali(day: date, *, persian_digits: bool = False) -> str:
    """``YYYY-MM-DD`` in the Jalali calendar, optionally in Persian digits.

    >>> format_jalali(date(2025, 3, 21)), format_jalali(date(2025, 3, 21), persian_digits=True)
    ('1404-01-01', '۱۴۰۴-۰۱-۰۱')
    """
    y, m, d = to_jalali(day)
    text = f"{y:04d}-{m:02d}-{d:02d}"
    return to_persian_digits(text) if persian_digits else text


def parse_jalali(text: str) -> date:
    """Parse a Jalali ``YYYY-MM-DD`` (or ``/`` or ``.``, Persian digits allowed).

    >>> parse_jalali("1404-01-01"), parse_jalali("۱۴۰۳/۱۲/۳۰")
    (datetime.date(2025, 3, 21), datetime.date(2025, 3, 20))
    """
    if not isinstance(text, str):
        raise ValidationError(
            obj="parse_jalali", field="text", value=text, expected="a Jalali date YYYY-MM-DD"
        )
    match = _PATTERN.fullmatch(text.translate(_DIGITS))
    if match is None:
        raise ValidationError(
            obj="parse_jalali", field="text", value=text, expected="a Jalali date YYYY-MM-DD"
        )
    year, month, day = (int(g) for g in match.groups())
    return jalali_date(year, month, day)


def jalali_month_range(year: int, month: int) -> tuple[date, date]:
    """The half-open Gregorian range ``[first day, first day of next month)`` of a Jalali month.

    >>> jalali_month_range(1403, 12)
    (datetime.date(2025, 2, 19), datetime.date(2025, 3, 21))
    """
    _check_year(year, obj="jalali_month_range")
    _check_month(month, obj="jalali_month_range")
    start = jalali_date(year, month, 1)
    end = jalali_date(year + 1, 1, 1) if month == 12 else jalali_date(year, month + 1, 1)
    return start, end


def iranian_fiscal_year(day: date) -> int:
    """The Iranian fiscal year of ``day``: its Jalali year (the year starts on 1 Farvardin).

    >>> iranian_fiscal_year(date(2025, 3, 20)), iranian_fiscal_year(date(2025, 3, 21))
    (1403, 1404)
    """
    return to_jalali(day)[0]


def iranian_fiscal_year_range(year: int) -> tuple[date, date]:
    """The half-open Gregorian range of Iranian fiscal year ``year`` (1 Farvardin to 1 Farvardin).

    >>> iranian_fiscal_year_range(1403)
    (datetime.date(2024, 3, 20), datetime.date(2025, 3, 21))
    """
    _check_year(year, obj="iranian_fiscal_year_range")
    return jalali_date(year, 1, 1), jalali_date(year + 1, 1, 1)
