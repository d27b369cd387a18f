"""Revenue per campaign from priced documents, for attribution (private)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from crmcore import _checks as check
from crmcore.errors import CurrencyMismatchError
from crmcore.money import Money
from crmcore.pricing._documents import PricedDocument

__all__ = ["CampaignRevenue", "campaign_revenue"]


@attrs.frozen
class CampaignRevenue:
    """What the lines priced by one campaign brought in, before tax."""

    campaign: str
    revenue: Money
    """Σ (line net amount − its share of the header discount): what the customer pays, less tax."""
    lines: int
    documents: int

    def explain(self) -> tuple[str, ...]:
        """How the figure was derived."""
        return (
            f"campaign {self.campaign}: {self.lines} line(s) on {self.documents} document(s)",
            f"revenue = Σ (net amount − header discount share) = {self.revenue.amount} "
            f"{self.revenue.currency}",
        )


def campaign_revenue(documents: Iterable[PricedDocument]) -> tuple[CampaignRevenue, ...]:
    """Revenue per campaign over ``documents`` (e.g. a period's invoices), by campaign name.

    A line counts for the campaign that gave its price (``PricedLine.campaign``:
    a campaign price list or pricing rule); lines without one are left out.
    Feed the result to :func:`crmcore.roi.campaign_metrics` with each
    campaign's cost.
    """
    checked = check.require_items(
        documents, PricedDocument, obj="campaign_revenue", field="documents"
    )
    totals: dict[str, list[Money]] = {}
    seen: dict[str, set[int]] = {}
    for index, document in enumerate(checked):
        for line in document.lines:
            if line.campaign is None:
                continue
            paid = line.net_amount - line.header_discount_share
            rows = totals.setdefault(line.campaign, [])
            if rows and rows[0].currency != paid.currency:
                raise CurrencyMismatchError(rows[0].currency, paid.currency, operation="sum")
            rows.append(paid)
            seen.setdefault(line.campaign, set()).add(index)
    return tuple(
        CampaignRevenue(name, sum(rows[1:], rows[0]), len(rows), len(seen[name]))
        for name, rows in sorted(totals.items())
    )
