"""Customer lifetime value: purchases, transaction summaries, RFM and probabilistic models.

- :class:`Purchase` is the one purchase record; :func:`summarize_transactions`
  reduces purchases to one :class:`CustomerSummary` (x, t_x, T, mean spend)
  per customer up to a cut-off ``as_of`` (default :func:`last_purchase_day`);
  :func:`calibration_holdout` splits a history for validation.
- RFM segmentation of the same purchases: :func:`rfm_segments`.
- Chunk at a time, in memory bounded by customers: :class:`SummaryTally`
  and :class:`RfmTally` (``add(purchases)`` per chunk, then ``result()``)
  give what :func:`summarize_transactions` and :func:`rfm_segments` give.
- Models, one per module as in lifetimes' ``fitters/``: :class:`BetaGeoModel`
  (BG/NBD), :class:`ParetoNbdModel` (Pareto/NBD), :class:`GammaGammaModel`
  (spend per purchase). Fits take ``backend="auto"|"python"|"numpy"`` and
  report the backend that ran.
- Value: closed formulas (:func:`simple_clv`, :func:`retention_clv`,
  :func:`finite_horizon_clv`, :func:`customer_npv`) and the fitted-model
  :func:`customer_lifetime_values`; :func:`fit_clv` and :func:`predict_clv`
  run the whole pipeline.

>>> from datetime import date
>>> from crmcore.money import Money
>>> history = [Purchase("c1", date(2026, 3, 21), Money(1_500_000, "IRR")),
...            Purchase("c1", date(2026, 4, 4), Money(900_000, "IRR"))]
>>> s, = summarize_transactions(history, unit="day")
>>> s.frequency, s.recency, s.age, s.monetary_value
(1, 14.0, 14.0, Decimal('900000'))
"""

from crmcore.clv._accumulate import RfmTally, SummaryTally
from crmcore.clv._bgnbd import BetaGeoFit, BetaGeoModel
from crmcore.clv._clv import (
    MAX_HORIZON,
    CustomerLifetimeValue,
    MarginTiming,
    customer_lifetime_values,
    customer_npv,
    finite_horizon_clv,
    retention_clv,
    rounded_amounts,
    simple_clv,
)
from crmcore.clv._fit_tally import FitTally
from crmcore.clv._gammagamma import GammaGammaFit, GammaGammaModel
from crmcore.clv._pareto import ParetoNbdFit, ParetoNbdModel
from crmcore.clv._pipeline import (
    ClvFit,
    ClvPrediction,
    PurchaseModelKind,
    fit_clv,
    predict_clv,
    spend_customers,
)
from crmcore.clv._rfm import RfmScore, RfmSegment, quantile_scores, rfm_segments, segment_of
from crmcore.clv._summary import (
    CalibrationHoldout,
    CustomerSummary,
    Purchase,
    TimeUnit,
    calibration_holdout,
    last_purchase_day,
    summarize_transactions,
)

__all__ = [
    "MAX_HORIZON",
    "BetaGeoFit",
    "BetaGeoModel",
    "CalibrationHoldout",
    "ClvFit",
    "ClvPrediction",
    "CustomerLifetimeValue",
    "CustomerSummary",
    "FitTally",
    "GammaGammaFit",
    "GammaGammaModel",
    "MarginTiming",
    "ParetoNbdFit",
    "ParetoNbdModel",
    "Purchase",
    "PurchaseModelKind",
    "RfmScore",
    "RfmSegment",
    "RfmTally",
    "SummaryTally",
    "TimeUnit",
    "calibration_holdout",
    "customer_lifetime_values",
    "customer_npv",
    "finite_horizon_clv",
    "fit_clv",
    "last_purchase_day",
    "predict_clv",
    "quantile_scores",
    "retention_clv",
    "rfm_segments",
    "rounded_amounts",
    "segment_of",
    "simple_clv",
    "spend_customers",
    "summarize_transactions",
]
