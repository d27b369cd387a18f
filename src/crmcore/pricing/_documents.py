"""Lines, documents and the pricing engine (private)."""

from __future__ import annotations

import enum
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import attrs

from crmcore import _checks as check
from crmcore._allocation import allocate_units
from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money, RoundingMode, currency_places, is_currency
from crmcore.pricing._catalog import (
    Catalog,
    DiscountList,
    DiscountType,
    NegativePrice,
    PriceList,
    PriceWarning,
    Product,
    QuantitySellingOption,
    UnitPrice,
    as_tuple,
    plain,
)
from crmcore.pricing._rules import CompiledRules, PricingRule, PricingRules, RuleOutcome
from crmcore.pricing._selection import PriceListChoice, PricingContext, choose_price_list
from crmcore.pricing._tax import NoTax, TaxPolicy

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_PRECISION = tuple(Decimal(1).scaleb(-places) for places in range(5))  # pricing precision 0-4
_WARNINGS = {
    PriceWarning.ROUNDED_TO_ZERO: "the price per unit was rounded to zero",
    PriceWarning.CLAMPED_AT_ZERO: "the rounding went below zero; the price was clamped at 0",
    PriceWarning.DISCOUNT_CAPPED: "an amount discount exceeded the price and was capped at it",
    PriceWarning.DISCOUNT_LIMITED: "the rules' discount was limited to the largest allowed",
}


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


@attrs.frozen
class LockedPrice:
    """Figures frozen when a document was converted with prices locked."""

    quantity: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """The quantity the figures were priced for."""
    price_per_unit: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """Price per unit as priced on the source document."""
    amount: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
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
    quantity: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    """Quantity in :attr:`unit` (> 0)."""
    unit: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    """Unit; None means the product's default unit."""
    price_override: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Manual price per unit, replacing the price list (and its volume discount)."""
    manual_discount: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Manual discount (per line or per unit, see :class:`ManualDiscountMethod`)."""
    tax_override: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """A tax amount entered by hand, replacing the tax policy for this line."""
    locked: LockedPrice | None = attrs.field(
        default=None, validator=check.instance_of(LockedPrice, optional=True)
    )
    """Price and volume discount copied from a source document (prices locked)."""
    free_for: int | None = attrs.field(default=None, validator=check.in_range(1, optional=True))
    """Free goods copied from a source document: the number of the line that earned them."""

    def __attrs_post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValidationError(
                obj="LineItem", field="quantity", value=self.quantity, expected="> 0"
            )


@attrs.frozen
class PricingOptions:
    """Choices that change how lines and totals are computed.

    The defaults are Dynamics 365's: manual discount per line item, round
    the line total, half-up. Whether lines are taxed after the header
    discount is, unless set here, the tax policy's own rule
    (:attr:`taxes_after_header_discount`): before it for Dynamics'
    :class:`~crmcore.pricing.FlatRateTax`, after it for
    :class:`~crmcore.pricing.IranianVat` (Iranian VAT is charged on the
    price after discounts). A rounding that would make a price negative is
    refused unless ``negative_price`` is ``"clamp"``.

    >>> from crmcore.pricing import FlatRateTax, IranianVat
    >>> PricingOptions(tax_policy=IranianVat()).taxes_after_header_discount
    True
    >>> PricingOptions(tax_policy=FlatRateTax(15)).taxes_after_header_discount
    False
    """

    manual_discount_method: ManualDiscountMethod = attrs.field(
        default=ManualDiscountMethod.LINE_ITEM, converter=ManualDiscountMethod
    )
    """How :attr:`LineItem.manual_discount` is read."""
    rounding_point: RoundingPoint = attrs.field(
        default=RoundingPoint.LINE_TOTAL, converter=RoundingPoint
    )
    """Round the unit price before multiplying, or the line total."""
    tax_after_header_discount: bool | None = attrs.field(
        default=None, validator=check.instance_of(bool, optional=True)
    )
    """Tax each line on its amount less its share of the header discount; None: the policy's rule."""
    rounding_mode: RoundingMode = attrs.field(default=RoundingMode.HALF_UP, converter=RoundingMode)
    """Mode of every rounding to the currency's minor unit."""
    tax_policy: TaxPolicy = attrs.field(factory=NoTax)
    """Computes each line's tax."""
    negative_price: NegativePrice = attrs.field(
        default=NegativePrice.REFUSE, converter=NegativePrice
    )
    """Refuse (default) or clamp at zero a price that a rounding takes below zero."""

    @property
    def taxes_after_header_discount(self) -> bool:
        """:attr:`tax_after_header_discount` if set, else the tax policy's ``after_header_discount``."""
        if self.tax_after_header_discount is not None:
            return self.tax_after_header_discount
        return bool(getattr(self.tax_policy, "after_header_discount", False))


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
    lines: tuple[LineItem, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(LineItem)
    )
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
    header_discount_percent: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, 100, optional=True),
    )
    """Header discount as a percentage of the detail amount."""
    header_discount_amount: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Header discount as an amount."""
    freight: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
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
    pricing_context: PricingContext | None = attrs.field(
        default=None, validator=check.instance_of(PricingContext, optional=True)
    )
    """Customer, group, territory, channel and campaign: what price lists are matched against."""

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
    volume_discount_total: Money
    """Discount-list discount on the whole line: ``gross_amount − amount``."""
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
    volume_discount_exact: Decimal = _ZERO
    """The discount-list discount on the line before rounding (the base of the per-unit figure)."""
    warnings: tuple[PriceWarning, ...] = ()
    """What the line reports rather than hides: a price rounded to zero or clamped, a capped
    amount discount."""
    campaign: str | None = None
    """The campaign that gave the price (a campaign price list or rule), for attribution."""
    free_for: int | None = None
    """For free goods: the number of the line that earned them."""

    @property
    def volume_discount_per_unit(self) -> Money:
        """Discount-list discount per unit (Dynamics' *Volume Discount*) at the pricing precision.

        ``volume_discount_exact / quantity``, half-up to the precision of
        :attr:`price_per_unit` (the product's pricing precision); for a tiered
        list, the average over the line's units.
        """
        exact = self.volume_discount_exact
        if not exact:
            return Money.zero(self.price_per_unit.currency)
        places = min(0, int(self.price_per_unit.amount.as_tuple().exponent))
        per_unit = (exact / self.quantity).quantize(Decimal(1).scaleb(places), ROUND_HALF_UP)
        return Money.of_decimal(per_unit, self.price_per_unit.currency)

    @property
    def gross_amount(self) -> Money:
        """``quantity × price_per_unit``, rounded: ``amount + volume_discount_total``."""
        return self.amount + self.volume_discount_total

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
        gross = plain(self.gross_amount.amount)
        volume = plain(self.volume_discount_total.amount)
        amount = plain(self.amount.amount)
        manual = plain(self.manual_discount.amount)
        tax = plain(self.tax.amount)
        steps = [f"line {self.number}: {plain(self.quantity)} {self.unit} of {self.product_id}"]
        steps.append(f"price per unit from {self.price_source}")
        if self.campaign is not None:
            steps.append(f"  campaign {self.campaign!r}")
        steps.extend(f"  {s}" for s in self.price_steps)
        steps.append(
            f"gross = {plain(self.quantity)} × {plain(self.price_per_unit.amount)} = {gross} {c}"
        )
        if self.volume_discount_total:
            per_unit = plain(self.volume_discount_per_unit.amount)
            steps.append(f"volume discount = {volume} {c} ({per_unit} {c} per unit)")
        else:
            steps.append(f"volume discount = {volume} {c}")
        steps.append(f"amount = {gross} − {volume} = {amount} {c}")
        steps.append(f"manual discount = {manual} {c}")
        if self.header_discount_share:
            steps.append(
                f"share of header discount = {plain(self.header_discount_share.amount)} {c}"
            )
        steps.append(f"tax ({self.tax_label}) on {plain(self.tax_base.amount)} = {tax} {c}")
        steps.append(
            f"extended = {amount} − {manual} + {tax} = {plain(self.extended_amount.amount)} {c}"
        )
        steps.extend(f"warning: {_WARNINGS[w]}" for w in self.warnings)
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
    price_list_choice: PriceListChoice | None = None
    """Why :attr:`price_list` was chosen and which other lists matched and lost (when chosen
    by :func:`~crmcore.pricing.price_from_lists`)."""

    @property
    def currency(self) -> str:
        """The document currency."""
        return self.detail_amount.currency

    def explain(self, *, lines: bool = True) -> tuple[str, ...]:
        """Every line's derivation (unless ``lines=False``), then how the totals follow."""
        c = self.currency
        detail = plain(self.detail_amount.amount)
        header = plain(self.header_discount.amount)
        pre_freight = plain(self.pre_freight_amount.amount)
        tax = plain(self.total_tax.amount)
        steps: list[str] = []
        if self.price_list_choice is not None:
            steps.extend(self.price_list_choice.explain())
        if lines:
            for line in self.lines:
                steps.extend(line.explain())
        steps.append(f"detail amount = Σ (amount − manual discount) = {detail} {c}")
        pct = self.document.header_discount_percent
        how = f"{plain(pct)} % of {detail}" if pct is not None else "as entered"
        steps.append(f"header discount ({how}) = {header} {c}")
        steps.append(f"pre-freight amount = {detail} − {header} = {pre_freight} {c}")
        when = "after" if self.options.taxes_after_header_discount else "before"
        steps.append(f"total tax (lines taxed {when} the header discount) = {tax} {c}")
        steps.append(
            f"total = {pre_freight} + freight {plain(self.freight.amount)} + tax {tax} = "
            f"{plain(self.total_amount.amount)} {c}"
        )
        return tuple(steps)


# The order priced_lines() passes PricedLine's fields in (positionally, for speed).
_LINE_FIELDS = (
    "number",
    "product_id",
    "unit",
    "quantity",
    "price_per_unit",
    "price_source",
    "price_steps",
    "volume_discount_total",
    "amount",
    "manual_discount",
    "header_discount_share",
    "tax",
    "tax_label",
    "extended_amount",
    "taxed_after_header_discount",
    "volume_discount_exact",
    "warnings",
    "campaign",
    "free_for",
)


class _Entry:
    """A (product, unit)'s price-list figures, computed once per pricing run."""

    __slots__ = (
        "caps",
        "discount_list",
        "outcomes",
        "price",
        "rules",
        "steps",
        "warnings",
    )

    def __init__(self, discount_list: DiscountList | None, priced: UnitPrice) -> None:
        self.discount_list = discount_list
        self.price = priced.amount
        self.steps = priced.steps
        self.warnings = priced.warnings
        # The candidate rules, compiled at the list price; None: no rule may apply.
        self.rules: CompiledRules | None = None
        # The rules' outcome per band bounds passed (with the quantity if free goods may come):
        # lower bounds passed × (upper bounds + 1) + upper bounds passed.
        self.outcomes: dict[object, _Ruled] = {}
        # Whether some amount band is larger than the price (then a line may be capped).
        self.caps = (
            discount_list is not None
            and discount_list.type is DiscountType.AMOUNT
            and any(band.discount > priced.amount for band in discount_list.bands)
        )


class _Ruled:
    """A line's rule outcome with the price steps joined, cached per quantity band."""

    __slots__ = ("notes", "outcome", "price", "steps")

    def __init__(self, outcome: RuleOutcome, steps: tuple[str, ...]) -> None:
        self.outcome = outcome
        self.price = outcome.price
        self.steps = steps
        # Whether the line needs more than the price: warnings, a campaign or free goods.
        self.notes = bool(outcome.warnings or outcome.campaign or outcome.free)


class _Row:
    """One line's figures before tax: the named row of the first pass."""

    __slots__ = (
        "amount",
        "campaign",
        "free_for",
        "gross",
        "index",
        "line",
        "manual",
        "price",
        "product",
        "source",
        "steps",
        "unit",
        "volume",
        "warnings",
    )

    def __init__(  # noqa: PLR0917 - positional: one row per line on the hot path
        self,
        index: int,
        line: LineItem,
        product: Product,
        unit: str,
        price: Decimal,
        source: str,
        steps: tuple[str, ...],
        gross: Decimal,
        amount: Decimal,
    ) -> None:
        self.index = index
        self.line = line
        self.product = product
        self.unit = unit
        self.price = price
        self.source = source
        self.steps = steps
        self.gross = gross
        self.amount = amount
        self.manual = _ZERO
        self.campaign: str | None = None
        self.free_for: int | None = None
        self.volume = _ZERO  # the exact volume discount on the line, before rounding
        self.warnings: tuple[PriceWarning, ...] = ()


class _Pricer:
    """The settings and caches of one :func:`price_document` run."""

    __slots__ = (
        "at_unit",
        "campaign",
        "catalog",
        "choice",
        "currency",
        "day",
        "document",
        "entries",
        "exponent",
        "free",
        "labels",
        "list_source",
        "max_discount",
        "money",
        "options",
        "per_unit_discount",
        "places",
        "price_list",
        "prices",
        "resolved",
        "rounding",
        "rules",
        "tax_after",
        "tax_policy",
        "zero",
    )

    def __init__(
        self,
        document: SalesDocument,
        catalog: Catalog,
        price_list: PriceList | None,
        options: PricingOptions,
        *,
        choice: PriceListChoice | None = None,
        rules: PricingRules | None = None,
    ) -> None:
        self.document = document
        self.choice = choice
        self.rules = rules if rules is not None and rules.rules else None
        if self.rules is not None:
            self.rules.check(catalog)
        self.max_discount = None if rules is None else rules.max_line_discount_percent
        self.day = document.issued_on
        self.free: list[tuple[int, str, PricingRule, str, Decimal]] = []
        self.campaign = _campaign(document, price_list)
        self.catalog = catalog
        self.price_list = price_list
        self.options = options
        self.currency = document.currency
        self.places = currency_places(self.currency)
        self.exponent = Decimal(1).scaleb(-self.places)
        self.rounding = options.rounding_mode.decimal_mode
        self.per_unit_discount = options.manual_discount_method is ManualDiscountMethod.PER_UNIT
        self.at_unit = options.rounding_point is RoundingPoint.UNIT_PRICE
        self.tax_after = options.taxes_after_header_discount
        self.tax_policy = options.tax_policy
        self.list_source = "" if price_list is None else f"price list {price_list.name!r}"
        self.entries: dict[tuple[str, str], _Entry] = {}
        self.resolved: dict[tuple[str, str | None], tuple[Product, str]] = {}
        self.labels: dict[str, str] = {}
        self.prices: dict[Decimal, Money] = {}
        # Every figure is a Decimal computed from validated inputs in a validated
        # currency: the unchecked constructor skips checks that would only repeat.
        self.money = Money.of_decimal
        self.zero = Money.of_decimal(self.rnd(_ZERO), self.currency)

    def rnd(self, value: Decimal) -> Decimal:
        return value.quantize(self.exponent, rounding=self.rounding)

    def where(self) -> str:
        return f"SalesDocument {self.document.id!r}"

    # -- first pass: amounts before tax ------------------------------------------------------

    def rows(self, lines: tuple[LineItem, ...]) -> list[_Row]:
        """Each line's price, gross amount, amount after volume discount and manual discount."""
        # Locals, not attributes, inside the loop: this is the hot path.
        resolved = self.resolved
        entries = self.entries
        exponent = self.exponent
        rounding = self.rounding
        source = self.list_source
        simple = not self.at_unit
        campaign = self.campaign
        whole = QuantitySellingOption.WHOLE
        rows: list[_Row] = []
        for index, line in enumerate(lines, start=1):
            product, unit = resolved.get((line.product_id, line.unit)) or self._resolve(line)
            quantity = line.quantity
            if product.selling_option is whole:
                product.check_quantity(quantity)
            if simple and line.locked is None and line.price_override is None:
                # A price-list price, the line total rounded once.
                entry = entries.get((product.id, unit)) or self._entry(product, unit)
                rules = entry.rules
                ruled = None
                price = entry.price
                if rules is not None:
                    # Inline (hot): lines passing the same band bounds share an outcome (with
                    # free goods the keys also hold the quantity: this lookup misses, _ruled finds).
                    key = bisect_right(rules.lows, quantity) * rules.width + bisect_left(
                        rules.highs, quantity
                    )
                    ruled = entry.outcomes.get(key) or self._ruled(entry, rules, quantity)
                    price = ruled.price
                gross = (quantity * price).quantize(exponent, rounding)
                amount = gross
                volume = _ZERO
                if entry.discount_list is not None:
                    volume = entry.discount_list.discount_total(price, quantity)
                    if volume:
                        amount = (quantity * price - volume).quantize(exponent, rounding)
                steps = entry.steps if ruled is None else ruled.steps
                row = _Row(index, line, product, unit, price, source, steps, gross, amount)
                row.volume = volume
                row.campaign = campaign
                if entry.warnings or entry.caps or (ruled is not None and ruled.notes):
                    self._annotate(row, entry, ruled)
            else:
                row = self._special_row(index, line, product, unit)
            if line.manual_discount is not None:
                row.manual = self._manual(row, line.manual_discount)
            rows.append(row)
        if self.free:
            rows.extend(self.free_rows(len(rows) + 1))
        return rows

    def _resolve(self, line: LineItem) -> tuple[Product, str]:
        product = self.catalog.product(line.product_id)
        unit = line.unit or product.default_unit
        product.unit_group.base_quantity(unit)
        found = self.resolved[(line.product_id, line.unit)] = (product, unit)
        return found

    def _entry(self, product: Product, unit: str) -> _Entry:
        if self.price_list is None:
            raise PricingError(
                obj="price_document",
                field="price_list",
                value=None,
                expected=f"a price list to price {product.id}/{unit}",
            )
        item = self.price_list.item(product.id, unit)
        priced = item.price(
            product,
            self.currency,
            negative_price=self.options.negative_price,
            price_list=self.price_list.name,
        )
        entry = self.entries[(product.id, unit)] = _Entry(item.discount_list, priced)
        if self.rules is not None:
            context = self.document.pricing_context
            candidates = self.rules.candidates(product, self.catalog, context, self.day)
            if not candidates:
                return entry
            entry.rules = CompiledRules(
                candidates,
                entry.price,
                product_id=product.id,
                exponent=_PRECISION[product.price_decimals],
                context=context,
                max_discount_percent=self.max_discount,
            )
            # A rule may lower the price below an amount band: check caps on every line.
            dl = entry.discount_list
            entry.caps = entry.caps or (dl is not None and dl.type is DiscountType.AMOUNT)
        return entry

    @staticmethod
    def _warnings(
        entry: _Entry, quantity: Decimal, price: Decimal | None = None
    ) -> tuple[PriceWarning, ...]:
        dl = entry.discount_list
        at = entry.price if price is None else price
        may_cap = entry.caps or (price is not None and dl is not None)
        if may_cap and dl is not None and dl.caps_at(at, quantity):
            return (*entry.warnings, PriceWarning.DISCOUNT_CAPPED)
        return entry.warnings

    def _special_row(self, index: int, line: LineItem, product: Product, unit: str) -> _Row:
        """A locked line, a price override or rounding at the unit price (the less common paths)."""
        quantity = line.quantity
        rnd = self.rnd
        locked = line.locked
        if locked is not None:
            if locked.quantity != quantity:
                raise ValidationError(
                    obj=self.where(),
                    field=f"lines[{index - 1}].quantity",
                    value=quantity,
                    expected=f"the locked quantity {plain(locked.quantity)} (unlock to reprice)",
                )
            price = locked.price_per_unit
            steps: tuple[str, ...] = (f"locked at {plain(price)}, amount {plain(locked.amount)}",)
            source = f"source document {self.document.source_id!r} (locked)"
            gross = rnd(quantity * (rnd(price) if self.at_unit else price))
            row = _Row(index, line, product, unit, price, source, steps, gross, locked.amount)
            row.volume = gross - locked.amount
            row.free_for = line.free_for
            return row
        if line.price_override is not None:
            self._same(line.price_override, index, "price_override")
            price = line.price_override.amount
            steps = (f"override {plain(price)}",)
            gross = rnd(quantity * (rnd(price) if self.at_unit else price))
            return _Row(index, line, product, unit, price, "manual override", steps, gross, gross)
        return self._list_row(index, line, product, unit)

    def _list_row(self, index: int, line: LineItem, product: Product, unit: str) -> _Row:
        """A price-list line with pricing rules, or rounded at the unit price."""
        quantity = line.quantity
        entry = self.entries.get((product.id, unit)) or self._entry(product, unit)
        ruled = None if entry.rules is None else self._ruled(entry, entry.rules, quantity)
        price = entry.price if ruled is None else ruled.price
        steps = entry.steps if ruled is None else ruled.steps
        row = _Row(index, line, product, unit, price, self.list_source, steps, _ZERO, _ZERO)
        self._amounts(row, entry.discount_list)
        row.campaign = self.campaign
        self._annotate(row, entry, ruled)
        return row

    def _annotate(self, row: _Row, entry: _Entry, ruled: _Ruled | None) -> None:
        """The row's warnings, the campaign of a campaign rule, and free goods earned."""
        row.warnings = self._warnings(entry, row.line.quantity, row.price)
        if ruled is None:
            return
        row.warnings = (*row.warnings, *ruled.outcome.warnings)
        row.campaign = ruled.outcome.campaign or row.campaign
        if ruled.outcome.free:
            self.free.extend((row.index, row.unit, *free) for free in ruled.outcome.free)

    def _amounts(self, row: _Row, discount_list: DiscountList | None) -> None:
        """Gross amount, amount after the volume discount and the exact volume discount."""
        rnd, price, quantity = self.rnd, row.price, row.line.quantity
        row.gross = rnd(quantity * (rnd(price) if self.at_unit else price))
        row.amount = row.gross
        if discount_list is None:
            return
        segments = discount_list.segments(price, quantity)
        row.volume = sum((units * off for units, off in segments), _ZERO)
        if self.at_unit:
            row.amount = rnd(sum((units * rnd(price - off) for units, off in segments), _ZERO))
        elif row.volume:
            row.amount = rnd(quantity * price - row.volume)

    @staticmethod
    def _ruled(entry: _Entry, rules: CompiledRules, quantity: Decimal) -> _Ruled:
        """The rules' outcome for the line, with the price steps joined (cached)."""
        # The rules that fit depend on the quantity only through the band bounds it passes
        # (the free goods on the quantity itself).
        bounds = bisect_right(rules.lows, quantity) * rules.width + bisect_left(
            rules.highs, quantity
        )
        key: object = (bounds, quantity) if rules.gives_free else bounds
        found = entry.outcomes.get(key)
        if found is None:
            outcome = rules.outcome(quantity)
            found = entry.outcomes[key] = _Ruled(outcome, (*entry.steps, *outcome.steps))
        return found

    def free_rows(self, first: int) -> list[_Row]:
        """A row at price 0 for each free-goods award, numbered from ``first``."""
        rows: list[_Row] = []
        for number, (earned_by, line_unit, rule, product_id, quantity) in enumerate(
            self.free, first
        ):
            product = self.catalog.product(product_id)
            unit = line_unit if rule.free_product is None else product.default_unit
            if self.price_list is None or not self.price_list.has_item(product_id, unit):
                raise PricingError(
                    obj=f"PricingRule {rule.name!r}",
                    field="free_product",
                    value=f"{product_id}/{unit}",
                    expected="a product with a price on the price list (free goods show their price)",
                )
            item = self.price_list.item(product_id, unit)
            listed = item.price(product, self.currency, negative_price=self.options.negative_price)
            line = LineItem(product_id, quantity, unit=unit)
            steps = (f"free under rule {rule.name!r} (list price {plain(listed.amount)})",)
            source = f"rule {rule.name!r}: free goods for line {earned_by}"
            row = _Row(number, line, product, unit, _ZERO, source, steps, _ZERO, _ZERO)
            row.free_for = earned_by
            rows.append(row)
        return rows

    def _manual(self, row: _Row, discount: Money) -> Decimal:
        self._same(discount, row.index, "manual_discount")
        given = discount.amount
        quantity = row.line.quantity
        manual = (quantity * given if self.per_unit_discount else given).quantize(
            self.exponent, self.rounding
        )
        if manual > row.amount:
            raise ValidationError(
                obj=self.where(),
                field=f"lines[{row.index - 1}].manual_discount",
                value=discount,
                expected=f"at most the line amount {plain(row.amount)} {self.currency}",
            )
        return manual

    def _same(self, money: Money, index: int, field: str) -> None:
        if money.currency != self.currency:
            raise ValidationError(
                obj=self.where(),
                field=f"lines[{index - 1}].{field}.currency",
                value=money.currency,
                expected=self.currency,
            )

    # -- header discount -----------------------------------------------------------------------

    def header(self, rows: list[_Row]) -> tuple[Decimal, Decimal]:
        """The detail amount and the header discount, both rounded."""
        document = self.document
        detail = sum((row.amount - row.manual for row in rows), _ZERO)
        if document.header_discount_percent is not None:
            header = self.rnd(detail * document.header_discount_percent / _HUNDRED)
        elif document.header_discount_amount is not None:
            header = self.rnd(document.header_discount_amount.amount)
        else:
            header = self.rnd(_ZERO)
        detail = self.rnd(detail)
        if header > detail:
            raise ValidationError(
                obj=self.where(),
                field="header_discount_amount",
                value=document.header_discount_amount,
                expected=f"at most the detail amount {plain(detail)} {self.currency}",
            )
        return detail, header

    def shares(self, rows: list[_Row], header: Decimal) -> list[Decimal]:
        """Each line's share of the header discount (largest remainder, in minor units)."""
        if not header:
            return [_ZERO] * len(rows)
        places = self.places
        weights = [int((row.amount - row.manual).scaleb(places)) for row in rows]
        units = allocate_units(int(header.scaleb(places)), weights)
        return [Decimal(u).scaleb(-places) for u in units]

    # -- second pass: tax and the priced line ---------------------------------------------------

    def priced_lines(self, rows: list[_Row], shares: list[Decimal]) -> tuple[PricedLine, ...]:
        """Tax each row and build its :class:`PricedLine`."""
        money = self.money
        currency = self.currency
        exponent = self.exponent
        rounding = self.rounding
        tax_after = self.tax_after
        policy = self.tax_policy
        labels = self.labels
        prices = self.prices
        zero = self.zero
        priced: list[PricedLine] = []
        for row, share in zip(rows, shares, strict=True):
            product_id = row.product.id
            net = row.amount - row.manual
            if row.line.tax_override is None:
                tax = policy.line_tax(product_id, net - share if tax_after else net)
                tax = tax.quantize(exponent, rounding)
                label = labels.get(product_id) or labels.setdefault(
                    product_id, policy.describe(product_id)
                )
            else:
                tax, label = self._tax_override(row)
            price = prices.get(row.price) or prices.setdefault(
                row.price, money(row.price, currency)
            )
            volume = row.gross - row.amount
            # Positional, in the order of _LINE_FIELDS (a test holds it to PricedLine's fields):
            # 19 keywords would take about twice as long to match on this hot path.
            priced.append(
                PricedLine(
                    row.index,
                    product_id,
                    row.unit,
                    row.line.quantity,
                    price,
                    row.source,
                    row.steps,
                    money(volume, currency) if volume else zero,
                    money(row.amount, currency),
                    money(row.manual, currency) if row.manual else zero,
                    money(share, currency) if share else zero,
                    money(tax, currency),
                    label,
                    money(net + tax, currency),
                    tax_after,
                    row.volume,
                    row.warnings,
                    row.campaign,
                    row.free_for,
                )
            )
        return tuple(priced)

    def _tax_override(self, row: _Row) -> tuple[Decimal, str]:
        override = row.line.tax_override
        if override is None:  # the caller checked; keeps mypy informed
            raise PricingError(obj="price_document", field="tax_override", value=None)
        self._same(override, row.index, "tax_override")
        return self.rnd(override.amount), "entered by hand"

    def priced_document(self, rows: list[_Row]) -> PricedDocument:
        """The priced lines and the document totals."""
        detail, header = self.header(rows)
        shares = self.shares(rows, header)
        lines = self.priced_lines(rows, shares)
        total_tax = sum([line.tax.amount for line in lines], _ZERO)
        freight = self.rnd(self.document.freight.amount if self.document.freight else _ZERO)
        pre_freight = detail - header
        money = self.money
        currency = self.currency
        return PricedDocument(
            document=self.document,
            price_list=None if self.price_list is None else self.price_list.name,
            options=self.options,
            lines=lines,
            detail_amount=money(detail, currency),
            header_discount=money(header, currency),
            pre_freight_amount=money(pre_freight, currency),
            freight=money(freight, currency),
            total_tax=money(total_tax, currency),
            total_amount=money(pre_freight + freight + total_tax, currency),
            price_list_choice=self.choice,
        )


def price_document(
    document: SalesDocument,
    catalog: Catalog,
    price_list: PriceList | None,
    options: PricingOptions | None = None,
    rules: PricingRules | None = None,
) -> PricedDocument:
    """Price every line and total of ``document`` (pure; no I/O).

    ``rules`` (promotions, see :class:`~crmcore.pricing.PricingRules`) change
    the price-list price of the lines they apply to, before the volume
    discount; free goods follow the document's lines at price 0.

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
    _check_currency(document, price_list)
    pricer = _Pricer(document, catalog, price_list, options, rules=rules)
    return pricer.priced_document(pricer.rows(document.lines))


def _campaign(document: SalesDocument, price_list: PriceList | None) -> str | None:
    """The campaign a campaign price list gives its lines (the document's, when it matched)."""
    context = document.pricing_context
    if price_list is None or not price_list.campaigns or context is None:
        return None
    return context.campaign if context.campaign in price_list.campaigns else None


def price_from_lists(
    document: SalesDocument,
    catalog: Catalog,
    price_lists: Iterable[PriceList],
    options: PricingOptions | None = None,
    *,
    on: date | None = None,
    default: str | None = None,
    rules: PricingRules | None = None,
) -> PricedDocument:
    """Choose the document's price list among ``price_lists``, then price it (with ``rules``).

    The choice is :func:`~crmcore.pricing.choose_price_list`'s: the
    document's ``price_list`` name, else the list that applies to the
    document's :class:`~crmcore.pricing.PricingContext` on the day (``on``,
    else the document's ``issued_on``) with the highest priority, the most
    conditions, the first name; else ``default``. The result's
    ``price_list_choice`` says why, and which other lists matched and lost.
    With no lists every line must be overridden or locked.

    >>> from crmcore.pricing import PriceListItem, UnitGroup
    >>> catalog = Catalog((Product("P1", "Widget", UnitGroup("each", "each"), "each"),))
    >>> old = PriceList("2025", "USD", (PriceListItem("P1", "each", amount=Money(9, "USD")),),
    ...                 valid_to=date(2025, 12, 31))
    >>> new = PriceList("2026", "USD", (PriceListItem("P1", "each", amount=Money(10, "USD")),),
    ...                 valid_from=date(2026, 1, 1))
    >>> quote = SalesDocument("Q1", "quote", "USD", (LineItem("P1", 2),), issued_on=date(2026, 2, 1))
    >>> priced = price_from_lists(quote, catalog, [old, new])
    >>> priced.price_list, priced.total_amount
    ('2026', Money('20.00', 'USD'))
    >>> priced.price_list_choice.explain()[1]
    "  '2025' does not apply: not valid on 2026-02-01 (valid … to 2025-12-31)"
    """
    lists = check.require_items(price_lists, PriceList, obj="price_from_lists", field="price_lists")
    options = options or PricingOptions()
    choice = None
    if lists:
        choice = choose_price_list(
            lists,
            on=document.issued_on if on is None else on,
            name=document.price_list,
            default=default,
            context=document.pricing_context,
        )
    chosen = None if choice is None else choice.price_list
    _check_currency(document, chosen)
    pricer = _Pricer(document, catalog, chosen, options, choice=choice, rules=rules)
    return pricer.priced_document(pricer.rows(document.lines))


def _check_currency(document: SalesDocument, price_list: PriceList | None) -> None:
    if price_list is not None and price_list.currency != document.currency:
        raise ValidationError(
            obj=f"SalesDocument {document.id!r}",
            field="currency",
            value=document.currency,
            expected=f"the price list's currency {price_list.currency}",
        )
