"""crmcore.money: hand-checked figures and hypothesis properties."""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from functools import reduce
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError, CurrencyMismatchError, ValidationError
from crmcore.money import (
    Money,
    RoundingMode,
    currency_places,
    is_currency,
    to_decimal,
    to_persian_digits,
)
from tests.strategies import amounts, currencies, money, rounding_modes

NBSP = "\xa0"

# -- construction ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        ("12.50", Decimal("12.50")),
        (12, Decimal(12)),
        (Decimal("0.1"), Decimal("0.1")),
        (" 1_000 ", Decimal(1000)),
    ],
)
def test_amount_accepts_decimal_int_and_numeric_strings(amount: Any, expected: Decimal) -> None:
    assert Money(amount, "USD").amount == expected


@pytest.mark.parametrize("amount", [0.1, 1.0, float("nan")])
def test_float_amounts_are_refused(amount: float) -> None:
    with pytest.raises(ValidationError, match="floats are inexact") as info:
        Money(amount, "USD")
    assert info.value.obj == "Money"
    assert info.value.field == "amount"


@pytest.mark.parametrize("amount", ["abc", "NaN", "Infinity", "", None, True, [1]])
def test_junk_amounts_are_refused(amount: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money(amount, "USD")
    assert info.value.field == "amount"


@pytest.mark.parametrize("currency", ["usd", "XXY", "IRT", "", None, 840])
def test_unknown_currencies_are_refused(currency: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Money("1", currency)
    assert info.value.field == "currency"
    assert info.value.value == currency


def test_currency_data_comes_from_cldr() -> None:
    # ISO 4217 minor units: USD 2, EUR 2, IRR 0 (CLDR), JPY 0, BHD 3, KWD 3.
    assert [currency_places(c) for c in ("USD", "EUR", "IRR", "JPY", "BHD", "KWD")] == [
        2,
        2,
        0,
        0,
        3,
        3,
    ]
    assert is_currency("IRR")
    assert not is_currency("IRT")  # the toman is a display unit, not an ISO currency


def test_minor_units() -> None:
    # 1999 cents = 19.99 USD; 1234 fils = 1.234 BHD (3 places); IRR has no minor unit.
    assert Money.from_minor_units(1999, "USD") == Money("19.99", "USD")
    assert Money.from_minor_units(1234, "BHD") == Money("1.234", "BHD")
    assert Money.from_minor_units(1234, "IRR") == Money("1234", "IRR")
    assert Money("19.99", "USD").minor_units() == 1999
    with pytest.raises(ValidationError, match="round"):
        Money("19.995", "USD").minor_units()
    with pytest.raises(ValidationError):
        Money.from_minor_units(19.99, "USD")  # type: ignore[arg-type]


def test_to_decimal_and_persian_digits() -> None:
    assert to_decimal("12.50") == Decimal("12.50")
    with pytest.raises(ValidationError, match=r"Item\.price: got 1\.5 \(float\)"):
        to_decimal(1.5, obj="Item", field="price")
    assert to_persian_digits("1404/01/01 12:30") == "۱۴۰۴/۰۱/۰۱ ۱۲:۳۰"


# -- arithmetic ---------------------------------------------------------------------------------


def test_hand_checked_arithmetic() -> None:
    usd = Money("19.99", "USD")
    assert usd * 3 == Money("59.97", "USD")  # 19.99 × 3 = 59.97
    assert 3 * usd == Money("59.97", "USD")
    assert usd * "0.5" == Money("9.995", "USD")  # exact; rounding only on request
    assert usd + Money("0.01", "USD") == Money("20.00", "USD")
    assert usd - Money("20", "USD") == Money("-0.01", "USD")
    assert Money("10", "USD") / 4 == Money("2.5", "USD")
    assert Money("10", "USD") / Money("4", "USD") == Decimal("2.5")  # a ratio, not money
    assert -usd == Money("-19.99", "USD")
    assert abs(Money("-3", "EUR")) == Money("3", "EUR")
    assert +usd is usd


def test_sum_works_and_starts_from_zero() -> None:
    # 1.10 + 2.20 + 3.30 = 6.60
    parts = [Money("1.10", "EUR"), Money("2.20", "EUR"), Money("3.30", "EUR")]
    assert sum(parts) == Money("6.60", "EUR")
    assert sum(parts, Money.zero("EUR")) == Money("6.60", "EUR")
    with pytest.raises(CurrencyMismatchError):
        sum([Money("1", "EUR"), Money("1", "USD")])


def test_comparisons_within_one_currency() -> None:
    small, big = Money("1.00", "USD"), Money("2", "USD")
    assert small < big
    assert small <= big
    assert big > small
    assert big >= small
    assert Money("1.0", "USD") == Money("1.00", "USD")
    assert hash(Money("1.0", "USD")) == hash(Money("1.00", "USD"))
    assert Money("1", "USD") != Money("1", "EUR")  # different values, not an error


_MIXING: list[tuple[str, Callable[[Money, Money], object]]] = [
    ("+", operator.add),
    ("-", operator.sub),
    ("/", operator.truediv),
    ("<", operator.lt),
    ("<=", operator.le),
    (">", operator.gt),
    (">=", operator.ge),
]


@pytest.mark.parametrize(("symbol", "op"), _MIXING, ids=[s for s, _ in _MIXING])
def test_every_operator_refuses_mixed_currencies(
    symbol: str, op: Callable[[Money, Money], object]
) -> None:
    with pytest.raises(CurrencyMismatchError) as info:
        op(Money("1", "USD"), Money("1", "EUR"))
    err = info.value
    assert (err.left, err.right, err.operation) == ("USD", "EUR", symbol)
    assert "USD" in str(err)
    assert "EUR" in str(err)
    assert isinstance(err, ValidationError)


@settings(max_examples=60, deadline=None)
@given(money(), money(), st.sampled_from(_MIXING))
def test_arithmetic_never_mixes_currencies(
    left: Money, right: Money, pair: tuple[str, Callable[[Money, Money], object]]
) -> None:
    assume(left.currency != right.currency)
    _, op = pair
    with pytest.raises(CurrencyMismatchError):
        op(left, right)


@pytest.mark.parametrize("value", [1.5, 0.0, float("inf")])
def test_floats_refused_in_multiply_and_divide(value: float) -> None:
    usd = Money("10", "USD")
    with pytest.raises(ValidationError, match="multiplier"):
        usd * value  # type: ignore[operator]
    with pytest.raises(ValidationError, match="multiplier"):
        value * usd  # type: ignore[operator]
    with pytest.raises(ValidationError, match="divisor"):
        usd / value  # type: ignore[operator]


def test_other_bad_operands() -> None:
    usd = Money("10", "USD")
    with pytest.raises(ValidationError, match="no meaning"):
        usd * usd  # type: ignore[operator]
    with pytest.raises(ValidationError, match="non-zero"):
        usd / 0
    with pytest.raises(ValidationError, match="non-zero"):
        usd / Money("0", "USD")
    with pytest.raises(TypeError):
        usd + 1


@settings(max_examples=100, deadline=None)
@given(currencies().flatmap(lambda c: st.tuples(money(c), money(c))))
def test_addition_and_subtraction_are_inverse(pair: tuple[Money, Money]) -> None:
    a, b = pair
    assert (a + b) - b == a
    assert a + b == b + a
    assert sum([a, b]) == a + b


@settings(max_examples=50, deadline=None)
@given(currencies().flatmap(lambda c: st.lists(money(c), min_size=1, max_size=8)))
def test_sum_equals_sum_of_amounts(items: list[Money]) -> None:
    total = sum(items)
    assert isinstance(total, Money)
    assert total.amount == sum((m.amount for m in items), Decimal(0))
    assert total == reduce(operator.add, items)


# -- rounding ---------------------------------------------------------------------------------

# Each row is the definition of the mode applied by hand to 2.5, -2.5, 2.1, -2.1, 2.9.
_ROUNDING_TABLE = {
    RoundingMode.HALF_UP: ["3", "-3", "2", "-2", "3"],
    RoundingMode.HALF_EVEN: ["2", "-2", "2", "-2", "3"],
    RoundingMode.HALF_DOWN: ["2", "-2", "2", "-2", "3"],
    RoundingMode.UP: ["3", "-3", "3", "-3", "3"],
    RoundingMode.DOWN: ["2", "-2", "2", "-2", "2"],
    RoundingMode.CEILING: ["3", "-2", "3", "-2", "3"],
    RoundingMode.FLOOR: ["2", "-3", "2", "-3", "2"],
}


@pytest.mark.parametrize("mode", list(RoundingMode))
def test_rounding_modes_by_hand(mode: RoundingMode) -> None:
    inputs = ["2.5", "-2.5", "2.1", "-2.1", "2.9"]
    got = [str(Money(x, "IRR").round(mode=mode).amount) for x in inputs]
    assert got == _ROUNDING_TABLE[mode]


def test_rounding_to_the_minor_unit_or_given_places() -> None:
    assert Money("10.005", "USD").round() == Money("10.01", "USD")  # half-up default
    assert Money("10.005", "USD").round(mode=RoundingMode.HALF_EVEN).amount == Decimal("10.00")
    assert str(Money("1.2345", "BHD").round().amount) == "1.235"  # 3 places for BHD
    assert str(Money("1234.5678", "USD").round(3, RoundingMode.DOWN).amount) == "1234.567"
    assert str(Money("1234", "IRR").round(-2).amount) == "1.2E+3"  # to hundreds of rials
    assert Money("12.5", "USD").round(mode="half_even") == Money("12.50", "USD")  # type: ignore[arg-type]


def test_rounding_huge_amounts_does_not_overflow_decimal_precision() -> None:
    # 17 nines, then 20 nines and a 5 after the point: 38 significant digits before
    # rounding, more than Decimal's default precision of 28; half-up at 20 places
    # carries all the way up to 10^17 (amounts stop at 10^18, crmcore.money.MAX_AMOUNT).
    big = Money("99999999999999999." + "9" * 20 + "5", "USD").round(20)
    assert big.amount == Decimal(10) ** 17
    assert str(big.amount) == "100000000000000000." + "0" * 20


@settings(max_examples=200, deadline=None)
@given(money(), rounding_modes(), st.none() | st.integers(0, 4))
def test_rounding_is_idempotent_and_close(
    value: Money, mode: RoundingMode, places: int | None
) -> None:
    once = value.round(places, mode)
    assert once.round(places, mode) == once
    unit = Decimal(1).scaleb(-(value.places if places is None else places))
    assert abs(once.amount - value.amount) < unit
    if mode.name.startswith("HALF"):
        assert abs(once.amount - value.amount) * 2 <= unit
    assert once.currency == value.currency


# -- allocation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "ratios", "expected"),
    [
        # 10000 cents / 3 = 3333.33 each: floors 3333 × 3 = 9999, the 1 cent left goes first.
        ("100.00", "USD", [1, 1, 1], ["33.34", "33.33", "33.33"]),
        # 10 × 70 %, 20 %, 10 %: exact.
        ("10", "IRR", [70, 20, 10], ["7", "2", "1"]),
        # 5 cents / 2 = 2.5 each: tie, the earlier part gets the cent.
        ("0.05", "USD", [1, 1], ["0.03", "0.02"]),
        ("-0.05", "USD", [1, 1], ["-0.03", "-0.02"]),
        # 100 × 1/3 = 33.33, × 2/3 = 66.67: the larger remainder (.67) gets the unit.
        ("100", "IRR", [1, 2], ["33", "67"]),
        # Float ratios are weights: 0.3 and 0.7 of 100 cents.
        ("1.00", "USD", [0.3, 0.7], ["0.30", "0.70"]),
        # A zero ratio gets nothing.
        ("1.00", "USD", [1, 0, 1], ["0.50", "0.00", "0.50"]),
    ],
)
def test_allocation_by_hand(
    amount: str, currency: str, ratios: list[Any], expected: list[str]
) -> None:
    parts = Money(amount, currency).allocate(ratios)
    assert [str(p.amount) for p in parts] == expected


def test_split_and_allocation_errors() -> None:
    assert [str(p.amount) for p in Money("100", "IRR").split(3)] == ["34", "33", "33"]
    assert [str(p.amount) for p in Money("1", "USD").allocate([1, 1], places=1)] == ["0.5", "0.5"]
    with pytest.raises(ValidationError, match="round"):
        Money("0.005", "USD").allocate([1, 1])
    with pytest.raises(ValidationError, match=r"ratios\[1\]"):
        Money("1", "USD").allocate([1, -1])
    with pytest.raises(ValidationError, match="positive"):
        Money("1", "USD").allocate([0, 0])
    with pytest.raises(ValidationError, match="positive"):
        Money("1", "USD").allocate([])
    with pytest.raises(ValidationError, match=r"ratios\[0\]"):
        Money("1", "USD").allocate([float("nan")])
    with pytest.raises(ValidationError, match="parts"):
        Money("1", "USD").split(0)


@settings(max_examples=200, deadline=None)
@given(
    money(max_places=0),
    st.lists(st.integers(0, 1000) | st.decimals(0, 100, places=3), min_size=1, max_size=12),
)
def test_allocation_conserves_the_total_and_each_share(value: Money, ratios: list[Any]) -> None:
    weights = [Fraction(r) for r in ratios]
    assume(sum(weights) > 0)
    value = value.round()
    parts = value.allocate(ratios)
    assert len(parts) == len(ratios)
    assert sum(parts) == value
    unit = Fraction(Decimal(1).scaleb(-value.places))
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(value.amount) * weight / sum(weights)
        assert abs(Fraction(part.amount) - exact) < unit
        assert part.currency == value.currency
        assert part.round() == part  # a whole number of minor units


# -- formatting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "locale", "options", "expected"),
    [
        # CLDR en_US pattern ¤#,##0.00: symbol first, comma groups, point decimals.
        (Money("1234.5", "USD"), "en_US", {}, "$1,234.50"),
        (Money("-5", "USD"), "en_US", {}, "-$5.00"),
        (Money("1234", "JPY"), "en_US", {}, "¥1,234"),
        # CLDR de_DE pattern #,##0.00 ¤: point groups, comma decimals, symbol after a no-break space.
        (Money("1234567.891", "EUR"), "de_DE", {}, f"1.234.567,89{NBSP}€"),
        (Money("1234.5", "USD"), "de_DE", {}, f"1.234,50{NBSP}$"),
        # Iranian style: amount before ریال, no decimals (IRR has no minor unit).
        (Money("1234567", "IRR"), "fa_IR", {}, "1,234,567 ریال"),
        (Money("1234567.5", "IRR"), "fa_IR", {}, "1,234,568 ریال"),  # half-up to whole rials
        (Money("1234567", "IRR"), "fa_IR", {"persian_digits": True}, "۱٬۲۳۴٬۵۶۷ ریال"),
        # 1,234,560 rials / 10 = 123,456 tomans.
        (Money("1234560", "IRR"), "fa_IR", {"toman": True}, "123,456 تومان"),
        (
            Money("1234560", "IRR"),
            "fa_IR",
            {"toman": True, "persian_digits": True},
            "۱۲۳٬۴۵۶ تومان",
        ),
        # 1,234,567 rials = 123,456.7 tomans: the odd rial is kept as a tenth.
        (Money("1234567", "IRR"), "fa_IR", {"toman": True}, "123,456.7 تومان"),
        (
            Money("1234567", "IRR"),
            "fa_IR",
            {"toman": True, "persian_digits": True},
            "۱۲۳٬۴۵۶٫۷ تومان",
        ),
        # With places=1, 12.5 rials = 1.25 tomans: every digit is kept.
        (Money("12.5", "IRR"), "fa_IR", {"toman": True, "places": 1}, "1.25 تومان"),
        (Money("5", "IRR"), "en_US", {"toman": True}, "0.5 toman"),
        (Money("1234.5", "USD"), "en_US", {"persian_digits": True}, "$۱,۲۳۴.۵۰"),
        (Money("2.345", "USD"), "en_US", {"places": 1, "mode": RoundingMode.DOWN}, "$2.30"),
    ],
    ids=repr,
)
def test_formatting(value: Money, locale: str, options: dict[str, Any], expected: str) -> None:
    assert value.format(locale, **options) == expected


def test_toman_is_for_rials_only() -> None:
    with pytest.raises(ValidationError, match="IRR") as info:
        Money("1", "USD").format("fa_IR", toman=True)
    assert info.value.field == "toman"


def test_repr_and_str() -> None:
    assert repr(Money("12.50", "USD")) == "Money('12.50', 'USD')"
    assert str(Money("12.50", "USD")) == "12.50 USD"
    assert not Money.zero("IRR")
    assert Money.zero("IRR").is_zero()


@settings(max_examples=50, deadline=None)
@given(amounts(max_places=2), currencies())
def test_every_error_is_a_crm_error(amount: Decimal, currency: str) -> None:
    with pytest.raises(CrmError):
        Money(float(amount), currency)


def test_locale_with_a_hyphen_and_unknown_locales() -> None:
    # BCP 47 spelling (de-DE) means the same as the CLDR one (de_DE).
    assert Money("1234.5", "USD").format("de-DE") == Money("1234.5", "USD").format("de_DE")
    for bad in ("xx_YY", "", 5):
        with pytest.raises(ValidationError) as info:
            Money("1", "USD").format(bad)  # type: ignore[arg-type]
        assert info.value.field == "locale"


def test_bad_rounding_arguments_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match="half_even") as info:
        Money("1", "USD").round(mode="sideways")  # type: ignore[arg-type]
    assert info.value.field == "mode"
    with pytest.raises(ValidationError) as info:
        Money("1", "USD").round(places="2")  # type: ignore[arg-type]
    assert info.value.field == "places"
    with pytest.raises(ValidationError) as info:
        Money("1", "USD").allocate([1, 1], places="1")  # type: ignore[arg-type]
    assert info.value.field == "places"


def test_allocate_refuses_an_infinite_ratio() -> None:
    # Found by tests/fuzz: Fraction(Decimal("Infinity")) raised a bare OverflowError.
    from decimal import Decimal

    with pytest.raises(ValidationError, match=r"ratios\[0\]"):
        Money("10.00", "USD").allocate([Decimal("Infinity"), 1])
