"""CRM total cost of ownership and return on investment (private)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from decimal import Decimal, localcontext
from typing import Any

import attrs

from crmcore._checks import text
from crmcore.errors import NoSolutionError, ValidationError
from crmcore.money import Money, RoundingMode, to_decimal
from crmcore.roi._cashflow import (
    Convention,
    discounted_payback_period,
    irr_roots,
    npv,
    payback_period,
    to_rate,
)
from crmcore.roi._periods import Period

__all__ = [
    "BenefitStream",
    "CategoryCost",
    "CostCategory",
    "CostItem",
    "PeriodLine",
    "RoiPlan",
    "RoiReport",
]


class CostCategory(enum.StrEnum):
    """What a CRM costs, in the categories practitioners count.

    The subscription is the visible part; the total cost of ownership adds
    the rest.
    """

    SUBSCRIPTION = "subscription"
    """Subscription or licence fees."""
    IMPLEMENTATION = "implementation"
    DATA_MIGRATION = "data_migration"
    TRAINING_MATERIALS = "training_materials"
    TRAINING_INTERNAL_TIME = "training_internal_time"
    """Staff hours spent in training, at their loaded cost."""
    TRAINING_CONSULTANTS = "training_consultants"
    PRODUCTIVITY_LOSS = "productivity_loss"
    """Output lost while people learn the new system."""
    CUSTOMISATION = "customisation"
    INTEGRATIONS = "integrations"
    PROCUREMENT = "procurement"
    """Time spent choosing and buying the system."""
    STORAGE = "storage"
    UPGRADES = "upgrades"
    ADMINISTRATION = "administration"
    """Internal administration of users, data and configuration."""
    MAINTENANCE = "maintenance"
    OTHER = "other"


def _category(value: Any) -> CostCategory:
    try:
        return CostCategory(value)
    except ValueError:
        raise ValidationError(
            obj="CostItem",
            field="category",
            value=value,
            expected="one of " + ", ".join(c.value for c in CostCategory),
        ) from None


def _convention(value: Any) -> Convention:
    try:
        return Convention(value)
    except ValueError:
        raise ValidationError(
            obj="RoiPlan", field="convention", value=value, expected="'t0' or 't1'"
        ) from None


def _money(_instance: object, attribute: attrs.Attribute[Money], value: object) -> None:
    if not isinstance(value, Money):
        raise ValidationError(obj="CostItem", field=attribute.name, value=value, expected="Money")


def _index(_instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None and attribute.name == "last_period":
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(
            obj="CostItem", field=attribute.name, value=value, expected="an int >= 0"
        )


def _escalation(value: object) -> Decimal:
    return to_rate(value, obj="CostItem", field="escalation")


@attrs.frozen
class CostItem:
    """One cost: a one-off amount in one period, or a recurring amount per period.

    A recurring cost runs from ``first_period`` to ``last_period``
    (inclusive; ``None`` = to the end of the plan) and grows by
    ``escalation`` per period, compounding (a 5 % yearly price rise is
    ``"0.05"``). Periods are 0-based indexes into the plan's periods.

    >>> item = CostItem(CostCategory.SUBSCRIPTION, Money(1000, "USD"), recurring=True, escalation="0.1")
    >>> [str(item.amount_in(t)) for t in range(3)]
    ['1000 USD', '1100.0 USD', '1210.00 USD']
    """

    category: CostCategory = attrs.field(converter=_category)
    amount: Money = attrs.field(validator=_money)
    description: str = ""
    recurring: bool = False
    first_period: int = attrs.field(default=0, validator=_index)
    last_period: int | None = attrs.field(default=None, validator=_index)
    escalation: Decimal = attrs.field(default=Decimal(0), converter=_escalation)

    def __attrs_post_init__(self) -> None:
        if self.last_period is not None and self.last_period < self.first_period:
            raise ValidationError(
                obj="CostItem",
                field="last_period",
                value=self.last_period,
                expected=f"an index >= first_period ({self.first_period})",
            )
        if not self.recurring and self.last_period is not None:
            raise ValidationError(
                obj="CostItem",
                field="last_period",
                value=self.last_period,
                expected="None for a one-off cost (set recurring=True for a span)",
            )

    def amount_in(self, period: int) -> Money:
        """The cost falling in period ``period`` (zero outside its span)."""
        if period < self.first_period:
            return Money.zero(self.amount.currency)
        if not self.recurring:
            return self.amount if period == self.first_period else Money.zero(self.amount.currency)
        if self.last_period is not None and period > self.last_period:
            return Money.zero(self.amount.currency)
        return self.amount * (1 + self.escalation) ** (period - self.first_period)


def _money_tuple(value: object) -> tuple[Money, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(
            obj="BenefitStream", field="values", value=value, expected="a sequence of Money"
        )
    for index, item in enumerate(value):
        if not isinstance(item, Money):
            raise ValidationError(
                obj="BenefitStream", field=f"values[{index}]", value=item, expected="Money"
            )
    return tuple(value)


@attrs.frozen
class BenefitStream:
    """A measured or projected benefit against a baseline.

    ``values[t]`` is the metric's money value in period t with the CRM (extra
    revenue, hours saved × loaded rate, ...); ``baseline`` is its value per
    period without it (the old system, or the state at go-live). The gain in
    period t is ``values[t] − baseline``.
    """

    name: str = attrs.field(validator=text(max_length=200))
    baseline: Money = attrs.field(validator=_money)
    values: tuple[Money, ...] = attrs.field(converter=_money_tuple)

    def gain_in(self, period: int) -> Money:
        """Gain over the baseline in period ``period``."""
        if period >= len(self.values):
            return Money.zero(self.baseline.currency)
        return self.values[period] - self.baseline


@attrs.frozen
class CategoryCost:
    """Total cost of one category over the plan, split one-off / recurring."""

    category: CostCategory
    one_off: Money
    recurring: Money
    total: Money


@attrs.frozen
class PeriodLine:
    """One row of the report's per-period table (amounts rounded to the currency)."""

    period: Period
    cost: Money
    gain: Money
    net: Money
    cumulative_net: Money
    discounted_net: Money


@attrs.frozen
class RoiReport:
    """What a plan adds up to: TCO, gain, ROI, NPV, IRR and payback.

    ``roi`` is (gain − cost)/cost over the whole horizon, undiscounted,
    rounded to 6 places; ``npv`` discounts the net flow of period t by
    (1 + rate)^t (t = 0 for the first period with the default convention).
    ``irr`` is None when the net flows have no rate of return or several;
    ``irr_note`` then says why (and lists the rates).
    """

    plan: str
    lines: tuple[PeriodLine, ...]
    by_category: tuple[CategoryCost, ...]
    total_cost: Money
    total_gain: Money
    net_gain: Money
    roi: Decimal | None
    npv: Money
    irr: Decimal | None
    irr_note: str
    payback_periods: Decimal | None
    discounted_payback_periods: Decimal | None


def _tuple_of(value: object, kind: type, name: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise ValidationError(
            obj="RoiPlan", field=name, value=value, expected=f"a sequence of {kind.__name__}"
        )
    for index, item in enumerate(value):
        if not isinstance(item, kind):
            raise ValidationError(
                obj="RoiPlan", field=f"{name}[{index}]", value=item, expected=kind.__name__
            )
    return tuple(value)


def _periods(value: object) -> tuple[Period, ...]:
    return _tuple_of(value, Period, "periods")


def _costs(value: object) -> tuple[CostItem, ...]:
    return _tuple_of(value, CostItem, "costs")


def _benefits(value: object) -> tuple[BenefitStream, ...]:
    return _tuple_of(value, BenefitStream, "benefits")


def _plan_rate(value: object) -> Decimal:
    return to_rate(value, obj="RoiPlan", field="discount_rate")


@attrs.frozen
class RoiPlan:
    """A CRM investment: periods, costs, benefits and the discount rate per period.

    >>> from datetime import date
    >>> from crmcore.roi import periods
    >>> plan = RoiPlan(
    ...     name="CRM", currency="USD", discount_rate="0.1",
    ...     periods=periods("gregorian_year", date(2025, 1, 1), 3),
    ...     costs=[CostItem("implementation", Money(10000, "USD")),
    ...            CostItem("subscription", Money(5000, "USD"), recurring=True)],
    ...     benefits=[BenefitStream("revenue", Money(0, "USD"),
    ...               [Money(0, "USD"), Money(15000, "USD"), Money(15000, "USD")])])
    >>> r = plan.report()
    >>> str(r.total_cost), str(r.total_gain), r.roi  # (30000 − 25000) / 25000
    ('25000.00 USD', '30000.00 USD', Decimal('0.200000'))
    >>> [str(line.net) for line in r.lines]
    ['-15000.00 USD', '10000.00 USD', '10000.00 USD']
    """

    name: str = attrs.field(validator=text(max_length=200))
    currency: str
    periods: tuple[Period, ...] = attrs.field(converter=_periods)
    costs: tuple[CostItem, ...] = attrs.field(converter=_costs)
    benefits: tuple[BenefitStream, ...] = attrs.field(converter=_benefits)
    discount_rate: Decimal = attrs.field(default=Decimal(0), converter=_plan_rate)
    convention: Convention = attrs.field(default=Convention.T0, converter=_convention)

    def __attrs_post_init__(self) -> None:
        Money.zero(self.currency)  # validates the code
        if not self.periods:
            raise ValidationError(
                obj="RoiPlan", field="periods", value=(), expected="at least one period"
            )
        horizon = len(self.periods)
        for index, item in enumerate(self.costs):
            if item.amount.currency != self.currency:
                raise ValidationError(
                    obj="RoiPlan",
                    field=f"costs[{index}].amount",
                    value=item.amount,
                    expected=f"an amount in {self.currency}",
                )
            if item.first_period >= horizon:
                raise ValidationError(
                    obj="RoiPlan",
                    field=f"costs[{index}].first_period",
                    value=item.first_period,
                    expected=f"an index below the number of periods ({horizon})",
                )
        for index, stream in enumerate(self.benefits):
            if stream.baseline.currency != self.currency or any(
                v.currency != self.currency for v in stream.values
            ):
                raise ValidationError(
                    obj="RoiPlan",
                    field=f"benefits[{index}]",
                    value=stream.name,
                    expected=f"amounts in {self.currency}",
                )
            if len(stream.values) > horizon:
                raise ValidationError(
                    obj="RoiPlan",
                    field=f"benefits[{index}].values",
                    value=len(stream.values),
                    expected=f"at most one value per period ({horizon})",
                )

    def cost_in(self, period: int) -> Money:
        """Total cost in period ``period`` (exact)."""
        return sum((c.amount_in(period) for c in self.costs), Money.zero(self.currency))

    def gain_in(self, period: int) -> Money:
        """Total gain over the baselines in period ``period`` (exact)."""
        return sum((b.gain_in(period) for b in self.benefits), Money.zero(self.currency))

    def report(self) -> RoiReport:
        """Compute the report; money figures rounded half-up to the currency's minor unit."""
        horizon = range(len(self.periods))
        costs = [self.cost_in(t) for t in horizon]
        gains = [self.gain_in(t) for t in horizon]
        nets = [g - c for g, c in zip(gains, costs, strict=True)]
        zero = Money.zero(self.currency)
        shift = 1 if self.convention is Convention.T1 else 0
        lines = []
        cumulative = zero
        with localcontext() as ctx:
            ctx.prec = 40
            for t, (cost, gain, net) in enumerate(zip(costs, gains, nets, strict=True)):
                cumulative += net
                discounted = net / (1 + self.discount_rate) ** (t + shift)
                lines.append(
                    PeriodLine(
                        period=self.periods[t],
                        cost=cost.round(),
                        gain=gain.round(),
                        net=net.round(),
                        cumulative_net=cumulative.round(),
                        discounted_net=discounted.round(),
                    )
                )
        total_cost = sum(costs, zero)
        total_gain = sum(gains, zero)
        roi = None
        if total_cost:
            roi = ((total_gain - total_cost) / total_cost).quantize(
                Decimal("0.000001"), rounding=RoundingMode.HALF_UP.decimal_mode
            )
        value = npv(self.discount_rate, nets, convention=self.convention)
        irr_value: Decimal | None = None
        note = ""
        try:
            roots = irr_roots(nets)
        except NoSolutionError:
            roots = ()
            note = "no IRR: the net flows never change sign"
        if len(roots) == 1:
            irr_value = roots[0]
        elif len(roots) > 1:
            note = "several IRRs: " + ", ".join(f"{float(r):.6g}" for r in roots)
        elif not note:
            note = "no IRR: the NPV does not cross zero at any rate > -1"
        payback = payback_period(nets)
        discounted = discounted_payback_period(self.discount_rate, nets)
        return RoiReport(
            plan=self.name,
            lines=tuple(lines),
            by_category=self._by_category(horizon),
            total_cost=total_cost.round(),
            total_gain=total_gain.round(),
            net_gain=(total_gain - total_cost).round(),
            roi=roi,
            npv=value.round(),
            irr=irr_value,
            irr_note=note,
            payback_periods=None if payback is None else _places(payback),
            discounted_payback_periods=None if discounted is None else _places(discounted),
        )

    def _by_category(self, horizon: range) -> tuple[CategoryCost, ...]:
        zero = Money.zero(self.currency)
        result = []
        for category in CostCategory:
            items = [c for c in self.costs if c.category is category]
            if not items:
                continue
            one_off = sum((c.amount_in(t) for c in items if not c.recurring for t in horizon), zero)
            recurring = sum((c.amount_in(t) for c in items if c.recurring for t in horizon), zero)
            result.append(
                CategoryCost(
                    category, one_off.round(), recurring.round(), (one_off + recurring).round()
                )
            )
        return tuple(result)


def _places(value: Decimal) -> Decimal:
    return to_decimal(value).quantize(Decimal("0.0001"), rounding=RoundingMode.HALF_UP.decimal_mode)
