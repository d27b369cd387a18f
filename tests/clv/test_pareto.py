"""Pareto/NBD: the published CDNOW fit, an independent likelihood, and stability."""

from __future__ import annotations

import math

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from crmcore.clv import CustomerSummary, ParetoNbdFit, ParetoNbdModel
from crmcore.errors import ValidationError

# Fader, Hardie & Lee (2005), "Counting your customers the easy way", Table 1
# (Pareto/NBD on the CDNOW sample, weeks): r = 0.553, α = 10.578, s = 0.606, β = 11.669,
# LL = −9595.0.
PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def pareto_fit(cdnow_summary: list[CustomerSummary]) -> ParetoNbdFit:
    return ParetoNbdModel.fit(cdnow_summary, backend="numpy")


def test_fit_reproduces_published_parameters(pareto_fit: ParetoNbdFit) -> None:
    assert pareto_fit.converged
    for name, published in PUBLISHED.items():
        assert float(f"{getattr(pareto_fit.model, name):.3g}") == float(f"{published:.3g}"), name
    assert round(pareto_fit.log_likelihood, 1) == -9595.0


def test_published_parameters_sit_on_the_same_optimum(
    cdnow_summary: list[CustomerSummary], pareto_fit: ParetoNbdFit
) -> None:
    # The surface is flat near the optimum: the published (rounded) estimates lose
    # less than 0.001 of log-likelihood against ours, which are a true stationary point.
    published = ParetoNbdModel(**PUBLISHED).log_likelihood(cdnow_summary)
    assert pareto_fit.log_likelihood - 1e-3 < published <= pareto_fit.log_likelihood


def _integral_ll(
    params: tuple[float, float, float, float], x: int, t_x: float, big_t: float
) -> float:
    # FHL 2005 note eq. 22 with the dropout integral done by scipy quad (no hypergeometric).
    r, alpha, s, beta = params
    head = math.exp(
        special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    )
    alive = (alpha + big_t) ** -(r + x) * (beta + big_t) ** -s
    dropped, _ = integrate.quad(
        lambda tau: (alpha + tau) ** -(r + x) * (beta + tau) ** -(s + 1),
        t_x,
        big_t,
        epsabs=0,
        epsrel=1e-13,
    )
    return math.log(head * (alive + s * dropped))


def _hyp2f1_ll(
    params: tuple[float, float, float, float], x: int, t_x: float, big_t: float
) -> float:
    # the closed form with scipy's hyp2f1, as printed (only usable for moderate x)
    r, alpha, s, beta = params
    a = r + s + x
    if alpha >= beta:
        b, base, gap = s + 1, alpha, alpha - beta
    else:
        b, base, gap = r + x, beta, beta - alpha
    a0 = (
        special.hyp2f1(a, b, a + 1, gap / (base + t_x)) / (base + t_x) ** a
        - special.hyp2f1(a, b, a + 1, gap / (base + big_t)) / (base + big_t) ** a
    )
    head = math.exp(
        special.gammaln(r + x) - special.gammaln(r) + r * math.log(alpha) + s * math.log(beta)
    )
    alive = (alpha + big_t) ** -(r + x) * (beta + big_t) ** -s
    return math.log(head * (alive + s / a * a0))


@pytest.mark.parametrize("params", [(0.553, 10.578, 0.606, 11.669), (1.3, 20.0, 0.4, 3.0)])
@pytest.mark.parametrize(
    ("x", "t_x", "big_t"), [(0, 0.0, 38.86), (2, 30.43, 38.86), (7, 12.0, 30.0), (15, 37.0, 39.0)]
)
def test_likelihood_matches_two_independent_computations(
    params, x: int, t_x: float, big_t: float
) -> None:
    ours = ParetoNbdModel(*params).log_likelihood(
        [CustomerSummary("c", frequency=x, recency=t_x, age=big_t)]
    )
    assert ours == pytest.approx(_integral_ll(params, x, t_x, big_t), rel=1e-10)
    assert ours == pytest.approx(_hyp2f1_ll(params, x, t_x, big_t), rel=1e-10)


def test_python_and_numpy_backends_agree(cdnow_summary: list[CustomerSummary]) -> None:
    from crmcore.clv._bgnbd import Triples
    from crmcore.clv._pareto import _numpy_value, _python_value

    data = Triples.from_customers(cdnow_summary, "t")
    for params in [(0.553, 10.578, 0.606, 11.669), (2.0, 3.0, 0.2, 40.0)]:
        theta = [math.log(v) for v in params]
        assert _python_value(data)(theta) == pytest.approx(_numpy_value(data)(theta), rel=1e-12)


def test_frequent_buyers_do_not_overflow() -> None:
    # x = 500 purchases: (α+t_x)^(r+s+x) overflows a float; the log-space series does not
    heavy = CustomerSummary("vip", frequency=500, recency=51.5, age=52.0)
    model = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    assert math.isfinite(model.log_likelihood([heavy]))
    assert 0.9 < model.probability_alive(heavy) <= 1.0
    flipped = ParetoNbdModel(r=0.553, alpha=1.0, s=0.606, beta=50.0)  # the α < β branch
    assert math.isfinite(flipped.log_likelihood([heavy]))


def test_predictions() -> None:
    model = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    active = CustomerSummary("a", frequency=5, recency=38.0, age=39.0)
    lapsed = CustomerSummary("b", frequency=5, recency=3.0, age=39.0)
    assert model.probability_alive(active) > model.probability_alive(lapsed)
    assert model.probability_alive(CustomerSummary("n", frequency=0, recency=0, age=0)) == 1.0
    # E[Y(t)] grows with t and is continuous through the s = 1 special case
    values = [model.conditional_expected_transactions(active, t) for t in (0, 10, 52)]
    assert values[0] == 0.0
    assert values[0] < values[1] < values[2]
    near = [
        ParetoNbdModel(r=0.553, alpha=10.578, s=s, beta=11.669).conditional_expected_transactions(
            active, 52
        )
        for s in (1 - 1e-7, 1.0, 1 + 1e-7)
    ]
    assert near[1] == pytest.approx(near[0], rel=1e-5)
    assert near[1] == pytest.approx(near[2], rel=1e-5)
    with pytest.raises(ValidationError, match="t"):
        model.conditional_expected_transactions(active, -1)


def test_expected_transactions_first_order() -> None:
    # for small t, E[Y(t)] ≈ t · E[λ | x, T] · P(alive) with E[λ | x, T] = (r+x)/(α+T)
    model = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    fresh = CustomerSummary("f", frequency=0, recency=0, age=10.0)
    t = 1e-4
    rate = 0.553 / (10.578 + 10.0)
    assert model.conditional_expected_transactions(fresh, t) == pytest.approx(
        t * rate * model.probability_alive(fresh), rel=1e-4
    )


@pytest.mark.parametrize(
    "params",
    [
        (0.5, 1000.0, 0.3, 0.001),  # z = 999.999 / 1000.5 ≈ 0.9995: a million-term series before
        (2.0, 0.002, 1.5, 800.0),
        (0.8, 50.0, 4.0, 49.9),  # α ≈ β: z ≈ 0, the series path
    ],
)
@pytest.mark.parametrize(("x", "t_x", "big_t"), [(0, 0.0, 40.0), (3, 0.5, 40.0), (25, 39.0, 40.0)])
def test_likelihood_near_z_one_matches_quadrature_by_scipy(
    params, x: int, t_x: float, big_t: float
) -> None:
    # Issue 17: where the hypergeometric series would need ~10^6 terms, the dropout
    # integral is done by Gauss-Legendre in log space; scipy's adaptive quad is the oracle.
    ours = ParetoNbdModel(*params).log_likelihood(
        [CustomerSummary("c", frequency=x, recency=t_x, age=big_t)]
    )
    assert ours == pytest.approx(_integral_ll(params, x, t_x, big_t), rel=1e-9)


def _degenerate_summaries(n: int = 60, seed: int = 3) -> list[CustomerSummary]:
    # The 60 "ordinary" customers: everyone bought recently relative to the
    # 40-week window, so no customer looks dropped out and s, β drift up together.
    import random

    rnd = random.Random(seed)
    out = []
    for i in range(n):
        x = rnd.randint(0, 30)
        out.append(
            CustomerSummary(f"c{i}", frequency=x, recency=rnd.uniform(0, 40) if x else 0, age=40)
        )
    return out


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_degenerate_fit_ends_and_says_why(backend: str) -> None:
    from crmcore.errors import ConvergenceError

    fit = ParetoNbdModel.fit(_degenerate_summaries(), backend=backend)  # type: ignore[arg-type]
    assert not fit.converged
    assert fit.model.s > 1_000
    assert fit.model.beta > 100_000
    assert "the data do not identify the model" in fit.message
    with pytest.raises(ConvergenceError):
        ParetoNbdModel.fit(_degenerate_summaries(), backend=backend, strict=True)  # type: ignore[arg-type]


def test_the_minimiser_stops_on_a_drifting_parameter() -> None:
    from crmcore.clv._optimize import minimize_bfgs

    # f(u, v) = exp(-u) + (v - 1)^2 decreases forever as u grows: no minimum.
    def fun(x):
        u, v = x
        return math.exp(-u) + (v - 1) ** 2, [-math.exp(-u), 2 * (v - 1)]

    result = minimize_bfgs(fun, [0.0, 0.0], gtol=1e-30, max_abs_x=15.0)
    assert not result.converged
    assert result.message.startswith("parameter 0 grows without bound")
    assert abs(result.x[0]) > 15.0


@settings(max_examples=40)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.floats(0, 1), st.floats(0.5, 60)), min_size=1, max_size=25
    ),
    st.sampled_from([(0.553, 10.578, 0.606, 11.669), (0.5, 1000.0, 0.3, 0.001)]),
)
@example([(1, 0.9999999999999999, 1.0)], (0.5, 1000.0, 0.3, 0.001))  # quadrature on an empty span
def test_alive_columns_equal_the_scalar_method(rows, params) -> None:
    # Recency as a share of the age; the second parameter set takes the quadrature path.
    model = ParetoNbdModel(*params)
    xs = [x for x, _, _ in rows]
    ages = [age for _, _, age in rows]
    recencies = [share * age if x else 0.0 for x, share, age in rows]
    scalar = [
        model.probability_alive(CustomerSummary("c", frequency=x, recency=t, age=a))
        for x, t, a in zip(xs, recencies, ages, strict=True)
    ]
    assert model.probability_alive_columns(xs, recencies, ages, backend="python") == scalar
    assert model.probability_alive_columns(xs, recencies, ages, backend="numpy") == pytest.approx(
        scalar, rel=1e-12, abs=1e-15
    )


def test_alive_columns_refuse_bad_rows() -> None:
    model = ParetoNbdModel(0.553, 10.578, 0.606, 11.669)
    with pytest.raises(ValidationError):
        model.probability_alive_columns([1], [5.0], [2.0])  # recency beyond age


@settings(max_examples=30)
@given(
    st.lists(
        st.tuples(st.integers(0, 40), st.floats(0, 1), st.floats(0.5, 60)), min_size=1, max_size=20
    ),
    st.floats(0, 100),
)
@example([(1, 0.9999999999999999, 1.0)], 1.0)  # recency one ulp below age (hypothesis)
def test_expected_columns_equal_the_scalar_method(rows, t: float) -> None:
    model = ParetoNbdModel(0.553, 10.578, 0.606, 11.669)
    xs = [x for x, _, _ in rows]
    ages = [age for _, _, age in rows]
    recencies = [share * age if x else 0.0 for x, share, age in rows]
    scalar = [
        model.conditional_expected_transactions(
            CustomerSummary("c", frequency=x, recency=r, age=a), t
        )
        for x, r, a in zip(xs, recencies, ages, strict=True)
    ]
    for backend in ("python", "numpy"):
        got = model.conditional_expected_transactions_columns(
            t, xs, recencies, ages, backend=backend
        )
        assert got == pytest.approx(scalar, rel=1e-12, abs=1e-15)
    with pytest.raises(ValidationError, match="t"):
        model.conditional_expected_transactions_columns(-1.0, xs, recencies, ages)


def test_a_last_purchase_a_rounding_error_before_the_cut_off_counts_as_at_it() -> None:
    # ln(F(t_x) − F(T)) used to take log1p(−1) (a math domain error) when t_x is one ulp
    # below T; the dropped-out term vanishes there, so P(alive) equals its value at t_x = T.
    model = ParetoNbdModel(0.553, 10.578, 0.606, 11.669)
    at = CustomerSummary("c", frequency=1, recency=1.0, age=1.0)
    below = CustomerSummary("c", frequency=1, recency=math.nextafter(1.0, 0.0), age=1.0)
    assert model.probability_alive(below) == pytest.approx(model.probability_alive(at), rel=1e-9)
    assert math.isfinite(model.log_likelihood([below]))
    slow = ParetoNbdModel(0.5, 1000.0, 0.3, 0.001)  # |α − β| large: the quadrature branch
    assert slow.probability_alive(below) == pytest.approx(slow.probability_alive(at), rel=1e-9)
