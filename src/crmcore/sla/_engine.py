"""Replaying a case's history against SLA targets (private)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from crmcore._checks import require_aware
from crmcore.calendars import BusinessCalendar
from crmcore.errors import SlaError, ValidationError
from crmcore.models import Account, AccountId, Case, CaseEventKind, CaseId, CasePriority, CaseStatus
from crmcore.sla._policy import Entitlement, KpiKind, SlaPolicy, SlaTarget

__all__ = [
    "EntitlementUsage",
    "KpiInstance",
    "KpiState",
    "SlaEvaluation",
    "entitlement_usage",
    "evaluate",
    "evaluate_many",
]

_ALWAYS = BusinessCalendar.always("UTC")
_ZERO = timedelta(0)


class KpiState(enum.StrEnum):
    """Where a KPI stands at ``now``."""

    NOT_STARTED = "not_started"
    """Only ``next_response``: no response yet, so no next one is due."""
    IN_PROGRESS = "in_progress"
    WARNING = "warning"
    """Nearing non-compliance: the warning threshold has passed."""
    BREACHED = "breached"
    SUCCEEDED = "succeeded"
    PAUSED = "paused"
    CANCELLED = "cancelled"


@attrs.frozen
class KpiInstance:
    """The state of one target of one case at ``now``, with how it was computed.

    ``elapsed`` and ``paused`` are business time on the target's calendar;
    ``remaining = target - elapsed`` (negative once breached).
    ``warning_at``/``breach_at`` are when the thresholds were (or will be)
    crossed; ``None`` while paused and not yet crossed, or once completed
    without crossing.
    """

    name: str
    kind: KpiKind
    state: KpiState
    target: timedelta
    elapsed: timedelta
    paused: timedelta
    remaining: timedelta
    calendar: str
    started_at: datetime | None = None
    warning_at: datetime | None = None
    breach_at: datetime | None = None
    completed_at: datetime | None = None
    explanation: tuple[str, ...] = ()


@attrs.frozen
class SlaEvaluation:
    """All KPIs of one case: which policy (and entitlement) applied, and why."""

    case_id: CaseId
    now: datetime
    priority: CasePriority
    policy: str | None
    entitlement: str | None
    kpis: tuple[KpiInstance, ...]

    def kpi(self, name: str) -> KpiInstance:
        """The KPI named ``name``."""
        for kpi in self.kpis:
            if kpi.name == name:
                return kpi
        raise SlaError(
            obj="SlaEvaluation",
            field="kpis",
            value=name,
            expected="one of " + ", ".join(k.name for k in self.kpis),
        )


def _fmt(value: timedelta) -> str:
    sign = "-" if value < _ZERO else ""
    seconds = abs(int(value.total_seconds()))
    return f"{sign}{seconds // 3600}h{seconds // 60 % 60:02d}m"


def _priority_at(case: Case, now: datetime) -> CasePriority:
    priority = case.events[0].priority
    for event in case.events:
        if event.at > now:
            break
        if event.priority is not None:
            priority = event.priority
    if priority is None:  # unreachable: Case validates that 'created' carries one
        raise SlaError(obj="Case", field="events[0].priority", value=None, expected="a priority")
    return priority


def _select(
    case: Case,
    policies: Sequence[SlaPolicy],
    priority: CasePriority,
    tier: str | None,
    entitlements: Iterable[Entitlement],
) -> tuple[SlaPolicy | None, Entitlement | None, str]:
    for entitlement in entitlements:
        if not isinstance(entitlement, Entitlement):
            raise ValidationError(
                obj="evaluate", field="entitlements", value=entitlement, expected="Entitlements"
            )
        if entitlement.covers(case):
            for policy in policies:
                if policy.name == entitlement.policy:
                    why = f"entitlement {entitlement.id!r} of {case.account_id} selects policy {policy.name!r}"
                    return policy, entitlement, why
            raise SlaError(
                obj="Entitlement",
                field="policy",
                value=entitlement.policy,
                expected="the name of one of the policies given",
            )
    for policy in policies:
        if not isinstance(policy, SlaPolicy):
            raise ValidationError(
                obj="evaluate", field="policies", value=policy, expected="SlaPolicy values"
            )
        if policy.applies_when.matches(case, priority, tier):
            why = (
                f"policy {policy.name!r} is the first whose conditions match "
                f"(priority {priority.value}, type {case.case_type.value}, "
                f"channel {case.channel.value}, tier {tier or '-'})"
            )
            return policy, None, why
    return None, None, "no policy matches"


def _calendar_for(
    target: SlaTarget,
    policy: SlaPolicy,
    entitlement: Entitlement | None,
    calendars: Mapping[str, BusinessCalendar],
) -> tuple[BusinessCalendar, str]:
    if not target.business_hours:
        return _ALWAYS, "24x7"
    name = (entitlement.calendar if entitlement else None) or policy.calendar
    if name is None:
        return _ALWAYS, "24x7"
    calendar = calendars.get(name)
    if calendar is None:
        raise SlaError(
            obj="SlaPolicy"
            if entitlement is None or entitlement.calendar is None
            else "Entitlement",
            field="calendar",
            value=name,
            expected="a calendar name among " + (", ".join(sorted(calendars)) or "(none given)"),
        )
    return calendar, name


def evaluate(
    case: Case,
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    account: Account | None = None,
    entitlements: Iterable[Entitlement] = (),
) -> SlaEvaluation:
    """Replay ``case.events`` up to ``now`` against the applicable policy's targets.

    The policy is chosen from the case as it stands at ``now``: the first
    entitlement covering the customer names it, otherwise the first policy
    whose :class:`~crmcore.sla.Condition` matches (priority, type, channel,
    the account's tier). Every target is then computed over the *whole*
    history with that policy's durations and calendar, so a priority,
    policy or calendar change recomputes consistently: elapsed and paused
    time are never lost, and after a priority change the time already
    elapsed counts against the new target (it may then be breached at once;
    its ``breach_at`` is when the elapsed time reached the new target).
    Events after ``now`` are ignored. No matching policy gives no KPIs.
    """
    prepared = _prepare(
        case,
        policies,
        now=now,
        calendars=calendars,
        account=account,
        entitlements=entitlements,
    )
    return _assemble(prepared, [part.finish_now() for part in prepared[1]])


_Prepared = tuple[
    tuple[Case, datetime, CasePriority, SlaPolicy | None, Entitlement | None], list["_Partial"]
]


def _check_containers(policies: object, calendars: Mapping[str, BusinessCalendar] | None) -> None:
    """Reject wrong container types before they fail deep inside as bare built-in errors."""
    if isinstance(policies, (str, bytes)) or not isinstance(policies, Iterable):
        raise ValidationError(
            obj="evaluate", field="policies", value=policies, expected="a sequence of SlaPolicy"
        )
    if calendars is None:
        return
    if not isinstance(calendars, Mapping):
        raise ValidationError(
            obj="evaluate",
            field="calendars",
            value=calendars,
            expected="a mapping of calendar name to BusinessCalendar",
        )
    for name, calendar in calendars.items():
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                obj="evaluate",
                field=f"calendars[{name!r}]",
                value=calendar,
                expected="a BusinessCalendar",
            )


def _prepare(
    case: Case,
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None,
    account: Account | None,
    entitlements: Iterable[Entitlement],
) -> _Prepared:
    require_aware(now, obj="evaluate", field="now")
    if not isinstance(case, Case):
        raise ValidationError(obj="evaluate", field="case", value=case, expected="a Case")
    if now < case.created_at:
        raise ValidationError(
            obj="evaluate",
            field="now",
            value=now,
            expected=f"at or after the case's creation ({case.created_at.isoformat()})",
        )
    _check_containers(policies, calendars)
    tier = None
    if account is not None:
        if not isinstance(account, Account):
            raise ValidationError(
                obj="evaluate", field="account", value=account, expected="an Account or None"
            )
        if account.id != case.account_id:
            raise ValidationError(
                obj="evaluate",
                field="account",
                value=account.id,
                expected=f"the case's account ({case.account_id})",
            )
        tier = account.tier
    priority = _priority_at(case, now)
    policy, entitlement, why = _select(case, policies, priority, tier, entitlements)
    parts: list[_Partial] = []
    if policy is not None:
        parts = [
            _evaluate_target(
                case,
                target=target,
                policy=policy,
                entitlement=entitlement,
                calendars=calendars or {},
                now=now,
                why=why,
            )
            for target in policy.targets
        ]
    return (case, now, priority, policy, entitlement), parts


def _assemble(prepared: _Prepared, kpis: Sequence[KpiInstance]) -> SlaEvaluation:
    (case, now, priority, policy, entitlement), _parts = prepared
    if policy is None:
        return SlaEvaluation(case.id, now, priority, None, None, ())
    return SlaEvaluation(
        case.id, now, priority, policy.name, entitlement.id if entitlement else None, tuple(kpis)
    )


def evaluate_many(
    cases: Iterable[Case],
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    accounts: Mapping[AccountId, Account] | None = None,
    entitlements: Sequence[Entitlement] = (),
    use_numpy: bool | None = None,
) -> list[SlaEvaluation]:
    """:func:`evaluate` for many cases at one ``now`` (e.g. every open case).

    Each history is replayed as in :func:`evaluate`; then every future
    deadline (``now`` + remaining business time) is computed in one
    :meth:`BusinessCalendar.add_many` call per calendar, vectorised with
    numpy when it is installed (``use_numpy=None``) or forced on/off.
    Results equal :func:`evaluate` case by case.
    """
    if accounts is not None and not isinstance(accounts, Mapping):
        raise ValidationError(
            obj="evaluate_many",
            field="accounts",
            value=accounts,
            expected="a mapping of AccountId to Account",
        )
    accounts = accounts or {}
    cases = list(cases)
    for index, case in enumerate(cases):
        if not isinstance(case, Case):
            raise ValidationError(
                obj="evaluate_many", field=f"cases[{index}]", value=case, expected="a Case"
            )
    prepared = [
        _prepare(
            case,
            policies,
            now=now,
            calendars=calendars,
            account=accounts.get(case.account_id) if case.account_id else None,
            entitlements=entitlements,
        )
        for case in cases
    ]
    # Group the pending deadlines by calendar, add them in one batch each.
    groups: dict[int, tuple[BusinessCalendar, list[tuple[int, int, str, datetime, timedelta]]]] = {}
    for i, (_head, parts) in enumerate(prepared):
        for j, part in enumerate(parts):
            for field, amount in part.pending:
                entry = groups.setdefault(id(part.calendar), (part.calendar, []))
                entry[1].append((i, j, field, part.now, amount))
    resolved: dict[tuple[int, int], dict[str, datetime]] = {}
    for calendar, requests in groups.values():
        times = calendar.add_many(
            [r[3] for r in requests], [r[4] for r in requests], use_numpy=use_numpy
        )
        for (i, j, field, _now, _amount), moment in zip(requests, times, strict=True):
            resolved.setdefault((i, j), {})[field] = moment
    return [
        _assemble(item, [p.finish(resolved.get((i, j), {})) for j, p in enumerate(item[1])])
        for i, item in enumerate(prepared)
    ]


def _segments(
    case: Case, start: datetime, now: datetime
) -> list[tuple[datetime, datetime, CaseStatus]]:
    """``(from, to, status)`` pieces of the history between ``start`` and ``now``."""
    result: list[tuple[datetime, datetime, CaseStatus]] = []
    status = CaseStatus.NEW
    since = case.created_at
    for event in case.events:
        if event.at > now:
            break
        if event.status is not None:
            lo, hi = max(since, start), min(event.at, now)
            if hi > lo:
                result.append((lo, hi, status))
            status = event.status
            since = event.at
    lo = max(since, start)
    if now > lo:
        result.append((lo, now, status))
    return result


def _clock(
    case: Case, target: SlaTarget, now: datetime
) -> tuple[datetime | None, datetime | None, str]:
    """When the clock starts and when the target was met (``None`` if not yet)."""
    events = [e for e in case.events if e.at <= now]
    created = case.created_at
    if target.kind is KpiKind.FIRST_RESPONSE:
        done = next(
            (e.at for e in events if e.kind in (CaseEventKind.RESPONDED, CaseEventKind.RESOLVED)),
            None,
        )
        return created, done, "clock starts at creation; stops at the first response"
    if target.kind is KpiKind.RESOLUTION:
        last = events[-1] if events else None
        status = next((e.status for e in reversed(events) if e.status is not None), CaseStatus.NEW)
        done = None
        if status is CaseStatus.RESOLVED and last is not None:
            done = next(e.at for e in reversed(events) if e.kind is CaseEventKind.RESOLVED)
        return created, done, "clock runs from creation until resolved (reopen resumes it)"
    if target.kind is KpiKind.NEXT_RESPONSE:
        responded = [e for e in events if e.kind is CaseEventKind.RESPONDED]
        if not responded:
            return None, None, "no response yet: the next-response clock has not started"
        starters = [
            e for e in events if e.kind in (CaseEventKind.RESPONDED, CaseEventKind.REOPENED)
        ]
        start = starters[-1].at
        done = next(
            (e.at for e in events if e.at >= start and e.kind is CaseEventKind.RESOLVED), None
        )
        return start, done, f"clock starts at the latest response or reopen ({start.isoformat()})"
    for event in events:
        if (target.success_event is not None and event.kind is target.success_event) or (
            target.success_status is not None and event.status is target.success_status
        ):
            return created, event.at, "clock runs from creation until the success condition"
    return created, None, "clock runs from creation until the success condition"


def _evaluate_target(  # noqa: PLR0915  # one replay, read top to bottom
    case: Case,
    *,
    target: SlaTarget,
    policy: SlaPolicy,
    entitlement: Entitlement | None,
    calendars: Mapping[str, BusinessCalendar],
    now: datetime,
    why: str,
) -> _Partial:
    calendar, cal_name = _calendar_for(target, policy, entitlement, calendars)
    notes = [
        why,
        f"calendar {cal_name}; target {_fmt(target.duration)}, warning at {_fmt(target.warning_after)}",
    ]
    start, done, rule = _clock(case, target, now)
    notes.append(rule)
    if start is None:
        idle = KpiInstance(
            name=target.name,
            kind=target.kind,
            state=KpiState.NOT_STARTED,
            target=target.duration,
            elapsed=_ZERO,
            paused=_ZERO,
            remaining=target.duration,
            calendar=cal_name,
            explanation=tuple(notes),
        )
        return _Partial(idle, calendar, now, ())
    stop = done if done is not None else now
    elapsed = _ZERO
    paused = _ZERO
    warn_after = target.warning_after
    warning_at: datetime | None = None
    breach_at: datetime | None = None
    status = CaseStatus.NEW
    for lo, hi, status in _segments(case, start, stop):
        if status in target.pause_statuses:
            piece = calendar.between(lo, hi)
            paused += piece
            if piece:
                notes.append(
                    f"paused {_fmt(piece)} in {status.value} from {lo.isoformat()} to {hi.isoformat()}"
                )
        elif status.is_active:
            piece = calendar.between(lo, hi)
            if warning_at is None and elapsed + piece >= warn_after:
                warning_at = calendar.add(lo, warn_after - elapsed)
            if breach_at is None and elapsed + piece >= target.duration:
                breach_at = calendar.add(lo, target.duration - elapsed)
            elapsed += piece
    for event in case.events:
        if event.kind is CaseEventKind.PRIORITY_CHANGED and event.at <= now:
            notes.append(
                f"priority changed to {event.priority} at {event.at.isoformat()}: "
                "elapsed time kept against the target of the policy now applying"
            )
    final_status = case.events[0].status or CaseStatus.NEW
    for event in case.events:
        if event.at <= now and event.status is not None:
            final_status = event.status
    running = done is None and final_status.is_active and final_status not in target.pause_statuses
    pending: list[tuple[str, timedelta]] = []
    if running:
        if warning_at is None:
            pending.append(("warning_at", warn_after - elapsed))
        if breach_at is None:
            pending.append(("breach_at", target.duration - elapsed))
    if done is not None:
        state = KpiState.SUCCEEDED if elapsed <= target.duration else KpiState.BREACHED
        notes.append(f"met at {done.isoformat()} after {_fmt(elapsed)} of business time")
    elif not final_status.is_active:
        state = KpiState.BREACHED if elapsed >= target.duration else KpiState.CANCELLED
        notes.append(f"case {final_status.value} before the target was met")
    elif elapsed >= target.duration:
        state = KpiState.BREACHED
    elif final_status in target.pause_statuses:
        state = KpiState.PAUSED
        notes.append(f"paused now ({final_status.value}): deadlines resume with the clock")
    elif elapsed >= warn_after:
        state = KpiState.WARNING
    else:
        state = KpiState.IN_PROGRESS
    notes.append(
        f"elapsed {_fmt(elapsed)}, paused {_fmt(paused)}, remaining {_fmt(target.duration - elapsed)}"
    )
    kpi = KpiInstance(
        name=target.name,
        kind=target.kind,
        state=state,
        target=target.duration,
        elapsed=elapsed,
        paused=paused,
        remaining=target.duration - elapsed,
        calendar=cal_name,
        started_at=start,
        warning_at=warning_at,
        breach_at=breach_at,
        completed_at=done if done is not None else _closed_at(case, now, final_status),
        explanation=tuple(notes),
    )
    return _Partial(kpi, calendar, now, tuple(pending))


@attrs.define
class _Partial:
    """A replayed KPI whose future deadlines (``now + remaining``) are still to be added."""

    kpi: KpiInstance
    calendar: BusinessCalendar
    now: datetime
    pending: tuple[tuple[str, timedelta], ...]

    def finish(self, resolved: Mapping[str, datetime]) -> KpiInstance:
        """The KPI with the resolved deadlines and the closing line of the explanation."""
        kpi = self.kpi
        if resolved:
            kpi = attrs.evolve(
                kpi,
                warning_at=resolved.get("warning_at", kpi.warning_at),
                breach_at=resolved.get("breach_at", kpi.breach_at),
            )
        if kpi.breach_at is not None:
            word = "at" if kpi.breach_at <= self.now else "due"
            line = f"breach {word} {kpi.breach_at.isoformat()}"
            kpi = attrs.evolve(kpi, explanation=(*kpi.explanation, line))
        return kpi

    def finish_now(self) -> KpiInstance:
        """Resolve the deadlines one by one (the scalar path)."""
        return self.finish({f: self.calendar.add(self.now, d) for f, d in self.pending})


def _closed_at(case: Case, now: datetime, status: CaseStatus) -> datetime | None:
    if status.is_active:
        return None
    return next(e.at for e in reversed(case.events) if e.at <= now and e.status is status)


@attrs.frozen
class EntitlementUsage:
    """How much of an entitlement its cases used, and the billable overage."""

    entitlement: str
    cases: int
    time_used: timedelta
    overage_cases: int
    overage_time: timedelta
    billable_cases: tuple[CaseId, ...]
    """Cases beyond ``included_cases``, in creation order (the ones to invoice)."""


def entitlement_usage(
    entitlement: Entitlement,
    cases: Iterable[Case],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
) -> EntitlementUsage:
    """Cases and handling time an entitlement's customer used up to ``now``.

    Handling time is business time (the entitlement's calendar, else 24×7)
    while a case is active and not in one of the entitlement's pause
    statuses. Use beyond ``included_time`` / ``included_cases`` is overage.
    """
    require_aware(now, obj="entitlement_usage", field="now")
    if not isinstance(entitlement, Entitlement):
        raise ValidationError(
            obj="entitlement_usage",
            field="entitlement",
            value=entitlement,
            expected="an Entitlement",
        )
    raw_cases: object = cases  # typed as Iterable, but callers may pass anything
    if isinstance(raw_cases, (str, bytes)) or not isinstance(raw_cases, Iterable):
        raise ValidationError(
            obj="entitlement_usage", field="cases", value=cases, expected="an iterable of Case"
        )
    cases = list(cases)
    for index, item in enumerate(cases):
        if not isinstance(item, Case):
            raise ValidationError(
                obj="entitlement_usage", field=f"cases[{index}]", value=item, expected="a Case"
            )
    if calendars is not None:
        _check_containers((), calendars)
    calendar = _ALWAYS
    if entitlement.calendar is not None:
        found = (calendars or {}).get(entitlement.calendar)
        if found is None:
            raise SlaError(
                obj="Entitlement",
                field="calendar",
                value=entitlement.calendar,
                expected="a calendar name among the calendars given",
            )
        calendar = found
    covered = sorted(
        (c for c in cases if entitlement.covers(c) and c.created_at <= now),
        key=lambda c: c.created_at,
    )
    used = _ZERO
    for case in covered:
        for lo, hi, status in _segments(case, case.created_at, now):
            if status.is_active and status not in entitlement.pause_statuses:
                used += calendar.between(lo, hi)
    over_cases = 0
    billable: tuple[CaseId, ...] = ()
    if entitlement.included_cases is not None:
        over_cases = max(0, len(covered) - entitlement.included_cases)
        billable = tuple(c.id for c in covered[entitlement.included_cases :])
    over_time = _ZERO
    if entitlement.included_time is not None:
        over_time = max(_ZERO, used - entitlement.included_time)
    return EntitlementUsage(entitlement.id, len(covered), used, over_cases, over_time, billable)
