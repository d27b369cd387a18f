"""The whole-array horizon path of BG/NBD agrees with the one-customer path."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import BetaGeoModel, CustomerSummary
from crmcore.errors import ValidationError
from tests.clv.conftest import needs_cdnow
from tests.strategies.clv import customer_summaries

CDNOW_MODEL = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005, CDNOW


def _columns(customers: list[CustomerSummary]) -> tuple[list[int], list[float], list[float]]:
    return (
        [c.frequency for c in customers],
        [c.recency for c in customers],
        [c.age for c in customers],
    )


def _scalar_discounted(
    model: BetaGeoModel, c: CustomerSummary, horizon: int, step: float, d: float
) -> tuple[float, float]:
    """The loop of customer_lifetime_values, one customer at a time."""
    previous = discounted = 0.0
    for k in range(1, horizon + 1):
        current = model.conditional_expected_transactions(c, k * step)
        discounted += (current - previous) / (1.0 + d) ** k
        previous = current
    return previous, discounted


@settings(max_examples=40, deadline=None)
@given(
    st.lists(customer_summaries(), min_size=1, max_size=15),
    st.integers(0, 8),
    st.floats(0.1, 20.0),
    st.floats(0.0, 0.2),
    st.tuples(*[st.floats(0.05, 20.0) | st.sampled_from([0.5, 1.0])] * 4),
)
def test_discounted_columns_agree_with_the_scalar_loop(
    customers: list[CustomerSummary],
    horizon: int,
    step: float,
    d: float,
    params: tuple[float, float, float, float],
) -> None:
    model = BetaGeoModel(*params)
    total, discounted = model.discounted_expected_transactions_columns(
        *_columns(customers), horizon=horizon, step=step, discount_rate=d
    )
    for c, t, s in zip(customers, total.tolist(), discounted.tolist(), strict=True):
        exact_total, exact_discounted = _scalar_discounted(model, c, horizon, step, d)
        assert t == pytest.approx(exact_total, rel=1e-12, abs=1e-300)
        assert s == pytest.approx(exact_discounted, rel=1e-12, abs=1e-300)


@needs_cdnow
def test_grid_equals_the_columns_on_cdnow(cdnow_summary: list[CustomerSummary]) -> None:
    columns = [np.asarray(c, dtype=float) for c in _columns(cdnow_summary)]
    times = [1.0, 13.0, 39.0, 78.0]
    grid = CDNOW_MODEL.conditional_expected_transactions_grid(times, *columns)
    assert grid.shape == (4, len(cdnow_summary))
    for row, t in zip(grid, times, strict=True):
        exact = CDNOW_MODEL.conditional_expected_transactions_columns(t, *columns)  # type: ignore[arg-type]
        assert row.tolist() == pytest.approx(exact, rel=1e-12)


def test_limits_take_the_exact_path() -> None:
    # a = 1 and a + b + x = 1 are removable singularities: the columns path, number for number
    for params in [(0.243, 4.414, 1.0, 2.426), (0.5, 3.0, 0.4, 0.6)]:
        model = BetaGeoModel(*params)
        columns = ([0, 1, 7], [0.0, 3.0, 11.5], [12.0, 12.0, 12.0])
        grid = model.conditional_expected_transactions_grid([0.5, 52.0], *columns)
        assert grid[1].tolist() == model.conditional_expected_transactions_columns(52.0, *columns)


def test_bad_horizon_and_rate_are_refused() -> None:
    with pytest.raises(ValidationError, match="horizon"):
        CDNOW_MODEL.discounted_expected_transactions_columns([1], [0.5], [2.0], horizon=-1)
    with pytest.raises(ValidationError, match="discount_rate"):
        CDNOW_MODEL.discounted_expected_transactions_columns(
            [1],
            [0.5],
            [2.0],
            horizon=1,
            discount_rate="0.1",  # type: ignore[arg-type]
        )
    with pytest.raises(ValidationError, match=r"recency\[0\]"):
        CDNOW_MODEL.conditional_expected_transactions_grid([1.0], [1], [5.0], [2.0])
