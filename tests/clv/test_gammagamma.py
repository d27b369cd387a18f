"""Gamma-Gamma: the published CDNOW spend parameters and an independent fit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special

from crmcore.clv import CustomerSummary, GammaGammaFit, GammaGammaModel
from crmcore.errors import ConvergenceError, CrmError, ValidationError


@pytest.fixture(scope="module")
def gg_fit(cdnow_summary: list[CustomerSummary]) -> GammaGammaFit:
    return GammaGammaModel.fit(cdnow_summary)


def test_fit_reproduces_published_parameters(gg_fit: GammaGammaFit) -> None:
    # Fader & Hardie (2013), "The Gamma-Gamma model of monetary value": p = 6.25,
    # q = 3.74, γ = 15.44 on the 946 CDNOW repeat buyers (the summary's zbar is rounded
    # to cents, so γ agrees to three significant figures).
    model = gg_fit.model
    assert gg_fit.converged
    assert gg_fit.n_customers == 946
    assert round(model.p, 2) == 6.25
    assert round(model.q, 2) == 3.74
    assert float(f"{model.gamma:.3g}") == 15.4


def test_fit_matches_scipy_on_an_independent_likelihood(
    cdnow_summary: list[CustomerSummary], gg_fit: GammaGammaFit
) -> None:
    repeat = [c for c in cdnow_summary if c.frequency > 0]
    x = np.array([c.frequency for c in repeat], dtype=float)
    m = np.array([float(c.monetary_value) for c in repeat])

    def negative_ll(log_params: np.ndarray) -> float:
        # Fader & Hardie (2013) eq. 4 for z̄ = m, transcribed independently.
        p, q, g = np.exp(log_params)
        ll = (
            special.gammaln(p * x + q)
            - special.gammaln(p * x)
            - special.gammaln(q)
            + q * np.log(g)
            + (p * x - 1) * np.log(m)
            + p * x * np.log(x)
            - (p * x + q) * np.log(g + m * x)
        )
        return float(-np.sum(ll))

    result = optimize.minimize(
        negative_ll,
        np.zeros(3),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000},
    )
    assert result.success
    ours = gg_fit.model
    for value, theirs in zip((ours.p, ours.q, ours.gamma), np.exp(result.x), strict=True):
        assert value == pytest.approx(theirs, rel=1e-4)


def test_conditional_spend_hand_checked() -> None:
    model = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    # population mean pγ/(q − 1) = 6.25 · 15.44 / 2.74
    assert model.mean_spend() == pytest.approx(6.25 * 15.44 / 2.74)
    assert model.conditional_expected_spend(0, 0.0) == pytest.approx(6.25 * 15.44 / 2.74)
    # x = 10 purchases averaging 50: 6.25 (15.44 + 500) / (62.5 + 2.74)
    assert model.conditional_expected_spend(10, 50.0) == pytest.approx(6.25 * 515.44 / 65.24)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValidationError, match="frequency > 0"):
        GammaGammaModel.fit([CustomerSummary("a", frequency=0, recency=0, age=3)])
    with pytest.raises(ValidationError, match="monetary_value"):
        GammaGammaModel.fit([CustomerSummary("a", frequency=2, recency=1, age=3, monetary_value=0)])
    with pytest.raises(ValidationError, match="q"):
        GammaGammaModel(p=1.0, q=0.5, gamma=1.0).mean_spend()


def test_analytic_gradient_matches_finite_differences(cdnow_summary: list[CustomerSummary]) -> None:
    import math

    from crmcore.clv._gammagamma import _objective, _pairs

    keys, weights = _pairs(cdnow_summary, "t")
    objective = _objective(keys, weights)
    theta = [math.log(3.0), math.log(2.0), math.log(10.0)]
    _, gradient = objective(theta)
    for i in range(3):
        h = 1e-6
        up = list(theta)
        down = list(theta)
        up[i] += h
        down[i] -= h
        numeric = (objective(up)[0] - objective(down)[0]) / (2 * h)
        assert gradient[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(0, 200), st.floats(0, 10_000, allow_nan=False)),
        min_size=1,
        max_size=40,
    )
)
def test_spend_columns_equal_the_scalar_method(rows: list[tuple[int, float]]) -> None:
    model = GammaGammaModel(p=6.25, q=3.74, gamma=15.45)
    xs, ms = [x for x, _ in rows], [m for _, m in rows]
    scalar = [model.conditional_expected_spend(x, m) for x, m in rows]
    assert model.conditional_expected_spend_columns(xs, ms, backend="python") == scalar
    numpy = model.conditional_expected_spend_columns(np.array(xs), np.array(ms), backend="numpy")
    assert numpy == pytest.approx(scalar, rel=1e-12)


def test_spend_columns_refuse_bad_cells() -> None:
    model = GammaGammaModel(p=6.25, q=3.74, gamma=15.45)
    with pytest.raises(ValidationError, match=r"frequency\[1\]"):
        model.conditional_expected_spend_columns([1, -1], [2.0, 2.0])
    with pytest.raises(ValidationError, match=r"mean_spend\[0\]"):
        model.conditional_expected_spend_columns([1], [float("nan")])
    with pytest.raises(ValidationError, match="mean_spend"):
        model.conditional_expected_spend_columns([1, 2], [2.0])


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.sampled_from(["10", "10.5", "99", "0.01", "1000000"])),
        min_size=1,
        max_size=6,
    )
)
def test_any_small_spend_history_fits_or_is_refused_as_a_crm_error(
    buyers: list[tuple[int, str]],
) -> None:
    # Degenerate histories (one buyer, one distinct mean spend) push p and q to
    # infinity; they must end in a CrmError, never a bare OverflowError.
    rows = [
        CustomerSummary(str(i), frequency=x, recency=1.0, age=2.0, monetary_value=m)
        for i, (x, m) in enumerate(buyers)
    ]
    try:
        fit = GammaGammaModel.fit(rows)
    except CrmError:
        return
    assert all(math.isfinite(v) and v > 0 for v in (fit.model.p, fit.model.q, fit.model.gamma))


def test_one_distinct_spend_has_no_maximum_and_says_so() -> None:
    # With every mean spend equal the likelihood grows as p, q → ∞ (p/q fixed):
    # no maximum exists, so the fit reports it did not converge (strict: raises).
    rows = [
        CustomerSummary(c, frequency=x, recency=3.0, age=5.0, monetary_value="10")
        for c, x in (("a", 2), ("b", 3))
    ]
    fit = GammaGammaModel.fit(rows)
    assert fit.converged is False
    assert fit.model.q > 1e6
    with pytest.raises(ConvergenceError, match="converged"):
        GammaGammaModel.fit(rows, strict=True)
