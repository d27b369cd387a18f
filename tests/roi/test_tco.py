"""CRM total cost of ownership and ROI reports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings

from crmcore.errors import ValidationError
from crmcore.money import Money
from crmcore.roi import (
    BenefitStream,
    CostCategory,
    CostItem,
    RoiPlan,
    irr,
    npv,
    periods,
)
from tests.strategies.roi import roi_plans


def rial(amount: int) -> Money:
    return Money(amount, "IRR")


def jalali_plan() -> RoiPlan:
    # A three-year plan over Iranian fiscal years 1404-1406 (amounts in millions of rials).
    return RoiPlan(
        name="CRM rollout",
        currency="IRR",
        periods=periods("jalali_year", date(2025, 3, 21), 3),
        discount_rate="0.25",
        costs=[
            CostItem("procurement", rial(50)),
            CostItem("implementation", rial(400)),
            CostItem("data_migration", rial(150)),
            CostItem("training_materials", rial(20)),
            CostItem("training_internal_time", rial(80)),
            CostItem("training_consultants", rial(100)),
            CostItem("productivity_loss", rial(200)),
            CostItem("customisation", rial(120), first_period=1),
            CostItem("integrations", rial(180)),
            CostItem("subscription", rial(300), recurring=True, escalation="0.2"),
            CostItem("storage", rial(10), recurring=True),
            CostItem("upgrades", rial(60), recurring=True, first_period=1, last_period=1),
            CostItem("administration", rial(90), recurring=True),
        ],
        benefits=[
            BenefitStream("sales revenue margin", rial(1000), [rial(1200), rial(2100), rial(2600)]),
            BenefitStream("rep hours saved", rial(0), [rial(100), rial(300), rial(400)]),
        ],
    )


def test_full_tco_report_hand_checked() -> None:
    report = jalali_plan().report()
    # period costs (hand): year 1 = 50+400+150+20+80+100+200+180 one-off + 300+10+90 = 1580
    #                      year 2 = 120 + 360+10+60+90 = 640;  year 3 = 432+10+90 = 532
    assert [line.cost for line in report.lines] == [rial(1580), rial(640), rial(532)]
    # gains over the baseline: 200+100, 1100+300, 1600+400
    assert [line.gain for line in report.lines] == [rial(300), rial(1400), rial(2000)]
    assert [line.net for line in report.lines] == [rial(-1280), rial(760), rial(1468)]
    assert [line.cumulative_net for line in report.lines] == [rial(-1280), rial(-520), rial(948)]
    assert [line.period.label for line in report.lines] == ["1404", "1405", "1406"]
    assert report.total_cost == rial(2752)
    assert report.total_gain == rial(3700)
    # ROI = (3700 - 2752) / 2752 = 0.344477 (6 places, half up)
    assert report.roi == Decimal("0.344477")
    # NPV at 25 %: -1280 + 760/1.25 + 1468/1.5625 = -1280 + 608 + 939.52 = 267.52 → 268 rials
    assert report.npv == rial(268)
    assert report.irr is not None
    # IRR by hand: with x = 1 + r, -1280 x² + 760 x + 1468 = 0, so
    # x = (760 + √(760² + 4·1280·1468)) / 2560 = (760 + √8093760) / 2560 = 1.408185
    assert round(report.irr, 6) == Decimal("0.408185")
    assert report.irr == irr([-1280, 760, 1468])
    assert abs(npv(report.irr, [-1280, 760, 1468])) < Decimal("1e-9")
    # payback: 520 of year 3's 1468 → 1 + 520/1468 = 1.3542 periods
    assert report.payback_periods == Decimal("1.3542")
    # discounted: -1280, 608, 939.52 → 1 + 672/939.52 = 1.7153
    assert report.discounted_payback_periods == Decimal("1.7153")


def test_costs_by_category_split_one_off_and_recurring() -> None:
    by = {c.category: c for c in jalali_plan().report().by_category}
    assert by[CostCategory.SUBSCRIPTION].recurring == rial(300 + 360 + 432)
    assert by[CostCategory.SUBSCRIPTION].one_off == rial(0)
    assert by[CostCategory.IMPLEMENTATION].one_off == rial(400)
    assert by[CostCategory.UPGRADES].total == rial(60)
    assert sum((c.total for c in by.values()), rial(0)) == rial(2752)
    assert CostCategory.MAINTENANCE not in by  # no item: no row


def test_irr_note_when_flows_never_turn_positive() -> None:
    plan = RoiPlan(
        name="bad",
        currency="USD",
        periods=periods("gregorian_year", date(2025, 1, 1), 2),
        costs=[CostItem("subscription", Money(100, "USD"), recurring=True)],
        benefits=[],
    )
    report = plan.report()
    assert report.irr is None
    assert "never change sign" in report.irr_note
    assert report.roi == Decimal(-1)
    assert report.payback_periods is None


def test_t1_convention_discounts_the_first_period() -> None:
    plan = RoiPlan(
        name="t1",
        currency="USD",
        periods=periods("gregorian_year", date(2025, 1, 1), 1),
        costs=[CostItem("implementation", Money(110, "USD"))],
        benefits=[],
        discount_rate="0.1",
        convention="t1",
    )
    assert plan.report().npv == Money(-100, "USD")


def test_bad_plans_are_refused() -> None:
    years = periods("gregorian_year", date(2025, 1, 1), 2)
    with pytest.raises(ValidationError, match=r"costs\[0\]\.first_period"):
        RoiPlan(
            name="x",
            currency="USD",
            periods=years,
            costs=[CostItem("storage", Money(1, "USD"), first_period=5)],
            benefits=[],
        )
    with pytest.raises(ValidationError, match=r"costs\[0\]\.amount"):
        RoiPlan(
            name="x",
            currency="USD",
            periods=years,
            costs=[CostItem("storage", Money(1, "EUR"))],
            benefits=[],
        )
    with pytest.raises(ValidationError, match="periods"):
        RoiPlan(name="x", currency="USD", periods=[], costs=[], benefits=[])
    with pytest.raises(ValidationError, match="values"):
        RoiPlan(
            name="x",
            currency="USD",
            periods=years,
            costs=[],
            benefits=[BenefitStream("b", Money(0, "USD"), [Money(1, "USD")] * 3)],
        )
    with pytest.raises(ValidationError, match="last_period"):
        CostItem("storage", Money(1, "USD"), recurring=True, first_period=2, last_period=1)
    with pytest.raises(ValidationError, match="last_period"):
        CostItem("storage", Money(1, "USD"), last_period=3)
    with pytest.raises(ValidationError, match="category"):
        CostItem("gold", Money(1, "USD"))
    with pytest.raises(ValidationError, match="convention"):
        RoiPlan(name="x", currency="USD", periods=years, costs=[], benefits=[], convention="t9")


# -- properties -----------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(roi_plans())
def test_report_totals_are_consistent(plan: RoiPlan) -> None:
    report = plan.report()
    zero = Money.zero(plan.currency)
    exact_cost = sum((plan.cost_in(t) for t in range(len(plan.periods))), zero)
    assert report.total_cost == exact_cost.round()
    # categories are rounded one by one: at most half a minor unit off each
    drift = abs(sum((c.total for c in report.by_category), zero) - report.total_cost).amount
    assert drift <= Decimal("0.01") * len(report.by_category)
    assert (
        report.lines[-1].cumulative_net
        == (sum((plan.gain_in(t) for t in range(len(plan.periods))), zero) - exact_cost).round()
    )
    if report.irr is not None:
        nets = [plan.gain_in(t) - plan.cost_in(t) for t in range(len(plan.periods))]
        # The residual is judged against the size of the discounted terms: near an IRR of
        # −100 % (flows 0.01, −0.01, 26.10, −0.01 have one at −99.96 %) they reach 10^8.
        base = 1 + report.irr
        scale = sum(abs(n.amount) / base**t for t, n in enumerate(nets))
        assert abs(npv(report.irr, nets).amount) < Decimal("1e-6") * scale
