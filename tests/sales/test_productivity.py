"""Productivity from activities, checked by hand on a Mon-Fri 09:00-17:00 UTC calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ValidationError
from crmcore.models import (
    Activity,
    ActivityId,
    ActivityKind,
    Lead,
    LeadId,
    Opportunity,
    OpportunityId,
    RecordRef,
    UserId,
)
from crmcore.money import Money
from crmcore.sales import productivity

CAL = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), name="office")
NOW = datetime(2026, 1, 16, 12, 0, tzinfo=UTC)  # Friday


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 1, day, hour, minute, tzinfo=UTC)


def _act(
    n: int, kind: ActivityKind, due: datetime | None, done: datetime | None, **kw: object
) -> Activity:
    act = Activity(
        id=ActivityId(f"a{n}"), kind=kind, subject="s", owner=UserId("sara"), due_at=due, **kw
    )  # type: ignore[arg-type]
    return act.complete(done) if done is not None else act


def activities() -> list[Activity]:
    lead = RecordRef.to(LeadId("L1"))
    return [
        _act(1, ActivityKind.PHONE_CALL, _t(5, 10), _t(5, 9, 30)),  # on time
        _act(2, ActivityKind.EMAIL, _t(5, 16), _t(6, 10), regarding=lead),  # late 1 h + 1 h
        _act(3, ActivityKind.MEETING, _t(7, 10), _t(8, 11)),  # late 7 h + 2 h
        _act(4, ActivityKind.TASK, _t(13, 9), None),  # open, past due: overdue
        _act(5, ActivityKind.TASK, _t(19, 9), None),  # due after now: not yet due
        _act(6, ActivityKind.TASK, None, _t(9, 14)),  # completed, no due time
        _act(7, ActivityKind.PHONE_CALL, _t(9, 9), None).cancel(),  # cancelled: ignored
    ]


def _won(i: int) -> Opportunity:
    opp = Opportunity(id=OpportunityId(f"o{i}"), name="x", owner=UserId("sara"))
    return opp.win(Money(1, "IRR"), date(2026, 1, 10 + i)).opportunity


def test_productivity_by_hand() -> None:
    lead = Lead(id=LeadId("L1"), last_name="x", owner=UserId("sara"), created_at=_t(5, 15))
    result = productivity(
        activities(), now=NOW, calendar=CAL, leads=[lead], opportunities=[_won(1), _won(2)]
    )
    (row,) = result.rows
    assert (row.owner, row.period) == ("sara", "2026-01")
    assert (row.calls, row.emails, row.meetings, row.tasks_completed, row.completed) == (
        1,
        1,
        1,
        1,
        4,
    )
    # Due by now: a1-a4. On time a1; overdue a2, a3 (late) and a4 (open past due).
    assert (row.due, row.on_time, row.overdue) == (4, 1, 3)
    assert (row.on_time_rate, row.overdue_rate) == (Decimal("0.25"), Decimal("0.75"))
    # Lateness in business hours: a2 Mon 16:00 → Tue 10:00 = 2 h; a3 Wed 10:00 → Thu 11:00
    # = 7 h + 2 h = 9 h; mean 5.5 h.
    assert row.mean_lateness_hours == Decimal("5.50")
    # Speed to lead: L1 created Mon 15:00, first touch a2 Tue 10:00 = 2 h + 1 h = 3 h.
    assert row.speed_to_lead_hours == Decimal("3.00")
    # 4 completed activities over 2 won deals.
    assert (row.won_deals, row.activities_per_won_deal) == (2, Decimal("2"))
    assert "office" in result.explain()[0]


def test_jalali_periods() -> None:
    # 1 Dey 1404 = 2025-12-22, so 5-16 January 2026 fall in Dey 1404 (month 10).
    rows = productivity(activities(), now=NOW, calendar=CAL, unit="jalali_month").rows
    assert [(r.owner, r.period, r.completed) for r in rows] == [("sara", "1404-10", 4)]


def test_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        productivity(activities(), now=datetime(2026, 1, 1), calendar=CAL)  # noqa: DTZ001
    assert caught.value.field == "now"
    with pytest.raises(ValidationError) as caught:
        productivity(["call"], now=NOW, calendar=CAL)  # type: ignore[list-item]
    assert caught.value.field == "activities"


@settings(max_examples=30)
@given(st.lists(st.tuples(st.integers(0, 60 * 24 * 20), st.integers(0, 60 * 24 * 10)), max_size=10))
def test_business_lateness_never_exceeds_calendar_lateness(spans: list[tuple[int, int]]) -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    acts = [
        _act(i, ActivityKind.TASK, t0 + timedelta(minutes=a), t0 + timedelta(minutes=a + b))
        for i, (a, b) in enumerate(spans)
    ]
    now = t0 + timedelta(days=60)
    for row in productivity(acts, now=now, calendar=CAL).rows:
        late = [
            (x.done_at - x.due_at).total_seconds() / 3600
            for x in acts
            if x.done_at
            and x.due_at
            and x.done_at > x.due_at
            and f"{x.done_at:%Y-%m}" == row.period
        ]
        if row.mean_lateness_hours is not None:
            assert row.mean_lateness_hours <= Decimal(str(sum(late) / len(late))) + Decimal("0.01")
    assert (
        productivity(list(reversed(acts)), now=now, calendar=CAL).rows
        == productivity(acts, now=now, calendar=CAL).rows
    )
