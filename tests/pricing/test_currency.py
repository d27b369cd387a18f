"""Base-currency figures through ExchangeRates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money
from crmcore.pricing import (
    DocumentKind,
    FixedRates,
    LineItem,
    SalesDocument,
    base_amounts,
    price_document,
)
from tests.strategies.pricing import CATALOG, PRICE_LIST

DAY = date(2026, 5, 5)


def test_base_amounts_in_rials() -> None:
    # 3 × 12.99 USD = 38.97 USD, freight 2.50; at 600,000 IRR/USD:
    # 38.97 × 600,000 = 23,382,000 IRR; total 41.47 × 600,000 = 24,882,000 IRR.
    doc = SalesDocument(
        "Q", DocumentKind.QUOTE, "USD", (LineItem("A", 3),), freight=Money("2.50", "USD")
    )
    priced = price_document(doc, CATALOG, PRICE_LIST)
    base = base_amounts(priced, FixedRates("IRR", {"USD": 600_000}), "IRR", DAY)
    assert base.detail_amount == Money(23_382_000, "IRR")
    assert base.freight == Money(1_500_000, "IRR")
    assert base.total_amount == Money(24_882_000, "IRR")
    assert base.extended_amounts == (Money(23_382_000, "IRR"),)
    same = base_amounts(priced, FixedRates("USD", {}), "USD", DAY)
    assert same.total_amount == priced.total_amount
    assert same.rate == 1


def test_rates_are_checked() -> None:
    rates = FixedRates("IRR", {"USD": Decimal("600000")})
    with pytest.raises(PricingError):
        rates.rate("EUR", "IRR", DAY)
    with pytest.raises(PricingError):
        rates.rate("USD", "EUR", DAY)
    with pytest.raises(ValidationError):
        FixedRates("IRR", {"USD": 0})
    with pytest.raises(ValidationError):
        FixedRates("IRR", {"XXY": 1})
