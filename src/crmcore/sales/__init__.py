"""Sales performance: forecast, funnel, targets vs actual, productivity from activities.

- :func:`forecast` (per record; :class:`ForecastTally` a chunk at a time) and :func:`forecast_columns` (columns, numpy
  when installed): open, weighted, pipeline, best case, committed, omitted,
  won and lost per period (:mod:`crmcore.calendars` grids, Jalali too) and
  per owner, team (:class:`TeamHierarchy`) or any field; categories by
  :func:`forecast_category` or a rule of your own.
- :func:`funnel` (:class:`FunnelTally` a chunk at a time) as of a date: stage counts and values, conversions, win
  rates, deal size, time in stage and cycle (calendar and business days),
  velocity, lost deals by competitor and reason, conversion by lead source.
- :class:`SalesTarget` and :func:`attainment` (:class:`TargetTally` a chunk at a time): targets per owner or team
  for won revenue, won deals, new customers, activities or your own metric,
  distributed exactly over sub-periods; actual, in progress, variance and
  percentage with team roll-ups and split credit.
- :func:`productivity` (:class:`ProductivityTally` a chunk at a time): calls, emails, meetings, tasks, on-time and overdue
  rates, lateness and speed to lead in business hours, activities per won deal.
- :func:`calibrate_stage_win_rates` and :func:`score_probabilities`: stage
  win rates from closed history, Brier scores of rep vs calibrated probabilities.

- :class:`StageChange` rows and :func:`attach_stage_history`: stage events
  kept in a separate file, attached to their opportunities.

Every result has ``explain() -> tuple[str, ...]``.

>>> from datetime import date
>>> from crmcore.models import Opportunity, OpportunityId, UserId
>>> from crmcore.money import Money
>>> deals = [Opportunity(id=OpportunityId(f"o{i}"), name="x", owner=UserId("sara"),
...          probability=p, estimated_revenue=Money(v, "IRR"),
...          estimated_close_date=date(2026, 4, 10)) for i, (v, p) in enumerate([(800, 50), (200, 90)])]
>>> row = forecast(deals, as_of=date(2026, 3, 1), unit="jalali_month").rows[0]
>>> row.label, str(row.open), str(row.weighted), str(row.best_case), str(row.committed)
('1405-01', '1000 IRR', '580 IRR', '800 IRR', '200 IRR')
"""

from crmcore.sales._calibration import (
    CalibrationReport,
    ProbabilitySnapshot,
    StageRate,
    StageWinRates,
    calibrate_stage_win_rates,
    score_probabilities,
)
from crmcore.sales._columns import (
    ColumnForecast,
    ForecastCell,
    ForecastColumns,
    forecast_columns,
    opportunity_columns,
)
from crmcore.sales._common import TeamHierarchy
from crmcore.sales._forecast import (
    CATEGORY_FIELD,
    Forecast,
    ForecastCategory,
    ForecastRow,
    ForecastTally,
    forecast,
    forecast_category,
)
from crmcore.sales._funnel import (
    Funnel,
    FunnelTally,
    LostBreakdown,
    SourceConversion,
    StageConversion,
    StageCount,
    StageDuration,
    funnel,
)
from crmcore.sales._history import StageChange, attach_stage_history
from crmcore.sales._productivity import (
    Productivity,
    ProductivityRow,
    ProductivityTally,
    productivity,
)
from crmcore.sales._target_tally import TargetTally
from crmcore.sales._targets import (
    Attainment,
    AttainmentRow,
    SalesTarget,
    TargetMetric,
    attainment,
)

__all__ = [
    "CATEGORY_FIELD",
    "Attainment",
    "AttainmentRow",
    "CalibrationReport",
    "ColumnForecast",
    "Forecast",
    "ForecastCategory",
    "ForecastCell",
    "ForecastColumns",
    "ForecastRow",
    "ForecastTally",
    "Funnel",
    "FunnelTally",
    "LostBreakdown",
    "ProbabilitySnapshot",
    "Productivity",
    "ProductivityRow",
    "ProductivityTally",
    "SalesTarget",
    "SourceConversion",
    "StageChange",
    "StageConversion",
    "StageCount",
    "StageDuration",
    "StageRate",
    "StageWinRates",
    "TargetMetric",
    "TargetTally",
    "TeamHierarchy",
    "attach_stage_history",
    "attainment",
    "calibrate_stage_win_rates",
    "forecast",
    "forecast_category",
    "forecast_columns",
    "funnel",
    "opportunity_columns",
    "productivity",
    "score_probabilities",
]
