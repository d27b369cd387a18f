"""Return on each marketing campaign (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import attrs

from crmcore.errors import ValidationError
from crmcore.money import Money

__all__ = ["CampaignMetrics", "campaign_metrics"]


@attrs.frozen
class CampaignMetrics:
    """Revenue and cost of one campaign, and the return on it.

    >>> m = CampaignMetrics("nowruz-1405", revenue=Money(90, "USD"), cost=Money(60, "USD"))
    >>> m.roi, m.explain()[-1]
    (Decimal('0.5'), 'ROI = (90 − 60) / 60 = 0.5')
    """

    campaign: str
    revenue: Money
    cost: Money

    @property
    def roi(self) -> Decimal | None:
        """(revenue − cost) / cost (None when the campaign cost nothing)."""
        return (self.revenue - self.cost) / self.cost if self.cost else None

    def explain(self) -> tuple[str, ...]:
        """How the figures were derived."""
        lines = [
            f"campaign {self.campaign}: revenue {self.revenue.amount}, cost {self.cost.amount} "
            f"{self.cost.currency}"
        ]
        if self.roi is not None:
            lines.append(
                f"ROI = ({self.revenue.amount} − {self.cost.amount}) / {self.cost.amount} = "
                f"{self.roi.normalize():f}"
            )
        return tuple(lines)


def _pairs(revenue: object) -> list[tuple[str, Money]]:
    """(campaign, amount) from a mapping, pairs, or records with ``campaign`` and ``revenue``."""
    items = revenue.items() if isinstance(revenue, Mapping) else revenue
    if not isinstance(items, Iterable):
        raise ValidationError(
            obj="campaign_metrics", field="revenue", value=revenue, expected="campaigns and amounts"
        )
    pairs = []
    for index, item in enumerate(items):
        name, amount = (item.campaign, item.revenue) if hasattr(item, "campaign") else tuple(item)
        if not isinstance(name, str) or not name.strip() or not isinstance(amount, Money):
            raise ValidationError(
                obj="campaign_metrics",
                field=f"revenue[{index}]",
                value=item,
                expected="a campaign name with a Money amount",
            )
        pairs.append((name, amount))
    return pairs


def campaign_metrics(
    revenue: Iterable[object] | Mapping[str, Money],
    costs: Mapping[str, Money],
    *,
    currency: str,
) -> tuple[CampaignMetrics, ...]:
    """Revenue, cost and ROI per campaign, ordered by campaign name.

    ``revenue`` is a mapping ``campaign → Money``, ``(campaign, Money)``
    pairs, or records with ``campaign`` and ``revenue`` (what
    :func:`crmcore.pricing.campaign_revenue` returns: the revenue of the
    lines a campaign priced, discounts included). Campaigns with a cost and
    no revenue get a row with zero revenue.
    """
    zero = Money.zero(currency)
    totals: dict[str, Money] = {}
    for name, amount in _pairs(revenue):
        if amount.currency != currency:
            raise ValidationError(
                obj="campaign_metrics",
                field=f"revenue[{name!r}]",
                value=amount,
                expected=f"an amount in {currency}",
            )
        totals[name] = totals.get(name, zero) + amount
    for name, cost in costs.items():
        if not isinstance(name, str) or not isinstance(cost, Money) or cost.currency != currency:
            raise ValidationError(
                obj="campaign_metrics",
                field=f"costs[{name!r}]",
                value=cost,
                expected=f"campaign names with Money in {currency}",
            )
        totals.setdefault(name, zero)
    return tuple(
        CampaignMetrics(name, totals[name], costs.get(name, zero)) for name in sorted(totals)
    )
