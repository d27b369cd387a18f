"""Issue 16, item 1: which price list applies to a customer, group, territory, channel,
campaign and day, with priority; the priced document says which won and why."""

from __future__ import annotations

from datetime import date

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    LineItem,
    PriceList,
    PriceListItem,
    PricingContext,
    Product,
    SalesDocument,
    UnitGroup,
    choose_price_list,
    price_from_lists,
    select_price_list,
    why_not,
)

USD = "USD"
_CATALOG = Catalog((Product("P", "Pen", UnitGroup("each", "each"), "each"),))


def _list(name: str, price: int, **conditions: object) -> PriceList:
    item = PriceListItem("P", "each", amount=Money(price, USD))
    return PriceList(name, USD, (item,), **conditions)  # type: ignore[arg-type]


BASE = _list("base", 100)
GOLD = _list("gold", 90, customer_groups=("gold", "platinum"))
ACME = _list("acme", 80, customers=("ACC-7",))
NORTH = _list("north", 95, territories=("north",))
WEB = _list("web", 97, channels=("web",))
NOWRUZ = _list(
    "nowruz",
    85,
    campaigns=("nowruz-1405",),
    valid_from=date(2026, 3, 10),
    valid_to=date(2026, 4, 2),
    priority=10,
)
ALL = (BASE, GOLD, ACME, NORTH, WEB, NOWRUZ)


@pytest.mark.parametrize(
    ("context", "on", "expected"),
    [
        # Nothing known about the customer: only the unconditional list applies.
        (PricingContext(), None, "base"),
        # Each dimension alone: the list naming it has 1 condition against base's 0.
        (PricingContext(customer_group="platinum"), None, "gold"),
        (PricingContext(customer="ACC-7"), None, "acme"),
        (PricingContext(territory="north"), None, "north"),
        (PricingContext(channel="web"), None, "web"),
        # A value no list names falls back to base.
        (PricingContext(customer_group="retail", territory="south"), None, "base"),
        # The campaign list has priority 10: it beats the gold list on 2026-03-21 ...
        (
            PricingContext(customer_group="gold", campaign="nowruz-1405"),
            date(2026, 3, 21),
            "nowruz",
        ),
        # ... but not after its last day, 2026-04-02.
        (PricingContext(customer_group="gold", campaign="nowruz-1405"), date(2026, 4, 3), "gold"),
    ],
)
def test_each_dimension_chooses_its_list(
    context: PricingContext, on: date | None, expected: str
) -> None:
    assert choose_price_list(ALL, on=on, context=context).price_list.name == expected


def test_the_choice_says_which_lists_matched_and_lost_and_why() -> None:
    # Gold customer, web channel, no campaign: base (0 conditions), gold (1) and web (1)
    # apply at priority 0; gold and web tie on specificity, "gold" sorts before "web".
    context = PricingContext(customer_group="gold", channel="web")
    choice = choose_price_list(ALL, on=date(2026, 3, 21), context=context)
    assert choice.price_list is GOLD
    assert choice.reason == "priority 0, specificity 1, first by name"
    others = {o.name: (o.applies, o.reason) for o in choice.others}
    assert others["web"] == (True, "same priority 0 and specificity 1; 'web' sorts after 'gold'")
    assert others["base"] == (True, "same priority 0, less specific (0 < 1 conditions)")
    assert others["nowruz"] == (False, "campaign none is not one of 'nowruz-1405'")
    assert others["acme"] == (False, "customer none is not one of 'ACC-7'")
    # The lists that applied come first, in rank order.
    assert [o.name for o in choice.others][:2] == ["web", "base"]


def test_priority_beats_specificity() -> None:
    # A priority-5 unconditional list beats a priority-0 list with two conditions.
    loud = _list("loud", 99, priority=5)
    narrow = _list("narrow", 70, customer_groups=("gold",), territories=("north",))
    context = PricingContext(customer_group="gold", territory="north")
    choice = choose_price_list([narrow, loud], on=None, context=context)
    assert choice.price_list is loud
    assert choice.reason == "the highest priority that applies (5)"
    assert choice.others[0].reason == "lower priority (0 < 5)"


@given(st.permutations(ALL), st.sampled_from([None, "gold", "platinum", "retail"]))
@settings(max_examples=40)
def test_the_order_of_the_lists_never_matters(order: list[PriceList], group: str | None) -> None:
    context = PricingContext(customer_group=group, channel="web", campaign="nowruz-1405")
    on = date(2026, 3, 21)
    assert choose_price_list(order, on=on, context=context) == choose_price_list(
        ALL, on=on, context=context
    )


def test_a_named_list_must_apply() -> None:
    choice = choose_price_list(ALL, on=None, name="base", context=PricingContext())
    assert choice.price_list is BASE
    assert choice.reason == "named on the document"
    with pytest.raises(PricingError) as info:
        choose_price_list(ALL, on=None, name="gold", context=PricingContext(customer_group="x"))
    assert "customer group 'x' is not one of 'gold', 'platinum'" in str(info.value)
    with pytest.raises(PricingError) as info:
        choose_price_list(ALL, on=date(2026, 5, 1), name="nowruz")
    assert info.value.field == "valid_to"


def test_nothing_applies_then_the_default_else_an_error_listing_why() -> None:
    choice = choose_price_list([GOLD, WEB], on=None, default="web", context=PricingContext())
    assert choice.price_list is WEB
    assert choice.reason == "no list applies: the default"
    with pytest.raises(PricingError) as info:
        choose_price_list([GOLD], on=None, context=PricingContext(customer_group="retail"))
    assert "'gold': customer group 'retail' is not one of 'gold', 'platinum'" in str(info.value)
    assert select_price_list([GOLD, BASE], on=None) is BASE


def test_why_not_and_specificity() -> None:
    assert why_not(NOWRUZ, PricingContext(campaign="nowruz-1405"), date(2026, 3, 9)) == (
        "not valid on 2026-03-09 (valid 2026-03-10 to 2026-04-02)"
    )
    assert why_not(NOWRUZ, PricingContext(campaign="nowruz-1405"), date(2026, 3, 10)) is None
    assert (BASE.specificity, GOLD.specificity, NOWRUZ.specificity) == (0, 1, 2)
    with pytest.raises(ValidationError) as err:
        PriceList("x", USD, customer_groups="gold")  # type: ignore[arg-type]
    assert err.value.field == "customer_groups"
    with pytest.raises(ValidationError):
        PriceList("x", USD, priority=True)  # type: ignore[arg-type]


def test_the_priced_document_carries_the_choice_and_the_campaign() -> None:
    # Gold customer answering the Nowruz campaign on 1 Farvardin 1405 (2026-03-21):
    # the campaign list (priority 10) prices 3 pens at 85 = 255.00, and every line
    # carries the campaign for attribution.
    context = PricingContext(customer_group="gold", campaign="nowruz-1405")
    quote = SalesDocument(
        "Q", "quote", USD, (LineItem("P", 3),), issued_on=date(2026, 3, 21), pricing_context=context
    )
    priced = price_from_lists(quote, _CATALOG, ALL)
    assert priced.price_list == "nowruz"
    assert priced.total_amount == Money("255.00", USD)
    assert priced.lines[0].campaign == "nowruz-1405"
    text = priced.explain(lines=False)
    assert text[0] == "price list 'nowruz' chosen: the highest priority that applies (10)"
    assert "  'gold' applies but lost: lower priority (0 < 10)" in text
    # After the campaign: gold, 3 × 90 = 270.00, no campaign on the line.
    later = attrs.evolve(quote, issued_on=date(2026, 4, 10))
    priced = price_from_lists(later, _CATALOG, ALL)
    assert (priced.price_list, priced.total_amount) == ("gold", Money("270.00", USD))
    assert priced.lines[0].campaign is None
