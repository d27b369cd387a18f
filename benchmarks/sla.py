"""SLA benchmark: ``evaluate_many`` throughput, and growth checks for the paths of issue 14.

Run: ``python benchmarks/sla.py [--cases 20000] [--growth 400] [--repeat 3]``

1. ``evaluate_many`` on ``--cases`` open and closed cases with ~10 events each
   (responses, pauses, a priority change, some resolved) on a Monday-Friday
   09:00-17:00 calendar with holidays, at one ``now``; with and without
   explanation lines; and ``evaluate`` case by case for comparison; with the
   garbage collector's passes per generation during the columnar runs.
2. Growth checks (time at n and 10n, exponent = log10 of the time ratio;
   1.0 is linear, 2.0 quadratic; goal <= 1.1):
   - building one case history event by event (``Case.respond`` ...);
   - closing a calendar on n days, one ``close`` at a time, querying after each;
   - queries moving forward a year at a time (the index extended each year).

Times are CPU time of this process (``time.process_time``), best of
``--repeat``, so a loaded machine disturbs them less than wall time.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import math
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from crmcore import sla
from crmcore.calendars import BusinessCalendar, ExplicitHolidays, WeeklySchedule
from crmcore.models import AccountId, Case, CaseId, CasePriority, CaseStatus
from crmcore.sla import SlaPolicy, SlaTarget, evaluate, evaluate_many

H = timedelta(hours=1)
MONDAY = datetime(2025, 1, 6, 9, tzinfo=UTC)


def office() -> BusinessCalendar:
    """Monday-Friday 09:00-17:00 UTC with a few holidays."""
    holidays = [date(2025, 1, 1), date(2025, 5, 26), date(2025, 7, 4), date(2025, 12, 25)]
    return BusinessCalendar(
        WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}),
        holidays=[ExplicitHolidays(holidays)],
        timezone="UTC",
        name="office",
    )


def policies() -> list[SlaPolicy]:
    """A high-priority policy and a catch-all, three targets each."""

    def targets(scale: int) -> list[SlaTarget]:
        return [
            SlaTarget("first_response", "first_response", scale * H),
            SlaTarget("next_response", "next_response", 2 * scale * H),
            SlaTarget("resolution", "resolution", 8 * scale * H),
        ]

    # PolicyCondition (Condition before the rename: the script also runs on older trees).
    condition = getattr(sla, "PolicyCondition", None) or getattr(sla, "Condition")  # noqa: B009
    when_high = condition(priorities=("high", "critical"))
    return [
        SlaPolicy("high", targets(1), applies_when=when_high, calendar="office"),
        SlaPolicy("normal", targets(2), calendar="office"),
    ]


def random_case(rng: random.Random, k: int) -> Case:
    """A case with about ten events: responses, pauses, a priority change, maybe resolved."""
    t = MONDAY + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
    case = Case.open(
        id=CaseId(f"C{k}"),
        title="x",
        account_id=AccountId(f"A{k % 97}"),
        priority=rng.choice(list(CasePriority)),
        created_at=t,
    )
    for _ in range(9):
        t += timedelta(minutes=rng.randrange(5, 600))
        roll = rng.random()
        if roll < 0.3:
            case = case.respond(t)
        elif roll < 0.55:
            case = case.change_status(CaseStatus.ON_HOLD, t)
        elif roll < 0.8:
            case = case.change_status(CaseStatus.IN_PROGRESS, t)
        else:
            case = case.change_priority(rng.choice(list(CasePriority)), t)
    if rng.random() < 0.3:
        case = case.resolve(t + H)
    return case


def cpu(fn: Callable[[], object], repeat: int) -> float:
    """Best-of-``repeat`` CPU seconds of one call of ``fn``."""
    best = math.inf
    for _ in range(repeat):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best


class Collections:
    """Counts the garbage collector's passes per generation while in a ``with`` block
    (through ``gc.callbacks``; the collector's settings are left alone)."""

    def __init__(self) -> None:
        self.counts = [0, 0, 0]

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.counts[info["generation"]] += 1

    def __enter__(self) -> Collections:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def growth(label: str, fn: Callable[[int], object], n: int, repeat: int) -> None:
    """Print the time at n and 10n and the exponent of the growth."""
    small = cpu(lambda: fn(n), repeat)
    large = cpu(lambda: fn(10 * n), repeat)
    exponent = math.log10(large / small) if small > 0 else float("nan")
    verdict = "ok" if exponent <= 1.1 else "SUPERLINEAR"
    print(
        f"growth {label:<38} n={n:>6}: {small * 1e3:9.1f} ms  "
        f"10n: {large * 1e3:10.1f} ms  exponent {exponent:4.2f}  {verdict}"
    )


def build_history(n: int) -> Case:
    """One case with ``n`` events appended one by one."""
    t = MONDAY
    case = Case.open(id=CaseId("G"), title="x", account_id=AccountId("a"), created_at=t)
    for i in range(n):
        t += timedelta(minutes=1)
        status = CaseStatus.ON_HOLD if i % 2 else CaseStatus.IN_PROGRESS
        case = case.change_status(status, t) if i % 3 else case.respond(t)
    return case


def close_days(n: int) -> BusinessCalendar:
    """A calendar closed on ``n`` consecutive days one ``close`` at a time, queried after
    each on the closed day's year (so every step needs that year's index again)."""
    cal = office()
    first = date(2025, 1, 6)
    for i in range(n):
        day = first + timedelta(days=i)
        cal = cal.close(day, f"closure {i}")
        cal.add(datetime(day.year, 1, 2, 10, tzinfo=UTC), H)
    return cal


def forward_years(n: int) -> None:
    """``n`` queries, each a year after the last (the index grows a year at a time)."""
    cal = office()
    t = datetime(1901, 1, 7, 10, tzinfo=UTC)
    for i in range(n):
        cal.add(t.replace(year=1901 + i % 299), H)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--growth", type=int, default=400, help="n of the growth checks")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-growth", action="store_true")
    args = parser.parse_args()

    rng = random.Random(7)
    cases = [random_case(rng, k) for k in range(args.cases)]
    events = sum(len(c.events) for c in cases)
    cals = {"office": office()}
    pols = policies()
    now = max(c.events[-1].at for c in cases)
    cals["office"].add(now, H)  # build the index once, as a long-running service would
    accepts = inspect.signature(evaluate_many).parameters
    quiet: dict[str, Any] = {"explain": False} if "explain" in accepts else {}
    loud: dict[str, Any] = {"explain": True} if "explain" in accepts else {}

    many = cpu(lambda: evaluate_many(cases, pols, now=now, calendars=cals, **loud), args.repeat)
    with Collections() as passes:
        lean = cpu(
            lambda: evaluate_many(cases, pols, now=now, calendars=cals, **quiet), args.repeat
        )
    sample = cases[: max(1, args.cases // 10)]
    scalar = cpu(lambda: [evaluate(c, pols, now=now, calendars=cals) for c in sample], 1)
    scalar *= len(cases) / len(sample)
    print(f"{args.cases} cases, {events / args.cases:.1f} events each, 3 targets, one calendar")
    print(f"evaluate_many (explained)      {many:8.3f} s  {args.cases / many:10,.0f} cases/s")
    label = "evaluate_many (columnar)" if quiet else "evaluate_many (no switch)"
    print(f"{label:<30} {lean:8.3f} s  {args.cases / lean:10,.0f} cases/s")
    per_run = "/".join(f"{c / args.repeat:.1f}" for c in passes.counts)
    print(f"  garbage collector passes per run (generations 0/1/2): {per_run}")
    print(f"evaluate, case by case         {scalar:8.3f} s  {args.cases / scalar:10,.0f} cases/s")
    if args.skip_growth:
        return
    n = args.growth
    growth("case history, event by event", build_history, n, args.repeat)
    growth("calendar closures, one at a time", close_days, n, args.repeat)
    growth("queries a year further each time", forward_years, max(n // 20, 5), args.repeat)


if __name__ == "__main__":
    main()
