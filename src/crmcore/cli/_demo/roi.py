"""The ROI section of ``crmcore demo``: a CRM rollout over three Jalali fiscal years (private)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcore.cli._roi import report_json, report_text
from crmcore.money import Money
from crmcore.roi import BenefitStream, CostItem, RoiPlan, periods

__all__ = ["demo_plan", "demo_section"]


def _rial(millions: int) -> Money:
    return Money(millions * 1_000_000, "IRR")


def demo_plan() -> RoiPlan:
    """A CRM rollout costed in rials over the fiscal years 1404-1406."""
    return RoiPlan(
        name="CRM rollout, fiscal years 1404-1406",
        currency="IRR",
        periods=periods("jalali_year", date(2025, 3, 21), 3),
        discount_rate="0.30",
        costs=[
            CostItem("procurement", _rial(60)),
            CostItem("implementation", _rial(450)),
            CostItem("data_migration", _rial(150)),
            CostItem("training_internal_time", _rial(90)),
            CostItem("training_consultants", _rial(120)),
            CostItem("productivity_loss", _rial(200)),
            CostItem("integrations", _rial(180)),
            CostItem("subscription", _rial(320), recurring=True, escalation="0.35"),
            CostItem("administration", _rial(100), recurring=True, escalation="0.30"),
        ],
        benefits=[
            BenefitStream(
                "gross margin on sales", _rial(2000), [_rial(2300), _rial(3300), _rial(4400)]
            ),
            BenefitStream("sales rep hours saved", _rial(0), [_rial(120), _rial(380), _rial(520)]),
        ],
    )


def demo_section() -> dict[str, Any]:
    """The ROI part of ``crmcore demo``: a Jalali-year ROI plan and its report."""
    report = demo_plan().report()
    return {
        "title": "Return on investment",
        "text": report_text(report),
        "data": {"plan": report_json(report)},
    }
