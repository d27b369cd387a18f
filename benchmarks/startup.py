"""Start-up time of the ``crmcore`` command (issue 15): ``crmcore --version`` and
``crmcore --help`` beside ``python -c pass``, each run as a new process.

Run: ``python benchmarks/startup.py [runs]`` (default 20). Prints the median
wall time of each and the ratio to a bare interpreter; the goal is
``crmcore --version`` within 150 ms on the build machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time


def _median(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)  # noqa: S603 - fixed commands
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    python = sys.executable
    print(f"load average {os.getloadavg()[0]:.2f}; median of {runs} runs")
    bare = _median([python, "-c", "pass"], runs)
    print(f"  python -c pass        {bare * 1e3:7.1f} ms")
    for args in (
        ["--version"],
        ["--help"],
        ["price", "--help"],
        ["sales", "forecast", "--help"],
        ["service", "csat", "--help"],
    ):
        took = _median([python, "-m", "crmcore", *args], runs)
        label = "crmcore " + " ".join(args)
        print(f"  {label:<30} {took * 1e3:7.1f} ms   ratio {took / bare:5.1f}")


if __name__ == "__main__":
    main()
