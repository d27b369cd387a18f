"""Customer lifetime value: closed formulas and the fitted-model CLV (private)."""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Context, Decimal, localcontext
from typing import TypeAlias, cast, overload

import attrs

from crmcore._backend import Backend, resolve_backend
from crmcore._checks import refuse_frame, require_items
from crmcore._checks import require_rate as to_rate
from crmcore.clv._bgnbd import BetaGeoModel
from crmcore.clv._gammagamma import GammaGammaModel
from crmcore.clv._pareto import ParetoNbdModel
from crmcore.clv._summary import CustomerSummary
from crmcore.errors import ValidationError
from crmcore.money import MAX_AMOUNT, Money, to_decimal
from crmcore.roi import Amount, Rate, xnpv

__all__ = [
    "MAX_HORIZON",
    "CustomerLifetimeValue",
    "MarginTiming",
    "customer_lifetime_values",
    "customer_npv",
    "finite_horizon_clv",
    "retention_clv",
    "rounded_amounts",
    "simple_clv",
]


Number: TypeAlias = Decimal | int | str


def _number(value: object, obj: str, field: str) -> Decimal:
    if isinstance(value, float):
        return to_rate(value, obj=obj, field=field)
    return to_decimal(value, obj=obj, field=field)


def _check_money(value: object, obj: str, field: str) -> Money:
    if not isinstance(value, Money):
        raise ValidationError(obj=obj, field=field, value=value, expected="Money")
    return value


# Enough digits for an amount up to 10^18 with the minor unit of any currency, times a margin.
_WIDE = Context(prec=60, rounding=ROUND_HALF_UP)


def rounded_amounts(
    values: Iterable[float], currency: str, *, margin: Decimal | int | str = 1
) -> list[Decimal]:
    """Money amounts from a model's float values: exact, times ``margin``, rounded half-up.

    Each float is read as the decimal of its shortest repr, multiplied by
    ``margin`` and rounded half-up to the currency's minor unit; a value
    below half a minor unit (a customer almost surely gone: 1e-231) is
    zero, NaN and infinities are zero. The CLV columns of
    :func:`customer_lifetime_values` and ``crmcore.frames.predict_clv_frame``
    are made this way.

    >>> rounded_amounts([12.345, 0.004999, 1e-231], "USD")
    [Decimal('12.35'), Decimal('0.00'), Decimal('0.00')]
    >>> rounded_amounts([1234.5], "IRR", margin="0.3")  # 370.35 rials, rounded to the rial
    [Decimal('370')]
    """
    exponent = Decimal(1).scaleb(-Money.zero(currency).places)
    factor = _number(margin, "rounded_amounts", "margin")
    multiply, quantize = _WIDE.multiply, _WIDE.quantize
    result = []
    for value in values:
        amount = Decimal(repr(value)) if math.isfinite(value) else Decimal(0)
        rounded = _WIDE.plus(quantize(multiply(amount, factor), exponent))  # plus: no −0
        if abs(rounded) > MAX_AMOUNT:
            raise ValidationError(
                obj="rounded_amounts",
                field="values",
                value=value,
                expected="amounts of at most 10^18 (crmcore.money.MAX_AMOUNT)",
            )
        result.append(rounded)
    return result


def simple_clv(
    average_order_value: Money,
    purchases_per_year: Rate,
    lifespan_years: Rate,
    margin: Rate = Decimal(1),
) -> Money:
    """Average order value × purchases a year × lifespan in years × margin.

    >>> simple_clv(Money(60, "USD"), 6, 3, "0.4")  # reference: 60 × 6 × 3 × 0.4 = 432
    Money('432.0', 'USD')
    """
    aov = _check_money(average_order_value, "simple_clv", "average_order_value")
    factors = [
        _number(purchases_per_year, "simple_clv", "purchases_per_year"),
        _number(lifespan_years, "simple_clv", "lifespan_years"),
        _number(margin, "simple_clv", "margin"),
    ]
    for name, value in zip(
        ("purchases_per_year", "lifespan_years", "margin"), factors, strict=True
    ):
        if value < 0:
            raise ValidationError(
                obj="simple_clv", field=name, value=value, expected="a number >= 0"
            )
    return aov * (factors[0] * factors[1] * factors[2])


class MarginTiming(enum.StrEnum):
    """When a period's margin is received, for :func:`retention_clv`."""

    PERIOD_END = "period_end"
    """m·r/(1 + i − r): the first margin comes a period from now, if retained."""
    PERIOD_START = "period_start"
    """m·(1 + i)/(1 + i − r): the current period's margin is counted too."""


def _probability(value: object, obj: str, field: str) -> Decimal:
    number = _number(value, obj, field)
    if not 0 <= number <= 1:
        raise ValidationError(obj=obj, field=field, value=value, expected="a probability in [0, 1]")
    return number


def retention_clv(
    margin: Money,
    retention: Rate,
    discount_rate: Rate,
    *,
    timing: MarginTiming | str = MarginTiming.PERIOD_END,
    acquisition_cost: Money | None = None,
) -> Money:
    """Infinite-horizon CLV with constant margin, retention and discount rate.

    Gupta & Lehmann (2003), "Customers as assets", J. Interactive Marketing
    17(1): CLV = m·r/(1 + i − r) − AC with margins at period end, or
    m·(1 + i)/(1 + i − r) − AC counting the current period's margin.

    >>> retention_clv(Money(100, "USD"), "0.8", "0.1").round()  # multiple 0.8/0.3 = 2.67
    Money('266.67', 'USD')
    >>> retention_clv(Money(100, "USD"), "0.8", "0.1", timing="period_start").round()
    Money('366.67', 'USD')
    """
    m = _check_money(margin, "retention_clv", "margin")
    r = _probability(retention, "retention_clv", "retention")
    i = to_rate(discount_rate, obj="retention_clv", field="discount_rate")
    try:
        kind = MarginTiming(timing)
    except ValueError:
        raise ValidationError(
            obj="retention_clv",
            field="timing",
            value=timing,
            expected="'period_end' or 'period_start'",
        ) from None
    if 1 + i - r <= 0:
        raise ValidationError(
            obj="retention_clv",
            field="discount_rate",
            value=discount_rate,
            expected=f"a rate with 1 + i > retention ({r}) for the sum to converge",
        )
    with localcontext() as ctx:
        ctx.prec = 40
        multiple = (r if kind is MarginTiming.PERIOD_END else 1 + i) / (1 + i - r)
        value = m * multiple
        if acquisition_cost is not None:
            value -= _check_money(acquisition_cost, "retention_clv", "acquisition_cost")
    return Money(+value.amount, value.currency)


MAX_HORIZON = 5_200
"""The most steps a CLV projection takes (100 years of weeks): a bound checked before work."""


def finite_horizon_clv(
    margins: Sequence[Money],
    retention: Rate | Sequence[Rate],
    discount_rate: Rate,
    *,
    acquisition_cost: Money | None = None,
) -> Money:
    """CLV = Σₜ mₜ·Sₜ/(1 + i)ᵗ − AC over t = 1..n, margins at period end.

    ``margins[t−1]`` is the margin (price − cost) of period t. ``retention``
    is a constant rate r (then Sₜ = rᵗ) or the survival probabilities
    S₁..Sₙ themselves. As n grows the constant-rate sum tends to
    :func:`retention_clv` (Gupta & Lehmann 2003).

    >>> finite_horizon_clv([Money(100, "USD")] * 2, "0.8", "0.1").round()  # 80/1.1 + 64/1.21
    Money('125.62', 'USD')
    """
    obj = "finite_horizon_clv"
    if not isinstance(margins, Sequence) or not 1 <= len(margins) <= MAX_HORIZON:
        raise ValidationError(
            obj=obj,
            field="margins",
            value=margins if not isinstance(margins, Sequence) else len(margins),
            expected=f"a sequence of 1 to {MAX_HORIZON} Money margins",
        )
    values = [_check_money(m, obj, f"margins[{t}]") for t, m in enumerate(margins)]
    currency = values[0].currency
    i = to_rate(discount_rate, obj=obj, field="discount_rate")
    if isinstance(retention, Sequence) and not isinstance(retention, str):
        if len(retention) != len(values):
            raise ValidationError(
                obj=obj,
                field="retention",
                value=len(retention),
                expected=f"one survival probability per margin ({len(values)})",
            )
        survival = [_probability(s, obj, f"retention[{t}]") for t, s in enumerate(retention)]
    else:
        rate = _probability(retention, obj, "retention")
        survival = [rate ** (t + 1) for t in range(len(values))]
    with localcontext() as ctx:
        ctx.prec = 40
        total = Money.zero(currency)
        for t, (m, s) in enumerate(zip(values, survival, strict=True), start=1):
            total += m * (s / (1 + i) ** t)
        if acquisition_cost is not None:
            total -= _check_money(acquisition_cost, obj, "acquisition_cost")
    return Money(+total.amount, total.currency)


@overload
def customer_npv(profits: Sequence[tuple[date, Money]], annual_rate: Rate) -> Money: ...
@overload
def customer_npv(profits: Sequence[tuple[date, Number]], annual_rate: Rate) -> Decimal: ...
def customer_npv(
    profits: Sequence[tuple[date, Money]]
    | Sequence[tuple[date, Number]]
    | Sequence[tuple[date, Amount]],
    annual_rate: Rate,
) -> Money | Decimal:
    """A customer's dated profits discounted at an annual rate to the first date.

    The same day count as :func:`~crmcore.roi.xnpv` (actual/365); used to
    compare the customers a sales rep or agent brings in.
    """
    # one implementation for both overloads: xnpv checks the amounts at run time
    return xnpv(annual_rate, cast(Sequence[tuple[date, Money]], profits))


@attrs.frozen
class CustomerLifetimeValue:
    """One customer's predicted value from the fitted models (floats are model output)."""

    customer_id: str
    probability_alive: float
    expected_transactions: float
    """Undiscounted expected purchases over the horizon."""
    expected_spend: float
    """Expected value per purchase (Gamma-Gamma conditional mean)."""
    clv: Money
    """margin × expected spend × discounted expected purchases, rounded."""


def _expectations(
    rows: tuple[CustomerSummary, ...],
    purchases: BetaGeoModel | ParetoNbdModel,
    times: list[float],
    engine: str,
) -> tuple[list[float], list[list[float]]]:
    """P(alive) per customer and E[Y(t)] per customer for each t, by columns where possible."""
    if engine == "numpy" and isinstance(purchases, BetaGeoModel):
        columns = (
            [c.frequency for c in rows],
            [c.recency for c in rows],
            [c.age for c in rows],
        )
        alive = purchases.probability_alive_columns(*columns, backend="numpy")
        by_time = [
            purchases.conditional_expected_transactions_columns(t, *columns, backend="numpy")
            for t in times
        ]
        return alive, [list(per_customer) for per_customer in zip(*by_time, strict=True)]
    alive = [purchases.probability_alive(c) for c in rows]
    return alive, [[purchases.conditional_expected_transactions(c, t) for t in times] for c in rows]


def customer_lifetime_values(
    customers: Iterable[CustomerSummary],
    purchases: BetaGeoModel | ParetoNbdModel,
    spend: GammaGammaModel,
    *,
    horizon: int,
    discount_rate: Rate,
    currency: str,
    margin: Rate = Decimal(1),
    step: float = 1.0,
    backend: Backend = "auto",
) -> tuple[CustomerLifetimeValue, ...]:
    """Discounted CLV per customer from BG/NBD (or Pareto/NBD) + Gamma-Gamma, highest first.

    CLV = margin × E[spend | x, m̄] × Σₖ₌₁..horizon (E[Y(k·step)] − E[Y((k−1)·step)]) / (1 + d)ᵏ,
    where E[Y(t)] is the conditional expectation of purchases in the next
    t time units and d the discount rate per step (Fader, Hardie & Lee 2005,
    "RFM and CLV", with the discounting done per step as in ``lifetimes``).
    With weekly summaries, ``step=52/12`` and ``horizon=12`` give a year in
    monthly steps at a monthly ``discount_rate``. With BG/NBD and numpy
    (``backend="auto"`` or ``"numpy"``) the expectations are computed over
    columns of customers; they equal the scalar path within 1e-12 relative.
    """
    refuse_frame(customers, obj="customer_lifetime_values", use="crmcore.frames.predict_clv_frame")
    obj = "customer_lifetime_values"
    if not isinstance(horizon, int) or isinstance(horizon, bool) or not 1 <= horizon <= MAX_HORIZON:
        raise ValidationError(
            obj=obj,
            field="horizon",
            value=horizon,
            expected=f"an int from 1 to {MAX_HORIZON} steps (weekly steps for 100 years)",
        )
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
        raise ValidationError(obj=obj, field="step", value=step, expected="a number > 0")
    d = float(to_rate(discount_rate, obj=obj, field="discount_rate"))
    m = _number(margin, obj, "margin")
    Money.zero(currency)
    engine = resolve_backend(backend, obj=obj)
    rows = require_items(customers, CustomerSummary, obj=obj, field="customers")
    alive, expected = _expectations(
        rows, purchases, [k * step for k in range(1, horizon + 1)], engine
    )
    spends, raws, lasts = [], [], []
    for customer, cumulative in zip(rows, expected, strict=True):
        previous = 0.0
        discounted = 0.0
        for k, current in enumerate(cumulative, start=1):
            discounted += (current - previous) / (1.0 + d) ** k
            previous = current
        value = spend.conditional_expected_spend(customer.frequency, float(customer.monetary_value))
        spends.append(value)
        raws.append(value * discounted)
        lasts.append(previous)
    amounts = rounded_amounts(raws, currency, margin=m)
    result = [
        CustomerLifetimeValue(
            customer_id=customer.customer_id,
            probability_alive=p_alive,
            expected_transactions=last,
            expected_spend=value,
            clv=Money(amount, currency),
        )
        for customer, p_alive, last, value, amount in zip(
            rows, alive, lasts, spends, amounts, strict=True
        )
    ]
    result.sort(key=lambda v: (-v.clv.amount, v.customer_id))
    return tuple(result)
