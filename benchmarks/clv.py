"""Benchmark the crmcore.clv model fits against the libraries a user would otherwise pick.

Run: ``python benchmarks/clv.py`` (from the repository root, with the test
extra installed). Everything is timed in this one process with timeit on the
same inputs; ratios are crmcore time / peer time (below 1 = crmcore faster).

1. BG/NBD and Gamma-Gamma fits on the CDNOW summary vs scipy.optimize
   (L-BFGS-B on a vectorised numpy likelihood, which is what ``lifetimes``
   does). ``lifetimes`` itself breaks on pandas 3: ``clv_lifetimes.py``
   runs it beside crmcore in a separate environment with pandas 1.5; when
   /tmp/lifetimes-venv exists this script runs it and prints its output.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import timeit
from pathlib import Path

import numpy as np
from scipy import optimize, special

from crmcore.clv import (
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    customer_lifetime_values,
)

SUMMARY = Path("/work/shared/data/cdnow/cdnow_customers_summary_with_transactions.csv")
# the separate environment of clv_lifetimes.py (override with $LIFETIMES_PYTHON)
LIFETIMES_PYTHON = Path(
    os.environ.get("LIFETIMES_PYTHON", "/tmp/lifetimes-venv/bin/python")  # noqa: S108  (a documented local venv, not a temp file)
)


def best(func, number: int = 1, repeat: int = 3) -> float:
    """Best wall time of ``func`` over ``repeat`` runs of ``number`` calls, per run."""
    return min(timeit.repeat(func, number=number, repeat=repeat)) / number


def line(label: str, ours: float, theirs: float, peer: str) -> None:
    print(
        f"  {label:<44} crmcore {ours * 1e3:9.2f} ms   {peer} {theirs * 1e3:9.2f} ms"
        f"   ratio {ours / theirs:6.2f}"
    )


def _load_summary() -> list[CustomerSummary]:
    with SUMMARY.open(encoding="utf-8") as handle:
        return [
            CustomerSummary(
                row["ID"],
                frequency=int(row["x"]),
                recency=float(row["t_x"]),
                age=float(row["T"]),
                monetary_value=row["zbar"],
            )
            for row in csv.DictReader(handle)
        ]


def _scipy_bgnbd(x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> tuple[np.ndarray, float]:
    def negative_ll(log_params: np.ndarray) -> float:
        r, alpha, a, b = np.exp(log_params)
        a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
        a2 = special.betaln(a, b + x) - special.betaln(a, b)
        a3 = -(r + x) * np.log(alpha + big_t)
        with np.errstate(divide="ignore", invalid="ignore"):
            a4 = np.where(
                x > 0,
                np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
                -np.inf,
            )
        return float(-np.sum(a1 + a2 + np.logaddexp(a3, a4)))

    result = optimize.minimize(negative_ll, np.zeros(4), method="L-BFGS-B")
    return np.exp(result.x), -float(result.fun)


def _scipy_gamma_gamma(x: np.ndarray, m: np.ndarray) -> np.ndarray:
    def negative_ll(log_params: np.ndarray) -> float:
        p, q, g = np.exp(log_params)
        return float(
            -np.sum(
                special.gammaln(p * x + q)
                - special.gammaln(p * x)
                - special.gammaln(q)
                + q * np.log(g)
                + (p * x - 1) * np.log(m)
                + p * x * np.log(x)
                - (p * x + q) * np.log(g + m * x)
            )
        )

    return np.exp(optimize.minimize(negative_ll, np.zeros(3), method="L-BFGS-B").x)


def clv_fits() -> None:
    if not SUMMARY.exists():
        print("CDNOW summary not found: skipping the CLV fits")
        return
    customers = _load_summary()
    x = np.array([c.frequency for c in customers], dtype=float)
    t_x = np.array([c.recency for c in customers])
    big_t = np.array([c.age for c in customers])
    print(f"BG/NBD on CDNOW ({len(customers)} customers, weeks)")
    python_time = best(lambda: BetaGeoModel.fit(customers, backend="python"), repeat=5)
    numpy_time = best(lambda: BetaGeoModel.fit(customers, backend="numpy"), repeat=5)
    scipy_time = best(lambda: _scipy_bgnbd(x, t_x, big_t), repeat=5)
    line("fit, pure Python", python_time, scipy_time, "scipy L-BFGS-B")
    line("fit, numpy backend", numpy_time, scipy_time, "scipy L-BFGS-B")
    fit = BetaGeoModel.fit(customers, backend="python")
    params, ll = _scipy_bgnbd(x, t_x, big_t)
    m = fit.model
    print(
        f"  crmcore r={m.r:.4f} alpha={m.alpha:.4f} a={m.a:.4f} b={m.b:.4f} "
        f"LL={fit.log_likelihood:.3f} ({fit.iterations} iterations, converged={fit.converged})"
    )
    print(
        f"  scipy   r={params[0]:.4f} alpha={params[1]:.4f} a={params[2]:.4f} b={params[3]:.4f} "
        f"LL={ll:.3f}"
    )
    print("  published (FHL 2005): r=0.243 alpha=4.414 a=0.793 b=2.426 LL=-9582.4")

    repeat = [c for c in customers if c.frequency > 0]
    xr = np.array([c.frequency for c in repeat], dtype=float)
    mr = np.array([float(c.monetary_value) for c in repeat])
    ours = best(lambda: GammaGammaModel.fit(customers), repeat=5)
    theirs = best(lambda: _scipy_gamma_gamma(xr, mr), repeat=5)
    line("Gamma-Gamma fit, pure Python", ours, theirs, "scipy L-BFGS-B")
    gg = GammaGammaModel.fit(customers).model
    p, q, g = _scipy_gamma_gamma(xr, mr)
    print(f"  crmcore p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.4f}")
    print(f"  scipy   p={p:.4f} q={q:.4f} gamma={g:.4f}   published: 6.25 3.74 15.44")


def clv_predictions() -> None:
    if not SUMMARY.exists():
        return
    customers = _load_summary() * 10
    model = BetaGeoModel(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)
    x = np.array([c.frequency for c in customers])
    t_x = np.array([c.recency for c in customers])
    big_t = np.array([c.age for c in customers])
    print(f"BG/NBD predictions over columns ({len(customers)} customers, t = 39 weeks)")
    scalar = best(lambda: [model.conditional_expected_transactions(c, 39.0) for c in customers])
    columns = best(
        lambda: model.conditional_expected_transactions_columns(
            39.0, x, t_x, big_t, backend="numpy"
        )
    )
    line("E[Y(t)], numpy columns vs scalar loop", columns, scalar, "scalar")
    scalar = best(lambda: [model.probability_alive(c) for c in customers])
    columns = best(lambda: model.probability_alive_columns(x, t_x, big_t, backend="numpy"))
    line("P(alive), numpy columns vs scalar loop", columns, scalar, "scalar")
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    options = {"horizon": 12, "step": 52 / 12, "discount_rate": "0.01", "currency": "USD"}
    columns = best(
        lambda: customer_lifetime_values(customers, model, spend, backend="numpy", **options)
    )
    scalar = best(
        lambda: customer_lifetime_values(customers, model, spend, backend="python", **options)
    )
    line("customer_lifetime_values, 12 steps, numpy", columns, scalar, "python")
    rows = {(c.frequency, c.recency, c.age) for c in customers}
    counts = best(
        lambda: BetaGeoModel.fit_counts(
            [k[0] for k in rows], [k[1] for k in rows], [k[2] for k in rows], [10] * len(rows)
        ),
        repeat=3,
    )
    whole = best(lambda: BetaGeoModel.fit(customers), repeat=3)
    line("fit_counts on unique triples vs fit", counts, whole, "fit")


def lifetimes_side_by_side() -> None:
    script = Path(__file__).with_name("clv_lifetimes.py")
    if not LIFETIMES_PYTHON.exists():
        print(f"lifetimes: {LIFETIMES_PYTHON} not found; see {script.name} to set it up")
        return
    print("lifetimes (separate environment, pandas 1.5, crmcore and lifetimes in one process):")
    result = subprocess.run(  # noqa: S603  (a fixed interpreter and script of this repository)
        [str(LIFETIMES_PYTHON), str(script)], capture_output=True, text=True, check=False
    )
    print(result.stdout.rstrip() or result.stderr.rstrip())


def main() -> None:
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}")
    clv_fits()
    clv_predictions()
    lifetimes_side_by_side()


if __name__ == "__main__":
    main()
