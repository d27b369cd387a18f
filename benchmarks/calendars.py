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
3. batch: 200,000 deadlines with ``BusinessCalendar.add_epochs`` (numpy and
   pure Python) vs pandas ``DatetimeIndex + CustomBusinessHour`` on 2,000.

Ratios are peer time / crmcore time (above 1 = crmcore faster).
"""

from __future__ import annotations

import random
import timeit
import warnings
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


def per_call(fn: object, calls: int, repeat: int = 5) -> float:
    """Best-of-``repeat`` seconds per call of ``fn`` (which performs ``calls`` calls)."""
    return min(timeit.repeat(fn, number=1, repeat=repeat)) / calls  # type: ignore[arg-type]


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

    ours_add = per_call(lambda: [cal.add(s, eight) for s in starts], N)
    pandas_add = per_call(lambda: [t + offset for t in stamps], N, repeat=3)
    btd_add = per_call(lambda: [d + delta for d in naive], N, repeat=3)
    ours_between = per_call(
        lambda: [cal.between(a, b) for a, b in zip(starts, ends, strict=True)], N
    )
    btd_between = per_call(
        lambda: [rules.difference(a, b) for a, b in zip(naive, naive_ends, strict=True)],
        N,
        repeat=1,
    )

    big = 200_000
    s_us = np.array([int(s.timestamp()) * 1_000_000 for s in starts] * (big // N), dtype=np.int64)
    d_us = np.full(big, 8 * 3600 * 1_000_000, dtype=np.int64)
    batch_np = per_call(lambda: cal.add_epochs(s_us, d_us, backend="numpy"), big, repeat=3)
    s_list, d_list = s_us.tolist(), d_us.tolist()
    batch_py = per_call(lambda: cal.add_epochs(s_list, d_list, backend="python"), big, repeat=3)
    index = pd.DatetimeIndex(naive)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas warns that the offset is applied elementwise
        pandas_batch = per_call(lambda: index + offset, N, repeat=3)

    def row(label: str, ours: float, peer: float, name: str) -> None:
        print(
            f"{label:<34} crmcore {ours * 1e6:8.2f} us  {name} {peer * 1e6:9.2f} us  ratio {peer / ours:7.1f}x"
        )

    print(f"calendar: Mon-Fri 09-17 UTC, {len(HOLIDAYS)} holidays; {N} random starts in 2025")
    row("add 8h (scalar) vs pandas", ours_add, pandas_add, "pandas")
    row("add 8h (scalar) vs businesstimedelta", ours_add, btd_add, "btd")
    row("between (scalar) vs businesstimedelta", ours_between, btd_between, "btd")
    row("batch add numpy vs pandas index", batch_np, pandas_batch, "pandas")
    print(f"batch add_epochs numpy:  {1 / batch_np:,.0f} deadlines/s")
    print(f"batch add_epochs python: {1 / batch_py:,.0f} deadlines/s")


if __name__ == "__main__":
    main()
