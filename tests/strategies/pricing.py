"""Hypothesis strategies for the public types of crmcore.pricing."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from crmcore.money import Money
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
    NoTax,
    PriceList,
    PriceListItem,
    PricingContext,
    PricingMethod,
    PricingOptions,
    Product,
    RoundingOption,
    RoundingPoint,
    RoundingPolicy,
    SalesDocument,
    Unit,
    UnitGroup,
)

__all__ = [
    "CATALOG",
    "PRICE_LIST",
    "discount_lists",
    "documents",
    "line_items",
    "price_list_items",
    "pricing_contexts",
    "pricing_options",
    "unit_groups",
]

CURRENCY = "USD"


def money(low: int = 0, high: int = 100_000, currency: str = CURRENCY) -> st.SearchStrategy[Money]:
    """Whole-cent amounts between ``low`` and ``high`` units."""
    return st.integers(low * 100, high * 100).map(lambda c: Money.from_minor_units(c, currency))


def unit_groups() -> st.SearchStrategy[UnitGroup]:
    """A chain of units: base, then each a whole multiple of the previous."""

    def build(factors: list[int]) -> UnitGroup:
        units = []
        previous = "u0"
        for i, factor in enumerate(factors, start=1):
            units.append(Unit(f"u{i}", factor, previous))
            previous = f"u{i}"
        return UnitGroup("g", "u0", tuple(reversed(units)))

    return st.lists(st.integers(1, 50), max_size=4).map(build)


@st.composite
def discount_lists(draw: st.DrawFn, tiered: bool | None = None) -> DiscountList:
    """Non-overlapping bands from sorted cut points, percentage or amount."""
    cuts = sorted(draw(st.sets(st.integers(1, 200), min_size=1, max_size=5)))
    kind = draw(st.sampled_from(list(DiscountType)))
    bands = []
    for i, begin in enumerate(cuts):
        end = cuts[i + 1] - 1 if i + 1 < len(cuts) else draw(st.none() | st.just(begin + 50))
        high = 100 if kind is DiscountType.PERCENTAGE else 30
        bands.append(DiscountBand(begin, end, Decimal(draw(st.integers(0, high)))))
    return DiscountList(
        "dl",
        kind,
        tuple(bands),
        currency=CURRENCY if kind is DiscountType.AMOUNT else None,
        tiered=draw(st.booleans()) if tiered is None else tiered,
    )


_UNITS = UnitGroup("pack", "each", (Unit("box", 6, "each"), Unit("case", 4, "box")))
CATALOG = Catalog(
    (
        Product(
            "A",
            "Apple",
            _UNITS,
            "each",
            list_price=Money("12.50", CURRENCY),
            standard_cost=Money("7.35", CURRENCY),
            current_cost=Money("8.10", CURRENCY),
        ),
        Product("B", "Berry", _UNITS, "box", list_price=Money("40", CURRENCY), price_decimals=0),
        Product("C", "Cherry", _UNITS, "each", current_cost=Money("3.333", CURRENCY)),
    )
)
"""A small fixed catalog the document strategies draw lines from."""

PRICE_LIST = PriceList(
    "pl",
    CURRENCY,
    (
        PriceListItem("A", "each", amount=Money("12.99", CURRENCY)),
        PriceListItem(
            "A",
            "box",
            PricingMethod.MARKUP_STANDARD_COST,
            percentage=Decimal(500),
            rounding_policy=RoundingPolicy.UP,
            rounding_option=RoundingOption.ENDS_IN,
            rounding_amount=Decimal("0.99"),
            discount_list=DiscountList(
                "vol",
                DiscountType.PERCENTAGE,
                (DiscountBand(1, 9, 0), DiscountBand(10, 49, 5), DiscountBand(50, None, 12)),
            ),
        ),
        PriceListItem("B", "box", PricingMethod.PERCENT_OF_LIST, percentage=Decimal("92.5")),
        PriceListItem(
            "C",
            "each",
            PricingMethod.MARGIN_CURRENT_COST,
            percentage=Decimal(35),
            discount_list=DiscountList(
                "tiers",
                DiscountType.AMOUNT,
                (DiscountBand(1, 5, 0), DiscountBand(6, None, "0.75")),
                currency=CURRENCY,
                tiered=True,
            ),
        ),
    ),
)
"""Prices for :data:`CATALOG`, mixing methods, rounding and discount lists."""


def price_list_items() -> st.SearchStrategy[PriceListItem]:
    """Items of every method with valid ranges and rounding."""
    return st.one_of(
        st.builds(
            PriceListItem,
            st.just("A"),
            st.just("each"),
            st.just(PricingMethod.CURRENCY_AMOUNT),
            amount=money(0, 1000),
        ),
        st.builds(
            PriceListItem,
            st.just("A"),
            st.just("each"),
            st.sampled_from([m for m in PricingMethod if m is not PricingMethod.CURRENCY_AMOUNT]),
            percentage=st.integers(0, 9999).map(lambda p: Decimal(p) / 100),
            rounding_policy=st.sampled_from(list(RoundingPolicy)),
            rounding_option=st.just(RoundingOption.ENDS_IN),
            rounding_amount=st.sampled_from([Decimal(0), Decimal("0.99"), Decimal(5)]),
        ),
    )


@st.composite
def line_items(draw: st.DrawFn) -> LineItem:
    """A line on :data:`CATALOG` that :data:`PRICE_LIST` can price."""
    product, unit = draw(
        st.sampled_from([("A", "each"), ("A", "box"), ("B", "box"), ("C", "each")])
    )
    return LineItem(
        product,
        Decimal(draw(st.integers(1, 120))),
        unit=unit,
        manual_discount=draw(st.none() | money(0, 1)),
    )


def pricing_options() -> st.SearchStrategy[PricingOptions]:
    """Every combination of the options."""
    return st.builds(
        PricingOptions,
        manual_discount_method=st.sampled_from(list(ManualDiscountMethod)),
        rounding_point=st.sampled_from(list(RoundingPoint)),
        tax_after_header_discount=st.none() | st.booleans(),
        tax_policy=st.sampled_from([NoTax(), FlatRateTax(Decimal(15)), IranianVat(exempt=("B",))]),
    )


@st.composite
def documents(draw: st.DrawFn, kind: DocumentKind = DocumentKind.QUOTE) -> SalesDocument:
    """A document of up to 12 lines with optional header discount and freight."""
    lines = draw(st.lists(line_items(), min_size=1, max_size=12))
    header = draw(st.sampled_from(["none", "percent", "amount"]))
    return SalesDocument(
        "D1",
        kind,
        CURRENCY,
        tuple(lines),
        price_list="pl",
        header_discount_percent=draw(st.integers(0, 30)) if header == "percent" else None,
        header_discount_amount=draw(money(0, 1)) if header == "amount" else None,
        freight=draw(st.none() | money(0, 100)),
        pricing_context=draw(st.none() | pricing_contexts()),
    )


def pricing_contexts() -> st.SearchStrategy[PricingContext]:
    """A customer context with any of its five dimensions set."""
    names = st.none() | st.sampled_from(["gold", "north", "web", "ACC-1", "nowruz-1405"])
    return st.builds(
        PricingContext,
        customer=names,
        customer_group=names,
        territory=names,
        channel=names,
        campaign=names,
    )
