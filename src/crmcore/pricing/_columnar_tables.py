"""Per-key figures of the columnar pricing path, in integers (private).

Everything about a line that does not depend on its own numbers — the
product, the unit, the price-list price, the discount band a quantity falls
in, the tax rate — is resolved here once per distinct (product, unit) key,
through the same catalog and price-list methods :func:`price_document`
uses. A key's volume discount becomes a list of *segments*: quantity
intervals on which the line amount is linear in the quantity,

``gross = rnd(q × G)`` and ``amount = rnd(q × N − K)``,

with ``G``, ``N`` and ``K`` exact decimals held as integers over ``10^e``.
On a Dynamics list (every unit at the band's discount) ``N = G − off`` and
``K = 0``; on a tiered list ``K`` carries the discount of the bands below.
Rounding at the unit price is the same shape with ``G = rnd(price)`` and
``off = rnd(price) − rnd(price − off)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal, localcontext

from crmcore.errors import PricingError, ValidationError
from crmcore.pricing._catalog import (
    Catalog,
    DiscountList,
    DiscountType,
    PriceList,
    Product,
    QuantitySellingOption,
)
from crmcore.pricing._tax import FlatRateTax, IranianVat, NoTax, TaxPolicy

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_WIDE = (
    400  # digits for the per-key arithmetic: exact for every bounded decimal (10^18, 100 places)
)


def places_of(value: Decimal) -> int:
    """Decimal places of ``value`` (0 for an integer or a positive exponent)."""
    exponent = value.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def scaled(value: Decimal, places: int) -> int:
    """``value × 10^places`` as an int (the caller chose ``places`` so it is whole)."""
    return int(value.scaleb(places))


class Segment:
    """One quantity interval of a key: ``gross = rnd(q × G)``, ``amount = rnd(q × N − K)``."""

    __slots__ = ("const", "exponent", "gross", "net")

    def __init__(self, gross: Decimal, net: Decimal, const: Decimal, floor: int) -> None:
        # One exponent for the three, at least the currency's places (so the divisor is whole).
        self.exponent = max(floor, places_of(gross), places_of(net), places_of(const))
        self.gross = scaled(gross, self.exponent)
        self.net = scaled(net, self.exponent)
        self.const = scaled(const, self.exponent)


class KeyFigures:
    """One (product, unit) key: its price, segments, selling option and tax rate."""

    __slots__ = ("breaks", "price", "product", "segments", "tax_rate", "unit", "whole")

    def __init__(self, product: Product, unit: str, price: Decimal) -> None:
        self.product = product
        self.unit = unit
        self.price = price
        self.whole = product.selling_option is QuantitySellingOption.WHOLE
        # Quantity cut points (scaled by 10^quantity_places): segment i holds breaks[i-1] <= Q < breaks[i].
        self.breaks: list[int] = []
        self.segments: list[Segment] = []
        self.tax_rate: Decimal | None = None  # None: the tax policy is called per line


class Tables:
    """The figures of every key of a batch, and the batch-wide scales."""

    __slots__ = (
        "currency",
        "keys",
        "places",
        "price_places",
        "quantity_places",
        "rounding",
        "tax_places",
    )

    def __init__(self, currency: str, places: int, quantity_places: int, rounding: str) -> None:
        self.currency = currency
        self.places = places
        self.quantity_places = quantity_places
        self.rounding = rounding
        self.keys: list[KeyFigures] = []
        self.price_places = 0
        self.tax_places = 0

    def price_units(self) -> list[int]:
        """Each key's price per unit scaled by ``10^price_places`` (set here, derived keys too)."""
        self.price_places = max((places_of(k.price) for k in self.keys), default=0)
        return [scaled(k.price, self.price_places) for k in self.keys]

    def tax_units(self) -> list[int] | None:
        """Each key's tax rate (percent) scaled by ``10^tax_places``; None for a custom policy."""
        rates = [k.tax_rate for k in self.keys]
        if any(r is None for r in rates):
            return None
        return [scaled(r, self.tax_places) for r in rates if r is not None]


def _off(dl: DiscountList, discount: Decimal, price: Decimal) -> Decimal:
    """Discount per unit of a band (as ``DiscountList.segments`` computes it)."""
    if dl.type is DiscountType.PERCENTAGE:
        return price * discount / _HUNDRED
    return min(discount, price)


def _ceil(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_CEILING"))


def _floor(value: Decimal) -> int:
    return int(value.to_integral_value(rounding="ROUND_FLOOR"))


def build_segments(
    key: KeyFigures,
    dl: DiscountList | None,
    *,
    at_unit: bool,
    rnd: Callable[[Decimal], Decimal],
    quantity_places: int,
    places: int,
) -> None:
    """Fill ``key.breaks`` and ``key.segments`` from its price and discount list."""
    price = key.price
    gross = rnd(price) if at_unit else price
    key.segments = [Segment(gross, gross, _ZERO, places)]
    if dl is None:
        return
    scale = Decimal(10) ** quantity_places
    done = _ZERO  # tiered: discount of the full bands below
    with localcontext() as ctx:
        ctx.prec = _WIDE
        for band in dl.bands:
            off = _off(dl, band.discount, price)
            if at_unit:
                off = gross - rnd(price - off)
            key.breaks.append(_ceil(band.begin * scale))
            const = done - (band.begin - 1) * off if dl.tiered else _ZERO
            key.segments.append(Segment(gross, gross - off, const, places))
            if band.end is None:
                break
            key.breaks.append(_floor(band.end * scale) + 1)
            if dl.tiered:
                done += (band.end - band.begin + 1) * off
            key.segments.append(Segment(gross, gross, done, places))


def tax_rate(policy: TaxPolicy, product_id: str) -> Decimal | None:
    """The policy's percentage for ``product_id``, or None when only the policy can say."""
    kind = type(policy)
    if kind is NoTax:
        return _ZERO
    if kind is FlatRateTax or kind is IranianVat:
        exempt: tuple[str, ...] = policy.exempt  # type: ignore[attr-defined]
        rate: Decimal = policy.rate  # type: ignore[attr-defined]
        return _ZERO if product_id in exempt else rate
    return None


def resolve_key(
    catalog: Catalog,
    price_list: PriceList | None,
    product_id: str,
    unit: str | None,
    *,
    currency: str,
    negative_price: object,
) -> tuple[KeyFigures, DiscountList | None]:
    """Product, unit and price of one key, as ``price_document`` resolves a list line."""
    product = catalog.product(product_id)
    chosen = unit or product.default_unit
    product.unit_group.base_quantity(chosen)
    if price_list is None:
        raise PricingError(
            obj="price_columns",
            field="price_list",
            value=None,
            expected=f"a price list to price {product.id}/{chosen}",
        )
    item = price_list.item(product.id, chosen)
    priced = item.price(
        product,
        currency,
        negative_price=negative_price,  # type: ignore[arg-type]
        price_list=price_list.name,
    )
    return KeyFigures(product, chosen, priced.amount), item.discount_list


def first_line(codes: Sequence[int], code: int) -> int:
    """Index of the first line whose key code is ``code``."""
    for index, value in enumerate(codes):
        if value == code:
            return index
    return -1


def line_error(exc: ValidationError | PricingError, field: str, index: int) -> Exception:
    """``exc`` re-raised on the batch: which line's key failed, and why."""
    kind = type(exc)
    return kind(
        obj="price_columns",
        field=f"{field}[{index}]",
        value=exc.value,
        expected=f"{exc.expected} ({exc.obj}.{exc.field})",
    )
