"""Benchmark crmcore.calendars against pandas CustomBusinessHour and businesstimedelta.

Run: ``python benchmarks/calendars.py`` (from the repository root, with
the test extra installed). One process, timeit, the same calendar and inputs
for every library: Monday-Friday 09:00-17:00, UTC, New Year's Day 2025-2035
plus three other holidays; 2,000 random starts in 2025.

Measured:

1. scalar ``add(start, 8 business hours)``: crmcore ``BusinessCalendar.add``,
   pandas ``Timestamp + CustomBusinessHour(n=8)``, businesstimedelta
   ``datetime + BusinessTimeDelta(rules, hours=8)``;
2. scalar ``between(start, end)``: crmcore ``between`` vs businesstimedelta
   ``Rules.difference`` (pandas has no business-time-between API);
3. batch, like for like (issue 14): ``BusinessCalendar.add_many`` on 20,000
   distinct datetimes (datetimes in, datetimes out) vs pandas
   ``DatetimeIndex + CustomBusinessHour`` on the same 20,000 starts; and, for
   reference, the raw ``add_epochs`` path on integer microseconds (numpy and
   pure Python), which pandas has no counterpart for.

Every figure is the best of the same number of repeats, as CPU time
(``time.process_time``) with the wall time beside it; the load average is
printed first. Ratios are peer time / crmcore time (above 1 = crmcore
faster), on CPU time.
"""

from __future__ import annotations

import os
import random
import time as clock
import warnings
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import businesstimedelta as btd
import numpy as np
import pandas as pd
from pandas.tseries.offsets import CustomBusinessHour

from crmcore.calendars import BusinessCalendar, ExplicitHolidays, WeeklySchedule

HOLIDAYS = sorted(
    {date(2025, 5, 26), date(2025, 7, 4), date(2025, 12, 25)}
    | {date(year, 1, 1) for year in range(2025, 2036)}
)
N = 2000
BATCH = 20_000
REPEAT = 5
WALL: dict[str, float] = {}


def per_call(fn: Callable[[], object], calls: int, label: str = "") -> float:
    """Best-of-:data:`REPEAT` CPU seconds per call of ``fn`` (which makes ``calls`` calls).

    The best wall time per call is kept in :data:`WALL` under ``label``.
    """
    cpu, wall = [], []
    for _ in range(REPEAT):
        c, w = clock.process_time(), clock.perf_counter()
        fn()
        cpu.append(clock.process_time() - c)
        wall.append(clock.perf_counter() - w)
    WALL[label] = min(wall) / calls
    return min(cpu) / calls


def main() -> None:
    cal = BusinessCalendar(
        WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}),
        holidays=[ExplicitHolidays(HOLIDAYS)],
        timezone="UTC",
    )
    rng = random.Random(42)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=rng.randrange(0, 360 * 24 * 60)) for _ in range(N)]
    ends = [s + timedelta(minutes=rng.randrange(0, 14 * 24 * 60)) for s in starts]
    naive = [s.replace(tzinfo=None) for s in starts]
    naive_ends = [e.replace(tzinfo=None) for e in ends]
    eight = timedelta(hours=8)
    offset = CustomBusinessHour(
        n=8, start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=HOLIDAYS
    )
    stamps = [pd.Timestamp(x) for x in naive]
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4]),
            btd.HolidayRule(HOLIDAYS),
        ]
    )
    delta = btd.BusinessTimeDelta(rules, hours=8)
    cal.add(starts[0], eight)  # build the index once, as a long-running service would

    ours_add = per_call(lambda: [cal.add(s, eight) for s in starts], N, "ours add")
    pandas_add = per_call(lambda: [t + offset for t in stamps], N, "pandas add")
    btd_add = per_call(lambda: [d + delta for d in naive], N, "btd add")
    ours_between = per_call(
        lambda: [cal.between(a, b) for a, b in zip(starts, ends, strict=True)], N, "ours between"
    )
    btd_between = per_call(
        lambda: [rules.difference(a, b) for a, b in zip(naive, naive_ends, strict=True)],
        N,
        "btd between",
    )

    # Batch, like for like: distinct aware datetimes in and out on both sides.
    many = [base + timedelta(minutes=rng.randrange(0, 360 * 24 * 60)) for _ in range(BATCH)]
    eights = [eight] * BATCH
    ours_batch = per_call(lambda: cal.add_many(many, eights, backend="numpy"), BATCH, "ours batch")
    index = pd.DatetimeIndex([m.replace(tzinfo=None) for m in many])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns that the offset is applied elementwise
        pandas_batch = per_call(lambda: index + offset, BATCH, "pandas batch")
    # The raw path on integer microseconds (no datetime objects), for reference.
    s_us = np.array([int(m.timestamp()) * 1_000_000 for m in many], dtype=np.int64)
    d_us = np.full(BATCH, 8 * 3600 * 1_000_000, dtype=np.int64)
    batch_np = per_call(lambda: cal.add_epochs(s_us, d_us, backend="numpy"), BATCH, "np")
    s_list, d_list = s_us.tolist(), d_us.tolist()
    batch_py = per_call(lambda: cal.add_epochs(s_list, d_list, backend="python"), BATCH, "py")

    def row(label: str, ours: float, peer: float, name: str, keys: tuple[str, str]) -> None:
        print(
            f"{label:<40} crmcore {ours * 1e6:8.2f} us  {name} {peer * 1e6:9.2f} us  "
            f"ratio {peer / ours:7.1f}x  (wall {WALL[keys[1]] / WALL[keys[0]]:.1f}x)"
        )

    print(
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; CPU time, best of {REPEAT}"
    )
    print(f"calendar: Mon-Fri 09-17 UTC, {len(HOLIDAYS)} holidays; {N} random starts in 2025")
    row("add 8h (scalar) vs pandas", ours_add, pandas_add, "pandas", ("ours add", "pandas add"))
    row("add 8h (scalar) vs businesstimedelta", ours_add, btd_add, "btd", ("ours add", "btd add"))
    row(
        "between (scalar) vs businesstimedelta",
        ours_between,
        btd_between,
        "btd",
        ("ours between", "btd between"),
    )
    row(
        f"batch {BATCH:,} datetimes: add_many vs pandas",
        ours_batch,
        pandas_batch,
        "pandas",
        ("ours batch", "pandas batch"),
    )
    print(f"add_many (datetimes in and out, numpy): {1 / ours_batch:,.0f} deadlines/s")
    print(f"raw add_epochs numpy (integer µs):      {1 / batch_np:,.0f} deadlines/s")
    print(f"raw add_epochs python (integer µs):     {1 / batch_py:,.0f} deadlines/s")


if __name__ == "__main__":
    main()
