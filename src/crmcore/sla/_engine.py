"""Replaying a case's history against SLA targets (private)."""

from __future__ import annotations

import enum
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

import attrs

from crmcore._checks import require_aware, require_items
from crmcore.calendars import BusinessCalendar
from crmcore.errors import SlaError, ValidationError
from crmcore.models import (
    Account,
    AccountId,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseId,
    CasePriority,
    CaseStatus,
)
from crmcore.sla._policy import Entitlement, KpiKind, SlaPolicy, SlaTarget

__all__ = [
    "EntitlementUsage",
    "KpiInstance",
    "KpiState",
    "SlaEvaluation",
    "entitlement_usage",
    "evaluate",
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
    steps: tuple[str, ...] = ()
    """How the figures were derived, one line per step (empty when not asked for)."""

    def explain(self) -> tuple[str, ...]:
        """Human-readable lines, in the order the figures were derived.

        The calendar and target, the clock rule, every pause, priority
        changes, the result and the breach time.
        """
        return self.steps


@attrs.frozen
class SlaEvaluation:
    """All KPIs of one case: which policy (and entitlement) applied, and why.

    ``selection`` says why the policy (or entitlement) was chosen, or that
    none matched.
    """

    case_id: CaseId
    now: datetime
    priority: CasePriority
    policy: str | None
    entitlement: str | None
    kpis: tuple[KpiInstance, ...]
    selection: str = ""

    def explain(self) -> tuple[str, ...]:
        """The policy/entitlement choice, then every KPI's lines prefixed by its name.

        >>> from datetime import UTC, datetime
        >>> from crmcore.models import CaseId, CasePriority
        >>> now = datetime(2025, 1, 6, tzinfo=UTC)
        >>> SlaEvaluation(CaseId("C1"), now, CasePriority.LOW, None, None, (),
        ...               "no policy matches").explain()
        ('no policy matches',)
        """
        lines = [self.selection] if self.selection else []
        for kpi in self.kpis:
            lines.extend(f"{kpi.name}: {step}" for step in kpi.steps)
        return tuple(lines)

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


def _event_time(event: CaseEvent) -> datetime:
    return event.at


class _Replay:
    """A case's history up to ``now``, read once for every target of its policy."""

    __slots__ = ("case", "events", "now", "priority", "since", "status")

    def __init__(self, case: Case, now: datetime) -> None:
        events = case.events
        if events[-1].at > now:  # events after `now` are not seen
            events = events[: bisect_right(events, now, key=_event_time)]
        status = CaseStatus.NEW
        since = case.created_at
        priority = events[0].priority
        for event in events:
            if event.status is not None:
                status, since = event.status, event.at
            if event.priority is not None:
                priority = event.priority
        self.case = case
        self.now = now
        self.events = events
        self.status = status
        """The status at ``now``: computed here, once."""
        self.since = since
        """When that status was entered (the closing time of a closed case)."""
        # Case guarantees the 'created' event carries a priority.
        self.priority: CasePriority = priority or CasePriority.NORMAL

    @property
    def closed_at(self) -> datetime | None:
        """When the case was resolved or cancelled, if it is closed at ``now``."""
        return None if self.status.is_active else self.since

    def segments(
        self, start: datetime, stop: datetime
    ) -> list[tuple[datetime, datetime, CaseStatus]]:
        """``(from, to, status)`` pieces of the history between ``start`` and ``stop``."""
        result: list[tuple[datetime, datetime, CaseStatus]] = []
        status = CaseStatus.NEW
        since = self.case.created_at
        for event in self.events:
            if event.at > stop:
                break
            if event.status is not None:
                lo, hi = max(since, start), min(event.at, stop)
                if hi > lo:
                    result.append((lo, hi, status))
                status = event.status
                since = event.at
        lo = max(since, start)
        if stop > lo:
            result.append((lo, stop, status))
        return result

    def priority_notes(self) -> list[str]:
        """One explanation line per priority change."""
        return [
            f"priority changed to {event.priority} at {event.at.isoformat()}: "
            "elapsed time kept against the target of the policy now applying"
            for event in self.events
            if event.kind is CaseEventKind.PRIORITY_CHANGED
        ]


class _Setup:
    """The arguments shared by every case of a call, checked once."""

    __slots__ = ("calendars", "entitlements", "explain", "policies")

    def __init__(
        self, obj: str, policies: object, calendars: object, entitlements: object, *, explain: bool
    ) -> None:
        self.policies = require_items(policies, SlaPolicy, obj=obj, field="policies")
        self.entitlements = require_items(entitlements, Entitlement, obj=obj, field="entitlements")
        self.calendars = _check_calendars(obj, calendars)
        self.explain = explain


def _check_calendars(obj: str, calendars: object) -> Mapping[str, BusinessCalendar]:
    """The calendars by name, or a ValidationError naming the bad one."""
    if calendars is None:
        return {}
    if not isinstance(calendars, Mapping):
        raise ValidationError(
            obj=obj,
            field="calendars",
            value=calendars,
            expected="a mapping of calendar name to BusinessCalendar",
        )
    for name, calendar in calendars.items():
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                obj=obj, field=f"calendars[{name!r}]", value=calendar, expected="a BusinessCalendar"
            )
    return calendars


def _select(
    case: Case, setup: _Setup, priority: CasePriority, tier: str | None
) -> tuple[SlaPolicy | None, Entitlement | None, str]:
    """The customer's entitlement's policy, else the first policy whose condition matches."""
    for entitlement in setup.entitlements:
        if entitlement.covers(case):
            for policy in setup.policies:
                if policy.name == entitlement.policy:
                    why = (
                        f"entitlement {entitlement.id!r} of {case.account_id} "
                        f"selects policy {policy.name!r}"
                        if setup.explain
                        else ""
                    )
                    return policy, entitlement, why
            raise SlaError(
                obj="Entitlement",
                field="policy",
                value=entitlement.policy,
                expected="the name of one of the policies given",
            )
    for policy in setup.policies:
        if policy.applies_when.matches(case, priority, tier):
            why = (
                f"policy {policy.name!r} is the first whose conditions match "
                f"(priority {priority.value}, type {case.case_type.value}, "
                f"channel {case.channel.value}, tier {tier or '-'})"
                if setup.explain
                else ""
            )
            return policy, None, why
    return None, None, "no policy matches" if setup.explain else ""


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
    whose :class:`~crmcore.sla.PolicyCondition` matches (priority, type, channel,
    the account's tier). Every target is then computed over the *whole*
    history with that policy's durations and calendar, so a priority,
    policy or calendar change recomputes consistently: elapsed and paused
    time are never lost, and after a priority change the time already
    elapsed counts against the new target (it may then be breached at once;
    its ``breach_at`` is when the elapsed time reached the new target).
    Events after ``now`` are ignored. No matching policy gives no KPIs.
    :meth:`SlaEvaluation.explain` says how every figure was derived.
    """
    require_aware(now, obj="evaluate", field="now")
    if not isinstance(case, Case):
        raise ValidationError(obj="evaluate", field="case", value=case, expected="a Case")
    setup = _Setup("evaluate", policies, calendars, entitlements, explain=True)
    prepared = _prepare(case, setup, now=now, account=account)
    return prepared.assemble([part.finish_now() for part in prepared.parts])


@attrs.define
class _Prepared:
    """One case's policy choice and replayed targets, deadlines still to add."""

    case: Case
    now: datetime
    priority: CasePriority
    policy: SlaPolicy | None
    entitlement: Entitlement | None
    selection: str
    parts: list[_Partial]

    def assemble(self, kpis: Sequence[KpiInstance]) -> SlaEvaluation:
        """The evaluation, given the finished KPIs."""
        return SlaEvaluation(
            self.case.id,
            self.now,
            self.priority,
            self.policy.name if self.policy is not None else None,
            self.entitlement.id if self.entitlement is not None else None,
            tuple(kpis),
            self.selection,
        )


def _tier(case: Case, account: Account | None) -> str | None:
    if account is None:
        return None
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
    return account.tier


def _choose(
    case: Case, setup: _Setup, now: datetime, accounts: Mapping[AccountId, Account]
) -> tuple[_Replay, SlaPolicy | None, Entitlement | None]:
    """The case read up to ``now`` and the policy (and entitlement) that applies (no lines)."""
    replay, policy, entitlement, _why = _choose_explained(
        case, setup, now, accounts.get(case.account_id) if case.account_id else None
    )
    return replay, policy, entitlement


def _choose_explained(
    case: Case, setup: _Setup, now: datetime, account: Account | None
) -> tuple[_Replay, SlaPolicy | None, Entitlement | None, str]:
    if now < case.created_at:
        raise ValidationError(
            obj="evaluate",
            field="now",
            value=now,
            expected=f"at or after the case's creation ({case.created_at.isoformat()})",
        )
    tier = _tier(case, account)
    replay = _Replay(case, now)
    policy, entitlement, why = _select(case, setup, replay.priority, tier)
    return replay, policy, entitlement, why


def _prepare(case: Case, setup: _Setup, *, now: datetime, account: Account | None) -> _Prepared:
    replay, policy, entitlement, why = _choose_explained(case, setup, now, account)
    parts: list[_Partial] = []
    if policy is not None:
        parts = [
            _evaluate_target(
                replay,
                target,
                *_calendar_for(target, policy, entitlement, setup.calendars),
                explain=setup.explain,
            )
            for target in policy.targets
        ]
    return _Prepared(case, now, replay.priority, policy, entitlement, why, parts)


_ANSWERS = (CaseEventKind.RESPONDED, CaseEventKind.RESOLVED)
_STARTS_NEXT = (CaseEventKind.RESPONDED, CaseEventKind.REOPENED)


def _clock(replay: _Replay, target: SlaTarget) -> tuple[datetime | None, datetime | None, str]:
    """When the clock starts, when the target was met (``None`` if not yet), and the rule."""
    events = replay.events
    created = replay.case.created_at
    if target.kind is KpiKind.FIRST_RESPONSE:
        done = next((e.at for e in events if e.kind in _ANSWERS), None)
        return created, done, "clock starts at creation; stops at the first response"
    if target.kind is KpiKind.RESOLUTION:
        done = None
        if replay.status is CaseStatus.RESOLVED:
            done = next(e.at for e in reversed(events) if e.kind is CaseEventKind.RESOLVED)
        return created, done, "clock runs from creation until resolved (reopen resumes it)"
    if target.kind is KpiKind.NEXT_RESPONSE:
        return _next_response_clock(events)
    done = next(
        (
            e.at
            for e in events
            if (target.success_event is not None and e.kind is target.success_event)
            or (target.success_status is not None and e.status is target.success_status)
        ),
        None,
    )
    return created, done, "clock runs from creation until the success condition"


def _next_response_clock(
    events: Sequence[CaseEvent],
) -> tuple[datetime | None, datetime | None, str]:
    starts = [e.at for e in events if e.kind in _STARTS_NEXT]
    if not any(e.kind is CaseEventKind.RESPONDED for e in events):
        return None, None, "no response yet: the next-response clock has not started"
    start = starts[-1]
    done = next((e.at for e in events if e.at >= start and e.kind is CaseEventKind.RESOLVED), None)
    # The rule's {start} is filled in only when an explanation is asked for.
    return start, done, "clock starts at the latest response or reopen ({start})"


class _Tally:
    """Business time counted and paused over a KPI's clock, and the thresholds crossed."""

    __slots__ = ("breach_at", "elapsed", "paused", "warning_at")

    def __init__(self) -> None:
        self.elapsed = _ZERO
        self.paused = _ZERO
        self.warning_at: datetime | None = None
        self.breach_at: datetime | None = None


def _tally(
    replay: _Replay,
    target: SlaTarget,
    calendar: BusinessCalendar,
    span: tuple[datetime, datetime],
    steps: list[str] | None,
) -> _Tally:
    """Walk the status segments of ``span``: paused time, counted time, thresholds."""
    tally = _Tally()
    warn_after = target.warning_after
    duration = target.duration
    for lo, hi, status in replay.segments(*span):
        if status in target.pause_statuses:
            piece = calendar.between(lo, hi)
            tally.paused += piece
            if piece and steps is not None:
                steps.append(
                    f"paused {_fmt(piece)} in {status.value} from {lo.isoformat()} to {hi.isoformat()}"
                )
        elif status.is_active:
            piece = calendar.between(lo, hi)
            elapsed = tally.elapsed
            if tally.warning_at is None and elapsed + piece >= warn_after:
                tally.warning_at = calendar.add(lo, warn_after - elapsed)
            if tally.breach_at is None and elapsed + piece >= duration:
                tally.breach_at = calendar.add(lo, duration - elapsed)
            tally.elapsed = elapsed + piece
    return tally


def _state(
    replay: _Replay,
    target: SlaTarget,
    done: datetime | None,
    elapsed: timedelta,
    steps: list[str] | None,
) -> KpiState:
    """The KPI state at ``now`` from the case status (computed once, in the replay)."""
    status = replay.status
    note = None
    if done is not None:
        state = KpiState.SUCCEEDED if elapsed <= target.duration else KpiState.BREACHED
        if steps is not None:
            note = f"met at {done.isoformat()} after {_fmt(elapsed)} of business time"
    elif not status.is_active:
        state = KpiState.BREACHED if elapsed >= target.duration else KpiState.CANCELLED
        note = f"case {status.value} before the target was met"
    elif elapsed >= target.duration:
        state = KpiState.BREACHED
    elif status in target.pause_statuses:
        state = KpiState.PAUSED
        note = f"paused now ({status.value}): deadlines resume with the clock"
    elif elapsed >= target.warning_after:
        state = KpiState.WARNING
    else:
        state = KpiState.IN_PROGRESS
    if note is not None and steps is not None:
        steps.append(note)
    return state


def _pending(
    replay: _Replay, target: SlaTarget, done: datetime | None, tally: _Tally
) -> tuple[tuple[str, timedelta], ...]:
    """The thresholds still ahead while the clock runs at ``now`` (added later, in batch)."""
    status = replay.status
    if done is not None or not status.is_active or status in target.pause_statuses:
        return ()
    pending: list[tuple[str, timedelta]] = []
    if tally.warning_at is None:
        pending.append(("warning_at", target.warning_after - tally.elapsed))
    if tally.breach_at is None:
        pending.append(("breach_at", target.duration - tally.elapsed))
    return tuple(pending)


def _not_started(target: SlaTarget, cal_name: str, steps: tuple[str, ...] = ()) -> KpiInstance:
    """A KPI whose clock has not started (a next response before any response)."""
    return KpiInstance(
        name=target.name,
        kind=target.kind,
        state=KpiState.NOT_STARTED,
        target=target.duration,
        elapsed=_ZERO,
        paused=_ZERO,
        remaining=target.duration,
        calendar=cal_name,
        steps=steps,
    )


def _evaluate_target(
    replay: _Replay,
    target: SlaTarget,
    calendar: BusinessCalendar,
    cal_name: str,
    *,
    explain: bool,
) -> _Partial:
    steps: list[str] | None = None
    if explain:
        steps = [
            f"calendar {cal_name}; target {_fmt(target.duration)}, "
            f"warning at {_fmt(target.warning_after)}"
        ]
    start, done, rule = _clock(replay, target)
    if steps is not None:
        steps.append(rule.format(start=start.isoformat()) if start is not None else rule)
    if start is None:
        idle = _not_started(target, cal_name, tuple(steps or ()))
        return _Partial(idle, calendar, replay.now, (), explain=explain)
    tally = _tally(replay, target, calendar, (start, replay.now if done is None else done), steps)
    if steps is not None:
        steps.extend(replay.priority_notes())
    state = _state(replay, target, done, tally.elapsed, steps)
    remaining = target.duration - tally.elapsed
    if steps is not None:
        steps.append(
            f"elapsed {_fmt(tally.elapsed)}, paused {_fmt(tally.paused)}, remaining {_fmt(remaining)}"
        )
    kpi = KpiInstance(
        name=target.name,
        kind=target.kind,
        state=state,
        target=target.duration,
        elapsed=tally.elapsed,
        paused=tally.paused,
        remaining=remaining,
        calendar=cal_name,
        started_at=start,
        warning_at=tally.warning_at,
        breach_at=tally.breach_at,
        completed_at=done if done is not None else replay.closed_at,
        steps=tuple(steps or ()),
    )
    return _Partial(
        kpi, calendar, replay.now, _pending(replay, target, done, tally), explain=explain
    )


class _Partial:
    """A replayed KPI whose future deadlines (``now + remaining``) are still to be added."""

    __slots__ = ("calendar", "explain", "kpi", "now", "pending")

    def __init__(
        self,
        kpi: KpiInstance,
        calendar: BusinessCalendar,
        now: datetime,
        pending: tuple[tuple[str, timedelta], ...],
        *,
        explain: bool,
    ) -> None:
        self.kpi = kpi
        self.calendar = calendar
        self.now = now
        self.pending = pending
        self.explain = explain

    def finish(self, resolved: Mapping[str, datetime]) -> KpiInstance:
        """The KPI with the resolved deadlines and the closing line of the explanation."""
        kpi = self.kpi
        if resolved:
            kpi = attrs.evolve(
                kpi,
                warning_at=resolved.get("warning_at", kpi.warning_at),
                breach_at=resolved.get("breach_at", kpi.breach_at),
            )
        if self.explain and kpi.breach_at is not None:
            word = "at" if kpi.breach_at <= self.now else "due"
            line = f"breach {word} {kpi.breach_at.isoformat()}"
            kpi = attrs.evolve(kpi, steps=(*kpi.steps, line))
        return kpi

    def finish_now(self) -> KpiInstance:
        """Resolve the deadlines one by one (the scalar path)."""
        return self.finish({f: self.calendar.add(self.now, d) for f, d in self.pending})


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
    checked = require_items(cases, Case, obj="entitlement_usage", field="cases")
    calendar = _usage_calendar(entitlement, _check_calendars("entitlement_usage", calendars))
    covered = sorted(
        (c for c in checked if entitlement.covers(c) and c.created_at <= now),
        key=lambda c: c.created_at,
    )
    used = sum((_handling_time(c, entitlement, calendar, now) for c in covered), _ZERO)
    over_cases = 0
    billable: tuple[CaseId, ...] = ()
    if entitlement.included_cases is not None:
        over_cases = max(0, len(covered) - entitlement.included_cases)
        billable = tuple(c.id for c in covered[entitlement.included_cases :])
    over_time = _ZERO
    if entitlement.included_time is not None:
        over_time = max(_ZERO, used - entitlement.included_time)
    return EntitlementUsage(entitlement.id, len(covered), used, over_cases, over_time, billable)


def _usage_calendar(
    entitlement: Entitlement, calendars: Mapping[str, BusinessCalendar]
) -> BusinessCalendar:
    if entitlement.calendar is None:
        return _ALWAYS
    found = calendars.get(entitlement.calendar)
    if found is None:
        raise SlaError(
            obj="Entitlement",
            field="calendar",
            value=entitlement.calendar,
            expected="a calendar name among the calendars given",
        )
    return found


def _handling_time(
    case: Case, entitlement: Entitlement, calendar: BusinessCalendar, now: datetime
) -> timedelta:
    """Business time ``case`` was active and not paused, up to ``now``."""
    return sum(
        (
            calendar.between(lo, hi)
            for lo, hi, status in _Replay(case, now).segments(case.created_at, now)
            if status.is_active and status not in entitlement.pause_statuses
        ),
        _ZERO,
    )
