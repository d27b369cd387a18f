"""Peak memory and speed of ``crmcore service contact-centre`` on a large event log.

Run: ``PYTHONPATH=src python benchmarks/cli_contact_centre.py [--events 1000000] [--dir /tmp]
[--keep] [--src PATH ...]`` from the repository root.

Writes an interaction event log of about ``--events`` rows (calls offered a
few seconds apart over weeks, each 2 to 7 events: 10% abandoned, 20% held and
resumed, 10% transferred, 5% without a wrap-up end; 40,000 customers on 5
subjects, 4 queues, 60 agents; the events of a block of 5,000 calls
interleaved by time), then runs ``crmcore service contact-centre --by queue
--fcr-days 1 --short-abandon 5 -o out.json`` once per ``--src`` (default:
this checkout's ``src``; give ``--src /path/to/other/src`` to compare with
another checkout) in its own process, and prints each run's wall time, peak
RSS (``/usr/bin/time``-like, from ``os.wait4``) and whether the outputs are
byte-identical. ``--csi`` also times ``crmcore service csi`` on as many ratings
(8 criteria, scores 1-5). Tests never assert times.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cli_memory import measured

START = datetime(2026, 1, 3, 8, 0, tzinfo=UTC)
BLOCK = 5_000
HEADER = ["interaction_id", "kind", "at", "queue", "agent", "customer", "channel", "subject"]


def _call(rng: random.Random, n: int, offered: datetime) -> list[tuple[datetime, list[str]]]:
    """One call's events (time, cells)."""
    iid = f"i{n}"
    customer, subject = (
        f"k{rng.randrange(40_000)}",
        rng.choice(["bill", "vpn", "sim", "move", "tv"]),
    )
    queue, channel = (
        rng.choice(["sales", "support", "billing", "vip"]),
        rng.choice(["phone", "chat", "mail"]),
    )
    at = offered
    events = [(at, [iid, "offered", "", queue, "", customer, channel, subject])]

    def add(kind: str, seconds: float, agent: str = "") -> None:
        nonlocal at
        at += timedelta(seconds=round(seconds))
        events.append((at, [iid, kind, "", "", agent, "", "", ""]))

    wait = rng.expovariate(1 / 25)
    if rng.random() < 0.10:
        add("abandoned", wait)
        return events
    add("answered", wait, f"a{rng.randrange(60)}")
    if rng.random() < 0.20:
        add("held", rng.expovariate(1 / 60))
        add("resumed", rng.expovariate(1 / 40))
    if rng.random() < 0.10:
        add("transferred", rng.expovariate(1 / 60), f"a{rng.randrange(60)}")
    add("ended", rng.expovariate(1 / 200))
    if rng.random() < 0.95:
        add("wrapup_ended", rng.expovariate(1 / 30))
    return events


def write_log(path: Path, events: int, seed: int = 7) -> int:
    """About ``events`` rows; returns the number written."""
    rng = random.Random(seed)
    written = n = 0
    clock = START
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        while written < events:
            block = []
            for _ in range(BLOCK):
                clock += timedelta(seconds=rng.randrange(1, 9))
                block.extend(_call(rng, n, clock))
                n += 1
            block.sort(key=lambda item: item[0])  # the calls of a block interleave by time
            for at, cells in block:
                cells[2] = at.isoformat()
                writer.writerow(cells)
            written += len(block)
    return written


def _csi(folder: Path, n: int, sources: list[str]) -> None:
    """``crmcore service csi`` on ``n`` ratings of 8 criteria (1-5)."""
    rng = random.Random(3)
    ratings = folder / "ratings.csv"
    with ratings.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["criterion", "score", "at"])
        for k in range(n):
            at = (START + timedelta(seconds=k)).isoformat()
            writer.writerow([f"criterion {k % 8}", rng.randint(1, 5), at])
    outputs = []
    for k, src in enumerate(sources):
        out = folder / f"csi{k}.json"
        env = {**os.environ, "PYTHONPATH": src}
        argv = [
            sys.executable,
            "-m",
            "crmcore",
            "service",
            "csi",
            "--input",
            str(ratings),
            "-o",
            str(out),
        ]
        wall, peak = measured(argv, env, folder)
        print(f"csi {src}: {wall:.1f} s, peak RSS {peak:.0f} MiB, {n / wall:,.0f} ratings/s")
        outputs.append(out.read_bytes())
    if len(outputs) > 1:
        print("csi outputs byte-identical:", all(o == outputs[0] for o in outputs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--dir", default=None, help="where the log is written (a temp folder)")
    parser.add_argument("--src", action="append", help="a src folder to run (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    parser.add_argument("--csi", action="store_true", help="time `service csi` on as many ratings")
    args = parser.parse_args()
    sources = args.src or [str(Path(__file__).resolve().parents[1] / "src")]
    folder = Path(tempfile.mkdtemp(prefix="crmcore-cc-", dir=args.dir))
    log = folder / "events.csv"
    start = time.perf_counter()
    rows = write_log(log, args.events)
    size = log.stat().st_size / 2**20
    print(f"{rows:,} events ({size:.0f} MiB) written in {time.perf_counter() - start:.1f} s")
    outputs = []
    for k, src in enumerate(sources):
        out = folder / f"out{k}.json"
        env = {**os.environ, "PYTHONPATH": src}
        argv = [sys.executable, "-m", "crmcore", "service", "contact-centre", "--input", str(log),
                "--by", "queue", "--fcr-days", "1", "--short-abandon", "5", "-o", str(out)]  # fmt: skip
        wall, peak = measured(argv, env, folder)
        print(f"{src}: {wall:.1f} s, peak RSS {peak:.0f} MiB, {rows / wall:,.0f} events/s")
        outputs.append(out.read_bytes())
    if len(outputs) > 1:
        print("outputs byte-identical:", all(o == outputs[0] for o in outputs))
    if args.csi:
        _csi(folder, args.events, sources)
    if not args.keep:
        for item in folder.iterdir():
            item.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
