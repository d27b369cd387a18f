"""Exact money: a Decimal amount with an ISO 4217 currency.

>>> from decimal import Decimal
>>> price = Money("19.99", "USD")
>>> price * 3
Money('59.97', 'USD')
>>> sum([Money("1.10", "EUR"), Money("2.20", "EUR")])
Money('3.30', 'EUR')
>>> Money("10.005", "USD").round()
Money('10.01', 'USD')
>>> Money("10.005", "USD").round(mode=RoundingMode.HALF_EVEN)
Money('10.00', 'USD')
>>> [str(part) for part in Money("100.00", "USD").allocate([1, 1, 1])]
['33.34 USD', '33.33 USD', '33.33 USD']

Floats are refused, because ``0.1`` is not one tenth:

>>> Money(0.1, "USD")
Traceback (most recent call last):
...
crmcore.errors.ValidationError: Money.amount: got 0.1 (float); expected a Decimal, int or numeric string (floats are inexact: pass str(value) or Decimal)

Formatting goes through babel for any locale; for Iranian rials Persian
digits and Toman display are options:

>>> rial = Money(1234560, "IRR")
>>> rial.format("en_US")
'IRR1,234,560'
>>> rial.format("fa_IR")
'1,234,560 ریال'
>>> rial.format("fa_IR", persian_digits=True, toman=True)
'۱۲۳٬۴۵۶ تومان'
"""

from __future__ import annotations

import enum
import functools
import math
import operator
from collections.abc import Iterable
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    DecimalException,
    InvalidOperation,
    getcontext,
)
from fractions import Fraction
from typing import Any, Final, SupportsIndex, TypeAlias

import attrs
from babel.core import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, get_currency_precision, list_currencies

from crmcore._allocation import allocate_units
from crmcore.errors import MISSING, CurrencyMismatchError, ValidationError

__all__ = [
    "MAX_AMOUNT",
    "MAX_PARTS",
    "MAX_PLACES",
    "Money",
    "Number",
    "RoundingMode",
    "currency_places",
    "is_currency",
    "to_decimal",
    "to_persian_digits",
]

Number: TypeAlias = Decimal | int | str
"""What a money amount may be built from (never a float)."""

MAX_AMOUNT: Final = Decimal(10) ** 18
"""Largest absolute amount a :class:`Money` holds (10^18, e.g. a quintillion rials).

Checked before any work, on construction and on every arithmetic result, so a
huge exponent (``1e999999``) can never turn into a million-digit integer in
:meth:`Money.allocate` or a ``decimal.Overflow``.
"""

MAX_PARTS: Final = 100_000
"""Most parts :meth:`Money.allocate` and :meth:`Money.split` produce."""

MAX_PLACES: Final = 100
"""Most decimal places a non-zero :class:`Money` amount may carry; more is refused
before any work. Engines that compute at 40 digits (``localcontext``) stay well
inside; with :data:`MAX_AMOUNT` it bounds every amount to 118 digits."""

_MAX_EXPONENT: Final = 18
_MAX_WEIGHT: Final = 10**60
_LIMITS: Final = (
    f"at most 10^18 in absolute value with at most {MAX_PLACES} decimal places "
    "(crmcore.money.MAX_AMOUNT, MAX_PLACES)"
)

_PERSIAN_DIGITS: Final = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TOMAN_LABELS: Final = {"fa": "تومان"}


class RoundingMode(enum.StrEnum):
    """How to round a value that lies between two representable amounts.

    ``HALF_UP`` (away from zero at the half) is the default everywhere in
    crmcore; it is what invoices and tax authorities expect.
    """

    HALF_UP = "half_up"
    """Nearest; halves away from zero (2.5 → 3, -2.5 → -3)."""
    HALF_EVEN = "half_even"
    """Nearest; halves to the even neighbour (banker's rounding: 2.5 → 2)."""
    HALF_DOWN = "half_down"
    """Nearest; halves toward zero (2.5 → 2)."""
    UP = "up"
    """Away from zero (2.1 → 3, -2.1 → -3)."""
    DOWN = "down"
    """Toward zero, i.e. truncate (2.9 → 2)."""
    CEILING = "ceiling"
    """Toward positive infinity (2.1 → 3, -2.9 → -2)."""
    FLOOR = "floor"
    """Toward negative infinity (2.9 → 2, -2.1 → -3)."""

    @property
    def decimal_mode(self) -> str:
        """The matching :mod:`decimal` rounding constant."""
        return _DECIMAL_MODES[self]


_DECIMAL_MODES: Final = {
    RoundingMode.HALF_UP: ROUND_HALF_UP,
    RoundingMode.HALF_EVEN: ROUND_HALF_EVEN,
    RoundingMode.HALF_DOWN: ROUND_HALF_DOWN,
    RoundingMode.UP: ROUND_UP,
    RoundingMode.DOWN: ROUND_DOWN,
    RoundingMode.CEILING: ROUND_CEILING,
    RoundingMode.FLOOR: ROUND_FLOOR,
}


@functools.cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """Whether ``code`` is an ISO 4217 currency code known to babel (CLDR).

    >>> is_currency("IRR"), is_currency("IRT")
    (True, False)
    """
    return code in _currencies()


@functools.cache
def currency_places(currency: str) -> int:
    """Minor-unit digits of ``currency`` from CLDR (USD 2, IRR 0, JPY 0, BHD 3).

    >>> currency_places("USD"), currency_places("IRR"), currency_places("BHD")
    (2, 0, 3)
    """
    _check_currency(currency, obj="currency_places", field="currency")
    return int(get_currency_precision(currency))


def _check_currency(currency: object, *, obj: str, field: str) -> str:
    if not isinstance(currency, str) or currency not in _currencies():
        raise ValidationError(
            obj=obj,
            field=field,
            value=currency,
            expected="an ISO 4217 currency code such as 'USD', 'EUR' or 'IRR'",
        )
    return currency


def to_decimal(value: object, *, obj: str = "value", field: str = "amount") -> Decimal:
    """Convert ``value`` to a finite Decimal, refusing floats and junk.

    ``obj`` and ``field`` name the thing being converted in the error.

    >>> to_decimal("12.50"), to_decimal(3)
    (Decimal('12.50'), Decimal('3'))
    >>> to_decimal("abc", obj="PriceListItem", field="amount")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: PriceListItem.amount: got 'abc'; expected a finite decimal number
    """
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise ValidationError(
                obj=obj, field=field, value=value, expected="a finite decimal number"
            ) from None
    elif isinstance(value, float):
        raise ValidationError(
            obj=obj,
            field=field,
            value=value,
            expected=(
                "a Decimal, int or numeric string (floats are inexact: pass str(value) or Decimal)"
            ),
        )
    else:
        raise ValidationError(
            obj=obj, field=field, value=value, expected="a Decimal, int or numeric string"
        )
    if not result.is_finite():
        raise ValidationError(obj=obj, field=field, value=value, expected="a finite decimal number")
    return result


def _bounded(amount: Decimal, *, field: str = "amount", value: object = MISSING) -> Decimal:
    """``amount`` if it is within :data:`MAX_AMOUNT` and :data:`MAX_PLACES`."""
    exponent = amount.as_tuple().exponent
    if (
        not isinstance(exponent, int)
        or (exponent < -MAX_PLACES and amount)
        or exponent > _MAX_EXPONENT
        or abs(amount) > MAX_AMOUNT
    ):
        raise ValidationError(
            obj="Money", field=field, value=amount if value is MISSING else value, expected=_LIMITS
        )
    return amount


def _compute(operation: str, function: Any, left: Decimal, right: Decimal) -> Decimal:
    """``function(left, right)``, bounded; no ``decimal`` signal escapes as a bare exception.

    The caller's precision applies (an engine may raise it with ``localcontext``);
    whatever its traps, an overflow or invalid operation becomes a ValidationError.
    """
    try:
        result: Decimal = function(left, right)
    except DecimalException:
        raise ValidationError(obj="Money", field=operation, value=right, expected=_LIMITS) from None
    if not result.is_finite() or abs(result) > MAX_AMOUNT:
        raise ValidationError(obj="Money", field=operation, value=result, expected=_LIMITS)
    return result


def to_persian_digits(text: str) -> str:
    """Replace ASCII digits with Persian (Extended Arabic-Indic) digits.

    >>> to_persian_digits("1404-01-01")
    '۱۴۰۴-۰۱-۰۱'
    """
    return text.translate(_PERSIAN_DIGITS)


def _places(places: object) -> int:
    if isinstance(places, bool) or not hasattr(places, "__index__"):
        raise ValidationError(obj="Money", field="places", value=places, expected="an int")
    number = operator.index(places)
    if not -_MAX_EXPONENT <= number <= MAX_PLACES:
        raise ValidationError(
            obj="Money",
            field="places",
            value=number,
            expected=f"an int from -{_MAX_EXPONENT} to {MAX_PLACES} (crmcore.money.MAX_PLACES)",
        )
    return number


def _rounding_mode(mode: object) -> RoundingMode:
    try:
        if not isinstance(mode, str):
            raise ValueError(mode)
        return RoundingMode(mode)
    except ValueError:
        raise ValidationError(
            obj="Money",
            field="mode",
            value=mode,
            expected="a RoundingMode: " + ", ".join(m.value for m in RoundingMode),
        ) from None


def _locale(locale: object) -> str:
    """``locale`` with ``-`` read as ``_`` (``fa-IR``), if babel knows it."""
    name = locale.replace("-", "_") if isinstance(locale, str) else ""
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError, TypeError):
        raise ValidationError(
            obj="Money.format",
            field="locale",
            value=locale,
            expected="a locale babel knows, such as 'en_US', 'de_DE' or 'fa_IR'",
        ) from None
    return name


def _amount_converter(value: object) -> Decimal:
    return _bounded(to_decimal(value, obj="Money", field="amount"), value=value)


def _currency_validator(_instance: object, _attribute: object, value: Any) -> None:
    _check_currency(value, obj="Money", field="currency")


def _scalar(value: object, operation: str) -> Decimal:
    """A multiplier/divisor: int, Decimal or Fraction-free numeric string."""
    if isinstance(value, Money):
        raise ValidationError(
            obj="Money",
            field=operation,
            value=value,
            expected="a number (multiplying two amounts of money has no meaning)",
        )
    return to_decimal(value, obj="Money", field=operation)


def _ratio(amount: Decimal, other: Decimal) -> Decimal:
    try:
        return amount / other
    except DecimalException:  # pragma: no cover - bounded non-zero operands cannot overflow
        raise ValidationError(obj="Money", field="divisor", value=other, expected=_LIMITS) from None


@attrs.frozen(eq=True, order=False, repr=False)
class Money:
    """An exact amount of one currency.

    ``amount`` keeps every digit it is given: rounding happens only when
    :meth:`round` is called, so intermediate results stay exact.
    Comparison and arithmetic between different currencies raise
    :class:`~crmcore.errors.CurrencyMismatchError`.
    """

    amount: Decimal = attrs.field(converter=_amount_converter)
    """The exact amount, any number of decimal places."""
    currency: str = attrs.field(validator=_currency_validator)
    """ISO 4217 code, e.g. ``"USD"`` or ``"IRR"``."""

    # -- construction -----------------------------------------------------------------------

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Zero in ``currency``.

        >>> Money.zero("IRR")
        Money('0', 'IRR')
        """
        return cls(Decimal(0), currency)

    @classmethod
    def from_minor_units(cls, units: int, currency: str) -> Money:
        """Build from an integer count of minor units (cents, fils).

        >>> Money.from_minor_units(1999, "USD")
        Money('19.99', 'USD')
        """
        if not isinstance(units, int) or isinstance(units, bool):
            raise ValidationError(obj="Money", field="units", value=units, expected="an int")
        return cls(Decimal(units).scaleb(-currency_places(currency)), currency)

    @classmethod
    def of_decimal(cls, amount: Decimal, currency: str) -> Money:
        """Build from a finite ``Decimal`` and a known currency code, without checking either.

        For hot paths that derive figures from already-validated money (the
        pricing engine builds seven amounts per line): about 40 % faster than
        ``Money(amount, currency)``, which converts and validates. Passing
        anything but a finite Decimal and a currency that :func:`is_currency`
        accepts gives an invalid Money; use the constructor for outside input.

        >>> Money.of_decimal(Decimal("19.99"), "USD")
        Money('19.99', 'USD')
        """
        obj = object.__new__(cls)
        _SET_AMOUNT(obj, amount)
        _SET_CURRENCY(obj, currency)
        return obj

    @classmethod
    def _make(cls, amount: Decimal, currency: str) -> Money:
        # Fast path for results of operations on already-valid values.
        obj = object.__new__(cls)
        _SET_AMOUNT(obj, amount)
        _SET_CURRENCY(obj, currency)
        return obj

    # -- inspection -------------------------------------------------------------------------

    @property
    def places(self) -> int:
        """The currency's minor-unit digits (see :func:`currency_places`)."""
        return currency_places(self.currency)

    def minor_units(self) -> int:
        """The amount as an integer count of minor units; must already be rounded.

        >>> Money("19.99", "USD").minor_units()
        1999
        """
        scaled = self.amount.scaleb(self.places)
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                obj="Money",
                field="amount",
                value=self.amount,
                expected=f"a multiple of 10^-{self.places} {self.currency}: round() first",
            )
        return int(scaled)

    def is_zero(self) -> bool:
        """Whether the amount is zero."""
        return not self.amount

    def __bool__(self) -> bool:
        return bool(self.amount)

    def __repr__(self) -> str:
        return f"Money({str(self.amount)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"

    # -- arithmetic -------------------------------------------------------------------------

    def _other(self, other: Money, operation: str) -> Decimal:
        if other.currency != self.currency:
            raise CurrencyMismatchError(self.currency, other.currency, operation=operation)
        return other.amount

    def __add__(self, other: object) -> Money:
        if isinstance(other, Money):
            total = _compute("+", operator.add, self.amount, self._other(other, "+"))
            return Money._make(total, self.currency)
        return NotImplemented

    def __radd__(self, other: object) -> Money:
        # sum() starts from the int 0.
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        if isinstance(other, Money):
            return other.__add__(self)
        return NotImplemented

    def __sub__(self, other: object) -> Money:
        if isinstance(other, Money):
            rest = _compute("-", operator.sub, self.amount, self._other(other, "-"))
            return Money._make(rest, self.currency)
        return NotImplemented

    def __mul__(self, factor: Decimal | int | str) -> Money:
        factor_ = _scalar(factor, "multiplier")
        return Money._make(
            _compute("multiplier", operator.mul, self.amount, factor_), self.currency
        )

    __rmul__ = __mul__

    def __truediv__(self, divisor: Money | Decimal | int | str) -> Any:
        """``Money / number`` is Money; ``Money / Money`` is their Decimal ratio."""
        if isinstance(divisor, Money):
            value = self._other(divisor, "/")
            if not value:
                raise ValidationError(
                    obj="Money", field="divisor", value=divisor, expected="non-zero"
                )
            return _ratio(self.amount, value)
        number = _scalar(divisor, "divisor")
        if not number:
            raise ValidationError(obj="Money", field="divisor", value=divisor, expected="non-zero")
        return Money._make(
            _compute("divisor", operator.truediv, self.amount, number), self.currency
        )

    def __neg__(self) -> Money:
        return Money._make(-self.amount, self.currency)

    def __pos__(self) -> Money:
        return self

    def __abs__(self) -> Money:
        return Money._make(abs(self.amount), self.currency)

    def __lt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount < self._other(other, "<")

    def __le__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount <= self._other(other, "<=")

    def __gt__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount > self._other(other, ">")

    def __ge__(self, other: Money) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return self.amount >= self._other(other, ">=")

    # -- rounding and allocation ----------------------------------------------------------

    def round(
        self, places: SupportsIndex | None = None, mode: RoundingMode = RoundingMode.HALF_UP
    ) -> Money:
        """Round to ``places`` decimals (default: the currency's minor unit).

        >>> Money("2.5", "IRR").round(), Money("-2.5", "IRR").round()
        (Money('3', 'IRR'), Money('-3', 'IRR'))
        >>> Money("1234.5678", "USD").round(3, RoundingMode.DOWN)
        Money('1234.567', 'USD')
        """
        digits = self.places if places is None else _places(places)
        exponent = Decimal(1).scaleb(-digits)
        # quantize() raises InvalidOperation when the result has more digits
        # than the context's precision (28), so give it enough for this amount.
        needed = max(self.amount.adjusted(), 0) + digits + 2
        context = Context(prec=max(getcontext().prec, needed))
        rounding = _rounding_mode(mode).decimal_mode
        return Money._make(
            self.amount.quantize(exponent, rounding=rounding, context=context), self.currency
        )

    def allocate(
        self, ratios: Iterable[Decimal | int | str | float | Fraction], places: int | None = None
    ) -> tuple[Money, ...]:
        """Split into parts proportional to ``ratios`` that add up exactly.

        Each part is a multiple of the minor unit (or ``10**-places``); the
        units left after flooring every share go, one each, to the parts with
        the largest remainders (earlier parts first on ties): the largest
        remainder (Hamilton) method. The amount must already be a multiple of
        that unit. Ratios may be floats here because they are weights, not
        money.

        >>> [str(m) for m in Money("10", "IRR").allocate([70, 20, 10])]
        ['7 IRR', '2 IRR', '1 IRR']
        >>> [str(m) for m in Money("0.05", "USD").allocate([1, 1])]
        ['0.03 USD', '0.02 USD']
        """
        digits = self.places if places is None else _places(places)
        weights: list[Fraction] = []
        for index, ratio in enumerate(ratios):
            try:
                weight = Fraction(str(ratio)) if isinstance(ratio, float) else Fraction(ratio)
            except (TypeError, ValueError, OverflowError):  # Infinity has no ratio
                raise ValidationError(
                    obj="Money.allocate",
                    field=f"ratios[{index}]",
                    value=ratio,
                    expected="a non-negative number",
                ) from None
            if weight < 0 or max(abs(weight.numerator), weight.denominator) > _MAX_WEIGHT:
                raise ValidationError(
                    obj="Money.allocate",
                    field=f"ratios[{index}]",
                    value=ratio,
                    expected="a non-negative number of at most 60 digits",
                )
            weights.append(weight)
            if len(weights) > MAX_PARTS:
                raise ValidationError(
                    obj="Money.allocate",
                    field="ratios",
                    value=len(weights),
                    expected=f"at most {MAX_PARTS} ratios (crmcore.money.MAX_PARTS)",
                )
        total_weight = sum(weights, Fraction(0))
        if not weights or total_weight == 0:
            raise ValidationError(
                obj="Money.allocate",
                field="ratios",
                value=list(weights),
                expected="at least one positive ratio",
            )
        scaled = self.amount.scaleb(digits)
        if scaled != scaled.to_integral_value():
            raise ValidationError(
                obj="Money.allocate",
                field="amount",
                value=self.amount,
                expected=f"a multiple of 10^-{digits}: round() before allocating",
            )
        units = int(scaled)
        sign = -1 if units < 0 else 1
        # Weights on a common integer scale: the split is then pure integer arithmetic.
        scale = math.lcm(*(weight.denominator for weight in weights))
        floors = allocate_units(abs(units), [int(weight * scale) for weight in weights])
        return tuple(
            Money._make(Decimal(sign * part).scaleb(-digits), self.currency) for part in floors
        )

    def split(self, parts: int, places: int | None = None) -> tuple[Money, ...]:
        """Split into ``parts`` near-equal parts that add up exactly.

        >>> [str(m) for m in Money("100", "IRR").split(3)]
        ['34 IRR', '33 IRR', '33 IRR']
        """
        if not isinstance(parts, int) or isinstance(parts, bool) or not 1 <= parts <= MAX_PARTS:
            raise ValidationError(
                obj="Money.split",
                field="parts",
                value=parts,
                expected=f"an int from 1 to {MAX_PARTS} (crmcore.money.MAX_PARTS)",
            )
        return self.allocate([1] * parts, places)

    # -- formatting ---------------------------------------------------------------------------

    def format(
        self,
        locale: str = "en_US",
        *,
        persian_digits: bool = False,
        toman: bool = False,
        places: int | None = None,
        mode: RoundingMode = RoundingMode.HALF_UP,
    ) -> str:
        """Format for display in ``locale`` (through babel).

        The amount is rounded to ``places`` (default: the currency's minor
        unit) with ``mode`` first. For Persian locales and IRR the amount is
        written before the currency name (``1,234,567 ریال``), as Iranian
        invoices do. Options for Iranian users:

        - ``persian_digits``: Persian digits and separators (``۱٬۲۳۴٬۵۶۷``).
        - ``toman``: show an IRR amount in tomans (1 toman = 10 rials). The
          figure stays exact: an amount that is not a whole number of tomans
          keeps its tenth (``1,234,567 ریال`` → ``123,456.7 تومان``), so no
          rial is lost in display; round first to drop it.

        >>> Money("1234.5", "USD").format("de_DE")
        '1.234,50\xa0$'
        >>> Money(1234567, "IRR").format("fa_IR", toman=True)
        '123,456.7 تومان'
        """
        locale = _locale(locale)
        rounded = self.round(places, mode)
        language = locale.split("_")[0].lower()
        numbering = "default" if persian_digits else "latn"
        if toman:
            if self.currency != "IRR":
                raise ValidationError(
                    obj="Money.format",
                    field="toman",
                    value=self.currency,
                    expected="IRR amounts only",
                )
            tomans = rounded.amount.scaleb(-1)
            # As many decimals as the exact figure needs, so no rial is lost.
            decimals = max(0, -int(tomans.normalize().as_tuple().exponent))
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            number = format_decimal(
                tomans, format=pattern, locale=locale, numbering_system=numbering
            )
            label = _TOMAN_LABELS.get(language, "toman")
            text = f"{number} {label}"
        elif language == "fa" and self.currency == "IRR":
            digits = max(0, -int(rounded.amount.as_tuple().exponent))
            pattern = "#,##0" + ("." + "0" * digits if digits else "")
            number = format_decimal(
                rounded.amount, format=pattern, locale=locale, numbering_system=numbering
            )
            text = f"{number} ریال"
        else:
            text = format_currency(
                rounded.amount,
                self.currency,
                locale=locale,
                currency_digits=places is None,
                decimal_quantization=places is None,
                numbering_system=numbering,
            )
        return to_persian_digits(text) if persian_digits else text


# The fields' slots: of_decimal and _make fill a new Money through them, without the
# frozen class's __setattr__ look-ups (the pricing engine builds six Money per line).
_SET_AMOUNT: Final = Money.__dict__["amount"].__set__
_SET_CURRENCY: Final = Money.__dict__["currency"].__set__
