"""crmcore's BG/NBD and Gamma-Gamma fits beside ``lifetimes``, in one process.

``lifetimes`` 0.11.3 (unmaintained) runs in its own environment (it ran on
pandas 3.1 and numpy 2.4 on 2026-11-30; pin ``"pandas<2" "numpy<1.27"
"scipy<1.12"`` if a later release breaks it)::

    python3 -m venv /tmp/lifetimes-venv
    /tmp/lifetimes-venv/bin/pip install lifetimes==0.11.3 \
        attrs cattrs babel jdatetime holidays python-dateutil
    /tmp/lifetimes-venv/bin/python benchmarks/clv_lifetimes.py
    PYTHONPATH=src /tmp/lifetimes-venv/bin/python benchmarks/frames.py --only clv

crmcore is imported from ``src/`` of this checkout.
"""

from __future__ import annotations

import csv
import sys
import timeit
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter, ParetoNBDFitter

from crmcore.clv import BetaGeoModel, CustomerSummary, GammaGammaModel, ParetoNbdModel

SUMMARY = Path("/work/shared/data/cdnow/cdnow_customers_summary_with_transactions.csv")


def best(func, repeat: int = 5) -> float:
    return min(timeit.repeat(func, number=1, repeat=repeat))


def main() -> None:
    warnings.simplefilter("ignore")
    frame = pd.read_csv(SUMMARY)
    with SUMMARY.open(encoding="utf-8") as handle:
        customers = [
            CustomerSummary(
                row["ID"],
                frequency=int(row["x"]),
                recency=float(row["t_x"]),
                age=float(row["T"]),
                monetary_value=row["zbar"],
            )
            for row in csv.DictReader(handle)
        ]

    def lifetimes_bg() -> BetaGeoFitter:
        return BetaGeoFitter().fit(frame["x"], frame["t_x"], frame["T"])

    ours = best(lambda: BetaGeoModel.fit(customers, backend="python"))
    ours_np = best(lambda: BetaGeoModel.fit(customers, backend="numpy"))
    theirs = best(lifetimes_bg)
    print(
        f"  BG/NBD fit: crmcore (pure Python) {ours * 1e3:.1f} ms, crmcore (numpy) "
        f"{ours_np * 1e3:.1f} ms, lifetimes {theirs * 1e3:.1f} ms; "
        f"ratios {ours / theirs:.2f} and {ours_np / theirs:.2f}"
    )
    fit = BetaGeoModel.fit(customers, backend="python")
    bg = lifetimes_bg()
    p = bg.params_
    model = BetaGeoModel(r=p["r"], alpha=p["alpha"], a=p["a"], b=p["b"])
    print(
        f"    crmcore   r={fit.model.r:.4f} alpha={fit.model.alpha:.4f} a={fit.model.a:.4f} "
        f"b={fit.model.b:.4f} LL={fit.log_likelihood:.3f}"
    )
    print(
        f"    lifetimes r={p['r']:.4f} alpha={p['alpha']:.4f} a={p['a']:.4f} b={p['b']:.4f} "
        f"LL={model.log_likelihood(customers):.3f} (ours at its parameters; it reports "
        f"{-bg._negative_log_likelihood_:.4f}, a per-customer mean on rescaled time)"
    )

    repeat = frame[frame["x"] > 0]

    def lifetimes_gg() -> GammaGammaFitter:
        return GammaGammaFitter().fit(repeat["x"], repeat["zbar"])

    ours = best(lambda: GammaGammaModel.fit(customers))
    theirs = best(lifetimes_gg)
    print(
        f"  Gamma-Gamma fit: crmcore {ours * 1e3:.1f} ms, lifetimes {theirs * 1e3:.1f} ms; "
        f"ratio {ours / theirs:.2f}"
    )
    gg = GammaGammaModel.fit(customers).model
    q = lifetimes_gg().params_
    print(f"    crmcore   p={gg.p:.4f} q={gg.q:.4f} gamma={gg.gamma:.4f}")
    print(f"    lifetimes p={q['p']:.4f} q={q['q']:.4f} gamma={q['v']:.4f}")

    def lifetimes_pareto() -> ParetoNBDFitter:
        return ParetoNBDFitter().fit(frame["x"], frame["t_x"], frame["T"])

    ours = best(lambda: ParetoNbdModel.fit(customers, backend="python"), repeat=2)
    ours_np = best(lambda: ParetoNbdModel.fit(customers, backend="numpy"), repeat=2)
    theirs = best(lifetimes_pareto, repeat=2)
    print(
        f"  Pareto/NBD fit: crmcore (pure Python) {ours * 1e3:.0f} ms, crmcore (numpy) "
        f"{ours_np * 1e3:.0f} ms, lifetimes {theirs * 1e3:.0f} ms; "
        f"ratios {ours / theirs:.2f} and {ours_np / theirs:.2f}"
    )
    pareto = ParetoNbdModel.fit(customers, backend="numpy")
    lp = lifetimes_pareto().params_
    print(
        f"    crmcore   r={pareto.model.r:.4f} alpha={pareto.model.alpha:.4f} "
        f"s={pareto.model.s:.4f} beta={pareto.model.beta:.4f} LL={pareto.log_likelihood:.3f}"
    )
    their_model = ParetoNbdModel(r=lp["r"], alpha=lp["alpha"], s=lp["s"], beta=lp["beta"])
    print(
        f"    lifetimes r={lp['r']:.4f} alpha={lp['alpha']:.4f} s={lp['s']:.4f} "
        f"beta={lp['beta']:.4f} LL={their_model.log_likelihood(customers):.3f} (ours at its parameters)"
    )
    heavy = pd.DataFrame({"x": [500], "t_x": [51.5], "T": [52.0]})
    fitted = lifetimes_pareto()
    try:
        value = fitted.conditional_probability_alive(heavy["x"], heavy["t_x"], heavy["T"])
        text = f"{float(value[0]):.4f}"
    except (OverflowError, FloatingPointError, ValueError) as err:
        text = f"{type(err).__name__}"
    vip = CustomerSummary("vip", frequency=500, recency=51.5, age=52.0)
    print(
        f"    P(alive) of a customer with 500 purchases: crmcore "
        f"{pareto.model.probability_alive(vip):.4f}, lifetimes {text}"
    )


if __name__ == "__main__":
    main()
