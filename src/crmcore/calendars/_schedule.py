"""Weekly working hours: spans, breaks, overnight shifts, 24×7 (private)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore._checks import require_date
from crmcore.errors import ValidationError

__all__ = ["ScheduleChange", "TimeSpan", "WeeklySchedule", "parse_spans"]

DAY = 86_400
WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN = re.compile(r"\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*")


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _check_time(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, time) or value.tzinfo is not None or value.microsecond:
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="a naive datetime.time in whole seconds (a wall-clock time of the calendar)",
        )


@attrs.frozen
class TimeSpan:
    """Working time on one day, from ``start`` to ``end`` in wall-clock time.

    An ``end`` before ``start`` runs past midnight into the next day (an
    overnight shift, which belongs to the day it starts on). The whole day is
    ``00:00-24:00`` (stored as ``00:00-00:00``); any other span whose end equals
    its start has no length and is refused, so a typo such as ``09:00-09:00``
    cannot turn into a 24-hour day.

    >>> TimeSpan.parse("22:00-06:00").seconds / 3600
    8.0
    >>> TimeSpan.parse("09:00-17:30")
    TimeSpan(start=datetime.time(9, 0), end=datetime.time(17, 30))
    >>> TimeSpan.parse("00:00-24:00").seconds / 3600
    24.0
    >>> TimeSpan.parse("09:00-09:00")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: TimeSpan.end: got '09:00-09:00'; expected an end other than the start (a zero-length span); 00:00-24:00 is the whole day
    """

    start: time = attrs.field(validator=_check_time)
    end: time = attrs.field(validator=_check_time)

    def __attrs_post_init__(self) -> None:
        if self.end == self.start and self.start != time(0):
            raise ValidationError(
                obj="TimeSpan",
                field="end",
                value=str(self),
                expected="an end other than the start (a zero-length span); "
                "00:00-24:00 is the whole day",
            )

    @classmethod
    def parse(cls, text: str) -> TimeSpan:
        """Parse ``HH:MM-HH:MM`` (seconds optional; ``24:00`` means midnight)."""
        match = _SPAN.fullmatch(text) if isinstance(text, str) else None
        if match is None:
            raise ValidationError(
                obj="TimeSpan", field="text", value=text, expected="HH:MM-HH:MM, e.g. 09:00-17:00"
            )
        h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in match.groups())
        try:
            start = time(h1 % 24 if (h1, m1, s1) == (24, 0, 0) else h1, m1, s1)
            end = time(0 if (h2, m2, s2) == (24, 0, 0) else h2, m2, s2)
        except ValueError:
            raise ValidationError(
                obj="TimeSpan", field="text", value=text, expected="valid times HH:MM-HH:MM"
            ) from None
        return cls(start, end)

    @property
    def offsets(self) -> tuple[int, int]:
        """Seconds from the start of the day: ``(start, end)``, ``end`` up to 48 h."""
        start = _seconds(self.start)
        end = _seconds(self.end)
        if end <= start:
            end += DAY
        return start, end

    @property
    def seconds(self) -> int:
        """Length in wall-clock seconds."""
        start, end = self.offsets
        return end - start

    @property
    def overnight(self) -> bool:
        """True if the span runs past midnight."""
        return self.offsets[1] > DAY

    def __str__(self) -> str:
        return f"{self.start.isoformat('seconds')[:5]}-{self.end.isoformat('seconds')[:5]}"


def parse_spans(value: str | Iterable[TimeSpan | str]) -> tuple[TimeSpan, ...]:
    """Spans from ``"09:00-12:00, 13:00-17:00"`` or an iterable of spans/strings."""
    if isinstance(value, str):
        parts: Iterable[TimeSpan | str] = [p for p in value.split(",") if p.strip()]
    elif isinstance(value, Iterable):
        parts = value
    else:
        raise ValidationError(
            obj="TimeSpan",
            field="spans",
            value=value,
            expected="'HH:MM-HH:MM[, ...]' or an iterable of TimeSpan",
        )
    result: list[TimeSpan] = []
    for part in parts:
        if isinstance(part, TimeSpan):
            result.append(part)
        elif isinstance(part, str):
            result.append(TimeSpan.parse(part))
        else:
            raise ValidationError(
                obj="TimeSpan", field="spans", value=part, expected="a TimeSpan or 'HH:MM-HH:MM'"
            )
    return tuple(sorted(result, key=lambda s: s.offsets))


def subtract_breaks(
    spans: tuple[TimeSpan, ...], breaks: tuple[TimeSpan, ...]
) -> tuple[TimeSpan, ...]:
    """``spans`` minus ``breaks`` (same day, wall-clock)."""
    pieces = [s.offsets for s in spans]
    for brk in breaks:
        b0, b1 = brk.offsets
        cut: list[tuple[int, int]] = []
        for a0, a1 in pieces:
            for lo, hi in ((a0, min(a1, b0)), (max(a0, b1), a1)):
                if hi > lo:
                    cut.append((lo, hi))
        pieces = cut
    return tuple(_span_from_offsets(a, b) for a, b in pieces)


def _span_from_offsets(start: int, end: int) -> TimeSpan:
    def to_time(seconds: int) -> time:
        seconds %= DAY
        return time(seconds // 3600, seconds // 60 % 60, seconds % 60)

    return TimeSpan(to_time(start), to_time(end))


def _to_days(value: Any) -> Any:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return value  # rejected by the validator
    return tuple(tuple(day) if isinstance(day, Iterable) else day for day in value)


def _check_days(
    instance: WeeklySchedule, _attribute: object, days: tuple[tuple[TimeSpan, ...], ...]
) -> None:
    if not isinstance(days, tuple) or len(days) != 7:
        raise ValidationError(
            obj="WeeklySchedule",
            field="days",
            value=days,
            expected="seven tuples of TimeSpan, Monday first",
        )
    week: list[tuple[int, int, str]] = []
    for weekday, spans in enumerate(days):
        for index, span in enumerate(spans):
            where = f"days[{weekday}][{index}]"
            if not isinstance(span, TimeSpan):
                raise ValidationError(
                    obj="WeeklySchedule", field=where, value=span, expected="a TimeSpan"
                )
            start, end = span.offsets
            week.append((weekday * DAY + start, weekday * DAY + end, where))
    week.sort()
    # Overlap check over the week, including a Sunday overnight shift into Monday.
    for (_a0, a1, where_a), (b0, _b1, where_b) in itertools.pairwise(week):
        if b0 < a1:
            raise ValidationError(
                obj="WeeklySchedule",
                field=where_b,
                value=str(_span_at(days, where_b)),
                expected=f"no overlap with {where_a} ({_span_at(days, where_a)})",
            )
    if len(week) > 1 and week[-1][1] > 7 * DAY + week[0][0]:
        raise ValidationError(
            obj="WeeklySchedule",
            field=week[0][2],
            value=str(_span_at(days, week[0][2])),
            expected=f"no overlap with {week[-1][2]} ({_span_at(days, week[-1][2])})",
        )


def _span_at(days: tuple[tuple[TimeSpan, ...], ...], where: str) -> TimeSpan:
    weekday, index = (int(x) for x in re.findall(r"\d+", where))
    return days[weekday][index]


def _weekday_index(key: object) -> int:
    if isinstance(key, int) and not isinstance(key, bool) and 0 <= key <= 6:
        return key
    if isinstance(key, str):
        name = key.strip().lower()
        for index, full in enumerate(WEEKDAY_NAMES):
            if len(name) >= 3 and full.startswith(name):
                return index
    raise ValidationError(
        obj="WeeklySchedule",
        field="weekday",
        value=key,
        expected="0..6 (Monday = 0) or a weekday name such as 'sat'",
    )


@attrs.frozen
class WeeklySchedule:
    """Working spans for each weekday (index 0 = Monday, as ``date.weekday()``).

    Spans of one weekday are sorted and may not overlap each other or an
    overnight shift of the previous day. Breaks are the gaps between spans.

    >>> s = WeeklySchedule.from_mapping(
    ...     {"sat-wed": "08:00-16:00", "thu": "08:00-12:00"}, breaks="12:00-12:30")
    >>> [str(x) for x in s.days[5]], s.days[4]
    (['08:00-12:00', '12:30-16:00'], ())
    >>> s.weekly_seconds / 3600
    41.5
    """

    days: tuple[tuple[TimeSpan, ...], ...] = attrs.field(converter=_to_days, validator=_check_days)

    @classmethod
    def always(cls) -> WeeklySchedule:
        """24×7: every day from midnight to midnight."""
        full = (TimeSpan(time(0), time(0)),)
        return cls((full,) * 7)

    @classmethod
    def from_mapping(
        cls,
        hours: Mapping[int | str, str | Iterable[TimeSpan | str]],
        *,
        breaks: str | Iterable[TimeSpan | str] = (),
    ) -> WeeklySchedule:
        """Build from ``{weekday or range: spans}``; ``breaks`` are cut from every day.

        Keys: ``0``..``6`` (Monday = 0), names (``"mon"``, ``"saturday"``) or
        ranges that wrap around the week (``"sat-wed"``, ``"mon-fri"``).
        """
        if not isinstance(hours, Mapping):
            raise ValidationError(
                obj="WeeklySchedule",
                field="hours",
                value=hours,
                expected="a mapping of weekday (or range) to spans",
            )
        days: list[tuple[TimeSpan, ...]] = [()] * 7
        cut = parse_spans(breaks)
        for key, value in hours.items():
            if isinstance(key, str) and "-" in key:
                first, last = (_weekday_index(k) for k in key.split("-", 1))
                indices = [(first + k) % 7 for k in range((last - first) % 7 + 1)]
            else:
                indices = [_weekday_index(key)]
            spans = subtract_breaks(parse_spans(value), cut)
            for index in indices:
                days[index] = spans
        return cls(tuple(days))

    @property
    def weekly_seconds(self) -> int:
        """Total wall-clock working seconds in a week."""
        return sum(span.seconds for day in self.days for span in day)

    def spans_on(self, weekday: int) -> tuple[TimeSpan, ...]:
        """The spans of ``weekday`` (Monday = 0)."""
        return self.days[_weekday_index(weekday)]


def _check_effective(instance: ScheduleChange, attribute: object, value: Any) -> None:
    require_date(value, obj="ScheduleChange", field="effective")


@attrs.frozen
class ScheduleChange:
    """A new weekly schedule that applies to days on or after ``effective``."""

    effective: date = attrs.field(validator=_check_effective)
    schedule: WeeklySchedule = attrs.field(validator=check.instance_of(WeeklySchedule))
