"""BG/NBD purchase model, fitted by maximum likelihood (private).

Fader, Hardie & Lee (2005), "Counting your customers the easy way: an
alternative to the Pareto/NBD model", Marketing Science 24(2): 275-284.
Equation numbers below refer to that paper.
"""

from __future__ import annotations

import math
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import attrs

from crmcore._backend import Backend, Engine, resolve_backend
from crmcore.clv._columns import (
    alive_columns,
    alive_one,
    expected_columns,
    expected_one,
    numerator_one,
)
from crmcore.clv._grid import discounted_expected, expected_grid
from crmcore.clv._optimize import Objective, minimize_bfgs
from crmcore.clv._special import digamma, log_beta
from crmcore.clv._summary import CustomerSummary
from crmcore.errors import ConvergenceError, ValidationError

__all__ = ["BetaGeoFit", "BetaGeoModel", "Triples"]


@attrs.frozen
class Triples:
    """Unique (x, t_x, T) triples with their counts: the likelihood's sufficient data."""

    x: tuple[int, ...]
    t_x: tuple[float, ...]
    age: tuple[float, ...]
    weight: tuple[int, ...]

    @classmethod
    def from_customers(cls, customers: Iterable[CustomerSummary], obj: str) -> Triples:
        """Count the distinct (x, t_x, T) of ``customers`` (at least one)."""
        counts: Counter[tuple[int, float, float]] = Counter()
        for index, customer in enumerate(customers):
            if not isinstance(customer, CustomerSummary):
                raise ValidationError(
                    obj=obj,
                    field=f"customers[{index}]",
                    value=customer,
                    expected="a CustomerSummary",
                )
            counts[customer.frequency, customer.recency, customer.age] += 1
        if not counts:
            raise ValidationError(
                obj=obj, field="customers", value=[], expected="at least one customer"
            )
        return cls._of(counts)

    @classmethod
    def from_columns(
        cls,
        columns: tuple[Sequence[Any], Sequence[Any], Sequence[Any], Sequence[Any]],
        obj: str,
    ) -> Triples:
        """Add up the weights of (x, t_x, T) rows given as four equal-length columns."""
        names = ("frequency", "recency", "age", "weight")
        lengths = {len(column) for column in columns}
        if len(lengths) != 1:
            raise ValidationError(
                obj=obj,
                field="columns",
                value=dict(zip(names, (len(c) for c in columns), strict=True)),
                expected="four columns of one length",
            )
        counts: Counter[tuple[int, float, float]] = Counter()
        for index, values in enumerate(zip(*columns, strict=True)):
            row = _count_row(values, obj, index)
            if row[3]:
                counts[row[:3]] += row[3]
        if not counts:
            raise ValidationError(
                obj=obj, field="weight", value=0, expected="at least one customer (weight > 0)"
            )
        return cls._of(counts)

    @classmethod
    def _of(cls, counts: Counter[tuple[int, float, float]]) -> Triples:
        keys = sorted(counts)
        return cls(
            tuple(k[0] for k in keys),
            tuple(k[1] for k in keys),
            tuple(k[2] for k in keys),
            tuple(counts[k] for k in keys),
        )


def _count(value: object, obj: str, field: str) -> int:
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        number = -1
    if isinstance(value, bool) or number < 0:
        raise ValidationError(obj=obj, field=field, value=value, expected="an int >= 0")
    return number


def _time(value: object, obj: str, field: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, (bool, str)) or not math.isfinite(number) or number < 0:
        raise ValidationError(obj=obj, field=field, value=value, expected="a time >= 0")
    return number


def _count_row(
    values: tuple[object, object, object, object], obj: str, index: int
) -> tuple[int, float, float, int]:
    """One checked row of :meth:`Triples.from_columns` (numpy scalars welcome)."""
    x, t_x, age, weight = values
    row = (
        _count(x, obj, f"frequency[{index}]"),
        _time(t_x, obj, f"recency[{index}]"),
        _time(age, obj, f"age[{index}]"),
        _count(weight, obj, f"weight[{index}]"),
    )
    if row[1] > row[2] or (row[0] == 0 and row[1] != 0):
        raise ValidationError(
            obj=obj,
            field=f"recency[{index}]",
            value=t_x,
            expected=f"a recency <= age ({row[2]}), and 0 when frequency is 0",
        )
    return row


def _positive(name: str) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[float], value: object) -> None:
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ValidationError(
                obj=name, field=attribute.name, value=value, expected="a number > 0"
            )

    return check


@attrs.frozen
class BetaGeoModel:
    """A fitted (or given) BG/NBD model: transactions ~ Poisson(λ) while alive.

    λ ~ Gamma(r, α) across customers; after each purchase a customer drops
    out with probability p ~ Beta(a, b). Time is in the unit the summaries
    were made in (weeks for the CDNOW sample).

    >>> m = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)  # FHL 2005, CDNOW
    >>> round(m.expected_transactions(39.0), 3)  # = Σ n·P(X(39) = n), see the tests
    1.197
    """

    r: float = attrs.field(validator=_positive("BetaGeoModel"))
    alpha: float = attrs.field(validator=_positive("BetaGeoModel"))
    a: float = attrs.field(validator=_positive("BetaGeoModel"))
    b: float = attrs.field(validator=_positive("BetaGeoModel"))

    # -- fitting ------------------------------------------------------------------------------

    @classmethod
    def fit(
        cls,
        customers: Iterable[CustomerSummary],
        *,
        backend: Backend = "auto",
        max_iterations: int = 500,
        strict: bool = False,
    ) -> BetaGeoFit:
        """Maximum-likelihood fit on customer summaries.

        The log-likelihood (eq. 6) is summed over unique (x, t_x, T) triples
        weighted by their count, with analytic gradients, and maximised by
        BFGS over the logarithms of (r, α, a, b). ``backend`` is ``"python"``,
        ``"numpy"`` (vectorised over triples) or ``"auto"``; both give the
        same result to rounding. With ``strict`` a fit that did not converge
        raises :class:`~crmcore.errors.ConvergenceError`; otherwise check
        :attr:`BetaGeoFit.converged`.
        """
        data = Triples.from_customers(customers, "BetaGeoModel.fit")
        return cls._fit(data, "BetaGeoModel.fit", backend, max_iterations, strict=strict)

    @classmethod
    def fit_counts(
        cls,
        frequency: Sequence[int],
        recency: Sequence[float],
        age: Sequence[float],
        weight: Sequence[int],
        *,
        backend: Backend = "auto",
        max_iterations: int = 500,
        strict: bool = False,
    ) -> BetaGeoFit:
        """Maximum-likelihood fit on (x, t_x, T) rows with their customer counts, as columns.

        The likelihood needs only the distinct (x, t_x, T) and how many
        customers share each, so a distributed group-by (Dask, Spark, SQL
        ``GROUP BY x, t_x, T``) can feed it without sending the customers.
        Rows may repeat (their weights add up) and may be numpy arrays; a
        weight of 0 drops a row. Otherwise exactly :meth:`fit`.

        >>> fit = BetaGeoModel.fit_counts([0, 1, 2], [0.0, 10.0, 30.0], [39.0, 39.0, 38.0],
        ...                               [60, 25, 15], backend="python")
        >>> fit.n_customers, fit.n_unique
        (100, 3)
        """
        obj = "BetaGeoModel.fit_counts"
        data = Triples.from_columns((frequency, recency, age, weight), obj)
        return cls._fit(data, obj, backend, max_iterations, strict=strict)

    @classmethod
    def _fit(
        cls, data: Triples, obj: str, backend: Backend, max_iterations: int, *, strict: bool
    ) -> BetaGeoFit:
        engine = resolve_backend(backend, obj=obj)
        total = sum(data.weight)
        objective = _numpy_objective(data) if engine == "numpy" else _python_objective(data)
        mean_age = sum(t * w for t, w in zip(data.age, data.weight, strict=True)) / total
        start = [0.0, math.log(max(mean_age, 1e-6)), 0.0, 0.0]

        def scaled(theta: Sequence[float]) -> tuple[float, list[float]]:
            if max(abs(v) for v in theta) > _FAR:
                return math.inf, [0.0] * len(theta)  # a trial step too far: no decrease
            value, gradient = objective(theta)
            return -value / total, [-g / total for g in gradient]

        # Beyond e^18 a parameter only drifts along a flat ridge (a degenerate fit).
        result = minimize_bfgs(
            scaled, start, gtol=1e-9, max_iterations=max_iterations, max_abs_x=18.0
        )
        r, alpha, a, b = (math.exp(v) for v in result.x)
        fit = BetaGeoFit(
            model=cls(r=r, alpha=alpha, a=a, b=b),
            log_likelihood=-result.value * total,
            iterations=result.iterations,
            converged=result.converged,
            n_customers=total,
            n_unique=len(data.x),
            backend=engine,
            message=result.message,
        )
        if strict and not fit.converged:
            raise ConvergenceError(obj=obj, field="converged", value=False, expected=result.message)
        return fit

    def log_likelihood(self, customers: Iterable[CustomerSummary]) -> float:
        """Total log-likelihood of ``customers`` under this model (eq. 6)."""
        data = Triples.from_customers(customers, "BetaGeoModel.log_likelihood")
        theta = [math.log(v) for v in (self.r, self.alpha, self.a, self.b)]
        return _python_objective(data)(theta)[0]

    # -- predictions --------------------------------------------------------------------------

    def expected_transactions(self, t: float) -> float:
        """E[X(t)], expected purchases of a new customer in (0, t] (eq. 9)."""
        _check_time(t, "t")
        return numerator_one((self.r, self.alpha, self.a, self.b), 0, 0.0, t)

    def probability_alive(self, customer: CustomerSummary) -> float:
        """P(still active | x, t_x, T) (Fader, Hardie & Lee 2008 note, eq. 2)."""
        params = (self.r, self.alpha, self.a, self.b)
        return alive_one(params, customer.frequency, customer.recency, customer.age)

    def conditional_expected_transactions(self, customer: CustomerSummary, t: float) -> float:
        """E[Y(t) | x, t_x, T], expected purchases in the next ``t`` (eq. 10)."""
        _check_time(t, "t")
        return self._expected(customer.frequency, customer.recency, customer.age, t)

    def _expected(self, x: int, t_x: float, age: float, t: float) -> float:
        return expected_one((self.r, self.alpha, self.a, self.b), x, t_x, age, t)

    # -- predictions over columns (the batch path) --------------------------------------------

    def probability_alive_columns(
        self,
        frequency: Sequence[Any],
        recency: Sequence[Any],
        age: Sequence[Any],
        *,
        backend: Backend = "auto",
    ) -> list[float]:
        """:meth:`probability_alive` of every customer given as columns (lists or numpy arrays).

        >>> m = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> [round(p, 3) for p in m.probability_alive_columns([0, 2], [0.0, 30.43], [38.0, 38.86])]
        [1.0, 0.727]
        """
        params = (self.r, self.alpha, self.a, self.b)
        obj = "BetaGeoModel.probability_alive_columns"
        return alive_columns(params, (frequency, recency, age), backend=backend, obj=obj)

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

        >>> m = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> [round(e, 3) for e in m.conditional_expected_transactions_columns(39, [2], [30.43], [38.86])]
        [1.226]
        """
        _check_time(t, "t")
        params = (self.r, self.alpha, self.a, self.b)
        obj = "BetaGeoModel.conditional_expected_transactions_columns"
        return expected_columns(
            params, float(t), (frequency, recency, age), backend=backend, obj=obj
        )

    def conditional_expected_transactions_grid(
        self,
        times: Sequence[float],
        frequency: Sequence[Any],
        recency: Sequence[Any],
        age: Sequence[Any],
    ) -> Any:
        """E[Y(t)] of every customer (columns) at every ``t`` of ``times``: a numpy array (t × customer).

        The batch path of CLV over a horizon (needs numpy): the ₂F₁ series are
        summed once per distinct (frequency, age) and step, the rest runs over
        whole arrays. Equal to :meth:`conditional_expected_transactions_columns`
        at each ``t`` within 1e-12 relative.

        >>> m = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> grid = m.conditional_expected_transactions_grid([39.0, 78.0], [2, 2], [30.43, 30.43], [38.86, 38.86])
        >>> grid.shape, round(float(grid[0, 0]), 3)
        ((2, 2), 1.226)
        """
        for t in times:
            _check_time(t, "times")
        params = (self.r, self.alpha, self.a, self.b)
        obj = "BetaGeoModel.conditional_expected_transactions_grid"
        return expected_grid(params, [float(t) for t in times], (frequency, recency, age), obj=obj)

    def discounted_expected_transactions_columns(
        self,
        frequency: Sequence[Any],
        recency: Sequence[Any],
        age: Sequence[Any],
        *,
        horizon: int,
        step: float = 1.0,
        discount_rate: float = 0.0,
    ) -> tuple[Any, Any]:
        """Expected purchases over ``horizon`` steps and their discounted sum, per customer (numpy).

        Returns two float64 arrays: E[Y(horizon·step)] and
        Σₖ₌₁..horizon (E[Y(k·step)] − E[Y((k−1)·step)]) / (1 + d)ᵏ, the
        factor :func:`~crmcore.clv.customer_lifetime_values` multiplies by
        the expected spend and margin. The sum is taken per distinct
        (frequency, age) and divided per customer once, so a million
        customers over 52 steps need no 52-million-cell table; both agree
        with the one-customer path within 1e-12 relative.

        >>> m = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> total, discounted = m.discounted_expected_transactions_columns([2], [30.43], [38.86], horizon=1, step=39)
        >>> round(float(total[0]), 3), bool(total[0] == discounted[0])
        (1.226, True)
        """
        if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 0:
            raise ValidationError(
                obj="BetaGeoModel", field="horizon", value=horizon, expected="an int >= 0"
            )
        _check_time(step, "step")
        if (
            isinstance(discount_rate, bool)
            or not isinstance(discount_rate, (int, float))
            or not discount_rate > -1
        ):
            raise ValidationError(
                obj="BetaGeoModel",
                field="discount_rate",
                value=discount_rate,
                expected="a rate > -1",
            )
        params = (self.r, self.alpha, self.a, self.b)
        times = [k * float(step) for k in range(1, horizon + 1)]
        obj = "BetaGeoModel.discounted_expected_transactions_columns"
        return discounted_expected(
            params, times, float(discount_rate), (frequency, recency, age), obj=obj
        )

    def probability_of_purchases(self, n: int, t: float) -> float:
        """P(X(t) = n) for a new customer (eq. 8)."""
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ValidationError(
                obj="BetaGeoModel.probability_of_purchases",
                field="n",
                value=n,
                expected="an int >= 0",
            )
        _check_time(t, "t")
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        log_p = math.log(alpha / (alpha + t))
        log_q = math.log(t / (alpha + t)) if t > 0 else -math.inf

        def poisson_gamma(j: int) -> float:
            # Γ(r + j) / (Γ(r) j!) (α/(α+t))^r (t/(α+t))^j: the NBD probability of j
            if j == 0:
                return math.exp(r * log_p)
            if t == 0:
                return 0.0
            return math.exp(
                math.lgamma(r + j) - math.lgamma(r) - math.lgamma(j + 1.0) + r * log_p + j * log_q
            )

        first = math.exp(log_beta(a, b + n) - log_beta(a, b)) * poisson_gamma(n)
        if n == 0:
            return first
        cumulative = math.fsum(poisson_gamma(j) for j in range(n))
        second = math.exp(log_beta(a + 1.0, b + n - 1.0) - log_beta(a, b)) * (1.0 - cumulative)
        return first + second


def _check_time(t: object, field: str) -> None:
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t < 0:
        raise ValidationError(obj="BetaGeoModel", field=field, value=t, expected="a time >= 0")


@attrs.frozen
class BetaGeoFit:
    """The outcome of :meth:`BetaGeoModel.fit`, convergence reported honestly."""

    model: BetaGeoModel
    log_likelihood: float
    """Total log-likelihood at the optimum, on the data's own time scale."""
    iterations: int
    converged: bool
    n_customers: int
    n_unique: int
    """Distinct (x, t_x, T) triples the likelihood was summed over."""
    backend: Engine
    """The backend that ran the fit: ``"python"`` or ``"numpy"``."""
    message: str


_FAR = 50.0
"""A log-parameter beyond ±50 (e^50 ≈ 5e21) is a step the line search must not take."""


def _per_x(
    x_values: Sequence[int], r: float, alpha: float, a: float, b: float
) -> dict[int, tuple[float, ...]]:
    """Terms of eq. 6 and of its gradient that depend on x only."""
    log_alpha = math.log(alpha)
    base = math.lgamma(r) - r * log_alpha + math.lgamma(b) - math.lgamma(a + b)
    psi_r, psi_ab, psi_b = digamma(r), digamma(a + b), digamma(b)
    terms: dict[int, tuple[float, ...]] = {}
    for x in x_values:
        # ln Γ(r+x) − ln Γ(r) + r ln α + ln Γ(a+b) + ln Γ(b+x) − ln Γ(b) − ln Γ(a+b+x)
        constant = math.lgamma(r + x) + math.lgamma(b + x) - math.lgamma(a + b + x) - base
        psi_abx = digamma(a + b + x)
        d_r = digamma(r + x) - psi_r + log_alpha
        d_a = psi_ab - psi_abx
        d_b = psi_ab + digamma(b + x) - psi_b - psi_abx
        log_bx1 = math.log(b + x - 1.0) if x > 0 else 0.0
        terms[x] = (constant, d_r, d_a, d_b, log_bx1)
    return terms


def _python_objective(data: Triples) -> Objective:
    x_values = sorted(set(data.x))
    rows = list(zip(data.x, data.t_x, data.age, data.weight, strict=True))

    def objective(theta: Sequence[float]) -> tuple[float, list[float]]:
        r, alpha, a, b = (math.exp(v) for v in theta)
        per_x = _per_x(x_values, r, alpha, a, b)
        log_a = math.log(a)
        total = g_r = g_alpha = g_a = g_b = 0.0
        log, exp = math.log, math.exp
        for x, t_x, age, weight in rows:
            constant, d_r, d_a, d_b, log_bx1 = per_x[x]
            rx = r + x
            log_big_t = log(alpha + age)
            a3 = -rx * log_big_t
            if x:
                log_t = log(alpha + t_x)
                a4 = log_a - log_bx1 - rx * log_t
                if a3 >= a4:
                    e4 = exp(a4 - a3)
                    mix = a3 + log(1.0 + e4)
                    w4 = e4 / (1.0 + e4)
                else:
                    e3 = exp(a3 - a4)
                    mix = a4 + log(1.0 + e3)
                    w4 = 1.0 / (1.0 + e3)
                w3 = 1.0 - w4
                total += weight * (constant + mix)
                g_r += weight * (d_r - w3 * log_big_t - w4 * log_t)
                g_alpha += weight * (r / alpha - rx * (w3 / (alpha + age) + w4 / (alpha + t_x)))
                g_a += weight * (d_a + w4 / a)
                g_b += weight * (d_b - w4 / (b + x - 1.0))
            else:
                total += weight * (constant + a3)
                g_r += weight * (d_r - log_big_t)
                g_alpha += weight * (r / alpha - rx / (alpha + age))
                g_a += weight * d_a
                g_b += weight * d_b
        # chain rule to log-parameters
        return total, [g_r * r, g_alpha * alpha, g_a * a, g_b * b]

    return objective


def _numpy_objective(data: Triples) -> Objective:
    import numpy as np  # noqa: PLC0415  (optional accelerator, imported lazily)

    x_values = sorted(set(data.x))
    index = {x: i for i, x in enumerate(x_values)}
    which = np.array([index[x] for x in data.x], dtype=np.intp)
    x = np.array(data.x, dtype=float)
    t_x = np.array(data.t_x, dtype=float)
    age = np.array(data.age, dtype=float)
    weight = np.array(data.weight, dtype=float)
    repeat = x > 0

    def objective(theta: Sequence[float]) -> tuple[float, list[float]]:
        r, alpha, a, b = (math.exp(v) for v in theta)
        per_x = _per_x(x_values, r, alpha, a, b)
        table = np.array([per_x[v] for v in x_values], dtype=float)[which]
        constant, d_r, d_a, d_b, log_bx1 = table.T
        rx = r + x
        log_big_t = np.log(alpha + age)
        log_t = np.log(alpha + t_x)
        a3 = -rx * log_big_t
        a4 = np.where(repeat, math.log(a) - log_bx1 - rx * log_t, -np.inf)
        top = np.maximum(a3, a4)
        e3 = np.exp(a3 - top)
        e4 = np.exp(a4 - top)
        mix = top + np.log(e3 + e4)
        w4 = e4 / (e3 + e4)
        w3 = 1.0 - w4
        bx1 = np.where(repeat, b + x - 1.0, 1.0)
        total = float(np.dot(weight, constant + mix))
        g_r = float(np.dot(weight, d_r - w3 * log_big_t - w4 * log_t))
        g_alpha = float(np.dot(weight, r / alpha - rx * (w3 / (alpha + age) + w4 / (alpha + t_x))))
        g_a = float(np.dot(weight, d_a + w4 / a))
        g_b = float(np.dot(weight, d_b - w4 / bx1))
        return total, [g_r * r, g_alpha * alpha, g_a * a, g_b * b]

    return objective
