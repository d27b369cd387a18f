"""A small synthetic purchase history and its single-process CLV run (shared by the scale-out tests)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from crmcore.clv import BetaGeoModel
from crmcore.frames import fit_clv_frame, predict_clv_frame, summarize_frame

AS_OF = date(2026, 6, 30)


def transactions_table(customers: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for c in range(customers):
        day = date(2025, 7, 1) + timedelta(days=int(rng.integers(0, 200)))
        rate, churn = rng.gamma(0.8, 0.05), rng.beta(1, 4)
        while day <= AS_OF:
            rows.append((f"C{c:04d}", day, int(rng.integers(5, 500))))
            if rng.random() < churn:
                break
            day += timedelta(days=int(rng.exponential(1 / rate)) + 1)
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def single_process_run(transactions: pd.DataFrame) -> tuple[BetaGeoModel, pd.DataFrame]:
    summaries = summarize_frame(transactions, currency="USD", as_of=AS_OF, money="float")
    model = fit_clv_frame(summaries).model
    predicted = predict_clv_frame(summaries, model, horizon=12, step=52 / 12)
    return model, predicted.set_index(summaries["customer_id"]).sort_index()
