"""Throughput of the reference stores: add, get, update, list (no peer library).

Run: ``python benchmarks/repositories.py [records]``. Each store gets
the same leads; each operation is timed twice: all records in one unit of
work (the cost of the store itself), and one unit of work per record (plus
the cost of a transaction: lock, BEGIN IMMEDIATE, COMMIT and for durable
files an fsync). Prints operations per second and the ratio to the
in-memory store.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crmcore.models import Lead, LeadId, LeadSource, LeadStatus
from crmcore.money import Money
from crmcore.repositories import InMemoryStore, SqliteStore, Store


def _leads(count: int) -> list[Lead]:
    return [
        Lead(
            id=LeadId(f"L{n:07d}"),
            first_name="Reza",
            last_name=f"Tehrani {n}",
            company=f"Pars Tile {n % 97}",
            source=LeadSource.TRADE_SHOW if n % 3 else LeadSource.WEBSITE,
            estimated_value=Money(f"{1000 + n}.50", "USD"),
            employees=n % 500,
        )
        for n in range(count)
    ]


def _timed(work: Callable[[], None]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def _run(store: Store, leads: list[Lead], per_record: bool) -> dict[str, float]:
    """Seconds for add, get, update of every lead, and one filtered list."""
    timings: dict[str, float] = {}
    stored: list[Lead] = []

    def batch(step: Callable[..., object], items: list[object]) -> None:
        if per_record:
            for item in items:
                with store.unit_of_work() as uow:
                    step(uow, item)
        else:
            with store.unit_of_work() as uow:
                for item in items:
                    step(uow, item)

    timings["add"] = _timed(lambda: batch(lambda u, x: stored.append(u.leads.add(x)), leads))
    ids: list[object] = [lead.id for lead in leads]
    timings["get"] = _timed(lambda: batch(lambda u, i: u.leads.get(i), ids))
    changed: list[object] = [lead.contact() for lead in stored]
    timings["update"] = _timed(lambda: batch(lambda u, x: u.leads.update(x), changed))

    def listing() -> None:
        with store.unit_of_work() as uow:
            uow.leads.list(status=LeadStatus.CONTACTED, source=LeadSource.WEBSITE)

    timings["list (1 query)"] = _timed(listing)
    return timings


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    leads = _leads(count)
    with tempfile.TemporaryDirectory() as folder:
        stores: list[tuple[str, Callable[[], Store]]] = [
            ("InMemoryStore", InMemoryStore),
            ("SqliteStore(':memory:')", SqliteStore),
            (
                "SqliteStore(file, durable=False)",
                lambda: SqliteStore(
                    Path(folder) / f"fast-{time.perf_counter_ns()}.db", durable=False
                ),
            ),
            (
                "SqliteStore(file, durable=True)",
                lambda: SqliteStore(Path(folder) / f"safe-{time.perf_counter_ns()}.db"),
            ),
        ]
        for per_record in (False, True):
            title = (
                "one unit of work per record" if per_record else "all records in one unit of work"
            )
            n = count if not per_record else min(count, 500)
            print(f"\n{title} ({n} leads); operations per second, ratio to InMemoryStore")
            baseline: dict[str, float] = {}
            for name, make in stores:
                store = make()
                timings = _run(store, leads[:n], per_record)
                close = getattr(store, "close", None)
                if close is not None:
                    close()
                cells = []
                for op, seconds in timings.items():
                    rate = (1 if op.startswith("list") else n) / seconds
                    baseline.setdefault(op, rate)
                    cells.append(f"{op} {rate:>10,.0f}/s (x{rate / baseline[op]:.2f})")
                print(f"  {name:34s} " + "  ".join(cells))


if __name__ == "__main__":
    main()
