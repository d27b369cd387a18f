"""Round trips of the roi types through crmcore.serialization."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings

from crmcore.money import Money
from crmcore.roi import (
    CostItem,
    ProportionComparison,
    RoiPlan,
    RoiReport,
    Touch,
    compare_proportions,
)
from crmcore.serialization import make_converter
from tests.strategies.roi import cost_items, roi_plans, touches

converter = make_converter()


def round_trip(value: object, cl: type) -> object:
    return converter.structure(converter.unstructure(value), cl)


@settings(max_examples=30, deadline=None)
@given(roi_plans())
def test_plan_and_report_round_trip(plan: RoiPlan) -> None:
    assert round_trip(plan, RoiPlan) == plan
    report = plan.report()
    assert round_trip(report, RoiReport) == report


@settings(max_examples=30, deadline=None)
@given(cost_items(), touches())
def test_small_types_round_trip(item: CostItem, touch: Touch) -> None:
    assert round_trip(item, CostItem) == item
    assert round_trip(touch, Touch) == touch


def test_comparison_round_trips() -> None:
    result = compare_proportions((1, 8), (3, 9))
    assert round_trip(result, ProportionComparison) == result


def test_decimal_fields_are_strings() -> None:
    item = CostItem("subscription", Money("10.50", "IRR"))
    data = converter.unstructure(item)
    assert data["escalation"] == "0"
    assert data["amount"] == {"amount": "10.50", "currency": "IRR"}
    assert Decimal(data["escalation"]) == 0
