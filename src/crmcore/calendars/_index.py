"""The lazily built interval index behind BusinessCalendar (private).

Working time is a sorted, merged list of half-open intervals in UTC epoch
microseconds with prefix sums of working time. The business-time position of
an instant is ``W(t) = cum[i] + min(t - starts[i], len[i])`` for the last
interval ``i`` starting at or before ``t``; ``add`` and ``between`` are a
bisect over ``starts`` or the prefix sums.

The index covers whole local calendar years, built on demand. Every build
is a pure function of the calendar and the covered years, and an extension
swaps in a new immutable snapshot, so answers never depend on the order of
queries and readers on other threads see either snapshot.
"""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "EPOCH",
    "US",
    "IndexCache",
    "Snapshot",
    "YearChunk",
    "from_us",
    "td_to_us",
    "to_us",
    "wall_to_us",
]

US = 1_000_000
_DAY_US = 86_400 * US
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH = EPOCH


def to_us(value: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact)."""
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * US + delta.microseconds


def td_to_us(value: timedelta) -> int:
    """A timedelta in whole microseconds."""
    return (value.days * 86_400 + value.seconds) * US + value.microseconds


def from_us(value: int, tz: ZoneInfo) -> datetime:
    """The aware datetime in ``tz`` of epoch microseconds (exact: integer seconds first)."""
    seconds, micro = divmod(value, US)
    result = datetime.fromtimestamp(seconds, tz)
    return result.replace(microsecond=micro) if micro else result


def wall_to_us(day: date, offset_seconds: int, tz: ZoneInfo) -> int:
    """Epoch µs of the wall time ``day 00:00 + offset`` in ``tz`` (fold=0, PEP 495).

    A wall time in a DST gap maps forward by the gap (02:30 on a spring-forward
    night in New York is 03:30 EDT); a repeated wall time maps to its first
    occurrence.
    """
    wall = datetime.combine(day, time(), tzinfo=tz) + timedelta(seconds=offset_seconds)
    return to_us(wall)


class YearChunk:
    """The intervals and working days of one local calendar year."""

    __slots__ = ("days", "intervals")

    def __init__(self, intervals: list[tuple[int, int]], days: list[int]) -> None:
        self.intervals = intervals
        self.days: list[int] = days


class Snapshot:
    """An immutable view of the index over local years ``y0..y1``."""

    __slots__ = ("_np", "cum", "cum_end", "days", "ends", "hi", "lo", "starts", "y0", "y1")

    def __init__(
        self,
        y0: int,
        y1: int,
        chunks: dict[int, YearChunk],
        tz: ZoneInfo,
        previous: Snapshot | None = None,
    ) -> None:
        """Index years ``y0..y1``; given ``previous`` (years ``y0..k``, k < y1), extend it.

        Extending copies the previous lists (a C-level copy) and merges only
        the new years' intervals, so moving forward a year at a time costs
        one year's work in Python per step, not the whole index again. Every
        year's intervals start on its own days, so the new ones sort after
        the old ones and the greedy merge gives the same lists as a full build.
        """
        self.y0 = y0
        self.y1 = y1
        first = y0 if previous is None else previous.y1 + 1
        raw: list[tuple[int, int]] = []
        days: list[int] = [] if previous is None else previous.days[:]
        for year in range(first, y1 + 1):
            raw.extend(chunks[year].intervals)
            days.extend(chunks[year].days)
        raw.sort()
        starts: list[int] = [] if previous is None else previous.starts[:]
        ends: list[int] = [] if previous is None else previous.ends[:]
        cum: list[int] = [] if previous is None else previous.cum[:]
        cum_end: list[int] = [] if previous is None else previous.cum_end[:]
        for a, b in raw:
            if starts and a <= ends[-1]:
                if b > ends[-1]:
                    cum_end[-1] += b - ends[-1]
                    ends[-1] = b
            else:
                total = cum_end[-1] if cum_end else 0
                starts.append(a)
                ends.append(b)
                cum.append(total)
                cum_end.append(total + b - a)
        self.starts: list[int] = starts
        self.ends: list[int] = ends
        self.cum: list[int] = cum
        self.cum_end: list[int] = cum_end
        self.days: list[int] = days
        # Intervals of the year before y0 may spill into its first day (an
        # overnight shift on 31 December); three days keeps clear of that.
        self.lo = wall_to_us(date(y0, 1, 1), 0, tz) + 3 * _DAY_US
        self.hi = wall_to_us(date(y1 + 1, 1, 1), 0, tz)
        self._np: Any = None

    @property
    def total(self) -> int:
        """Working µs in the snapshot."""
        return self.cum_end[-1] if self.cum_end else 0

    def position(self, t: int) -> int:
        """W(t): working µs from the start of the snapshot to ``t``."""
        i = bisect_right(self.starts, t) - 1
        if i < 0:
            return 0
        return self.cum[i] + min(t - self.starts[i], self.ends[i] - self.starts[i])

    def forward(self, target: int) -> int | None:
        """The earliest instant with W = ``target`` (None if beyond the snapshot)."""
        j = bisect_left(self.cum_end, target)
        if j == len(self.cum_end):
            return None
        return self.starts[j] + (target - self.cum[j])

    def backward(self, target: int) -> int | None:
        """The latest instant with W = ``target`` (None if before the snapshot)."""
        if target < 0:
            return None
        j = bisect_right(self.cum, target) - 1
        if j < 0:
            return None
        return self.starts[j] + (target - self.cum[j])

    def numpy_arrays(self) -> Any:
        """(starts, ends, cum, cum_end) as int64 arrays, built once per snapshot."""
        if self._np is None:
            import numpy as np  # noqa: PLC0415  # optional extra, imported on the batch path

            self._np = tuple(
                np.asarray(a, dtype=np.int64)
                for a in (self.starts, self.ends, self.cum, self.cum_end)
            )
        return self._np


class IndexCache:
    """The mutable holder of the current snapshot (private to one calendar)."""

    __slots__ = ("_build", "_chunks", "_last_year", "_lock", "_tz", "snapshot")

    def __init__(
        self, build: Callable[[int], YearChunk], tz: ZoneInfo, last_year: int = 9999
    ) -> None:
        self._build = build
        self._tz = tz
        self._last_year = last_year
        self._chunks: dict[int, YearChunk] = {}
        self._lock = threading.Lock()
        self.snapshot: Snapshot | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (pickle, multiprocessing) starts with an empty cache: the lock
        # cannot travel, and the index rebuilds lazily.
        return (IndexCache, (self._build, self._tz, self._last_year))

    def chunk_has_work(self, year: int) -> bool:
        """True if ``year`` (already built) has any working interval."""
        return bool(self._chunks[year].intervals)

    def cover_years(self, y0: int, y1: int) -> Snapshot:
        """A snapshot covering at least years ``y0..y1``."""
        with self._lock:
            current = self.snapshot
            if current is not None:
                if current.y0 <= y0 and y1 <= current.y1:
                    return current
                if current.y0 <= y0 and current.y1 < y1:
                    # Moving forward: grow by half the covered span at least, so
                    # queries a year further each time rebuild O(log years) times.
                    ahead = current.y1 + (current.y1 - current.y0 + 1) // 2
                    y1 = max(y1, min(ahead, self._last_year))
                y0 = min(y0, current.y0)
                y1 = max(y1, current.y1)
            for year in range(y0, y1 + 1):
                if year not in self._chunks:
                    self._chunks[year] = self._build(year)
            forward = current is not None and current.y0 == y0 and current.y1 < y1
            snapshot = Snapshot(y0, y1, self._chunks, self._tz, current if forward else None)
            self.snapshot = snapshot
            return snapshot

    def adopt(self, other: IndexCache, *, changed_year: int) -> None:
        """Reuse ``other``'s built years except ``changed_year`` (a calendar's copy with one
        dated change: only that year's intervals differ)."""
        with other._lock:
            kept = {y: c for y, c in other._chunks.items() if y != changed_year}
        with self._lock:
            if self.snapshot is None and not self._chunks:
                self._chunks = kept
