"""Pricing rules and promotions: discounts, fixed prices and free goods (private)."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

import attrs

from crmcore import _checks as check
from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money
from crmcore.pricing._catalog import Audience, Catalog, PriceWarning, Product, as_tuple, plain
from crmcore.pricing._selection import PricingContext, why_not

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_BRAND = 1_000  # closeness of a brand target (a product is 0, a group 1 + its distance)
_ANY = 2_000  # closeness of a rule on every product
_INFINITE = Decimal("Infinity")
_LOWEST = -_INFINITE


class RuleAction(enum.StrEnum):
    """What a pricing rule does to a line."""

    PERCENT_OFF = "percent_off"
    """``price × (1 − percent / 100)``."""
    AMOUNT_OFF = "amount_off"
    """``price − amount`` per unit, capped at the price (reported as ``DISCOUNT_CAPPED``)."""
    FIXED_PRICE = "fixed_price"
    """The price per unit is ``amount``."""
    FREE_QUANTITY = "free_quantity"
    """Buy ``buy``, get ``free_quantity`` of the same or ``free_product`` free, per full ``buy``."""


class Stacking(enum.StrEnum):
    """How a rule combines with the other rules that apply to the same line."""

    BEST_PRICE = "best_price"
    """Competes with the other best-price rules: the lowest price wins."""
    FIRST = "first"
    """Applies alone if it is the highest-priority exclusive rule."""
    CUMULATIVE = "cumulative"
    """Applies on top of the result, in priority order."""


class _Row:
    """A rule's bands, role and step texts, prepared once for the per-line work (a named row)."""

    __slots__ = (
        "best",
        "campaign",
        "cumulative",
        "exclusive",
        "factor",
        "free",
        "head",
        "high_amount",
        "high_quantity",
        "kind",
        "low_amount",
        "low_quantity",
        "percent",
        "rule",
        "stacked",
    )

    def __init__(self, rule: PricingRule) -> None:
        self.rule = rule
        self.free = rule.action is RuleAction.FREE_QUANTITY
        self.best = not self.free and rule.stacking is Stacking.BEST_PRICE
        self.cumulative = not self.free and rule.stacking is Stacking.CUMULATIVE
        self.exclusive = not self.free and not self.cumulative  # best price or first
        self.campaign = bool(rule.campaigns)
        self.kind = RuleAction.FREE_QUANTITY if self.free else rule.stacking
        self.stacked = (rule.priority, rule.stacking)
        self.low_quantity = rule.min_quantity
        self.high_quantity = rule.max_quantity
        self.low_amount = rule.min_amount
        self.high_amount = rule.max_amount
        # A cumulative percentage: its factor and the fixed parts of its step.
        self.factor = rule._factor
        self.percent = None
        if rule.action is RuleAction.PERCENT_OFF and rule.percent is not None:
            self.percent = f" − {plain(rule.percent)} % = "
        self.head = f"rule {rule.name!r} (cumulative): "


@attrs.frozen
class PricingRule(Audience):
    """A promotion: an action, the products it targets and when and for whom it applies.

    Targets: ``products``, ``product_groups`` (a group's sub-groups included,
    unless a rule on a closer group or on the product applies) and
    ``brands``; none of them: every product. Conditions, all of which must
    hold: the document's customer, group, territory, channel and campaign
    (as for price lists), validity dates, and quantity and amount bands
    (``min``/``max`` inclusive; the amount is quantity × list price).

    >>> rule = PricingRule("nowruz", RuleAction.PERCENT_OFF, percent=15, campaigns=("nowruz-1405",))
    >>> rule.percent, rule.campaigns, rule.stacking
    (Decimal('15'), ('nowruz-1405',), <Stacking.BEST_PRICE: 'best_price'>)
    >>> PricingRule("bad", RuleAction.FREE_QUANTITY, free_quantity=1)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: PricingRule 'bad'.buy: got None; expected a quantity > 0 to buy for each free_quantity
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    """The rule's name, unique in its :class:`PricingRules`."""
    action: RuleAction = attrs.field(converter=RuleAction)
    """What it does."""
    percent: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, 100, optional=True),
    )
    """Percentage off (``PERCENT_OFF``)."""
    amount: Money | None = attrs.field(
        default=None, validator=check.optional_money(non_negative=True)
    )
    """Amount off per unit (``AMOUNT_OFF``) or the fixed price (``FIXED_PRICE``)."""
    free_quantity: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Units given free per full ``buy`` (``FREE_QUANTITY``)."""
    buy: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Units to buy for each ``free_quantity`` (``FREE_QUANTITY``)."""
    free_product: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    """The product given free; None: the product bought."""
    priority: int = attrs.field(default=0, validator=check.in_range(-1000, 1000))
    """Higher first; equal priorities with different stacking are refused when both apply."""
    stacking: Stacking = attrs.field(default=Stacking.BEST_PRICE, converter=Stacking)
    """How it combines with other rules."""
    products: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str)
    )
    """Product ids targeted."""
    product_groups: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str)
    )
    """Product groups targeted (with their sub-groups)."""
    brands: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str)
    )
    """Brands targeted."""
    min_quantity: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Smallest line quantity (inclusive)."""
    max_quantity: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Largest line quantity (inclusive)."""
    min_amount: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Smallest line amount at list price (inclusive, document currency)."""
    max_amount: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
    )
    """Largest line amount at list price (inclusive, document currency)."""
    valid_from: date | None = attrs.field(default=None, validator=check.optional_date())
    """First day (inclusive)."""
    valid_to: date | None = attrs.field(default=None, validator=check.optional_date())
    """Last day (inclusive)."""
    _unconditional: bool = attrs.field(init=False, repr=False, eq=False, hash=False)
    _factor: Decimal = attrs.field(init=False, repr=False, eq=False, hash=False)
    _row: _Row = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        where = f"PricingRule {self.name!r}"
        # No customer, group, territory, channel, campaign or date condition: the
        # document-level check can be skipped (a speed-up for large rule sets).
        conditions = (self.customers, self.customer_groups, self.territories, self.channels)
        unconditional = not any((*conditions, self.campaigns, self.valid_from, self.valid_to))
        object.__setattr__(self, "_unconditional", unconditional)
        # 1 − percent / 100, computed once (a Decimal division per line is not free).
        factor = 1 - (self.percent or _ZERO) / _HUNDRED
        object.__setattr__(self, "_factor", factor)
        object.__setattr__(self, "_row", _Row(self))
        needs = {
            RuleAction.PERCENT_OFF: ("percent", "a percentage 0-100"),
            RuleAction.AMOUNT_OFF: ("amount", "a Money amount off per unit"),
            RuleAction.FIXED_PRICE: ("amount", "a Money price per unit"),
            RuleAction.FREE_QUANTITY: ("free_quantity", "a quantity > 0 given free"),
        }
        field, expected = needs[self.action]
        value = getattr(self, field)
        if value is None or (field == "free_quantity" and value <= 0):
            raise ValidationError(obj=where, field=field, value=value, expected=expected)
        if self.action is RuleAction.FREE_QUANTITY and (self.buy is None or self.buy <= 0):
            raise ValidationError(
                obj=where,
                field="buy",
                value=self.buy,
                expected="a quantity > 0 to buy for each free_quantity",
            )
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                obj=where, field="valid_to", value=self.valid_to, expected=">= valid_from"
            )

    def applies_on(self, day: date) -> bool:
        """Whether ``day`` is within the validity dates."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )

    def closeness(self, product: Product, catalog: Catalog) -> int | None:
        """How closely the rule targets ``product`` (0: by id; 1 + distance: by group), or None."""
        if not (self.products or self.product_groups or self.brands):
            return _ANY
        if product.id in self.products:
            return 0
        if product.group is not None and self.product_groups:
            for distance, group in enumerate(catalog.group_path(product.group)):
                if group in self.product_groups:
                    return 1 + distance
        if product.brand is not None and product.brand in self.brands:
            return _BRAND
        return None

    def fits(self, quantity: Decimal, amount: Decimal) -> bool:
        """Whether the line's quantity and amount (at list price) are within the bands."""
        return (
            (self.min_quantity is None or quantity >= self.min_quantity)
            and (self.max_quantity is None or quantity <= self.max_quantity)
            and (self.min_amount is None or amount >= self.min_amount)
            and (self.max_amount is None or amount <= self.max_amount)
        )

    def new_price(self, price: Decimal) -> tuple[Decimal, str, bool]:
        """The price after this rule, the step that says so and whether it was capped."""
        result, capped = self.price_after(price)
        return result, self._step(price, result, capped), capped

    def price_after(self, price: Decimal) -> tuple[Decimal, bool]:
        """The price after this rule and whether an amount off was capped at the price."""
        if self.action is RuleAction.PERCENT_OFF:
            return price * self._factor, False
        amount = _ZERO if self.amount is None else self.amount.amount
        if self.action is RuleAction.FIXED_PRICE:
            return amount, False
        capped = amount > price
        return (_ZERO if capped else price - amount), capped

    def _step(self, price: Decimal, result: Decimal, capped: bool) -> str:
        if self.action is RuleAction.PERCENT_OFF and self.percent is not None:
            return f"{plain(price)} − {plain(self.percent)} % = {plain(result)}"
        amount = _ZERO if self.amount is None else self.amount.amount
        if self.action is RuleAction.FIXED_PRICE:
            return f"fixed price {plain(amount)}"
        note = " (capped at the price)" if capped else ""
        return f"{plain(price)} − {plain(amount)} = {plain(result)}{note}"


@attrs.frozen
class PricingRules:
    """The promotions in force, and a guard: the largest discount a line may get from them.

    >>> rules = PricingRules((PricingRule("a", "percent_off", percent=10),
    ...                       PricingRule("a", "percent_off", percent=5)))
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: PricingRules.rules: got 'a'; expected unique rule names
    """

    rules: tuple[PricingRule, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(PricingRule)
    )
    """The rules."""
    max_line_discount_percent: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, 100, optional=True),
    )
    """At most this percentage off the list price from rules (``DISCOUNT_LIMITED`` when hit)."""
    _index: dict[tuple[str, str], tuple[tuple[int, PricingRule], ...]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _named: tuple[frozenset[str], frozenset[str]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        index: dict[tuple[str, str], list[tuple[int, PricingRule]]] = {}
        # Each rule's rank in priority order (highest first, then name), sorted once.
        ordered = sorted(self.rules, key=lambda r: (-r.priority, r.name))
        rank = {id(r): i for i, r in enumerate(ordered)}
        for rule in self.rules:
            if rule.name in seen:
                raise ValidationError(
                    obj="PricingRules", field="rules", value=rule.name, expected="unique rule names"
                )
            seen.add(rule.name)
            # Index each rule under every target it names, so a product looks up only its own.
            keys = [("product", p) for p in rule.products]
            keys += [("group", g) for g in rule.product_groups]
            keys += [("brand", b) for b in rule.brands]
            if rule.brands:  # also reached by brand: candidates() must see it on every group
                keys += [("group+brand", g) for g in rule.product_groups]
            for key in keys or [("any", "")]:
                index.setdefault(key, []).append((rank[id(rule)], rule))
        object.__setattr__(self, "_index", {k: tuple(v) for k, v in index.items()})
        # The products (free goods too) and groups the rules name, for check().
        products = {p for rule in self.rules for p in rule.products}
        products.update(r.free_product for r in self.rules if r.free_product is not None)
        groups = frozenset(g for rule in self.rules for g in rule.product_groups)
        object.__setattr__(self, "_named", (frozenset(products), groups))

    def targeting(self, product: Product, catalog: Catalog) -> tuple[PricingRule, ...]:
        """The rules that name ``product``, one of its groups or its brand, or every product."""
        keys = [("product", product.id), ("any", "")]
        if product.group is not None:
            keys += [("group", g) for g in catalog.group_path(product.group)]
        if product.brand is not None:
            keys.append(("brand", product.brand))
        found: dict[str, PricingRule] = {}
        for key in keys:
            for _, rule in self._index.get(key, ()):
                found[rule.name] = rule
        return tuple(found.values())

    def check(self, catalog: Catalog) -> None:
        """Refuse a rule naming a product or group the catalog does not have."""
        products, groups = self._named
        if all(map(catalog.has_product, products)) and all(map(catalog.has_group, groups)):
            return  # every name known: one look-up per distinct name (checked per document)
        for rule in self.rules:
            where = f"PricingRule {rule.name!r}"
            for field, known in (
                ("products", catalog.has_product),
                ("product_groups", catalog.has_group),
            ):
                for value in getattr(rule, field):
                    if not known(value):
                        raise ValidationError(
                            obj=where, field=field, value=value, expected="one of the catalog's"
                        )
            if rule.free_product is not None and not catalog.has_product(rule.free_product):
                raise ValidationError(
                    obj=where,
                    field="free_product",
                    value=rule.free_product,
                    expected="a product of the catalog",
                )

    def candidates(
        self,
        product: Product,
        catalog: Catalog,
        context: PricingContext | None,
        on: date | None,
    ) -> tuple[PricingRule, ...]:
        """The rules that may apply to ``product`` for ``context`` on ``on``, in priority order.

        A group rule is dropped when a rule on the product or on a closer
        group applies. The order is by priority (highest first), then name.
        """
        # Each applying rule by its rank, with its closeness: the keys come closest first, so
        # a rule named under several keys keeps its closest (what PricingRule.closeness says).
        found: dict[int, tuple[int, PricingRule]] = {}
        closest: int | None = None
        for key, closeness in _keys(product, catalog):
            if closest is not None and closeness < _BRAND:
                # A group beyond the closest: its rules are dropped; only those that name a
                # brand too need their (far) closeness noted, or the brand key would keep them.
                key = ("group+brand", key[1])  # noqa: PLW2901
            for rank, rule in self._index.get(key, ()):
                if rank not in found and (
                    rule._unconditional or why_not(rule, context, on) is None
                ):
                    found[rank] = (closeness, rule)
                    if closest is None and closeness < _BRAND:
                        closest = closeness
        return tuple(
            rule
            for closeness, rule in (found[rank] for rank in sorted(found))
            if closeness >= _BRAND or closeness == closest
        )


def _keys(product: Product, catalog: Catalog) -> list[tuple[tuple[str, str], int]]:
    """The index keys that can name ``product``, each with its closeness, closest first."""
    keys = [(("product", product.id), 0)]
    if product.group is not None:
        path = catalog.group_path(product.group)
        keys += [(("group", g), 1 + distance) for distance, g in enumerate(path)]
    if product.brand is not None:
        keys.append((("brand", product.brand), _BRAND))
    keys.append((("any", ""), _ANY))
    return keys


@attrs.frozen
class RuleOutcome:
    """What the rules did to one line: the price, the steps, warnings, campaign and free goods."""

    price: Decimal
    """Price per unit after the rules (pricing precision)."""
    steps: tuple[str, ...]
    """One step per rule applied."""
    warnings: tuple[PriceWarning, ...] = ()
    """``DISCOUNT_CAPPED`` or ``DISCOUNT_LIMITED`` when they happened."""
    campaign: str | None = None
    """The campaign of a campaign rule that applied."""
    free: tuple[tuple[PricingRule, str, Decimal], ...] = ()
    """(rule, product id, quantity) of free goods earned."""


def apply_rules(
    candidates: Iterable[PricingRule],
    price: Decimal,
    quantity: Decimal,
    *,
    product_id: str,
    exponent: Decimal,
    context: PricingContext | None = None,
    max_discount_percent: Decimal | None = None,
) -> RuleOutcome:
    """Apply the rules that fit ``quantity`` to a list ``price`` (rules in priority order).

    The first exclusive rule (``FIRST`` or ``BEST_PRICE``) in priority order
    decides: a ``FIRST`` rule applies alone; a ``BEST_PRICE`` rule gives the
    lowest price of every best-price rule that fits. ``CUMULATIVE`` rules
    then apply on top, in order. Free-goods rules always add their goods.
    Two rules that fit with equal priority and different stacking are
    refused. The result is taken to the pricing precision (``exponent``,
    half-up) and never below ``max_discount_percent`` off the list price.
    """
    amount = quantity * price
    fitting = [r for r in candidates if r.fits(quantity, amount)]
    _refuse_conflicts(fitting, product_id)
    pricing = [r for r in fitting if r.action is not RuleAction.FREE_QUANTITY]
    steps: list[str] = []
    warnings: list[PriceWarning] = []
    result = _exclusive(pricing, price, steps, warnings)
    for rule in pricing:
        if rule.stacking is Stacking.CUMULATIVE:
            result, step, capped = rule.new_price(result)
            steps.append(f"rule {rule.name!r} (cumulative): {step}")
            if capped:
                warnings.append(PriceWarning.DISCOUNT_CAPPED)
    if max_discount_percent is not None:
        floor = price * (1 - max_discount_percent / _HUNDRED)
        if result < floor:
            result = floor
            warnings.append(PriceWarning.DISCOUNT_LIMITED)
            steps.append(f"limited to {plain(max_discount_percent)} % off: {plain(floor)}")
    final = result.quantize(exponent, ROUND_HALF_UP)
    if final != result:
        steps.append(f"to pricing precision: {plain(final)}")
    free = tuple(
        _free_goods(r, product_id, quantity, steps)
        for r in fitting
        if r.action is RuleAction.FREE_QUANTITY and _earns(r, quantity)
    )
    applied = [r for r in fitting if r.campaigns]
    campaign = context.campaign if applied and context is not None else None
    return RuleOutcome(final, tuple(steps), tuple(warnings), campaign, free)


def _refuse_conflicts(fitting: list[PricingRule], product_id: str) -> None:
    for first, second in itertools.pairwise(fitting):
        if first.priority == second.priority and first.stacking is not second.stacking:
            raise PricingError(
                obj=f"PricingRule {second.name!r}",
                field="stacking",
                value=str(second.stacking),
                expected=(
                    f"the stacking of {first.name!r} ({first.stacking}), which has the same "
                    f"priority {first.priority} and also applies to {product_id!r}; "
                    "give them different priorities or the same stacking"
                ),
            )


def _exclusive(
    pricing: list[PricingRule], price: Decimal, steps: list[str], warnings: list[PriceWarning]
) -> Decimal:
    lead = next((r for r in pricing if r.stacking is not Stacking.CUMULATIVE), None)
    if lead is None:
        return price
    if lead.stacking is Stacking.FIRST:
        result, step, capped = lead.new_price(price)
        steps.append(f"rule {lead.name!r} (first by priority): {step}")
    else:
        offers = [(r, *r.price_after(price)) for r in pricing if r.stacking is Stacking.BEST_PRICE]
        best = min(range(len(offers)), key=lambda i: offers[i][1])  # first of equal prices
        rule, result, capped = offers[best]
        step = rule._step(price, result, capped)
        why = "best price"
        if len(offers) > 1:
            # The runner-up says why this rule won (one name, not every offer: speed).
            others = offers[:best] + offers[best + 1 :]
            runner, second, _ = min(others, key=lambda offer: offer[1])
            why = f"best price of {len(offers)}; next {runner.name!r} {plain(second)}"
        steps.append(f"rule {rule.name!r} ({why}): {step}")
    if capped:
        warnings.append(PriceWarning.DISCOUNT_CAPPED)
    return result


def _earns(rule: PricingRule, quantity: Decimal) -> bool:
    return rule.action is RuleAction.FREE_QUANTITY and rule.buy is not None and quantity >= rule.buy


def _free_goods(
    rule: PricingRule, product_id: str, quantity: Decimal, steps: list[str]
) -> tuple[PricingRule, str, Decimal]:
    buy = rule.buy or Decimal(1)
    per = rule.free_quantity or _ZERO
    lots = (quantity / buy).to_integral_value(rounding=ROUND_FLOOR)
    free = lots * per
    target = rule.free_product or product_id
    steps.append(
        f"rule {rule.name!r}: buy {plain(buy)} get {plain(per)} {target} free: "
        f"{plain(lots)} × {plain(per)} = {plain(free)} free"
    )
    return rule, target, free


class CompiledRules:
    """A product's candidate rules at its list price, prepared once per document.

    :meth:`outcome` gives exactly what :func:`apply_rules` gives for the
    same rules, price and settings, doing per line only what depends on the
    quantity: the band checks, the cumulative arithmetic and the steps. The
    bands' bounds in quantity (:attr:`lows`, :attr:`highs`) let the pricing
    engine share an outcome between lines that pass the same bounds.

    >>> rules = [PricingRule("a", "percent_off", percent=10, priority=1, min_quantity=10),
    ...          PricingRule("b", "percent_off", percent=5, stacking="cumulative")]
    >>> compiled = CompiledRules(rules, Decimal(200), product_id="P1", exponent=Decimal("0.01"))
    >>> compiled.outcome(Decimal(12)).steps
    ("rule 'a' (best price): 200 − 10 % = 180.0", "rule 'b' (cumulative): 180.0 − 5 % = 171.000")
    >>> compiled.lows, compiled.highs
    ((Decimal('10'),), ())
    """

    __slots__ = (
        "campaign",
        "capped",
        "conflicts",
        "cumulates",
        "exponent",
        "floor",
        "gives_free",
        "highs",
        "leads",
        "limit",
        "lows",
        "offers",
        "price",
        "product_id",
        "rows",
        "width",
    )

    def __init__(
        self,
        candidates: Iterable[PricingRule],
        price: Decimal,
        *,
        product_id: str,
        exponent: Decimal,
        context: PricingContext | None = None,
        max_discount_percent: Decimal | None = None,
    ) -> None:
        rules = tuple(candidates)
        self.rows = tuple(rule._row for rule in rules)
        self.price = price
        self.product_id = product_id
        self.exponent = exponent
        self.campaign = None if context is None else context.campaign
        self.limit = max_discount_percent
        self.floor = None
        if max_discount_percent is not None:
            self.floor = price * (1 - max_discount_percent / _HUNDRED)
        # Two rules of one priority with different stacking may conflict on some line.
        self.conflicts = len({row.stacked for row in self.rows}) != len({r.priority for r in rules})
        kinds = {row.kind for row in self.rows}
        self.gives_free = RuleAction.FREE_QUANTITY in kinds
        self.cumulates = Stacking.CUMULATIVE in kinds
        # What each exclusive rule makes of the list price: the same on every line.
        self.offers: dict[_Row, Decimal] = {}
        self.capped: set[_Row] = set()
        for row in self.rows:
            if row.percent is not None and row.exclusive:
                self.offers[row] = price * row.factor  # PricingRule.price_after, inline
            elif row.exclusive:
                self.offers[row], capped = row.rule.price_after(price)
                if capped:
                    self.capped.add(row)
        self.leads: dict[_Row, tuple[str, str]] = {}  # each exclusive step around its why
        self.lows, self.highs = _cuts(self.rows, price)
        self.width = len(self.highs) + 1

    def outcome(self, quantity: Decimal) -> RuleOutcome:
        """What the rules do to a line of ``quantity`` (as :func:`apply_rules`)."""
        amount = quantity * self.price
        # None checks first: an open band costs no Decimal comparison.
        fitting = [
            row
            for row in self.rows
            if (row.low_quantity is None or row.low_quantity <= quantity)
            and (row.high_quantity is None or quantity <= row.high_quantity)
            and (row.low_amount is None or row.low_amount <= amount)
            and (row.high_amount is None or amount <= row.high_amount)
        ]
        if self.conflicts:
            _refuse_conflicts([row.rule for row in fitting], self.product_id)
        steps: list[str] = []
        warnings: list[PriceWarning] = []
        result = self._exclusive(fitting, steps, warnings)
        if self.cumulates:
            result = _cumulate(fitting, result, steps, warnings)
        if self.floor is not None and result < self.floor:
            result = self.floor
            warnings.append(PriceWarning.DISCOUNT_LIMITED)
            steps.append(f"limited to {self.limit:f} % off: {result:f}")
        final = result.quantize(self.exponent, ROUND_HALF_UP)
        if final != result:
            steps.append(f"to pricing precision: {final:f}")
        free: tuple[tuple[PricingRule, str, Decimal], ...] = ()
        if self.gives_free:
            free = tuple(
                _free_goods(row.rule, self.product_id, quantity, steps)
                for row in fitting
                if row.free and _earns(row.rule, quantity)
            )
        campaign = None
        if self.campaign is not None and any(row.campaign for row in fitting):
            campaign = self.campaign
        return RuleOutcome(final, tuple(steps), tuple(warnings), campaign, free)

    def _exclusive(
        self, fitting: list[_Row], steps: list[str], warnings: list[PriceWarning]
    ) -> Decimal:
        """As :func:`_exclusive`, with each rule's offer at the list price computed once."""
        for lead in fitting:
            if lead.exclusive:
                break
        else:
            return self.price
        offers = self.offers
        chosen = lead
        why = "first by priority"
        if lead.best:
            best = [row for row in fitting if row.best]
            why = "best price"
            if len(best) > 1:
                # A stable sort: the first of equal prices wins, as in apply_rules.
                chosen, runner = sorted(best, key=offers.__getitem__)[:2]
                why = f"best price of {len(best)}; next {runner.rule.name!r} {offers[runner]:f}"
        result = offers[chosen]
        capped = chosen in self.capped
        parts = self.leads.get(chosen) or self.leads.setdefault(
            chosen,
            (f"rule {chosen.rule.name!r} (", f"): {chosen.rule._step(self.price, result, capped)}"),
        )
        steps.append(parts[0] + why + parts[1])
        if capped:
            warnings.append(PriceWarning.DISCOUNT_CAPPED)
        return result


def _cumulate(
    fitting: list[_Row], price: Decimal, steps: list[str], warnings: list[PriceWarning]
) -> Decimal:
    """The cumulative rules that fit, applied in order on ``price`` (as in apply_rules)."""
    for row in fitting:
        if not row.cumulative:
            continue
        if row.percent is not None:
            after = price * row.factor
            steps.append(f"{row.head}{price:f}{row.percent}{after:f}")
            price = after
            continue
        price, step, capped = row.rule.new_price(price)
        steps.append(row.head + step)
        if capped:
            warnings.append(PriceWarning.DISCOUNT_CAPPED)
    return price


def _cuts(
    rows: tuple[_Row, ...], price: Decimal
) -> tuple[tuple[Decimal, ...], tuple[Decimal, ...]]:
    """Sorted lower and upper quantity bounds of ``rows`` at list ``price`` (amount bands too).

    Which rules fit a quantity ``q`` depends only on how many lower bounds
    are ``<= q`` and how many upper bounds are ``< q``. At price 0 the
    amount is 0 whatever the quantity: an amount band then cuts nowhere.
    """
    # Sets: a bound named by several rules is one cut (one division, fewer comparisons).
    lows = {row.low_quantity for row in rows if row.low_quantity is not None}
    highs = {row.high_quantity for row in rows if row.high_quantity is not None}
    if price:
        lows.update(a / price for a in {row.low_amount for row in rows} if a is not None)
        highs.update(a / price for a in {row.high_amount for row in rows} if a is not None)
    return tuple(sorted(lows)), tuple(sorted(highs))
