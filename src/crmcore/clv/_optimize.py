"""A small BFGS minimiser with a Wolfe line search, in pure Python (private).

Used by the CLV fits on log-parameters, where the problems have three or
four unknowns: dense matrices as lists of lists are plenty. Follows Nocedal &
Wright, *Numerical Optimization* (2nd ed.): algorithm 6.1 (BFGS with the
inverse-Hessian update 6.17 and the initial scaling 6.20) and the
bracketing/zoom line search of algorithms 3.5-3.6 (strong Wolfe conditions)
with bisection inside the bracket.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import attrs

__all__ = ["Objective", "OptimizeResult", "minimize_bfgs"]

Objective = Callable[[Sequence[float]], tuple[float, list[float]]]
"""A function returning (value, gradient) at a point."""


@attrs.frozen
class OptimizeResult:
    """Where the minimiser stopped and why."""

    x: tuple[float, ...]
    value: float
    gradient: tuple[float, ...]
    iterations: int
    evaluations: int
    converged: bool
    message: str


def _dot(u: Sequence[float], v: Sequence[float]) -> float:
    return math.fsum(a * b for a, b in zip(u, v, strict=True))


def _matvec(m: list[list[float]], v: Sequence[float]) -> list[float]:
    return [_dot(row, v) for row in m]


def _finite(value: float, gradient: Sequence[float]) -> bool:
    return math.isfinite(value) and all(math.isfinite(g) for g in gradient)


@attrs.define
class _LineSearch:
    """Strong-Wolfe step length along ``direction`` from ``x`` (Nocedal & Wright 3.5-3.6)."""

    fun: Objective
    x: Sequence[float]
    value: float
    slope: float
    direction: Sequence[float]
    counter: list[int]
    c1: float = 1e-4
    c2: float = 0.9
    max_steps: int = 60

    def at(self, step: float) -> tuple[float, list[float], float]:
        self.counter[0] += 1
        point = [xi + step * di for xi, di in zip(self.x, self.direction, strict=True)]
        try:
            f, g = self.fun(point)
        except (OverflowError, ValueError):  # a trial point outside floating point
            return math.inf, [0.0] * len(point), math.inf
        if not _finite(f, g):
            return math.inf, g, math.inf
        return f, g, _dot(g, self.direction)

    def _sufficient(self, step: float, f: float) -> bool:
        return f <= self.value + self.c1 * step * self.slope

    def zoom(  # noqa: PLR0917  (the bracket's two ends, as in Nocedal & Wright)
        self, lo: float, f_lo: float, d_lo: float, g_lo: list[float] | None, hi: float, f_hi: float
    ) -> tuple[float, float, list[float]] | None:
        for _ in range(self.max_steps):
            width = hi - lo
            step = lo + 0.5 * width
            denominator = f_hi - f_lo - d_lo * width
            if math.isfinite(f_hi) and denominator > 0:
                # minimiser of the quadratic through f(lo), f'(lo), f(hi), kept inside
                trial = lo - d_lo * width * width / (2.0 * denominator)
                low_end, high_end = sorted((lo + 0.1 * width, hi - 0.1 * width))
                step = min(max(trial, low_end), high_end)
            f, g, d = self.at(step)
            if not self._sufficient(step, f) or f >= f_lo:
                hi, f_hi = step, f
            else:
                if abs(d) <= -self.c2 * self.slope:
                    return step, f, g
                if d * (hi - lo) >= 0:
                    hi, f_hi = lo, f_lo
                lo, f_lo, d_lo, g_lo = step, f, d, g
            if abs(hi - lo) <= 1e-16 * max(1.0, abs(lo)):
                break
        if lo > 0 and g_lo is not None:
            return lo, f_lo, g_lo
        return None

    def search(self) -> tuple[float, float, list[float]] | None:
        previous, f_previous, d_previous = 0.0, self.value, self.slope
        g_previous: list[float] | None = None
        step = 1.0
        for index in range(self.max_steps):
            f, g, d = self.at(step)
            if not self._sufficient(step, f) or (index > 0 and f >= f_previous):
                return self.zoom(previous, f_previous, d_previous, g_previous, step, f)
            if abs(d) <= -self.c2 * self.slope:
                return step, f, g
            if d >= 0:
                return self.zoom(step, f, d, g, previous, f_previous)
            previous, f_previous, d_previous, g_previous = step, f, d, g
            step *= 2.0
        return None


def _line_search(
    fun: Objective,
    x: Sequence[float],
    value: float,
    slope: float,
    direction: Sequence[float],
    *,
    counter: list[int],
) -> tuple[float, float, list[float]] | None:
    """Strong-Wolfe step length along ``direction`` (None if none found)."""
    return _LineSearch(fun, x, value, slope, direction, counter).search()


def _identity(n: int, scale: float = 1.0) -> list[list[float]]:
    return [[scale * float(i == j) for j in range(n)] for i in range(n)]


def _bfgs_update(
    inverse: list[list[float]], s: Sequence[float], y: Sequence[float], *, first: bool
) -> tuple[list[list[float]], bool]:
    """The inverse-Hessian update (N&W 6.17), scaled first by 6.20; skipped when s·y <= 0."""
    n = len(s)
    sy = _dot(s, y)
    if sy <= 1e-300:
        return inverse, first
    if first:
        inverse = _identity(n, sy / _dot(y, y))
    rho = 1.0 / sy
    hy = _matvec(inverse, y)
    yhy = _dot(y, hy)
    updated = [
        [
            inverse[i][j]
            - rho * (hy[i] * s[j] + s[i] * hy[j])
            + (rho * rho * yhy + rho) * s[i] * s[j]
            for j in range(n)
        ]
        for i in range(n)
    ]
    return updated, False


def _stop_after_step(
    x: Sequence[float],
    previous: float,
    value: float,
    gradient: Sequence[float],
    *,
    gtol: float,
    max_abs_x: float,
) -> tuple[bool, str] | None:
    """(converged, why) when the search should stop after a step, else ``None``."""
    drifting = [i for i, v in enumerate(x) if abs(v) > max_abs_x]
    if drifting:
        return (
            False,
            f"parameter {drifting[0]} grows without bound: the data do not identify the model",
        )
    flat = abs(previous - value) <= 1e-15 * max(1.0, abs(value))
    if flat and max(abs(g) for g in gradient) < math.sqrt(gtol):
        return True, "no further decrease (at machine precision)"
    return None


def _no_decrease(x: Sequence[float], max_abs_x: float) -> str:
    """Why the line search stopped: far out on a ridge (degenerate) or simply stuck."""
    far = [i for i, v in enumerate(x) if abs(v) > max_abs_x * 2 / 3]
    if far:
        return (
            f"line search found no decrease with parameter {far[0]} far out on a flat ridge: "
            "the data do not identify the model"
        )
    return "line search found no decrease"


def minimize_bfgs(
    fun: Objective,
    x0: Sequence[float],
    *,
    gtol: float = 1e-9,
    max_iterations: int = 500,
    max_abs_x: float = math.inf,
) -> OptimizeResult:
    """Minimise ``fun`` from ``x0`` by BFGS; converged when max |gradient| < gtol.

    Also converged when a step no longer changes the value beyond machine
    precision while the gradient is small (below √gtol). A coordinate that
    leaves [−max_abs_x, max_abs_x] stops the search unconverged: on
    log-parameters that is a model the data do not identify (a degenerate fit).
    """
    n = len(x0)
    x = list(x0)
    counter = [1]
    value, gradient = fun(x)
    if not _finite(value, gradient):
        return OptimizeResult(
            tuple(x), value, tuple(gradient), 0, 1, False, "objective not finite at the start"
        )
    inverse = _identity(n)
    first = True
    for iteration in range(max_iterations + 1):
        if max(abs(g) for g in gradient) < gtol:
            return OptimizeResult(
                tuple(x), value, tuple(gradient), iteration, counter[0], True, "gradient below gtol"
            )
        if iteration == max_iterations:
            break
        direction = [-d for d in _matvec(inverse, gradient)]
        slope = _dot(gradient, direction)
        if slope >= 0:  # lost descent: restart from steepest descent
            inverse = _identity(n)
            direction = [-g for g in gradient]
            slope = _dot(gradient, direction)
            first = True
        found = _line_search(fun, x, value, slope, direction, counter=counter)
        if found is None:
            return OptimizeResult(
                tuple(x),
                value,
                tuple(gradient),
                iteration,
                counter[0],
                False,
                _no_decrease(x, max_abs_x),
            )
        step, new_value, new_gradient = found
        s = [step * d for d in direction]
        y = [a - b for a, b in zip(new_gradient, gradient, strict=True)]
        x = [a + b for a, b in zip(x, s, strict=True)]
        previous = value
        value, gradient = new_value, new_gradient
        inverse, first = _bfgs_update(inverse, s, y, first=first)
        stop = _stop_after_step(x, previous, value, gradient, gtol=gtol, max_abs_x=max_abs_x)
        if stop is not None:
            converged, message = stop
            return OptimizeResult(
                tuple(x), value, tuple(gradient), iteration + 1, counter[0], converged, message
            )
    return OptimizeResult(
        tuple(x),
        value,
        tuple(gradient),
        max_iterations,
        counter[0],
        False,
        f"no convergence in {max_iterations} iterations",
    )
