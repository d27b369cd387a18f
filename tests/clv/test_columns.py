"""The batch path of BG/NBD: fits from weighted (x, t_x, T) counts, predictions over columns."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    ParetoNbdModel,
    customer_lifetime_values,
)
from crmcore.errors import ValidationError
from tests.clv.conftest import needs_cdnow
from tests.strategies.clv import customer_summaries

CDNOW_MODEL = BetaGeoModel(r=0.2426, alpha=4.4135, a=0.7929, b=2.4258)


def counts_of(
    customers: list[CustomerSummary],
) -> tuple[list[int], list[float], list[float], list[int]]:
    """What a distributed GROUP BY x, t_x, T with COUNT(*) hands over."""
    groups = Counter((c.frequency, c.recency, c.age) for c in customers)
    keys = list(groups)
    return (
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [groups[k] for k in keys],
    )


@needs_cdnow
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_fit_counts_reproduces_the_published_cdnow_estimates(
    cdnow_summary: list[CustomerSummary], backend: str
) -> None:
    x, t_x, age, weight = counts_of(cdnow_summary)
    assert len(x) < len(cdnow_summary)  # the group-by does shrink the data
    fit = BetaGeoModel.fit_counts(
        np.array(x),
        np.array(t_x),
        np.array(age),
        np.array(weight),
        backend=backend,  # type: ignore[arg-type]
    )
    m = fit.model
    # Fader, Hardie & Lee (2005) on the 2,357 CDNOW customers, in weeks (lifetimes' docs give
    # the same to 4 places): r = 0.2426, alpha = 4.4135, a = 0.7929, b = 2.4258, LL −9582.4
    assert (round(m.r, 4), round(m.alpha, 4), round(m.a, 4), round(m.b, 4)) == (
        0.2426,
        4.4135,
        0.7929,
        2.4258,
    )
    assert round(fit.log_likelihood, 1) == -9582.4
    assert fit.n_customers == 2357
    assert fit.n_unique == len(x)
    assert fit.backend == backend


@needs_cdnow
def test_fit_counts_is_the_fit_of_the_customers(cdnow_summary: list[CustomerSummary]) -> None:
    x, t_x, age, weight = counts_of(cdnow_summary)
    # repeated rows add up and zero weights drop out: the same sufficient data
    # (the first five rows lend one customer each to a repeated row; one extra row weighs 0)
    x, t_x, age = x + x[:5] + [3], t_x + t_x[:5] + [1.0], age + age[:5] + [2.0]
    weight = [w - 1 if i < 5 else w for i, w in enumerate(weight)] + [1] * 5 + [0]
    by_counts = BetaGeoModel.fit_counts(x, t_x, age, weight, backend="python")
    by_customers = BetaGeoModel.fit(cdnow_summary, backend="python")
    assert by_counts == by_customers


def test_fit_counts_refuses_bad_columns() -> None:
    with pytest.raises(ValidationError, match="one length"):
        BetaGeoModel.fit_counts([1, 2], [0.5], [3.0, 3.0], [1, 1])
    with pytest.raises(ValidationError, match=r"frequency\[1\]"):
        BetaGeoModel.fit_counts([1, 1.5], [0.5, 0.5], [3.0, 3.0], [1, 1])
    with pytest.raises(ValidationError, match=r"recency\[0\]"):
        BetaGeoModel.fit_counts([1], [4.0], [3.0], [1])  # t_x > T
    with pytest.raises(ValidationError, match=r"recency\[0\]"):
        BetaGeoModel.fit_counts([0], [1.0], [3.0], [1])  # no repeat purchase, yet a recency
    with pytest.raises(ValidationError, match=r"weight\[0\]"):
        BetaGeoModel.fit_counts([1], [1.0], [3.0], [-2])
    with pytest.raises(ValidationError, match=r"age\[0\]"):
        BetaGeoModel.fit_counts([0], [0.0], [float("nan")], [1])
    with pytest.raises(ValidationError, match="weight"):
        BetaGeoModel.fit_counts([0], [0.0], [3.0], [0])


def _columns(customers: list[CustomerSummary]) -> tuple[list[int], list[float], list[float]]:
    return (
        [c.frequency for c in customers],
        [c.recency for c in customers],
        [c.age for c in customers],
    )


def _close(batch: list[float], scalar: list[float]) -> None:
    assert len(batch) == len(scalar)
    for b, s in zip(batch, scalar, strict=True):
        assert b == pytest.approx(s, rel=1e-12, abs=1e-300)


@needs_cdnow
@pytest.mark.parametrize("t", [1.0, 39.0, 78.0])
def test_columns_equal_the_scalar_path_on_cdnow(
    cdnow_summary: list[CustomerSummary], t: float
) -> None:
    columns = _columns(cdnow_summary)
    alive = [CDNOW_MODEL.probability_alive(c) for c in cdnow_summary]
    expected = [CDNOW_MODEL.conditional_expected_transactions(c, t) for c in cdnow_summary]
    # the python backend is the scalar path, number for number
    assert CDNOW_MODEL.probability_alive_columns(*columns, backend="python") == alive
    assert (
        CDNOW_MODEL.conditional_expected_transactions_columns(t, *columns, backend="python")
        == expected
    )
    arrays = [np.asarray(c) for c in columns]
    _close(CDNOW_MODEL.probability_alive_columns(*arrays, backend="numpy"), alive)  # type: ignore[arg-type]
    # the series are summed term for term as the scalar path does: identical numbers
    assert (
        CDNOW_MODEL.conditional_expected_transactions_columns(t, *arrays, backend="numpy")  # type: ignore[arg-type]
        == expected
    )


@settings(max_examples=40, deadline=None)
@given(
    st.lists(customer_summaries(), min_size=1, max_size=20),
    st.floats(0.0, 200.0),
    st.tuples(*[st.floats(0.05, 20.0) | st.sampled_from([0.5, 1.0])] * 4),
)
def test_numpy_columns_equal_the_scalar_path(
    customers: list[CustomerSummary], t: float, params: tuple[float, float, float, float]
) -> None:
    model = BetaGeoModel(*params)
    columns = _columns(customers)
    _close(
        model.probability_alive_columns(*columns, backend="numpy"),
        [model.probability_alive(c) for c in customers],
    )
    # E[Y(t)]: the series are summed term for term as the scalar path does, so the numbers
    # are identical even where the formula cancels (a close to 1)
    assert model.conditional_expected_transactions_columns(t, *columns, backend="numpy") == [
        model.conditional_expected_transactions(c, t) for c in customers
    ]


@pytest.mark.parametrize(
    "params", [(0.243, 4.414, 1.0, 2.426), (0.5, 3.0, 0.4, 0.6), (0.5, 3.0, 0.3, 0.2)]
)
def test_columns_at_the_limits_equal_the_scalar_path(
    params: tuple[float, float, float, float],
) -> None:
    # a = 1; a + b = 1 (c = 0 for x = 0); a + b < 1 (c < 0 for x = 0)
    model = BetaGeoModel(*params)
    customers = [
        CustomerSummary("0", frequency=0, recency=0.0, age=12.0),
        CustomerSummary("1", frequency=1, recency=3.0, age=12.0),
        CustomerSummary("2", frequency=7, recency=11.5, age=12.0),
    ]
    for t in (0.001, 1.0, 52.0):
        assert model.conditional_expected_transactions_columns(
            t, *_columns(customers), backend="numpy"
        ) == [model.conditional_expected_transactions(c, t) for c in customers]


def test_columns_refuse_bad_input() -> None:
    with pytest.raises(ValidationError, match="one length"):
        CDNOW_MODEL.probability_alive_columns([1], [0.5, 1.0], [2.0])
    with pytest.raises(ValidationError, match=r"recency\[0\]"):
        CDNOW_MODEL.probability_alive_columns([1], [5.0], [2.0])
    with pytest.raises(ValidationError, match=r"frequency\[0\]"):
        CDNOW_MODEL.conditional_expected_transactions_columns(1.0, [-1], [0.0], [2.0])
    with pytest.raises(ValidationError, match="backend"):
        CDNOW_MODEL.probability_alive_columns([1], [0.5], [2.0], backend="gpu")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"BetaGeoModel\.t"):
        CDNOW_MODEL.conditional_expected_transactions_columns(-1.0, [1], [0.5], [2.0])


@needs_cdnow
def test_pareto_fit_counts_is_the_fit_of_the_customers(
    cdnow_summary: list[CustomerSummary],
) -> None:
    by_counts = ParetoNbdModel.fit_counts(*counts_of(cdnow_summary), backend="numpy")
    # FHL 2005, table 1: Pareto/NBD on CDNOW, log-likelihood −9595.0
    assert round(by_counts.log_likelihood, 1) == -9595.0
    assert by_counts == ParetoNbdModel.fit(cdnow_summary, backend="numpy")


@needs_cdnow
def test_customer_lifetime_values_by_columns_equal_the_scalar_path(
    cdnow_summary: list[CustomerSummary],
) -> None:
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)  # Fader & Hardie (2013), CDNOW
    options = {"horizon": 12, "step": 52 / 12, "discount_rate": "0.01", "currency": "USD"}
    by_rows = customer_lifetime_values(
        cdnow_summary, CDNOW_MODEL, spend, backend="python", **options
    )
    by_columns = customer_lifetime_values(
        cdnow_summary, CDNOW_MODEL, spend, backend="numpy", **options
    )
    assert [(v.customer_id, v.clv, v.expected_transactions) for v in by_columns] == [
        (v.customer_id, v.clv, v.expected_transactions) for v in by_rows
    ]
    _close([v.probability_alive for v in by_columns], [v.probability_alive for v in by_rows])
