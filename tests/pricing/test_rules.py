"""Issue 16, item 2: pricing rules and promotions, hand-checked, and their properties."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DocumentKind,
    LineItem,
    PriceList,
    PriceListItem,
    PriceWarning,
    PricingContext,
    PricingRule,
    PricingRules,
    Product,
    ProductGroup,
    RuleAction,
    RuleOutcome,
    SalesDocument,
    Stacking,
    UnitGroup,
    activate_quote,
    apply_rules,
    price_document,
    why_not,
    win_quote,
)
from crmcore.pricing._rules import CompiledRules

D = Decimal
IRR = "IRR"
EACH = UnitGroup("each", "each")
# drinks ⊃ dairy ⊃ doogh; soda sits in drinks itself.
GROUPS = (ProductGroup("drinks"), ProductGroup("dairy", "drinks"), ProductGroup("doogh", "dairy"))
CATALOG = Catalog(
    (
        Product("DOOGH", "Doogh", EACH, "each", price_decimals=0, group="doogh", brand="Abali"),
        Product("SODA", "Soda", EACH, "each", price_decimals=0, group="drinks", brand="Zamzam"),
        Product("CUP", "Cup", EACH, "each", price_decimals=0),
        Product("STRAW", "Straw", EACH, "each", price_decimals=0),
    ),
    GROUPS,
)
LIST = PriceList(
    "irr",
    IRR,
    tuple(
        PriceListItem(pid, "each", amount=Money(price, IRR))
        for pid, price in (("DOOGH", 200_000), ("SODA", 150_000), ("CUP", 50_000))
    ),
)


def _rule(name: str, action: str, **kw: object) -> PricingRule:
    return PricingRule(name, action, **kw)  # type: ignore[arg-type]


def _price(*rules: PricingRule, qty: int = 1, product: str = "DOOGH", **doc: object) -> object:
    quote = SalesDocument("Q", "quote", IRR, (LineItem(product, qty),), **doc)  # type: ignore[arg-type]
    return price_document(quote, CATALOG, LIST, rules=PricingRules(rules)).lines  # type: ignore[attr-defined]


def _unit_price(*rules: PricingRule, **kw: object) -> Decimal:
    return _price(*rules, **kw)[0].price_per_unit.amount  # type: ignore[index]


# -- each rule kind (list price of DOOGH: 200,000 rials) -----------------------------------------


def test_each_rule_kind_by_hand() -> None:
    # 15 % off: 200,000 × 0.85 = 170,000.
    assert _unit_price(_rule("pct", "percent_off", percent=15)) == 170_000
    # 30,000 off: 170,000.
    assert _unit_price(_rule("amt", "amount_off", amount=Money(30_000, IRR))) == 170_000
    # A fixed price of 150,000.
    assert _unit_price(_rule("fix", "fixed_price", amount=Money(150_000, IRR))) == 150_000
    # 250,000 off a 200,000 price is capped at the price and reported.
    line = _price(_rule("big", "amount_off", amount=Money(250_000, IRR)))[0]  # type: ignore[index]
    assert line.price_per_unit.amount == 0
    assert line.warnings == (PriceWarning.DISCOUNT_CAPPED,)


def test_buy_n_get_m_of_the_same_or_another_product() -> None:
    # Buy 10 get 1: 25 doogh earn floor(25 / 10) × 1 = 2 free doogh, priced 0, after the lines.
    lines = _price(_rule("b10g1", "free_quantity", buy=10, free_quantity=1), qty=25)
    assert len(lines) == 2  # type: ignore[arg-type]
    paid, free = lines  # type: ignore[misc]
    assert paid.amount == Money(5_000_000, IRR)  # 25 × 200,000: the bought units keep their price
    assert (free.product_id, free.quantity, free.free_for) == ("DOOGH", 2, 1)
    assert free.amount == Money(0, IRR)
    assert "list price 200000" in free.explain()[2]
    # Buy 6 doogh get 2 cups: 13 doogh → floor(13 / 6) = 2 lots × 2 = 4 cups.
    lines = _price(
        _rule("cups", "free_quantity", buy=6, free_quantity=2, free_product="CUP"), qty=13
    )
    assert [(p.product_id, p.quantity) for p in lines] == [("DOOGH", 13), ("CUP", 4)]  # type: ignore[attr-defined]
    # 5 doogh earn nothing.
    assert len(_price(_rule("b10g1", "free_quantity", buy=10, free_quantity=1), qty=5)) == 1  # type: ignore[arg-type]


# -- stacking -------------------------------------------------------------------------------------


def test_best_price_wins_among_best_price_rules() -> None:
    # 10 % → 180,000; 25,000 off → 175,000; the lower wins.
    ten = _rule("ten", "percent_off", percent=10)
    flat = _rule("flat", "amount_off", amount=Money(25_000, IRR))
    line = _price(ten, flat)[0]  # type: ignore[index]
    assert line.price_per_unit.amount == 175_000
    assert "rule 'flat' (best price of 2; next 'ten' 180000.0): 200000 − 25000 = 175000" in (
        line.price_steps
    )


def test_first_by_priority_applies_alone() -> None:
    # A priority-5 "first" 10 % beats a priority-0 best-price 25,000 off: 180,000.
    first = _rule("first", "percent_off", percent=10, priority=5, stacking="first")
    flat = _rule("flat", "amount_off", amount=Money(25_000, IRR))
    assert _unit_price(first, flat) == 180_000


def test_cumulative_rules_apply_on_top_in_priority_order() -> None:
    # Exclusive 10 % (priority 5) → 180,000; then cumulative 5,000 off (priority 1) → 175,000;
    # then cumulative 10 % (priority 0) → 157,500.
    base = _rule("base", "percent_off", percent=10, priority=5)
    minus = _rule(
        "minus", "amount_off", amount=Money(5_000, IRR), priority=1, stacking="cumulative"
    )
    more = _rule("more", "percent_off", percent=10, stacking="cumulative")
    assert _unit_price(more, minus, base) == 157_500


def test_the_guard_limits_the_discount_of_a_line() -> None:
    # 15 % then 10 % cumulative = 23.5 % off; the guard allows 20 %: 160,000.
    a = _rule("a", "percent_off", percent=15, priority=1)
    b = _rule("b", "percent_off", percent=10, stacking="cumulative")
    quote = SalesDocument("Q", "quote", IRR, (LineItem("DOOGH", 1),))
    rules = PricingRules((a, b), max_line_discount_percent=20)
    line = price_document(quote, CATALOG, LIST, rules=rules).lines[0]
    assert line.price_per_unit == Money(160_000, IRR)
    assert line.warnings == (PriceWarning.DISCOUNT_LIMITED,)


def test_equal_priority_and_conflicting_stacking_is_refused() -> None:
    best = _rule("best", "percent_off", percent=10)
    cumul = _rule("cumul", "percent_off", percent=5, stacking="cumulative")
    with pytest.raises(PricingError) as info:
        _price(best, cumul)
    assert info.value.field == "stacking"
    assert "'best'" in str(info.value)
    assert "'cumul'" in str(info.value)


# -- targets and conditions ------------------------------------------------------------------------


def test_group_rules_inherit_down_the_tree_unless_a_closer_rule_exists() -> None:
    drinks = _rule("drinks5", "percent_off", percent=5, product_groups=("drinks",))
    dairy = _rule("dairy10", "percent_off", percent=10, product_groups=("dairy",))
    # Soda is in drinks: 150,000 × 0.95 = 142,500.
    assert _unit_price(drinks, dairy, product="SODA") == 142_500
    # Doogh is in doogh ⊂ dairy ⊂ drinks: the dairy rule is closer, so drinks5 is dropped
    # (a best-price contest would have given the same 10 %; a FIRST drinks rule shows it):
    drinks_first = attrs.evolve(drinks, stacking=Stacking.FIRST, priority=3)
    assert _unit_price(drinks_first, dairy) == 180_000
    # Only the drinks rule: it reaches doogh through dairy: 190,000.
    assert _unit_price(drinks) == 190_000
    # A rule on the product itself is closer still: 20 % → 160,000.
    own = _rule("own", "percent_off", percent=20, products=("DOOGH",), priority=3, stacking="first")
    assert _unit_price(dairy, own) == 160_000
    # Not in the tree at all: the cup keeps 50,000.
    assert _unit_price(drinks, product="CUP") == 50_000
    # A farther group rule that also names doogh's brand is as close as its group (3), not a
    # brand rule: dairy10 (2) is closer and drops it. 200,000 × 0.9 = 180,000 (kept, its 20 %
    # would win the best-price contest: 160,000).
    far = _rule("far20", "percent_off", percent=20, product_groups=("drinks",), brands=("Abali",))
    assert _unit_price(far, dairy) == 180_000
    assert _unit_price(far) == 160_000  # alone, it reaches doogh


def test_brand_customer_territory_campaign_and_bands() -> None:
    abali = _rule("abali", "percent_off", percent=12, brands=("Abali",))
    assert _unit_price(abali) == 176_000  # 200,000 × 0.88
    assert _unit_price(abali, product="SODA") == 150_000  # another brand
    gold = _rule("gold", "percent_off", percent=10, customer_groups=("gold",))
    assert _unit_price(gold) == 200_000
    assert _unit_price(gold, pricing_context=PricingContext(customer_group="gold")) == 180_000
    north = _rule("north", "percent_off", percent=10, territories=("north",))
    assert _unit_price(north, pricing_context=PricingContext(territory="south")) == 200_000
    # Campaign "15 % until 30 Esfand 1404 (2026-03-20)": the line carries the campaign.
    esfand = _rule(
        "esfand", "percent_off", percent=15, campaigns=("esfand",), valid_to=date(2026, 3, 20)
    )
    ctx = PricingContext(campaign="esfand")
    line = _price(esfand, pricing_context=ctx, issued_on=date(2026, 3, 20))[0]  # type: ignore[index]
    assert (line.price_per_unit.amount, line.campaign) == (170_000, "esfand")
    line = _price(esfand, pricing_context=ctx, issued_on=date(2026, 3, 21))[0]  # type: ignore[index]
    assert (line.price_per_unit.amount, line.campaign) == (200_000, None)
    # Quantity band 10-19 and amount band from 3,000,000 (15 × 200,000 = 3,000,000).
    band = _rule("band", "percent_off", percent=5, min_quantity=10, max_quantity=19)
    assert [_unit_price(band, qty=q) for q in (9, 10, 19, 20)] == [
        200_000,
        190_000,
        190_000,
        200_000,
    ]
    big = _rule("big", "percent_off", percent=5, min_amount=3_000_000)
    assert [_unit_price(big, qty=q) for q in (14, 15)] == [200_000, 190_000]


def test_explanations_name_every_rule_applied() -> None:
    pct = _rule("nowruz", "percent_off", percent=15)
    steps = _price(pct)[0].explain()  # type: ignore[index]
    assert "  rule 'nowruz' (best price): 200000 − 15 % = 170000.00" in steps


# -- refusals ---------------------------------------------------------------------------------


def test_unknown_targets_cycles_and_free_goods_without_a_price_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        _price(_rule("x", "percent_off", percent=5, products=("NOPE",)))
    assert (info.value.field, info.value.value) == ("products", "NOPE")
    with pytest.raises(ValidationError) as info:
        _price(_rule("x", "percent_off", percent=5, product_groups=("toys",)))
    assert (info.value.field, info.value.value) == ("product_groups", "toys")
    with pytest.raises(ValidationError) as info:
        Catalog(groups=(ProductGroup("a", "b"), ProductGroup("b", "a")))
    assert info.value.field == "groups"
    assert "a -> b -> a" in str(info.value.value)
    with pytest.raises(ValidationError) as info:
        Catalog((Product("P", "P", EACH, "each", group="ghost"),))
    assert info.value.field == "group"
    # STRAW is in the catalog but has no price on the list.
    straws = _rule("straws", "free_quantity", buy=1, free_quantity=1, free_product="STRAW")
    with pytest.raises(PricingError) as perr:
        _price(straws)
    assert (perr.value.field, perr.value.value) == ("free_product", "STRAW/each")


def test_free_goods_survive_a_locked_conversion() -> None:
    rules = PricingRules((_rule("b10g1", "free_quantity", buy=10, free_quantity=1),))
    quote = activate_quote(SalesDocument("Q", "quote", IRR, (LineItem("DOOGH", 20),)))
    priced = price_document(quote, CATALOG, LIST, rules=rules)
    _, order = win_quote(quote, order_id="O", priced=priced)
    assert [(line.product_id, line.quantity, line.free_for) for line in order.lines] == [
        ("DOOGH", 20, None),
        ("DOOGH", 2, 1),
    ]
    # Priced again with the same rules, the locked order does not earn the goods twice.
    again = price_document(order, CATALOG, None, rules=rules)
    assert len(again.lines) == 2
    assert again.total_amount == priced.total_amount == Money(4_000_000, IRR)


# -- properties --------------------------------------------------------------------------------


_RULES = st.builds(
    PricingRule,
    name=st.sampled_from(["r1", "r2", "r3", "r4"]),
    action=st.sampled_from([RuleAction.PERCENT_OFF, RuleAction.AMOUNT_OFF, RuleAction.FIXED_PRICE]),
    percent=st.integers(0, 100),
    amount=st.integers(0, 300_000).map(lambda a: Money(a, IRR)),
    priority=st.integers(0, 3),
    stacking=st.just(Stacking.BEST_PRICE),
    min_quantity=st.none() | st.integers(1, 20),
)


def _unique(rules: list[PricingRule]) -> tuple[PricingRule, ...]:
    return tuple({r.name: r for r in rules}.values())


@given(st.lists(_RULES, max_size=4), st.integers(1, 30))
@settings(max_examples=60)
def test_best_price_is_the_minimum_and_never_below_zero(rules: list[PricingRule], qty: int) -> None:
    chosen = _unit_price(*_unique(rules), qty=qty)
    assert chosen >= 0
    fitting = [r for r in _unique(rules) if r.fits(D(qty), D(qty) * 200_000)]
    if fitting:
        assert chosen == min(r.new_price(D(200_000))[0] for r in fitting).quantize(D(1))


@given(st.lists(_RULES, max_size=4), st.integers(1, 30))
@settings(max_examples=40)
def test_a_rule_that_does_not_apply_changes_nothing(rules: list[PricingRule], qty: int) -> None:
    base = _unique(rules)
    elsewhere = _rule("zz", "percent_off", percent=90, products=("SODA",))
    other_group = _rule("zy", "percent_off", percent=90, customer_groups=("vip",))
    assert _unit_price(*base, qty=qty) == _unit_price(*base, elsewhere, other_group, qty=qty)


@given(st.permutations(range(4)), st.integers(1, 30))
@settings(max_examples=40)
def test_the_order_of_rules_with_distinct_priorities_does_not_matter(
    order: list[int], qty: int
) -> None:
    rules = [
        _rule("a", "percent_off", percent=10, priority=4, stacking="first"),
        _rule("b", "amount_off", amount=Money(7_000, IRR), priority=3, stacking="cumulative"),
        _rule("c", "percent_off", percent=5, priority=2, stacking="cumulative", min_quantity=10),
        _rule("d", "fixed_price", amount=Money(1, IRR), priority=1),
    ]
    shuffled = [rules[i] for i in order]
    # Hand check at qty ≥ 10: 200,000 × 0.9 = 180,000 − 7,000 = 173,000 × 0.95 = 164,350.
    expected = 164_350 if qty >= 10 else 173_000
    assert _unit_price(*shuffled, qty=qty) == _unit_price(*rules, qty=qty) == expected


@given(st.lists(st.integers(1, 40), min_size=1, max_size=25))
@settings(max_examples=40)
def test_one_document_prices_each_quantity_as_the_rules_say(quantities: list[int]) -> None:
    # The engine caches a line's outcome by the band bounds its quantity passes; every
    # line must still get what apply_rules gives for its own quantity.
    rules = (
        _rule("q", "percent_off", percent=5, min_quantity=10, max_quantity=19, priority=2),
        _rule("a", "amount_off", amount=Money(3_000, IRR), min_amount=4_000_000, priority=1),
        _rule("c", "percent_off", percent=1, max_quantity=7, stacking="cumulative"),
    )
    quote = SalesDocument("Q", "quote", IRR, tuple(LineItem("DOOGH", q) for q in quantities))
    priced = price_document(quote, CATALOG, LIST, rules=PricingRules(rules))
    for line, q in zip(priced.lines, quantities, strict=True):
        alone = apply_rules(rules, D(200_000), D(q), product_id="DOOGH", exponent=D(1))
        assert line.price_per_unit.amount == alone.price


def test_equal_priorities_are_resolved_by_name() -> None:
    # Documented rule: equal priorities go in name order. Two "first" rules: 'a' applies.
    a = _rule("a", "percent_off", percent=10, stacking="first")
    b = _rule("b", "percent_off", percent=20, stacking="first")
    assert _unit_price(b, a) == 180_000  # 200,000 × 0.9, whatever the order given
    # Cumulative rules of equal priority in name order: 'a' 10 % then 'b' 10,000 off:
    # 200,000 × 0.9 = 180,000 − 10,000 = 170,000 (the other order would give 171,000).
    ca = _rule("a", "percent_off", percent=10, stacking="cumulative")
    cb = _rule("b", "amount_off", amount=Money(10_000, IRR), stacking="cumulative")
    assert _unit_price(cb, ca) == _unit_price(ca, cb) == 170_000


# -- the engine's prepared rules (CompiledRules) give what apply_rules gives ---------------------


# Every action, stacking, band and target, so that the engine's fast path (each product's
# candidates compiled once per document, outcomes shared by lines in the same bands) meets
# the straightforward reference, apply_rules, on every kind of rule set.
def _open(bound: st.SearchStrategy[int]) -> st.SearchStrategy[int | None]:
    """``bound`` one time in four, else None (an open band)."""
    return st.tuples(st.integers(0, 3), bound).map(lambda t: t[1] if t[0] == 0 else None)


_ANY_RULE = st.builds(
    PricingRule,
    name=st.sampled_from(["r1", "r2", "r3", "r4", "r5", "r6"]),
    action=st.sampled_from(list(RuleAction)),
    percent=st.integers(0, 100),
    amount=st.integers(0, 300_000).map(lambda a: Money(a, IRR)),
    free_quantity=st.integers(1, 3),
    buy=st.integers(1, 12),
    free_product=st.sampled_from([None, "CUP"]),
    priority=st.integers(0, 5),
    stacking=st.sampled_from([*Stacking, Stacking.BEST_PRICE]),
    products=st.sampled_from([(), ("DOOGH",), ("SODA",)]),
    product_groups=st.sampled_from([(), ("doogh",), ("dairy",), ("drinks",), ("dairy", "drinks")]),
    brands=st.sampled_from([(), ("Abali",)]),
    campaigns=st.sampled_from([(), ("yalda",)]),
    # Mostly open bands, so that several rules meet on a line.
    min_quantity=_open(st.integers(1, 20)),
    max_quantity=_open(st.integers(5, 30)),
    min_amount=_open(st.integers(0, 4_000_000)),
    max_amount=_open(st.integers(500_000, 6_000_000)),
)


def _reference(
    rules: PricingRules, quote: SalesDocument
) -> list[tuple[Decimal, tuple[str, ...], tuple[PriceWarning, ...], str | None]] | None:
    """Each line priced by apply_rules on its product's candidates; None if a line is refused."""
    plain = price_document(quote, CATALOG, LIST).lines
    context = quote.pricing_context
    expected: list[tuple[Decimal, tuple[str, ...], tuple[PriceWarning, ...], str | None]] = []
    for line, bare in zip(quote.lines, plain, strict=True):
        product = CATALOG.product(line.product_id)
        candidates = rules.candidates(product, CATALOG, context, quote.issued_on)
        if not candidates:
            expected.append((bare.price_per_unit.amount, bare.price_steps, bare.warnings, None))
            continue
        try:
            outcome = apply_rules(
                candidates,
                bare.price_per_unit.amount,
                line.quantity,
                product_id=product.id,
                exponent=D(1),  # the products' pricing precision: 0 decimals
                context=context,
                max_discount_percent=rules.max_line_discount_percent,
            )
        except PricingError:
            return None
        steps = (*bare.price_steps, *outcome.steps)
        expected.append(
            (outcome.price, steps, (*bare.warnings, *outcome.warnings), outcome.campaign)
        )
    return expected


@given(
    st.lists(_ANY_RULE, max_size=8),
    st.lists(
        st.tuples(st.sampled_from(["DOOGH", "SODA", "CUP"]), st.integers(1, 30)),
        min_size=1,
        max_size=12,
    ),
    st.none() | st.integers(0, 60),
    st.sampled_from([None, "yalda"]),
)
@settings(max_examples=150, deadline=None)
def test_the_engine_prices_each_line_as_apply_rules_does(
    rules: list[PricingRule],
    lines: list[tuple[str, int]],
    limit: int | None,
    campaign: str | None,
) -> None:
    ruleset = PricingRules(_unique(rules), max_line_discount_percent=limit)
    quote = SalesDocument(
        "Q",
        DocumentKind.QUOTE,
        IRR,
        tuple(LineItem(product, qty) for product, qty in lines),
        pricing_context=PricingContext(campaign=campaign),
    )
    expected = _reference(ruleset, quote)
    if expected is None:  # two rules of one priority with different stacking met on a line
        with pytest.raises(PricingError):
            price_document(quote, CATALOG, LIST, rules=ruleset)
        return
    priced = price_document(quote, CATALOG, LIST, rules=ruleset).lines
    got = [
        (line.price_per_unit.amount, line.price_steps, line.warnings, line.campaign)
        for line in priced[: len(lines)]
    ]
    assert got == expected


@given(
    st.lists(_ANY_RULE, max_size=8),
    st.decimals(0, 1_000_000, places=3),
    st.decimals(D("0.5"), 40, places=2),
    st.none() | st.decimals(0, 100, places=1),
    st.sampled_from([D(1), D("0.01"), D("0.0001")]),
)
@settings(max_examples=200, deadline=None)
def test_compiled_rules_give_what_apply_rules_gives(
    rules: list[PricingRule],
    price: Decimal,
    quantity: Decimal,
    limit: Decimal | None,
    exponent: Decimal,
) -> None:
    # Any price (fractions of a rial, zero), fractional quantities, any precision and limit;
    # rules in priority order, as PricingRules.candidates gives them.
    ordered = sorted(_unique(rules), key=lambda r: (-r.priority, r.name))
    context = PricingContext(campaign="yalda")

    def reference() -> RuleOutcome:
        return apply_rules(
            ordered,
            price,
            quantity,
            product_id="DOOGH",
            exponent=exponent,
            context=context,
            max_discount_percent=limit,
        )

    def compiled() -> RuleOutcome:
        prepared = CompiledRules(
            ordered,
            price,
            product_id="DOOGH",
            exponent=exponent,
            context=context,
            max_discount_percent=limit,
        )
        return prepared.outcome(quantity)

    assert _settled(compiled) == _settled(reference)


def _settled(run: Callable[[], RuleOutcome]) -> RuleOutcome | str:
    """The outcome, or the refusal's message."""
    try:
        return run()
    except PricingError as refused:
        return f"refused: {refused}"


def _closest_candidates(
    rules: PricingRules, product: Product, context: PricingContext
) -> tuple[PricingRule, ...]:
    """The documented choice, rule by rule: targets, conditions, the closest target, order."""
    found = [
        (closeness, rule)
        for rule in rules.rules
        if (closeness := rule.closeness(product, CATALOG)) is not None
        and why_not(rule, context, None) is None
    ]
    brand = 1_000  # the closeness of a brand target; products are 0, groups 1 + distance
    targeted = [c for c, _ in found if c < brand]
    closest = min(targeted) if targeted else None
    kept = [rule for c, rule in found if c >= brand or c == closest]
    return tuple(sorted(kept, key=lambda r: (-r.priority, r.name)))


@given(
    st.lists(
        st.tuples(_ANY_RULE, st.sampled_from([(), ("gold",), ("retail",)])),
        max_size=10,
    ),
    st.sampled_from(["DOOGH", "SODA", "CUP"]),
    st.sampled_from([None, "gold"]),
)
@settings(max_examples=200, deadline=None)
def test_candidates_are_the_closest_applying_rules_in_priority_order(
    drawn: list[tuple[PricingRule, tuple[str, ...]]], product_id: str, group: str | None
) -> None:
    # Rules naming a product, groups at every distance and brands at once, some for a
    # customer group only: the indexed look-up gives what the rule-by-rule reading gives.
    named = {rule.name: attrs.evolve(rule, customer_groups=groups) for rule, groups in drawn}
    rules = PricingRules(tuple(named.values()))
    product = CATALOG.product(product_id)
    context = PricingContext(customer_group=group)
    assert rules.candidates(product, CATALOG, context, None) == _closest_candidates(
        rules, product, context
    )
