"""Peak memory and speed of ``crmcore sales funnel|forecast`` with stage events, before and after.

Run: ``PYTHONPATH=src python benchmarks/cli_sales.py [--rows 100000] [--before /work/main/src]``
(from the repository root; needs numpy for the data).

Writes an N-row opportunities CSV (a quarter won, a quarter lost, half open; IRR;
owners, competitors, reasons, sources) and a stage-events CSV of three events a
deal (created, a stage change, then won, lost or another stage change), sorted
by time as an export is, so each deal's events are spread over the file. Then
runs, each in its own subprocess, with this checkout's ``src`` and, with
``--before``, another (e.g. the main branch's):

1. ``crmcore sales funnel opps.csv --events events.csv --as-of ... --work-calendar iran.json``
2. ``crmcore sales forecast opps.csv --events events.csv --as-of ...``
3. ``crmcore sales funnel opps.csv --as-of ...`` (no events)

and reports wall time and peak RSS (``os.wait4`` in a small launcher), and
whether both checkouts wrote the same bytes. Files are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from cli_memory import measured

PART = 250_000
"""Deals generated at a time."""
AS_OF = "2026-06-30"
OPP_HEADER = (
    "id,name,owner,stage,status,probability,estimated_revenue.amount,"
    "estimated_revenue.currency,estimated_close_date,actual_revenue.amount,"
    "actual_revenue.currency,actual_close_date,competitor,close_reason,created_at,source\n"
)
EPOCH = np.datetime64("2025-01-01T05:30:00")  # 09:00 in Tehran


def _stamp(moments: np.ndarray) -> np.ndarray:
    return np.char.add(np.datetime_as_string(moments, unit="s").astype(str), "+03:30")


def _day(moments: np.ndarray) -> np.ndarray:
    return np.datetime_as_string((moments + np.timedelta64(210, "m")).astype("M8[D]"))


def write_data(folder: Path, n: int, seed: int = 7) -> tuple[Path, Path, int]:
    """The opportunities and their events, written a part at a time."""
    rng = np.random.default_rng(seed)
    opps, events = folder / "opps.csv", folder / "events.csv"
    rows: list[np.ndarray] = []
    with opps.open("w", encoding="utf-8") as out:
        out.write(OPP_HEADER)
        for start in range(0, n, PART):
            size = min(PART, n - start)
            ids = np.char.add("o", np.arange(start, start + size).astype(str))
            created = EPOCH + rng.integers(0, 480, size).astype("m8[D]")
            moved = created + rng.integers(1, 40, size).astype("m8[D]")
            closed = moved + rng.integers(1, 60, size).astype("m8[D]")
            status = rng.choice(np.array(["open", "open", "won", "lost"]), size)
            amount = rng.integers(10**6, 10**10, size).astype(str)
            won, lost = status == "won", status == "lost"
            close_day = np.where(won | lost, _day(closed), "")
            table = np.stack(
                [
                    ids,
                    np.full(size, "deal"),
                    rng.choice(np.array(["sara", "ali", "reza", "neda", "mina"]), size),
                    rng.choice(np.array(["qualify", "develop", "propose"]), size),
                    status,
                    rng.integers(0, 101, size).astype(str),
                    amount,
                    np.full(size, "IRR"),
                    _day(closed),
                    np.where(won, rng.integers(10**6, 10**10, size).astype(str), ""),
                    np.where(won, "IRR", ""),
                    close_day,
                    np.where(lost, rng.choice(np.array(["Rival", "Other", ""]), size), ""),
                    np.where(lost, rng.choice(np.array(["price", "fit", "timing"]), size), ""),
                    _stamp(created),
                    rng.choice(np.array(["website", "referral", "trade_show", ""]), size),
                ],
                axis=1,
            )
            out.write("".join(",".join(row) + "\n" for row in table.tolist()))
            stage = rng.choice(np.array(["develop", "propose"]), size)
            third_stage = np.where(won, "close", np.where(lost, stage, "close"))
            kinds = np.where(won, "won", np.where(lost, "lost", "stage_changed"))
            for at, kind, st in (
                (created, np.full(size, "created"), np.full(size, "qualify")),
                (moved, np.full(size, "stage_changed"), stage),
                (closed, kinds, third_stage),
            ):
                rows.append(np.stack([at.astype("i8").astype(str), ids, _stamp(at), kind, st], 1))
    table = np.concatenate(rows)
    order = np.lexsort((table[:, 1], table[:, 0].astype(np.int64)))  # by time, as exported
    with events.open("w", encoding="utf-8") as out:
        out.write("opportunity_id,at,kind,stage\n")
        for low in range(0, len(order), PART):
            part = table[order[low : low + PART], 1:].tolist()
            out.write("".join(",".join(row) + "\n" for row in part))
    return opps, events, len(table)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--before", help="another checkout's src to compare (e.g. main's)")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    parser.add_argument("--only", choices=("events", "forecast", "plain"), action="append")
    args = parser.parse_args()
    sources = {"after": str(Path(__file__).parents[1] / "src")}
    if args.before:
        sources = {"before": args.before, **sources}
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="crmcore-cli-sales-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        opps, events, m = write_data(folder, args.rows)
        calendar = folder / "iran.json"
        calendar.write_text(json.dumps({"preset": "iran"}))
        size = (opps.stat().st_size + events.stat().st_size) / 2**20
        print(
            f"{args.rows:,} deals, {m:,} events ({size:,.0f} MiB of CSV); "
            f"written in {time.perf_counter() - t0:.0f} s"
        )
        runs = {
            "events": [
                *("funnel", str(opps), "--events", str(events)),
                *("--work-calendar", str(calendar)),
            ],
            "forecast": ["forecast", str(opps), "--events", str(events)],
            "plain": ["funnel", str(opps)],
        }
        print("| command | code | wall | peak RSS |\n|---|---|---|---|")
        for name, argv in runs.items():
            if args.only and name not in args.only:
                continue
            outputs = []
            for label, src in sources.items():
                out = folder / f"{name}-{label}.json"
                cli = [sys.executable, "-m", "crmcore", "sales", *argv, "--as-of", AS_OF]
                env = {**os.environ, "PYTHONPATH": src}
                wall, peak = measured([*cli, "-o", str(out)], env, folder)
                outputs.append(out.read_bytes())
                print(
                    f"| sales {' '.join(argv[:1] + argv[2:3])} | {label} | {wall:.1f} s "
                    f"| {peak:,.0f} MiB |"
                )
            if len(outputs) == 2:
                print(f"same output: {outputs[0] == outputs[1]}")


if __name__ == "__main__":
    main()
