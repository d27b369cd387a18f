"""Round trips of the roi types through crmcore.serialization."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.money import Money
from crmcore.roi import (
    BetaGeoModel,
    CostItem,
    CustomerSummary,
    GammaGammaModel,
    ParetoNbdModel,
    ProportionComparison,
    RoiPlan,
    RoiReport,
    Touch,
    Transaction,
    compare_proportions,
)
from crmcore.serialization import make_converter
from tests.strategies.roi import (
    cost_items,
    customer_summaries,
    roi_plans,
    touches,
    transactions,
)

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
@given(cost_items(), customer_summaries(), transactions(), touches())
def test_small_types_round_trip(
    item: CostItem, summary: CustomerSummary, tx: Transaction, touch: Touch
) -> None:
    assert round_trip(item, CostItem) == item
    assert round_trip(summary, CustomerSummary) == summary
    assert round_trip(tx, Transaction) == tx
    assert round_trip(touch, Touch) == touch


@settings(max_examples=20, deadline=None)
@given(st.tuples(*[st.floats(0.01, 100.0)] * 4))
def test_models_round_trip(params: tuple[float, float, float, float]) -> None:
    bg = BetaGeoModel(*params)
    assert round_trip(bg, BetaGeoModel) == bg
    pareto = ParetoNbdModel(*params)
    assert round_trip(pareto, ParetoNbdModel) == pareto
    gg = GammaGammaModel(*params[:3])
    assert round_trip(gg, GammaGammaModel) == gg


def test_comparison_round_trips() -> None:
    result = compare_proportions((1, 8), (3, 9))
    assert round_trip(result, ProportionComparison) == result


def test_decimal_fields_are_strings() -> None:
    item = CostItem("subscription", Money("10.50", "IRR"))
    data = converter.unstructure(item)
    assert data["escalation"] == "0"
    assert data["amount"] == {"amount": "10.50", "currency": "IRR"}
    assert Decimal(data["escalation"]) == 0
