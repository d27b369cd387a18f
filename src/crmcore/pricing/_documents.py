"""Lines, documents and the pricing engine (private)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore._allocation import allocate_units
from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money, RoundingMode, currency_places, is_currency, to_decimal
from crmcore.pricing._catalog import Catalog, PriceList, Product, QuantitySellingOption
from crmcore.pricing._tax import NoTax, TaxPolicy

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)


class DocumentKind(enum.StrEnum):
    """The four documents that carry product lines."""

    OPPORTUNITY = "opportunity"
    """Opportunity product lines (estimated revenue)."""
    QUOTE = "quote"
    """A quote to the customer."""
    ORDER = "order"
    """A sales order."""
    INVOICE = "invoice"
    """An invoice."""


class DocumentStatus(enum.StrEnum):
    """Lifecycle states of every document kind (see :data:`TRANSITIONS`)."""

    OPEN = "open"
    """Opportunity product lines being edited."""
    DRAFT = "draft"
    """A quote being prepared; editable."""
    ACTIVE = "active"
    """Issued: read-only (quote), in progress (order), awaiting payment (invoice)."""
    WON = "won"
    """Quote accepted; an order was created."""
    CLOSED = "closed"
    """Quote lost, cancelled or revised."""
    FULFILLED = "fulfilled"
    """Order delivered."""
    PAID = "paid"
    """Invoice paid in full."""
    PARTIALLY_PAID = "partially_paid"
    """Invoice paid in part."""
    CANCELLED = "cancelled"
    """Order or invoice cancelled."""


class CloseReason(enum.StrEnum):
    """Why a quote was closed."""

    LOST = "lost"
    """The customer chose otherwise."""
    CANCELLED = "cancelled"
    """Withdrawn."""
    REVISED = "revised"
    """Replaced by a new revision."""


class ManualDiscountMethod(enum.StrEnum):
    """How a line's manual discount is read (a Dynamics organisation setting)."""

    LINE_ITEM = "line_item"
    """One amount off the line: ``amount − discount``."""
    PER_UNIT = "per_unit"
    """An amount off each unit: ``amount − quantity × discount``."""


class RoundingPoint(enum.StrEnum):
    """Where a line is rounded to the currency's minor unit."""

    LINE_TOTAL = "line_total"
    """``round(quantity × price − volume discount)`` (Dynamics' behaviour)."""
    UNIT_PRICE = "unit_price"
    """``quantity × round(price − volume discount per unit)``, then rounded."""


def _lines(value: Iterable[LineItem]) -> tuple[LineItem, ...]:
    lines = tuple(value)
    for index, line in enumerate(lines):
        if not isinstance(line, LineItem):
            raise ValidationError(
                obj="SalesDocument", field=f"lines[{index}]", value=line, expected="a LineItem"
            )
    return lines


def _money_or_none(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, Money) or value.amount < 0):
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="a non-negative Money or None",
        )


def _lockedprice_quantity(value: object) -> Decimal:
    return to_decimal(value, obj="LockedPrice", field="quantity")


def _lockedprice_price_per_unit(value: object) -> Decimal:
    return to_decimal(value, obj="LockedPrice", field="price_per_unit")


def _lockedprice_amount(value: object) -> Decimal:
    return to_decimal(value, obj="LockedPrice", field="amount")


def _lineitem_quantity(value: object) -> Decimal:
    return to_decimal(value, obj="LineItem", field="quantity")


@attrs.frozen
class LockedPrice:
    """Figures frozen when a document was converted with prices locked."""

    quantity: Decimal = attrs.field(converter=_lockedprice_quantity)
    """The quantity the figures were priced for."""
    price_per_unit: Decimal = attrs.field(converter=_lockedprice_price_per_unit)
    """Price per unit as priced on the source document."""
    amount: Decimal = attrs.field(converter=_lockedprice_amount)
    """The line amount (after volume discount, rounded) as priced on the source document."""


@attrs.frozen
class LineItem:
    """A product line as entered: product, quantity, unit and manual adjustments.

    >>> LineItem("P1", Decimal(0))
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: LineItem.quantity: got Decimal('0') (Decimal); expected > 0
    """

    product_id: str = attrs.field(validator=check.text(max_length=100))
    """The product sold."""
    quantity: Decimal = attrs.field(converter=_lineitem_quantity)
    """Quantity in :attr:`unit` (> 0)."""
    unit: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    """Unit; None means the product's default unit."""
    price_override: Money | None = attrs.field(default=None, validator=_money_or_none)
    """Manual price per unit, replacing the price list (and its volume discount)."""
    manual_discount: Money | None = attrs.field(default=None, validator=_money_or_none)
    """Manual discount (per line or per unit, see :class:`ManualDiscountMethod`)."""
    tax_override: Money | None = attrs.field(default=None, validator=_money_or_none)
    """A tax amount entered by hand, replacing the tax policy for this line."""
    locked: LockedPrice | None = attrs.field(
        default=None, validator=check.instance_of(LockedPrice, optional=True)
    )
    """Price and volume discount copied from a source document (prices locked)."""

    def __attrs_post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValidationError(
                obj="LineItem", field="quantity", value=self.quantity, expected="> 0"
            )


@attrs.frozen
class PricingOptions:
    """Choices that change how lines and totals are computed.

    The defaults are Dynamics 365's: manual discount per line item, round
    the line total, tax on the line before the header discount, half-up.
    """

    manual_discount_method: ManualDiscountMethod = attrs.field(
        default=ManualDiscountMethod.LINE_ITEM, converter=ManualDiscountMethod
    )
    """How :attr:`LineItem.manual_discount` is read."""
    rounding_point: RoundingPoint = attrs.field(
        default=RoundingPoint.LINE_TOTAL, converter=RoundingPoint
    )
    """Round the unit price before multiplying, or the line total."""
    tax_after_header_discount: bool = attrs.field(default=False, validator=check.instance_of(bool))
    """Tax each line on its amount less its share of the header discount."""
    rounding_mode: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=RoundingMode)
    """Mode of every rounding to the currency's minor unit."""
    tax_policy: TaxPolicy = attrs.field(factory=NoTax)
    """Computes each line's tax."""


def _header_percent(value: object) -> Decimal | None:
    if value is None:
        return None
    pct = to_decimal(value, obj="SalesDocument", field="header_discount_percent")
    if not _ZERO <= pct <= _HUNDRED:
        raise ValidationError(
            obj="SalesDocument", field="header_discount_percent", value=pct, expected="0 to 100"
        )
    return pct


_STATES: dict[DocumentKind, tuple[DocumentStatus, ...]] = {
    DocumentKind.OPPORTUNITY: (DocumentStatus.OPEN,),
    DocumentKind.QUOTE: (
        DocumentStatus.DRAFT,
        DocumentStatus.ACTIVE,
        DocumentStatus.WON,
        DocumentStatus.CLOSED,
    ),
    DocumentKind.ORDER: (
        DocumentStatus.ACTIVE,
        DocumentStatus.FULFILLED,
        DocumentStatus.CANCELLED,
    ),
    DocumentKind.INVOICE: (
        DocumentStatus.ACTIVE,
        DocumentStatus.PARTIALLY_PAID,
        DocumentStatus.PAID,
        DocumentStatus.CANCELLED,
    ),
}


def _first_status(kind: DocumentKind) -> DocumentStatus:
    if kind is DocumentKind.OPPORTUNITY:
        return DocumentStatus.OPEN
    return DocumentStatus.DRAFT if kind is DocumentKind.QUOTE else DocumentStatus.ACTIVE


@attrs.frozen
class SalesDocument:
    """An opportunity's product lines, a quote, an order or an invoice.

    State changes are in :mod:`crmcore.pricing` functions such as
    :func:`~crmcore.pricing.activate_quote`; they return new documents.
    """

    id: str = attrs.field(validator=check.text(max_length=100))
    """The document's id."""
    kind: DocumentKind = attrs.field(converter=DocumentKind)
    """Opportunity, quote, order or invoice."""
    currency: str = attrs.field()
    """Currency of every amount; equals the price list's."""
    lines: tuple[LineItem, ...] = attrs.field(default=(), converter=_lines)
    """The product lines."""
    price_list: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """Name of the price list; None to select by date or default."""
    status: DocumentStatus = attrs.field(
        default=attrs.Factory(lambda self: _first_status(self.kind), takes_self=True),
        converter=DocumentStatus,
    )
    """Lifecycle state; defaults to the kind's first state."""
    revision: int = attrs.field(default=0, validator=check.in_range(0))
    """Quote revision number."""
    number: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """Document number (see :class:`~crmcore.pricing.NumberFormat`)."""
    header_discount_percent: Decimal | None = attrs.field(default=None, converter=_header_percent)
    """Header discount as a percentage of the detail amount."""
    header_discount_amount: Money | None = attrs.field(default=None, validator=_money_or_none)
    """Header discount as an amount."""
    freight: Money | None = attrs.field(default=None, validator=_money_or_none)
    """Freight amount."""
    source_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """Id of the document this one was created from."""
    close_reason: CloseReason | None = attrs.field(
        default=None, converter=attrs.converters.optional(CloseReason)
    )
    """Why a quote was closed."""
    issued_on: date | None = attrs.field(default=None, validator=check.optional_date())
    """Date of issue (numbering uses it)."""

    def __attrs_post_init__(self) -> None:
        if self.status not in _STATES[self.kind]:
            raise ValidationError(
                obj=f"SalesDocument {self.id!r}",
                field="status",
                value=str(self.status),
                expected=f"a {self.kind} state: " + ", ".join(_STATES[self.kind]),
            )
        if not isinstance(self.currency, str) or not is_currency(self.currency):
            raise ValidationError(
                obj=f"SalesDocument {self.id!r}",
                field="currency",
                value=self.currency,
                expected="an ISO 4217 currency code",
            )
        if self.header_discount_percent is not None and self.header_discount_amount is not None:
            raise ValidationError(
                obj=f"SalesDocument {self.id!r}",
                field="header_discount_amount",
                value=self.header_discount_amount,
                expected="None when header_discount_percent is set (one or the other)",
            )
        for name in ("header_discount_amount", "freight"):
            money = getattr(self, name)
            if money is not None and money.currency != self.currency:
                raise ValidationError(
                    obj=f"SalesDocument {self.id!r}",
                    field=f"{name}.currency",
                    value=money.currency,
                    expected=self.currency,
                )


@attrs.frozen
class PricedLine:
    """Every figure of a priced line; :meth:`explain` lists how each was reached."""

    number: int
    """1-based line number."""
    product_id: str
    """The product."""
    unit: str
    """The unit priced."""
    quantity: Decimal
    """Quantity in :attr:`unit`."""
    price_per_unit: Money
    """Price per unit (pricing precision)."""
    price_source: str
    """Where the price came from: the price list, an override or a lock."""
    price_steps: tuple[str, ...]
    """How the price per unit was computed."""
    volume_discount: Money
    """Discount-list discount on the line: ``gross_amount − amount``."""
    amount: Money
    """``quantity × (price − volume discount per unit)``, rounded."""
    manual_discount: Money
    """Manual discount taken off the line (total)."""
    header_discount_share: Money
    """This line's share of the header discount (largest remainder allocation)."""
    tax: Money
    """The line's tax."""
    tax_label: str
    """Which tax (``"VAT 10 %"``, ``"manual"``)."""
    extended_amount: Money
    """``amount − manual discount + tax``."""
    taxed_after_header_discount: bool = False
    """Whether the tax base excludes :attr:`header_discount_share`."""

    @property
    def gross_amount(self) -> Money:
        """``quantity × price_per_unit``, rounded: ``amount + volume_discount``."""
        return self.amount + self.volume_discount

    @property
    def tax_base(self) -> Money:
        """The amount the tax was computed on (net, less the header share if taxed after it)."""
        if self.taxed_after_header_discount:
            return self.net_amount - self.header_discount_share
        return self.net_amount

    @property
    def net_amount(self) -> Money:
        """``amount − manual discount`` (the line's part of the detail amount)."""
        return self.extended_amount - self.tax

    def explain(self) -> tuple[str, ...]:
        """The derivation of every figure of the line, one step per string."""
        c = self.price_per_unit.currency
        steps = [f"line {self.number}: {self.quantity} {self.unit} of {self.product_id}"]
        steps.append(f"price per unit from {self.price_source}")
        steps.extend(f"  {s}" for s in self.price_steps)
        steps.append(
            f"gross = {self.quantity} × {self.price_per_unit.amount} = {self.gross_amount.amount} {c}"
        )
        steps.append(f"volume discount = {self.volume_discount.amount} {c}")
        steps.append(
            f"amount = {self.gross_amount.amount} − {self.volume_discount.amount} = "
            f"{self.amount.amount} {c}"
        )
        steps.append(f"manual discount = {self.manual_discount.amount} {c}")
        if self.header_discount_share:
            steps.append(f"share of header discount = {self.header_discount_share.amount} {c}")
        steps.append(f"tax ({self.tax_label}) on {self.tax_base.amount} = {self.tax.amount} {c}")
        steps.append(
            f"extended = {self.amount.amount} − {self.manual_discount.amount} + "
            f"{self.tax.amount} = {self.extended_amount.amount} {c}"
        )
        return tuple(steps)


@attrs.frozen
class PricedDocument:
    """A document with every line and total priced.

    ``total_amount == detail_amount − header_discount + freight + total_tax``
    and ``detail_amount == Σ (extended − tax)`` hold exactly.
    """

    document: SalesDocument
    """The document priced."""
    price_list: str | None
    """Name of the price list used (None when every line was overridden or locked)."""
    options: PricingOptions
    """The options applied."""
    lines: tuple[PricedLine, ...]
    """Priced lines, in document order."""
    detail_amount: Money
    """``Σ (amount − manual discount)``."""
    header_discount: Money
    """Header discount (percentage of the detail amount, rounded, or the amount)."""
    pre_freight_amount: Money
    """``detail_amount − header_discount``."""
    freight: Money
    """Freight."""
    total_tax: Money
    """``Σ line tax``."""
    total_amount: Money
    """``pre_freight_amount + freight + total_tax``."""

    @property
    def currency(self) -> str:
        """The document currency."""
        return self.detail_amount.currency

    def explain(self, *, lines: bool = True) -> tuple[str, ...]:
        """Every line's derivation (unless ``lines=False``), then how the totals follow."""
        c = self.currency
        steps: list[str] = []
        if lines:
            for line in self.lines:
                steps.extend(line.explain())
        steps.append(
            f"detail amount = Σ (amount − manual discount) = {self.detail_amount.amount} {c}"
        )
        pct = self.document.header_discount_percent
        how = f"{pct} % of {self.detail_amount.amount}" if pct is not None else "as entered"
        steps.append(f"header discount ({how}) = {self.header_discount.amount} {c}")
        steps.append(
            f"pre-freight amount = {self.detail_amount.amount} − {self.header_discount.amount} = "
            f"{self.pre_freight_amount.amount} {c}"
        )
        when = "after" if self.options.tax_after_header_discount else "before"
        steps.append(
            f"total tax (lines taxed {when} the header discount) = {self.total_tax.amount} {c}"
        )
        steps.append(
            f"total = {self.pre_freight_amount.amount} + freight {self.freight.amount} + tax "
            f"{self.total_tax.amount} = {self.total_amount.amount} {c}"
        )
        return tuple(steps)


class _ItemCache:
    """Per-(product, unit) data computed once per pricing run."""

    __slots__ = ("catalog", "currency", "entries", "price_list")

    def __init__(self, catalog: Catalog, price_list: PriceList | None, currency: str) -> None:
        self.catalog = catalog
        self.price_list = price_list
        self.currency = currency
        self.entries: dict[tuple[str, str], tuple[Product, Any, Decimal, tuple[str, ...]]] = {}

    def product(self, product_id: str) -> Product:
        return self.catalog.product(product_id)

    def priced(self, product: Product, unit: str) -> tuple[Product, Any, Decimal, tuple[str, ...]]:
        key = (product.id, unit)
        found = self.entries.get(key)
        if found is None:
            if self.price_list is None:
                raise PricingError(
                    obj="price_document",
                    field="price_list",
                    value=None,
                    expected=f"a price list to price {product.id}/{unit}",
                )
            item = self.price_list.item(product.id, unit)
            price, steps = item.unit_price(product, self.currency)
            found = (product, item.discount_list, price, steps)
            self.entries[key] = found
        return found


def price_document(  # noqa: PLR0915 - one pass over the lines, kept together for speed
    document: SalesDocument,
    catalog: Catalog,
    price_list: PriceList | None,
    options: PricingOptions | None = None,
) -> PricedDocument:
    """Price every line and total of ``document`` (pure; no I/O).

    Formulas (Dynamics 365 Sales, reference ``pricing.md``):
    ``amount = quantity × (price − volume discount per unit)``;
    ``extended = amount − manual discount + tax`` (per-unit method:
    ``amount − quantity × manual discount + tax``);
    ``detail = Σ (extended − tax)``; ``pre-freight = detail − header discount``;
    ``total = pre-freight + freight + Σ tax``. Money is rounded to the
    currency's minor unit at each named figure with ``options.rounding_mode``.

    >>> from crmcore.pricing import FlatRateTax, PriceListItem, UnitGroup
    >>> each = UnitGroup("each", "each")
    >>> catalog = Catalog((Product("P1", "Widget", each, "each"),))
    >>> plist = PriceList("usd", "USD", (PriceListItem("P1", "each", amount=Money(1000, "USD")),))
    >>> quote = SalesDocument("Q1", DocumentKind.QUOTE, "USD",
    ...     (LineItem("P1", 10, manual_discount=Money(100, "USD")),))
    >>> priced = price_document(quote, catalog, plist, PricingOptions(tax_policy=FlatRateTax(15)))
    >>> priced.lines[0].extended_amount, priced.total_amount  # 10 × 1000 − 100 = 9900; + 15 %
    (Money('11385.00', 'USD'), Money('11385.00', 'USD'))
    """
    options = options or PricingOptions()
    currency = document.currency
    if price_list is not None and price_list.currency != currency:
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field="currency",
            value=currency,
            expected=f"the price list's currency {price_list.currency}",
        )
    places = currency_places(currency)
    exponent = Decimal(1).scaleb(-places)
    rounding = options.rounding_mode.decimal_mode
    per_unit_discount = options.manual_discount_method is ManualDiscountMethod.PER_UNIT
    at_unit = options.rounding_point is RoundingPoint.UNIT_PRICE
    tax_policy = options.tax_policy
    cache = _ItemCache(catalog, price_list, currency)
    list_name = None if price_list is None else f"price list {price_list.name!r}"

    def rnd(value: Decimal) -> Decimal:
        return value.quantize(exponent, rounding=rounding)

    # First pass: amounts before tax.
    rows: list[tuple[Any, ...]] = []
    resolved: dict[tuple[str, str | None], tuple[Product, str]] = {}
    for index, line in enumerate(document.lines, start=1):
        found = resolved.get((line.product_id, line.unit))
        if found is None:
            product = cache.product(line.product_id)
            unit = line.unit or product.default_unit
            product.unit_group.base_quantity(unit)
            found = resolved[(line.product_id, line.unit)] = (product, unit)
        product, unit = found
        quantity = line.quantity
        if product.selling_option is QuantitySellingOption.WHOLE:
            product.check_quantity(quantity)
        discount_list = None
        locked = line.locked
        if locked is not None:
            if locked.quantity != quantity:
                raise ValidationError(
                    obj=f"SalesDocument {document.id!r}",
                    field=f"lines[{index - 1}].quantity",
                    value=quantity,
                    expected=f"the locked quantity {locked.quantity} (unlock to reprice)",
                )
            price = locked.price_per_unit
            steps: tuple[str, ...] = (f"locked at {price}, amount {locked.amount}",)
            source = f"source document {document.source_id!r} (locked)"
            volume = _ZERO
        elif line.price_override is not None:
            _same(line.price_override, currency, document.id, index, "price_override")
            price = line.price_override.amount
            steps = (f"override {price}",)
            source = "manual override"
            volume = _ZERO
        else:
            _, discount_list, price, steps = cache.priced(product, unit)
            source = list_name or ""
            volume = (
                _ZERO
                if discount_list is None or at_unit
                else discount_list.discount_total(price, quantity)
            )
        if locked is not None:
            gross = rnd(quantity * (rnd(price) if at_unit else price))
            amount = locked.amount
        elif at_unit:
            gross = rnd(quantity * rnd(price))
            if discount_list is None:
                amount = gross
            else:
                amount = rnd(
                    sum(
                        (
                            u * rnd(price - off)
                            for u, off in discount_list.segments(price, quantity)
                        ),
                        _ZERO,
                    )
                )
        else:
            # Hot path: quantize inline rather than through rnd().
            gross = (quantity * price).quantize(exponent, rounding)
            amount = (quantity * price - volume).quantize(exponent, rounding) if volume else gross
        manual = _ZERO
        if line.manual_discount is not None:
            if line.manual_discount.currency != currency:
                _same(line.manual_discount, currency, document.id, index, "manual_discount")
            given = line.manual_discount.amount
            manual = (quantity * given if per_unit_discount else given).quantize(exponent, rounding)
            if manual > amount:
                raise ValidationError(
                    obj=f"SalesDocument {document.id!r}",
                    field=f"lines[{index - 1}].manual_discount",
                    value=line.manual_discount,
                    expected=f"at most the line amount {amount} {currency}",
                )
        rows.append(
            (index, line, product, unit, quantity, price, source, steps, gross, amount, manual)
        )

    detail = sum((row[9] - row[10] for row in rows), _ZERO)
    if document.header_discount_percent is not None:
        header = rnd(detail * document.header_discount_percent / _HUNDRED)
    elif document.header_discount_amount is not None:
        header = rnd(document.header_discount_amount.amount)
    else:
        header = rnd(_ZERO)
    detail = rnd(detail)
    if header > detail:
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field="header_discount_amount",
            value=document.header_discount_amount,
            expected=f"at most the detail amount {detail} {currency}",
        )
    if header:
        weights = [int((row[9] - row[10]).scaleb(places)) for row in rows]
        units = allocate_units(int(header.scaleb(places)), weights)
        shares = [Decimal(u).scaleb(-places) for u in units]
    else:
        shares = [_ZERO] * len(rows)

    # Every amount below is a Decimal computed from validated inputs in a
    # validated currency, so the checks of Money.__init__ would only repeat.
    money = Money._make
    zero = money(rnd(_ZERO), currency)
    tax_after = options.tax_after_header_discount
    priced: list[PricedLine] = []
    labels: dict[str, str] = {}
    prices: dict[Decimal, Money] = {}
    total_tax = _ZERO
    for row, share in zip(rows, shares, strict=True):
        index, line, product, unit, quantity, price, source, steps, gross, amount, manual = row
        net = amount - manual
        base = net - share if tax_after else net
        if line.tax_override is not None:
            _same(line.tax_override, currency, document.id, index, "tax_override")
            tax = rnd(line.tax_override.amount)
            label = "entered by hand"
        else:
            tax = tax_policy.line_tax(product.id, base).quantize(exponent, rounding)
            label = labels.get(product.id) or labels.setdefault(
                product.id, tax_policy.describe(product.id)
            )
        total_tax += tax
        priced.append(
            PricedLine(
                number=index,
                product_id=product.id,
                unit=unit,
                quantity=quantity,
                price_per_unit=prices.get(price)
                or prices.setdefault(price, money(price, currency)),
                price_source=source,
                price_steps=steps,
                volume_discount=money(gross - amount, currency) if gross != amount else zero,
                amount=money(amount, currency),
                manual_discount=money(manual, currency) if manual else zero,
                header_discount_share=money(share, currency) if share else zero,
                tax=money(tax, currency),
                tax_label=label,
                extended_amount=money(net + tax, currency),
                taxed_after_header_discount=tax_after,
            )
        )
    freight = rnd(document.freight.amount if document.freight is not None else _ZERO)
    pre_freight = detail - header
    return PricedDocument(
        document=document,
        price_list=None if price_list is None else price_list.name,
        options=options,
        lines=tuple(priced),
        detail_amount=money(detail, currency),
        header_discount=money(header, currency),
        pre_freight_amount=money(pre_freight, currency),
        freight=money(freight, currency),
        total_tax=money(total_tax, currency),
        total_amount=money(pre_freight + freight + total_tax, currency),
    )


def _same(money: Money, currency: str, doc_id: str, index: int, field: str) -> None:
    if money.currency != currency:
        raise ValidationError(
            obj=f"SalesDocument {doc_id!r}",
            field=f"lines[{index - 1}].{field}.currency",
            value=money.currency,
            expected=currency,
        )
