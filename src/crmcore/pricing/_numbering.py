"""Document numbers from format strings with Gregorian or Jalali date parts (private)."""

from __future__ import annotations

import string
from datetime import date
from typing import Any, Final, Protocol

import attrs

from crmcore import _checks as check
from crmcore.calendars import to_jalali
from crmcore.errors import ValidationError

FIELDS: Final = ("seq", "year", "month", "day", "jyear", "jmonth", "jday")
"""Names a number format may use: the sequence number and date parts."""


class NumberSequence(Protocol):
    """Draws gap-free numbers per key; :class:`crmcore.repositories.Sequence` fits."""

    def next_value(self, key: str, /) -> int:
        """The next number for ``key``: 1, 2, 3, ..."""
        ...


class _Hole:
    """Stands for the sequence number when the counter key is built."""

    def __format__(self, spec: str) -> str:
        return "#"


def _parts(day: date) -> dict[str, int]:
    jyear, jmonth, jday = to_jalali(day)
    return {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "jyear": jyear,
        "jmonth": jmonth,
        "jday": jday,
    }


def _check_pattern(instance: Any, attribute: attrs.Attribute[Any], pattern: object) -> None:
    where = type(instance).__name__
    if not isinstance(pattern, str):
        raise ValidationError(obj=where, field=attribute.name, value=pattern, expected="a str")
    expected = f"a format string with {{seq}} and only the fields {', '.join(FIELDS)}"
    try:
        names = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError:
        raise ValidationError(
            obj=where, field=attribute.name, value=pattern, expected=expected
        ) from None
    unknown = [n for n in names if n not in FIELDS]
    if not unknown and "seq" in names:
        try:
            pattern.format(seq=1, **_parts(date(2026, 3, 21)))
        except (ValueError, KeyError, IndexError, AttributeError, TypeError):
            unknown = ["(bad format spec)"]
    if unknown or "seq" not in names:
        raise ValidationError(
            obj=where,
            field=attribute.name,
            value=pattern,
            expected=expected,
        )


@attrs.frozen
class NumberFormat:
    """A document number pattern, e.g. ``INV-{jyear}-{seq:06}`` or ``Q-{year}{month:02}-{seq}``.

    Fields: ``seq`` (the sequence number), ``year``/``month``/``day``
    (Gregorian) and ``jyear``/``jmonth``/``jday`` (Jalali, via :func:`crmcore.calendars.to_jalali`),
    with any :func:`format` spec. Each distinct rendering of the date parts
    has its own counter, so ``INV-{jyear}-{seq}`` starts again at 1 on
    1 Farvardin.

    >>> fmt = NumberFormat("INV-{jyear}-{seq:06}")
    >>> fmt.render(123, date(2026, 5, 5))
    'INV-1405-000123'
    >>> fmt.counter_key(date(2026, 5, 5))
    'INV-1405-#'
    >>> NumberFormat("Q-{yr}-{seq}")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: NumberFormat.pattern: got 'Q-{yr}-{seq}'; expected a format string with {seq} and only the fields seq, year, month, day, jyear, jmonth, jday
    """

    pattern: str = attrs.field(validator=[check.text(max_length=200), _check_pattern])
    """The format string."""

    def render(self, seq: int, day: date) -> str:
        """The number for sequence value ``seq`` on ``day``."""
        check.require_date(day, obj="NumberFormat", field="day")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            raise ValidationError(
                obj="NumberFormat", field="seq", value=seq, expected="an int >= 1"
            )
        return self.pattern.format(seq=seq, **_parts(day))

    def counter_key(self, day: date) -> str:
        """The sequence key for ``day``: the pattern rendered with ``#`` for the number."""
        check.require_date(day, obj="NumberFormat", field="day")
        return self.pattern.format(seq=_Hole(), **_parts(day))

    def next_number(self, sequence: NumberSequence, day: date) -> str:
        """Draw the next number from ``sequence`` (inside the caller's unit of work).

        >>> class Counter:
        ...     def __init__(self): self.n = {}
        ...     def next_value(self, key):
        ...         self.n[key] = self.n.get(key, 0) + 1
        ...         return self.n[key]
        >>> c = Counter()
        >>> fmt = NumberFormat("Q-{year}{month:02}-{seq}")
        >>> [fmt.next_number(c, date(2026, 5, d)) for d in (1, 2)]
        ['Q-202605-1', 'Q-202605-2']
        """
        key = self.counter_key(day)
        return self.render(sequence.next_value(key), day)
