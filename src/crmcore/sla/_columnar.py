"""Columnar ``evaluate_many``: many cases' KPIs from their event columns (private).

Each case's history is read once into columns: the boundaries (its event
times up to ``now`` in UTC epoch µs, then ``now``) and the status in force on
each piece between two boundaries. The business length of every piece of
every case comes from one :meth:`BusinessCalendar.between_epochs` call per
calendar, and every threshold crossing and future deadline from one
:meth:`BusinessCalendar.add_epochs` call per calendar (vectorised with
numpy when the backend allows). What remains per target is a sum over
integer columns: no datetime arithmetic, no calendar call, no explanation
line. A clock starts and stops on boundaries (creation, a response, a
reopen, a resolution, ``now``), so every piece lies wholly inside or outside
it; business time is additive, so the sums equal :func:`evaluate`'s replay,
and a crossing found in a piece gives the same instant as in the merged
status segment (``add`` finds the earliest instant at a business position).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo

from crmcore._backend import Engine
from crmcore.calendars import BusinessCalendar
from crmcore.models import Account, AccountId, Case, CaseStatus
from crmcore.sla._engine import (
    KpiInstance,
    SlaEvaluation,
    _calendar_for,
    _choose,
    _clock,
    _not_started,
    _Replay,
    _Setup,
    _state,
)
from crmcore.sla._policy import SlaTarget

__all__ = ["evaluate_columns"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_ZERO = timedelta(0)


def _us(moment: datetime) -> int:
    return (moment - _EPOCH) // _US


def _from_us(value: int, tz: tzinfo) -> datetime:
    seconds, micro = divmod(value, 1_000_000)
    result = datetime.fromtimestamp(seconds, tz)
    return result.replace(microsecond=micro) if micro else result


class _Columns:
    """One case's history as columns: boundaries (µs) and the status of each piece."""

    __slots__ = ("bounds", "replay", "statuses")

    def __init__(self, replay: _Replay, now_us: int) -> None:
        bounds: list[int] = []
        statuses: list[CaseStatus] = []
        status = CaseStatus.NEW
        for event in replay.events:
            bounds.append(_us(event.at))
            if event.status is not None:
                status = event.status
            statuses.append(status)
        bounds.append(now_us)
        self.bounds = bounds
        self.statuses = statuses
        self.replay = replay


class _Plan:
    """What one target needs per piece, worked out once per call."""

    __slots__ = ("counted", "limit", "paused", "warn")

    def __init__(self, target: SlaTarget) -> None:
        self.paused = frozenset(target.pause_statuses)
        self.counted = frozenset(
            s for s in CaseStatus if s.is_active and s not in target.pause_statuses
        )
        self.warn = target.warning_after // _US
        self.limit = target.duration // _US


class _Job:
    """One target of one case: its clock, and where its pieces' lengths will be."""

    __slots__ = (
        "breach",
        "calendar",
        "columns",
        "done",
        "elapsed",
        "name",
        "offset",
        "paused",
        "plan",
        "start",
        "target",
        "warning",
    )

    def __init__(
        self,
        columns: _Columns,
        plan: _Plan,
        target: SlaTarget,
        calendar: BusinessCalendar,
        name: str,
    ) -> None:
        self.columns = columns
        self.plan = plan
        self.target = target
        self.calendar = calendar
        self.name = name
        self.start, self.done, _rule = _clock(columns.replay, target)
        self.offset = 0
        self.elapsed = 0
        self.paused = 0
        # A threshold is first a crossing (from µs, business µs to add), then the
        # index of its instant among its calendar's additions; None if never reached.
        self.warning: tuple[int, int] | int | None = None
        self.breach: tuple[int, int] | int | None = None


class _Batch:
    """Requests to one calendar: pieces to measure, then instants to add."""

    __slots__ = ("add_from", "add_span", "calendar", "ends", "lengths", "starts")

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.calendar = calendar
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.lengths: list[int] = []
        self.add_from: list[int] = []
        self.add_span: list[int] = []

    def request(self, crossing: tuple[int, int] | int | None) -> int | None:
        """Queue ``origin + span`` (business µs); the index of its future result."""
        if not isinstance(crossing, tuple):
            return None
        self.add_from.append(crossing[0])
        self.add_span.append(crossing[1])
        return len(self.add_from) - 1


def evaluate_columns(
    cases: Sequence[Case],
    setup: _Setup,
    *,
    now: datetime,
    accounts: Mapping[AccountId, Account],
    engine: Engine,
) -> list[SlaEvaluation]:
    """:func:`~crmcore.sla.evaluate_many` without explanations, over columns."""
    now_us = _us(now)
    batches: dict[int, _Batch] = {}
    plans: dict[int, _Plan] = {}
    heads = []
    for case in cases:
        replay, policy, entitlement = _choose(case, setup, now, accounts)
        jobs: list[_Job] = []
        if policy is not None:
            columns = _Columns(replay, now_us)
            offsets: dict[int, int] = {}
            for target in policy.targets:
                calendar, name = _calendar_for(target, policy, entitlement, setup.calendars)
                plan = plans.get(id(target))
                if plan is None:
                    plan = plans[id(target)] = _Plan(target)
                job = _Job(columns, plan, target, calendar, name)
                job.offset = offsets.get(id(calendar), -1)
                if job.offset < 0:  # this case's pieces, measured once per calendar
                    batch = batches.setdefault(id(calendar), _Batch(calendar))
                    job.offset = offsets[id(calendar)] = len(batch.starts)
                    batch.starts.extend(columns.bounds[:-1])
                    batch.ends.extend(columns.bounds[1:])
                jobs.append(job)
        heads.append((replay, policy, entitlement, jobs))
    for batch in batches.values():
        batch.lengths = batch.calendar.between_epochs(batch.starts, batch.ends, backend=engine)
    for _replay, _policy, _entitlement, jobs in heads:
        for job in jobs:
            batch = batches[id(job.calendar)]
            _sum_pieces(job, batch.lengths, now_us)
            _future(job, now_us)
            job.warning = batch.request(job.warning)
            job.breach = batch.request(job.breach)
    moments = _add_all(batches, engine)
    return [
        SlaEvaluation(
            replay.case.id,
            now,
            replay.priority,
            policy.name if policy is not None else None,
            entitlement.id if entitlement is not None else None,
            tuple(_kpi(job, moments[id(job.calendar)]) for job in jobs),
        )
        for replay, policy, entitlement, jobs in heads
    ]


def _sum_pieces(job: _Job, lengths: Sequence[int], now_us: int) -> None:
    """Elapsed and paused business µs over the job's clock, and the thresholds crossed."""
    if job.start is None:
        return
    columns = job.columns
    bounds, statuses = columns.bounds, columns.statuses
    start = _us(job.start)
    stop = now_us if job.done is None else _us(job.done)
    plan = job.plan
    pause, counted, warn, limit = plan.paused, plan.counted, plan.warn, plan.limit
    elapsed = paused = 0
    base = job.offset
    for k, status in enumerate(statuses):
        if bounds[k] < start or bounds[k + 1] > stop:
            continue  # outside the clock (clock bounds are boundaries)
        if status in pause:
            paused += lengths[base + k]
        elif status in counted:
            piece = lengths[base + k]
            if elapsed + piece >= warn and job.warning is None:
                job.warning = (bounds[k], warn - elapsed)
            if elapsed + piece >= limit and job.breach is None:
                job.breach = (bounds[k], limit - elapsed)
            elapsed += piece
    job.elapsed = elapsed
    job.paused = paused


def _future(job: _Job, now_us: int) -> None:
    """The thresholds still ahead while the clock runs at ``now``: ``now + remaining``."""
    status = job.columns.replay.status
    target = job.target
    if (
        job.start is None
        or job.done is not None
        or not status.is_active
        or status in target.pause_statuses
    ):
        return
    if job.warning is None:
        job.warning = (now_us, job.plan.warn - job.elapsed)
    if job.breach is None:
        job.breach = (now_us, job.plan.limit - job.elapsed)


def _add_all(batches: Mapping[int, _Batch], engine: Engine) -> dict[int, list[datetime]]:
    """Every requested instant, one ``add_epochs`` call per calendar."""
    by_calendar: dict[int, list[datetime]] = {}
    for key, batch in batches.items():
        tz = batch.calendar.timezone
        times = batch.calendar.add_epochs(batch.add_from, batch.add_span, backend=engine)
        by_calendar[key] = [_from_us(t, tz) for t in times]
    return by_calendar


def _kpi(job: _Job, moments: Sequence[datetime]) -> KpiInstance:
    target = job.target
    replay = job.columns.replay
    if job.start is None:
        return _not_started(target, job.name)
    elapsed = timedelta(microseconds=job.elapsed)
    return KpiInstance(
        name=target.name,
        kind=target.kind,
        state=_state(replay, target, job.done, elapsed, None),
        target=target.duration,
        elapsed=elapsed,
        paused=timedelta(microseconds=job.paused),
        remaining=target.duration - elapsed,
        calendar=job.name,
        started_at=job.start,
        warning_at=None if job.warning is None else moments[job.warning],  # type: ignore[index]
        breach_at=None if job.breach is None else moments[job.breach],  # type: ignore[index]
        completed_at=job.done if job.done is not None else replay.closed_at,
    )
