"""Service-level agreements: policies, targets, entitlements and KPI states.

:func:`evaluate` replays a :class:`~crmcore.models.Case` history against the
first applicable :class:`SlaPolicy` (or the customer's :class:`Entitlement`)
and returns one :class:`KpiInstance` per :class:`SlaTarget`, with state,
warning and breach deadlines, elapsed, paused and remaining business time,
and an explanation (:meth:`SlaEvaluation.explain`, :meth:`KpiInstance.explain`).
A policy applies when its :class:`PolicyCondition` matches.
:func:`evaluate_many` does many cases at one ``now`` (``backend="auto" |
"python" | "numpy"``). :func:`entitlement_usage` reports billable overage.

>>> from datetime import datetime, timedelta
>>> from zoneinfo import ZoneInfo
>>> from crmcore.calendars import BusinessCalendar, WeeklySchedule
>>> from crmcore.models import AccountId, Case, CaseId
>>> utc = ZoneInfo("UTC")
>>> office = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone=utc)
>>> policy = SlaPolicy("standard", [SlaTarget("resolve", "resolution", timedelta(hours=8))],
...                    calendar="office")
>>> t0 = datetime(2025, 1, 6, 13, 0, tzinfo=utc)  # a Monday
>>> case = Case.open(id=CaseId("C1"), title="Router down", account_id=AccountId("acme"), created_at=t0)
>>> kpi = evaluate(case, [policy], now=t0 + timedelta(hours=2), calendars={"office": office}).kpi("resolve")
>>> kpi.state.value, kpi.breach_at.isoformat()   # 4 h Monday + 4 h Tuesday
('in_progress', '2025-01-07T13:00:00+00:00')
"""

from crmcore.sla._batch import evaluate_many
from crmcore.sla._engine import (
    EntitlementUsage,
    KpiInstance,
    KpiState,
    SlaEvaluation,
    entitlement_usage,
    evaluate,
)
from crmcore.sla._policy import Entitlement, KpiKind, PolicyCondition, SlaPolicy, SlaTarget

__all__ = [
    "Entitlement",
    "EntitlementUsage",
    "KpiInstance",
    "KpiKind",
    "KpiState",
    "PolicyCondition",
    "SlaEvaluation",
    "SlaPolicy",
    "SlaTarget",
    "entitlement_usage",
    "evaluate",
    "evaluate_many",
]
