"""Per-lead and per-source marketing metrics and revenue attribution (private)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from crmcore._checks import aware, require_aware
from crmcore.errors import ValidationError
from crmcore.models import LeadSource
from crmcore.money import Money

__all__ = [
    "AttributedTouch",
    "AttributionModel",
    "LeadOutcome",
    "SourceMetrics",
    "Touch",
    "attribute_revenue",
    "source_metrics",
]


def _source(_instance: object, attribute: attrs.Attribute[LeadSource], value: object) -> None:
    if not isinstance(value, LeadSource):
        raise ValidationError(
            obj=type(_instance).__name__,
            field=attribute.name,
            value=value,
            expected="a LeadSource",
        )


def _money(instance: object, attribute: attrs.Attribute[Money], value: object) -> None:
    if not isinstance(value, Money):
        raise ValidationError(
            obj=type(instance).__name__, field=attribute.name, value=value, expected="Money"
        )


@attrs.frozen
class LeadOutcome:
    """What became of one lead: its source, whether it converted, the revenue won."""

    source: LeadSource = attrs.field(validator=_source)
    converted: bool
    revenue: Money = attrs.field(validator=_money)


@attrs.frozen
class SourceMetrics:
    """Leads, conversions, revenue and cost of one lead source.

    >>> m = SourceMetrics(LeadSource.TRADE_SHOW, leads=40, conversions=4,
    ...                   revenue=Money(20000, "USD"), cost=Money(8000, "USD"))
    >>> m.conversion_rate, str(m.cost_per_lead), str(m.cost_per_acquisition), m.roi
    (Decimal('0.1'), '200 USD', '2000 USD', Decimal('1.5'))
    """

    source: LeadSource
    leads: int
    conversions: int
    revenue: Money
    cost: Money

    @property
    def conversion_rate(self) -> Decimal | None:
        """conversions / leads (None without leads)."""
        return Decimal(self.conversions) / self.leads if self.leads else None

    @property
    def revenue_per_lead(self) -> Money | None:
        """revenue / leads (None without leads)."""
        return self.revenue / self.leads if self.leads else None

    @property
    def cost_per_lead(self) -> Money | None:
        """cost / leads (None without leads)."""
        return self.cost / self.leads if self.leads else None

    @property
    def cost_per_acquisition(self) -> Money | None:
        """cost / conversions (None without conversions)."""
        return self.cost / self.conversions if self.conversions else None

    @property
    def roi(self) -> Decimal | None:
        """(revenue − cost) / cost (None when the source cost nothing)."""
        return (self.revenue - self.cost) / self.cost if self.cost else None


def source_metrics(
    outcomes: Iterable[LeadOutcome], costs: Mapping[LeadSource, Money], *, currency: str
) -> tuple[SourceMetrics, ...]:
    """Aggregate lead outcomes per source, with each source's cost.

    Sources with a cost but no leads still get a row. Rows follow
    :attr:`LeadSource.STANDARD` order, then custom sources by code.
    """
    zero = Money.zero(currency)
    counts: dict[LeadSource, list[int]] = {}
    revenue: dict[LeadSource, Money] = {}
    for index, outcome in enumerate(outcomes):
        if not isinstance(outcome, LeadOutcome):
            raise ValidationError(
                obj="source_metrics",
                field=f"outcomes[{index}]",
                value=outcome,
                expected="a LeadOutcome",
            )
        if outcome.revenue.currency != currency:
            raise ValidationError(
                obj="source_metrics",
                field=f"outcomes[{index}].revenue",
                value=outcome.revenue,
                expected=f"an amount in {currency}",
            )
        row = counts.setdefault(outcome.source, [0, 0])
        row[0] += 1
        row[1] += int(outcome.converted)
        revenue[outcome.source] = revenue.get(outcome.source, zero) + outcome.revenue
    for source, cost in costs.items():
        if (
            not isinstance(source, LeadSource)
            or not isinstance(cost, Money)
            or cost.currency != currency
        ):
            raise ValidationError(
                obj="source_metrics",
                field=f"costs[{source!s}]",
                value=cost,
                expected=f"LeadSource keys and Money in {currency}",
            )
        counts.setdefault(source, [0, 0])
    standard = {s: i for i, s in enumerate(LeadSource.STANDARD)}
    order = sorted(counts, key=lambda s: (standard.get(s, len(standard)), s.code))
    return tuple(
        SourceMetrics(s, counts[s][0], counts[s][1], revenue.get(s, zero), costs.get(s, zero))
        for s in order
    )


class AttributionModel(enum.StrEnum):
    """How revenue is shared among the touches that led to a sale."""

    FIRST_TOUCH = "first_touch"
    LAST_TOUCH = "last_touch"
    LINEAR = "linear"
    TIME_DECAY = "time_decay"
    """Weight 2^(−age/half-life), age measured back from the conversion."""
    U_SHAPED = "u_shaped"
    """40 % first, 40 % last, 20 % shared by the touches between."""


@attrs.frozen
class Touch:
    """A marketing touch on the way to a sale."""

    source: LeadSource = attrs.field(validator=_source)
    at: datetime = attrs.field(validator=aware())


@attrs.frozen
class AttributedTouch:
    """A touch and the revenue credited to it."""

    touch: Touch
    amount: Money


def _weights(
    model: AttributionModel, ordered: Sequence[Touch], converted_at: datetime, half_life: timedelta
) -> list[float]:
    n = len(ordered)
    if model is AttributionModel.FIRST_TOUCH:
        return [1.0] + [0.0] * (n - 1)
    if model is AttributionModel.LAST_TOUCH:
        return [0.0] * (n - 1) + [1.0]
    if model is AttributionModel.LINEAR:
        return [1.0] * n
    if model is AttributionModel.TIME_DECAY:
        weights = [2.0 ** (-((converted_at - t.at) / half_life)) for t in ordered]
        if any(weights):
            return weights
        # Every weight underflowed (conversion many half-lives after the last touch):
        # measure from the last touch instead, which only rescales the weights.
        return [2.0 ** (-((ordered[-1].at - t.at) / half_life)) for t in ordered]
    if n == 1:
        return [1.0]
    if n == 2:
        return [1.0, 1.0]
    middle = 20.0 / (n - 2)
    return [40.0] + [middle] * (n - 2) + [40.0]


def attribute_revenue(
    revenue: Money,
    touches: Sequence[Touch],
    model: AttributionModel | str,
    *,
    converted_at: datetime | None = None,
    half_life: timedelta = timedelta(days=7),
) -> tuple[AttributedTouch, ...]:
    """Share ``revenue`` among ``touches`` (returned in time order).

    The shares are rounded to the currency's minor unit and always add up to
    ``revenue`` exactly (:meth:`Money.allocate`, largest remainder). With
    two touches U-shaped gives 50/50, with one it gives everything.

    >>> from datetime import datetime, timezone
    >>> day = lambda d: datetime(2025, 1, d, tzinfo=timezone.utc)
    >>> touches = [Touch(LeadSource.WEBSITE, day(1)), Touch(LeadSource.CAMPAIGN, day(5)),
    ...            Touch(LeadSource.SOCIAL_MEDIA, day(8)), Touch(LeadSource.TRADE_SHOW, day(9))]
    >>> [str(t.amount) for t in attribute_revenue(Money(1000, "USD"), touches, "u_shaped")]
    ['400.00 USD', '100.00 USD', '100.00 USD', '400.00 USD']
    """
    try:
        kind = AttributionModel(model)
    except ValueError:
        raise ValidationError(
            obj="attribute_revenue",
            field="model",
            value=model,
            expected="one of " + ", ".join(m.value for m in AttributionModel),
        ) from None
    if not isinstance(revenue, Money):
        raise ValidationError(
            obj="attribute_revenue", field="revenue", value=revenue, expected="Money"
        )
    if not touches:
        raise ValidationError(
            obj="attribute_revenue", field="touches", value=[], expected="at least one touch"
        )
    for index, touch in enumerate(touches):
        if not isinstance(touch, Touch):
            raise ValidationError(
                obj="attribute_revenue", field=f"touches[{index}]", value=touch, expected="a Touch"
            )
    if not isinstance(half_life, timedelta) or half_life <= timedelta(0):
        raise ValidationError(
            obj="attribute_revenue",
            field="half_life",
            value=half_life,
            expected="a positive timedelta",
        )
    ordered = sorted(touches, key=lambda t: t.at)
    if converted_at is not None:
        require_aware(converted_at, obj="attribute_revenue", field="converted_at")
    end = ordered[-1].at if converted_at is None else converted_at
    if end < ordered[-1].at:
        raise ValidationError(
            obj="attribute_revenue",
            field="converted_at",
            value=converted_at,
            expected=f"a time at or after the last touch ({ordered[-1].at.isoformat()})",
        )
    shares = revenue.round().allocate(_weights(kind, ordered, end, half_life))
    return tuple(AttributedTouch(t, s) for t, s in zip(ordered, shares, strict=True))
