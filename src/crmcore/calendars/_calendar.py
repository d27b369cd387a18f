"""BusinessCalendar: business-time arithmetic over an interval index (private)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from crmcore import _checks as check
from crmcore._backend import Backend, Engine, resolve_backend
from crmcore._checks import require_aware, require_date
from crmcore.calendars._holidays import DayOverride, Holiday, HolidaySource, merge_holidays
from crmcore.calendars._index import (
    EPOCH,
    US,
    IndexCache,
    Snapshot,
    YearChunk,
    from_us,
    td_to_us,
    to_us,
    wall_to_us,
)
from crmcore.calendars._schedule import ScheduleChange, TimeSpan, WeeklySchedule, parse_spans
from crmcore.errors import CalendarError, ValidationError

__all__ = ["MAX_YEAR", "MIN_YEAR", "BusinessCalendar"]

MIN_YEAR = 1900
MAX_YEAR = 2200
_EMPTY_YEARS = 20  # this many years in a row without work: the calendar has none


def _to_zone(value: object) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    if isinstance(value, str):
        try:
            return ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    raise ValidationError(
        obj="BusinessCalendar",
        field="timezone",
        value=value,
        expected="an IANA time zone name such as 'Asia/Tehran' or a ZoneInfo",
    )


def _as_tuple(value: Any) -> Any:
    """Any iterable as a tuple; anything else unchanged, for ``items_of`` to reject."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        return value
    return tuple(value)


def _changes(value: Any) -> Any:
    value = _as_tuple(value)
    if isinstance(value, tuple) and all(isinstance(c, ScheduleChange) for c in value):
        return tuple(sorted(value, key=lambda c: c.effective))
    return value  # items_of names the bad item


@attrs.frozen
class BusinessCalendar:
    """Working time in a time zone: a weekly schedule, holidays and overrides.

    Conventions (see ``docs/calendars.md``):

    - Working spans are half-open, ``[open, close)``: at closing time the
      calendar is closed. :meth:`add` with a positive duration returns the
      earliest instant at which that much working time has elapsed, so a
      deadline that uses up a day exactly is the closing time (17:00), not
      the next opening; a negative duration returns the latest such instant
      (an opening time). Hence ``between(s, add(s, d)) == d`` for every d.
    - Business time is real elapsed time: a span that crosses a DST change
      is an hour shorter or longer. A wall time in a DST gap moves forward by
      the gap; a repeated wall time means its first occurrence.
    - Results are aware datetimes in the calendar's time zone.

    The calendar is immutable; ``with_*``, :meth:`close` and :meth:`open`
    return new calendars. An index of working intervals (UTC epoch µs with
    prefix sums) is built lazily per local year and cached privately.

    >>> from zoneinfo import ZoneInfo
    >>> cal = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}),
    ...                        timezone="America/New_York")
    >>> start = datetime(2025, 1, 3, 15, 0, tzinfo=ZoneInfo("America/New_York"))  # a Friday
    >>> cal.add(start, timedelta(hours=4)).isoformat()
    '2025-01-06T11:00:00-05:00'
    >>> cal.between(start, cal.add(start, timedelta(hours=4)))
    datetime.timedelta(seconds=14400)
    """

    schedule: WeeklySchedule = attrs.field(validator=check.instance_of(WeeklySchedule))
    holidays: tuple[HolidaySource, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=check.items_of(HolidaySource)
    )
    timezone: ZoneInfo = attrs.field(default=ZoneInfo("UTC"), converter=_to_zone)
    overrides: tuple[DayOverride, ...] = attrs.field(
        default=(), converter=_as_tuple, validator=check.items_of(DayOverride)
    )
    schedule_changes: tuple[ScheduleChange, ...] = attrs.field(
        default=(), converter=_changes, validator=check.items_of(ScheduleChange)
    )
    name: str = attrs.field(default="calendar", validator=check.text())
    _cache: IndexCache = attrs.field(init=False, eq=False, repr=False, hash=False)
    _by_day: dict[date, DayOverride] = attrs.field(init=False, eq=False, repr=False, hash=False)

    @_cache.default
    def _new_cache(self) -> IndexCache:
        return IndexCache(self._build_year, self.timezone, last_year=MAX_YEAR)

    @_by_day.default
    def _index_overrides(self) -> dict[date, DayOverride]:
        # The last override of a date wins; a dict keeps day lookups O(1).
        return {item.day: item for item in self.overrides}

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def always(cls, timezone: ZoneInfo | str = "UTC", *, name: str = "24x7") -> BusinessCalendar:
        """A 24×7 calendar: business time equals elapsed time."""
        return cls(WeeklySchedule.always(), timezone=timezone, name=name)

    def with_holidays(self, *sources: HolidaySource) -> BusinessCalendar:
        """A copy with more holiday sources."""
        return attrs.evolve(self, holidays=(*self.holidays, *sources))

    def with_schedule(self, schedule: WeeklySchedule, *, effective: date) -> BusinessCalendar:
        """A copy whose weekly schedule changes to ``schedule`` from ``effective`` on."""
        change = ScheduleChange(effective, schedule)
        return attrs.evolve(self, schedule_changes=(*self.schedule_changes, change))

    def with_override(self, override: DayOverride) -> BusinessCalendar:
        """A copy with a dated override (the last override of a date wins).

        The copy reuses this calendar's index for every year but the
        override's, so repeated closures cost one year's rebuild each.
        """
        result = attrs.evolve(self, overrides=(*self.overrides, override))
        if isinstance(override, DayOverride):
            result._cache.adopt(self._cache, changed_year=override.day.year)
        return result

    def close(self, day: date, reason: str) -> BusinessCalendar:
        """A copy closed all day on ``day`` (an ad-hoc closure)."""
        return self.with_override(DayOverride(day, (), reason))

    def open(
        self, day: date, spans: str | Iterable[TimeSpan | str], reason: str
    ) -> BusinessCalendar:
        """A copy working ``spans`` on ``day`` whatever the schedule and holidays say."""
        spans = parse_spans(spans)
        if not spans:
            raise ValidationError(
                obj="BusinessCalendar.open",
                field="spans",
                value=spans,
                expected="at least one span (use close() to close a day)",
            )
        return self.with_override(DayOverride(day, spans, reason))

    # -- day rules -----------------------------------------------------------------------------

    def schedule_on(self, day: date) -> WeeklySchedule:
        """The weekly schedule in force on ``day``."""
        schedule = self.schedule
        for change in self.schedule_changes:
            if change.effective <= day:
                schedule = change.schedule
        return schedule

    def holidays_between(self, start: date, end: date) -> dict[date, Holiday]:
        """The merged holidays in ``[start, end)`` (coinciding ones count once)."""
        require_date(start, obj="BusinessCalendar", field="start")
        require_date(end, obj="BusinessCalendar", field="end")
        return merge_holidays(self.holidays, start, end)

    def spans_on(self, day: date, holiday: Holiday | None = None) -> tuple[tuple[int, int], ...]:
        """Wall-clock ``(start, end)`` second offsets worked on ``day`` (its own spans)."""
        override = self._by_day.get(day)
        if override is not None:
            return tuple(s.offsets for s in override.spans)
        offsets = tuple(s.offsets for s in self.schedule_on(day).days[day.weekday()])
        if holiday is None:
            return offsets
        if holiday.closes_at is None:
            return ()
        close = holiday.closes_at.hour * 3600 + holiday.closes_at.minute * 60
        close += holiday.closes_at.second
        return tuple((a, min(b, close)) for a, b in offsets if min(b, close) > a)

    def _build_year(self, year: int) -> YearChunk:
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise CalendarError(
                obj="BusinessCalendar",
                field="year",
                value=year,
                expected=f"a date in the years {MIN_YEAR}..{MAX_YEAR}",
            )
        first = date(year, 1, 1)
        holidays = merge_holidays(self.holidays, first, date(year + 1, 1, 1))
        intervals: list[tuple[int, int]] = []
        days: list[int] = []
        tz = self.timezone
        day = first
        one = timedelta(days=1)
        while day.year == year:
            worked = False
            for a, b in self.spans_on(day, holidays.get(day)):
                lo = wall_to_us(day, a, tz)
                hi = wall_to_us(day, b, tz)
                if hi > lo:  # a span inside a DST gap is empty
                    intervals.append((lo, hi))
                    worked = True
            if worked:
                days.append(day.toordinal())
            day += one
        return YearChunk(intervals, days)

    # -- the index -------------------------------------------------------------------------------

    def _local_year(self, t: int) -> int:
        return from_us(t, self.timezone).year

    def _covering(self, lo: int, hi: int) -> Snapshot:
        snap = self._cache.snapshot
        if snap is not None and snap.lo <= lo and hi <= snap.hi:
            return snap
        y0 = self._local_year(lo)
        y1 = self._local_year(hi)
        snap = self._cache.cover_years(y0, y1)
        while snap.lo > lo:
            snap = self._cache.cover_years(snap.y0 - 1, snap.y1)
        while snap.hi < hi:
            snap = self._cache.cover_years(snap.y0, snap.y1 + 1)
        return snap

    def _extend(self, snap: Snapshot, *, forward: bool, origin: int) -> Snapshot:
        year = snap.y1 + 1 if forward else snap.y0 - 1
        if abs(year - self._local_year(origin)) > _EMPTY_YEARS:
            last = (
                range(year - _EMPTY_YEARS, year)
                if forward
                else range(year + 1, year + 1 + _EMPTY_YEARS)
            )
            if not any(self._cache.chunk_has_work(y) for y in last):
                raise CalendarError(
                    obj="BusinessCalendar",
                    field="schedule",
                    value=self.name,
                    expected=f"some working time within {_EMPTY_YEARS} years "
                    + ("after" if forward else "before")
                    + f" {from_us(origin, self.timezone).date()}",
                )
        return self._cache.cover_years(min(year, snap.y0), max(year, snap.y1))

    def _check(self, value: object, field: str) -> int:
        return to_us(require_aware(value, obj="BusinessCalendar", field=field))

    def _add_us(self, s: int, d: int) -> int:
        if d == 0:
            return s
        snap = self._covering(s, s)
        while True:
            target = snap.position(s) + d
            if d > 0:
                t = snap.forward(target)
                if t is not None and t <= snap.hi:
                    return t
            else:
                t = snap.backward(target)
                if t is not None and t >= snap.lo:
                    return t
            snap = self._extend(snap, forward=d > 0, origin=s)

    # -- queries -----------------------------------------------------------------------------------

    def is_working(self, moment: datetime) -> bool:
        """True if ``moment`` is inside working time (closing instants are not)."""
        t = self._check(moment, "moment")
        snap = self._covering(t, t + 1)  # t itself must be strictly inside the index
        i = _last_at_or_before(snap.starts, t)
        return i >= 0 and t < snap.ends[i]

    def next_working_time(self, moment: datetime) -> datetime:
        """``moment`` itself if working, else the next opening."""
        t = self._check(moment, "moment")
        snap = self._covering(t, t + 1)  # t itself must be strictly inside the index
        while True:
            i = _last_at_or_before(snap.starts, t)
            if i >= 0 and t < snap.ends[i]:
                return from_us(t, self.timezone)
            if i + 1 < len(snap.starts) and snap.starts[i + 1] < snap.hi:
                return from_us(snap.starts[i + 1], self.timezone)
            snap = self._extend(snap, forward=True, origin=t)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant ``duration`` of working time after ``start`` (before, if negative).

        See the class docstring for the end-of-day convention.
        """
        # Fast path (the common case): inline conversions and one bisect.
        snap = self._cache.snapshot
        if (
            snap is not None
            and type(start) is datetime
            and type(duration) is timedelta
            and start.utcoffset() is not None
        ):
            delta = start - EPOCH
            s = (delta.days * 86_400 + delta.seconds) * US + delta.microseconds
            d = (duration.days * 86_400 + duration.seconds) * US + duration.microseconds
            if d > 0 and snap.lo <= s <= snap.hi:
                starts = snap.starts
                i = bisect_right(starts, s) - 1
                pos = 0 if i < 0 else snap.cum[i] + min(s - starts[i], snap.ends[i] - starts[i])
                target = pos + d
                j = bisect_left(snap.cum_end, target)
                if j < len(starts):
                    t = starts[j] + (target - snap.cum[j])
                    if t <= snap.hi:
                        seconds, micro = divmod(t, US)
                        result = datetime.fromtimestamp(seconds, self.timezone)
                        return result.replace(microsecond=micro) if micro else result
        s = self._check(start, "start")
        if not isinstance(duration, timedelta):
            raise ValidationError(
                obj="BusinessCalendar", field="duration", value=duration, expected="a timedelta"
            )
        return from_us(self._add_us(s, td_to_us(duration)), self.timezone)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from ``start`` to ``end``; negative if ``end`` is earlier."""
        if (
            type(start) is datetime
            and type(end) is datetime
            and start.utcoffset() is not None
            and end.utcoffset() is not None
        ):
            da = start - EPOCH
            db = end - EPOCH
            s = (da.days * 86_400 + da.seconds) * US + da.microseconds
            e = (db.days * 86_400 + db.seconds) * US + db.microseconds
            snap = self._cache.snapshot
            if snap is None or not (snap.lo <= s <= snap.hi and snap.lo <= e <= snap.hi):
                snap = self._covering(min(s, e), max(s, e))
            return timedelta(microseconds=snap.position(e) - snap.position(s))
        return self._between_checked(start, end)

    def _between_checked(self, start: datetime, end: datetime) -> timedelta:
        s = self._check(start, "start")
        e = self._check(end, "end")
        snap = self._covering(min(s, e), max(s, e))
        return timedelta(microseconds=snap.position(e) - snap.position(s))

    def working_intervals(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
        """The working intervals within ``[start, end)``, clipped to it."""
        s = self._check(start, "start")
        e = self._check(end, "end")
        if e < s:
            raise ValidationError(
                obj="BusinessCalendar", field="end", value=end, expected=f"at or after {start}"
            )
        snap = self._covering(s, e)
        i = max(_last_at_or_before(snap.starts, s), 0)
        result: list[tuple[datetime, datetime]] = []
        tz = self.timezone
        while i < len(snap.starts) and snap.starts[i] < e:
            a, b = max(snap.starts[i], s), min(snap.ends[i], e)
            if b > a:
                result.append((from_us(a, tz), from_us(b, tz)))
            i += 1
        return result

    def is_working_day(self, day: date) -> bool:
        """True if ``day`` has working spans of its own (after holidays and overrides)."""
        require_date(day, obj="BusinessCalendar", field="day")
        snap = self._day_snapshot(day)
        ordinal = day.toordinal()
        i = _last_at_or_before(snap.days, ordinal)
        return i >= 0 and snap.days[i] == ordinal

    def _day_snapshot(self, day: date) -> Snapshot:
        snap = self._cache.snapshot
        if snap is not None and snap.y0 <= day.year <= snap.y1:
            return snap
        return self._cache.cover_years(day.year, day.year)

    def add_days(self, day: date, days: int) -> date:
        """The ``days``-th working day after ``day`` (before, if negative); 0 gives ``day``."""
        require_date(day, obj="BusinessCalendar", field="day")
        if not isinstance(days, int) or isinstance(days, bool):
            raise ValidationError(
                obj="BusinessCalendar", field="days", value=days, expected="an int"
            )
        if days == 0:
            return day
        origin = wall_to_us(day, 0, self.timezone)
        snap = self._day_snapshot(day)
        ordinal = day.toordinal()
        while True:
            if days > 0:
                j = bisect_right(snap.days, ordinal) + days - 1
                if j < len(snap.days):
                    return date.fromordinal(snap.days[j])
            else:
                j = bisect_left(snap.days, ordinal) + days
                if j >= 0:
                    return date.fromordinal(snap.days[j])
            snap = self._extend(snap, forward=days > 0, origin=origin)

    def business_days_between(self, start: date, end: date) -> int:
        """Working days in ``[start, end)``; negative if ``end`` is earlier."""
        require_date(start, obj="BusinessCalendar", field="start")
        require_date(end, obj="BusinessCalendar", field="end")
        lo, hi = min(start, end), max(start, end)
        snap = self._cache.cover_years(lo.year, hi.year)
        count = bisect_left(snap.days, hi.toordinal()) - bisect_left(snap.days, lo.toordinal())
        return count if end >= start else -count

    # -- batch ---------------------------------------------------------------------------------------

    def add_many(
        self,
        starts: Sequence[datetime],
        durations: Sequence[timedelta],
        *,
        backend: Backend = "auto",
    ) -> list[datetime]:
        """:meth:`add` for many pairs; with numpy (``backend="auto"`` when installed,
        or ``"numpy"``) the bisects are vectorised. Results equal the scalar path exactly.
        """
        engine = resolve_backend(backend, obj="BusinessCalendar.add_many")
        starts, durations = _pairs(starts, durations, "durations", "one duration per start")
        s_us = [self._check(s, f"starts[{i}]") for i, s in enumerate(starts)]
        d_us = [td_to_us(d) for d in check.require_items(durations, timedelta, **_DURATIONS)]
        tz = self.timezone
        return [from_us(t, tz) for t in self._add_epochs(s_us, d_us, engine)]

    def add_epochs(
        self,
        starts_us: Sequence[int],
        durations_us: Sequence[int],
        *,
        backend: Backend = "auto",
    ) -> list[int]:
        """Batch :meth:`add` on UTC epoch microseconds (the fastest path).

        >>> cal = BusinessCalendar.always()
        >>> cal.add_epochs([0, 10], [5, -10], backend="python")
        [5, 0]
        """
        engine = resolve_backend(backend, obj="BusinessCalendar.add_epochs")
        _pairs(starts_us, durations_us, "durations_us", "one duration per start")
        with _epoch_input("add_epochs"):
            return self._add_epochs(starts_us, durations_us, engine)

    def _add_epochs(
        self, starts_us: Sequence[int], durations_us: Sequence[int], engine: Engine
    ) -> list[int]:
        if len(starts_us) == 0:
            return []
        if engine == "python":
            return [self._add_us(s, d) for s, d in zip(starts_us, durations_us, strict=True)]
        return self._add_epochs_numpy(starts_us, durations_us)

    def _add_epochs_numpy(self, starts_us: Sequence[int], durations_us: Sequence[int]) -> list[int]:
        import numpy as np  # noqa: PLC0415  # optional extra, imported on the batch path

        s = np.asarray(starts_us, dtype=np.int64)
        d = np.asarray(durations_us, dtype=np.int64)
        lo_origin, hi_origin = int(s.min()), int(s.max())
        snap = self._covering(lo_origin, hi_origin)
        while True:
            starts, ends, cum, cum_end = snap.numpy_arrays()
            n = len(starts)
            if n == 0:
                if not (d != 0).any():
                    return [int(x) for x in s.tolist()]
                snap = self._extend(snap, forward=bool((d > 0).any()), origin=hi_origin)
                continue
            i = np.searchsorted(starts, s, side="right") - 1
            safe = np.maximum(i, 0)
            span = np.minimum(s - starts[safe], ends[safe] - starts[safe])
            target = np.where(i >= 0, cum[safe] + span, 0) + d
            forward = np.searchsorted(cum_end, target, side="left")
            backward = np.searchsorted(cum, target, side="right") - 1
            j = np.where(d > 0, forward, backward)
            found = (j >= 0) & (j < n)
            jj = np.clip(j, 0, n - 1)
            t = np.where(d == 0, s, starts[jj] + (target - cum[jj]))
            if ((d > 0) & (~found | (t > snap.hi))).any():
                snap = self._extend(snap, forward=True, origin=hi_origin)
            elif ((d < 0) & (~found | (target < 0) | (t < snap.lo))).any():
                snap = self._extend(snap, forward=False, origin=lo_origin)
            else:
                return [int(x) for x in t.tolist()]

    def between_many(
        self, starts: Sequence[datetime], ends: Sequence[datetime], *, backend: Backend = "auto"
    ) -> list[timedelta]:
        """:meth:`between` for many pairs; with numpy the bisects are vectorised.

        >>> cal = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}))
        >>> monday = datetime(2025, 1, 6, 10, tzinfo=cal.timezone)
        >>> cal.between_many([monday], [monday + timedelta(days=1)], backend="python")
        [datetime.timedelta(seconds=28800)]
        """
        engine = resolve_backend(backend, obj="BusinessCalendar.between_many")
        starts, ends = _pairs(starts, ends, "ends", "one end per start")
        s_us = [self._check(a, f"starts[{k}]") for k, a in enumerate(starts)]
        e_us = [self._check(b, f"ends[{k}]") for k, b in enumerate(ends)]
        return [timedelta(microseconds=x) for x in self._between_us(s_us, e_us, engine)]

    def between_epochs(
        self, starts_us: Sequence[int], ends_us: Sequence[int], *, backend: Backend = "auto"
    ) -> list[int]:
        """Batch :meth:`between` on UTC epoch microseconds: working µs from each start to
        its end (negative if the end is earlier). The fastest path, as :meth:`add_epochs`.

        >>> cal = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}))
        >>> monday_9 = 1_736_154_000_000_000  # 2025-01-06 09:00 UTC
        >>> cal.between_epochs([monday_9], [monday_9 + 86_400_000_000], backend="python")
        [28800000000]
        """
        engine = resolve_backend(backend, obj="BusinessCalendar.between_epochs")
        _pairs(starts_us, ends_us, "ends_us", "one end per start")
        with _epoch_input("between_epochs"):
            return self._between_us(starts_us, ends_us, engine)

    def _between_us(self, s_us: Sequence[int], e_us: Sequence[int], engine: Engine) -> list[int]:
        if len(s_us) == 0:
            return []
        bounds = (min(s_us), min(e_us), max(s_us), max(e_us))
        snap = self._covering(min(bounds[:2]), max(bounds[2:]))
        if engine == "numpy":
            return _positions_numpy(snap, s_us, e_us)
        position = snap.position
        return [position(b) - position(a) for a, b in zip(s_us, e_us, strict=True)]

    def describe_day(self, day: date) -> str:
        """A one-line account of ``day``: its spans, holiday or override.

        >>> BusinessCalendar.always().describe_day(date(2025, 1, 1))
        '2025-01-01 Wednesday: 00:00-00:00'
        """
        require_date(day, obj="BusinessCalendar", field="day")
        holiday = merge_holidays(self.holidays, day, day + timedelta(days=1)).get(day)
        spans = self.spans_on(day, holiday)
        text = ", ".join(f"{_hm(a)}-{_hm(b)}" for a, b in spans) or "closed"
        note = ""
        if day in self._by_day:
            note = f" (override: {self._by_day[day].reason})"
        elif holiday is not None:
            flag = ", estimated" if holiday.estimated else ""
            note = f" (holiday: {holiday.name}{flag})"
        return f"{day.isoformat()} {day.strftime('%A')}: {text}{note}"


_DURATIONS: dict[str, str] = {"obj": "BusinessCalendar", "field": "durations"}


@contextmanager
def _epoch_input(method: str) -> Iterator[None]:
    """Turn what bad epoch values raise deep inside (not integers, out of range) into one
    ValidationError, without checking every value on the fast path."""
    try:
        yield
    except (TypeError, ValueError, OverflowError, OSError) as err:
        raise ValidationError(
            obj=f"BusinessCalendar.{method}",
            field="starts_us",
            value=str(err),
            expected="integer UTC epoch microseconds within the supported years",
        ) from None


def _pairs(firsts: Any, seconds: Any, field: str, expected: str) -> tuple[Any, Any]:
    """Two sequences (or numpy arrays) of equal length, or a ValidationError naming the field."""
    for name, items in (("starts", firsts), (field, seconds)):
        # A numpy array is not a registered Sequence but indexes and sizes like one.
        array = type(items).__module__ == "numpy" and getattr(items, "ndim", 0) == 1
        if isinstance(items, (str, bytes)) or not (isinstance(items, Sequence) or array):
            raise ValidationError(
                obj="BusinessCalendar", field=name, value=items, expected="a sequence or 1-D array"
            )
    if len(firsts) != len(seconds):
        raise ValidationError(
            obj="BusinessCalendar",
            field=field,
            value=len(seconds),
            expected=f"{expected} ({len(firsts)})",
        )
    return firsts, seconds


def _positions_numpy(snap: Snapshot, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """``W(end) - W(start)`` for every pair, as one vectorised bisect per column."""
    import numpy as np  # noqa: PLC0415  # optional extra, imported on the batch path

    lo, hi, cum, _cum_end = snap.numpy_arrays()

    def position(t: Any) -> Any:
        i = np.searchsorted(lo, t, side="right") - 1
        safe = np.maximum(i, 0)
        inside = np.minimum(t - lo[safe], hi[safe] - lo[safe])
        return np.where(i >= 0, cum[safe] + inside, 0)

    if len(lo) == 0:
        return [0] * len(starts)
    s = np.asarray(starts, dtype=np.int64)
    e = np.asarray(ends, dtype=np.int64)
    return [int(x) for x in (position(e) - position(s)).tolist()]


def _hm(seconds: int) -> str:
    seconds %= 86_400
    return time(seconds // 3600, seconds // 60 % 60).strftime("%H:%M")


def _last_at_or_before(values: list[int], x: int) -> int:
    """Index of the last value <= x (-1 if none)."""
    return bisect_right(values, x) - 1
