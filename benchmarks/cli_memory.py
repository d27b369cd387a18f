"""Peak memory and speed of ``crmcore score`` on a large CSV, beside hand-written pandas.

Run: ``PYTHONPATH=src python benchmarks/cli_memory.py [--rows 1000000] [--dir /tmp]``
(from the repository root; needs pandas for the data and the peer).

Writes an N-row leads CSV and an events CSV (one event per 20 leads) into a
temporary folder, then runs, each in its own subprocess, side by side:

1. ``crmcore score --scorecard card.json leads.csv --events events.csv -o out.csv``
   with the 20-rule scorecard of ``benchmarks/frames.py`` (16 fit rules, 4 event
   rules, group and total caps): the CLI reads the CSV in chunks of 10,000 rows
   and writes score, grade, rating, sales_ready and the explanation of every row.
2. The same scorecard in hand-written chunked pandas (``read_csv(chunksize=10_000)``,
   vectorised float points, per-lead event counts computed once, ``to_csv`` per
   chunk of the id and score): what a pandas user would write.

Reports each command's peak RSS (``os.wait4`` in a small launcher process), wall time and rows/s, and checks
that the CLI's scores equal pandas' (to 1e-9). Goal: the CLI under 500 MiB at
10,000,000 rows. The files are deleted afterwards. Tests never assert times.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
from crmcore.serialization import make_converter
from frames import scorecard

NOW = datetime(2026, 6, 1, tzinfo=UTC)
CHUNK = 10_000
PART = 1_000_000
"""Rows generated at a time (the generator's memory stays bounded too)."""


def write_data(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path, int]:
    """The leads and events CSVs of the frames benchmark's shape, written a part at a time."""
    rng = np.random.default_rng(seed)
    leads, events = folder / "leads.csv", folder / "events.csv"
    m = 0
    for start in range(0, n, PART):
        size = min(PART, n - start)

        def pick(values: list[str], missing: float, size: int = size) -> np.ndarray:
            out = rng.choice(np.array(values, dtype=object), size)
            out[rng.random(size) < missing] = ""
            return out

        budget = rng.integers(1000, 900000, size).astype(str).astype(object)
        budget[rng.random(size) < 0.3] = ""
        ids = np.char.add("L", np.arange(start, start + size).astype(str)).astype(object)
        frame = pd.DataFrame(
            {
                "id": ids,
                "industry": pick(
                    ["retail", "steel", "education", "software", "health", "energy"], 0.05
                ),
                "country": pick(["IR", "DE", "TR", "AE", "US"], 0.0),
                "employees": rng.integers(1, 3000, size),
                "budget": budget,
                "email": pick(["sales@corp.ir", "me@gmail.com", "info@firm.de"], 0.3),
                "title": pick(
                    ["CEO", "Sales Director", "Engineer", "Purchasing Manager", "Intern"], 0.1
                ),
            }
        )
        frame.to_csv(leads, mode="a" if start else "w", header=not start, index=False)
        k = size // 20
        at = pd.Timestamp(NOW) - pd.to_timedelta(rng.integers(0, 200 * 86400, k), unit="s")
        part = pd.DataFrame(
            {
                "lead_id": ids[rng.integers(0, size, k)],
                "kind": rng.choice(
                    np.array(["page_view", "form_submit", "webinar", "email_click"], dtype=object),
                    k,
                    p=[0.7, 0.1, 0.05, 0.15],
                ),
                "at": at.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            }
        )
        part.to_csv(events, mode="a" if start else "w", header=not start, index=False)
        m += k
    return leads, events, m


def pandas_worker(leads: str, events: str, out: str) -> None:
    """The hand-written chunked pandas scorer (run in a child process)."""
    ev = pd.read_csv(events, dtype=str, keep_default_na=False)
    age = pd.Timestamp(NOW) - pd.to_datetime(ev["at"], utc=True)

    def counts(kind: str, days: int | None) -> pd.Series:
        mask = (ev["kind"] == kind) & (age >= pd.Timedelta(0))
        if days is not None:
            mask &= age <= pd.Timedelta(days=days)
        return ev.loc[mask, "lead_id"].value_counts()

    forms, visits = counts("form_submit", 90), counts("page_view", 30)
    webinars, clicks = counts("webinar", None), counts("email_click", 60)
    first = True
    for df in pd.read_csv(leads, chunksize=CHUNK, dtype=str, keep_default_na=False):
        ind, cty, title, email = df["industry"], df["country"], df["title"], df["email"]
        emp = pd.to_numeric(df["employees"])
        bud = pd.to_numeric(df["budget"].replace("", np.nan))
        fit = (
            10 * (ind == "retail")
            + 8 * (ind == "steel")
            + 5 * ind.isin(["software", "health"])
            - 5 * (ind == "education")
            + 6 * (cty == "IR")
            + 4 * cty.isin(["AE", "TR"])
            + 15 * (emp >= 500)
            + 8 * ((emp >= 50) & (emp <= 499))
            - 10 * (emp <= 5)
            + 12.5 * (bud >= 100000)
            - 3 * bud.isna()
            + 2 * (email != "")
            - 4 * email.str.contains("gmail", regex=False)
            + 7 * title.str.contains("Director", regex=False)
            + 9 * (title == "CEO")
            - 6 * (title == "Intern")
        ).clip(upper=60)
        ids = df["id"]
        engagement = (
            10 * ids.map(forms).fillna(0)
            + ids.map(visits).fillna(0)
            + 15 * (ids.map(webinars).fillna(0) > 0)
            - 5 * (ids.map(clicks).fillna(0) == 0)
        ).clip(upper=40)
        scored = pd.DataFrame({"id": ids, "score": (fit + engagement).clip(upper=100)})
        scored.to_csv(out, mode="w" if first else "a", header=first, index=False)
        first = False


# A small launcher runs each measured command: a child forked from this (large) process
# would count this process's pages into its own peak RSS.
LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {usage.ru_utime + usage.ru_stime}")
sys.exit(os.waitstatus_to_exitcode(status))
"""


def measured_cpu(argv: list[str], env: dict[str, str], folder: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MiB) of a command run in a child process
    (CPU time: on a shared machine wall time varies with the load)."""
    peak = folder / "peak.txt"
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", LAUNCHER, str(peak), *argv], env=env, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"failed ({done.returncode}): {' '.join(argv[:6])}")
    rss, cpu = peak.read_text().split()
    return wall, float(cpu), int(rss) / 1024  # ru_maxrss is in KiB on Linux


def measured(argv: list[str], env: dict[str, str], folder: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of a command run in a child process."""
    wall, _cpu, peak = measured_cpu(argv, env, folder)
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    parser.add_argument("--pandas-worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pandas_worker:
        pandas_worker(*args.pandas_worker)
        return
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="crmcore-cli-memory-") as tmp:
        folder = Path(tmp)
        card = folder / "card.json"
        card.write_text(json.dumps(make_converter().unstructure(scorecard())), encoding="utf-8")
        t0 = time.perf_counter()
        leads, events, m = write_data(folder, args.rows)
        size = leads.stat().st_size / 2**20
        print(
            f"{args.rows:,} leads ({size:,.0f} MiB CSV), {m:,} events; "
            f"written in {time.perf_counter() - t0:.0f} s"
        )
        out = folder / "out.csv"
        cli = [sys.executable, "-m", "crmcore", "score", "--scorecard", str(card), str(leads)]
        cli += ["--events", str(events), "--now", NOW.isoformat(), "--progress", "never"]
        wall, peak = measured([*cli, "-o", str(out)], env, folder)
        peer_out = folder / "peer.csv"
        peer = [sys.executable, __file__, "--pandas-worker", str(leads), str(events)]
        p_wall, p_peak = measured([*peer, str(peer_out)], env, folder)
        ours = pd.read_csv(out, usecols=["score"])["score"].to_numpy(dtype=float)
        theirs = pd.read_csv(peer_out, usecols=["score"])["score"].to_numpy(dtype=float)
        agree = len(ours) == len(theirs) == args.rows and np.allclose(ours, theirs, atol=1e-9)
        print("| run | wall | rows/s | peak RSS |\n|---|---|---|---|")
        print(f"| crmcore score (CLI) | {wall:.1f} s | {args.rows / wall:,.0f} | {peak:,.0f} MiB |")
        print(
            f"| hand-written pandas, chunked | {p_wall:.1f} s | {args.rows / p_wall:,.0f} "
            f"| {p_peak:,.0f} MiB |"
        )
        print(f"ratio CLI/pandas: time {wall / p_wall:.2f}, memory {peak / p_peak:.2f}")
        print(f"scores equal: {agree}")


if __name__ == "__main__":
    main()
