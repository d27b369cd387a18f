"""crmcore.frames CLV adapters equal the record-based crmcore.clv API on the same data."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    ParetoNbdModel,
    Purchase,
    customer_lifetime_values,
    rfm_segments,
    summarize_transactions,
)
from crmcore.errors import ValidationError
from crmcore.frames import (
    count_frame,
    customers_of,
    fit_clv_frame,
    predict_clv_frame,
    purchases_of,
    rfm_frame,
    summarize_frame,
)
from crmcore.money import Money
from tests.clv.conftest import load_summary, needs_cdnow

START = date(2025, 3, 21)  # 1 Farvardin 1404


@st.composite
def transaction_frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    rows = [
        (
            draw(st.sampled_from(["a", "b", "c", "d", "e"])),
            START + timedelta(days=draw(st.integers(0, 200))),
            draw(st.integers(1, 10**6)),
        )
        for _ in range(n)
    ]
    ids, days, amounts = zip(*rows, strict=True)
    cells = draw(st.sampled_from(["int", "numpy", "float", "text"]))
    values: list[object] = list(amounts)
    if cells == "numpy":
        values = [np.int64(v) for v in amounts]
    elif cells == "float":
        values = [v / 100 for v in amounts]
    elif cells == "text":
        values = [str(v) for v in amounts]
    as_timestamps = draw(st.booleans())
    return pd.DataFrame(
        {
            "customer_id": list(ids),
            "date": pd.to_datetime(list(days)) if as_timestamps else list(days),
            "amount": values,
        }
    )


def _purchases(frame: pd.DataFrame) -> list[Purchase]:
    """Hand-built records: exact amounts from the cells' text."""
    return [
        Purchase(row.customer_id, pd.Timestamp(row.date).date(), Money(str(row.amount), "IRR"))
        for row in frame.itertuples()
    ]


@settings(max_examples=40, deadline=None)
@given(frame=transaction_frames(), unit=st.sampled_from(["day", "week"]))
def test_summarize_frame_equals_summarize_transactions(frame: pd.DataFrame, unit: str) -> None:
    expected = summarize_transactions(_purchases(frame), unit=unit)
    result = summarize_frame(frame, currency="IRR", unit=unit)
    assert customers_of(result) == list(expected)
    assert result["recency"].dtype == "float64"
    assert result["customer_id"].dtype == "string"
    floats = summarize_frame(frame, currency="IRR", unit=unit, money="float")
    assert floats["monetary_value"].tolist() == [float(s.monetary_value) for s in expected]
    rfm = rfm_frame(frame, currency="IRR")
    segments = rfm_segments(_purchases(frame))
    assert rfm["code"].tolist() == [s.code for s in segments]
    assert rfm["segment"].tolist() == [s.segment.value for s in segments]


def test_purchases_of_reads_a_currency_column_and_refuses_missing_amounts() -> None:
    frame = pd.DataFrame(
        {"customer_id": ["a"], "date": ["2026-01-02"], "amount": [12.5], "currency": ["USD"]}
    )
    assert purchases_of(frame) == [Purchase("a", date(2026, 1, 2), Money("12.5", "USD"))]
    with pytest.raises(ValidationError, match=r"amount\[0\]"):
        purchases_of(frame.assign(amount=[np.nan]))
    with pytest.raises(ValidationError, match="currency"):
        purchases_of(frame.drop(columns="currency"))


def _summaries(seed: int, n: int) -> list[CustomerSummary]:
    """Customers simulated from BG/NBD (CDNOW-like parameters) over up to 60 weeks."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        age = float(rng.integers(1, 60))
        rate, churn = rng.gamma(0.25, 1 / 4.4), rng.beta(0.8, 2.4)
        t, times = 0.0, []
        while True:
            t += rng.exponential(1 / rate)
            if t > age:
                break
            times.append(round(t, 2))
            if rng.random() < churn:
                break
        x = len(times)
        spend = "0" if x == 0 else str(rng.integers(100, 5000) / 100)
        t_x = times[-1] if times else 0.0
        out.append(
            CustomerSummary(f"C{i:03d}", frequency=x, recency=t_x, age=age, monetary_value=spend)
        )
    return out


def _frame(customers: list[CustomerSummary]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [c.customer_id for c in customers],
            "frequency": [c.frequency for c in customers],
            "recency": [c.recency for c in customers],
            "age": [c.age for c in customers],
            "monetary_value": [c.monetary_value for c in customers],
        }
    )


def test_counts_and_fit_equal_the_record_fit() -> None:
    customers = _summaries(3, 400)
    frame = _frame(customers)
    counts = count_frame(frame)
    assert counts["count"].sum() == 400
    assert len(counts) == len({(c.frequency, c.recency, c.age) for c in customers})
    # counts of two halves, combined, are the counts of the whole
    halves = pd.concat([count_frame(frame.iloc[:150]), count_frame(frame.iloc[150:])])
    pd.testing.assert_frame_equal(count_frame(halves, weight="count"), counts)
    fit = fit_clv_frame(frame)
    assert fit.model == BetaGeoModel.fit(customers).model
    assert fit_clv_frame(counts).model == fit.model


@needs_cdnow
def test_fit_clv_frame_reproduces_cdnow() -> None:
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426 (weeks)
    fit = fit_clv_frame(_frame(load_summary()))
    m = fit.model
    assert (round(m.r, 3), round(m.alpha, 3), round(m.a, 3), round(m.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_predict_clv_frame_equals_customer_lifetime_values(backend: str) -> None:
    customers = _summaries(5, 150)
    bg = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    gg = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    options = {"horizon": 12, "step": 52 / 12, "discount_rate": "0.01", "margin": "0.3"}
    expected = {
        v.customer_id: v
        for v in customer_lifetime_values(
            customers, bg, gg, currency="USD", backend=backend, **options
        )  # type: ignore[arg-type]
    }
    frame = _frame(customers).sample(frac=1.0, random_state=1)  # any row order
    result = predict_clv_frame(frame, bg, gg, currency="USD", backend=backend, **options)  # type: ignore[arg-type]
    for cid, row in zip(frame["customer_id"], result.itertuples(), strict=True):
        value = expected[cid]
        if backend == "python":  # the one-customer path, number for number
            assert row.probability_alive == value.probability_alive
            assert row.expected_transactions == value.expected_transactions
            assert row.clv == value.clv.amount
        else:  # whole arrays: within 1e-12 relative (the engine's batch-path promise)
            assert row.probability_alive == pytest.approx(value.probability_alive, rel=1e-12)
            assert row.expected_transactions == pytest.approx(
                value.expected_transactions, rel=1e-12
            )
            assert abs(row.clv - value.clv.amount) <= Decimal("0.01")
        assert row.expected_spend == value.expected_spend
    floats = predict_clv_frame(frame, bg, gg, currency="USD", money="float", **options)  # type: ignore[arg-type]
    assert floats["clv"].dtype == "float64"
    assert floats["clv"].to_numpy() == pytest.approx(
        [float(expected[c].clv.amount) for c in frame["customer_id"]], abs=0.006
    )


def test_predict_clv_frame_pareto_equals_the_scalar_model() -> None:
    customers = _summaries(9, 30)
    pareto = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    result = predict_clv_frame(_frame(customers), pareto, horizon=3, step=13.0)
    assert result["probability_alive"].tolist() == [pareto.probability_alive(c) for c in customers]
    assert result["expected_transactions"].tolist() == [
        pareto.conditional_expected_transactions(c, 39.0) for c in customers
    ]


def test_predict_clv_frame_needs_a_currency_for_values() -> None:
    frame = _frame(_summaries(1, 3))
    bg = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    with pytest.raises(ValidationError, match="currency"):
        predict_clv_frame(frame, bg, GammaGammaModel(p=6.25, q=3.74, gamma=15.44), horizon=1)
    with pytest.raises(ValidationError, match="horizon"):
        predict_clv_frame(frame, bg, horizon=0)
    assert predict_clv_frame(frame, bg, horizon=1)["expected_transactions"].dtype == "float64"


def test_monetary_value_is_exact_by_default() -> None:
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "date": ["2026-01-01", "2026-01-08"],
            "amount": ["0.10", "0.20"],
        }
    )
    assert summarize_frame(frame, currency="USD")["monetary_value"].tolist() == [Decimal("0.20")]
