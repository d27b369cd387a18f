"""Peak memory and speed of ``crmcore report clv`` and ``report scoring`` on large CSVs.

Run: ``PYTHONPATH=src python benchmarks/cli_report.py [--rows 1000000] [--dir /tmp]
[--report clv|scoring|both] [--src PATH ...]`` (from the repository root; needs numpy
and matplotlib). ``--src`` (repeatable) names the ``src`` folders to compare, e.g.
``--src /work/main/src --src src`` for before and after; the default is this checkout's.

Writes an N-customer summary CSV (``customer_id,frequency,recency,age,monetary_value``,
weekly units of whole days as ``crmcore clv`` summaries are, drawn from the BG/NBD
story) and an N-lead scored CSV (``won,probability``) into a temporary folder, then runs
``crmcore report clv summary.csv -o clv.html`` and ``crmcore report scoring scored.csv
-o scoring.html``, each in its own subprocess, and reports wall time, CPU time and peak
RSS (``os.wait4`` in a small launcher process), and whether the pages of every ``--src``
are byte-identical (SVG ids salted through a ``matplotlibrc``: unsalted they are random).
The files are deleted afterwards. Tests never assert times.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from cli_memory import measured_cpu as measured

PART = 250_000
"""Rows generated at a time (the generator's memory stays bounded too)."""


def write_summary(path: Path, n: int, seed: int = 1) -> None:
    """Customers drawn from a BG/NBD-like story over up to 52 weeks, a part at a time."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("customer_id,frequency,recency,age,monetary_value\n")
        for start in range(0, n, PART):
            size = min(PART, n - start)
            age_days = rng.integers(84, 365, size)
            rate = rng.gamma(0.5, 1 / 5, size)  # purchases a day... per week below
            drop = rng.beta(0.8, 2.5, size)
            repeats = np.minimum(
                rng.poisson(rate * age_days / 7.0), rng.geometric(np.maximum(drop, 1e-3)) - 1
            )
            last_days = np.where(repeats > 0, rng.integers(1, age_days + 1), 0)
            spend = np.where(repeats > 0, np.round(rng.gamma(6, 5, size), 2), 0.0)
            lines = [
                f"c{start + i},{x},{r / 7:.4f},{a / 7:.4f},{m:.2f}\n"
                for i, (x, r, a, m) in enumerate(
                    zip(
                        repeats.tolist(),
                        last_days.tolist(),
                        age_days.tolist(),
                        spend.tolist(),
                        strict=True,
                    )
                )
            ]
            out.writelines(lines)


def write_scored(path: Path, n: int, seed: int = 2) -> None:
    """Leads with a calibrated-ish probability and an outcome drawn from it."""
    rng = np.random.default_rng(seed)
    with path.open("w", encoding="utf-8") as out:
        out.write("won,probability\n")
        for start in range(0, n, PART):
            size = min(PART, n - start)
            p = np.round(rng.beta(1.2, 4.0, size), 4)
            won = (rng.random(size) < p).astype(int)
            out.writelines(f"{y},{q}\n" for y, q in zip(won.tolist(), p.tolist(), strict=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    parser.add_argument("--report", choices=["clv", "scoring", "both"], default="both")
    parser.add_argument("--src", action="append", help="a src folder to run (repeatable)")
    args = parser.parse_args()
    sources = args.src or [str(Path(__file__).parents[1] / "src")]
    reports = ["clv", "scoring"] if args.report == "both" else [args.report]
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="crmcore-cli-report-") as tmp:
        folder = Path(tmp)
        inputs = {"clv": folder / "summary.csv", "scoring": folder / "scored.csv"}
        t0 = time.perf_counter()
        for name in reports:
            (write_summary if name == "clv" else write_scored)(inputs[name], args.rows)
        print(f"{args.rows:,} rows per input, written in {time.perf_counter() - t0:.0f} s")
        rc = folder / "matplotlibrc"  # SVG ids are random unless salted: pages compared by hash
        rc.write_text("svg.hashsalt: crmcore-benchmark\n", encoding="utf-8")
        print("| report | src | wall | CPU | peak RSS | page sha256 |\n|---|---|---|---|---|---|")
        for name in reports:
            digests = set()
            for source in sources:
                env = {
                    **os.environ,
                    "PYTHONPATH": str(Path(source).resolve()),
                    "MATPLOTLIBRC": str(rc),
                }
                page = folder / f"{name}.html"
                cli = [sys.executable, "-m", "crmcore", "report", name, str(inputs[name])]
                wall, cpu, peak = measured([*cli, "-o", str(page)], env, folder)
                digest = hashlib.sha256(page.read_bytes()).hexdigest()[:12]
                digests.add(digest)
                print(
                    f"| {name} | {source} | {wall:.1f} s | {cpu:.1f} s | {peak:,.0f} MiB "
                    f"| {digest} |"
                )
            print(f"{name}: pages identical across sources: {len(digests) == 1}")


if __name__ == "__main__":
    main()
