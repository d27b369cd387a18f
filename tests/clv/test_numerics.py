"""The private numerical kernels of the models: special functions and BFGS."""

from __future__ import annotations

import decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from crmcore.clv._optimize import minimize_bfgs
from crmcore.clv._special import digamma, hyp2f1
from crmcore.errors import ValidationError


@settings(max_examples=100, deadline=None)
@given(st.floats(1e-3, 1e4))
def test_digamma_matches_scipy(x: float) -> None:
    assert digamma(x) == pytest.approx(special.psi(x), rel=1e-13, abs=1e-13)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.01, 30), st.floats(0.01, 30), st.floats(0.5, 40), st.floats(0.0, 0.98))
def test_hyp2f1_matches_scipy(a: float, b: float, c: float, z: float) -> None:
    # The oracle is the A&S 15.1.1 series summed in 50-digit decimals (exact inputs: every
    # float is a finite decimal). scipy's own hyp2f1 is off by ~2e-9 relative at some points,
    # e.g. 2F1(1, 26; 13; 0.75) = 1628.08995481030 (exact rational sum), scipy 1628.0899582906.
    # scipy drifts further elsewhere: 2F1(30, 0.5; 15; 0.75) is 323.95066661263 (50-digit
    # series), scipy 323.95061168075 (1.7e-7 off); the peer is held to 1e-6, the exact sum to 1e-9.
    assert hyp2f1(a, b, c, z) == pytest.approx(_hyp2f1_decimal(a, b, c, z), rel=1e-9)
    assert hyp2f1(a, b, c, z) == pytest.approx(special.hyp2f1(a, b, c, z), rel=1e-6)


def test_hyp2f1_where_scipy_is_inexact() -> None:
    # Found by hypothesis; the exact rational series gives 1628.0899548102993.
    assert hyp2f1(1.0, 26.0, 13.0, 0.75) == pytest.approx(1628.0899548102993, rel=1e-12)


def _hyp2f1_decimal(a: float, b: float, c: float, z: float) -> float:
    with decimal.localcontext() as ctx:
        ctx.prec = 50
        da, db, dc, dz = (decimal.Decimal(v) for v in (a, b, c, z))
        term = total = decimal.Decimal(1)
        n = 0
        while abs(term) > total.copy_abs() * decimal.Decimal("1e-30"):
            term = term * (da + n) * (db + n) / ((dc + n) * (n + 1)) * dz
            total += term
            n += 1
        return float(total)


def test_special_function_domains() -> None:
    with pytest.raises(ValidationError):
        digamma(0.0)
    with pytest.raises(ValidationError):
        hyp2f1(1, 1, 2, 1.0)


def test_bfgs_solves_rosenbrock() -> None:
    def rosenbrock(x):
        a, b = x
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2, [
            -2 * (1 - a) - 400 * a * (b - a * a),
            200 * (b - a * a),
        ]

    result = minimize_bfgs(rosenbrock, [-1.2, 1.0])
    assert result.converged
    assert result.x == pytest.approx((1.0, 1.0), abs=1e-6)


def test_bfgs_reports_non_convergence() -> None:
    result = minimize_bfgs(lambda x: (x[0], [1.0]), [0.0], max_iterations=5)  # unbounded below
    assert not result.converged
