"""Return on investment and cash flows.

- Cash flows: :func:`npv` (explicit t=0/t=1 :class:`Convention`),
  :func:`xnpv`, :func:`irr` / :func:`irr_roots` and :func:`xirr` /
  :func:`xirr_roots` (every root bracketed, never nan), :func:`mirr`,
  :func:`payback_period` and :func:`discounted_payback_period`; periods on
  the Gregorian or Jalali calendar with :func:`periods`.
- CRM ROI and total cost of ownership: :class:`RoiPlan` → :class:`RoiReport`;
  :func:`expand_plan` reads a hand-written plan's shorthands.
- Lead sources: :func:`source_metrics`, :func:`attribute_revenue`.
- Feature assessment: :func:`compare_proportions`, :func:`compare_means`.
- Customer lifetime value lives in :mod:`crmcore.clv`.

>>> from crmcore.roi import irr, npv
>>> round(npv("0.1", [-100, 60, 60]), 4), round(irr([-100, 60, 60]), 4)
(Decimal('4.1322'), Decimal('0.1307'))
"""

from crmcore.roi._assessment import (
    MeanComparison,
    ProportionComparison,
    compare_means,
    compare_proportions,
)
from crmcore.roi._campaigns import CampaignMetrics, campaign_metrics
from crmcore.roi._cashflow import (
    Amount,
    Convention,
    Rate,
    discounted_payback_period,
    irr,
    irr_roots,
    mirr,
    npv,
    payback_period,
    xirr,
    xirr_roots,
    xnpv,
)
from crmcore.roi._leads import (
    AttributedTouch,
    AttributionModel,
    LeadOutcome,
    SourceMetrics,
    Touch,
    attribute_revenue,
    source_metrics,
)
from crmcore.roi._periods import Period, period_flows, periods
from crmcore.roi._plans import expand_plan
from crmcore.roi._tco import (
    BenefitStream,
    CategoryCost,
    CostCategory,
    CostItem,
    PeriodLine,
    RoiPlan,
    RoiReport,
)

__all__ = [
    "Amount",
    "AttributedTouch",
    "AttributionModel",
    "BenefitStream",
    "CampaignMetrics",
    "CategoryCost",
    "Convention",
    "CostCategory",
    "CostItem",
    "LeadOutcome",
    "MeanComparison",
    "Period",
    "PeriodLine",
    "ProportionComparison",
    "Rate",
    "RoiPlan",
    "RoiReport",
    "SourceMetrics",
    "Touch",
    "attribute_revenue",
    "campaign_metrics",
    "compare_means",
    "compare_proportions",
    "discounted_payback_period",
    "expand_plan",
    "irr",
    "irr_roots",
    "mirr",
    "npv",
    "payback_period",
    "period_flows",
    "periods",
    "source_metrics",
    "xirr",
    "xirr_roots",
    "xnpv",
]
