"""Columnar ``evaluate_many``: many cases' KPIs from their event columns (private).

Each case's history is read once into columns: the boundaries (its event
times up to ``now`` in UTC epoch µs, then ``now``), the status in force on
each piece between two boundaries, and where the clocks start and stop (as
indices of boundaries). The business length of every piece comes from one
:meth:`BusinessCalendar.between_epochs` call per calendar and slice of
cases, and every threshold crossing and future deadline from one
:meth:`BusinessCalendar.add_epochs` call per calendar and slice (vectorised
with numpy when the backend allows). What remains per target is a sum over integer
columns: no datetime arithmetic, no calendar call, no explanation line. A
clock starts and stops on boundaries (creation, a response, a reopen, a
resolution, ``now``), so every piece lies wholly inside or outside it;
business time is additive, so the sums equal :func:`evaluate`'s replay, and a
crossing found in a piece gives the same instant as in the merged status
segment (``add`` finds the earliest instant at a business position).

Cases go through in slices of :data:`_SLICE`: a slice's working objects (its
columns, jobs and request lists) are freed before the next slice starts, so
they never pile up into the garbage collector's older generations; only the
results live on. (Keeping every case's columns until one batch call at the
end made the collector walk the whole heap two or three times per 100,000
cases, 35-40 % of the time; in slices it walks it once, for the results,
~20 %. The collector's settings are left alone.)
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from crmcore._backend import Engine
from crmcore.calendars import BusinessCalendar
from crmcore.models import Account, AccountId, Case, CaseEventKind, CaseStatus
from crmcore.sla._engine import (
    KpiInstance,
    SlaEvaluation,
    _calendar_for,
    _choose,
    _not_started,
    _Replay,
    _Setup,
    _state,
)
from crmcore.sla._policy import Entitlement, KpiKind, SlaPolicy, SlaTarget

__all__ = ["evaluate_columns"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_SLICE = 64
"""Cases per slice: under a thousand working objects, nearly all freed before the
collector's next generation-1 pass (about every 7,000 net allocations by default)
could move them to the oldest generation. 64 measured best of 64-512."""

_RESPONDED = CaseEventKind.RESPONDED
_RESOLVED = CaseEventKind.RESOLVED
_REOPENED = CaseEventKind.REOPENED
# How a piece in a status counts for a target: not at all, towards elapsed, as paused.
_SKIP, _COUNT, _PAUSE = 0, 1, 2


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def _from_us(value: int, tz: tzinfo) -> datetime:
    seconds, micro = divmod(value, 1_000_000)
    result = datetime.fromtimestamp(seconds, tz)
    return result.replace(microsecond=micro) if micro else result


class _Columns:
    """One case's history as columns: boundaries (µs), the status of each piece, and
    the indices of the events the clocks start and stop on (-1: none)."""

    __slots__ = ("answered", "bounds", "replay", "restarted", "statuses")

    def __init__(self, replay: _Replay, now_us: int) -> None:
        events = replay.events
        bounds = [(event.at - _EPOCH) // _US for event in events]
        bounds.append(now_us)
        statuses: list[CaseStatus] = []
        status = CaseStatus.NEW
        answered = restarted = -1
        for k, event in enumerate(events):
            if event.status is not None:
                status = event.status
            statuses.append(status)
            kind = event.kind
            if kind is _RESPONDED or kind is _REOPENED:
                restarted = k
            if answered < 0 and (kind is _RESPONDED or kind is _RESOLVED):
                answered = k
        self.bounds = bounds
        self.statuses = statuses
        self.replay = replay
        self.answered = answered
        """The first response or resolution."""
        self.restarted = restarted
        """The latest response or reopen."""

    def clock(self, target: SlaTarget) -> tuple[int, int]:
        """Start and stop event indices of ``target``'s clock (start -1: not started;
        stop -1: still running), the rules of :func:`crmcore.sla._engine._clock`."""
        kind = target.kind
        if kind is KpiKind.FIRST_RESPONSE:
            return 0, self.answered
        if kind is KpiKind.RESOLUTION:
            return 0, self._last_resolved()
        if kind is KpiKind.NEXT_RESPONSE:
            return self._next_response()
        event, status = target.success_event, target.success_status
        for k, e in enumerate(self.replay.events):
            if (event is not None and e.kind is event) or (
                status is not None and e.status is status
            ):
                return 0, k
        return 0, -1

    def _last_resolved(self) -> int:
        if self.replay.status is not CaseStatus.RESOLVED:
            return -1
        events = self.replay.events
        return next(k for k in range(len(events) - 1, -1, -1) if events[k].kind is _RESOLVED)

    def _next_response(self) -> tuple[int, int]:
        events = self.replay.events
        start = self.restarted
        if start < 0 or not any(e.kind is _RESPONDED for e in events):
            return -1, -1
        # The first resolution at or after the start's time (ties in time included).
        first = bisect_left(self.bounds, self.bounds[start], 0, start)
        for k in range(first, len(events)):
            if events[k].kind is _RESOLVED:
                return start, k
        return start, -1


class _Plan:
    """What one target needs per piece, worked out once per call."""

    __slots__ = ("classes", "limit", "warn")

    def __init__(self, target: SlaTarget) -> None:
        self.classes = {
            s: _PAUSE if s in target.pause_statuses else _COUNT if s.is_active else _SKIP
            for s in CaseStatus
        }
        self.warn = target.warning_after // _US
        self.limit = target.duration // _US


class _Batch:
    """Requests to one calendar: pieces to measure, then instants to add."""

    __slots__ = (
        "add_from",
        "add_span",
        "calendar",
        "ends",
        "lengths",
        "moments",
        "offset",
        "owner",
        "starts",
    )

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.lengths: list[int] = []
        self.add_from: list[int] = []
        self.add_span: list[int] = []
        self.moments: list[datetime] = []
        # The case whose pieces were queued last, and where they start.
        self.owner: _Columns | None = None
        self.offset = 0

    def request(self, origin: int, span: int) -> int:
        """Queue ``origin + span`` (business µs); the index of its future result."""
        self.add_from.append(origin)
        self.add_span.append(span)
        return len(self.add_from) - 1


class _Slot:
    """One target of a policy as the columns need it: plan, calendar and its name."""

    __slots__ = ("calendar", "name", "plan", "target")

    def __init__(self, target: SlaTarget, plan: _Plan, calendar: BusinessCalendar, name: str):
        self.target = target
        self.plan = plan
        self.calendar = calendar
        self.name = name


class _Job:
    """One target of one case: its clock, its sums, and its thresholds' requests."""

    __slots__ = (
        "batch",
        "breach",
        "columns",
        "done",
        "elapsed",
        "offset",
        "paused",
        "slot",
        "start",
        "warning",
    )

    def __init__(self, columns: _Columns, slot: _Slot, batch: _Batch, offset: int) -> None:
        self.columns = columns
        self.slot = slot
        self.batch = batch
        self.offset = offset
        self.start, self.done = columns.clock(slot.target)
        self.elapsed = 0
        self.paused = 0
        # Index of the threshold's instant among its batch's additions; -1: never reached.
        self.warning = -1
        self.breach = -1


class _Call:
    """What every slice of one call shares: arguments, each policy's slots, and
    not-started KPIs."""

    __slots__ = ("accounts", "engine", "idle", "layouts", "now", "now_us", "plans", "setup")

    def __init__(
        self,
        setup: _Setup,
        now: datetime,
        accounts: Mapping[AccountId, Account],
        engine: Engine,
    ) -> None:
        self.setup = setup
        self.now = now
        self.now_us = _us(now)
        self.accounts = accounts
        self.engine = engine
        self.plans: dict[int, _Plan] = {}
        self.layouts: dict[tuple[int, int], tuple[_Slot, ...]] = {}
        # Frozen and equal by value, so one per target and calendar name serves every case.
        self.idle: dict[tuple[int, str], KpiInstance] = {}

    def slots(self, policy: SlaPolicy, entitlement: Entitlement | None) -> tuple[_Slot, ...]:
        """The policy's targets with their plans and calendars (the same for every case)."""
        key = (id(policy), id(entitlement))
        found = self.layouts.get(key)
        if found is None:
            calendars = self.setup.calendars
            found = self.layouts[key] = tuple(
                _Slot(t, self._plan(t), *_calendar_for(t, policy, entitlement, calendars))
                for t in policy.targets
            )
        return found

    def _plan(self, target: SlaTarget) -> _Plan:
        plan = self.plans.get(id(target))
        if plan is None:
            plan = self.plans[id(target)] = _Plan(target)
        return plan

    def not_started(self, slot: _Slot) -> KpiInstance:
        """The KPI of a target whose clock has not started."""
        key = (id(slot.target), slot.name)
        kpi = self.idle.get(key)
        if kpi is None:
            kpi = self.idle[key] = _not_started(slot.target, slot.name)
        return kpi


class _Head:
    """One case of a slice: its replay, the policy chosen and its targets' jobs."""

    __slots__ = ("entitlement", "jobs", "policy", "replay")

    def __init__(
        self, replay: _Replay, policy: SlaPolicy | None, entitlement: Entitlement | None
    ) -> None:
        self.replay = replay
        self.policy = policy
        self.entitlement = entitlement
        self.jobs: list[_Job] = []


def evaluate_columns(
    cases: Sequence[Case],
    setup: _Setup,
    *,
    now: datetime,
    accounts: Mapping[AccountId, Account],
    engine: Engine,
) -> list[SlaEvaluation]:
    """:func:`~crmcore.sla.evaluate_many` without explanations, over columns."""
    call = _Call(setup, now, accounts, engine)
    result: list[SlaEvaluation] = []
    for first in range(0, len(cases), _SLICE):
        result.extend(_evaluate_slice(cases[first : first + _SLICE], call))
    return result


def _evaluate_slice(cases: Sequence[Case], call: _Call) -> list[SlaEvaluation]:
    batches: dict[int, _Batch] = {}
    heads = [_head(case, call, batches) for case in cases]
    engine = call.engine
    for batch in batches.values():
        batch.lengths = batch.calendar.between_epochs(batch.starts, batch.ends, backend=engine)
    now_us = call.now_us
    for head in heads:
        for job in head.jobs:
            _sum_pieces(job, now_us)
            _future(job, now_us)
    for batch in batches.values():
        _add_all(batch, engine)
    now = call.now
    return [
        SlaEvaluation(
            head.replay.case.id,
            now,
            head.replay.priority,
            head.policy.name if head.policy is not None else None,
            head.entitlement.id if head.entitlement is not None else None,
            tuple([_kpi(job, call) for job in head.jobs]),
        )
        for head in heads
    ]


def _head(case: Case, call: _Call, batches: dict[int, _Batch]) -> _Head:
    """Choose the case's policy, read its columns and queue its pieces per calendar."""
    head = _Head(*_choose(case, call.setup, call.now, call.accounts))
    policy = head.policy
    if policy is None:
        return head
    columns = _Columns(head.replay, call.now_us)
    bounds = columns.bounds
    batch = None
    offset = 0
    for slot in call.slots(policy, head.entitlement):
        if batch is None or slot.calendar is not batch.calendar:
            batch = batches.get(id(slot.calendar))
            if batch is None:
                batch = batches[id(slot.calendar)] = _Batch(slot.calendar)
            if batch.owner is not columns:
                # This case's pieces, measured once per calendar.
                batch.owner = columns
                batch.offset = len(batch.starts)
                batch.starts.extend(bounds[:-1])
                batch.ends.extend(bounds[1:])
            offset = batch.offset
        head.jobs.append(_Job(columns, slot, batch, offset))
    return head


def _sum_pieces(job: _Job, now_us: int) -> None:
    """Elapsed and paused business µs over the job's clock, and the thresholds crossed."""
    if job.start < 0:
        return
    bounds = job.columns.bounds
    statuses = job.columns.statuses
    start = bounds[job.start]
    stop = now_us if job.done < 0 else bounds[job.done]
    # Pieces wholly inside the clock: from the first boundary at its start to the last at
    # its stop (the boundaries are sorted; the clock's ends are boundaries).
    first = bisect_left(bounds, start)
    last = bisect_right(bounds, stop) - 1
    plan = job.slot.plan
    classes, warn, limit = plan.classes, plan.warn, plan.limit
    lengths = job.batch.lengths
    elapsed = paused = 0
    base = job.offset
    for k in range(first, last):
        kind = classes[statuses[k]]
        if kind == _PAUSE:
            paused += lengths[base + k]
        elif kind == _COUNT:
            piece = lengths[base + k]
            if elapsed + piece >= warn and job.warning < 0:
                job.warning = job.batch.request(bounds[k], warn - elapsed)
            if elapsed + piece >= limit and job.breach < 0:
                job.breach = job.batch.request(bounds[k], limit - elapsed)
            elapsed += piece
    job.elapsed = elapsed
    job.paused = paused


def _future(job: _Job, now_us: int) -> None:
    """The thresholds still ahead while the clock runs at ``now``: ``now + remaining``."""
    plan = job.slot.plan
    # Counting now: started, not stopped, and the case active and not paused.
    if job.start < 0 or job.done >= 0 or plan.classes[job.columns.replay.status] != _COUNT:
        return
    if job.warning < 0:
        job.warning = job.batch.request(now_us, plan.warn - job.elapsed)
    if job.breach < 0:
        job.breach = job.batch.request(now_us, plan.limit - job.elapsed)


def _add_all(batch: _Batch, engine: Engine) -> None:
    """Every instant requested of one calendar, in one ``add_epochs`` call."""
    tz = batch.calendar.timezone
    times = batch.calendar.add_epochs(batch.add_from, batch.add_span, backend=engine)
    batch.moments = [_from_us(t, tz) for t in times]


def _kpi(job: _Job, call: _Call) -> KpiInstance:
    slot = job.slot
    if job.start < 0:
        return call.not_started(slot)
    target = slot.target
    replay = job.columns.replay
    events = replay.events
    done = events[job.done].at if job.done >= 0 else None
    elapsed = timedelta(microseconds=job.elapsed)
    # Positional, in KpiInstance's field order (cheaper than keywords on this path).
    return KpiInstance(
        target.name,
        target.kind,
        _state(replay, target, done, elapsed, None),
        target.duration,
        elapsed,
        timedelta(microseconds=job.paused),
        target.duration - elapsed,
        slot.name,
        events[job.start].at,
        job.batch.moments[job.warning] if job.warning >= 0 else None,
        job.batch.moments[job.breach] if job.breach >= 0 else None,
        done if done is not None else replay.closed_at,
    )
