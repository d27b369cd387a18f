"""Return on investment, cash flows and customer lifetime value.

- Cash flows: :func:`npv` (explicit t=0/t=1 :class:`Convention`),
  :func:`xnpv`, :func:`irr` / :func:`irr_roots` and :func:`xirr` /
  :func:`xirr_roots` (every root bracketed, never nan), :func:`mirr`,
  :func:`payback_period` and :func:`discounted_payback_period`; periods on
  the Gregorian or Jalali calendar with :func:`periods`.
- CRM ROI and total cost of ownership: :class:`RoiPlan` → :class:`RoiReport`.
- Lead sources: :func:`source_metrics`, :func:`attribute_revenue`.
- Feature assessment: :func:`compare_proportions`, :func:`compare_means`.
- Lifetime value: :func:`simple_clv`, :func:`retention_clv`,
  :func:`finite_horizon_clv`, :func:`customer_npv`; from transactions
  :func:`summarize_transactions` → :class:`BetaGeoModel` and
  :class:`GammaGammaModel` fits → :func:`customer_lifetime_values`;
  :class:`ParetoNbdModel` as the BG/NBD's older sibling.

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
from crmcore.roi._bgnbd import BetaGeoFit, BetaGeoModel
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
from crmcore.roi._clv import (
    CustomerValue,
    MarginTiming,
    customer_lifetime_values,
    customer_npv,
    finite_horizon_clv,
    retention_clv,
    simple_clv,
)
from crmcore.roi._gammagamma import GammaGammaFit, GammaGammaModel
from crmcore.roi._leads import (
    AttributedTouch,
    AttributionModel,
    LeadOutcome,
    SourceMetrics,
    Touch,
    attribute_revenue,
    source_metrics,
)
from crmcore.roi._pareto import ParetoNbdFit, ParetoNbdModel
from crmcore.roi._periods import Period, PeriodKind, period_flows, periods
from crmcore.roi._rfm import (
    CalibrationHoldout,
    CustomerSummary,
    TimeUnit,
    Transaction,
    calibration_holdout,
    summarize_transactions,
)
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
    "BetaGeoFit",
    "BetaGeoModel",
    "CalibrationHoldout",
    "CategoryCost",
    "Convention",
    "CostCategory",
    "CostItem",
    "CustomerSummary",
    "CustomerValue",
    "GammaGammaFit",
    "GammaGammaModel",
    "LeadOutcome",
    "MarginTiming",
    "MeanComparison",
    "ParetoNbdFit",
    "ParetoNbdModel",
    "Period",
    "PeriodKind",
    "PeriodLine",
    "ProportionComparison",
    "Rate",
    "RoiPlan",
    "RoiReport",
    "SourceMetrics",
    "TimeUnit",
    "Touch",
    "Transaction",
    "attribute_revenue",
    "calibration_holdout",
    "compare_means",
    "compare_proportions",
    "customer_lifetime_values",
    "customer_npv",
    "discounted_payback_period",
    "finite_horizon_clv",
    "irr",
    "irr_roots",
    "mirr",
    "npv",
    "payback_period",
    "period_flows",
    "periods",
    "retention_clv",
    "simple_clv",
    "source_metrics",
    "summarize_transactions",
    "xirr",
    "xirr_roots",
    "xnpv",
]
