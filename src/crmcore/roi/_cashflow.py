"""Discounted cash flows: NPV, XNPV, IRR, XIRR, MIRR and payback (private).

Amounts are exact: :class:`~crmcore.money.Money` (all of one currency) or
plain Decimal/int/str, and NPV-type results come back in the same kind,
unrounded (round with :meth:`Money.round` where your rule says). Rates may
be Decimal, int, numeric str or float; a float is read through its shortest
repr, so ``0.1`` means exactly one tenth. Rates found by root finding (IRR,
XIRR) are computed in binary floating point and returned as the Decimal of
that float.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from datetime import date
from decimal import Decimal, localcontext
from typing import TypeAlias, overload

from crmcore._checks import require_date
from crmcore._checks import require_rate as to_rate
from crmcore.errors import NoSolutionError, ValidationError
from crmcore.money import Money, to_decimal
from crmcore.roi._roots import exponential_sum_roots, sign_changes

__all__ = [
    "Amount",
    "Convention",
    "Number",
    "Rate",
    "discounted_payback_period",
    "irr",
    "irr_roots",
    "mirr",
    "npv",
    "payback_period",
    "to_rate",
    "xirr",
    "xirr_roots",
    "xnpv",
]

Amount: TypeAlias = Money | Decimal | int | str
"""A cash flow: Money, or an exact number."""
Rate: TypeAlias = Decimal | float | int | str
"""A rate per period: Decimal, int, numeric str, or float (read via its repr)."""

_PRECISION = 40  # digits for intermediate discounting; results get the caller's context


class Convention(enum.StrEnum):
    """When the first of a series of periodic flows happens.

    - ``T0``: the first flow is at t = 0 and not discounted (numpy-financial
      ``npv``; the practitioners' ``NPV(r, C1:Cn) + C0``).
    - ``T1``: the first flow is at the end of period 1 (Excel ``NPV``).
    """

    T0 = "t0"
    T1 = "t1"


def _amounts(
    flows: Sequence[Amount], obj: str, field: str = "flows"
) -> tuple[list[Decimal], str | None]:
    if isinstance(flows, (str, bytes)) or not isinstance(flows, Sequence):
        raise ValidationError(obj=obj, field=field, value=flows, expected="a sequence of amounts")
    if not flows:
        raise ValidationError(obj=obj, field=field, value=[], expected="at least one cash flow")
    currency: str | None = None
    values: list[Decimal] = []
    for index, flow in enumerate(flows):
        if isinstance(flow, Money):
            if index and currency is None:
                raise ValidationError(
                    obj=obj,
                    field=f"{field}[{index}]",
                    value=flow,
                    expected="a number like the others",
                )
            if currency is not None and flow.currency != currency:
                raise ValidationError(
                    obj=obj,
                    field=f"{field}[{index}]",
                    value=flow,
                    expected=f"an amount in {currency} like the others",
                )
            currency = flow.currency
            values.append(flow.amount)
        else:
            if currency is not None:
                raise ValidationError(
                    obj=obj, field=f"{field}[{index}]", value=flow, expected=f"Money in {currency}"
                )
            values.append(to_decimal(flow, obj=obj, field=f"{field}[{index}]"))
    return values, currency


def _result(value: Decimal, currency: str | None) -> Money | Decimal:
    return Money(value, currency) if currency is not None else value


def _convention(value: Convention | str, obj: str) -> Convention:
    try:
        return Convention(value)
    except ValueError:
        raise ValidationError(
            obj=obj, field="convention", value=value, expected="'t0' or 't1'"
        ) from None


Number: TypeAlias = Decimal | int | str
"""A plain exact number (no currency)."""


@overload
def npv(rate: Rate, flows: Sequence[Money], *, convention: Convention | str = ...) -> Money: ...
@overload
def npv(rate: Rate, flows: Sequence[Number], *, convention: Convention | str = ...) -> Decimal: ...
def npv(
    rate: Rate,
    flows: Sequence[Amount] | Sequence[Money] | Sequence[Number],
    *,
    convention: Convention | str = Convention.T0,
) -> Money | Decimal:
    """Net present value Σ Cₜ / (1 + rate)^t of periodic flows.

    With ``convention="t0"`` (default) the first flow is at t = 0; with
    ``"t1"`` it is discounted one period, as Excel's ``NPV`` does.

    >>> npv("0.1", [-100, 60, 60])  # numpy-financial npv(0.1, [-100, 60, 60]) = 4.1322...
    Decimal('4.132231404958677685950413223')
    >>> round(npv(0.1, [-100, 60, 60], convention="t1"), 4)  # Excel =NPV(10%, -100, 60, 60)
    Decimal('3.7566')
    >>> npv(0.1, [Money(-100, "USD"), Money(110, "USD")]).round()
    Money('0.00', 'USD')
    """
    r = to_rate(rate, obj="npv", field="rate")
    values, currency = _amounts(flows, "npv")
    shift = 1 if _convention(convention, "npv") is Convention.T1 else 0
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        factor = 1 / (1 + r)
        total = Decimal(0)
        for value in reversed(values):  # Horner in 1/(1 + r)
            total = total * factor + value
        total *= factor**shift
    return _result(+total, currency)


def _dated(
    flows: Sequence[tuple[date, Amount]], obj: str
) -> tuple[list[int], list[Decimal], str | None]:
    if not isinstance(flows, Sequence) or not flows:
        raise ValidationError(
            obj=obj, field="flows", value=flows, expected="a non-empty sequence of (date, amount)"
        )
    days: list[int] = []
    amounts: list[Amount] = []
    for index, item in enumerate(flows):
        if not isinstance(item, tuple) or len(item) != 2:
            raise ValidationError(
                obj=obj, field=f"flows[{index}]", value=item, expected="a (date, amount) pair"
            )
        when = require_date(item[0], obj=obj, field=f"flows[{index}].date")
        days.append(when.toordinal())
        amounts.append(item[1])
    first = days[0]
    for index, day in enumerate(days):
        if day < first:
            raise ValidationError(
                obj=obj,
                field=f"flows[{index}].date",
                value=date.fromordinal(day),
                expected=f"a date on or after the first flow's date ({date.fromordinal(first)})",
            )
    values, currency = _amounts(amounts, obj)
    return [d - first for d in days], values, currency


@overload
def xnpv(rate: Rate, flows: Sequence[tuple[date, Money]]) -> Money: ...
@overload
def xnpv(rate: Rate, flows: Sequence[tuple[date, Number]]) -> Decimal: ...
def xnpv(
    rate: Rate,
    flows: Sequence[tuple[date, Money]]
    | Sequence[tuple[date, Number]]
    | Sequence[tuple[date, Amount]],
) -> Money | Decimal:
    """Net present value of dated flows, Excel ``XNPV`` style.

    XNPV = Σ Pᵢ / (1 + rate)^((dᵢ − d₁)/365): a fixed 365-day year, the first
    flow's date is t = 0 and no date may precede it (later dates may come in
    any order, as in Excel).

    >>> from datetime import date
    >>> flows = [(date(2008, 1, 1), -10000), (date(2008, 3, 1), 2750),
    ...          (date(2008, 10, 30), 4250), (date(2009, 2, 15), 3250),
    ...          (date(2009, 4, 1), 2750)]
    >>> round(xnpv("0.09", flows), 4)  # Microsoft's XNPV example: 2086.6476
    Decimal('2086.6476')
    """
    r = to_rate(rate, obj="xnpv", field="rate")
    offsets, values, currency = _dated(flows, "xnpv")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        # (1 + r)^(−d/365) = exp(−ln(1 + r)·d/365): one logarithm for all the flows
        log_base = (1 + r).ln()
        total = sum(
            (
                value * (-(log_base * days) / 365).exp()
                for days, value in zip(offsets, values, strict=True)
            ),
            Decimal(0),
        )
    return _result(+total, currency)


def _solve(exponents: Sequence[float], values: Sequence[Decimal], obj: str) -> tuple[Decimal, ...]:
    merged: dict[float, Decimal] = {}
    for t, value in zip(exponents, values, strict=True):
        merged[t] = merged.get(t, Decimal(0)) + value
    ordered = sorted(merged.items())
    if sign_changes([float(v) for _, v in ordered]) == 0:
        raise NoSolutionError(
            obj=obj,
            field="flows",
            value=[str(v) for _, v in ordered][:8],
            expected="flows with at least one sign change (an investment and a return)",
        )
    terms = [(float(v), t) for t, v in ordered]
    rates = sorted(math.expm1(-u) for u in exponential_sum_roots(terms))
    return tuple(Decimal(repr(r)) for r in rates if r > -1.0)


def _pick(roots: tuple[Decimal, ...], guess: Rate | None, obj: str) -> Decimal:
    # Check the guess even when it is not needed, so a bad one never passes silently.
    target = None if guess is None else to_rate(guess, obj=obj, field="guess")
    if not roots:
        raise NoSolutionError(
            obj=obj,
            field="flows",
            value=[],
            expected="flows whose NPV crosses zero at some rate > -1",
        )
    if len(roots) == 1:
        return roots[0]
    if target is None:
        raise NoSolutionError(
            f"{obj}: the flows have {len(roots)} rates of return "
            f"({', '.join(f'{float(r):.6g}' for r in roots)}); none is 'the' IRR. "
            f"Pass guess= to take the one nearest to it, use {obj}_roots() for all of them, "
            "or use mirr() with explicit finance and reinvestment rates",
            obj=obj,
            field="flows",
            value=roots,
            expected="flows with a single rate of return",
        )
    return min(roots, key=lambda r: (abs(r - target), r))


def irr_roots(flows: Sequence[Amount]) -> tuple[Decimal, ...]:
    """Every internal rate of return (> −1) of periodic flows, ascending.

    A root of even multiplicity (the NPV touches zero without crossing) is
    reported too.

    >>> [round(r, 4) for r in irr_roots([-50, -100, 600, 300, -100])]
    [Decimal('-0.7689'), Decimal('1.8544')]
    >>> [round(r, 12) for r in irr_roots([-100, 230, -132])]  # −100(1+r)² + 230(1+r) − 132
    [Decimal('0.100000000000'), Decimal('0.200000000000')]
    """
    values, _ = _amounts(flows, "irr")
    return _solve([float(t) for t in range(len(values))], values, "irr")


def irr(flows: Sequence[Amount], *, guess: Rate | None = None) -> Decimal:
    """The internal rate of return: the rate r > −1 at which NPV(r) = 0.

    All roots are found by bracketing (see :func:`irr_roots`). Raises
    :class:`~crmcore.errors.NoSolutionError` when there is none (e.g. no sign
    change) and when there are several and no ``guess`` says which one to
    take; never returns nan.

    >>> round(irr([-70000, 12000, 15000, 18000, 21000, 26000]), 4)  # Excel IRR doc: 8.7 %
    Decimal('0.0866')
    >>> irr([100, 50])
    Traceback (most recent call last):
    ...
    crmcore.errors.NoSolutionError: irr.flows: got ['100', '50'] (list); expected flows with at least one sign change (an investment and a return)
    """
    return _pick(irr_roots(flows), guess, "irr")


def xirr_roots(flows: Sequence[tuple[date, Amount]]) -> tuple[Decimal, ...]:
    """Every rate r > −1 with XNPV(r) = 0, ascending (actual/365 day count)."""
    offsets, values, _ = _dated(flows, "xirr")
    return _solve([d / 365.0 for d in offsets], values, "xirr")


def xirr(flows: Sequence[tuple[date, Amount]], *, guess: Rate | None = None) -> Decimal:
    """The rate at which :func:`xnpv` is zero (Excel ``XIRR``), every root bracketed.

    >>> from datetime import date
    >>> flows = [(date(2008, 1, 1), -10000), (date(2008, 3, 1), 2750),
    ...          (date(2008, 10, 30), 4250), (date(2009, 2, 15), 3250),
    ...          (date(2009, 4, 1), 2750)]
    >>> round(xirr(flows), 9)  # Microsoft's XIRR example: 0.373362534 (docs show ...535)
    Decimal('0.373362534')
    """
    return _pick(xirr_roots(flows), guess, "xirr")


def mirr(flows: Sequence[Amount], finance_rate: Rate, reinvest_rate: Rate) -> Decimal:
    """Modified IRR (Excel ``MIRR``): negatives financed, positives reinvested.

    MIRR = (FV of the positive flows at ``reinvest_rate`` / −PV of the
    negative flows at ``finance_rate``)^(1/(n−1)) − 1, n = number of flows.

    >>> round(mirr([-120000, 39000, 30000, 21000, 37000, 46000], "0.10", "0.12"), 4)
    Decimal('0.1261')
    """
    values, _ = _amounts(flows, "mirr")
    finance = to_rate(finance_rate, obj="mirr", field="finance_rate")
    reinvest = to_rate(reinvest_rate, obj="mirr", field="reinvest_rate")
    if len(values) < 2 or not any(v > 0 for v in values) or not any(v < 0 for v in values):
        raise NoSolutionError(
            obj="mirr",
            field="flows",
            value=[str(v) for v in values][:8],
            expected="at least one negative and one positive flow",
        )
    n = len(values)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        future = sum(
            (v * (1 + reinvest) ** (n - 1 - t) for t, v in enumerate(values) if v > 0), Decimal(0)
        )
        present = sum((v / (1 + finance) ** t for t, v in enumerate(values) if v < 0), Decimal(0))
        result = (future / -present) ** (Decimal(1) / (n - 1)) - 1
    return +result


def _payback(values: Sequence[Decimal]) -> Decimal | None:
    cumulative = Decimal(0)
    for t, value in enumerate(values):
        before = cumulative
        cumulative += value
        if cumulative >= 0 and (t == 0 or before < 0):
            if t == 0:
                return Decimal(0)
            # linear within the period in which the cumulative flow turns non-negative
            return (t - 1) + (-before) / value
    return None


def payback_period(flows: Sequence[Amount]) -> Decimal | None:
    """Periods until the cumulative flow first turns non-negative (None: never).

    The first flow is at t = 0; within the period that recovers the
    investment the flow is taken as even, so the result is fractional.

    >>> payback_period([-1000, 300, 400, 500])  # 700 recovered after 2 periods, 300 of 500 more
    Decimal('2.6')
    """
    values, _ = _amounts(flows, "payback_period")
    # Same working precision and single final rounding as discounted_payback_period, so that
    # at rate 0 the two agree to the last digit (28-digit double rounding differed by 1 ulp).
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        result = _payback(values)
    return None if result is None else +result


def discounted_payback_period(rate: Rate, flows: Sequence[Amount]) -> Decimal | None:
    """:func:`payback_period` of the flows discounted at ``rate`` (t = 0 first)."""
    r = to_rate(rate, obj="discounted_payback_period", field="rate")
    values, _ = _amounts(flows, "discounted_payback_period")
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        discounted = [v / (1 + r) ** t for t, v in enumerate(values)]
        result = _payback(discounted)
    return None if result is None else +result
