"""Catalog: unit groups, products, pricing methods, rounding, discount lists, price lists."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DiscountType,
    NegativePrice,
    PriceList,
    PriceListItem,
    PricingMethod,
    Product,
    QuantitySellingOption,
    RoundingOption,
    RoundingPolicy,
    Unit,
    UnitGroup,
    round_price,
    select_price_list,
)
from tests.strategies.pricing import discount_lists, unit_groups

D = Decimal


# -- unit groups ------------------------------------------------------------------------------


def test_units_resolve_to_base_quantities_through_chains() -> None:
    # Reference pricing.md: case = 12 can, pallet = 40 case → pallet = 480 can.
    group = UnitGroup("cans", "can", (Unit("pallet", 40, "case"), Unit("case", 12, "can")))
    assert group.base_quantity("pallet") == 480
    assert group.base_quantity("can") == 1
    assert group.convert(D(2), "pallet", "case") == 80


def test_unit_cycle_is_refused_naming_the_cycle() -> None:
    with pytest.raises(ValidationError, match="cycle") as info:
        UnitGroup("g", "each", (Unit("a", 2, "b"), Unit("b", 3, "a")))
    assert info.value.field == "units"
    assert "a -> b -> a" in str(info.value.value)


def test_unknown_unit_reference_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        UnitGroup("g", "each", (Unit("box", 6, "crate"),))
    assert info.value.value == "crate"


@pytest.mark.parametrize("quantity", [0, -1, "-0.5"])
def test_non_positive_unit_quantity_is_refused(quantity: object) -> None:
    with pytest.raises(ValidationError) as info:
        Unit("box", quantity, "each")
    assert info.value.field == "quantity"


def test_duplicate_unit_and_unknown_lookup_refused() -> None:
    with pytest.raises(ValidationError, match="unique"):
        UnitGroup("g", "each", (Unit("each", 2, "each"),))
    group = UnitGroup("g", "each")
    with pytest.raises(ValidationError) as info:
        group.base_quantity("dozen")
    assert info.value.value == "dozen"
    with pytest.raises(ValidationError):
        group.convert(D(0), "each", "each")


@given(unit_groups(), st.integers(1, 1000))
@settings(max_examples=40)
def test_convert_round_trips(group: UnitGroup, qty: int) -> None:
    # Larger unit → base multiplies exactly, so the way back divides exactly.
    names = group.unit_names
    for name in names:
        in_base = group.convert(D(qty), name, group.base_unit)
        assert in_base == qty * group.base_quantity(name)
        assert group.convert(in_base, group.base_unit, name) == qty


# -- products ----------------------------------------------------------------------------------


def test_whole_unit_product_refuses_fractional_quantity() -> None:
    product = Product(
        "P", "Pen", UnitGroup("g", "each"), "each", selling_option=QuantitySellingOption.WHOLE
    )
    assert product.check_quantity(D(3)) == 3
    with pytest.raises(ValidationError) as info:
        product.check_quantity(D("1.5"))
    assert info.value.value == D("1.5")
    fractional = Product(
        "F",
        "Fuel",
        UnitGroup("g", "l"),
        "l",
        selling_option=QuantitySellingOption.WHOLE_AND_FRACTIONAL,
    )
    assert fractional.check_quantity(D("1.5")) == D("1.5")


def test_product_default_unit_must_be_in_group_and_precision_in_range() -> None:
    with pytest.raises(ValidationError):
        Product("P", "Pen", UnitGroup("g", "each"), "box")
    with pytest.raises(ValidationError) as info:
        Product("P", "Pen", UnitGroup("g", "each"), "each", price_decimals=5)
    assert info.value.field == "price_decimals"


# -- pricing methods ----------------------------------------------------------------------------

_EACH = UnitGroup("g", "each")
_PRODUCT = Product(
    "P",
    "Widget",
    _EACH,
    "each",
    list_price=Money(200, "USD"),
    standard_cost=Money(80, "USD"),
    current_cost=Money(100, "USD"),
)


@pytest.mark.parametrize(
    ("method", "pct", "expected"),
    [
        # Hand calculations with the reference formulas (pricing.md, methods 2-6).
        (PricingMethod.PERCENT_OF_LIST, "90", "180.00"),  # 200 × 90 / 100
        (PricingMethod.MARKUP_CURRENT_COST, "20", "120.00"),  # 100 × 1.2
        (PricingMethod.MARGIN_CURRENT_COST, "20", "125.00"),  # 100 / 0.8 = 100 + 100·20/80
        (PricingMethod.MARKUP_STANDARD_COST, "25", "100.00"),  # 80 × 1.25
        (PricingMethod.MARGIN_STANDARD_COST, "60", "200.00"),  # 80 / 0.4
        (PricingMethod.MARGIN_CURRENT_COST, "99.99", "1000000.00"),  # 100 / 0.0001
    ],
)
def test_percentage_methods(method: PricingMethod, pct: str, expected: str) -> None:
    item = PriceListItem("P", "each", method, percentage=D(pct))
    price, steps = item.unit_price(_PRODUCT, "USD")
    assert price == D(expected)
    assert str(price) == expected  # quantised to the product's 2 pricing decimals
    assert steps


def test_currency_amount_method() -> None:
    item = PriceListItem("P", "each", amount=Money("99.95", "USD"))
    assert item.unit_price(_PRODUCT, "USD")[0] == D("99.95")


def test_margin_of_100_percent_is_refused() -> None:
    # Reference: margin must be below 100 % (cost / (1 − 1) is undefined).
    for method in (PricingMethod.MARGIN_CURRENT_COST, PricingMethod.MARGIN_STANDARD_COST):
        with pytest.raises(ValidationError) as info:
            PriceListItem("P", "each", method, percentage=D(100))
        assert info.value.field == "percentage"
        assert info.value.value == 100
        assert "P" in str(info.value)


def test_markup_range_and_missing_inputs() -> None:
    # Reference: markup 0-99,999.99 %.
    PriceListItem("P", "each", PricingMethod.MARKUP_CURRENT_COST, percentage=D("99999.99"))
    with pytest.raises(ValidationError):
        PriceListItem("P", "each", PricingMethod.MARKUP_CURRENT_COST, percentage=D(100000))
    with pytest.raises(ValidationError):
        PriceListItem("P", "each", PricingMethod.MARKUP_CURRENT_COST, percentage=D(-1))
    with pytest.raises(ValidationError):
        PriceListItem("P", "each", PricingMethod.MARKUP_CURRENT_COST)
    with pytest.raises(ValidationError):
        PriceListItem("P", "each")  # currency amount without an amount
    no_cost = Product("Q", "No cost", _EACH, "each")
    item = PriceListItem("Q", "each", PricingMethod.MARKUP_STANDARD_COST, percentage=D(10))
    with pytest.raises(PricingError) as info:
        item.unit_price(no_cost, "USD")
    assert info.value.field == "standard_cost"


def test_pricing_precision_rounds_half_up() -> None:
    # 3.333 / (1 − 0.35) = 5.12769…; precision 2 → 5.13; precision 0 → 5.
    product = Product("C", "C", _EACH, "each", current_cost=Money("3.333", "USD"))
    item = PriceListItem("C", "each", PricingMethod.MARGIN_CURRENT_COST, percentage=D(35))
    assert item.unit_price(product, "USD")[0] == D("5.13")
    coarse = Product("C", "C", _EACH, "each", current_cost=Money("3.333", "USD"), price_decimals=0)
    assert item.unit_price(coarse, "USD")[0] == D(5)


# -- rounding -----------------------------------------------------------------------------------


def test_dynamics_rounding_example() -> None:
    # Reference pricing.md: 217.39, policy Up, ends in 0.00 → 218.00; Down → 217.00.
    product = Product("R", "R", _EACH, "each", list_price=Money("217.39", "USD"))
    for policy, expected in ((RoundingPolicy.UP, "218.00"), (RoundingPolicy.DOWN, "217.00")):
        item = PriceListItem(
            "R",
            "each",
            PricingMethod.PERCENT_OF_LIST,
            percentage=D(100),
            rounding_policy=policy,
            rounding_option=RoundingOption.ENDS_IN,
            rounding_amount=D("0.00"),
        )
        price, steps = item.unit_price(product, "USD")
        assert str(price) == expected
        assert any("rounded" in s for s in steps)


@pytest.mark.parametrize(
    ("policy", "option", "amount", "expected"),
    [
        # Hand-checked: ends in 0.99 with modulus 1; ends in 5 with modulus 10; multiples of 5.
        (RoundingPolicy.UP, RoundingOption.ENDS_IN, "0.99", "217.99"),
        (RoundingPolicy.DOWN, RoundingOption.ENDS_IN, "0.99", "216.99"),
        (
            RoundingPolicy.NEAREST,
            RoundingOption.ENDS_IN,
            "0.99",
            "216.99",
        ),  # 0.40 below, 0.60 above
        (RoundingPolicy.UP, RoundingOption.ENDS_IN, "5", "225"),
        (RoundingPolicy.DOWN, RoundingOption.ENDS_IN, "5", "215"),
        (RoundingPolicy.UP, RoundingOption.MULTIPLE_OF, "5", "220"),
        (RoundingPolicy.DOWN, RoundingOption.MULTIPLE_OF, "5", "215"),
        (RoundingPolicy.NEAREST, RoundingOption.MULTIPLE_OF, "5", "215"),
        (RoundingPolicy.NONE, RoundingOption.MULTIPLE_OF, "5", "217.39"),
    ],
)
def test_round_price(
    policy: RoundingPolicy, option: RoundingOption, amount: str, expected: str
) -> None:
    assert round_price(D("217.39"), policy, option, D(amount)) == D(expected)


def test_round_price_nearest_tie_goes_up() -> None:
    assert round_price(D("217.5"), RoundingPolicy.NEAREST, RoundingOption.MULTIPLE_OF, D(5)) == 220


_prices = st.decimals(min_value=0, max_value=100_000, places=4)
_options = st.sampled_from(
    [
        (RoundingOption.ENDS_IN, D(0)),
        (RoundingOption.ENDS_IN, D("0.99")),
        (RoundingOption.ENDS_IN, D(95)),
        (RoundingOption.MULTIPLE_OF, D(5)),
        (RoundingOption.MULTIPLE_OF, D("0.05")),
    ]
)


@given(_prices, _options)
@settings(max_examples=150)
def test_rounding_up_never_lowers_and_down_never_raises(
    price: Decimal, opt: tuple[RoundingOption, Decimal]
) -> None:
    option, amount = opt
    up = round_price(price, RoundingPolicy.UP, option, amount)
    down = round_price(price, RoundingPolicy.DOWN, option, amount)
    near = round_price(price, RoundingPolicy.NEAREST, option, amount)
    assert down <= price <= up
    assert near in (up, down)
    # The results have the required shape.
    for value in (up, down):
        if option is RoundingOption.MULTIPLE_OF:
            assert value % amount == 0
        else:
            modulus = D(1) if amount < 1 else D(100)
            assert (value - amount) % modulus == 0


# -- discount lists -----------------------------------------------------------------------------


def test_overlapping_bands_are_refused_naming_them() -> None:
    with pytest.raises(ValidationError) as info:
        DiscountList(
            "vol", DiscountType.PERCENTAGE, (DiscountBand(1, 10, 5), DiscountBand(10, 20, 10))
        )
    assert info.value.value == "[10, 20]"
    assert "vol" in str(info.value)


def test_amount_list_needs_currency_and_band_checks() -> None:
    with pytest.raises(ValidationError) as info:
        DiscountList("a", DiscountType.AMOUNT, (DiscountBand(1, None, 5),))
    assert info.value.field == "currency"
    with pytest.raises(ValidationError):
        DiscountList("p", DiscountType.PERCENTAGE, (DiscountBand(1, None, 101),))
    with pytest.raises(ValidationError):
        DiscountBand(5, 4, 1)
    with pytest.raises(ValidationError):
        DiscountBand(0, 4, 1)
    with pytest.raises(ValidationError):
        DiscountBand(1, 4, -1)


def test_amount_list_currency_must_match_price_list() -> None:
    dl = DiscountList("eur", DiscountType.AMOUNT, (DiscountBand(1, None, 1),), currency="EUR")
    item = PriceListItem("P", "each", amount=Money(10, "USD"), discount_list=dl)
    with pytest.raises(ValidationError) as info:
        PriceList("usd", "USD", (item,))
    assert (info.value.field, info.value.value) == ("currency", "EUR")


@given(discount_lists())
@settings(max_examples=60)
def test_bands_never_overlap_after_validation(dl: DiscountList) -> None:
    for earlier, later in zip(dl.bands, dl.bands[1:], strict=False):
        assert earlier.end is not None
        assert earlier.end < later.begin


def test_dynamics_band_applies_to_every_unit_and_tiered_only_inside() -> None:
    # ERPNext complaint (reference): a 50 % rule for at most 5 units on 8 units
    # should give 5 discounted + 3 full: 5 × 50 + 3 × 100 = 550 off 800 → 250 discount.
    bands = (DiscountBand(1, 5, 50),)
    flat = DiscountList("flat", DiscountType.PERCENTAGE, bands)
    tiered = DiscountList("tier", DiscountType.PERCENTAGE, bands, tiered=True)
    assert flat.discount_total(D(100), D(8)) == 0  # 8 is in no band
    assert flat.discount_total(D(100), D(4)) == 200  # 4 × 50
    assert tiered.discount_total(D(100), D(8)) == 250


def test_amount_discount_never_exceeds_price() -> None:
    dl = DiscountList("a", DiscountType.AMOUNT, (DiscountBand(1, None, 50),), currency="USD")
    assert dl.discount_total(D(30), D(2)) == 60


# -- price lists and resolution ----------------------------------------------------------------


def test_price_list_lookup_and_errors() -> None:
    item = PriceListItem("P", "each", amount=Money(5, "USD"))
    plist = PriceList("retail", "USD", (item,))
    assert plist.item("P", "each") is item
    with pytest.raises(PricingError) as info:
        plist.item("P", "box")
    assert info.value.value == "P/box"
    with pytest.raises(ValidationError):
        PriceList("retail", "USD", (item, item))
    with pytest.raises(ValidationError):
        PriceList("retail", "EUR", (item,))
    with pytest.raises(ValidationError):
        PriceList("retail", "XXY")
    with pytest.raises(ValidationError):
        PriceList("r", "USD", valid_from=date(2026, 2, 1), valid_to=date(2026, 1, 1))


def test_select_price_list_explicit_by_date_default() -> None:
    spring = PriceList("spring", "USD", valid_from=date(2026, 3, 1), valid_to=date(2026, 5, 31))
    summer = PriceList("summer", "USD", valid_from=date(2026, 6, 1), valid_to=date(2026, 8, 31))
    base = PriceList("base", "USD", valid_from=date(2030, 1, 1))
    lists = [spring, summer, base]
    assert select_price_list(lists, on=date(2026, 7, 1)) is summer
    assert select_price_list(lists, on=date(2026, 1, 1), default="spring") is spring
    assert select_price_list(lists, on=date(2026, 4, 1), name="spring") is spring
    with pytest.raises(PricingError):
        select_price_list(lists, on=date(2026, 1, 1))
    with pytest.raises(PricingError):
        select_price_list(lists, on=date(2026, 4, 1), name="summer")  # not valid that day
    with pytest.raises(PricingError):
        select_price_list(lists, on=date(2026, 4, 1), name="winter")


def test_catalog_unknown_and_duplicate_products() -> None:
    catalog = Catalog((_PRODUCT,))
    assert catalog.product("P") is _PRODUCT
    with pytest.raises(PricingError):
        catalog.product("nope")
    with pytest.raises(ValidationError):
        Catalog((_PRODUCT, _PRODUCT))


def test_odoo_help_example_with_ends_in() -> None:
    # Reference (Odoo pricelist help): base 137, rounding 10, surcharge −0.01 → 139.99.
    # The same price in the Dynamics model: to nearest, ends in 9.99 (modulus 10):
    # candidates 129.99 and 139.99; 137 is 2.99 from 139.99, 7.01 from 129.99.
    assert round_price(D(137), RoundingPolicy.NEAREST, RoundingOption.ENDS_IN, D("9.99")) == D(
        "139.99"
    )


@given(
    st.integers(1, 10**7),
    st.integers(0, 9999),
    st.sampled_from(list(PricingMethod)[1:]),
    st.tuples(
        st.sampled_from([D("0.003"), D("0.99"), D(5), D("0.25")]),
        st.sampled_from(list(RoundingOption)),
        st.integers(0, 4),
    ),
)
@settings(max_examples=150)
def test_item_price_rounded_up_is_never_below_the_formula(
    cost_thousandths: int,
    pct_hundredths: int,
    method: PricingMethod,
    rounding: tuple[Decimal, RoundingOption, int],
) -> None:
    amount, option, places = rounding
    # Even with a rounding amount finer than the pricing precision (0.003 at 2
    # decimals), the final price of policy "up" is >= the formula, "down" <= it.
    cost = Money(D(cost_thousandths) / 1000, "USD")
    product = Product(
        "X",
        "X",
        _EACH,
        "each",
        list_price=cost,
        standard_cost=cost,
        current_cost=cost,
        price_decimals=places,
    )
    pct = D(pct_hundredths) / 100
    plain = PriceListItem("X", "each", method, percentage=pct)
    raw = plain.unit_price(product, "USD")[0]
    exact = {
        PricingMethod.PERCENT_OF_LIST: cost.amount * pct / 100,
        PricingMethod.MARKUP_CURRENT_COST: cost.amount * (1 + pct / 100),
        PricingMethod.MARKUP_STANDARD_COST: cost.amount * (1 + pct / 100),
        PricingMethod.MARGIN_CURRENT_COST: cost.amount / (1 - pct / 100),
        PricingMethod.MARGIN_STANDARD_COST: cost.amount / (1 - pct / 100),
    }[method]
    assert abs(raw - exact) <= D(1).scaleb(-places) / 2  # half-up to the precision
    for policy, ok in ((RoundingPolicy.UP, "ge"), (RoundingPolicy.DOWN, "le")):
        item = PriceListItem(
            "X",
            "each",
            method,
            percentage=pct,
            rounding_policy=policy,
            rounding_option=option,
            rounding_amount=amount,
        )
        # "Down" may cross zero (0.001 ends in 0.99 → −0.01): clamped, never negative.
        price = item.price(product, "USD", negative_price=NegativePrice.CLAMP).amount
        assert price >= 0
        assert price >= exact if ok == "ge" else price <= exact
