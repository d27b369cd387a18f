"""The value-aware case queue (private; see ``crmcore.service``).

score = w_b·urgency + w_v·value + w_p·priority, weights normalised to sum 1:

- urgency = 1 once a KPI is breached, else max(0, 1 − remaining / horizon),
  remaining = the least business time to breach over the case's running KPIs
  (states in progress, warning or breached) from :func:`crmcore.sla.evaluate`;
- value = a score in [0, 1] the caller passes, a CLV divided by
  ``value_cap`` (capped at 1) or the tier's value from ``tier_values``;
- priority = the case priority's points.

Ties go to the case with less remaining time, then the smaller case id, so a
case closer to breach never ranks below an otherwise identical one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ValidationError
from crmcore.models import Case, CasePriority
from crmcore.money import to_decimal
from crmcore.sla import Entitlement, KpiState, SlaEvaluation, SlaPolicy, evaluate

__all__ = ["CustomerValue", "QueuePolicy", "RankedCase", "rank_cases", "rank_open_cases"]

_RUNNING = (KpiState.IN_PROGRESS, KpiState.WARNING, KpiState.BREACHED)
_DEFAULT_POINTS = {
    CasePriority.LOW: 0.0,
    CasePriority.NORMAL: 1 / 3,
    CasePriority.HIGH: 2 / 3,
    CasePriority.CRITICAL: 1.0,
}


def _unit_float(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 1:
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="a number in [0, 1]",
        )


def _weight(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
        raise ValidationError(
            obj=type(instance).__name__, field=attribute.name, value=value, expected="a number >= 0"
        )


def _points(value: Mapping[Any, float] | None) -> dict[CasePriority, float]:
    if value is None:
        return dict(_DEFAULT_POINTS)
    if not isinstance(value, Mapping):
        raise ValidationError(
            obj="QueuePolicy",
            field="priority_points",
            value=value,
            expected="a mapping priority -> [0, 1]",
        )
    result = dict(_DEFAULT_POINTS)
    for key, points in value.items():
        try:
            priority = CasePriority(key)
        except ValueError:
            raise ValidationError(
                obj="QueuePolicy",
                field="priority_points",
                value=key,
                expected="low, normal, high or critical",
            ) from None
        if not isinstance(points, (int, float)) or isinstance(points, bool) or not 0 <= points <= 1:
            raise ValidationError(
                obj="QueuePolicy",
                field=f"priority_points[{key!r}]",
                value=points,
                expected="a number in [0, 1]",
            )
        result[priority] = float(points)
    return result


def _tiers(value: Mapping[str, float]) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            obj="QueuePolicy", field="tier_values", value=value, expected="a mapping tier -> [0, 1]"
        )
    for key, points in value.items():
        if not isinstance(points, (int, float)) or isinstance(points, bool) or not 0 <= points <= 1:
            raise ValidationError(
                obj="QueuePolicy",
                field=f"tier_values[{key!r}]",
                value=points,
                expected="a number in [0, 1]",
            )
    return {str(k): float(v) for k, v in value.items()}


def _cap(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, obj="QueuePolicy", field="value_cap")


def _clv(value: object) -> Decimal | None:
    return None if value is None else to_decimal(value, obj="CustomerValue", field="clv")


def _horizon(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(
            obj="QueuePolicy", field="horizon", value=value, expected="a positive timedelta"
        )


@attrs.frozen
class QueuePolicy:
    """How the queue weighs breach risk, customer value and priority (declarative).

    >>> QueuePolicy(breach_weight=2, value_weight=1, priority_weight=1).weights
    (0.5, 0.25, 0.25)
    """

    breach_weight: float = attrs.field(default=0.5, validator=_weight)
    value_weight: float = attrs.field(default=0.3, validator=_weight)
    priority_weight: float = attrs.field(default=0.2, validator=_weight)
    horizon: timedelta = attrs.field(default=timedelta(hours=8), validator=_horizon)
    """Remaining business time at (and beyond) which breach urgency is 0."""
    value_cap: Decimal | None = attrs.field(default=None, converter=_cap)
    """A CLV at (or above) which value scores 1."""
    tier_values: Mapping[str, float] = attrs.field(factory=dict, converter=_tiers)
    priority_points: Mapping[CasePriority, float] = attrs.field(default=None, converter=_points)

    def __attrs_post_init__(self) -> None:
        if self.breach_weight + self.value_weight + self.priority_weight <= 0:
            raise ValidationError(
                obj="QueuePolicy",
                field="breach_weight",
                value=(self.breach_weight, self.value_weight, self.priority_weight),
                expected="weights that sum to more than zero",
            )
        if self.value_cap is not None and self.value_cap <= 0:
            raise ValidationError(
                obj="QueuePolicy", field="value_cap", value=self.value_cap, expected="> 0"
            )

    @property
    def weights(self) -> tuple[float, float, float]:
        """(breach, value, priority) weights normalised to sum 1."""
        total = self.breach_weight + self.value_weight + self.priority_weight
        return (self.breach_weight / total, self.value_weight / total, self.priority_weight / total)


@attrs.frozen
class CustomerValue:
    """What a customer is worth to the queue: a CLV, a tier, or a score in [0, 1] (first given wins)."""

    score: float | None = attrs.field(
        default=None, validator=attrs.validators.optional(_unit_float)
    )
    clv: Decimal | None = attrs.field(default=None, converter=_clv)
    tier: str | None = attrs.field(default=None, validator=check.text(optional=True))


@attrs.frozen
class RankedCase:
    """One case's place in the queue and why."""

    rank: int
    case_id: str
    score: float
    urgency: float
    value: float
    priority: float
    remaining: timedelta | None
    """Least business time to breach over the running KPIs (negative once breached)."""
    kpi: str | None
    steps: tuple[str, ...]

    def explain(self) -> tuple[str, ...]:
        """How the score was derived, one line per component."""
        return self.steps


def _urgency(
    evaluation: SlaEvaluation, horizon: timedelta
) -> tuple[float, timedelta | None, str | None, str]:
    running = [k for k in evaluation.kpis if k.state in _RUNNING]
    if not running:
        return 0.0, None, None, "urgency 0: no running SLA KPI"
    kpi = min(running, key=lambda k: (k.remaining, k.name))
    if kpi.remaining <= timedelta(0):
        return (
            1.0,
            kpi.remaining,
            kpi.name,
            f"urgency 1: {kpi.name} breached ({kpi.remaining} over)",
        )
    urgency = max(0.0, 1 - kpi.remaining / horizon)
    return (
        urgency,
        kpi.remaining,
        kpi.name,
        (f"urgency = max(0, 1 − {kpi.remaining} / {horizon}) = {urgency:.4f} ({kpi.name})"),
    )


def _value(value: CustomerValue | None, policy: QueuePolicy) -> tuple[float, str]:
    if value is None:
        return 0.0, "value 0: none given"
    if value.score is not None:
        return float(value.score), f"value = score {value.score}"
    if value.clv is not None:
        if policy.value_cap is None:
            raise ValidationError(
                obj="QueuePolicy",
                field="value_cap",
                value=None,
                expected="a CLV cap when values are CLVs",
            )
        share = float(min(Decimal(1), max(Decimal(0), value.clv / policy.value_cap)))
        return share, f"value = min(1, CLV {value.clv} / {policy.value_cap}) = {share:.4f}"
    if value.tier is not None:
        if value.tier not in policy.tier_values:
            raise ValidationError(
                obj="QueuePolicy",
                field="tier_values",
                value=value.tier,
                expected="a value for every tier used",
            )
        return policy.tier_values[
            value.tier
        ], f"value = tier {value.tier} → {policy.tier_values[value.tier]}"
    return 0.0, "value 0: none given"


def rank_cases(
    evaluations: Iterable[SlaEvaluation],
    *,
    policy: QueuePolicy | None = None,
    values: Mapping[str, CustomerValue] | None = None,
) -> tuple[RankedCase, ...]:
    """Rank open cases, most urgent first, from their :func:`crmcore.sla.evaluate` results.

    ``values`` maps a case id to its customer's :class:`CustomerValue`.

    >>> from datetime import datetime, timedelta, timezone
    >>> from crmcore.models import AccountId, Case, CaseId
    >>> from crmcore.sla import SlaPolicy, SlaTarget, evaluate
    >>> t0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> sla = [SlaPolicy("24x7", [SlaTarget("resolve", "resolution", timedelta(hours=8))])]
    >>> cases = [Case.open(id=CaseId(f"C{h}"), title="x", account_id=AccountId("a"),
    ...                    created_at=t0 + timedelta(hours=h)) for h in (0, 2)]
    >>> now = t0 + timedelta(hours=4)
    >>> ranked = rank_cases([evaluate(c, sla, now=now) for c in cases])
    >>> [(r.case_id, round(r.urgency, 2)) for r in ranked]
    [('C0', 0.5), ('C2', 0.25)]
    """
    chosen = policy if policy is not None else QueuePolicy()
    if not isinstance(chosen, QueuePolicy):
        raise ValidationError(
            obj="rank_cases", field="policy", value=policy, expected="a QueuePolicy"
        )
    items = check.require_items(evaluations, SlaEvaluation, obj="rank_cases", field="evaluations")
    known = values or {}
    w_b, w_v, w_p = chosen.weights
    scored = []
    for evaluation in items:
        urgency, remaining, kpi, why_u = _urgency(evaluation, chosen.horizon)
        value, why_v = _value(known.get(str(evaluation.case_id)), chosen)
        points = chosen.priority_points[evaluation.priority]
        score = w_b * urgency + w_v * value + w_p * points
        steps = (
            why_u,
            why_v,
            f"priority {evaluation.priority.value} → {points:.4f}",
            f"score = {w_b:.4f} × {urgency:.4f} + {w_v:.4f} × {value:.4f} + {w_p:.4f} × {points:.4f}"
            f" = {score:.4f}",
        )
        scored.append(
            (score, urgency, value, points, remaining, kpi, str(evaluation.case_id), steps)
        )
    far = timedelta.max
    scored.sort(key=lambda s: (-s[0], s[4] if s[4] is not None else far, s[6]))
    return tuple(
        RankedCase(rank, cid, score, urgency, value, points, remaining, kpi,
                   (*steps, f"rank {rank}: ties go to less remaining time, then the case id"))
        for rank, (score, urgency, value, points, remaining, kpi, cid, steps) in enumerate(scored, start=1)
    )  # fmt: skip


def rank_open_cases(  # the inputs of sla.evaluate plus the queue's own
    cases: Iterable[Case],
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    entitlements: Iterable[Entitlement] = (),
    policy: QueuePolicy | None = None,
    values: Mapping[str, CustomerValue] | None = None,
) -> tuple[RankedCase, ...]:
    """Evaluate each active case with :func:`crmcore.sla.evaluate` at ``now``, then :func:`rank_cases`.

    Resolved and cancelled cases are left out of the queue.
    """
    items = check.require_items(cases, Case, obj="rank_open_cases", field="cases")
    ents = tuple(entitlements)
    evaluations = [
        evaluate(case, policies, now=now, calendars=calendars, entitlements=ents)
        for case in items
        if case.status.is_active
    ]
    return rank_cases(evaluations, policy=policy, values=values)
