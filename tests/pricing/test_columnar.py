"""Columnar pricing: equal to price_document to the minor unit, hand-checked figures, refusals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError, PricingError, ValidationError
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
    PricingContext,
    PricingMethod,
    PricingOptions,
    PricingRule,
    PricingRules,
    Product,
    QuantitySellingOption,
    RoundingOption,
    RoundingPoint,
    RoundingPolicy,
    RuleAction,
    SalesDocument,
    Stacking,
    Unit,
    UnitGroup,
    price_columns,
    price_document,
)
from tests.fuzz._harness import HOSTILE_TEXT, HUGE_INT, check_contract
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


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_documents_equal_price_document_with_header_discounts(data: st.DataObject) -> None:
    """Several documents in one batch: every line (share, tax) and every total equals."""
    catalog, plist, options, currency = data.draw(_setup())
    options = attrs.evolve(options, tax_after_header_discount=data.draw(st.none() | st.booleans()))
    qp = data.draw(st.integers(0, 2))
    documents = []
    percent: dict[str, Decimal] = {}
    amount: dict[str, int] = {}
    freight: dict[str, int] = {}
    for number in range(data.draw(st.integers(1, 4))):
        doc_id = f"D{number}"
        lines = data.draw(_lines(catalog, currency, qp, 0))
        header = data.draw(st.sampled_from(["none", "percent", "amount"]))
        kw: dict[str, Any] = {}
        if header == "percent":
            percent[doc_id] = kw["header_discount_percent"] = (
                D(data.draw(st.integers(0, 3000))) / 100
            )
        elif header == "amount":
            amount[doc_id] = data.draw(st.integers(0, 500))
            kw["header_discount_amount"] = Money(
                D(amount[doc_id]).scaleb(-_places(currency)), currency
            )
        if data.draw(st.booleans()):
            freight[doc_id] = data.draw(st.integers(0, 10_000))
            kw["freight"] = Money(D(freight[doc_id]).scaleb(-_places(currency)), currency)
        documents.append(SalesDocument(doc_id, DocumentKind.INVOICE, currency, lines, **kw))
    # Interleave the documents' lines: a batch need not keep a document's lines together.
    order = data.draw(
        st.permutations([(d, i) for d, doc in enumerate(documents) for i in range(len(doc.lines))])
    )
    order = sorted(order, key=lambda pair: pair[1])  # each document's lines stay in their order
    lines = tuple(documents[d].lines[i] for d, i in order)
    columns = _columns(lines, qp, _places(currency))
    columns["manual_discounts"] = [
        0 if line.manual_discount is None else line.manual_discount.minor_units() for line in lines
    ]
    columns.pop("discount_places")
    batch = {
        "document_ids": [documents[d].id for d, _ in order],
        "header_discount_percent": percent,
        "header_discount_amount": amount,
        "freight": freight,
    }
    try:
        expected = [price_document(doc, catalog, plist, options) for doc in documents]
    except CrmError as exc:
        for backend in BACKENDS:
            with pytest.raises(type(exc)):
                price_columns(catalog, plist, options=options, backend=backend, **columns, **batch)
        return
    for backend in BACKENDS:
        priced = price_columns(catalog, plist, options=options, backend=backend, **columns, **batch)
        for row, (d, i) in enumerate(order):
            line = expected[d].lines[i]
            for column, attribute in (
                *_FIGURES,
                ("header_discount_shares", "header_discount_share"),
            ):
                assert priced.as_money(column)[row] == getattr(line, attribute), (column, row)
        totals = priced.documents
        assert totals is not None
        by_id = {doc_id: j for j, doc_id in enumerate(totals.ids)}
        for d, doc in enumerate(expected):
            j = by_id[documents[d].id]
            for name, attribute in (
                ("detail_amounts", "detail_amount"),
                ("header_discounts", "header_discount"),
                ("pre_freight_amounts", "pre_freight_amount"),
                ("freights", "freight"),
                ("total_taxes", "total_tax"),
                ("total_amounts", "total_amount"),
            ):
                assert totals.as_money(name)[j] == getattr(doc, attribute), (name, d)


def _places(currency: str) -> int:
    return {"USD": 2, "IRR": 0, "BHD": 3}[currency]


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


# -- hand-checked figures --------------------------------------------------------------------

_EACH = UnitGroup("each", "each", (Unit("box", 12, "each"),))


def _one(
    price: str, dl: DiscountList | None = None, *, decimals: int = 2, **kw: Any
) -> tuple[Catalog, PriceList]:
    product = Product("P", "Widget", _EACH, "each", price_decimals=decimals, **kw)
    item = PriceListItem("P", "each", amount=Money(price, "USD"), discount_list=dl)
    return Catalog((product,)), PriceList("pl", "USD", (item,))


_VOLUME = DiscountList(
    "volume", DiscountType.PERCENTAGE, (DiscountBand(1, 4, 0), DiscountBand(5, None, D("7.5")))
)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hand_checked_line_with_volume_discount_manual_discount_and_tax(backend: str) -> None:
    # 7 × 12.34 = 86.38; 7.5 % off: 86.38 × 0.925 = 79.9015 → 79.90 (half-up), volume 6.48;
    # less 1.00 manual = 78.90; 15 % tax = 11.835 → 11.84; extended 78.90 + 11.84 = 90.74.
    catalog, plist = _one("12.34", _VOLUME)
    priced = price_columns(
        catalog,
        plist,
        ["P", "P"],
        [7, 2],
        manual_discounts=[100, 0],
        options=PricingOptions(tax_policy=FlatRateTax(15)),
        backend=backend,
    )
    assert list(priced.unit_prices) == [1234, 1234]
    assert list(priced.gross_amounts) == [8638, 2468]
    assert list(priced.amounts) == [7990, 2468]
    assert list(priced.volume_discounts) == [648, 0]
    assert list(priced.manual_discounts) == [100, 0]
    assert list(priced.net_amounts) == [7890, 2468]
    # 24.68 × 0.15 = 3.702 → 3.70
    assert list(priced.taxes) == [1184, 370]
    assert list(priced.extended_amounts) == [9074, 2838]
    assert priced.as_money("extended_amounts")[0] == Money("90.74", "USD")


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("mode", "tax"),
    [
        # The tax 78.90 × 0.15 = 11.835 is a tie at the cent.
        (RoundingMode.HALF_UP, 1184),
        (RoundingMode.HALF_EVEN, 1184),  # 11.83|5: 3 is odd → 11.84
        (RoundingMode.HALF_DOWN, 1183),
        (RoundingMode.FLOOR, 1183),
        (RoundingMode.DOWN, 1183),
        (RoundingMode.CEILING, 1184),
        (RoundingMode.UP, 1184),
    ],
)
def test_rounding_modes_at_a_tie(backend: str, mode: RoundingMode, tax: int) -> None:
    # 78.90 net (7 × 12.34 = 86.38, 7.5 % off = 79.9015 → 79.90 in every nearest mode,
    # 79.90 floor/down, 79.91 ceiling/up), less 1.00 manual.
    catalog, plist = _one("12.34", _VOLUME)
    options = PricingOptions(tax_policy=FlatRateTax(15), rounding_mode=mode)
    priced = price_columns(
        catalog, plist, ["P"], [7], manual_discounts=[100], options=options, backend=backend
    )
    amount = 7991 if mode in (RoundingMode.CEILING, RoundingMode.UP) else 7990
    assert list(priced.amounts) == [amount]
    if amount == 7990:
        assert list(priced.taxes) == [tax]
    else:  # 79.01 × 0.15 = 11.8365 → 11.84 upwards
        assert list(priced.taxes) == [1184]


@pytest.mark.parametrize("backend", BACKENDS)
def test_tiered_list_with_decimal_quantities(backend: str) -> None:
    # Units 1-5 at 50 % off, the rest at full price (the DiscountList docstring's example):
    # 8 × 100 = 800, discount 5 × 50 = 250 → 550. With quantity 6.5: 650 − 250 = 400.
    tiers = DiscountList("t", DiscountType.PERCENTAGE, (DiscountBand(1, 5, 50),), tiered=True)
    catalog, plist = _one("100", tiers)
    priced = price_columns(
        catalog, plist, ["P", "P", "P"], [80, 65, 30], quantity_places=1, backend=backend
    )
    # 3.0 units, all inside the band: 300 × 0.5 = 150.
    assert list(priced.amounts) == [55000, 40000, 15000]
    assert list(priced.volume_discounts) == [25000, 25000, 15000]


@pytest.mark.parametrize("backend", BACKENDS)
def test_rounding_at_the_unit_price_and_per_unit_manual_discount(backend: str) -> None:
    # Price 0.125 (pricing precision 3) × 3: line total 0.375 → 0.38; unit price
    # rnd(0.125) = 0.13 × 3 = 0.39. Manual 0.125 per unit (discount_places 3) × 3 = 0.375 → 0.38.
    catalog, plist = _one("0.125", decimals=3)
    for point, gross in ((RoundingPoint.LINE_TOTAL, 38), (RoundingPoint.UNIT_PRICE, 39)):
        options = PricingOptions(
            rounding_point=point, manual_discount_method=ManualDiscountMethod.PER_UNIT
        )
        priced = price_columns(
            catalog,
            plist,
            ["P"],
            [3],
            manual_discounts=[125],
            discount_places=3,
            options=options,
            backend=backend,
        )
        assert priced.price_places == 3
        assert list(priced.unit_prices) == [125]
        assert list(priced.gross_amounts) == [gross]
        assert list(priced.manual_discounts) == [38]
        assert list(priced.net_amounts) == [gross - 38]


@pytest.mark.parametrize("backend", BACKENDS)
def test_rials_with_iranian_vat_and_an_exempt_product(backend: str) -> None:
    # 2 × 1,250,000 IRR = 2,500,000, VAT 10 % = 250,000; bread is exempt (VAT law art. 12).
    unit = UnitGroup("each", "each")
    catalog = Catalog((Product("TEA", "چای", unit, "each"), Product("NAN", "نان", unit, "each")))
    plist = PriceList(
        "retail",
        "IRR",
        (
            PriceListItem("TEA", "each", amount=Money(1_250_000, "IRR")),
            PriceListItem("NAN", "each", amount=Money(40_000, "IRR")),
        ),
    )
    options = PricingOptions(tax_policy=IranianVat.for_year(1405, exempt=("NAN",)))
    priced = price_columns(
        catalog, plist, np.array(["TEA", "NAN"]), np.array([2, 5]), options=options, backend=backend
    )
    assert list(priced.taxes) == [250_000, 0]
    assert list(priced.extended_amounts) == [2_750_000, 200_000]
    assert (
        priced.as_money("taxes")[0].format("fa_IR", persian_digits=True, toman=True)
        == "۲۵٬۰۰۰ تومان"
    )


def test_numpy_recomputes_lines_beyond_int64_in_python_ints() -> None:
    # 10^13 × 999.99 × 0.925 (7.5 % off) = 9,249,907,500,000,000 cents: the figure fits in
    # int64 but quantity × price at 10^-5 does not; the numpy backend redoes the line exactly.
    # 3 × 999.99 = 2,999.97 (band 1-4: 0 % off).
    catalog, plist = _one("999.99", _VOLUME)
    ids, quantities = ["P", "P"], [10**13, 3]
    numpy_ = price_columns(catalog, plist, ids, quantities, backend="numpy")
    python = price_columns(catalog, plist, ids, quantities, backend="python")
    assert numpy_.amounts.tolist() == python.amounts == [924_990_750_000_000_000, 299_997]
    lines = tuple(LineItem("P", q) for q in quantities)
    expected = price_document(SalesDocument("Q", "quote", "USD", lines), catalog, plist)
    _assert_equal(numpy_, lines, expected)


def test_figures_beyond_int64_are_refused_on_numpy_only() -> None:
    # 10^17 × 999.99 = 9.9999 × 10^19 cents > 2^63 − 1 ≈ 9.22 × 10^18.
    catalog, plist = _one("999.99")
    with pytest.raises(ValidationError, match=r"gross_amounts\[0\].*2\^63"):
        price_columns(catalog, plist, ["P"], [10**17], backend="numpy")
    python = price_columns(catalog, plist, ["P"], [10**17], backend="python")
    assert python.amounts == [99_999 * 10**17]


@pytest.mark.parametrize("backend", BACKENDS)
def test_an_empty_batch(backend: str) -> None:
    catalog, plist = _one("1")
    priced = price_columns(catalog, plist, [], [], backend=backend)
    assert len(priced) == 0
    assert priced.as_money("taxes") == ()


# -- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("kwargs", "error", "where"),
    [
        ({"quantities": [0]}, ValidationError, r"quantities\[0\]: got 0"),
        ({"quantities": [-3]}, ValidationError, r"quantities\[0\]"),
        ({"quantities": [1.5]}, ValidationError, r"quantities\[0\]: got 1.5"),
        ({"quantities": [True]}, ValidationError, r"quantities\[0\]"),
        ({"quantities": ["2"]}, ValidationError, r"quantities\[0\]"),
        ({"quantities": np.array([1.0])}, ValidationError, r"quantities\[0\]"),
        ({"quantities": np.array([0])}, ValidationError, r"quantities\[0\]: got 0"),
        ({"quantities": "12"}, ValidationError, r"quantities: got '12'"),
        ({"quantities": [1, 2]}, ValidationError, r"product_ids: got 1"),
        ({"manual_discounts": [-1]}, ValidationError, r"manual_discounts\[0\]"),
        ({"manual_discounts": np.array([-1])}, ValidationError, r"manual_discounts\[0\]"),
        ({"manual_discounts": [100_000]}, ValidationError, r"manual_discounts\[0\].*at most"),
        ({"product_ids": ["X"]}, PricingError, r"product_ids\[0\]: got 'X'.*Catalog.product_id"),
        ({"product_ids": [3]}, ValidationError, r"product_ids\[0\]: got 3"),
        ({"product_ids": [["P"]]}, ValidationError, r"product_ids\[0\]: got \['P'\]"),
        ({"units": ["box"]}, PricingError, r"product_ids\[0\]: got 'P/box'"),
        ({"units": ["crate"]}, ValidationError, r"product_ids\[0\]: got 'crate'"),
        ({"units": [None, None]}, ValidationError, r"units: got 2"),
        ({"quantity_places": 13}, ValidationError, r"quantity_places: got 13"),
        ({"discount_places": -1}, ValidationError, r"discount_places: got -1"),
        ({"options": "fast"}, ValidationError, r"options: got 'fast'"),
        ({"catalog": None}, ValidationError, r"catalog: got None"),
        ({"price_list": None}, ValidationError, r"price_list: got None"),
    ],
)
def test_hostile_input_is_refused_naming_the_field(
    backend: str, kwargs: dict[str, Any], error: type[Exception], where: str
) -> None:
    catalog, plist = _one("12.34")
    args: dict[str, Any] = {
        "catalog": catalog,
        "price_list": plist,
        "product_ids": ["P"],
        "quantities": [1],
        "backend": backend,
    }
    args.update(kwargs)
    with pytest.raises(error, match=where):
        price_columns(**args)


@pytest.mark.parametrize("backend", BACKENDS)
def test_whole_units_and_a_bad_backend(backend: str) -> None:
    catalog, plist = _one("2", selling_option=QuantitySellingOption.WHOLE)
    with pytest.raises(ValidationError, match=r"quantities\[1\]: got '2.5'.*whole"):
        price_columns(catalog, plist, ["P", "P"], [20, 25], quantity_places=1, backend=backend)
    with pytest.raises(ValidationError, match="backend: got 'gpu'"):
        price_columns(catalog, plist, ["P"], [1], backend="gpu")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "bands",
    [
        ((Decimal("0.5"), None),),  # [0.5, ∞) on 2 units would discount 2 − 0.5 + 1 = 2.5
        ((Decimal(1), Decimal("10.5")), (Decimal(11), None)),  # 11 units: 10.5 + 1 = 11.5
    ],
)
def test_tiered_bands_that_count_more_units_than_a_line_has_are_refused(
    bands: tuple[tuple[Decimal, Decimal | None], ...],
) -> None:
    with pytest.raises(ValidationError, match=r"DiscountList 't'.bands.*tiered bands"):
        DiscountList(
            "t",
            DiscountType.PERCENTAGE,
            tuple(DiscountBand(low, high, 10) for low, high in bands),
            tiered=True,
        )
    # the same bands are fine on a Dynamics list (one band gives its discount to every unit)
    DiscountList(
        "t", DiscountType.PERCENTAGE, tuple(DiscountBand(low, high, 10) for low, high in bands)
    )


def test_as_money_refuses_an_unknown_column() -> None:
    catalog, plist = _one("1")
    priced = price_columns(catalog, plist, ["P"], [1], backend="python")
    with pytest.raises(ValidationError, match="name: got 'total'"):
        priced.as_money("total")
    assert priced.explain()[0].startswith("1 lines priced on the python backend")


@pytest.mark.parametrize("backend", BACKENDS)
def test_hand_checked_header_discount_shares_and_vat_after_them(backend: str) -> None:
    # Two invoices. INV-1: nets 59.97 and 11.00, header discount 7.10 split by largest
    # remainder: 7.10 × 59.97 / 70.97 = 5.9993… → 5.99, 7.10 × 11 / 70.97 = 1.1004… → 1.10,
    # the cent left over goes to the larger remainder (line 1): 6.00 and 1.10 (the
    # allocate_units docstring). IranianVat taxes after the header discount: (59.97 − 6.00) ×
    # 10 % = 5.397 → 5.40; (11.00 − 1.10) × 10 % = 0.99. Totals: detail 70.97, pre-freight
    # 63.87, tax 6.39, freight 2.50 → 72.76.
    # INV-2: nets 3.00, 1.00, 1.00 with a 20 % header discount: 1.00, shared 0.60, 0.20,
    # 0.20 exactly; VAT 0.24, 0.08, 0.08; pre-freight 4.00, total 4.40.
    unit = UnitGroup("each", "each")
    catalog = Catalog((Product("A", "A", unit, "each"), Product("B", "B", unit, "each")))
    plist = PriceList(
        "pl",
        "USD",
        (
            PriceListItem("A", "each", amount=Money("59.97", "USD")),
            PriceListItem("B", "each", amount=Money("1", "USD")),
        ),
    )
    priced = price_columns(
        catalog,
        plist,
        ["A", "B", "B", "B", "B"],
        [1, 3, 1, 1, 11],
        document_ids=["INV-1", "INV-2", "INV-2", "INV-2", "INV-1"],
        header_discount_amount={"INV-1": 710},
        header_discount_percent={"INV-2": D(20)},
        freight={"INV-1": 250},
        options=PricingOptions(tax_policy=IranianVat()),
        backend=backend,
    )
    assert list(priced.header_discount_shares) == [600, 60, 20, 20, 110]
    assert list(priced.taxes) == [540, 24, 8, 8, 99]
    totals = priced.documents
    assert totals is not None
    assert totals.ids == ("INV-1", "INV-2")
    assert list(totals.detail_amounts) == [7097, 500]
    assert list(totals.header_discounts) == [710, 100]
    assert list(totals.pre_freight_amounts) == [6387, 400]
    assert list(totals.total_taxes) == [639, 40]
    assert list(totals.total_amounts) == [7276, 440]
    assert totals.as_money("total_amounts")[0] == Money("72.76", "USD")
    assert priced.explain()[3].startswith("2 documents: header discount")


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_leftover_unit_goes_to_the_earliest_line_on_a_tie(backend: str) -> None:
    # 1.00 over three equal lines of 1.00: 33.33… each; the cent left goes to the first line
    # (allocate_units docstring: [34, 33, 33]).
    catalog, plist = _one("1")
    priced = price_columns(
        catalog,
        plist,
        ["P", "P", "P"],
        [1, 1, 1],
        document_ids=["D", "D", "D"],
        header_discount_amount={"D": 100},
        backend=backend,
    )
    assert list(priced.header_discount_shares) == [34, 33, 33]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("kwargs", "where"),
    [
        ({"header_discount_percent": {"D": 5}}, r"header_discount_percent: got 'given'"),
        ({"document_ids": ["D"], "freight": {"E": 5}}, r"freight: got 'E'.*document id"),
        ({"document_ids": ["D"], "freight": {"D": -5}}, r"freight\['D'\]: got -5"),
        ({"document_ids": ["D"], "freight": [5]}, r"freight: got \[5\]"),
        ({"document_ids": ["D"], "header_discount_percent": {"D": 101}}, r"percent\['D'\]"),
        ({"document_ids": ["D"], "header_discount_percent": {"D": 1.5}}, r"percent\['D'\]"),
        (
            {
                "document_ids": ["D"],
                "header_discount_percent": {"D": 5},
                "header_discount_amount": {"D": 5},
            },
            r"header_discount_amount\['D'\].*one or the other",
        ),
        (
            {"document_ids": ["D"], "header_discount_amount": {"D": 1235}},
            r"document 'D'.header_discount_amount: got '12.35 USD'; expected at most .* 12.34",
        ),
        ({"document_ids": ["D", "D"]}, r"document_ids: got 2"),
        ({"document_ids": [None]}, r"document_ids\[0\]: got None"),
    ],
)
def test_document_inputs_are_checked(backend: str, kwargs: dict[str, Any], where: str) -> None:
    catalog, plist = _one("12.34")
    with pytest.raises(ValidationError, match=where):
        price_columns(catalog, plist, ["P"], [1], backend=backend, **kwargs)


def test_numpy_shares_beyond_int64_fall_back_to_python_ints() -> None:
    # Nets near 10^17 cents: header × net overflows int64, so the shares are split in Python
    # ints; both backends and price_document agree on every share and total.
    catalog, plist = _one("999.99")
    quantities = [10**12, 7 * 10**11, 3]
    kwargs: dict[str, Any] = {
        "document_ids": ["D", "D", "D"],
        "header_discount_percent": {"D": D("2.5")},
        "options": PricingOptions(tax_policy=IranianVat()),
    }
    numpy_ = price_columns(catalog, plist, ["P"] * 3, quantities, backend="numpy", **kwargs)
    python = price_columns(catalog, plist, ["P"] * 3, quantities, backend="python", **kwargs)
    assert numpy_.header_discount_shares.tolist() == python.header_discount_shares
    assert numpy_.taxes.tolist() == python.taxes
    lines = tuple(LineItem("P", q) for q in quantities)
    document = SalesDocument("D", "invoice", "USD", lines, header_discount_percent=D("2.5"))
    expected = price_document(document, catalog, plist, kwargs["options"])
    shares = [line.header_discount_share.minor_units() for line in expected.lines]
    assert python.header_discount_shares == shares
    assert numpy_.documents is not None
    assert numpy_.documents.total_amounts == [expected.total_amount.minor_units()]


# -- hostile values (the fuzz suite's contract: a result or a CrmError, within the bound) -----

_HOSTILE = st.one_of(
    st.integers(-(10**40), 10**40),
    st.sampled_from([0, -1, 2**63, 10**18, 10**19, int(HUGE_INT[:400]), True, None]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([D("1e999999"), D("1e-999999"), D("sNaN"), D("33.3333333333333333333")]),
    st.sampled_from(HOSTILE_TEXT[:26]),
    st.lists(st.integers(), max_size=2),
)


@settings(max_examples=200, deadline=None)
@given(
    slot=st.sampled_from(
        [
            "product_ids",
            "quantities",
            "units",
            "manual_discounts",
            "document_ids",
            "percent",
            "amount",
            "freight",
            "quantity_places",
            "discount_places",
        ]
    ),
    value=_HOSTILE,
    whole=st.booleans(),
    backend=st.sampled_from(BACKENDS),
    numpy_input=st.booleans(),
)
def test_hostile_values_give_a_result_or_a_crm_error(
    slot: str, value: Any, whole: bool, backend: str, numpy_input: bool
) -> None:
    catalog, plist = _one("12.34", _VOLUME)
    args: dict[str, Any] = {
        "product_ids": ["P", "P"],
        "quantities": [3, 7],
        "units": None,
        "manual_discounts": [0, 100],
        "document_ids": ["D", "D"],
        "header_discount_percent": {"D": 3},
        "options": PricingOptions(tax_policy=_Tax()),  # the custom policy: Decimal per line
        "backend": backend,
    }
    mapping = {"percent": "header_discount_percent", "amount": "header_discount_amount"}
    if slot in ("percent", "amount", "freight"):
        args.pop("header_discount_percent")
        args[mapping.get(slot, slot)] = {"D": value}
    elif slot.endswith("places"):
        args[slot] = value
    else:
        column = [value, value] if whole else ["P" if slot == "product_ids" else 1, value]
        if numpy_input:
            try:
                column = np.array(column)
            except (ValueError, OverflowError, TypeError):
                return  # numpy itself refuses to hold it
        args[slot] = column
    outcome = check_contract(lambda: price_columns(catalog, plist, **args))
    if isinstance(outcome, PricedColumns):
        assert len(outcome) == 2


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_backends_agree_near_and_beyond_the_int64_range(data: st.DataObject) -> None:
    """Huge quantities, prices and discounts: numpy (int64 with Python fallback) equals Python."""
    catalog, plist, options, _ = data.draw(_setup())
    options = attrs.evolve(options, tax_policy=FlatRateTax(D("7.75")))
    qp = data.draw(st.integers(0, 4))
    n = data.draw(st.integers(1, 12))
    products = [p.id for p in catalog.products]
    ids = data.draw(st.lists(st.sampled_from(products), min_size=n, max_size=n))
    big = st.one_of(st.integers(1, 3000), st.integers(10**10, 10 ** (18 + qp)))
    quantities = data.draw(st.lists(big, min_size=n, max_size=n))
    manual = data.draw(st.lists(st.integers(0, 10**6), min_size=n, max_size=n))
    kwargs: dict[str, Any] = {
        "quantity_places": qp,
        "manual_discounts": manual,
        "options": options,
        "document_ids": data.draw(st.lists(st.sampled_from(["A", "B"]), min_size=n, max_size=n)),
        "header_discount_percent": {"A": D("2.5")},
    }
    try:
        python = price_columns(catalog, plist, ids, quantities, backend="python", **kwargs)
    except CrmError as exc:
        with pytest.raises(type(exc)):
            price_columns(catalog, plist, ids, quantities, backend="numpy", **kwargs)
        return
    # An input quantity (an integer in units of 10^-qp) or a figure beyond int64 is
    # refused on numpy, naming the limit; a huge quantity at a price that rounds to
    # 0 has small figures but still an input beyond int64 (hypothesis found it).
    largest = max(*quantities, *(max(getattr(python, c)) for c, _ in _FIGURES))
    if largest > 2**63 - 1:
        with pytest.raises(ValidationError, match=r"2\^63"):
            price_columns(catalog, plist, ids, quantities, backend="numpy", **kwargs)
        return
    numpy_ = price_columns(catalog, plist, ids, quantities, backend="numpy", **kwargs)
    for column, _ in (*_FIGURES, ("header_discount_shares", "")):
        assert getattr(numpy_, column).tolist() == getattr(python, column), column
    assert numpy_.documents is not None
    assert python.documents is not None
    assert list(numpy_.documents.total_amounts) == list(python.documents.total_amounts)


# -- pricing rules ------------------------------------------------------------------------------


@st.composite
def _rule(draw: st.DrawFn, number: int, products: list[str], currency: str) -> PricingRule:
    action = draw(st.sampled_from([*list(RuleAction), RuleAction.PERCENT_OFF]))
    kw: dict[str, Any] = {}
    if action is RuleAction.PERCENT_OFF:
        kw["percent"] = D(draw(st.integers(0, 10_000))) / 100
    elif action in (RuleAction.AMOUNT_OFF, RuleAction.FIXED_PRICE):
        kw["amount"] = Money(D(draw(st.integers(0, 5_000))) / 100, currency)
    else:
        kw["buy"] = draw(st.integers(2, 40))
        kw["free_quantity"] = draw(st.integers(1, 2))
    low = draw(st.none() | st.integers(1, 60))
    high = draw(st.none() | st.integers(low or 1, 200))
    return PricingRule(
        f"R{number}",
        action,
        products=draw(st.just(()) | st.sampled_from(products).map(lambda p: (p,))),
        priority=draw(st.integers(0, 2)),
        stacking=draw(st.sampled_from(list(Stacking))),
        min_quantity=low,
        max_quantity=high,
        max_amount=draw(st.none() | st.sampled_from([D(100), D(5_000)])),
        campaigns=draw(st.just(()) | st.just(("nowruz",))),
        **kw,
    )


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_rules_equal_price_document_on_every_line(data: st.DataObject) -> None:
    """Lines under pricing rules equal price_document's; a line earning free goods is refused."""
    catalog, plist, options, currency = data.draw(_setup())
    products = [p.id for p in catalog.products]
    rules = PricingRules(
        tuple(data.draw(_rule(i, products, currency)) for i in range(data.draw(st.integers(0, 5)))),
        max_line_discount_percent=data.draw(st.none() | st.just(D(30))),
    )
    context = PricingContext(campaign=data.draw(st.none() | st.just("nowruz")))
    qp = data.draw(st.integers(0, 2))
    lines = data.draw(_lines(catalog, currency, qp, 2))
    document = SalesDocument("Q", "quote", currency, lines, pricing_context=context)
    columns = _columns(lines, qp, 2)
    kwargs: dict[str, Any] = {"options": options, "rules": rules, "context": context, **columns}
    try:
        expected = price_document(document, catalog, plist, options, rules)
    except CrmError:
        # Refused there, refused here (a line may be refused for its free goods first).
        for backend in BACKENDS:
            with pytest.raises(CrmError):
                price_columns(catalog, plist, backend=backend, **kwargs)
        return
    for backend in BACKENDS:
        if len(expected.lines) > len(lines):  # free goods added lines
            with pytest.raises(PricingError, match="free goods"):
                price_columns(catalog, plist, backend=backend, **kwargs)
            continue
        _assert_equal(price_columns(catalog, plist, backend=backend, **kwargs), lines, expected)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hand_checked_rule_prices_by_quantity_band(backend: str) -> None:
    # Nowruz: 15 % off from 10 units for the campaign: 12.34 × 0.85 = 10.489 → 10.49 (pricing
    # precision 2); 10 × 10.49 = 104.90, then the 7.5 % band from 5: 104.90 × 0.925 = 97.0325
    # → 97.03. Below 10 units the list price: 4 × 12.34 = 49.36. Without the campaign, no rule.
    catalog, plist = _one("12.34", _VOLUME)
    rules = PricingRules(
        (PricingRule("nowruz", "percent_off", percent=15, min_quantity=10, campaigns=("nowruz",)),)
    )
    nowruz = PricingContext(campaign="nowruz")
    priced = price_columns(
        catalog, plist, ["P", "P"], [10, 4], rules=rules, context=nowruz, backend=backend
    )
    assert list(priced.unit_prices) == [1049, 1234]
    assert list(priced.amounts) == [9703, 4936]
    plain = price_columns(catalog, plist, ["P"], [10], rules=rules, backend=backend)
    assert list(plain.unit_prices) == [1234]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_line_earning_free_goods_is_refused(backend: str) -> None:
    # Buy 3, get 1 free: 6 units earn 2 free units, a line price_document adds; 2 units earn none.
    catalog, plist = _one("5")
    rules = PricingRules((PricingRule("b3g1", "free_quantity", buy=3, free_quantity=1),))
    priced = price_columns(catalog, plist, ["P"], [2], rules=rules, backend=backend)
    assert list(priced.amounts) == [1000]
    with pytest.raises(PricingError, match=r"quantities\[1\]: got '6'.*'b3g1'"):
        price_columns(catalog, plist, ["P", "P"], [2, 6], rules=rules, backend=backend)
    with pytest.raises(ValidationError, match="rules: got 'all'"):
        price_columns(catalog, plist, ["P"], [2], rules="all", backend=backend)  # type: ignore[arg-type]
