"""Opportunity stage history: the dated events are the single source of stage and status."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import (
    Opportunity,
    OpportunityId,
    OpportunityStatus,
    SalesStage,
    StageEvent,
    StageEventKind,
)
from crmcore.money import Money
from tests.strategies import opportunities

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _opened() -> Opportunity:
    return Opportunity.open(id=OpportunityId("o1"), name="CRM", created_at=T0)


def test_transitions_append_dated_events() -> None:
    opp = _opened().advance("develop", at=T0 + timedelta(days=3))
    opp = opp.advance("propose", at=T0 + timedelta(days=10))
    won = opp.win(Money("500", "USD"), date(2026, 1, 20), at=T0 + timedelta(days=15)).opportunity
    kinds = [(e.kind.value, e.stage.value) for e in won.stage_history]
    assert kinds == [
        ("created", "qualify"),
        ("stage_changed", "develop"),
        ("stage_changed", "propose"),
        ("won", "close"),
    ]
    assert (won.stage, won.status) == (SalesStage.CLOSE, OpportunityStatus.WON)
    # As of day 5 the deal was in develop and open.
    assert won.stage_at(T0 + timedelta(days=5)) == (SalesStage.DEVELOP, OpportunityStatus.OPEN)
    assert won.stage_at(T0 - timedelta(seconds=1)) is None
    reopened = won.reopen(at=T0 + timedelta(days=16))
    assert reopened.stage_history[-1].kind is StageEventKind.REOPENED
    lost = reopened.lose(date(2026, 2, 1), competitor="Rival", at=T0 + timedelta(days=20))
    # A lost event keeps the stage the deal was lost in.
    assert (lost.stage_history[-1].stage, lost.status) == (SalesStage.CLOSE, OpportunityStatus.LOST)


def test_from_history_reads_stage_and_status() -> None:
    events = (
        StageEvent(at=T0, kind="created", stage="qualify"),
        StageEvent(at=T0 + timedelta(days=1), kind="stage_changed", stage="propose"),
        StageEvent(at=T0 + timedelta(days=2), kind="lost", stage="propose"),
    )
    opp = Opportunity.from_history(
        id=OpportunityId("o2"), name="x", stage_history=events, actual_close_date=date(2026, 1, 7)
    )
    assert (opp.stage, opp.status) == (SalesStage.PROPOSE, OpportunityStatus.LOST)


def test_a_contradicting_stage_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Opportunity(
            id=OpportunityId("o3"),
            name="x",
            stage=SalesStage.CLOSE,
            stage_history=(StageEvent(at=T0, kind="created", stage="qualify"),),
        )
    assert (caught.value.field, caught.value.value) == ("stage", "close")


def test_an_event_before_creation_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        Opportunity(
            id=OpportunityId("o4"),
            name="x",
            created_at=T0,
            stage_history=(StageEvent(at=T0 - timedelta(days=1), kind="created", stage="qualify"),),
        )
    assert caught.value.field == "stage_history[0].at"


def test_events_out_of_order_are_refused() -> None:
    events = (
        StageEvent(at=T0, kind="created", stage="qualify"),
        StageEvent(at=T0 + timedelta(days=5), kind="stage_changed", stage="develop"),
        StageEvent(at=T0 + timedelta(days=2), kind="stage_changed", stage="propose"),
    )
    with pytest.raises(ValidationError) as caught:
        Opportunity.from_history(id=OpportunityId("o5"), name="x", stage_history=events)
    assert caught.value.field == "stage_history[2].at"
    opp = _opened().advance("develop", at=T0 + timedelta(days=5))
    with pytest.raises(ValidationError) as caught:
        opp.advance("propose", at=T0 + timedelta(days=1))
    assert caught.value.field == "at"


def test_transitions_need_a_time_once_a_history_is_kept() -> None:
    with pytest.raises(ValidationError) as caught:
        _opened().advance("develop")
    assert caught.value.field == "at"
    with pytest.raises(InvalidTransitionError):
        _opened().start_history(T0)
    with pytest.raises(ValidationError):
        _opened().edit(stage=SalesStage.CLOSE)  # the history owns the stage


def test_reopen_only_when_closed_and_win_ends_in_close() -> None:
    created = StageEvent(at=T0, kind="created", stage="qualify")
    reopened = StageEvent(at=T0, kind="reopened", stage="qualify")
    with pytest.raises(ValidationError) as caught:
        Opportunity.from_history(
            id=OpportunityId("o6"), name="x", stage_history=(created, reopened)
        )
    assert caught.value.field == "stage_history[1].kind"
    with pytest.raises(ValidationError):
        StageEvent(at=T0, kind="won", stage="propose")


def test_legacy_opportunities_keep_working_without_a_history() -> None:
    opp = Opportunity(id=OpportunityId("o7"), name="x").advance("propose")
    assert (opp.stage, opp.stage_history) == (SalesStage.PROPOSE, ())
    started = opp.start_history(T0)
    assert started.stage_history == (StageEvent(at=T0, kind="created", stage="propose"),)


@settings(max_examples=40)
@given(opportunities())
def test_history_replays_to_the_current_stage(opp: Opportunity) -> None:
    if opp.stage_history:
        last = opp.stage_history[-1].at
        assert opp.stage_at(last) == (opp.stage, opp.status)
        times = [e.at for e in opp.stage_history]
        assert times == sorted(times)
