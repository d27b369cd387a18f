"""BG/NBD expectations of many customers at many horizons at once, on numpy (private).

The CLV of a customer base needs E[Y(t)] for every customer at every step of
the horizon (52 for a year in weeks). :func:`expected_grid` computes that
(steps × customers) table in whole-array operations: the ₂F₁ series depend on
(x, T) only, so they are summed once per distinct (x, T) and step (with the
terms and stopping rule of the scalar path), and the elementary functions run
over whole columns. Numbers agree with the scalar path within 1e-12 relative
(numpy's and the C library's log1p/expm1 may differ in the last bit); the
removable singularities (a = 1, a + b + x = 1) take the exact columns path,
and for a close to 1, where (a+b+x−1)/(a−1) magnifies the last bit, each
distinct (x, T) is finished by the scalar formula.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmcore.clv._columns import (
    Columns,
    Params,
    _checked_arrays,
    _numpy_tail,
    expected_columns,
    numerator_one,
)

__all__ = ["discounted_expected", "expected_grid"]

_NEAR_ONE = 0.05
"""Below this |a − 1| the numerators are finished per distinct (x, T) in Python."""


def _divisor(params: Params, x: Any, t_x: Any, age: Any) -> tuple[Any, Any]:
    """(1 + odds of a drop-out, rows whose odds overflow); 1 for customers without repeats."""
    import numpy as np  # noqa: PLC0415  (optional accelerator, imported lazily)

    r, alpha, a, b = params
    repeat = x > 0
    bx1 = np.where(repeat, b + x - 1.0, 1.0)
    log_odds = np.where(
        repeat, (r + x) * np.log1p((age - t_x) / (alpha + t_x)) + np.log(a / bx1), 0.0
    )
    dead = repeat & (log_odds > 700)
    divisor = np.where(repeat, 1.0 + np.exp(np.minimum(log_odds, 700.0)), 1.0)
    return divisor, dead


def _numerators(params: Params, ux: Any, uage: Any, t: float) -> Any:
    """The numerator of FHL 2005 eq. 10 for each distinct (x, T), as :func:`numerator_one`."""
    import numpy as np  # noqa: PLC0415

    r, alpha, a, b = params
    big_a, big_b, big_c = r + ux, b + ux, a + b + ux - 1.0
    z = t / (alpha + uage + t)
    log_power = -big_a * np.log1p(t / (alpha + uage))
    tail = _numpy_tail(big_a, big_b, big_c, z)
    if abs(a - 1.0) < _NEAR_ONE:
        # C/(a−1) magnifies the last bit of the bracket: finish each pair as the scalar path does
        rows = zip(ux.tolist(), uage.tolist(), tail.tolist(), strict=True)
        return np.array([numerator_one(params, int(x), age, t, tail=tl) for x, age, tl in rows])
    with np.errstate(invalid="ignore", divide="ignore"):
        kept = big_c / (a - 1.0) * -np.expm1(log_power + np.log1p(tail))
        negative = big_c / (a - 1.0) * (1.0 - np.exp(log_power) * (1.0 + tail))
    return np.where(tail <= -1.0, negative, kept)


class _Parts:
    """E[Y(t)] of customer i at step k is ``numerators[k, inverse[i]] / divisor[i]`` (0 if dead)."""

    __slots__ = ("dead", "divisor", "inverse", "numerators")

    def __init__(self, numerators: Any, inverse: Any, divisor: Any, dead: Any) -> None:
        self.numerators = numerators
        self.inverse = inverse
        self.divisor = divisor
        self.dead = dead

    def per_customer(self, by_pair: Any) -> Any:
        import numpy as np  # noqa: PLC0415

        return np.where(self.dead, 0.0, by_pair[self.inverse] / self.divisor)


def _parts(params: Params, times: Sequence[float], columns: Columns, obj: str) -> _Parts:
    import numpy as np  # noqa: PLC0415

    x, t_x, age = _checked_arrays(columns, obj)
    _, _, a, b = params
    if a == 1.0 or bool(np.any(a + b + x - 1.0 == 0.0)):
        # the limits: the exact columns path, one customer per "pair"
        grid = np.zeros((len(times), x.size))
        for k, t in enumerate(times):
            grid[k] = expected_columns(params, t, (x, t_x, age), backend="numpy", obj=obj)
        return _Parts(grid, np.arange(x.size), np.ones(x.size), np.zeros(x.size, dtype=bool))
    # distinct (x, T) as complex keys: a 1-d sort (lexicographic on real, then imaginary part)
    pairs, inverse = np.unique(x + 1j * age, return_inverse=True)
    numerators = np.zeros((len(times), pairs.size))
    for k, t in enumerate(times):
        if t != 0:
            numerators[k] = _numerators(params, pairs.real, pairs.imag, t)
    divisor, dead = _divisor(params, x, t_x, age)
    return _Parts(numerators, inverse.reshape(-1), divisor, dead)


def expected_grid(params: Params, times: Sequence[float], columns: Columns, *, obj: str) -> Any:
    """E[Y(t) | x, t_x, T] for each t (rows) and customer (columns): a 2-d float64 array."""
    import numpy as np  # noqa: PLC0415

    parts = _parts(params, times, columns, obj)
    return (
        np.stack([parts.per_customer(row) for row in parts.numerators])
        if len(times)
        else (np.zeros((0, parts.divisor.size)))
    )


def discounted_expected(
    params: Params, times: Sequence[float], discount: float, columns: Columns, *, obj: str
) -> tuple[Any, Any]:
    """(E[Y(t_K)], Σₖ (E[Y(tₖ)] − E[Y(tₖ₋₁)]) / (1 + d)ᵏ) per customer, as float64 arrays.

    The sum is linear in the numerators, so it is taken per distinct (x, T)
    and divided once per customer: no (steps × customers) table is built.
    """
    import numpy as np  # noqa: PLC0415

    parts = _parts(params, times, columns, obj)
    previous = np.zeros(parts.numerators.shape[1])
    total = np.zeros_like(previous)
    for k, current in enumerate(parts.numerators, start=1):
        total += (current - previous) / (1.0 + discount) ** k
        previous = current
    return parts.per_customer(previous), parts.per_customer(total)
