"""Service desk: staffing, satisfaction, contact-centre metrics, the case queue and billing.

- Staffing (Erlang C): :func:`erlang_c`, :func:`erlang_service_level`,
  :func:`speed_of_answer`, :func:`required_agents` → :class:`Staffing`, and
  :func:`staffing_plan` per interval over a business calendar.
- Satisfaction: :class:`SurveyResponse` on a :class:`RatingScale`;
  :func:`csat` (Wilson interval), :func:`nps` (standard error), :func:`ces`,
  :func:`csi` (weighted criteria, 0–100); :func:`group_responses` by agent,
  team, channel or Gregorian/Jalali period; :func:`compare_csat` and
  :func:`compare_nps` test a change between two periods.

>>> from datetime import timedelta
>>> required_agents(100, interval=timedelta(minutes=30), aht=timedelta(seconds=180)).agents
14
"""

from crmcore.service._erlang import (
    IntervalStaffing,
    Staffing,
    erlang_c,
    erlang_service_level,
    required_agents,
    speed_of_answer,
    staffing_plan,
)
from crmcore.service._satisfaction import (
    NPS_SCALE,
    CesResult,
    CsatResult,
    CsiCriterion,
    CsiResult,
    NpsComparison,
    NpsResult,
    RatingScale,
    SurveyResponse,
    ces,
    compare_csat,
    compare_nps,
    csat,
    csi,
    group_responses,
    nps,
    period_key,
    wilson_interval,
)

__all__ = [
    "NPS_SCALE",
    "CesResult",
    "CsatResult",
    "CsiCriterion",
    "CsiResult",
    "IntervalStaffing",
    "NpsComparison",
    "NpsResult",
    "RatingScale",
    "Staffing",
    "SurveyResponse",
    "ces",
    "compare_csat",
    "compare_nps",
    "csat",
    "csi",
    "erlang_c",
    "erlang_service_level",
    "group_responses",
    "nps",
    "period_key",
    "required_agents",
    "speed_of_answer",
    "staffing_plan",
    "wilson_interval",
]
