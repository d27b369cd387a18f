"""Service desk: staffing, satisfaction, contact-centre metrics, the case queue and billing.

- Staffing (Erlang C): :func:`erlang_c`, :func:`erlang_service_level`,
  :func:`speed_of_answer`, :func:`required_agents` → :class:`Staffing`, and
  :func:`staffing_plan` per interval over a business calendar.
- Satisfaction: :class:`SurveyResponse` on a :class:`RatingScale`;
  :func:`csat` (Wilson interval), :func:`nps` (standard error), :func:`ces`,
  :func:`csi` (weighted criteria, 0–100; :class:`CsiTally` a batch at a time); :func:`group_responses` by agent,
  team, channel or Gregorian/Jalali period; :func:`compare_csat` and
  :func:`compare_nps` test a change between two periods; :func:`summarize`
  gives one metric per group; :class:`SurveyTally` counts answers a batch
  at a time (merged exactly) for the same result over a large survey, via
  :func:`csat_from_counts`, :func:`nps_from_counts`, :func:`ces_from_counts`.
- Contact centre: :func:`interactions_from_events` replays an
  :class:`InteractionEvent` log into :class:`Interaction` records;
  :func:`contact_centre_metrics` gives :class:`ContactCentreMetrics` (service
  level with an :class:`AbandonTreatment`, ASA and its percentile, abandon
  rate, AHT, transfer rate, FCR, occupancy) per queue, agent, channel, day or
  interval; :class:`ContactCentreTally` gives the same figures from a log
  read a part at a time (bounded memory); :func:`contact_centre_columns` is
  the columnar (numpy) path.
- Queue: :func:`rank_cases` (or :func:`rank_open_cases` from cases) orders SLA evaluations by a declarative
  :class:`QueuePolicy` over breach risk, :class:`CustomerValue` and priority;
  each :class:`RankedCase` explains its score.
- Billing (Semin): :func:`bill_support` consumes each customer's
  entitlement by cases or worked time (:class:`TimeEntry`, from activity
  durations) on creation or resolution (:class:`BillingTerms`), rounds the
  rest to an increment and prices it into invoices; a :class:`BillingRun`
  marks what it billed so a second run bills nothing.

>>> from datetime import timedelta
>>> required_agents(100, interval=timedelta(minutes=30), aht=timedelta(seconds=180)).agents
14
"""

from crmcore.service._billing import (
    Allocation,
    BillingLine,
    BillingRun,
    BillingTerms,
    ConsumeOn,
    TimeEntry,
    bill_support,
)
from crmcore.service._contact import (
    AbandonTreatment,
    ContactCentreMetrics,
    Interaction,
    InteractionEvent,
    InteractionEventKind,
    contact_centre_columns,
    contact_centre_metrics,
    interactions_from_events,
)
from crmcore.service._contact_tally import ContactCentreTally
from crmcore.service._csi_tally import CsiTally
from crmcore.service._erlang import (
    IntervalStaffing,
    Staffing,
    erlang_c,
    erlang_service_level,
    required_agents,
    speed_of_answer,
    staffing_plan,
)
from crmcore.service._queue import (
    CustomerValue,
    QueuePolicy,
    RankedCase,
    rank_cases,
    rank_open_cases,
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
    ces_from_counts,
    compare_csat,
    compare_nps,
    csat,
    csat_from_counts,
    csi,
    group_responses,
    nps,
    nps_from_counts,
    period_key,
    summarize,
    survey_responses,
    wilson_interval,
)
from crmcore.service._tally import SurveyTally

__all__ = [
    "NPS_SCALE",
    "AbandonTreatment",
    "Allocation",
    "BillingLine",
    "BillingRun",
    "BillingTerms",
    "CesResult",
    "ConsumeOn",
    "ContactCentreMetrics",
    "ContactCentreTally",
    "CsatResult",
    "CsiCriterion",
    "CsiResult",
    "CsiTally",
    "CustomerValue",
    "Interaction",
    "InteractionEvent",
    "InteractionEventKind",
    "IntervalStaffing",
    "NpsComparison",
    "NpsResult",
    "QueuePolicy",
    "RankedCase",
    "RatingScale",
    "Staffing",
    "SurveyResponse",
    "SurveyTally",
    "TimeEntry",
    "bill_support",
    "ces",
    "ces_from_counts",
    "compare_csat",
    "compare_nps",
    "contact_centre_columns",
    "contact_centre_metrics",
    "csat",
    "csat_from_counts",
    "csi",
    "erlang_c",
    "erlang_service_level",
    "group_responses",
    "interactions_from_events",
    "nps",
    "nps_from_counts",
    "period_key",
    "rank_cases",
    "rank_open_cases",
    "required_agents",
    "speed_of_answer",
    "staffing_plan",
    "summarize",
    "survey_responses",
    "wilson_interval",
]
