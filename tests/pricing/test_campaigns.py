"""Campaign attribution: priced lines → revenue per campaign → ROI per campaign (issue 16 item 3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest

from crmcore.errors import CurrencyMismatchError, ValidationError
from crmcore.models import Lead, LeadId, LeadSource
from crmcore.money import Money
from crmcore.pricing import (
    LineItem,
    PricingContext,
    SalesDocument,
    campaign_revenue,
    price_from_lists,
)
from crmcore.roi import CampaignMetrics, campaign_metrics
from tests.pricing.test_selection import _CATALOG, ALL, USD


def _quote(number: str, quantity: int, day: date) -> SalesDocument:
    context = PricingContext(customer_group="gold", campaign="nowruz-1405")
    return SalesDocument(
        number,
        "quote",
        USD,
        (LineItem("P", quantity),),
        issued_on=day,
        pricing_context=context,
    )


def test_campaign_revenue_and_roi_by_hand() -> None:
    # The Nowruz list prices pens at 85 during the campaign (tests/pricing/test_selection.py):
    # Q1 3 × 85 = 255.00 and Q2 2 × 85 = 170.00 carry the campaign; Q3 after the campaign
    # is priced by the gold list (90) and carries none. Revenue 255 + 170 = 425.00 on two
    # documents; with a cost of 250.00 the ROI is (425 − 250) / 250 = 0.7.
    priced = [
        price_from_lists(_quote("Q1", 3, date(2026, 3, 21)), _CATALOG, ALL),
        price_from_lists(_quote("Q2", 2, date(2026, 3, 25)), _CATALOG, ALL),
        price_from_lists(_quote("Q3", 4, date(2026, 4, 10)), _CATALOG, ALL),
    ]
    (nowruz,) = campaign_revenue(priced)
    assert (nowruz.campaign, nowruz.revenue, nowruz.lines, nowruz.documents) == (
        "nowruz-1405",
        Money("425.00", USD),
        2,
        2,
    )
    metrics = campaign_metrics(
        campaign_revenue(priced),
        {"nowruz-1405": Money(250, USD), "yalda-1404": Money(100, USD)},
        currency=USD,
    )
    assert metrics == (
        CampaignMetrics("nowruz-1405", Money("425.00", USD), Money(250, USD)),
        CampaignMetrics("yalda-1404", Money(0, USD), Money(100, USD)),
    )
    assert metrics[0].roi == Decimal("0.7")
    assert metrics[1].roi == -1


def test_campaign_metrics_takes_mappings_and_pairs_and_refuses_junk() -> None:
    by_map = campaign_metrics({"a": Money(10, USD)}, {}, currency=USD)
    by_pairs = campaign_metrics([("a", Money(4, USD)), ("a", Money(6, USD))], {}, currency=USD)
    assert by_map == by_pairs
    assert by_map[0].roi is None
    with pytest.raises(ValidationError, match=r"revenue\[0\]"):
        campaign_metrics([("a", 10)], {}, currency=USD)
    with pytest.raises(ValidationError, match="an amount in USD"):
        campaign_metrics({"a": Money(10, "EUR")}, {}, currency=USD)
    with pytest.raises(ValidationError, match="costs"):
        campaign_metrics({}, {"a": Money(1, "EUR")}, currency=USD)


def test_campaign_revenue_refuses_mixed_currencies_and_junk() -> None:
    one = price_from_lists(_quote("Q1", 1, date(2026, 3, 21)), _CATALOG, ALL)
    line = attrs.evolve(
        one.lines[0],
        tax=Money(0, "EUR"),
        extended_amount=Money(85, "EUR"),
        header_discount_share=Money(0, "EUR"),
    )
    other = attrs.evolve(one, lines=(line,))
    with pytest.raises(CurrencyMismatchError):
        campaign_revenue([one, other])
    with pytest.raises(ValidationError, match=r"documents\[0\]"):
        campaign_revenue(["Q1"])  # type: ignore[list-item]


def test_a_qualified_lead_carries_its_campaign_to_the_opportunity() -> None:
    lead = Lead(
        id=LeadId("L-1"),
        last_name="Moradi",
        company="Shiraz Tiles",
        source=LeadSource.TRADE_SHOW,
        campaign="Iran Food Expo 1405",
        estimated_value=Money(400_000_000, "IRR"),
    )
    opportunity = lead.qualify().opportunity
    assert opportunity is not None
    assert opportunity.campaign == "Iran Food Expo 1405"
