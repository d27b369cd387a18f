"""Benchmark crmcore.sales forecast and funnel on 1,000,000 opportunities beside pandas.

Run: ``python benchmarks/sales.py [N]`` (from the repository root, with the
test extra installed). One process, the same records for every path:
100,000 distinct opportunities (50 owners, close dates over two years, 20 %
won, 15 % lost, amounts in IRR) repeated to N (default 1,000,000) items.

Measured (best of 3, CPU seconds of this process: the 2-core machine is
shared, so wall time mostly measures the neighbours; wall is printed too):

1. forecast, per record: ``forecast(opps, unit="jalali_month", by="owner")``;
2. forecast, columnar: ``forecast_columns`` (numpy and pure Python) on
   :class:`ForecastColumns` (period label, owner, category, integer rials,
   probability), beside the same aggregation in pandas:
   ``df.groupby(["period", "group", "category"])`` summing amount,
   amount × probability and counting, on a DataFrame of the same columns;
3. funnel, per record: ``funnel(opps, as_of=...)`` beside pandas
   ``groupby(["stage", "status"])`` counts and sums (a small part of what the
   funnel computes: a floor for pandas, not the same work).

Ratios are crmcore time / pandas time (below 2 meets the columnar goal).
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import attrs
import numpy as np
import pandas as pd

from crmcore.models import Opportunity, OpportunityId, SalesStage, UserId
from crmcore.money import Money
from crmcore.sales import forecast, forecast_columns, funnel, opportunity_columns

DISTINCT = 100_000
AS_OF = date(2027, 1, 1)


def build(n: int) -> list[Opportunity]:
    """``n`` opportunities: DISTINCT distinct records, repeated."""
    rng = random.Random(42)
    owners = [UserId(f"rep{i:02d}") for i in range(50)]
    stages = list(SalesStage)
    base = []
    for i in range(min(n, DISTINCT)):
        opp = Opportunity(
            id=OpportunityId(f"o{i}"),
            name="deal",
            owner=rng.choice(owners),
            stage=rng.choice(stages),
            estimated_revenue=Money(rng.randrange(1, 10**6) * 1000, "IRR"),
            estimated_close_date=date(2026, 1, 1) + timedelta(days=rng.randrange(730)),
            probability=rng.randrange(101),
            created_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365)),
        )
        roll = rng.random()
        if roll < 0.2:
            close = opp.estimated_close_date or date(2026, 1, 1)
            opp = opp.win(Money(rng.randrange(1, 10**6) * 1000, "IRR"), close).opportunity
        elif roll < 0.35:
            close = opp.estimated_close_date or date(2026, 1, 1)
            opp = opp.lose(close, competitor=rng.choice(["Rival", "Other", None]))
        base.append(opp)
    return (base * (n // len(base) + 1))[:n]


def best(fn: Callable[[], object], repeat: int = 3) -> tuple[float, float]:
    """Best-of-``repeat`` (CPU seconds, wall seconds) of one call."""
    cpu, wall = [], []
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return min(cpu), min(wall)


def pandas_forecast(df: pd.DataFrame) -> pd.DataFrame:
    """The columnar forecast's aggregation in pandas."""
    df = df.assign(weighted=df["amount"] * df["probability"])
    return df.groupby(["period", "group", "category"], sort=False, observed=True).agg(
        count=("amount", "size"), amount=("amount", "sum"), weighted=("weighted", "sum")
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    opps = build(n)
    print(f"{n:,} opportunities ({min(n, DISTINCT):,} distinct)")
    lines = []

    cpu, wall = best(lambda: forecast(opps, as_of=AS_OF, unit="jalali_month"))
    lines.append(("forecast, per record", cpu, wall, None))
    c0 = time.process_time()
    records = opportunity_columns(opps, currency="IRR", unit="jalali_month")
    # Numbers as arrays, labels as lists: what a partition of a DataFrame or Arrow table gives.
    cols = attrs.evolve(
        records,
        amounts=np.asarray(records.amounts, dtype=np.int64),
        probabilities=np.asarray(records.probabilities, dtype=np.int64),
    )
    to_columns = time.process_time() - c0
    df = pd.DataFrame(
        {
            "period": cols.periods,
            "group": cols.groups,
            "category": cols.categories,
            "amount": cols.amounts,
            "probability": cols.probabilities,
        }
    )
    pd_cpu, pd_wall = best(lambda: pandas_forecast(df))
    lines.append(("forecast, pandas groupby", pd_cpu, pd_wall, None))
    cpu, wall = best(lambda: forecast_columns(cols, backend="numpy"))
    lines.append(("forecast_columns (numpy)", cpu, wall, cpu / pd_cpu))
    cpu, wall = best(lambda: forecast_columns(records, backend="python"))
    lines.append(("forecast_columns (python, lists)", cpu, wall, cpu / pd_cpu))
    check = forecast_columns(cols, backend="numpy").cells
    expected = pandas_forecast(df)["amount"].sum()
    assert sum(int(c.open.amount + c.won.amount + c.lost.amount) for c in check) == expected

    cpu, wall = best(lambda: funnel(opps, as_of=AS_OF), repeat=2)
    lines.append(("funnel, per record", cpu, wall, None))
    frame = pd.DataFrame(
        {
            "stage": [o.stage.value for o in opps],
            "status": [o.status.value for o in opps],
            "amount": cols.amounts,
        }
    )
    f_cpu, f_wall = best(
        lambda: frame.groupby(["stage", "status"], sort=False)["amount"].agg(["size", "sum"])
    )
    lines.append(("funnel floor, pandas groupby", f_cpu, f_wall, None))

    print(f"(building the columns from records took {to_columns:.2f} s CPU, not timed below)")
    print(f"{'path':34} {'CPU s':>8} {'wall s':>8} {'opps/s (CPU)':>14} {'÷ pandas':>9}")
    for name, cpu, wall, ratio in lines:
        rate = f"{n / cpu:,.0f}"
        shown = f"{ratio:.2f}" if ratio is not None else ""
        print(f"{name:34} {cpu:8.3f} {wall:8.3f} {rate:>14} {shown:>9}")


if __name__ == "__main__":
    main()
