"""The pricing section of ``crmcore demo``: a campaign quote in rials with VAT (private).

A gold customer answering the Ordibehesht campaign gets the gold price list
and a 10 % doogh promotion; the quote becomes an order with prices locked
and a Jalali-numbered invoice. ``docs/pricing.md`` checks the figures by hand.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore.cli._pricing import priced_to_json, render_table
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    DocumentKind,
    IranianVat,
    LineItem,
    NumberFormat,
    PriceList,
    PriceListItem,
    PricingContext,
    PricingMethod,
    PricingOptions,
    PricingRule,
    PricingRules,
    Product,
    QuantitySellingOption,
    RoundingOption,
    RoundingPolicy,
    SalesDocument,
    Unit,
    UnitGroup,
    activate_quote,
    invoice_from_order,
    price_document,
    price_from_lists,
    win_quote,
)
from crmcore.repositories import SqliteStore
from crmcore.serialization import make_converter


def demo_catalog() -> tuple[Catalog, PriceList]:
    """Drinks sold by can, 6-pack and 12-pack; a support service by hour, day and month."""
    drinks = UnitGroup("drinks", "can", (Unit("6-pack", 6, "can"), Unit("12-pack", 2, "6-pack")))
    service = UnitGroup("service", "hour", (Unit("day", 8, "hour"), Unit("month", 22, "day")))
    catalog = Catalog(
        (
            Product(
                "DOOGH-330",
                "Doogh 330 ml",
                drinks,
                "can",
                list_price=Money(180_000, "IRR"),
                standard_cost=Money(95_000, "IRR"),
                price_decimals=0,
                selling_option=QuantitySellingOption.WHOLE,
            ),
            Product(
                "SUPPORT",
                "On-site support",
                service,
                "hour",
                current_cost=Money(2_400_000, "IRR"),
                price_decimals=0,
            ),
        )
    )
    volume = DiscountList(
        "drinks-volume",
        DiscountType.PERCENTAGE,
        (DiscountBand(1, 9, 0), DiscountBand(10, 49, 5), DiscountBand(50, None, 8)),
    )
    price_list = PriceList(
        "tehran-1405",
        "IRR",
        (
            PriceListItem("DOOGH-330", "can", amount=Money(190_000, "IRR")),
            PriceListItem(
                "DOOGH-330",
                "12-pack",
                PricingMethod.MARKUP_STANDARD_COST,
                percentage=Decimal(1_000),
                rounding_policy=RoundingPolicy.UP,
                rounding_option=RoundingOption.MULTIPLE_OF,
                rounding_amount=Decimal(10_000),
                discount_list=volume,
            ),
            PriceListItem(
                "SUPPORT",
                "day",
                PricingMethod.MARGIN_CURRENT_COST,
                percentage=Decimal(40),
                rounding_policy=RoundingPolicy.NEAREST,
                rounding_option=RoundingOption.ENDS_IN,
                rounding_amount=Decimal(0),
            ),
        ),
        valid_from=date(2026, 3, 21),
        valid_to=date(2027, 3, 20),
    )
    return catalog, price_list


def demo_gold_list(base: PriceList) -> PriceList:
    """The gold customers' list: the base items, support at a 35 % margin instead of 40 %."""
    support = PriceListItem(
        "SUPPORT",
        "day",
        PricingMethod.MARGIN_CURRENT_COST,
        percentage=Decimal(35),
        rounding_policy=RoundingPolicy.NEAREST,
        rounding_option=RoundingOption.ENDS_IN,
        rounding_amount=Decimal(0),
    )
    items = (*(i for i in base.items if i.product_id != "SUPPORT"), support)
    return attrs.evolve(base, name="tehran-1405-gold", items=items, customer_groups=("gold",))


def demo_promotions() -> PricingRules:
    """The Ordibehesht 1405 campaign: 10 % off doogh, 21 April to 21 May 2026."""
    return PricingRules(
        (
            PricingRule(
                "ordibehesht-doogh",
                "percent_off",
                percent=10,
                products=("DOOGH-330",),
                campaigns=("ordibehesht-1405",),
                valid_from=date(2026, 4, 21),  # 1 Ordibehesht 1405
                valid_to=date(2026, 5, 21),  # 31 Ordibehesht 1405
            ),
        ),
        max_line_discount_percent=Decimal(25),
    )


def demo_section() -> dict[str, Any]:
    """A gold customer's campaign quote in rials with VAT, then an order and a Jalali invoice.

    Worked by hand in docs/pricing.md ("The demo quote, by hand"): total 33,363,443 IRR.
    """
    catalog, price_list = demo_catalog()
    day = date(2026, 5, 5)  # 15 Ordibehesht 1405
    options = PricingOptions(tax_policy=IranianVat.for_year(1405))  # VAT after the header discount
    quote = SalesDocument(
        "Q-demo",
        DocumentKind.QUOTE,
        "IRR",
        (
            LineItem("DOOGH-330", 20, unit="12-pack"),
            LineItem("DOOGH-330", 6),
            LineItem("SUPPORT", 3, unit="day", manual_discount=Money(500_000, "IRR")),
        ),
        header_discount_percent=Decimal(2),
        freight=Money(1_500_000, "IRR"),
        issued_on=day,
        pricing_context=PricingContext(
            customer="ACC-0001", customer_group="gold", campaign="ordibehesht-1405"
        ),
    )
    with SqliteStore() as store, store.unit_of_work() as uow:
        quote_no = NumberFormat("Q-{jyear}{jmonth:02}-{seq:04}").next_number(uow.sequences, day)
        invoice_no = NumberFormat("INV-{jyear}-{seq:06}").next_number(uow.sequences, day)
    quote = activate_quote(attrs.evolve(quote, number=quote_no))
    lists = [price_list, demo_gold_list(price_list)]
    priced_quote = price_from_lists(quote, catalog, lists, options, rules=demo_promotions())
    won, order = win_quote(quote, order_id="O-demo", priced=priced_quote)
    priced_order = price_document(order, catalog, None, options)
    invoice = invoice_from_order(order, invoice_id="I-demo", priced=priced_order)
    invoice = attrs.evolve(invoice, number=invoice_no)
    priced_invoice = price_document(invoice, catalog, None, options)
    text = "\n".join(
        [
            render_table(priced_quote, "en_US"),
            "",
            *priced_quote.explain(lines=False)[:2],
            "",
            "How line 1 was priced:",
            *(f"  {step}" for step in priced_quote.lines[0].explain()),
            "",
            f"quote {quote_no} → {won.status}; order {order.id} (prices locked) → invoice {invoice_no}",
            render_table(priced_invoice, "fa_IR", persian_digits=True),
        ]
    )
    return {
        "title": (
            "Pricing: a gold customer's campaign quote in rials with VAT becomes an order and a "
            "Jalali-numbered invoice"
        ),
        "text": text,
        "data": {
            "quote": priced_to_json(priced_quote),
            "quote_status": str(won.status),
            "order_id": order.id,
            "invoice_number": invoice_no,
            "invoice_total": make_converter().unstructure(priced_invoice.total_amount),
            "invoice_total_fa": priced_invoice.total_amount.format("fa_IR", persian_digits=True),
        },
    }
