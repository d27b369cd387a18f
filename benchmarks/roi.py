"""Benchmark crmcore.roi against the libraries a user would otherwise pick.

Run: ``python benchmarks/roi.py`` (from the repository root, with the
test extra installed). Everything is timed in this one process with timeit on
the same inputs; ratios are crmcore time / peer time (below 1 = crmcore faster).

1. npv / irr on 10,000 random cash-flow series vs numpy-financial, plus how
   often numpy-financial returns nan or a root that is not one of the real
   rates of return.
2. xnpv / xirr vs a plain-Python Newton XIRR (the usual hand-rolled
   version) and scipy's brentq on the same function.

The CLV model fits are benchmarked by ``benchmarks/clv.py``.
"""

from __future__ import annotations

import math
import random
import sys
import timeit
import warnings
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import numpy_financial as npf
from scipy import optimize

from crmcore.errors import NoSolutionError
from crmcore.roi import (
    irr,
    irr_roots,
    npv,
    xirr,
    xnpv,
)

SERIES = 10_000


def best(func, number: int = 1, repeat: int = 3) -> float:
    """Best wall time of ``func`` over ``repeat`` runs of ``number`` calls, per run."""
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def line(label: str, ours: float, theirs: float, peer: str) -> None:
    print(
        f"  {label:<44} crmcore {ours * 1e3:9.2f} ms   {peer} {theirs * 1e3:9.2f} ms"
        f"   ratio {ours / theirs:6.2f}"
    )


def cash_flows() -> None:
    rng = random.Random(42)
    conventional = [
        [-rng.randint(1_000, 100_000)] + [rng.randint(0, 30_000) for _ in range(9)]
        for _ in range(SERIES)
    ]
    conventional = [s for s in conventional if sum(s[1:]) > -s[0] // 2]
    rates = [rng.uniform(0.0, 0.3) for _ in conventional]
    print(f"cash flows: {len(conventional)} conventional series of 10 periods")
    ours = best(lambda: [npv(r, s) for r, s in zip(rates, conventional, strict=True)], repeat=2)
    theirs = best(
        lambda: [npf.npv(r, s) for r, s in zip(rates, conventional, strict=True)], repeat=2
    )
    line("npv (exact Decimal vs float)", ours, theirs, "numpy-financial")
    ours = best(lambda: [irr(s) for s in conventional], repeat=2)
    theirs = best(lambda: [npf.irr(s) for s in conventional], repeat=2)
    line("irr, one sign change", ours, theirs, "numpy-financial")
    worst = max(abs(float(irr(s)) - npf.irr(s)) for s in conventional[:2000])
    print(f"  largest |crmcore irr − numpy-financial irr| on 2,000 series: {worst:.2e}")

    mixed = [[rng.randint(-1000, 1000) for _ in range(8)] for _ in range(SERIES)]
    ours = best(lambda: [_roots_or_none(s) for s in mixed], repeat=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = best(lambda: [npf.irr(s) for s in mixed], repeat=2)
        peer = [npf.irr(s) for s in mixed]
    line("all IRRs, random signs (8 periods)", ours, theirs, "numpy-financial")
    nan = wrong = several = 0
    for series, value in zip(mixed, peer, strict=True):
        roots = _roots_or_none(series) or ()
        several += len(roots) > 1
        if math.isnan(value):
            nan += bool(roots)
        elif not any(abs(float(r) - value) < 1e-6 * max(1.0, abs(value)) for r in roots):
            wrong += 1
    print(
        f"  numpy-financial on those {SERIES}: {several} series have several IRRs (it silently "
        f"picks one); nan where a rate exists: {nan}; value that is no root: {wrong}"
    )


def _roots_or_none(series: list[int]) -> tuple[Decimal, ...] | None:
    try:
        return irr_roots(series)
    except NoSolutionError:
        return None


def _plain_xirr(flows: list[tuple[date, float]], guess: float = 0.1) -> float:
    # the usual hand-rolled XIRR: Newton from a guess (fails silently on bad guesses)
    first = flows[0][0]
    times = [(d - first).days / 365.0 for d, _ in flows]
    amounts = [a for _, a in flows]
    rate = guess
    for _ in range(100):
        value = sum(a / (1 + rate) ** t for a, t in zip(amounts, times, strict=True))
        slope = sum(-t * a / (1 + rate) ** (t + 1) for a, t in zip(amounts, times, strict=True))
        step = value / slope
        rate -= step
        if abs(step) < 1e-12:
            break
    return rate


def dated_flows() -> None:
    rng = random.Random(7)
    series = []
    for _ in range(2_000):
        start = date(2020, 1, 1) + timedelta(days=rng.randint(0, 365))
        days = sorted(rng.sample(range(1, 1500), 8))
        flows = [(start, -rng.randint(5_000, 20_000))] + [
            (start + timedelta(days=d), rng.randint(500, 5_000)) for d in days
        ]
        if sum(a for _, a in flows) > 0:
            series.append(flows)
    floats = [[(d, float(a)) for d, a in s] for s in series]
    print(f"dated flows: {len(series)} series of 9 flows over ~4 years")
    ours = best(lambda: [xnpv("0.09", s) for s in series], repeat=2)
    theirs = best(
        lambda: [sum(a / 1.09 ** ((d - s[0][0]).days / 365) for d, a in s) for s in floats],
        repeat=2,
    )
    line("xnpv (exact Decimal vs float loop)", ours, theirs, "plain Python")
    ours = best(lambda: [xirr(s) for s in series], repeat=2)
    theirs = best(lambda: [_plain_xirr(s) for s in floats], repeat=2)
    line("xirr (all roots bracketed vs Newton)", ours, theirs, "plain Python")

    def brentq_xirr(flows: list[tuple[date, float]]) -> float:
        first = flows[0][0]
        try:
            return optimize.brentq(
                lambda r: sum(a / (1 + r) ** ((d - first).days / 365) for d, a in flows),
                -0.99,
                10,
            )
        except ValueError:  # no sign change over the fixed bracket
            return math.nan

    theirs = best(lambda: [brentq_xirr(s) for s in floats], repeat=2)
    line("xirr vs scipy brentq on (-0.99, 10)", ours, theirs, "scipy")
    missed = sum(math.isnan(brentq_xirr(s)) for s in floats)
    print(f"  scipy brentq on a fixed bracket found no root for {missed} of {len(floats)} series")
    worst = max(abs(float(xirr(s)) - _plain_xirr(f)) for s, f in zip(series, floats, strict=True))
    print(f"  largest |crmcore xirr − Newton xirr|: {worst:.2e}")


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    cash_flows()
    dated_flows()


if __name__ == "__main__":
    main()
