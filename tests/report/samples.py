"""A Persian invoice used by the report tests (hand-priced in the comments)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DocumentKind,
    IranianVat,
    LineItem,
    PriceList,
    PriceListItem,
    PricingOptions,
    Product,
    SalesDocument,
    UnitGroup,
    price_document,
)
from crmcore.report import DocumentLayout, DocumentParty

BOXES = UnitGroup("boxes", "جعبه")
HOURS = UnitGroup("hours", "hour")
CATALOG = Catalog(
    (
        Product("TEA-500", "چای سیاه ۵۰۰ گرمی", BOXES, "جعبه"),
        Product("SUPPORT", "پشتیبانی نرم‌افزار", HOURS, "hour"),
    )
)
PRICES = PriceList(
    "retail",
    "IRR",
    (
        PriceListItem("TEA-500", "جعبه", amount=Money(1_250_000, "IRR")),
        PriceListItem("SUPPORT", "hour", amount=Money(2_000_000, "IRR")),
    ),
)
INVOICE = SalesDocument(
    "I-1",
    DocumentKind.INVOICE,
    "IRR",
    (LineItem("TEA-500", 12), LineItem("SUPPORT", Decimal("2.5"))),
    number="INV-1405-0007",
    issued_on=date(2026, 5, 5),  # 15 Ordibehesht 1405
)
# 12 × 1,250,000 = 15,000,000; 2.5 × 2,000,000 = 5,000,000; VAT 10 %: 1,500,000 and 500,000;
# total 20,000,000 + 2,000,000 = 22,000,000 rials = 2,200,000 tomans.
PRICED = price_document(
    INVOICE, CATALOG, PRICES, PricingOptions(tax_policy=IranianVat.for_year(1405))
)
SELLER = DocumentParty(
    name="شرکت بازرگانی نمونه", tax_id="411111111111", address="تهران، خیابان آزادی"
)
BUYER = DocumentParty(name="فروشگاه ستاره", phone="021-88888888")
PERSIAN = DocumentLayout(
    locale="fa_IR",
    toman=True,
    seller=SELLER,
    buyer=BUYER,
    unit_names={"hour": "ساعت"},
    total_in_words=True,
)
