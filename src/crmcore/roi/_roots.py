"""Every real root of a sum of exponentials, bracketed (private).

IRR and XIRR solve Σ cᵢ (1 + r)^(−tᵢ) = 0. With u = −ln(1 + r) this is
F(u) = Σ cᵢ e^(tᵢ u) = 0 over all real u (every r > −1). F is a
"generalised polynomial": Descartes' rule of signs bounds its number of
real roots by the sign changes of (cᵢ) ordered by tᵢ (Pólya & Szegő,
*Problems and Theorems in Analysis II*, part V, problem 77). The proof gives
the algorithm: e^(−t₀u)F(u) has the same roots, and its derivative
Σᵢ₌₁ cᵢ(tᵢ − t₀) e^((tᵢ−t₀)u) has one term fewer; between consecutive
critical points the function is monotone, so each holds at most one root
and a sign change brackets it. Recursing until one sign change is left
isolates every simple root; a root of even multiplicity shows up as a
critical point where the function vanishes. Outside the Cauchy-type bounds
of :func:`_bounds` one term dominates, so no root is missed there either.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

__all__ = ["brent", "exponential_sum_roots", "sign_changes"]

Terms = Sequence[tuple[float, float]]  # (coefficient, exponent), exponents increasing


def sign_changes(coefficients: Sequence[float]) -> int:
    """Sign changes in a sequence, zeros skipped (Descartes' count)."""
    changes = 0
    previous = 0.0
    for c in coefficients:
        if c:
            if previous and (c > 0) != (previous > 0):
                changes += 1
            previous = c
    return changes


def _evaluate(terms: Terms, u: float) -> float:
    # Scaled by e^(−max tᵢu) > 0: same sign and roots, and no overflow.
    top = max(t * u for _, t in terms)
    return sum(c * math.exp(t * u - top) for c, t in terms)


def _magnitude(terms: Terms, u: float) -> float:
    top = max(t * u for _, t in terms)
    return sum(abs(c) * math.exp(t * u - top) for c, t in terms)


def brent(f: Callable[[float], float], a: float, b: float, fa: float, fb: float) -> float:
    """Brent's method on a bracket [a, b] with f(a)·f(b) < 0 (Brent 1973, ch. 4)."""
    if abs(fa) < abs(fb):
        a, b, fa, fb = b, a, fb, fa
    c, fc = a, fa
    d = e = b - a
    for _ in range(200):
        if fb == 0:
            return b
        if (fb > 0) == (fc > 0):
            c, fc = a, fa
            d = e = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 2.0 * 2.2e-16 * abs(b) + 1e-18
        middle = 0.5 * (c - b)
        if abs(middle) <= tol:
            return b
        if abs(e) >= tol and abs(fa) > abs(fb):
            s = fb / fa
            if a == c:
                p, q = 2.0 * middle * s, 1.0 - s
            else:
                q, r = fa / fc, fb / fc
                p = s * (2.0 * middle * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0:
                q = -q
            p = abs(p)
            if 2.0 * p < min(3.0 * middle * q - abs(tol * q), abs(e * q)):
                e, d = d, p / q
            else:
                d = e = middle
        else:
            d = e = middle
        a, fa = b, fb
        b += d if abs(d) > tol else math.copysign(tol, middle)
        fb = f(b)
    return b


def _bounds(terms: Terms) -> tuple[float, float]:
    """An interval of u outside which one term dominates the sum."""
    (c_first, t_first), (_, t_second) = terms[0], terms[1]
    (c_last, t_last), (_, t_before) = terms[-1], terms[-2]
    rest_low = sum(abs(c) for c, _ in terms[1:])
    rest_high = sum(abs(c) for c, _ in terms[:-1])
    low = min(0.0, math.log(abs(c_first) / rest_low) / (t_second - t_first)) - 1.0
    high = max(0.0, math.log(rest_high / abs(c_last)) / (t_last - t_before)) + 1.0
    return low, high


def _function(terms: Terms) -> Callable[[float], float]:
    """F(u) up to a positive factor; Horner's rule when the exponents are integers."""
    if not all(t == int(t) for _, t in terms):
        return lambda u: _evaluate(terms, u)
    base = int(terms[0][1])
    dense = [0.0] * (int(terms[-1][1]) - base + 1)
    for c, t in terms:
        dense[int(t) - base] = c
    rising = dense[::-1]  # highest power first

    def horner(u: float) -> float:
        # Σ cₖ vᵏ with v = eᵘ ≤ 1, or Σ cₖ v^(k − n) = Σ cₖ (1/v)^(n − k) when v > 1:
        # both scalings are positive, agree at u = 0 and never overflow.
        if u <= 0:
            v = math.exp(u)
            total = 0.0
            for c in rising:
                total = total * v + c
            return total
        w = math.exp(-u)
        total = 0.0
        for c in dense:
            total = total * w + c
        return total

    return horner


def _single_root(f: Callable[[float], float], low: float, high: float) -> list[float]:
    """The root of a function with one sign change of coefficients (at most one root)."""
    f_low, f_high = f(low), f(high)
    if f_low == 0:
        return [low]
    if f_high == 0:
        return [high]
    return [brent(f, low, high, f_low, f_high)] if (f_low > 0) != (f_high > 0) else []


def _dedupe(found: list[float]) -> list[float]:
    found.sort()
    unique: list[float] = []
    for u in found:
        if not unique or abs(u - unique[-1]) > 1e-12 * max(1.0, abs(u)):
            unique.append(u)
    return unique


def _roots(terms: Terms, low: float, high: float) -> list[float]:
    changes = sign_changes([c for c, _ in terms]) if len(terms) >= 2 else 0
    if changes == 0:
        return []
    f = _function(terms)
    if changes == 1:
        return _single_root(f, low, high)
    # Between consecutive critical points f is monotone: at most one root each.
    t0 = terms[0][1]
    derivative = [(c * (t - t0), t - t0) for c, t in terms[1:]]
    critical = _roots(derivative, low, high)
    points = [low, *critical, high]
    values = [f(p) for p in points]
    found: list[float] = []
    for i in range(len(points) - 1):
        if values[i] == 0:
            found.append(points[i])
        elif values[i + 1] != 0 and (values[i] > 0) != (values[i + 1] > 0):
            found.append(brent(f, points[i], points[i + 1], values[i], values[i + 1]))
    if values[-1] == 0:
        found.append(points[-1])
    for point, value in zip(critical, values[1:-1], strict=True):
        # a root of even multiplicity touches zero without changing sign
        if value != 0 and abs(value) <= 1e-12 * _magnitude(terms, point):
            found.append(point)
    return _dedupe(found)


def exponential_sum_roots(terms: Terms) -> list[float]:
    """All real u with Σ cᵢ e^(tᵢu) = 0; exponents strictly increasing, c ≠ 0."""
    cleaned = [(c, t) for c, t in terms if c]
    if len(cleaned) < 2:
        return []
    low, high = _bounds(cleaned)
    return _roots(cleaned, low, high)
