"""Pareto/NBD purchase model, numerically stable (private).

Schmittlein, Morrison & Colombo (1987), "Counting your customers: who are
they and what will they do next?", Management Science 33(1); likelihood as in
Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and related
expressions" (eq. 22):

    L = Γ(r+x) αʳ βˢ / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s·(F(t_x) − F(T)) ]

where F(y) = ∫_y^∞ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ is the chance-weighted tail
of a dropout after y. F is a Gauss hypergeometric function,
F(y) = ₂F₁(a, b; a+1; z)/(a·c^a) with a = r+s+x and (b, c, z) =
(s+1, α+y, (α−β)/(α+y)) when α ≥ β or (r+x, β+y, (β−α)/(β+y)) otherwise.
The usual trouble (overflow of c^a and of ₂F₁ for frequent buyers) goes away
with Euler's transformation ₂F₁(a, b; a+1; z) = (1−z)^(1−b) ₂F₁(1, a+1−b; a+1; z)
(Abramowitz & Stegun 15.3.3): the new series has positive terms shrinking
at least by the factor z, so it is summed in log space without overflow or
cancellation. Gradients are central differences of this likelihood.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

from crmcore._backend import Backend, Engine, resolve_backend
from crmcore.clv._bgnbd import Triples, _positive
from crmcore.clv._optimize import Objective, minimize_bfgs
from crmcore.clv._quadrature import log_integral
from crmcore.clv._summary import CustomerSummary
from crmcore.errors import ConvergenceError, ValidationError

__all__ = ["ParetoNbdFit", "ParetoNbdModel"]

_MAX_TERMS = 1_000_000

_SERIES_MAX_Z = 0.5
"""Above this z the series needs thousands of terms (its ratio tends to z): the dropout
integral is then computed by quadrature instead, in bounded time."""


def _log_series(a: float, b: float, z: float) -> float:
    """ln Σₙ zⁿ Πⱼ<ₙ (a+1−b+j)/(a+1+j): ₂F₁(1, a+1−b; a+1; z), 0 ≤ z < 1."""
    term = 1.0
    total = 1.0
    shift = a + 1.0 - b
    for n in range(_MAX_TERMS):
        term *= (shift + n) / (a + 1.0 + n) * z
        total += term
        if term <= 1e-17 * total:
            return math.log(total)
    raise ConvergenceError(
        obj="ParetoNbdModel", field="z", value=z, expected="a hypergeometric series that converges"
    )


def _log_tail(params: Sequence[float], x: int, y: float) -> float:
    """ln F(y) (see the module docstring)."""
    r, alpha, s, beta = params
    a = r + s + x
    if alpha >= beta:
        b, c, gap = s + 1.0, alpha + y, alpha - beta
    else:
        b, c, gap = r + x, beta + y, beta - alpha
    z = gap / c
    return (1.0 - b) * math.log1p(-z) + _log_series(a, b, z) - math.log(a) - a * math.log(c)


def _series_z(params: Sequence[float], y: float) -> float:
    """The z of the series at ``y`` (largest at the smallest y)."""
    _r, alpha, _s, beta = params
    return abs(alpha - beta) / (max(alpha, beta) + y)


def _log_between(params: Sequence[float], x: int, low: float, high: float) -> float:
    """ln ∫_low^high (α+τ)^−(r+x) (β+τ)^−(s+1) dτ by quadrature, for any parameters.

    With c = min(α, β) and w = ln(c+τ) both factors are smooth in w, so a
    composite Gauss–Legendre rule on [ln(c+low), ln(c+high)] in log space,
    one 20-node panel per 2.5 units of w (at most 30), agrees with adaptive
    quadrature to ~1e-12.
    """
    r, alpha, s, beta = params
    c = min(alpha, beta)
    da, db = alpha - c, beta - c

    def phi(w: float) -> float:
        e = math.exp(w)
        return w - (r + x) * math.log(da + e) - (s + 1.0) * math.log(db + e)

    w0, w1 = math.log(c + low), math.log(c + high)
    return log_integral(phi, w0, w1, min(30, max(1, math.ceil((w1 - w0) / 2.5))))


def _log_dropped(params: Sequence[float], x: int, t_x: float, age: float) -> float:
    """ln(s·(F(t_x) − F(T))): the series while it converges fast, else quadrature."""
    s = params[2]
    if _series_z(params, t_x) > _SERIES_MAX_Z:
        return math.log(s) + _log_between(params, x, t_x, age)
    upper = _log_tail(params, x, t_x)
    lower = _log_tail(params, x, age)
    # F(t_x) > F(T) > 0: ln(F(t_x) − F(T)) = ln F(t_x) + ln(−expm1(ln F(T) − ln F(t_x))),
    # exact when t_x is within a rounding error of T (then the term vanishes: −inf).
    gap = -math.expm1(min(lower - upper, 0.0))
    return math.log(s) + upper + math.log(gap) if gap > 0.0 else -math.inf


def _log_parts(
    params: Sequence[float], x: int, t_x: float, age: float
) -> tuple[float, float, float]:
    """(ln of the alive term, ln of the dropped-out term, constant) of one customer."""
    r, alpha, s, beta = params
    constant = math.lgamma(r + x) - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
    alive = -(r + x) * math.log(alpha + age) - s * math.log(beta + age)
    if t_x >= age:
        return alive, -math.inf, constant
    return alive, _log_dropped(params, x, t_x, age), constant


def _log_likelihood_one(params: Sequence[float], x: int, t_x: float, age: float) -> float:
    alive, dropped, constant = _log_parts(params, x, t_x, age)
    top = max(alive, dropped)
    return constant + top + math.log(math.exp(alive - top) + math.exp(dropped - top))


@attrs.frozen
class ParetoNbdModel:
    """Pareto/NBD: Poisson(λ) purchases while alive, exponential(μ) lifetimes.

    λ ~ Gamma(r, α) and μ ~ Gamma(s, β) across customers. Fit with
    :meth:`fit`; the BG/NBD model (:class:`BetaGeoModel`) is its faster
    sibling with nearly the same fit on most data.

    >>> m = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> c = CustomerSummary("1", frequency=2, recency=30.43, age=38.86)
    >>> round(m.probability_alive(c), 3)
    0.869
    """

    r: float = attrs.field(validator=_positive("ParetoNbdModel"))
    alpha: float = attrs.field(validator=_positive("ParetoNbdModel"))
    s: float = attrs.field(validator=_positive("ParetoNbdModel"))
    beta: float = attrs.field(validator=_positive("ParetoNbdModel"))

    @classmethod
    def fit(
        cls,
        customers: Iterable[CustomerSummary],
        *,
        backend: Backend = "auto",
        max_iterations: int = 300,
        strict: bool = False,
    ) -> ParetoNbdFit:
        """Maximum-likelihood fit (BFGS on log-parameters, difference gradients).

        The likelihood is summed over unique (x, t_x, T) triples weighted by
        count; ``backend="numpy"`` sums the series of all triples at once.
        """
        data = Triples.from_customers(customers, "ParetoNbdModel.fit")
        return cls._fit(data, "ParetoNbdModel.fit", backend, max_iterations, strict=strict)

    @classmethod
    def fit_counts(
        cls,
        frequency: Sequence[int],
        recency: Sequence[float],
        age: Sequence[float],
        weight: Sequence[int],
        *,
        backend: Backend = "auto",
        max_iterations: int = 300,
        strict: bool = False,
    ) -> ParetoNbdFit:
        """:meth:`fit` on (x, t_x, T) rows with their customer counts, as columns.

        The same input as :meth:`BetaGeoModel.fit_counts`: what a
        distributed ``GROUP BY x, t_x, T`` with a count hands over.
        """
        obj = "ParetoNbdModel.fit_counts"
        data = Triples.from_columns((frequency, recency, age, weight), obj)
        return cls._fit(data, obj, backend, max_iterations, strict=strict)

    @classmethod
    def _fit(
        cls, data: Triples, obj: str, backend: Backend, max_iterations: int, *, strict: bool
    ) -> ParetoNbdFit:
        engine = resolve_backend(backend, obj=obj)
        total = sum(data.weight)
        value = _numpy_value(data) if engine == "numpy" else _python_value(data)

        def bounded(theta: Sequence[float]) -> float:
            # A trial step beyond e^±50 is refused as "no decrease" rather than overflowing.
            return math.inf if max(abs(v) for v in theta) > 50.0 else -value(theta) / total

        objective = _with_gradient(bounded)
        mean_age = sum(t * w for t, w in zip(data.age, data.weight, strict=True)) / total
        start = [0.0, math.log(max(mean_age, 1e-6)), 0.0, math.log(max(mean_age, 1e-6))]
        # e^12 ≈ 163,000: beyond that r, α, s or β only drift along a flat ridge (e.g. no
        # customer looks dropped out, so s and β grow together): a degenerate fit.
        result = minimize_bfgs(
            objective, start, gtol=1e-7, max_iterations=max_iterations, max_abs_x=12.0
        )
        r, alpha, s, beta = (math.exp(v) for v in result.x)
        fit = ParetoNbdFit(
            model=cls(r=r, alpha=alpha, s=s, beta=beta),
            log_likelihood=-result.value * total,
            iterations=result.iterations,
            converged=result.converged,
            n_customers=total,
            backend=engine,
            message=result.message,
        )
        if strict and not fit.converged:
            raise ConvergenceError(obj=obj, field="converged", value=False, expected=result.message)
        return fit

    def log_likelihood(self, customers: Iterable[CustomerSummary]) -> float:
        """Total log-likelihood of ``customers`` (Fader & Hardie 2005, eq. 22)."""
        data = Triples.from_customers(customers, "ParetoNbdModel.log_likelihood")
        theta = [math.log(v) for v in (self.r, self.alpha, self.s, self.beta)]
        return _python_value(data)(theta)

    def probability_alive(self, customer: CustomerSummary) -> float:
        """P(alive | x, t_x, T): the alive term's share of the likelihood."""
        params = (self.r, self.alpha, self.s, self.beta)
        alive, dropped, _ = _log_parts(params, customer.frequency, customer.recency, customer.age)
        if dropped == -math.inf:
            return 1.0
        return 1.0 / (1.0 + math.exp(dropped - alive))

    def probability_alive_columns(
        self,
        frequency: Sequence[Any],
        recency: Sequence[Any],
        age: Sequence[Any],
        *,
        backend: Backend = "auto",
    ) -> list[float]:
        """:meth:`probability_alive` of every customer given as columns (lists or numpy arrays).

        Checked against the likelihood's two terms integrated with scipy's
        ``quad``: 0.3004 and 0.8692.

        >>> m = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> [round(p, 3) for p in m.probability_alive_columns([0, 2], [0.0, 30.43], [38.0, 38.86])]
        [0.3, 0.869]
        """
        obj = "ParetoNbdModel.probability_alive_columns"
        engine = resolve_backend(backend, obj=obj)
        # Validated as the fit validates them; the order of the input is kept below.
        Triples.from_columns((frequency, recency, age, [1] * len(frequency)), obj)
        xs, txs, ages = (list(map(float, column)) for column in (frequency, recency, age))
        params = (self.r, self.alpha, self.s, self.beta)
        if engine == "python":
            return [
                self.probability_alive(CustomerSummary("c", frequency=int(x), recency=t, age=a))
                for x, t, a in zip(xs, txs, ages, strict=True)
            ]
        import numpy as np  # noqa: PLC0415  (optional accelerator, imported lazily)

        alive, dropped = _np_parts(np, params, np.array(xs), np.array(txs), np.array(ages))
        with np.errstate(over="ignore"):
            return [float(v) for v in 1.0 / (1.0 + np.exp(dropped - alive))]

    def conditional_expected_transactions(self, customer: CustomerSummary, t: float) -> float:
        """E[Y(t) | x, t_x, T] (Schmittlein, Morrison & Colombo 1987, eq. 22).

        (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)] · P(alive);
        at s = 1 its limit (r+x)(β+T)/(α+T) · ln((β+T+t)/(β+T)) is used.
        """
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
            raise ValidationError(obj="ParetoNbdModel", field="t", value=t, expected="a time >= 0")
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        x, age = customer.frequency, customer.age
        rate = (r + x) / (alpha + age)
        if abs(s - 1.0) < 1e-9:
            spread = (beta + age) * math.log((beta + age + t) / (beta + age))
        else:
            spread = (
                (beta + age) / (s - 1.0) * (1.0 - ((beta + age) / (beta + age + t)) ** (s - 1.0))
            )
        return float(rate * spread * self.probability_alive(customer))

    def conditional_expected_transactions_columns(
        self,
        t: float,
        frequency: Sequence[Any],
        recency: Sequence[Any],
        age: Sequence[Any],
        *,
        backend: Backend = "auto",
    ) -> list[float]:
        """:meth:`conditional_expected_transactions` in the next ``t`` of every customer (columns).

        The rate and spread factors are closed forms per customer; P(alive)
        comes from :meth:`probability_alive_columns` on the same backend.

        >>> m = ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> c = CustomerSummary("1", frequency=2, recency=30.43, age=38.86)
        >>> got = m.conditional_expected_transactions_columns(39, [2], [30.43], [38.86])
        >>> abs(got[0] - m.conditional_expected_transactions(c, 39)) < 1e-12
        True
        """
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
            raise ValidationError(obj="ParetoNbdModel", field="t", value=t, expected="a time >= 0")
        alive = self.probability_alive_columns(frequency, recency, age, backend=backend)
        r, alpha, s, beta = self.r, self.alpha, self.s, self.beta
        out = []
        for x_cell, age_cell, p in zip(frequency, age, alive, strict=True):
            x, a = float(x_cell), float(age_cell)
            if abs(s - 1.0) < 1e-9:
                spread = (beta + a) * math.log((beta + a + t) / (beta + a))
            else:
                spread = (beta + a) / (s - 1.0) * (1.0 - ((beta + a) / (beta + a + t)) ** (s - 1.0))
            out.append(float((r + x) / (alpha + a) * spread * p))
        return out


@attrs.frozen
class ParetoNbdFit:
    """The outcome of :meth:`ParetoNbdModel.fit`."""

    model: ParetoNbdModel
    log_likelihood: float
    iterations: int
    converged: bool
    n_customers: int
    backend: Engine
    """The backend that ran the fit: ``"python"`` or ``"numpy"``."""
    message: str


def _with_gradient(func: Callable[[Sequence[float]], float]) -> Objective:
    def objective(theta: Sequence[float]) -> tuple[float, list[float]]:
        center = func(theta)
        gradient = []
        for i in range(len(theta)):
            step = 1e-5
            up = list(theta)
            down = list(theta)
            up[i] += step
            down[i] -= step
            gradient.append((func(up) - func(down)) / (2.0 * step))
        return center, gradient

    return objective


def _python_value(data: Triples) -> Callable[[Sequence[float]], float]:
    rows = list(zip(data.x, data.t_x, data.age, data.weight, strict=True))

    def value(theta: Sequence[float]) -> float:
        params = [math.exp(v) for v in theta]
        return math.fsum(w * _log_likelihood_one(params, x, t_x, age) for x, t_x, age, w in rows)

    return value


def _np_log_series(np: Any, a: Any, b: Any, z: Any) -> Any:
    """ln ₂F₁(1, a+1−b; a+1; z) for arrays with z ≤ :data:`_SERIES_MAX_Z` (fast rows only)."""
    term = np.ones_like(z)
    total = np.ones_like(z)
    shift = a + 1.0 - b
    for n in range(_MAX_TERMS):
        term = term * (shift + n) / (a + 1.0 + n) * z
        total = total + term
        if not np.any(term > 1e-17 * total):
            return np.log(total)
    raise ConvergenceError(  # pragma: no cover - z is bounded, so the series converges
        obj="ParetoNbdModel", field="z", value=float(z.max()), expected="a converging series"
    )


def _np_log_tail(np: Any, params: Sequence[float], x: Any, y: Any) -> Any:
    """ln F(y) for arrays (see the module docstring)."""
    r, alpha, s, beta = params
    a = r + s + x
    if alpha >= beta:
        b, c, gap = np.full_like(x, s + 1.0), alpha + y, alpha - beta
    else:
        b, c, gap = r + x, beta + y, beta - alpha
    z = gap / c
    return (1.0 - b) * np.log1p(-z) + _np_log_series(np, a, b, z) - np.log(a) - a * np.log(c)


def _np_parts(np: Any, params: Sequence[float], x: Any, t_x: Any, age: Any) -> tuple[Any, Any]:
    """(ln alive term, ln dropped term) per row; slow-series rows go through the quadrature."""
    r, alpha, s, beta = params
    alive = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    open_ = t_x < age
    slow = abs(alpha - beta) / (max(alpha, beta) + t_x) > _SERIES_MAX_Z
    # The series runs on a far point (z ≈ 0) for the slow rows; they are replaced below.
    upper = _np_log_tail(np, params, x, np.where(slow, 1e12, t_x))
    lower = _np_log_tail(np, params, x, np.where(slow, 2e12, age))
    with np.errstate(divide="ignore"):
        dropped = np.where(
            open_,
            math.log(s) + upper + np.log(-np.expm1(np.minimum(lower - upper, 0.0))),
            -np.inf,
        )
    for i in np.flatnonzero(slow & open_):
        dropped[i] = math.log(s) + _log_between(params, int(x[i]), float(t_x[i]), float(age[i]))
    return alive, dropped


def _numpy_value(data: Triples) -> Callable[[Sequence[float]], float]:
    import numpy as np  # noqa: PLC0415  (optional accelerator, imported lazily)

    x = np.array(data.x, dtype=float)
    t_x = np.array(data.t_x, dtype=float)
    age = np.array(data.age, dtype=float)
    weight = np.array(data.weight, dtype=float)
    distinct = sorted(set(data.x))
    which = np.array([distinct.index(v) for v in data.x], dtype=np.intp)

    def value(theta: Sequence[float]) -> float:
        r, alpha, s, beta = (math.exp(v) for v in theta)
        lg = np.array([math.lgamma(r + v) for v in distinct])[which]
        constant = lg - math.lgamma(r) + r * math.log(alpha) + s * math.log(beta)
        alive, dropped = _np_parts(np, (r, alpha, s, beta), x, t_x, age)
        top = np.maximum(alive, dropped)
        total = constant + top + np.log(np.exp(alive - top) + np.exp(dropped - top))
        return float(np.dot(weight, total))

    return value
