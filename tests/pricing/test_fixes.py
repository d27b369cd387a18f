"""Issue 16, item 4: prices never below zero, warnings instead of silence, per-unit volume
discount, precision for every method, Iranian VAT after the header discount."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crmcore.errors import PricingError
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    FlatRateTax,
    IranianVat,
    LineItem,
    NegativePrice,
    PriceList,
    PriceListItem,
    PriceWarning,
    PricingMethod,
    PricingOptions,
    Product,
    RoundingOption,
    RoundingPolicy,
    SalesDocument,
    UnitGroup,
    price_document,
)

D = Decimal
USD = "USD"
EACH = UnitGroup("each", "each")


def _product(pid: str, list_price: str, decimals: int = 2) -> Product:
    return Product(
        pid, pid, EACH, "each", list_price=Money(list_price, USD), price_decimals=decimals
    )


def _percent_item(
    pid: str, policy: RoundingPolicy, option: RoundingOption, amount: str
) -> PriceListItem:
    return PriceListItem(
        pid,
        "each",
        PricingMethod.PERCENT_OF_LIST,
        percentage=100,
        rounding_policy=policy,
        rounding_option=option,
        rounding_amount=D(amount),
    )


def _quote(*lines: LineItem, **kw: Any) -> SalesDocument:
    return SalesDocument("Q", "quote", USD, lines, **kw)


_CLIP = _product("CLIP", "0.50")
_PEN = _product("PEN", "10")
_ENDS_99_DOWN = _percent_item("CLIP", RoundingPolicy.DOWN, RoundingOption.ENDS_IN, "0.99")
_LIST = PriceList(
    "retail", USD, (_ENDS_99_DOWN, PriceListItem("PEN", "each", amount=Money(10, USD)))
)
_CATALOG = Catalog((_CLIP, _PEN))


def test_a_rounding_below_zero_is_refused_naming_product_list_and_rounding() -> None:
    # 0.50 down to "ends in 0.99": the allowed prices are …, −0.01, 0.99; down gives −0.01.
    for doc in (
        _quote(LineItem("CLIP", 1)),  # alone: used to blame header_discount_amount
        _quote(LineItem("PEN", 1), LineItem("CLIP", 1)),  # beside a positive line: was silent
    ):
        with pytest.raises(PricingError) as info:
            price_document(doc, _CATALOG, _LIST)
        err = info.value
        assert err.field == "rounding_policy"
        assert "'retail'" in str(err)
        assert "'CLIP'" in str(err)
        assert "ends_in 0.99" in str(err)
        assert "-0.01" in str(err)
        assert "header_discount" not in str(err)


def test_clamping_is_an_option_and_is_reported() -> None:
    doc = _quote(LineItem("PEN", 1), LineItem("CLIP", 3))
    priced = price_document(doc, _CATALOG, _LIST, PricingOptions(negative_price="clamp"))
    clip = priced.lines[1]
    assert clip.price_per_unit == Money("0.00", USD)
    assert clip.amount == Money("0.00", USD)
    assert clip.warnings == (PriceWarning.CLAMPED_AT_ZERO,)
    assert any(step.startswith("warning:") for step in clip.explain())
    assert priced.lines[0].warnings == ()
    # 10.00 + 0.00: the clamped line adds nothing.
    assert priced.total_amount == Money("10.00", USD)
    assert PricingOptions(negative_price="clamp").negative_price is NegativePrice.CLAMP


def test_a_price_rounded_to_zero_is_reported() -> None:
    # 3 rounded down to a multiple of 5 is 0 (issue 16's example).
    tack = _product("T", "3")
    item = _percent_item("T", RoundingPolicy.DOWN, RoundingOption.MULTIPLE_OF, "5")
    priced = price_document(
        _quote(LineItem("T", 2)), Catalog((tack,)), PriceList("p", USD, (item,))
    )
    line = priced.lines[0]
    assert line.price_per_unit.amount == 0
    assert line.warnings == (PriceWarning.ROUNDED_TO_ZERO,)
    # Pricing precision alone can do it too: 0.004 at 2 decimals is 0.00.
    speck = _product("S", "0.004")
    plain = PriceListItem("S", "each", PricingMethod.PERCENT_OF_LIST, percentage=100)
    priced = price_document(
        _quote(LineItem("S", 1)), Catalog((speck,)), PriceList("p", USD, (plain,))
    )
    assert priced.lines[0].warnings == (PriceWarning.ROUNDED_TO_ZERO,)
    # A price that is zero as entered is not a rounding: no warning.
    free = PriceListItem("PEN", "each", amount=Money(0, USD))
    priced = price_document(_quote(LineItem("PEN", 1)), _CATALOG, PriceList("p", USD, (free,)))
    assert priced.lines[0].warnings == ()


@pytest.mark.parametrize("tiered", [False, True])
def test_an_amount_discount_capped_at_the_price_is_reported(tiered: bool) -> None:
    # Price 10, band "10 off each from 5 units" then 12 off from 20 units: at 25 units
    # the 12 is capped at 10, so every unit in that band is free.
    bands = (DiscountBand(5, 19, 10), DiscountBand(20, None, 12))
    volume = DiscountList("v", DiscountType.AMOUNT, bands, currency=USD, tiered=tiered)
    plist = PriceList(
        "p", USD, (PriceListItem("PEN", "each", amount=Money(10, USD), discount_list=volume),)
    )
    capped = price_document(_quote(LineItem("PEN", 25)), _CATALOG, plist).lines[0]
    assert capped.warnings == (PriceWarning.DISCOUNT_CAPPED,)
    # Dynamics: band [20, ∞) gives min(12, 10) = 10 off all 25 units: amount 0.
    # Tiered: units 1-4 full (40), 5-19 at 0 (10 − 10), 20-25 at 0 (capped): amount 40.
    assert capped.amount == Money("40.00" if tiered else "0.00", USD)
    # At 6 units the band of 10 equals the price: nothing is capped.
    exact = price_document(_quote(LineItem("PEN", 6)), _CATALOG, plist).lines[0]
    assert exact.warnings == ()


def test_volume_discount_per_unit_beside_the_line_total() -> None:
    # 7.5 % of 12.99 = 0.97425 per unit (0.97 at 2 decimals); 3 units: exact 2.92275,
    # amount round(38.97 − 2.92275) = round(36.04725) = 36.05, so the line total is 2.92.
    volume = DiscountList("v", DiscountType.PERCENTAGE, (DiscountBand(1, None, D("7.5")),))
    item = PriceListItem("PEN", "each", amount=Money("12.99", USD), discount_list=volume)
    line = price_document(_quote(LineItem("PEN", 3)), _CATALOG, PriceList("p", USD, (item,))).lines[
        0
    ]
    assert line.volume_discount_per_unit == Money("0.97", USD)
    assert line.volume_discount_total == Money("2.92", USD)
    assert line.amount == Money("36.05", USD)
    # Tiered: units 1-5 at 50 % off a price of 100, 3 more at full price: 250 off in
    # all (docs/pricing.md), 250 / 8 = 31.25 per unit on average.
    tiers = DiscountList("t", DiscountType.PERCENTAGE, (DiscountBand(1, 5, 50),), tiered=True)
    item = PriceListItem("PEN", "each", amount=Money(100, USD), discount_list=tiers)
    line = price_document(_quote(LineItem("PEN", 8)), _CATALOG, PriceList("p", USD, (item,))).lines[
        0
    ]
    assert line.volume_discount_total == Money("250.00", USD)
    assert line.volume_discount_per_unit == Money("31.25", USD)
    # No discount list: zero per unit.
    bare = price_document(_quote(LineItem("PEN", 2)), _CATALOG, _LIST).lines[0]
    assert bare.volume_discount_per_unit == Money("0.00", USD)


def test_pricing_precision_applies_to_a_currency_amount() -> None:
    # 0.333 on a product priced to 2 decimals: 0.33 (half-up); 0.335 → 0.34.
    for entered, expected in (("0.333", "0.33"), ("0.335", "0.34")):
        item = PriceListItem("PEN", "each", amount=Money(entered, USD))
        priced = item.price(_PEN, USD)
        assert priced.amount == D(expected)
        assert priced.steps[-1] == f"to pricing precision 2: {expected}"
    # Precision 0 on a rial product: 190,000.4 → 190,000.
    rial = Product("R", "R", EACH, "each", price_decimals=0)
    item = PriceListItem("R", "each", amount=Money("190000.4", "IRR"))
    assert item.price(rial, "IRR").amount == D(190_000)


def _vat_invoice() -> tuple[SalesDocument, Catalog, PriceList]:
    goods = Catalog(
        (
            Product("A", "A", EACH, "each", price_decimals=0),
            Product("B", "B", EACH, "each", price_decimals=0),
        )
    )
    plist = PriceList(
        "irr",
        "IRR",
        (
            PriceListItem("A", "each", amount=Money(19_950_000, "IRR")),
            PriceListItem("B", "each", amount=Money(8_000_000, "IRR")),
        ),
    )
    doc = SalesDocument(
        "F",
        "invoice",
        "IRR",
        (LineItem("A", 1), LineItem("B", 1)),
        header_discount_amount=Money(50_000, "IRR"),
    )
    return doc, goods, plist


def test_iranian_vat_is_charged_after_the_header_discount_by_default() -> None:
    # Hand calculation in docs/pricing.md ("Iranian VAT is charged after discounts"):
    # shares 35,689 / 14,311; VAT 1,991,431 + 798,569 = 2,790,000 = 10 % of 27,900,000.
    doc, goods, plist = _vat_invoice()
    priced = price_document(doc, goods, plist, PricingOptions(tax_policy=IranianVat()))
    assert [line.header_discount_share.amount for line in priced.lines] == [35_689, 14_311]
    assert [line.tax.amount for line in priced.lines] == [1_991_431, 798_569]
    assert priced.total_tax == Money(2_790_000, "IRR")
    assert all(line.taxed_after_header_discount for line in priced.lines)
    assert "after the header discount" in "\n".join(priced.explain(lines=False))
    # The options can still ask for Dynamics' rule: VAT on 27,950,000 = 2,795,000.
    before = PricingOptions(tax_policy=IranianVat(), tax_after_header_discount=False)
    assert price_document(doc, goods, plist, before).total_tax == Money(2_795_000, "IRR")
    # A flat rate follows Dynamics unless told otherwise.
    assert price_document(
        doc, goods, plist, PricingOptions(tax_policy=FlatRateTax(10))
    ).total_tax == Money(2_795_000, "IRR")
    flat_after = PricingOptions(tax_policy=FlatRateTax(10, after_header_discount=True))
    assert price_document(doc, goods, plist, flat_after).total_tax == Money(2_790_000, "IRR")
