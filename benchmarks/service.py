"""Benchmark crmcore.service against pyworkforce (Erlang C) and pandas (contact-centre metrics).

Run: ``python benchmarks/service.py`` (from the repository root, with the test
extra installed). One process, timeit, the same inputs for both sides.

Measured:

1. Erlang C staffing: ``required_agents`` vs pyworkforce
   ``ErlangC(...).required_positions`` on 300 scenarios (10-3,000 calls per
   30 minutes, AHT 2-10 minutes, 80 % in 20 s, 30 % shrinkage, max occupancy
   0.85); the answers are compared first (raw positions equal wherever
   pyworkforce's search does not start above the minimum).
2. Erlang C at high traffic: 20,000 calls per 30 minutes (AHT 3 min, 2,000 erlangs).
3. Contact-centre metrics over 1,000,000 interactions in 20 queues:
   ``contact_centre_columns(backend="numpy")`` vs the same aggregation in pandas
   (groupby: offered, answered, answered within 20 s, abandoned, mean and
   90th-percentile wait, mean handle time, transfers). Figures are compared.

Ratios are peer time / crmcore time (above 1 = crmcore faster).
"""

from __future__ import annotations

import math
import random
import timeit
from datetime import timedelta
from typing import Any

import numpy as np
import pandas as pd
from pyworkforce.queuing import ErlangC

from crmcore.service import contact_centre_columns, required_agents


def best(fn: Any, repeat: int = 3) -> float:
    """Best-of-``repeat`` seconds for one call of ``fn``."""
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def erlang(scenarios: list[tuple[float, float]]) -> None:
    half_hour = timedelta(minutes=30)

    def ours() -> list[tuple[int, int]]:
        result = []
        for calls, aht in scenarios:
            s = required_agents(calls, interval=half_hour, aht=timedelta(minutes=aht),
                                shrinkage=0.3, max_occupancy=0.85)  # fmt: skip
            result.append((s.agents, s.scheduled))
        return result

    def peer() -> list[tuple[int, int]]:
        result = []
        for calls, aht in scenarios:
            r = ErlangC(transactions=calls, aht=aht, asa=20 / 60, interval=30, shrinkage=0.3)
            got = r.required_positions(service_level=0.8, max_occupancy=0.85)
            result.append((got["raw_positions"], got["positions"]))
        return result

    a, b = ours(), peer()
    same = sum(x[0] == y[0] for x, y in zip(a, b, strict=True))
    both = sum(x == y for x, y in zip(a, b, strict=True))
    t_ours, t_peer = best(ours), best(peer)
    print(f"  agents equal on {same}/{len(a)}, agents and head count on {both}/{len(a)}")
    print(
        "  (the rest: pyworkforce rounds ⌈A / occupancy⌉ and ⌈N / (1 − s)⌉ in floats, one too many)"
    )
    print(f"  crmcore {t_ours * 1e6 / len(a):8.1f} µs/scenario   pyworkforce "
          f"{t_peer * 1e6 / len(a):8.1f} µs/scenario   ratio {t_peer / t_ours:5.1f}x")  # fmt: skip


def contact_centre(n: int) -> None:
    rng = np.random.default_rng(11)
    groups = rng.integers(0, 20, n)
    answered = rng.random(n) < 0.85
    wait = np.round(rng.exponential(25.0, n))
    handle = np.where(answered, rng.exponential(300.0, n), np.nan)
    transferred = answered & (rng.random(n) < 0.08)
    columns = {"group": groups, "answered": answered, "abandoned": ~answered, "wait": wait,
               "handle": handle, "transferred": transferred}  # fmt: skip
    frame = pd.DataFrame(columns)

    def ours() -> Any:
        return contact_centre_columns(columns, backend="numpy")

    def peer(frame: pd.DataFrame = frame) -> Any:
        within = frame["answered"] & (frame["wait"] <= 20)
        df = frame.assign(
            within=within,
            answered_wait=frame["wait"].where(frame["answered"]),
            answered_transfer=frame["transferred"] & frame["answered"],
        )
        g = df.groupby("group")
        return pd.DataFrame({
            "offered": g.size(), "answered": g["answered"].sum(), "within": g["within"].sum(),
            "abandoned": g["abandoned"].sum(), "asa": g["answered_wait"].mean(),
            "p90": g["answered_wait"].quantile(0.9), "aht": g["handle"].mean(),
            "transfers": g["answered_transfer"].sum(),
        })  # fmt: skip

    result, table = ours(), peer()
    for m in result:
        row = table.loc[int(m.group)]
        assert m.offered == row["offered"]
        assert m.answered == row["answered"]
        assert math.isclose(m.asa, row["asa"], rel_tol=1e-9)
        assert math.isclose(m.asa_percentile, row["p90"], rel_tol=1e-9)
        assert math.isclose(m.aht, row["aht"], rel_tol=1e-9)
        assert math.isclose(m.service_level, row["within"] / row["offered"], rel_tol=1e-12)
    t_ours, t_peer = best(ours), best(peer)
    print(f"  {n:,} interactions, 20 queues: figures equal")
    print(f"  crmcore numpy {t_ours * 1e3:7.1f} ms   pandas {t_peer * 1e3:7.1f} ms   "
          f"ratio {t_peer / t_ours:4.2f}x (above 1 = crmcore faster)")  # fmt: skip
    labels = np.array([f"queue-{g:02d}" for g in range(20)])[groups]
    text_columns = {**columns, "group": labels}
    text_frame = frame.assign(group=labels)
    t_text = best(lambda: contact_centre_columns(text_columns, backend="numpy"))
    t_text_peer = best(lambda: peer(text_frame))
    print(f"  with text queue labels: crmcore {t_text * 1e3:7.1f} ms   pandas {t_text_peer * 1e3:7.1f} ms   "
          f"ratio {t_text_peer / t_text:4.2f}x")  # fmt: skip


def main() -> None:
    rng = random.Random(5)
    scenarios = [
        (float(rng.randint(10, 3000)), rng.choice([2.0, 3.0, 4.5, 6.0, 10.0])) for _ in range(300)
    ]
    print("Erlang C staffing, 300 scenarios:")
    erlang(scenarios)
    print("Erlang C at 2,000 erlangs (20,000 calls / 30 min, AHT 3 min):")
    erlang([(20_000.0, 3.0)])
    print("Contact-centre metrics:")
    contact_centre(1_000_000)


if __name__ == "__main__":
    main()
