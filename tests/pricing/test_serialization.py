"""Round trips through crmcore.serialization for the pricing types."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings

from crmcore.errors import ValidationError
from crmcore.pricing import (
    Catalog,
    DiscountList,
    PricedDocument,
    PriceList,
    PriceListItem,
    PricingOptions,
    SalesDocument,
    UnitGroup,
    price_document,
)
from crmcore.serialization import make_converter
from tests.strategies.pricing import (
    CATALOG,
    PRICE_LIST,
    discount_lists,
    documents,
    price_list_items,
    pricing_options,
    unit_groups,
)

_CONV = make_converter()


def _round_trip(value: Any, kind: Any) -> None:
    data = json.loads(json.dumps(_CONV.unstructure(value)))
    assert _CONV.structure(data, kind) == value


def test_catalog_and_price_list_round_trip() -> None:
    _round_trip(CATALOG, Catalog)
    _round_trip(PRICE_LIST, PriceList)


@given(unit_groups(), discount_lists(), price_list_items())
@settings(max_examples=30)
def test_catalog_parts_round_trip(group: UnitGroup, dl: DiscountList, item: PriceListItem) -> None:
    _round_trip(group, UnitGroup)
    _round_trip(dl, DiscountList)
    _round_trip(item, PriceListItem)


@given(documents(), pricing_options())
@settings(max_examples=30, deadline=None)
def test_documents_options_and_priced_documents_round_trip(
    doc: SalesDocument, options: PricingOptions
) -> None:
    _round_trip(doc, SalesDocument)
    _round_trip(options, PricingOptions)
    _round_trip(price_document(doc, CATALOG, PRICE_LIST, options), PricedDocument)


def test_bad_input_names_the_path() -> None:
    data = _CONV.unstructure(PRICE_LIST)
    data["items"][1]["percentage"] = "lots"
    with pytest.raises(ValidationError) as info:
        _CONV.structure(data, PriceList)
    assert "items[1].percentage" in str(info.value)


def test_rules_choices_contexts_and_group_trees_round_trip() -> None:
    from datetime import date

    from crmcore.cli._demo.pricing import demo_catalog, demo_gold_list, demo_promotions
    from crmcore.pricing import (
        LineItem,
        PricingContext,
        PricingRules,
        ProductGroup,
        price_from_lists,
    )

    rules = demo_promotions()
    _round_trip(rules, PricingRules)
    catalog, base = demo_catalog()
    _round_trip(Catalog(catalog.products, (ProductGroup("a"), ProductGroup("b", "a"))), Catalog)
    context = PricingContext(customer_group="gold", campaign="ordibehesht-1405")
    doc = SalesDocument(
        "Q",
        "quote",
        "IRR",
        (LineItem("DOOGH-330", 20),),
        issued_on=date(2026, 5, 5),
        pricing_context=context,
    )
    priced = price_from_lists(doc, catalog, [base, demo_gold_list(base)], rules=rules)
    assert priced.price_list_choice is not None
    _round_trip(priced, PricedDocument)
