"""Stores at scale (issue 14): non-indexed queries, key paging and bulk adds.

Run: ``python benchmarks/stores.py [records]`` (default 100,000; the issue's
figure is 1,000,000). In one process, side by side:

- a non-indexed ``list(company=..., limit=10)`` on ``SqliteStore`` beside the
  same query in plain SQL (``json_extract`` on the same file) and the
  parsing of its ten rows: the goal is within 2x;
- ``add_many`` of every lead beside raw ``executemany`` of the same rows,
  serialisation included on both sides (the converter and ``json.dumps``):
  the goal is within 3x;
- growth checks: the time of the last key page and of the last OFFSET page
  at n and 10n records, for both stores, with the exponent
  log(t(10n) / t(n)) / log(10) (1 = linear, 0 = constant; goal <= 1.1).

Times are CPU seconds (``time.process_time``), best of five, with the wall
time beside them; the machine's load average is printed first.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from crmcore.models import Lead, LeadId, LeadSource
from crmcore.money import Money
from crmcore.repositories import InMemoryStore, SqliteStore, Store
from crmcore.serialization import make_converter

REPEATS = 5


def _companies(count: int) -> int:
    """Distinct company names: each appears 20 times, spread over the whole table."""
    return max(count // 20, 1)


def _leads(count: int) -> list[Lead]:
    companies = _companies(count)
    return [
        Lead(
            id=LeadId(f"L{n:08d}"),
            first_name="Reza",
            last_name=f"Tehrani {n}",
            company=f"Pars Tile {n % companies}",
            source=LeadSource.TRADE_SHOW if n % 3 else LeadSource.WEBSITE,
            estimated_value=Money(f"{1000 + n}.50", "USD"),
            employees=n % 500,
        )
        for n in range(count)
    ]


def _best(work: Callable[[], object]) -> tuple[float, float]:
    """(CPU seconds, wall seconds), the best of :data:`REPEATS` runs."""
    cpu, wall = [], []
    for _ in range(REPEATS):
        c, w = time.process_time(), time.perf_counter()
        work()
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return min(cpu), min(wall)


def _row(label: str, ours: tuple[float, float], peer: tuple[float, float]) -> None:
    print(
        f"  {label:<44} crmcore {ours[0] * 1e3:9.2f} ms cpu ({ours[1] * 1e3:9.2f} wall)"
        f"   peer {peer[0] * 1e3:9.2f} ms cpu   ratio {ours[0] / max(peer[0], 1e-9):5.2f}"
    )


def _bulk_add(path: Path, leads: list[Lead]) -> None:
    # Both sides start from an empty file; the first add also creates the schema.
    def ours() -> None:
        path.unlink(missing_ok=True)
        with SqliteStore(path, durable=False) as store, store.unit_of_work() as uow:
            uow.leads.add_many(leads)

    converter = make_converter()

    def raw() -> None:
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("CREATE TABLE leads (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
        rows = [
            (
                lead.id,
                json.dumps(
                    converter.unstructure(lead),
                    ensure_ascii=False,
                    separators=(",", ":"),
                    sort_keys=True,
                ),
            )
            for lead in leads
        ]
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO leads VALUES (?, ?)", rows)
        conn.execute("COMMIT")
        conn.close()

    peer = _best(raw)
    _row(f"bulk add {len(leads):,} leads", _best(ours), peer)


def _query(path: Path, leads: list[Lead]) -> None:
    path.unlink(missing_ok=True)
    converter = make_converter()
    # A company on 20 rows spread evenly: both queries read half the table to find ten.
    company = f"Pars Tile {_companies(len(leads)) - 1}"

    def plain() -> None:
        conn = sqlite3.connect(path)
        rows = conn.execute(
            "SELECT id, doc FROM leads WHERE json_extract(doc, '$.company') = ? "
            "ORDER BY id LIMIT 10",
            (company,),
        ).fetchall()
        assert len([converter.structure(json.loads(doc), Lead) for _, doc in rows]) == 10
        conn.close()

    with SqliteStore(path, durable=False) as store:
        with store.unit_of_work() as uow:
            uow.leads.add_many(leads)

        def ours() -> None:
            with store.unit_of_work() as uow:
                assert len(uow.leads.list(company=company, limit=10)) == 10

        _row(f"list(company=..., limit=10) of {len(leads):,}", _best(ours), _best(plain))


def _last_page(store: Store, last_id: str, *, by_key: bool) -> Callable[[], object]:
    def page() -> object:
        with store.unit_of_work() as uow:
            if by_key:
                return uow.leads.list(limit=10, after=last_id)
            return uow.leads.list(limit=10, offset=int(last_id[1:]))

    return page


def _growth(count: int) -> None:
    for name, make in (("InMemoryStore", InMemoryStore), ("SqliteStore(':memory:')", SqliteStore)):
        for by_key in (True, False):
            times = []
            for n in (count // 10, count):
                store = make()
                with store.unit_of_work() as uow:
                    uow.leads.add_many(_leads(n))
                times.append(_best(_last_page(store, f"L{n - 11:08d}", by_key=by_key))[0])
            exponent = math.log(max(times[1], 1e-9) / max(times[0], 1e-9)) / math.log(10)
            how = "key page (after=)" if by_key else "OFFSET page"
            print(
                f"  {name:<24} last {how:<18} n={count // 10:>9,}: {times[0] * 1e3:8.3f} ms"
                f"  10n: {times[1] * 1e3:8.3f} ms  exponent {exponent:5.2f}"
            )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; {count:,} records")
    leads = _leads(count)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "crm.sqlite3"
        print("SqliteStore on a file beside plain sqlite3 (ratio = crmcore / peer, CPU time)")
        _bulk_add(path, leads)
        _query(path, leads)
    print("growth from n to 10n (exponent 0 = constant, 1 = linear)")
    _growth(min(count, 200_000))


if __name__ == "__main__":
    main()
