"""Activities: complete, cancel, overdue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import Activity, ActivityId, ActivityKind, ActivityStatus, LeadId, RecordRef

DUE = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _call(**fields: object) -> Activity:
    base: dict[str, object] = {
        "id": ActivityId("a1"),
        "kind": ActivityKind.PHONE_CALL,
        "subject": "Intro call",
        "due_at": DUE,
        "regarding": RecordRef.to(LeadId("L1")),
    }
    return Activity(**{**base, **fields})  # type: ignore[arg-type]


def test_complete() -> None:
    done = _call(duration_minutes=15).complete(DUE + timedelta(minutes=20))
    assert (done.status, done.done_at, done.duration_minutes) == (
        ActivityStatus.COMPLETED,
        DUE + timedelta(minutes=20),
        15,
    )
    assert _call().complete(DUE, duration_minutes=30).duration_minutes == 30


def test_cancel() -> None:
    assert _call().cancel().status is ActivityStatus.CANCELLED


@pytest.mark.parametrize(
    "close", [lambda a: a.complete(DUE), lambda a: a.cancel()], ids=["completed", "cancelled"]
)
def test_closed_activities_refuse_everything(close: Callable[[Activity], Activity]) -> None:
    closed = close(_call())
    actions: list[Callable[[], object]] = [
        lambda: closed.complete(DUE),
        closed.cancel,
        lambda: closed.edit(subject="x"),
    ]
    for action in actions:
        with pytest.raises(InvalidTransitionError) as info:
            action()
        assert info.value.state == closed.status.value
        assert info.value.allowed == ("open",)


def test_done_at_exactly_when_completed() -> None:
    with pytest.raises(ValidationError, match="exactly when"):
        _call(status=ActivityStatus.COMPLETED)
    with pytest.raises(ValidationError, match="exactly when"):
        _call(done_at=DUE)


def test_naive_times_refused() -> None:
    naive = datetime(2026, 3, 2, 9, 0)  # noqa: DTZ001 - the naive input under test
    with pytest.raises(ValidationError) as info:
        _call().complete(naive)
    assert info.value.field == "done_at"
    with pytest.raises(ValidationError):
        _call().is_overdue(naive)
    with pytest.raises(ValidationError) as info:
        _call(starts_at=naive)
    assert info.value.field == "starts_at"


def test_overdue() -> None:
    call = _call()
    assert not call.is_overdue(DUE)
    assert call.is_overdue(DUE + timedelta(seconds=1))
    assert not call.cancel().is_overdue(DUE + timedelta(days=1))
    assert not _call(due_at=None).is_overdue(DUE)


def test_edit_keeps_status_and_done_at() -> None:
    assert _call().edit(subject="Demo").subject == "Demo"
    for managed in ("status", "done_at"):
        with pytest.raises(ValidationError, match="managed"):
            _call().edit(**{managed: None})
    with pytest.raises(ValidationError):
        _call().edit(duration_minutes=-5)
