"""Catalog: unit groups, products, discount lists, price lists (private)."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money, RoundingMode, is_currency, to_decimal

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_MAX_MARKUP = Decimal("99999.99")
_MAX_MARGIN = Decimal("99.99")


def as_tuple(value: object) -> object:
    """Converter: any iterable (not a string) as a tuple; anything else unchanged.

    Paired with :func:`crmcore._checks.items_of`, which then refuses a
    non-tuple naming the class and field, rather than ``tuple()`` raising a
    bare TypeError on hostile input.
    """
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes)):
        return tuple(value)
    return value


def plain(value: Decimal) -> str:
    """``value`` in plain notation, never with an exponent (``4.00000E+6`` → ``4000000``)."""
    return f"{value:f}"


def _positive(instance: object, attribute: attrs.Attribute[Any], value: Decimal) -> None:
    if value <= 0:
        raise ValidationError(
            obj=type(instance).__name__, field=attribute.name, value=value, expected="> 0"
        )


def _currency(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not is_currency(value):
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="an ISO 4217 currency code such as 'IRR' or 'USD'",
        )


# -- units ------------------------------------------------------------------------------------


@attrs.frozen
class Unit:
    """A unit of a :class:`UnitGroup`, defined as ``quantity`` of another unit.

    >>> Unit("case", Decimal(12), "can")
    Unit(name='case', quantity=Decimal('12'), of='can')
    """

    name: str = attrs.field(validator=check.text(max_length=100))
    """The unit's name, unique in its group."""
    quantity: Decimal = attrs.field(converter=check.decimal(), validator=_positive)  # type: ignore[misc]  # attrs plugin: factory converter
    """How many of :attr:`of` make one of this unit (> 0)."""
    of: str = attrs.field(validator=check.text(max_length=100))
    """The unit this one is defined in (the base unit or another unit of the group)."""


@attrs.frozen
class UnitGroup:
    """A base unit and further units, each resolved to a quantity of the base unit.

    Definitions that form a cycle, name an unknown unit or repeat a name are
    refused with :class:`~crmcore.errors.ValidationError`.

    >>> drinks = UnitGroup("drinks", "can", (Unit("6-pack", 6, "can"), Unit("case", 2, "12-pack"),
    ...                    Unit("12-pack", 12, "can")))
    >>> drinks.base_quantity("case")
    Decimal('24')
    >>> drinks.convert(Decimal(3), "12-pack", "6-pack")
    Decimal('6')
    """

    name: str = attrs.field(validator=check.text(max_length=100))
    """The group's name."""
    base_unit: str = attrs.field(validator=check.text(max_length=100))
    """The unit every other unit resolves to."""
    units: tuple[Unit, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(Unit)
    )
    """Further units (the base unit is implied)."""
    _factors: dict[str, Decimal] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        defined: dict[str, Unit] = {}
        for unit in self.units:
            if unit.name in defined or unit.name == self.base_unit:
                raise ValidationError(
                    obj=f"UnitGroup {self.name!r}",
                    field="units",
                    value=unit.name,
                    expected="unit names unique within the group",
                )
            defined[unit.name] = unit
        factors: dict[str, Decimal] = {self.base_unit: Decimal(1)}
        for name in defined:
            chain: list[str] = []
            current = name
            while current not in factors:
                if current in chain:
                    raise ValidationError(
                        obj=f"UnitGroup {self.name!r}",
                        field="units",
                        value=" -> ".join([*chain, current]),
                        expected="unit definitions without a cycle",
                    )
                if current not in defined:
                    raise ValidationError(
                        obj=f"UnitGroup {self.name!r}",
                        field=f"units[{chain[-1]!r}].of",
                        value=current,
                        expected="a unit of the group: " + ", ".join([self.base_unit, *defined]),
                    )
                chain.append(current)
                current = defined[current].of
            factor = factors[current]
            for link in reversed(chain):
                factor = factor * defined[link].quantity
                factors[link] = factor
        object.__setattr__(self, "_factors", factors)

    @property
    def unit_names(self) -> tuple[str, ...]:
        """The base unit, then every defined unit."""
        return tuple(self._factors)

    def base_quantity(self, unit: str) -> Decimal:
        """How many base units one ``unit`` is; an unknown unit is a ValidationError."""
        try:
            return self._factors[unit]
        except (KeyError, TypeError):
            raise ValidationError(
                obj=f"UnitGroup {self.name!r}",
                field="unit",
                value=unit,
                expected="one of " + ", ".join(self._factors),
            ) from None

    def convert(self, quantity: Decimal, from_unit: str, to_unit: str) -> Decimal:
        """``quantity`` of ``from_unit`` expressed in ``to_unit`` (exact Decimal division)."""
        amount = to_decimal(quantity, obj="UnitGroup.convert", field="quantity")
        if amount <= 0:
            raise ValidationError(
                obj="UnitGroup.convert", field="quantity", value=amount, expected="> 0"
            )
        return amount * self.base_quantity(from_unit) / self.base_quantity(to_unit)


# -- products ---------------------------------------------------------------------------------


class QuantitySellingOption(enum.StrEnum):
    """Which quantities of a product may be sold (Dynamics' quantity selling option)."""

    NO_CONTROL = "no_control"
    """Any positive quantity."""
    WHOLE = "whole"
    """Whole numbers only."""
    WHOLE_AND_FRACTIONAL = "whole_and_fractional"
    """Whole numbers and fractions."""


@attrs.frozen
class Product:
    """A sellable product: its unit group, default unit, list price and costs.

    >>> pens = UnitGroup("pens", "pen", (Unit("box", 10, "pen"),))
    >>> Product("P1", "Pen", pens, "pen", list_price=Money(5, "USD")).default_unit
    'pen'
    """

    id: str = attrs.field(validator=check.text(max_length=100))
    """Product number, the key price list items use."""
    name: str = attrs.field(validator=check.text())
    """Display name."""
    unit_group: UnitGroup = attrs.field(validator=check.instance_of(UnitGroup))
    """The units it is sold in."""
    default_unit: str = attrs.field(validator=check.text(max_length=100))
    """Unit used when a line names none; must belong to :attr:`unit_group`."""
    list_price: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """List price, the base of *percent of list*."""
    standard_cost: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Standard cost, the base of the standard-cost methods."""
    current_cost: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Current cost, the base of the current-cost methods."""
    price_decimals: int = attrs.field(default=2, validator=check.in_range(0, 4))
    """Pricing decimal precision (0-4) of unit prices computed by a percentage method."""
    selling_option: QuantitySellingOption = attrs.field(
        default=QuantitySellingOption.NO_CONTROL, converter=QuantitySellingOption
    )
    """Which quantities may be sold."""
    group: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The product group (a :class:`ProductGroup` of the catalog); pricing rules target it."""
    brand: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The brand; pricing rules may target it."""

    def __attrs_post_init__(self) -> None:
        self.unit_group.base_quantity(self.default_unit)

    def check_quantity(self, quantity: Decimal) -> Decimal:
        """Return ``quantity`` if it is positive and allowed by :attr:`selling_option`."""
        if quantity <= 0:
            raise ValidationError(
                obj=f"Product {self.id!r}", field="quantity", value=quantity, expected="> 0"
            )
        if self.selling_option is QuantitySellingOption.WHOLE and quantity % 1:
            raise ValidationError(
                obj=f"Product {self.id!r}",
                field="quantity",
                value=quantity,
                expected="a whole number (the product is sold in whole units)",
            )
        return quantity


# -- pricing methods and rounding ---------------------------------------------------------------


class PricingMethod(enum.StrEnum):
    """How a price list item's price per unit is computed (Dynamics 365 Sales)."""

    CURRENCY_AMOUNT = "currency_amount"
    """``amount``."""
    PERCENT_OF_LIST = "percent_of_list"
    """``list_price × pct / 100``."""
    MARKUP_CURRENT_COST = "markup_current_cost"
    """``current_cost × (1 + pct / 100)``."""
    MARGIN_CURRENT_COST = "margin_current_cost"
    """``current_cost / (1 − pct / 100)``; pct < 100."""
    MARKUP_STANDARD_COST = "markup_standard_cost"
    """``standard_cost × (1 + pct / 100)``."""
    MARGIN_STANDARD_COST = "margin_standard_cost"
    """``standard_cost / (1 − pct / 100)``; pct < 100."""


class RoundingPolicy(enum.StrEnum):
    """Whether and which way a computed price is rounded (percentage methods only)."""

    NONE = "none"
    """No rounding beyond the pricing decimal precision."""
    UP = "up"
    """To the next allowed price at or above (never lowers a price)."""
    DOWN = "down"
    """To the next allowed price at or below (never raises a price)."""
    NEAREST = "nearest"
    """To the nearer allowed price; a tie goes up."""


class RoundingOption(enum.StrEnum):
    """What an allowed price looks like."""

    ENDS_IN = "ends_in"
    """Ends in the rounding amount: 0.99 → …7.99, 8.99; 5 → …15, 25 (modulus: the next power of ten above the amount, 1 for 0)."""
    MULTIPLE_OF = "multiple_of"
    """A multiple of the rounding amount (5 → 215, 220)."""


def _modulus(amount: Decimal) -> Decimal:
    modulus = Decimal(1)
    while modulus <= amount:
        modulus *= 10
    return modulus


def round_price(
    price: Decimal, policy: RoundingPolicy, option: RoundingOption, amount: Decimal
) -> Decimal:
    """Round ``price`` by a Dynamics rounding policy and option.

    Up never lowers a price and down never raises it; to nearest breaks a tie upwards.
    Example from the reference (Dynamics community): 217.39 ends in 0.00.

    >>> round_price(Decimal("217.39"), RoundingPolicy.UP, RoundingOption.ENDS_IN, Decimal(0))
    Decimal('218')
    >>> round_price(Decimal("217.39"), RoundingPolicy.DOWN, RoundingOption.ENDS_IN, Decimal(0))
    Decimal('217')
    >>> round_price(Decimal("217.39"), RoundingPolicy.NEAREST, RoundingOption.MULTIPLE_OF, 5)
    Decimal('215')
    """
    if policy is RoundingPolicy.NONE:
        return price
    if option is RoundingOption.MULTIPLE_OF:
        step = amount
        if step <= 0:
            raise ValidationError(
                obj="round_price", field="amount", value=amount, expected="> 0 for multiple of"
            )
        ratio = price / step
        down = ratio.to_integral_value(rounding=ROUND_FLOOR) * step
        up = ratio.to_integral_value(rounding=ROUND_CEILING) * step
    else:
        if amount < 0:
            raise ValidationError(
                obj="round_price", field="amount", value=amount, expected=">= 0 for ends in"
            )
        modulus = _modulus(amount)
        down = (price / modulus).to_integral_value(rounding=ROUND_FLOOR) * modulus + amount
        if down > price:
            down -= modulus
        up = down if down == price else down + modulus
    if policy is RoundingPolicy.UP:
        return up
    if policy is RoundingPolicy.DOWN:
        return down
    return up if up - price <= price - down else down


# -- discount lists -----------------------------------------------------------------------------


class DiscountType(enum.StrEnum):
    """Whether a discount band gives a percentage of the price or an amount per unit."""

    PERCENTAGE = "percentage"
    """``price × discount / 100`` off each unit."""
    AMOUNT = "amount"
    """``discount`` (in the list's currency) off each unit."""


@attrs.frozen
class DiscountBand:
    """A quantity band ``[begin, end]`` (``end`` None: no upper bound) and its discount."""

    begin: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """First quantity of the band (> 0)."""
    end: Decimal | None = attrs.field(converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """Last quantity of the band, inclusive; None for open-ended."""
    discount: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """Percentage (0-100) or amount per unit (>= 0)."""

    def __attrs_post_init__(self) -> None:
        if self.begin <= 0:
            raise ValidationError(
                obj="DiscountBand", field="begin", value=self.begin, expected="> 0"
            )
        if self.end is not None and self.end < self.begin:
            raise ValidationError(
                obj="DiscountBand", field="end", value=self.end, expected=f">= begin {self.begin}"
            )
        if self.discount < 0:
            raise ValidationError(
                obj="DiscountBand", field="discount", value=self.discount, expected=">= 0"
            )


@attrs.frozen
class DiscountList:
    """Volume discounts by quantity band; bands never overlap.

    ``tiered=False`` (Dynamics): the band holding the line's quantity gives
    its discount to every unit. ``tiered=True``: each band discounts only the
    units numbered inside it (units 1-5 at 50 %, the rest at full price),
    the quantity-limited rule ERPNext users ask for.

    >>> DiscountList("bulk", DiscountType.PERCENTAGE, (DiscountBand(1, 10, 0),
    ...              DiscountBand(5, None, 5)))
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: DiscountList 'bulk'.bands: got '[5, ∞)'; expected bands that do not overlap: [1, 10] ends at or after 5
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    """The list's name (items refer to it by name)."""
    type: DiscountType = attrs.field(converter=DiscountType)
    """Percentage or amount."""
    bands: tuple[DiscountBand, ...] = attrs.field(
        converter=as_tuple, validator=check.items_of(DiscountBand)
    )
    """Quantity bands, stored sorted by ``begin``."""
    currency: str | None = attrs.field(default=None)
    """Currency of an :attr:`DiscountType.AMOUNT` list (required for it)."""
    tiered: bool = attrs.field(default=False, validator=check.instance_of(bool))
    """Discount each unit by the band it falls in, rather than all by one band."""

    def __attrs_post_init__(self) -> None:
        where = f"DiscountList {self.name!r}"
        bands = tuple(sorted(self.bands, key=lambda b: b.begin))
        for earlier, later in itertools.pairwise(bands):
            if earlier.end is None or earlier.end >= later.begin:
                high = "∞)" if later.end is None else f"{later.end}]"
                low = "∞)" if earlier.end is None else f"{earlier.end}]"
                raise ValidationError(
                    obj=where,
                    field="bands",
                    value=f"[{later.begin}, {high}",
                    expected=(
                        f"bands that do not overlap: [{earlier.begin}, {low} ends at or after "
                        f"{later.begin}"
                    ),
                )
        object.__setattr__(self, "bands", bands)
        if self.tiered:
            _check_tiers(where, bands)
        if self.type is DiscountType.AMOUNT:
            if self.currency is None or not is_currency(self.currency):
                raise ValidationError(
                    obj=where,
                    field="currency",
                    value=self.currency,
                    expected="an ISO 4217 currency for an amount list",
                )
        else:
            if self.currency is not None:
                _currency(self, attrs.fields(DiscountList).currency, self.currency)
            for band in bands:
                if band.discount > _HUNDRED:
                    raise ValidationError(
                        obj=where, field="bands.discount", value=band.discount, expected="<= 100"
                    )

    def band_for(self, quantity: Decimal) -> DiscountBand | None:
        """The band holding ``quantity``, or None."""
        for band in self.bands:
            if band.begin <= quantity and (band.end is None or quantity <= band.end):
                return band
        return None

    def discount_total(self, price: Decimal, quantity: Decimal) -> Decimal:
        """Total volume discount (exact) on ``quantity`` units priced ``price`` each.

        >>> tiers = DiscountList("t", DiscountType.PERCENTAGE, (DiscountBand(1, 5, 50),), tiered=True)
        >>> tiers.discount_total(Decimal(100), Decimal(8))  # 5 units at 50 % off, 3 at full price
        Decimal('250')
        """
        if not self.tiered:  # one segment: the same sum, without the generator (hot path)
            band = self.band_for(quantity)
            return _ZERO + quantity * (_ZERO if band is None else self._per_unit(band, price))
        return sum((units * off for units, off in self.segments(price, quantity)), _ZERO)

    def segments(self, price: Decimal, quantity: Decimal) -> tuple[tuple[Decimal, Decimal], ...]:
        """``(units, discount per unit)`` pairs that make up ``quantity``.

        One pair for a Dynamics list (every unit gets the band's discount);
        one per band reached for a tiered list, plus the undiscounted rest.
        """
        if not self.tiered:
            band = self.band_for(quantity)
            return ((quantity, _ZERO if band is None else self._per_unit(band, price)),)
        pairs: list[tuple[Decimal, Decimal]] = []
        covered = _ZERO
        for band in self.bands:
            if quantity < band.begin:
                break
            top = quantity if band.end is None else min(quantity, band.end)
            units = top - band.begin + 1
            if units > 0:
                pairs.append((units, self._per_unit(band, price)))
                covered += units
        if covered < quantity:
            pairs.append((quantity - covered, _ZERO))
        return tuple(pairs)

    def caps_at(self, price: Decimal, quantity: Decimal) -> bool:
        """Whether an amount band reached by ``quantity`` is larger than ``price`` (and capped).

        >>> bulk = DiscountList("b", DiscountType.AMOUNT, (DiscountBand(10, None, 5),), currency="USD")
        >>> bulk.caps_at(Decimal(3), Decimal(12)), bulk.caps_at(Decimal(3), Decimal(2))
        (True, False)
        """
        if self.type is not DiscountType.AMOUNT:
            return False
        if self.tiered:
            return any(b.begin <= quantity and b.discount > price for b in self.bands)
        band = self.band_for(quantity)
        return band is not None and band.discount > price

    def _per_unit(self, band: DiscountBand, price: Decimal) -> Decimal:
        if self.type is DiscountType.PERCENTAGE:
            return price * band.discount / _HUNDRED
        return min(band.discount, price)


def _check_tiers(where: str, bands: tuple[DiscountBand, ...]) -> None:
    """Refuse tiered bands that would count more units than a line has.

    A tiered band discounts units ``begin`` to ``min(quantity, end)``, that is
    ``min(quantity, end) − begin + 1`` of them; a first band beginning below 1,
    or less than 1 between a band's end and the next one's begin, would count
    some units twice (``[0.5, ∞)`` on 2 units would discount 2.5).
    """
    previous = _ZERO
    for band in bands:
        if band.begin - previous < 1:
            raise ValidationError(
                obj=where,
                field="bands",
                value=f"[{band.begin}, {'∞)' if band.end is None else f'{band.end}]'}",
                expected=(
                    "tiered bands that begin at 1 or later, each at least 1 after the end "
                    "of the band before (units are counted from 1)"
                ),
            )
        if band.end is None:
            return
        previous = band.end


class NegativePrice(enum.StrEnum):
    """What happens when a rounding would take a price below zero."""

    REFUSE = "refuse"
    """Raise :class:`~crmcore.errors.PricingError` naming the product, the list and the rounding."""
    CLAMP = "clamp"
    """Use 0 and report :attr:`PriceWarning.CLAMPED_AT_ZERO` on the line."""


class PriceWarning(enum.StrEnum):
    """Something a priced line reports rather than hides."""

    ROUNDED_TO_ZERO = "rounded_to_zero"
    """A positive computed price became 0 through rounding or pricing precision."""
    CLAMPED_AT_ZERO = "clamped_at_zero"
    """The rounding went below zero and the price was clamped at 0."""
    DISCOUNT_CAPPED = "discount_capped"
    """An amount discount (band or rule) was larger than the price and was capped at it."""
    DISCOUNT_LIMITED = "discount_limited"
    """Pricing rules would have gone past the largest discount allowed on a line."""


@attrs.frozen
class UnitPrice:
    """A price list item's price per unit with its derivation and warnings."""

    amount: Decimal
    """Price per unit, at the product's pricing precision."""
    steps: tuple[str, ...]
    """How it was computed, one step per string."""
    warnings: tuple[PriceWarning, ...] = ()
    """What the line should report (a price rounded to zero or clamped)."""


# -- price lists --------------------------------------------------------------------------------


@attrs.frozen
class PriceListItem:
    """The price of a product in one of its units, by one :class:`PricingMethod`.

    ``amount`` is used by *currency amount*; ``percentage`` by the others.
    Rounding applies to the percentage methods only.

    >>> PriceListItem("P1", "pen", PricingMethod.MARGIN_STANDARD_COST, percentage=100)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: PriceListItem 'P1'/'pen'.percentage: got Decimal('100') (Decimal); expected a margin between 0 and 99.99 %
    """

    product_id: str = attrs.field(validator=check.text(max_length=100))
    """The product priced."""
    unit: str = attrs.field(validator=check.text(max_length=100))
    """The unit of the product priced."""
    method: PricingMethod = attrs.field(
        default=PricingMethod.CURRENCY_AMOUNT, converter=PricingMethod
    )
    """How the price per unit is computed."""
    amount: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Price per unit for :attr:`PricingMethod.CURRENCY_AMOUNT`."""
    percentage: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """Percent of list, markup or margin."""
    rounding_policy: RoundingPolicy = attrs.field(
        default=RoundingPolicy.NONE, converter=RoundingPolicy
    )
    """Rounding of a percentage-method price."""
    rounding_option: RoundingOption = attrs.field(
        default=RoundingOption.MULTIPLE_OF, converter=RoundingOption
    )
    """Ends in or multiple of."""
    rounding_amount: Decimal = attrs.field(default=Decimal(1), converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """The ending or the multiple."""
    discount_list: DiscountList | None = attrs.field(
        default=None, validator=check.instance_of(DiscountList, optional=True)
    )
    """Volume discounts for this item."""

    def __attrs_post_init__(self) -> None:
        where = f"PriceListItem {self.product_id!r}/{self.unit!r}"
        if self.method is PricingMethod.CURRENCY_AMOUNT:
            if self.amount is None:
                raise ValidationError(
                    obj=where, field="amount", value=None, expected="a Money for currency amount"
                )
            return
        pct = self.percentage
        if pct is None:
            raise ValidationError(
                obj=where,
                field="percentage",
                value=None,
                expected=f"a percentage for {self.method}",
            )
        if self.method in (PricingMethod.MARGIN_CURRENT_COST, PricingMethod.MARGIN_STANDARD_COST):
            if not _ZERO <= pct <= _MAX_MARGIN:
                raise ValidationError(
                    obj=where,
                    field="percentage",
                    value=pct,
                    expected="a margin between 0 and 99.99 %",
                )
        elif not _ZERO <= pct <= _MAX_MARKUP:
            raise ValidationError(
                obj=where, field="percentage", value=pct, expected="between 0 and 99,999.99 %"
            )
        if self.rounding_policy is not RoundingPolicy.NONE and (
            self.rounding_amount < 0
            or (self.rounding_option is RoundingOption.MULTIPLE_OF and self.rounding_amount == 0)
        ):
            raise ValidationError(
                obj=where,
                field="rounding_amount",
                value=self.rounding_amount,
                expected="> 0 for multiple of, >= 0 for ends in",
            )

    def unit_price(self, product: Product, currency: str) -> tuple[Decimal, tuple[str, ...]]:
        """The price per unit in ``currency`` and the steps that produce it (see :meth:`price`)."""
        priced = self.price(product, currency)
        return priced.amount, priced.steps

    def price(
        self,
        product: Product,
        currency: str,
        *,
        negative_price: NegativePrice = NegativePrice.REFUSE,
        price_list: str | None = None,
    ) -> UnitPrice:
        """The price per unit in ``currency``, the steps that produce it and any warnings.

        Every method ends at the product's pricing precision (half-up for a
        currency amount; in the rounding policy's direction otherwise). A
        rounding that would take the price below zero is refused naming the
        product, the list (``price_list``) and the rounding, or clamped at
        zero with ``negative_price=NegativePrice.CLAMP`` (warning
        ``CLAMPED_AT_ZERO``); a positive price rounded to zero carries the
        warning ``ROUNDED_TO_ZERO``.

        >>> cheap = Product("C", "Clip", UnitGroup("each", "each"), "each",
        ...                 list_price=Money("0.50", "USD"))
        >>> item = PriceListItem("C", "each", PricingMethod.PERCENT_OF_LIST, percentage=100,
        ...                      rounding_policy="down", rounding_option="ends_in",
        ...                      rounding_amount=Decimal("0.99"))
        >>> item.price(cheap, "USD", price_list="retail")
        Traceback (most recent call last):
        ...
        crmcore.errors.PricingError: price list 'retail', product 'C'/'each'.rounding_policy: got 'down to ends_in 0.99 turns 0.50 into -0.01'; expected a rounding that keeps the price >= 0 (round up or nearest, or PricingOptions(negative_price='clamp'))
        >>> item.price(cheap, "USD", negative_price=NegativePrice.CLAMP).amount
        Decimal('0.00')
        """
        if self.method is PricingMethod.CURRENCY_AMOUNT:
            raw, steps = self._amount(currency)
        else:
            raw, steps = self._computed(product, currency)
        price = raw
        if self.rounding_policy is not RoundingPolicy.NONE and self.method is not (
            PricingMethod.CURRENCY_AMOUNT
        ):
            price = round_price(
                raw, self.rounding_policy, self.rounding_option, self.rounding_amount
            )
            steps.append(
                f"rounded {self.rounding_policy} to {self.rounding_option} "
                f"{plain(self.rounding_amount)}: {plain(price)}"
            )
        warnings: tuple[PriceWarning, ...] = ()
        if price < 0:
            if negative_price is not NegativePrice.CLAMP:
                where = f"product {self.product_id!r}/{self.unit!r}"
                raise PricingError(
                    obj=where if price_list is None else f"price list {price_list!r}, {where}",
                    field="rounding_policy",
                    value=(
                        f"{self.rounding_policy} to {self.rounding_option} "
                        f"{plain(self.rounding_amount)} turns {plain(raw)} into {plain(price)}"
                    ),
                    expected=(
                        "a rounding that keeps the price >= 0 (round up or nearest, or "
                        "PricingOptions(negative_price='clamp'))"
                    ),
                )
            price = _ZERO
            warnings = (PriceWarning.CLAMPED_AT_ZERO,)
            steps.append("clamped at 0 (the rounding went below zero)")
        quantized = price.quantize(
            Decimal(1).scaleb(-product.price_decimals), rounding=self._precision_mode()
        )
        if quantized != price:
            steps.append(f"to pricing precision {product.price_decimals}: {plain(quantized)}")
        if raw > 0 and quantized == 0 and not warnings:
            warnings = (PriceWarning.ROUNDED_TO_ZERO,)
            steps.append(f"warning: the price {plain(raw)} was rounded to zero")
        return UnitPrice(quantized, tuple(steps), warnings)

    def _precision_mode(self) -> str:
        # The precision step keeps the policy's direction, so "up" never lowers a price.
        if self.method is PricingMethod.CURRENCY_AMOUNT:
            return RoundingMode.HALF_UP.decimal_mode
        return {
            RoundingPolicy.UP: RoundingMode.CEILING,
            RoundingPolicy.DOWN: RoundingMode.FLOOR,
        }.get(self.rounding_policy, RoundingMode.HALF_UP).decimal_mode

    def _amount(self, currency: str) -> tuple[Decimal, list[str]]:
        if self.amount is None or self.amount.currency != currency:
            raise ValidationError(
                obj=f"PriceListItem {self.product_id!r}/{self.unit!r}",
                field="amount.currency",
                value=None if self.amount is None else self.amount.currency,
                expected=f"the price list's currency {currency}",
            )
        return self.amount.amount, [f"price per unit = currency amount {plain(self.amount.amount)}"]

    def _computed(self, product: Product, currency: str) -> tuple[Decimal, list[str]]:
        pct = self.percentage
        if pct is None:  # refused in __attrs_post_init__; keeps mypy informed
            raise PricingError(obj="PriceListItem", field="percentage", value=None)
        base_name, base = {
            PricingMethod.PERCENT_OF_LIST: ("list price", product.list_price),
            PricingMethod.MARKUP_CURRENT_COST: ("current cost", product.current_cost),
            PricingMethod.MARGIN_CURRENT_COST: ("current cost", product.current_cost),
            PricingMethod.MARKUP_STANDARD_COST: ("standard cost", product.standard_cost),
            PricingMethod.MARGIN_STANDARD_COST: ("standard cost", product.standard_cost),
        }[self.method]
        if base is None:
            raise PricingError(
                obj=f"Product {product.id!r}",
                field=base_name.replace(" ", "_"),
                value=None,
                expected=f"a {base_name} for {self.method}",
            )
        if base.currency != currency:
            raise ValidationError(
                obj=f"Product {product.id!r}",
                field=base_name.replace(" ", "_") + ".currency",
                value=base.currency,
                expected=f"the price list's currency {currency}",
            )
        # Formulas: Dynamics 365 Sales price list item pricing methods (reference pricing.md).
        cost = base.amount
        if self.method is PricingMethod.PERCENT_OF_LIST:
            raw = cost * pct / _HUNDRED
            step = f"price = list price {plain(cost)} × {plain(pct)} % = {plain(raw)}"
        elif self.method in (PricingMethod.MARKUP_CURRENT_COST, PricingMethod.MARKUP_STANDARD_COST):
            raw = cost * (1 + pct / _HUNDRED)
            step = f"price = {base_name} {plain(cost)} × (1 + {plain(pct)} %) = {plain(raw)}"
        else:
            raw = cost / (1 - pct / _HUNDRED)
            step = f"price = {base_name} {plain(cost)} / (1 − {plain(pct)} %) = {plain(raw)}"
        return raw, [step]


@attrs.frozen
class Audience:
    """Whom a price list or a pricing rule is for; an empty tuple means anyone.

    A document's :class:`~crmcore.pricing.PricingContext` is matched against
    these (keyword-only) fields.
    """

    customers: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str), kw_only=True
    )
    """Customer ids."""
    customer_groups: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str), kw_only=True
    )
    """Customer groups or segments."""
    territories: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str), kw_only=True
    )
    """Sales territories."""
    channels: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str), kw_only=True
    )
    """Sales channels."""
    campaigns: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str), kw_only=True
    )
    """Campaigns; a campaign list or rule gives its campaign to the lines it prices."""


@attrs.frozen
class PriceList(Audience):
    """Prices in one currency, valid from/to optional dates, keyed by (product, unit).

    >>> pens = PriceList("retail", "USD", (PriceListItem("P1", "pen", amount=Money(5, "USD")),))
    >>> pens.item("P1", "pen").amount
    Money('5', 'USD')
    >>> pens.item("P1", "box")
    Traceback (most recent call last):
    ...
    crmcore.errors.PricingError: PriceList 'retail'.item: got 'P1/box'; expected a price list item for that product and unit
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    """The list's name."""
    currency: str = attrs.field(validator=_currency)
    """Currency of every price on the list."""
    items: tuple[PriceListItem, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(PriceListItem)
    )
    """The items; one per (product, unit)."""
    valid_from: date | None = attrs.field(default=None, validator=check.optional_date())
    """First day the list applies (inclusive)."""
    valid_to: date | None = attrs.field(default=None, validator=check.optional_date())
    """Last day the list applies (inclusive)."""
    priority: int = attrs.field(default=0, validator=check.in_range(-1000, 1000))
    """Among lists that apply, the highest priority wins (see ``choose_price_list``)."""
    _index: dict[tuple[str, str], PriceListItem] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        where = f"PriceList {self.name!r}"
        index: dict[tuple[str, str], PriceListItem] = {}
        for item in self.items:
            key = (item.product_id, item.unit)
            if key in index:
                raise ValidationError(
                    obj=where, field="items", value="/".join(key), expected="one item per unit"
                )
            if item.amount is not None and item.amount.currency != self.currency:
                raise ValidationError(
                    obj=f"{where} item {'/'.join(key)}",
                    field="amount.currency",
                    value=item.amount.currency,
                    expected=self.currency,
                )
            dl = item.discount_list
            if dl is not None and dl.type is DiscountType.AMOUNT and dl.currency != self.currency:
                raise ValidationError(
                    obj=f"DiscountList {dl.name!r}",
                    field="currency",
                    value=dl.currency,
                    expected=f"the price list's currency {self.currency}",
                )
            index[key] = item
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                obj=where, field="valid_to", value=self.valid_to, expected=">= valid_from"
            )
        object.__setattr__(self, "_index", index)

    @property
    def specificity(self) -> int:
        """How many conditions the list sets (validity dates count as one)."""
        dated = self.valid_from is not None or self.valid_to is not None
        named = (self.customers, self.customer_groups, self.territories, self.channels)
        return int(dated) + sum(1 for n in (*named, self.campaigns) if n)

    def applies_on(self, day: date) -> bool:
        """Whether ``day`` is within the validity dates."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def has_item(self, product_id: str, unit: str) -> bool:
        """Whether the list prices ``product_id`` in ``unit``."""
        return (product_id, unit) in self._index

    def item(self, product_id: str, unit: str) -> PriceListItem:
        """The item for (product, unit); :class:`~crmcore.errors.PricingError` when none."""
        found = self._index.get((product_id, unit))
        if found is None:
            raise PricingError(
                obj=f"PriceList {self.name!r}",
                field="item",
                value=f"{product_id}/{unit}",
                expected="a price list item for that product and unit",
            )
        return found


@attrs.frozen
class ProductGroup:
    """A node of the product-group tree: a name and its parent group (None for a root)."""

    name: str = attrs.field(validator=check.text(max_length=200))
    """The group's name, unique in the catalog."""
    parent: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The enclosing group."""


@attrs.frozen
class Catalog:
    """The products a document may name, by id.

    >>> u = UnitGroup("each", "each")
    >>> Catalog((Product("P1", "Pen", u, "each"),)).product("P1").name
    'Pen'
    """

    products: tuple[Product, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(Product)
    )
    """Every product."""
    groups: tuple[ProductGroup, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(ProductGroup)
    )
    """The product-group tree (each group names its parent)."""
    _by_id: dict[str, Product] = attrs.field(init=False, repr=False, eq=False, hash=False)
    _paths: dict[str, tuple[str, ...]] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        index: dict[str, Product] = {}
        for product in self.products:
            if product.id in index:
                raise ValidationError(
                    obj="Catalog", field="products", value=product.id, expected="unique product ids"
                )
            index[product.id] = product
        object.__setattr__(self, "_by_id", index)
        paths = _group_paths(self.groups)
        object.__setattr__(self, "_paths", paths)
        for product in self.products:
            if product.group is not None and product.group not in paths:
                raise ValidationError(
                    obj=f"Product {product.id!r}",
                    field="group",
                    value=product.group,
                    expected="a group of the catalog: " + (", ".join(paths) or "none defined"),
                )

    def group_path(self, group: str) -> tuple[str, ...]:
        """``group``, its parent, its grandparent, … up to the root.

        >>> tree = Catalog(groups=(ProductGroup("drinks"), ProductGroup("dairy", "drinks"),
        ...                        ProductGroup("doogh", "dairy")))
        >>> tree.group_path("doogh")
        ('doogh', 'dairy', 'drinks')
        """
        found = self._paths.get(group)
        if found is None:
            raise PricingError(
                obj="Catalog",
                field="groups",
                value=group,
                expected="a group of the catalog: " + (", ".join(self._paths) or "none defined"),
            )
        return found

    def has_group(self, group: str) -> bool:
        """Whether ``group`` is a group of the catalog."""
        return group in self._paths

    def has_product(self, product_id: str) -> bool:
        """Whether ``product_id`` is a product of the catalog."""
        return product_id in self._by_id

    def product(self, product_id: str) -> Product:
        """The product with ``product_id``; PricingError when unknown."""
        found = self._by_id.get(product_id)
        if found is None:
            raise PricingError(
                obj="Catalog",
                field="product_id",
                value=product_id,
                expected="a product of the catalog",
            )
        return found


def _group_paths(groups: tuple[ProductGroup, ...]) -> dict[str, tuple[str, ...]]:
    """Each group's path to its root; a repeated name, unknown parent or cycle is refused."""
    parents: dict[str, str | None] = {}
    for group in groups:
        if group.name in parents:
            raise ValidationError(
                obj="Catalog", field="groups", value=group.name, expected="unique group names"
            )
        parents[group.name] = group.parent
    paths: dict[str, tuple[str, ...]] = {}
    for name, first in parents.items():
        path = [name]
        parent = first
        while parent is not None:
            if parent not in parents:
                raise ValidationError(
                    obj=f"ProductGroup {path[-1]!r}",
                    field="parent",
                    value=parent,
                    expected="a group of the catalog: " + ", ".join(parents),
                )
            if parent in path:
                raise ValidationError(
                    obj="Catalog",
                    field="groups",
                    value=" -> ".join([*path, parent]),
                    expected="a product-group tree without a cycle",
                )
            path.append(parent)
            parent = parents[parent]
        paths[name] = tuple(path)
    return paths
