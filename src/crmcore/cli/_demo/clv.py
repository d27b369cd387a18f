"""The CLV section of ``crmcore demo``: five customers valued by BG/NBD + Gamma-Gamma (private)."""

from __future__ import annotations

from typing import Any

from crmcore.cli._common import table
from crmcore.clv import (
    BetaGeoModel,
    CustomerLifetimeValue,
    CustomerSummary,
    GammaGammaModel,
    customer_lifetime_values,
)

__all__ = ["demo_customers", "demo_section", "demo_values"]


def demo_customers() -> list[CustomerSummary]:
    """Five weekly summaries: two frequent buyers (one gone quiet), three lighter ones."""
    return [
        CustomerSummary("C-101", frequency=12, recency=37.0, age=39.0, monetary_value="48.50"),
        CustomerSummary("C-102", frequency=12, recency=8.0, age=39.0, monetary_value="48.50"),
        CustomerSummary("C-103", frequency=3, recency=30.0, age=35.0, monetary_value="25.00"),
        CustomerSummary("C-104", frequency=1, recency=2.0, age=38.0, monetary_value="12.00"),
        CustomerSummary("C-105", frequency=0, recency=0, age=10.0),
    ]


def demo_values() -> tuple[CustomerLifetimeValue, ...]:
    """The next 12 months' value of :func:`demo_customers` under the CDNOW models."""
    # The published CDNOW estimates: BG/NBD (FHL 2005), Gamma-Gamma (Fader & Hardie 2013).
    purchases = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    return customer_lifetime_values(
        demo_customers(),
        purchases,
        spend,
        horizon=12,
        step=52 / 12,
        discount_rate="0.01",
        margin="0.3",
        currency="USD",
    )


def demo_section() -> dict[str, Any]:
    """The CLV part of ``crmcore demo``: a table of customers ranked by value."""
    values = demo_values()
    rows = [
        (
            v.customer_id,
            f"{v.probability_alive:.2f}",
            f"{v.expected_transactions:.2f}",
            f"{v.expected_spend:.2f}",
            v.clv.amount,
        )
        for v in values
    ]
    text = "\n".join(
        [
            "Customer lifetime value, next 12 months (BG/NBD + Gamma-Gamma, 30 % margin):",
            table(rows, ["customer", "P(alive)", "purchases", "spend", "CLV (USD)"]),
        ]
    )
    data = [
        {
            "customer_id": v.customer_id,
            "probability_alive": round(v.probability_alive, 6),
            "expected_transactions": round(v.expected_transactions, 6),
            "expected_spend": round(v.expected_spend, 4),
            "clv": str(v.clv.amount),
        }
        for v in values
    ]
    return {"title": "Customer lifetime value", "text": text, "data": {"clv": data}}
