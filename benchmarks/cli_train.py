"""Peak memory and speed of ``crmcore score train`` on a large generated history.

Run: ``python benchmarks/cli_train.py [--rows 1000000] [--model naive_bayes] [--closed]
[--before /work/main/src] [--dir /tmp]`` (from the repository root).

Writes an N-row closed-lead history (id, 9 categorical columns of 3 to 40
values with about 5 % empty cells, a numeric ``size`` with 10 % empty, a
sales team of 4, ``won`` at about 30 %, and with ``--closed`` a close time
at a one-minute step, so ties are common) into a temporary folder, then runs
``crmcore score train --history H.csv --target won --team-column team -o
model.json`` (``--numeric size`` for ``--model logistic``; ``--closed-column
closed_at`` with ``--closed``) in a child process and reports its wall time
and peak RSS (``os.wait4`` in a small launcher). With ``--before SRC`` the
same command also runs on another checkout's sources (e.g. the main branch)
and the model files and printed validation reports are compared byte for
byte. The files are deleted afterwards; tests never assert times.
"""

from __future__ import annotations

import argparse
import csv
import filecmp
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIELDS = {
    "source": 6,
    "country": 12,
    "industry": 20,
    "size_band": 5,
    "channel": 4,
    "campaign": 40,
    "product": 15,
    "region": 8,
    "title": 10,
}
TEAMS = ("north", "south", "east", "west")
START = datetime(2024, 1, 1, tzinfo=UTC)

LAUNCHER = """
import os, subprocess, sys
with open(sys.argv[2], "wb") as log:
    child = subprocess.Popen(sys.argv[3:], stdout=log, stderr=log)
    _, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def write_history(path: Path, n: int, *, closed: bool, seed: int = 7) -> None:
    """An ``n``-row history CSV (see the module docstring), written row by row."""
    rng = random.Random(seed)
    names = ["id", *FIELDS, "size", "team", "won", *(["closed_at"] if closed else [])]
    levels = {f: [f"{f[:3]}{i}" for i in range(k)] for f, k in FIELDS.items()}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(names)
        for i in range(n):
            cells = [f"L{i}"]
            bias = 0.0
            for values in levels.values():
                j = rng.randrange(len(values))
                bias += 0.02 if j % 3 == 0 else -0.01
                cells.append("" if rng.random() < 0.05 else values[j])
            cells.append("" if rng.random() < 0.1 else str(rng.randrange(1, 5000)))
            cells.append(rng.choice(TEAMS))
            cells.append("won" if rng.random() < 0.3 + bias else "lost")
            if closed:
                moment = START + timedelta(minutes=i // 3 + rng.randrange(5))
                cells.append(moment.isoformat())
            writer.writerow(cells)


def measured(argv: list[str], src: str, folder: Path, name: str) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of a command run in a child process."""
    peak, log = folder / f"{name}.peak", folder / f"{name}.log"
    env = {**os.environ, "PYTHONPATH": src}
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", LAUNCHER, str(peak), str(log), *argv], env=env, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(f"{name} failed ({done.returncode}): {log.read_text()[-2000:]}")
    return wall, int(peak.read_text()) / 1024  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--model", choices=("naive_bayes", "logistic"), default="naive_bayes")
    parser.add_argument("--closed", action="store_true", help="a close-time column (time split)")
    parser.add_argument("--before", default=None, help="another checkout's src to compare with")
    parser.add_argument("--dir", default=None, help="where the temporary files go")
    args = parser.parse_args()
    here = str(Path(__file__).parents[1] / "src")
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="crmcore-cli-train-") as tmp:
        folder = Path(tmp)
        history = folder / "history.csv"
        t0 = time.perf_counter()
        write_history(history, args.rows, closed=args.closed)
        size = history.stat().st_size / 2**20
        print(
            f"{args.rows:,} rows ({size:,.0f} MiB CSV) written in {time.perf_counter() - t0:.0f} s"
        )
        runs = [("after", here)] + ([("before", args.before)] if args.before else [])
        print("| run | wall | peak RSS |\n|---|---|---|")
        for name, src in runs:
            cli = [sys.executable, "-m", "crmcore", "score", "train", "--history", str(history)]
            cli += ["--target", "won", "--team-column", "team", "--model", args.model]
            cli += ["--progress", "never", "-o", str(folder / f"{name}.json")]
            if args.model == "logistic":
                cli += ["--numeric", "size"]
            if args.closed:
                cli += ["--closed-column", "closed_at"]
            wall, peak = measured(cli, src, folder, name)
            print(f"| {name} ({src}) | {wall:.1f} s | {peak:,.0f} MiB |")
        if args.before:
            same_model = filecmp.cmp(folder / "after.json", folder / "before.json", shallow=False)
            same_text = filecmp.cmp(folder / "after.log", folder / "before.log", shallow=False)
            print(f"model JSON identical: {same_model}; validation report identical: {same_text}")


if __name__ == "__main__":
    main()
