"""Lines and document totals: worked examples from the reference and invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money, RoundingMode
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    DocumentKind,
    FlatRateTax,
    IranianVat,
    LineItem,
    ManualDiscountMethod,
    PricedDocument,
    PricedLine,
    PriceList,
    PriceListItem,
    PricingOptions,
    Product,
    QuantitySellingOption,
    RoundingPoint,
    SalesDocument,
    Unit,
    UnitGroup,
    price_document,
    price_from_lists,
)
from crmcore.pricing._documents import _LINE_FIELDS
from tests.strategies.pricing import CATALOG, PRICE_LIST, documents, pricing_options

D = Decimal
USD = "USD"
_EACH = UnitGroup("g", "each", (Unit("box", 10, "each"),))
_CATALOG = Catalog(
    (
        Product("P", "Widget", _EACH, "each"),
        Product("W", "Whole", _EACH, "each", selling_option=QuantitySellingOption.WHOLE),
    )
)


def _doc(*lines: LineItem, **kw: object) -> SalesDocument:
    return SalesDocument("Q1", DocumentKind.QUOTE, USD, lines, **kw)  # type: ignore[arg-type]


def _list(price: str, discount_list: DiscountList | None = None) -> PriceList:
    return PriceList(
        "pl",
        USD,
        (
            PriceListItem("P", "each", amount=Money(price, USD), discount_list=discount_list),
            PriceListItem("P", "box", amount=Money(price, USD)),
            PriceListItem("W", "each", amount=Money(price, USD)),
        ),
    )


# -- worked examples (reference pricing.md, "Line and document totals") ----------------------


@pytest.mark.parametrize(
    ("method", "expected"),
    [(ManualDiscountMethod.LINE_ITEM, "19990.00"), (ManualDiscountMethod.PER_UNIT, "18000.00")],
)
def test_example_price_100_qty_200_discount_10(method: ManualDiscountMethod, expected: str) -> None:
    # Reference: price 100, quantity 200, discount 10 → line item 19,990; per unit 18,000.
    doc = _doc(LineItem("P", 200, manual_discount=Money(10, USD)))
    priced = price_document(
        doc, _CATALOG, _list("100"), PricingOptions(manual_discount_method=method)
    )
    assert priced.lines[0].extended_amount == Money(expected, USD)
    assert priced.total_amount == Money(expected, USD)


@pytest.mark.parametrize(
    ("method", "amount_after_discount", "tax", "extended"),
    [
        (ManualDiscountMethod.LINE_ITEM, "8900", "1335", "10235"),
        (ManualDiscountMethod.PER_UNIT, "8000", "1200", "9200"),
    ],
)
def test_example_volume_and_manual_discount_with_tax(
    method: ManualDiscountMethod, amount_after_discount: str, tax: str, extended: str
) -> None:
    # Reference: price per unit 1,000, volume discount 100, quantity 10, manual
    # discount 100, tax 15 % → line item 8,900 + 1,335 = 10,235; per unit 8,000 + 1,200 = 9,200.
    volume = DiscountList("v", DiscountType.AMOUNT, (DiscountBand(10, 19, 100),), currency=USD)
    doc = _doc(LineItem("P", 10, manual_discount=Money(100, USD)))
    options = PricingOptions(manual_discount_method=method, tax_policy=FlatRateTax(15))
    line = price_document(doc, _CATALOG, _list("1000", volume), options).lines[0]
    assert line.amount == Money(9000, USD)  # 10 × (1000 − 100)
    assert line.volume_discount_total == Money(1000, USD)
    assert line.volume_discount_per_unit == Money(100, USD)  # the reference's "volume discount 100"
    assert line.net_amount == Money(amount_after_discount, USD)
    assert line.tax == Money(tax, USD)
    assert line.extended_amount == Money(extended, USD)


def test_header_totals_by_hand() -> None:
    # Two lines: 3 × 19.99 = 59.97 and 2 × 5.50 = 11.00 → detail 70.97.
    # Header 10 % → 7.097 → 7.10 (half-up); pre-freight 63.87; freight 4.50;
    # tax 15 % per line before header discount: 8.9955 → 9.00 and 1.65 → 10.65;
    # total 63.87 + 4.50 + 10.65 = 79.02.
    catalog = Catalog((Product("A", "A", _EACH, "each"), Product("B", "B", _EACH, "each")))
    plist = PriceList(
        "pl",
        USD,
        (
            PriceListItem("A", "each", amount=Money("19.99", USD)),
            PriceListItem("B", "each", amount=Money("5.50", USD)),
        ),
    )
    doc = _doc(
        LineItem("A", 3), LineItem("B", 2), header_discount_percent=10, freight=Money("4.50", USD)
    )
    priced = price_document(doc, catalog, plist, PricingOptions(tax_policy=FlatRateTax(15)))
    assert priced.detail_amount == Money("70.97", USD)
    assert priced.header_discount == Money("7.10", USD)
    assert priced.pre_freight_amount == Money("63.87", USD)
    assert priced.total_tax == Money("10.65", USD)
    assert priced.total_amount == Money("79.02", USD)
    # Tax after the header discount: shares of 7.10 by 59.97 : 11.00 →
    # 5.9993… and 1.1004… → floors 5.99 + 1.10 = 7.09, the extra cent to the
    # larger remainder (0.0093 vs 0.0004) → 6.00 and 1.10.
    # Tax: (59.97 − 6.00) × 15 % = 8.0955 → 8.10; (11.00 − 1.10) × 15 % = 1.485 → 1.49.
    after = price_document(
        doc,
        catalog,
        plist,
        PricingOptions(tax_policy=FlatRateTax(15), tax_after_header_discount=True),
    )
    assert [line.header_discount_share.amount for line in after.lines] == [D("6.00"), D("1.10")]
    assert [line.tax.amount for line in after.lines] == [D("8.10"), D("1.49")]
    assert after.total_amount == Money("63.87", USD) + Money("4.50", USD) + Money("9.59", USD)


_FINE = Catalog((Product("P", "Widget", _EACH, "each", price_decimals=3),))


def test_rounding_point_unit_price_vs_line_total() -> None:
    # Price 0.333 (an amount item of a product priced to 3 decimals), 3 units:
    # line total: round(3 × 0.333) = round(0.999) = 1.00; unit price: 3 × round(0.333) = 0.99.
    doc = _doc(LineItem("P", 3))
    plist = _list("0.333")
    line_total = price_document(doc, _FINE, plist)
    unit_first = price_document(
        doc, _FINE, plist, PricingOptions(rounding_point=RoundingPoint.UNIT_PRICE)
    )
    assert line_total.total_amount == Money("1.00", USD)
    assert unit_first.total_amount == Money("0.99", USD)


def test_rounding_mode_is_used() -> None:
    # 1 × 0.125 half-up → 0.13; half-even → 0.12.
    doc = _doc(LineItem("P", 1))
    plist = _list("0.125")
    assert price_document(doc, _FINE, plist).total_amount == Money("0.13", USD)
    even = PricingOptions(rounding_mode=RoundingMode.HALF_EVEN)
    assert price_document(doc, _FINE, plist, even).total_amount == Money("0.12", USD)


def test_iranian_vat_in_rials() -> None:
    # 3 × 1,250,000 IRR = 3,750,000; VAT 10 % (1403 on) = 375,000; total 4,125,000.
    catalog = Catalog((Product("S", "Service", _EACH, "each", price_decimals=0),))
    plist = PriceList("irr", "IRR", (PriceListItem("S", "each", amount=Money(1_250_000, "IRR")),))
    doc = SalesDocument("Q", DocumentKind.QUOTE, "IRR", (LineItem("S", 3),))
    priced = price_document(
        doc, catalog, plist, PricingOptions(tax_policy=IranianVat.for_year(1405))
    )
    assert priced.total_tax == Money(375_000, "IRR")
    assert priced.total_amount == Money(4_125_000, "IRR")
    assert priced.lines[0].tax_label == "VAT 10 %"
    exempt = PricingOptions(tax_policy=IranianVat.for_year(1402, exempt=("S",)))
    assert price_document(doc, catalog, plist, exempt).total_tax == Money(0, "IRR")
    assert IranianVat.for_year(1402).rate == 9


def test_overrides_and_units() -> None:
    plist = _list("10")
    doc = _doc(
        LineItem("P", 2, price_override=Money("7.5", USD)),
        LineItem("P", 1, unit="box"),
        LineItem("P", 1, tax_override=Money("0.33", USD)),
    )
    priced = price_document(doc, _CATALOG, plist)
    assert [line.amount.amount for line in priced.lines] == [D("15.00"), D("10.00"), D("10.00")]
    assert priced.lines[0].price_source == "manual override"
    assert priced.lines[1].unit == "box"
    assert priced.total_tax == Money("0.33", USD)


def test_errors_name_the_field_and_value() -> None:
    plist = _list("10")
    with pytest.raises(ValidationError) as info:
        price_document(_doc(LineItem("W", D("1.5"))), _CATALOG, plist)
    assert info.value.value == D("1.5")
    with pytest.raises(PricingError) as pinfo:
        price_document(_doc(LineItem("Z", 1)), _CATALOG, plist)
    assert pinfo.value.value == "Z"
    with pytest.raises(PricingError) as pinfo:
        price_document(_doc(LineItem("W", 1, unit="box")), _CATALOG, plist)
    assert pinfo.value.value == "W/box"
    with pytest.raises(ValidationError) as info:
        price_document(_doc(LineItem("P", 1, unit="crate")), _CATALOG, plist)
    assert info.value.value == "crate"
    with pytest.raises(ValidationError) as info:
        price_document(_doc(LineItem("P", 1, manual_discount=Money(11, USD))), _CATALOG, plist)
    assert info.value.field == "lines[0].manual_discount"
    with pytest.raises(ValidationError):
        price_document(
            _doc(LineItem("P", 1), header_discount_amount=Money(11, USD)), _CATALOG, plist
        )
    with pytest.raises(ValidationError):
        price_document(_doc(LineItem("P", 1, price_override=Money(1, "EUR"))), _CATALOG, plist)
    with pytest.raises(ValidationError):
        SalesDocument("X", DocumentKind.QUOTE, "EUR").__class__(
            "X", "quote", "USD", freight=Money(1, "EUR")
        )
    with pytest.raises(ValidationError):
        price_document(SalesDocument("X", "quote", "EUR"), _CATALOG, plist)
    with pytest.raises(ValidationError):
        _doc(header_discount_percent=5, header_discount_amount=Money(1, USD))
    with pytest.raises(ValidationError):
        _doc(header_discount_percent=101)


def test_explanation_lists_every_step() -> None:
    volume = DiscountList("v", DiscountType.AMOUNT, (DiscountBand(10, 19, 100),), currency=USD)
    doc = _doc(LineItem("P", 10, manual_discount=Money(100, USD)), header_discount_percent=5)
    priced = price_document(
        doc, _CATALOG, _list("1000", volume), PricingOptions(tax_policy=FlatRateTax(15))
    )
    text = "\n".join(priced.explain())
    for fragment in (
        "price per unit from price list 'pl'",
        "gross = 10 × 1000.00 = 10000.00 USD",
        "volume discount = 1000.00 USD (100.00 USD per unit)",
        "amount = 10000.00 − 1000.00 = 9000.00 USD",
        "tax (tax 15 %) on 8900.00 = 1335.00 USD",
        "extended = 9000.00 − 100.00 + 1335.00 = 10235.00 USD",
        "header discount (5 % of 8900.00) = 445.00 USD",
        "total = 8455.00 + freight 0.00 + tax 1335.00 = 9790.00 USD",
    ):
        assert fragment in text


# -- invariants ---------------------------------------------------------------------------------


def _check_conservation(priced: PricedDocument) -> None:
    lines = priced.lines
    zero = Money.zero(priced.currency)
    assert priced.detail_amount == sum((line.net_amount for line in lines), zero)
    assert priced.total_tax == sum((line.tax for line in lines), zero)
    extended = sum((line.extended_amount for line in lines), zero)
    assert priced.total_amount == extended + priced.freight - priced.header_discount
    if priced.options.taxes_after_header_discount:
        shares = sum((line.header_discount_share for line in lines), zero)
        assert shares == priced.header_discount
    for line in lines:
        assert line.amount == line.gross_amount - line.volume_discount_total
        assert line.price_per_unit.amount >= 0
        for money in (line.amount, line.tax, line.extended_amount):
            assert money.round() == money  # every figure is in whole minor units


@given(documents(), pricing_options())
@settings(max_examples=80, deadline=None)
def test_totals_equal_the_sum_of_their_parts(doc: SalesDocument, options: PricingOptions) -> None:
    _check_conservation(price_document(doc, CATALOG, PRICE_LIST, options))


@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=30),
    st.integers(0, 10**6),
)
@settings(max_examples=80)
def test_header_discount_allocation_sums_back(weights: list[int], cents: int) -> None:
    if not any(weights):
        weights = [*weights, 1]
    header = Money.from_minor_units(cents, USD)
    parts = header.allocate(weights)
    assert sum(parts, Money.zero(USD)) == header
    assert all(p.amount >= 0 for p in parts)


def _amount(plist: PriceList, qty: int, options: PricingOptions) -> Money:
    return price_document(_doc(LineItem("P", qty)), _CATALOG, plist, options).total_amount


@given(
    st.integers(1, 300),
    st.integers(1, 300),
    st.integers(1, 100_000),
    st.sampled_from(list(RoundingPoint)),
    st.lists(st.tuples(st.integers(1, 200), st.integers(0, 100)), max_size=4),
)
@settings(max_examples=80, deadline=None)
def test_price_is_monotone_in_quantity(
    q1: int, q2: int, cents: int, point: RoundingPoint, cuts: list[tuple[int, int]]
) -> None:
    # Without a discount list, or with a tiered one (each unit discounted by
    # its own band, discount ≤ 100 %), buying more never costs less.
    # (A Dynamics band list is not monotone by design: 10 at 100 > 11 at 90.)
    begins = sorted({b for b, _ in cuts})
    pct = dict(cuts)
    bands = tuple(
        DiscountBand(b, begins[i + 1] - 1 if i + 1 < len(begins) else None, pct[b])
        for i, b in enumerate(begins)
    )
    lists = [_list(str(D(cents) / 100))]
    if bands:
        tiered = DiscountList("t", DiscountType.PERCENTAGE, bands, tiered=True)
        lists.append(_list(str(D(cents) / 100), tiered))
    low, high = sorted((q1, q2))
    options = PricingOptions(rounding_point=point)
    for plist in lists:
        assert _amount(plist, low, options) <= _amount(plist, high, options)


def test_document_kinds_and_defaults() -> None:
    assert SalesDocument("O", "opportunity", USD).status == "open"
    assert SalesDocument("Q", "quote", USD).status == "draft"
    assert SalesDocument("I", "invoice", USD).status == "active"
    assert attrs.evolve(_doc(), freight=Money(1, USD)).freight == Money(1, USD)


def test_wrong_types_in_collections_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as info:
        SalesDocument("X", "quote", USD, ("nope",))  # type: ignore[arg-type]
    assert info.value.field == "lines[0]"
    with pytest.raises(ValidationError) as info:
        Catalog(("nope",))  # type: ignore[arg-type]
    assert info.value.field == "products[0]"
    with pytest.raises(ValidationError):
        UnitGroup("g", "each", ("box",))  # type: ignore[arg-type]


def test_a_line_without_price_list_or_lock_is_a_pricing_error() -> None:
    with pytest.raises(PricingError) as info:
        price_document(_doc(LineItem("P", 1)), _CATALOG, None)
    assert info.value.field == "price_list"
    # An overridden price needs no price list.
    overridden = _doc(LineItem("P", 2, price_override=Money(3, USD)))
    assert price_document(overridden, _CATALOG, None).total_amount == Money("6.00", USD)


# -- issue 9: plain numbers, shared validators, list choice out of the CLI --------------------


def test_explanations_print_decimals_plainly() -> None:
    # 2,400,000 / (1 − 40 %) = 4,000,000 exactly; Decimal division gives 4.00000E+6,
    # which must read as 4000000 in every explanation.
    service = UnitGroup("service", "hour", (Unit("day", 8, "hour"),))
    support = Product("S", "Support", service, "hour", current_cost=Money(2_400_000, "IRR"))
    item = PriceListItem("S", "day", "margin_current_cost", percentage=40)
    plist = PriceList("irr", "IRR", (item,))
    doc = SalesDocument("Q", "quote", "IRR", (LineItem("S", Decimal("1E+1"), unit="day"),))
    priced = price_document(doc, Catalog((support,)), plist)
    text = "\n".join(priced.explain())
    assert "E+" not in text
    assert "e+" not in text
    assert "price = current cost 2400000 / (1 − 40 %) = 4000000" in text
    # 10 days × 4,000,000 = 40,000,000 rials.
    assert "gross = 10 × 4000000.00 = 40000000 IRR" in text


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: Catalog(5), "products"),  # type: ignore[arg-type]
        (lambda: SalesDocument("Q", "quote", USD, 5), "lines"),  # type: ignore[arg-type]
        (lambda: UnitGroup("g", "each", "box"), "units"),
        (lambda: PriceList("p", USD, None), "items"),  # type: ignore[arg-type]
        (lambda: FlatRateTax(10, exempt=3), "exempt"),  # type: ignore[arg-type]
        (lambda: FlatRateTax(101), "rate"),
        (lambda: LineItem("P", 1.5), "quantity"),  # type: ignore[arg-type]
        (lambda: LineItem("P", 1, manual_discount=Money(-1, USD)), "manual_discount"),
        (lambda: _doc(header_discount_percent=Decimal(101)), "header_discount_percent"),
    ],
)
def test_hostile_fields_raise_validation_errors_naming_class_and_field(
    make: object, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        make()  # type: ignore[operator]
    assert info.value.field == field


def test_price_from_lists_chooses_like_select_price_list() -> None:
    def priced_at(price: str, name: str, **kw: object) -> PriceList:
        return attrs.evolve(_list(price), name=name, **kw)

    old = priced_at("9", "2025", valid_to=date(2025, 12, 31))
    new = priced_at("10", "2026", valid_from=date(2026, 1, 1))
    doc = _doc(LineItem("P", 3))
    # A single list, no name, no day: used as it is (3 × 9 = 27).
    assert price_from_lists(doc, _CATALOG, [old]).total_amount == Money("27.00", USD)
    # The day comes from issued_on: 2026-02-01 picks "2026" (3 × 10 = 30) ...
    issued = attrs.evolve(doc, issued_on=date(2026, 2, 1))
    assert price_from_lists(issued, _CATALOG, [old, new]).price_list == "2026"
    # ... unless `on` is given: 2025-06-01 picks "2025".
    assert price_from_lists(issued, _CATALOG, [old, new], on=date(2025, 6, 1)).price_list == "2025"
    # No lists: only overridden lines can be priced.
    with pytest.raises(PricingError):
        price_from_lists(doc, _CATALOG, [])
    with pytest.raises(ValidationError) as info:
        price_from_lists(doc, _CATALOG, ["2026"])  # type: ignore[list-item]
    assert info.value.field == "price_lists[0]"


def test_the_engine_passes_every_priced_line_field_in_its_order() -> None:
    # priced_lines() builds PricedLine positionally (speed); a field added, removed or
    # moved in PricedLine must be mirrored there, or figures would land in the wrong field.
    assert tuple(f.name for f in attrs.fields(PricedLine)) == _LINE_FIELDS
