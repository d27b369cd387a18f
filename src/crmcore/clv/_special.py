"""Special functions the CLV models need, in pure Python (private).

``math`` has ``lgamma`` but no digamma and no Gauss hypergeometric function;
both are small enough to write here rather than pull in scipy.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from crmcore.errors import ConvergenceError, ValidationError

__all__ = ["digamma", "hyp2f1", "hyp2f1_tail", "log_beta", "series_sum"]

# Asymptotic-series coefficients of digamma: B_2k / (2k) for k = 1..7
# (Abramowitz & Stegun 6.3.18).
_DIGAMMA_SERIES = (
    1.0 / 12.0,
    -1.0 / 120.0,
    1.0 / 252.0,
    -1.0 / 240.0,
    1.0 / 132.0,
    -691.0 / 32760.0,
    1.0 / 12.0,
)


def digamma(x: float) -> float:
    """The digamma function ψ(x) = d/dx ln Γ(x) for x > 0.

    Recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic
    series ln x − 1/(2x) − Σ B₂ₖ/(2k x²ᵏ) (Abramowitz & Stegun 6.3.5, 6.3.18);
    accurate to about 1e-15.

    >>> round(digamma(1.0), 12)  # −γ (Euler–Mascheroni)
    -0.577215664902
    """
    if not x > 0:
        raise ValidationError(obj="digamma", field="x", value=x, expected="a number > 0")
    shift = 0.0
    while x < 10.0:
        shift -= 1.0 / x
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = 0.0
    power = inv2
    for coefficient in _DIGAMMA_SERIES:
        series += coefficient * power
        power *= inv2
    return shift + math.log(x) - 0.5 / x - series


def log_beta(a: float, b: float) -> float:
    """ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b)."""
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def hyp2f1(a: float, b: float, c: float, z: float, *, max_terms: int = 1_000_000) -> float:
    """Gauss's hypergeometric function ₂F₁(a, b; c; z) for 0 ≤ z < 1.

    The defining power series Σ (a)ₙ(b)ₙ/((c)ₙ n!) zⁿ (Abramowitz & Stegun
    15.1.1), summed until a term no longer changes the sum. Its ratio of
    terms tends to z, so it converges for every z < 1; the CLV models only
    ask for z = t/(α + T + t) in [0, 1).

    >>> math.isclose(hyp2f1(1.0, 1.0, 2.0, 0.5), -math.log(0.5) / 0.5)  # ₂F₁(1,1;2;z) = −ln(1−z)/z
    True
    """
    if not 0.0 <= z < 1.0:
        raise ValidationError(obj="hyp2f1", field="z", value=z, expected="0 <= z < 1")
    term = 1.0
    total = 1.0
    for n in range(max_terms):
        term *= (a + n) * (b + n) / ((c + n) * (n + 1)) * z
        previous = total
        total += term
        if total == previous and abs(term) <= 1e-17 * abs(total):
            return total
    raise ConvergenceError(
        obj="hyp2f1", field="z", value=z, expected=f"a series that converges in {max_terms} terms"
    )


def hyp2f1_tail(a: float, b: float, c: float, z: float, *, max_terms: int = 1_000_000) -> float:
    """₂F₁(a, b; c; z) − 1, summed without the leading 1 so that a small tail keeps its digits.

    The terms of :func:`hyp2f1` from n = 1, summed until one no longer
    changes the sum; ``c`` must not be 0 (the terms divide by (c)ₙ).

    >>> z = 1e-9   # ₂F₁(1, 1; 2; z) − 1 = −ln(1−z)/z − 1 = z/2 + z²/3 + …
    >>> math.isclose(hyp2f1_tail(1.0, 1.0, 2.0, z), z / 2 + z * z / 3, rel_tol=1e-15)
    True
    """
    if not 0.0 <= z < 1.0:
        raise ValidationError(obj="hyp2f1", field="z", value=z, expected="0 <= z < 1")
    return series_sum(lambda n: (a + n) * (b + n) / ((c + n) * (n + 1)) * z, max_terms=max_terms)


def series_sum(ratio: Callable[[int], float], *, max_terms: int = 1_000_000) -> float:
    """Σₙ≥₁ tₙ with t₀ = 1 and tₙ₊₁ = tₙ · ratio(n), until a term no longer changes the sum."""
    term = 1.0
    total = 0.0
    for n in range(max_terms):
        term *= ratio(n)
        previous = total
        total += term
        if total == previous:
            return total
    raise ConvergenceError(
        obj="series_sum", field="terms", value=max_terms, expected="a series that converges"
    )
