"""Columnar pricing: equal to price_document to the minor unit, hand-checked figures, refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError
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
    NegativePrice,
    NoTax,
    PricedColumns,
    PriceList,
    PriceListItem,
    PricingMethod,
    PricingOptions,
    Product,
    QuantitySellingOption,
    RoundingOption,
    RoundingPoint,
    RoundingPolicy,
    SalesDocument,
    Unit,
    UnitGroup,
    price_columns,
    price_document,
)
from tests.strategies.pricing import CATALOG, PRICE_LIST

D = Decimal
BACKENDS = ("python", "numpy")
_FIGURES = (
    ("unit_prices", "price_per_unit"),
    ("gross_amounts", "gross_amount"),
    ("volume_discounts", "volume_discount_total"),
    ("amounts", "amount"),
    ("manual_discounts", "manual_discount"),
    ("net_amounts", "net_amount"),
    ("taxes", "tax"),
    ("extended_amounts", "extended_amount"),
)


class _Tax:
    """A custom policy (not one of the built-in ones): 7 % plus a fixed 0.05 per line."""

    after_header_discount = False

    def line_tax(self, product_id: str, taxable: Decimal) -> Decimal:
        del product_id
        return taxable * D(7) / D(100) + D("0.05")

    def describe(self, product_id: str) -> str:
        del product_id
        return "custom"


def _assert_equal(priced: PricedColumns, lines: tuple[LineItem, ...], document: Any) -> None:
    """Every figure of every line equals price_document's, as Money."""
    assert len(priced) == len(lines) == len(document.lines)
    for column, attribute in _FIGURES:
        ours = priced.as_money(column)
        theirs = [getattr(line, attribute) for line in document.lines]
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert a.currency == b.currency
            assert a.amount == b.amount, (column, index, a, b)


def _columns(lines: tuple[LineItem, ...], qp: int, dp: int) -> dict[str, Any]:
    return {
        "product_ids": [line.product_id for line in lines],
        "quantities": [int(line.quantity.scaleb(qp)) for line in lines],
        "units": [line.unit for line in lines],
        "quantity_places": qp,
        "manual_discounts": [
            0 if line.manual_discount is None else int(line.manual_discount.amount.scaleb(dp))
            for line in lines
        ],
        "discount_places": dp,
    }


# -- generated catalogs ----------------------------------------------------------------------

_UNITS = UnitGroup("g", "each", (Unit("box", 6, "each"), Unit("case", D("2.5"), "box")))


@st.composite
def _bands(draw: st.DrawFn, kind: DiscountType, tiered: bool) -> tuple[DiscountBand, ...]:
    cuts = sorted(draw(st.sets(st.integers(1, 2000), min_size=1, max_size=4)))
    # Tiered bands with fractional bounds may count more units than a line has (refused).
    scale = D(1) if tiered else D(draw(st.sampled_from([1, 10, 100])))
    bands = []
    for i, begin in enumerate(cuts):
        if i + 1 < len(cuts):
            end: Decimal | None = D(cuts[i + 1] - 1) / scale
        else:
            end = draw(st.none() | st.just(D(begin + 500) / scale))
        if kind is DiscountType.PERCENTAGE:
            off = D(draw(st.integers(0, 10_000))) / 100
        else:
            off = D(draw(st.integers(0, 5_000))) / 100
        bands.append(DiscountBand(D(begin) / scale, end, off))
    return tuple(bands)


@st.composite
def _discount_list(draw: st.DrawFn, currency: str) -> DiscountList | None:
    if draw(st.booleans()):
        return None
    kind = draw(st.sampled_from(list(DiscountType)))
    tiered = draw(st.booleans())
    return DiscountList(
        "dl",
        kind,
        draw(_bands(kind, tiered)),
        currency=currency if kind is DiscountType.AMOUNT else None,
        tiered=tiered,
    )


@st.composite
def _item(draw: st.DrawFn, product_id: str, unit: str, currency: str) -> PriceListItem:
    dl = draw(_discount_list(currency))
    method = draw(st.sampled_from(list(PricingMethod)))
    if method is PricingMethod.CURRENCY_AMOUNT:
        amount = Money(D(draw(st.integers(0, 10**7))) / 1000, currency)
        return PriceListItem(product_id, unit, amount=amount, discount_list=dl)
    margin = method in (PricingMethod.MARGIN_CURRENT_COST, PricingMethod.MARGIN_STANDARD_COST)
    pct = D(draw(st.integers(0, 9_999 if margin else 30_000))) / 100
    option = draw(st.sampled_from(list(RoundingOption)))
    ends = [D(0), D("0.99"), D(5), D("0.5")]
    amount_choices = ends if option is RoundingOption.ENDS_IN else [D("0.05"), D(1), D(5)]
    return PriceListItem(
        product_id,
        unit,
        method,
        percentage=pct,
        rounding_policy=draw(st.sampled_from(list(RoundingPolicy))),
        rounding_option=option,
        rounding_amount=draw(st.sampled_from(amount_choices)),
        discount_list=dl,
    )


@st.composite
def _setup(draw: st.DrawFn) -> tuple[Catalog, PriceList, PricingOptions, str]:
    currency = draw(st.sampled_from(["USD", "IRR", "BHD"]))
    products = []
    items = []
    for i in range(draw(st.integers(1, 4))):
        cost = Money(D(draw(st.integers(1, 10**6))) / 100, currency)
        products.append(
            Product(
                f"P{i}",
                f"Product {i}",
                _UNITS,
                draw(st.sampled_from(["each", "box"])),
                list_price=cost,
                standard_cost=cost,
                current_cost=cost,
                price_decimals=draw(st.integers(0, 4)),
                selling_option=draw(st.sampled_from(list(QuantitySellingOption))),
            )
        )
        for unit in ("each", "box", "case"):
            items.append(draw(_item(f"P{i}", unit, currency)))
    policy = draw(
        st.sampled_from(
            [
                NoTax(),
                FlatRateTax(D("15")),
                IranianVat(exempt=("P1",)),
                FlatRateTax(D("7.75")),
                _Tax(),
            ]
        )
    )
    options = PricingOptions(
        manual_discount_method=draw(st.sampled_from(list(ManualDiscountMethod))),
        rounding_point=draw(st.sampled_from(list(RoundingPoint))),
        rounding_mode=draw(st.sampled_from(list(RoundingMode))),
        tax_policy=policy,  # type: ignore[arg-type]
        negative_price=NegativePrice.CLAMP,
    )
    return Catalog(tuple(products)), PriceList("pl", currency, tuple(items)), options, currency


@st.composite
def _lines(
    draw: st.DrawFn, catalog: Catalog, currency: str, qp: int, dp: int
) -> tuple[LineItem, ...]:
    lines = []
    for _ in range(draw(st.integers(1, 25))):
        product = draw(st.sampled_from(catalog.products))
        whole = product.selling_option is QuantitySellingOption.WHOLE
        quantity = D(draw(st.integers(1, 3000)))
        if not whole:
            quantity = quantity.scaleb(-draw(st.integers(0, qp)))
        manual = None
        if draw(st.booleans()):
            manual = Money(D(draw(st.integers(0, 300))).scaleb(-dp), currency)
        lines.append(
            LineItem(
                product.id,
                quantity,
                unit=draw(st.sampled_from([None, "each", "box", "case"])),
                manual_discount=manual,
            )
        )
    return tuple(lines)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_equal_to_price_document_on_every_line(data: st.DataObject) -> None:
    """Every figure of every generated line equals price_document's, on both backends."""
    catalog, plist, options, currency = data.draw(_setup())
    qp = data.draw(st.integers(0, 3))
    dp = data.draw(st.integers(0, 4))
    lines = data.draw(_lines(catalog, currency, qp, dp))
    document = SalesDocument("Q", DocumentKind.QUOTE, currency, lines)
    try:
        expected = price_document(document, catalog, plist, options)
    except CrmError as exc:
        # A line price_document refuses (manual discount above the amount): refused here too.
        for backend in BACKENDS:
            with pytest.raises(type(exc)):
                price_columns(
                    catalog, plist, options=options, backend=backend, **_columns(lines, qp, dp)
                )
        return
    for backend in BACKENDS:
        priced = price_columns(
            catalog, plist, options=options, backend=backend, **_columns(lines, qp, dp)
        )
        assert priced.backend == backend
        _assert_equal(priced, lines, expected)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_backends_agree_on_the_shared_catalog(data: st.DataObject) -> None:
    """The shared strategy catalog (every method, tiered amount list): both backends, equal."""
    pairs = [("A", "each"), ("A", "box"), ("B", "box"), ("C", "each")]
    picks = data.draw(st.lists(st.sampled_from(pairs), min_size=1, max_size=40))
    qs = data.draw(st.lists(st.integers(1, 500), min_size=len(picks), max_size=len(picks)))
    lines = tuple(LineItem(p, D(q), unit=u) for (p, u), q in zip(picks, qs, strict=True))
    options = PricingOptions(tax_policy=FlatRateTax(15))
    expected = price_document(
        SalesDocument("D", "quote", "USD", lines), CATALOG, PRICE_LIST, options
    )
    for backend in BACKENDS:
        priced = price_columns(
            CATALOG,
            PRICE_LIST,
            [p for p, _ in picks],
            qs,
            units=[u for _, u in picks],
            options=options,
            backend=backend,
        )
        _assert_equal(priced, lines, expected)
