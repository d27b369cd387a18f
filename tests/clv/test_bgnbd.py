"""BG/NBD: the published CDNOW fit, an independent likelihood, and the predictions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special

from crmcore.clv import BetaGeoFit, BetaGeoModel, CustomerSummary
from crmcore.errors import ConvergenceError, ValidationError
from tests.strategies.clv import customer_summaries

# Fader, Hardie & Lee (2005), table/section 4 (reference doc roi.md): CDNOW, weeks.
PUBLISHED = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
PUBLISHED_LL = -9582.4


def _sig3(value: float) -> float:
    return float(f"{value:.3g}")


def test_fit_reproduces_published_parameters(cdnow_fit: BetaGeoFit) -> None:
    model = cdnow_fit.model
    assert cdnow_fit.converged
    for name, published in PUBLISHED.items():
        # published to 3 decimals; three significant figures must agree
        assert _sig3(getattr(model, name)) == _sig3(published), name
        assert getattr(model, name) == pytest.approx(published, abs=5e-4), name
    assert round(cdnow_fit.log_likelihood, 1) == PUBLISHED_LL
    assert cdnow_fit.n_customers == 2357
    assert cdnow_fit.n_unique < cdnow_fit.n_customers


def _scipy_negative_ll(log_params: np.ndarray, x, t_x, big_t) -> float:
    # Independent transcription of FHL 2005 eq. 6 with scipy's special functions.
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


def test_fit_matches_scipy_on_an_independent_likelihood(
    cdnow_summary: list[CustomerSummary], cdnow_fit: BetaGeoFit
) -> None:
    x = np.array([c.frequency for c in cdnow_summary], dtype=float)
    t_x = np.array([c.recency for c in cdnow_summary])
    big_t = np.array([c.age for c in cdnow_summary])
    result = optimize.minimize(
        _scipy_negative_ll,
        np.zeros(4),
        args=(x, t_x, big_t),
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-10, "maxiter": 20000, "maxfev": 20000},
    )
    assert result.success
    ours = cdnow_fit.model
    for value, theirs in zip((ours.r, ours.alpha, ours.a, ours.b), np.exp(result.x), strict=True):
        assert value == pytest.approx(theirs, rel=1e-4)
    assert cdnow_fit.log_likelihood == pytest.approx(-result.fun, abs=1e-4)
    # and our likelihood agrees with theirs at any point
    assert ours.log_likelihood(cdnow_summary) == pytest.approx(
        -_scipy_negative_ll(np.log([ours.r, ours.alpha, ours.a, ours.b]), x, t_x, big_t), rel=1e-12
    )


def test_numpy_backend_gives_the_same_fit(
    cdnow_summary: list[CustomerSummary], cdnow_fit: BetaGeoFit
) -> None:
    fast = BetaGeoModel.fit(cdnow_summary, backend="numpy")
    assert fast.backend == "numpy"
    assert cdnow_fit.backend == "python"
    for name in PUBLISHED:
        assert getattr(fast.model, name) == pytest.approx(getattr(cdnow_fit.model, name), rel=1e-9)
    assert fast.log_likelihood == pytest.approx(cdnow_fit.log_likelihood, rel=1e-12)


def test_analytic_gradient_matches_finite_differences(cdnow_summary: list[CustomerSummary]) -> None:
    from crmcore.clv._bgnbd import Triples, _python_objective

    objective = _python_objective(Triples.from_customers(cdnow_summary, "t"))
    theta = [math.log(0.3), math.log(5.0), math.log(0.7), math.log(2.0)]
    _, gradient = objective(theta)
    for i in range(4):
        h = 1e-6
        up = list(theta)
        down = list(theta)
        up[i] += h
        down[i] -= h
        numeric = (objective(up)[0] - objective(down)[0]) / (2 * h)
        assert gradient[i] == pytest.approx(numeric, rel=1e-5, abs=1e-4)


def test_not_converged_is_reported_not_hidden(cdnow_summary: list[CustomerSummary]) -> None:
    fit = BetaGeoModel.fit(cdnow_summary[:500], backend="python", max_iterations=2)
    assert not fit.converged
    assert fit.iterations == 2
    with pytest.raises(ConvergenceError):
        BetaGeoModel.fit(cdnow_summary[:500], backend="python", max_iterations=2, strict=True)


# -- predictions ------------------------------------------------------------------------------

MODEL = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)


def test_expected_transactions_is_the_mean_of_the_count_distribution() -> None:
    # E[X(t)] (eq. 9) must equal Σ n·P(X(t) = n) (eq. 8): two independent formulas.
    for t in (1.0, 10.0, 39.0, 78.0):
        probabilities = [MODEL.probability_of_purchases(n, t) for n in range(400)]
        assert math.fsum(probabilities) == pytest.approx(1.0, abs=1e-9)
        mean = math.fsum(n * p for n, p in enumerate(probabilities))
        assert MODEL.expected_transactions(t) == pytest.approx(mean, rel=1e-7)


def _scipy_conditional(t: float, x: int, t_x: float, big_t: float) -> float:
    # FHL 2005 eq. 10 with scipy's hyp2f1.
    r, alpha, a, b = MODEL.r, MODEL.alpha, MODEL.a, MODEL.b
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * special.hyp2f1(
        r + x, b + x, a + b + x - 1, t / (alpha + big_t + t)
    )
    odds = (x > 0) * a / (b + x - 1 if x > 0 else 1) * ((alpha + big_t) / (alpha + t_x)) ** (r + x)
    return head * body / (1 + odds)


@settings(max_examples=40, deadline=None)
@given(
    x=st.integers(0, 30),
    recency_share=st.floats(0.0, 1.0),
    age=st.floats(0.5, 80.0),
    t=st.floats(0.1, 100.0),
)
def test_conditional_expectation_matches_scipy(
    x: int, recency_share: float, age: float, t: float
) -> None:
    t_x = 0.0 if x == 0 else age * recency_share
    customer = CustomerSummary("c", frequency=x, recency=t_x, age=age)
    assert MODEL.conditional_expected_transactions(customer, t) == pytest.approx(
        _scipy_conditional(t, x, t_x, age), rel=1e-9
    )
    alive = MODEL.probability_alive(customer)
    assert 0.0 <= alive <= 1.0


def test_probability_alive_hand_checked() -> None:
    # x = 2, t_x = 30.43, T = 38.86: 1/(1 + a/(b+1) · ((α+T)/(α+t_x))^(r+2))
    customer = CustomerSummary("1", frequency=2, recency=30.43, age=38.86)
    odds = 0.793 / 3.426 * ((4.414 + 38.86) / (4.414 + 30.43)) ** 2.243
    assert MODEL.probability_alive(customer) == pytest.approx(1 / (1 + odds), rel=1e-12)
    assert MODEL.probability_alive(CustomerSummary("0", frequency=0, recency=0, age=10)) == 1.0


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValidationError, match="customers"):
        BetaGeoModel.fit([])
    with pytest.raises(ValidationError, match="backend"):
        BetaGeoModel.fit([CustomerSummary("a", frequency=0, recency=0, age=1)], backend="gpu")
    with pytest.raises(ValidationError, match="alpha"):
        BetaGeoModel(r=1.0, alpha=-1.0, a=1.0, b=1.0)
    with pytest.raises(ValidationError, match=r"\bn\b"):
        MODEL.probability_of_purchases(-1, 1.0)
    with pytest.raises(ValidationError, match="t"):
        MODEL.expected_transactions(-1.0)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(customer_summaries(), min_size=1, max_size=40),
    st.tuples(*[st.floats(-2.0, 2.0)] * 4),
)
def test_python_and_numpy_likelihoods_are_equal(customers, theta) -> None:
    from crmcore.clv._bgnbd import Triples, _numpy_objective, _python_objective

    data = Triples.from_customers(customers, "t")
    value_py, grad_py = _python_objective(data)(list(theta))
    value_np, grad_np = _numpy_objective(data)(list(theta))
    assert value_np == pytest.approx(value_py, rel=1e-11, abs=1e-9)
    assert grad_np == pytest.approx(grad_py, rel=1e-9, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(customer_summaries(), st.floats(0.0, 100.0))
def test_predictions_are_sane_for_any_customer(customer: CustomerSummary, t: float) -> None:
    alive = MODEL.probability_alive(customer)
    assert 0.0 <= alive <= 1.0
    expected = MODEL.conditional_expected_transactions(customer, t)
    assert expected >= -1e-12
    assert MODEL.conditional_expected_transactions(customer, t + 1.0) >= expected - 1e-12


def test_works_without_numpy(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from crmcore._backend import numpy_available, resolve_backend

    monkeypatch.setitem(sys.modules, "numpy", None)  # import numpy now raises ImportError
    numpy_available.cache_clear()  # the probe is cached: look again without numpy
    try:
        assert resolve_backend("auto", obj="t") == "python"
        customers = [
            CustomerSummary(str(i), frequency=i % 4, recency=float(i % 4) * 3, age=20.0 + i % 7)
            for i in range(60)
        ]
        fit = BetaGeoModel.fit(customers)
        assert fit.backend == "python"
        assert math.isfinite(fit.log_likelihood)
    finally:
        numpy_available.cache_clear()  # probed again, with numpy back, by the next caller


@pytest.mark.parametrize("t", [0.5, 39.0])
def test_a_equal_to_one_is_the_limit_not_a_division_by_zero(t: float) -> None:
    # E[Y(t)] has (a − 1) in a denominator and a bracket that vanishes with it: the value
    # at a = 1 is the limit, so it lies between its neighbours a = 1 ∓ 1e-7.
    c = CustomerSummary("c", frequency=2, recency=30.43, age=38.86)
    params = {"r": 0.243, "alpha": 4.414, "b": 2.426}
    at_one = BetaGeoModel(a=1.0, **params)
    below, above = (BetaGeoModel(a=1.0 + d, **params) for d in (-1e-7, 1e-7))
    for f in (
        lambda m: m.conditional_expected_transactions(c, t),
        lambda m: m.expected_transactions(t),
    ):
        low, high = sorted((f(below), f(above)))
        assert low - 1e-6 * high <= f(at_one) <= high + 1e-6 * high


def test_a_plus_b_equal_to_one_is_the_limit() -> None:
    # x = 0 and a + b = 1 make c = a + b + x − 1 = 0 in ₂F₁(·; c; z): again a limit
    model = BetaGeoModel(r=0.5, alpha=3.0, a=0.4, b=0.6)
    near = (BetaGeoModel(r=0.5, alpha=3.0, a=0.4, b=0.6 + d) for d in (-1e-7, 1e-7))
    low, high = sorted(m.expected_transactions(10.0) for m in near)
    assert low - 1e-6 * high <= model.expected_transactions(10.0) <= high + 1e-6 * high


def test_short_horizons_keep_their_digits() -> None:
    # Everyone is alive at the start and buys at rate λ with E[λ] = r/α, so
    # E[X(t)] = (r/α)·t + O(t²): at t = 1e-9 weeks the first-order term is the answer.
    model = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert model.expected_transactions(1e-9) == pytest.approx(0.243 / 4.414 * 1e-9, rel=1e-8, abs=0)


@pytest.mark.parametrize("backend", ["python", "numpy"])
@pytest.mark.parametrize(
    "customers",
    [
        # Issue 17: x = 5 with t_x = 0 once raised a bare "math domain error" (α underflowed).
        [
            CustomerSummary("a", frequency=5, recency=0, age=10),
            CustomerSummary("b", frequency=0, recency=0, age=10),
        ],
        [CustomerSummary("a", frequency=1, recency=1, age=2)],  # one repeat customer
    ],
)
def test_degenerate_data_ends_unconverged_with_a_reason(customers, backend: str) -> None:
    fit = BetaGeoModel.fit(customers, backend=backend)
    assert not fit.converged
    assert "the data do not identify the model" in fit.message
    with pytest.raises(ConvergenceError):
        BetaGeoModel.fit(customers, backend=backend, strict=True)
