"""Productivity from activities, per owner and period (private; see ``crmcore.sales``).

- calls, emails, meetings: completed activities of that kind; tasks completed
- due: activities with a due time at or before ``now``; on time: completed by
  the due time; overdue: completed after it, or still open past it
- on-time rate = on time ÷ due; overdue rate = overdue ÷ due
- lateness: business hours from due to done of the late completed ones (mean)
- speed to lead: business hours from a lead's creation to the first
  completed activity regarding it (mean over the owner's leads)
- activities per won deal = completed activities ÷ deals won in the period
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

import attrs

from crmcore._checks import require_aware
from crmcore.calendars import BusinessCalendar, PeriodUnit, period_of
from crmcore.errors import ValidationError
from crmcore.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Lead,
    Opportunity,
    OpportunityStatus,
    RecordKind,
)
from crmcore.sales._common import UNASSIGNED, checked_iter, ratio

_HOUR = Decimal(3600)
_MICRO = Decimal(1_000_000)
_Q2 = Decimal("0.01")


@attrs.frozen
class ProductivityRow:
    """One owner's activity figures in one period."""

    owner: str
    period: str
    calls: int
    emails: int
    meetings: int
    tasks_completed: int
    completed: int
    due: int
    on_time: int
    overdue: int
    on_time_rate: Decimal | None
    overdue_rate: Decimal | None
    mean_lateness_hours: Decimal | None
    """Business hours, over the activities completed late."""
    speed_to_lead_hours: Decimal | None
    """Business hours from lead creation to first completed activity, mean."""
    won_deals: int
    activities_per_won_deal: Decimal | None


@attrs.frozen
class Productivity:
    """Rows per owner and period, sorted by owner then period."""

    rows: tuple[ProductivityRow, ...]
    now: datetime
    calendar: str

    def explain(self) -> tuple[str, ...]:
        """The definitions behind each column."""
        return (
            f"as of {self.now.isoformat()}; business hours on calendar {self.calendar!r}",
            "completed activities fall in the period of their completion, open ones in that"
            " of their due time; cancelled ones are not counted",
            "due = due at or before now; on time = completed by the due time; overdue ="
            " completed late or open past due; rates = count ÷ due",
            "lateness = business hours from due to done of late completions (mean)",
            "speed to lead = business hours from lead creation to its first completed"
            " activity (mean over the owner's leads created in the period)",
            "activities per won deal = completed activities ÷ deals won in the period",
        )


class _Spans:
    """A running mean of durations: their exact sum and how many."""

    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.total = timedelta(0)
        self.count = 0

    def append(self, span: timedelta) -> None:
        self.total += span
        self.count += 1


class _Cell:
    __slots__ = ("counts", "late", "speed", "won")

    def __init__(self) -> None:
        self.counts: dict[str, int] = defaultdict(int)
        self.late = _Spans()
        self.speed = _Spans()
        self.won = 0


_KIND_FIELD = {
    ActivityKind.PHONE_CALL: "calls",
    ActivityKind.EMAIL: "emails",
    ActivityKind.MEETING: "meetings",
    ActivityKind.TASK: "tasks_completed",
}


def _hours(spans: _Spans) -> Decimal | None:
    if not spans.count:
        return None
    total = spans.total
    micro = (total.days * 86_400 + total.seconds) * 1_000_000 + total.microseconds
    return (Decimal(micro) / _MICRO / _HOUR / spans.count).quantize(_Q2)


def _add_activity(
    cells: dict[tuple[str, str], _Cell],
    act: Activity,
    now: datetime,
    calendar: BusinessCalendar,
    unit: PeriodUnit,
) -> None:
    done = act.status is ActivityStatus.COMPLETED
    when = act.done_at if done else act.due_at
    if act.status is ActivityStatus.CANCELLED or when is None:
        return
    label = period_of(when.astimezone(calendar.timezone).date(), unit).label
    cell = cells.setdefault((str(act.owner) if act.owner else UNASSIGNED, label), _Cell())
    if done:
        cell.counts["completed"] += 1
        cell.counts[_KIND_FIELD[act.kind]] += 1
    due = act.due_at
    if due is None or due > now:
        return
    cell.counts["due"] += 1
    if done and act.done_at is not None and act.done_at <= due:
        cell.counts["on_time"] += 1
    elif done and act.done_at is not None:
        cell.counts["overdue"] += 1
        cell.late.append(calendar.between(due, act.done_at))
    elif due < now:
        cell.counts["overdue"] += 1


def productivity(
    activities: Iterable[Activity],
    *,
    now: datetime,
    calendar: BusinessCalendar,
    unit: PeriodUnit | str = PeriodUnit.GREGORIAN_MONTH,
    leads: Iterable[Lead] = (),
    opportunities: Iterable[Opportunity] = (),
) -> Productivity:
    """Activity figures per owner and period of ``unit`` (periods in the calendar's zone)."""
    tally = ProductivityTally(now=now, calendar=calendar, unit=unit)
    tally.add(activities)
    return tally.result(leads=leads, opportunities=opportunities)


class ProductivityTally:
    """:func:`productivity` a chunk of activities at a time: :meth:`add` counts them
    into per-(owner, period) cells and keeps each lead's first completed touch;
    :meth:`result` adds the leads and opportunities and gives the
    :class:`Productivity` of everything, exactly ``productivity(all activities)``.

    Memory grows with the (owner, period) cells and the leads touched, not with
    the activities. Two tallies with the same settings :meth:`merge`.

    >>> from datetime import UTC
    >>> from crmcore.calendars import BusinessCalendar
    >>> from crmcore.models import ActivityId, UserId
    >>> cal = BusinessCalendar.always("UTC")
    >>> now = datetime(2026, 5, 31, tzinfo=UTC)
    >>> calls = [Activity(id=ActivityId(f"a{i}"), kind=ActivityKind.PHONE_CALL, subject="hi",
    ...     owner=UserId("sara"), status=ActivityStatus.COMPLETED, done_at=now) for i in (1, 2)]
    >>> tally = ProductivityTally(now=now, calendar=cal)
    >>> tally.add(calls[:1]); tally.add(calls[1:])
    >>> row = tally.result().rows[0]
    >>> row.owner, row.period, row.calls, row.completed
    ('sara', '2026-05', 2, 2)
    """

    def __init__(
        self,
        *,
        now: datetime,
        calendar: BusinessCalendar,
        unit: PeriodUnit | str = PeriodUnit.GREGORIAN_MONTH,
    ) -> None:
        require_aware(now, obj="productivity", field="now")
        if not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                obj="productivity", field="calendar", value=calendar, expected="a BusinessCalendar"
            )
        self.now = now
        self.calendar = calendar
        self.grid = PeriodUnit.parse(unit)
        self.cells: dict[tuple[str, str], _Cell] = {}
        self.first: dict[str, datetime] = {}

    def add(self, activities: Iterable[Activity]) -> None:
        """Count more activities (cancelled ones and those without a time are skipped)."""
        cells, first = self.cells, self.first
        for act in activities:
            _is_activity(act)
            _add_activity(cells, act, self.now, self.calendar, self.grid)
            ref = act.regarding
            if act.done_at is None or ref is None or ref.kind is not RecordKind.LEAD:
                continue
            if ref.id not in first or act.done_at < first[ref.id]:
                first[ref.id] = act.done_at

    def merge(self, other: ProductivityTally) -> ProductivityTally:
        """A new tally of both parts (same ``now``, calendar and unit)."""
        if not isinstance(other, ProductivityTally) or (other.now, other.calendar, other.grid) != (
            self.now,
            self.calendar,
            self.grid,
        ):
            raise ValidationError(
                obj="ProductivityTally",
                field="other",
                value=type(other).__name__,
                expected="a ProductivityTally with the same now, calendar and unit",
            )
        out = ProductivityTally(now=self.now, calendar=self.calendar, unit=self.grid)
        for part in (self, other):
            for key, cell in part.cells.items():
                _merge_cell(out.cells.setdefault(key, _Cell()), cell)
            for lead, at in part.first.items():
                if lead not in out.first or at < out.first[lead]:
                    out.first[lead] = at
        return out

    def result(
        self, *, leads: Iterable[Lead] = (), opportunities: Iterable[Opportunity] = ()
    ) -> Productivity:
        """The figures of every activity added, with speed to lead from ``leads`` and
        activities per won deal from ``opportunities`` (each read once, one at a
        time: a stream of chunks is never held whole)."""
        cells = {key: _merge_cell(_Cell(), cell) for key, cell in self.cells.items()}
        calendar, grid = self.calendar, self.grid
        for lead in checked_iter(leads, Lead, obj="productivity", field="leads"):
            touched = self.first.get(str(lead.id))
            if lead.created_at is None or touched is None or touched < lead.created_at:
                continue
            label = period_of(lead.created_at.astimezone(calendar.timezone).date(), grid).label
            owner = str(lead.owner) if lead.owner else UNASSIGNED
            cells.setdefault((owner, label), _Cell()).speed.append(
                calendar.between(lead.created_at, touched)
            )
        for opp in checked_iter(
            opportunities, Opportunity, obj="productivity", field="opportunities"
        ):
            if opp.status is OpportunityStatus.WON and opp.actual_close_date is not None:
                owner = str(opp.owner) if opp.owner else UNASSIGNED
                label = period_of(opp.actual_close_date, grid).label
                cells.setdefault((owner, label), _Cell()).won += 1
        rows = [_row(owner, label, cell) for (owner, label), cell in sorted(cells.items())]
        return Productivity(tuple(rows), self.now, calendar.name)


def _merge_cell(into: _Cell, cell: _Cell) -> _Cell:
    for name, count in cell.counts.items():
        into.counts[name] += count
    for mine, theirs in ((into.late, cell.late), (into.speed, cell.speed)):
        mine.total += theirs.total
        mine.count += theirs.count
    into.won += cell.won
    return into


def _is_activity(value: object) -> bool:
    if not isinstance(value, Activity):
        raise ValidationError(
            obj="productivity", field="activities", value=value, expected="Activity records"
        )
    return True


def _row(owner: str, label: str, cell: _Cell) -> ProductivityRow:
    c = cell.counts
    return ProductivityRow(
        owner=owner,
        period=label,
        calls=c["calls"],
        emails=c["emails"],
        meetings=c["meetings"],
        tasks_completed=c["tasks_completed"],
        completed=c["completed"],
        due=c["due"],
        on_time=c["on_time"],
        overdue=c["overdue"],
        on_time_rate=ratio(c["on_time"], c["due"]),
        overdue_rate=ratio(c["overdue"], c["due"]),
        mean_lateness_hours=_hours(cell.late),
        speed_to_lead_hours=_hours(cell.speed),
        won_deals=cell.won,
        activities_per_won_deal=ratio(c["completed"], cell.won),
    )
