"""pandas DataFrames in and out of the engines (the optional ``pandas`` extra).

An adapter layer above the engines: it turns a table into the columns or
records an engine takes and the engine's answer back into a DataFrame with
useful dtypes (float64 for statistics, timezone-aware datetimes, ``string``
for categories, exact ``Decimal`` money unless ``money="float"`` is asked
for). NaN, None and ``pd.NA`` mean missing everywhere; numpy scalars count
as the Python values they hold. The engines never import pandas; this
package imports it when an adapter is first called, so ``import crmcore``
works without it.

- Scoring: :func:`score_frame` (scorecards, through the batch path),
  :func:`predict_frame` (predictive models), :func:`train_frame` (training,
  features named or inferred by :func:`infer_features`),
  :func:`event_columns`, :func:`events_from_frame`.
- CLV: :func:`summarize_frame`, :func:`rfm_frame`, :func:`purchases_of`,
  :func:`customers_of`, :func:`count_frame` (the (x, t_x, T) counts a
  cluster aggregates), :func:`fit_clv_frame`, :func:`predict_clv_frame`.
- SLA: :func:`deadlines_frame`, :func:`evaluate_frame`.
- Pricing and ROI: :func:`price_frame` (many lines, through the columnar
  path), :func:`priced_lines_frame`, :func:`roi_lines_frame`,
  :func:`dated_flows`.
- Sales and service: :func:`forecast_frame`, :func:`contact_centre_frame`.
- Any engine result: :func:`records_frame`.

A record-based function given a DataFrame (``score_leads(card, df)``) raises
a :class:`~crmcore.errors.ValidationError` naming the function here to use.

>>> import pandas as pd
>>> from crmcore.frames import summarize_frame
>>> tx = pd.DataFrame({"customer_id": ["a", "a", "b"],
...                    "date": pd.to_datetime(["2026-01-01", "2026-01-15", "2026-01-08"]),
...                    "amount": [10.5, 20.0, 5.0]})
>>> summarize_frame(tx, currency="USD", unit="day")
  customer_id  frequency  recency   age monetary_value
0           a          1     14.0  14.0           20.0
1           b          0      0.0   7.0              0
"""

from crmcore.frames._clv import (
    SUMMARY_COLUMNS,
    count_frame,
    customers_of,
    fit_clv_frame,
    purchases_of,
    rfm_frame,
    summarize_frame,
)
from crmcore.frames._clv_value import predict_clv_frame
from crmcore.frames._common import records_frame
from crmcore.frames._pricing import price_frame
from crmcore.frames._sales_service import contact_centre_frame, forecast_frame
from crmcore.frames._scoring import (
    event_columns,
    events_from_frame,
    infer_features,
    lead_columns,
    predict_frame,
    score_frame,
    train_frame,
)
from crmcore.frames._sla import deadlines_frame, evaluate_frame
from crmcore.frames._tables import dated_flows, priced_lines_frame, roi_lines_frame

__all__ = [
    "SUMMARY_COLUMNS",
    "contact_centre_frame",
    "count_frame",
    "customers_of",
    "dated_flows",
    "deadlines_frame",
    "evaluate_frame",
    "event_columns",
    "events_from_frame",
    "fit_clv_frame",
    "forecast_frame",
    "infer_features",
    "lead_columns",
    "predict_clv_frame",
    "predict_frame",
    "price_frame",
    "priced_lines_frame",
    "purchases_of",
    "records_frame",
    "rfm_frame",
    "roi_lines_frame",
    "score_frame",
    "summarize_frame",
    "train_frame",
]
