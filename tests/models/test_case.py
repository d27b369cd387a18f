"""Cases: history rules, status and priority derived from events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import (
    AccountId,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseId,
    CasePriority,
    CaseStatus,
    ContactId,
)
from tests.strategies import cases

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)


def _case(**fields: object) -> Case:
    return Case.open(
        id=CaseId("C1"),
        title="Printer down",
        account_id=AccountId("acme"),
        created_at=T0,
        priority=CasePriority.HIGH,
        **fields,
    )


def test_open_case() -> None:
    case = _case()
    assert (case.status, case.priority, case.created_at) == (CaseStatus.NEW, CasePriority.HIGH, T0)
    assert case.first_response_at is None
    assert case.resolved_at is None
    assert [e.kind for e in case.events] == [CaseEventKind.CREATED]


def test_status_and_priority_come_from_the_history() -> None:
    case = (
        _case()
        .respond(T0 + H)
        .change_status(CaseStatus.ON_HOLD, T0 + 2 * H)
        .change_priority("critical", T0 + 3 * H)
        .respond(T0 + 4 * H)
    )
    assert case.status is CaseStatus.ON_HOLD
    assert case.priority is CasePriority.CRITICAL
    assert case.first_response_at == T0 + H  # the first response, not the last
    resolved = case.resolve(T0 + 5 * H, note="replaced toner")
    assert (resolved.status, resolved.resolved_at) == (CaseStatus.RESOLVED, T0 + 5 * H)
    reopened = resolved.reopen(T0 + 6 * H)
    assert (reopened.status, reopened.resolved_at) == (CaseStatus.IN_PROGRESS, None)
    again = reopened.resolve(T0 + 7 * H)
    assert again.resolved_at == T0 + 7 * H  # the latest resolution
    assert case.status is CaseStatus.ON_HOLD  # transitions return new cases


def test_cancel_and_reopen() -> None:
    cancelled = _case().cancel(T0 + H)
    assert cancelled.status is CaseStatus.CANCELLED
    assert cancelled.reopen(T0 + 2 * H).status is CaseStatus.IN_PROGRESS


@pytest.mark.parametrize("close", ["resolve", "cancel"])
def test_closed_cases_accept_only_reopen(close: str) -> None:
    closed: Case = getattr(_case(), close)(T0 + H)
    refused: list[Callable[[], object]] = [
        lambda: closed.respond(T0 + 2 * H),
        lambda: closed.resolve(T0 + 2 * H),
        lambda: closed.cancel(T0 + 2 * H),
        lambda: closed.change_priority(CasePriority.LOW, T0 + 2 * H),
        lambda: closed.change_status(CaseStatus.IN_PROGRESS, T0 + 2 * H),
    ]
    for action in refused:
        with pytest.raises(InvalidTransitionError) as info:
            action()
        assert info.value.state == closed.status.value


def test_reopen_an_active_case_is_refused() -> None:
    with pytest.raises(InvalidTransitionError, match="allowed from: resolved, cancelled"):
        _case().reopen(T0 + H)


@pytest.mark.parametrize("status", [CaseStatus.RESOLVED, CaseStatus.CANCELLED])
def test_change_status_cannot_close(status: CaseStatus) -> None:
    with pytest.raises(InvalidTransitionError, match="resolve"):
        _case().change_status(status, T0 + H)


def test_times_never_go_back() -> None:
    case = _case().respond(T0 + 2 * H)
    with pytest.raises(ValidationError, match="at or after") as info:
        case.respond(T0 + H)
    assert info.value.field == "at"
    # Equal times are fine (two events in the same second).
    assert len(case.respond(T0 + 2 * H).events) == 3
    # Times in another zone compare by instant: 13:00+03:30 is 09:30 UTC, before 11:00 UTC.
    tehran = datetime(2026, 1, 5, 13, 0, tzinfo=ZoneInfo("Asia/Tehran"))
    with pytest.raises(ValidationError):
        case.respond(tehran)


def test_naive_datetimes_refused() -> None:
    naive = datetime(2026, 1, 5, 10, 0)  # noqa: DTZ001 - the naive input under test
    with pytest.raises(ValidationError, match="timezone-aware"):
        _case().respond(naive)
    with pytest.raises(ValidationError, match="timezone-aware"):
        Case.open(id=CaseId("C2"), title="t", account_id=AccountId("a"), created_at=naive)


def test_history_rules_on_construction() -> None:
    created = CaseEvent(at=T0, kind="created", status=CaseStatus.NEW, priority=CasePriority.LOW)
    responded = CaseEvent(at=T0 + H, kind="responded")
    with pytest.raises(ValidationError, match="starts with a 'created' event"):
        Case(id=CaseId("C"), title="t", account_id=AccountId("a"), events=(responded,))
    with pytest.raises(ValidationError, match="starts with a 'created' event"):
        Case(id=CaseId("C"), title="t", account_id=AccountId("a"), events=())
    with pytest.raises(ValidationError) as info:
        Case(
            id=CaseId("C"),
            title="t",
            account_id=AccountId("a"),
            events=(created, responded, created),
        )
    assert info.value.field == "events[2].kind"
    early = CaseEvent(at=T0 - H, kind="responded")
    with pytest.raises(ValidationError) as info:
        Case(id=CaseId("C"), title="t", account_id=AccountId("a"), events=(created, early))
    assert info.value.field == "events[1].at"
    reopened = CaseEvent(at=T0 + H, kind="reopened", status=CaseStatus.IN_PROGRESS)
    with pytest.raises(ValidationError) as info:
        Case(id=CaseId("C"), title="t", account_id=AccountId("a"), events=(created, reopened))
    assert info.value.field == "events[1].kind"


def test_a_case_needs_a_customer() -> None:
    with pytest.raises(ValidationError, match="a customer"):
        Case.open(id=CaseId("C"), title="t", created_at=T0)
    assert (
        Case.open(id=CaseId("C"), title="t", created_at=T0, contact_id=ContactId("c")).account_id
        is None
    )


@pytest.mark.parametrize(
    ("kind", "status", "priority"),
    [
        ("created", None, CasePriority.LOW),  # created needs a status
        ("created", CaseStatus.NEW, None),  # ... and a priority
        ("responded", CaseStatus.NEW, None),  # responded sets no status
        ("priority_changed", None, None),  # needs the new priority
        ("resolved", CaseStatus.NEW, None),  # a resolved event must say resolved
        ("cancelled", CaseStatus.RESOLVED, None),  # a cancelled event must say cancelled
        ("reopened", CaseStatus.RESOLVED, None),  # reopening leads to an active status
        ("status_changed", CaseStatus.CANCELLED, None),  # closing goes through cancel()
    ],
)
def test_event_fields_fit_the_kind(
    kind: str, status: CaseStatus | None, priority: CasePriority | None
) -> None:
    with pytest.raises(ValidationError):
        CaseEvent(at=T0, kind=kind, status=status, priority=priority)


def test_unknown_values_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match="CaseEventKind"):
        CaseEvent(at=T0, kind="exploded")
    with pytest.raises(ValidationError, match="CasePriority"):
        _case().change_priority("urgent", T0 + H)
    with pytest.raises(ValidationError, match="CaseStatus"):
        _case().change_status("sleeping", T0 + H)


def test_edit_descriptive_fields_only() -> None:
    assert _case().edit(title="Printer fixed?").title == "Printer fixed?"
    with pytest.raises(ValidationError, match="managed"):
        _case().edit(events=())


@settings(max_examples=60, deadline=None)
@given(cases())
def test_generated_histories_replay_to_the_derived_state(case: Case) -> None:
    times = [e.at for e in case.events]
    assert times == sorted(times)
    statuses = [e.status for e in case.events if e.status is not None]
    assert case.status is statuses[-1]
    priorities = [e.priority for e in case.events if e.priority is not None]
    assert case.priority is priorities[-1]
    # Rebuilding from the events alone gives the same case.
    rebuilt = Case(
        id=case.id,
        title=case.title,
        account_id=case.account_id,
        contact_id=case.contact_id,
        case_type=case.case_type,
        channel=case.channel,
        owner=case.owner,
        events=list(case.events),
        custom=case.custom,
    )
    assert rebuilt == case


# -- appending is O(1) amortised: shared logs must never leak between versions ---------------


def _rebuilt(case: Case, events: list[CaseEvent]) -> Case:
    """The case as full construction (every invariant replayed) builds it from ``events``."""
    return Case(id=case.id, title=case.title, account_id=case.account_id, events=events)


def test_branches_off_an_older_version_are_independent() -> None:
    base = _case().respond(T0 + H)
    a = base.change_status(CaseStatus.ON_HOLD, T0 + 2 * H)
    b = base.resolve(T0 + 3 * H)  # appended to `base` after `a` was: must not see a's event
    a2 = a.change_status(CaseStatus.IN_PROGRESS, T0 + 4 * H)
    assert [e.kind.value for e in base.events] == ["created", "responded"]
    assert [e.kind.value for e in a2.events] == [
        "created",
        "responded",
        "status_changed",
        "status_changed",
    ]
    assert [e.kind.value for e in b.events] == ["created", "responded", "resolved"]
    assert (a.status, a2.status, b.status) == (
        CaseStatus.ON_HOLD,
        CaseStatus.IN_PROGRESS,
        CaseStatus.RESOLVED,
    )
    # Equal to the same history built in one go, and hashed alike.
    assert b == _rebuilt(b, list(b.events))
    assert hash(b) == hash(_rebuilt(b, list(b.events)))
    with pytest.raises(InvalidTransitionError):
        b.respond(T0 + 5 * H)  # the derived status of an appended case still guards transitions


def test_appended_cases_pickle_and_compare_by_value() -> None:
    import pickle

    case = _case().respond(T0 + H).change_priority("low", T0 + 2 * H)
    back = pickle.loads(pickle.dumps(case))  # noqa: S301 - our own bytes
    assert back == case
    assert back.priority is CasePriority.LOW
    assert back.respond(T0 + 3 * H).events[-1].kind is CaseEventKind.RESPONDED
    assert repr(back) == repr(case)


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(
        st.tuples(st.integers(0, 50), st.sampled_from(["respond", "hold", "work", "priority"])),
        max_size=25,
    )
)
def test_any_append_order_equals_full_construction(steps: list[tuple[int, str]]) -> None:
    versions: list[tuple[Case, list[CaseEvent]]] = [(_case(), list(_case().events))]
    for k, (pick, action) in enumerate(steps):
        parent, expected = versions[pick % len(versions)]  # often a branch off an old version
        at = expected[-1].at + timedelta(minutes=k + 1)
        if action == "respond":
            child = parent.respond(at)
            event = CaseEvent(at=at, kind=CaseEventKind.RESPONDED)
        elif action == "priority":
            child = parent.change_priority(CasePriority.LOW, at)
            event = CaseEvent(at=at, kind=CaseEventKind.PRIORITY_CHANGED, priority=CasePriority.LOW)
        else:
            status = CaseStatus.ON_HOLD if action == "hold" else CaseStatus.IN_PROGRESS
            child = parent.change_status(status, at)
            event = CaseEvent(at=at, kind=CaseEventKind.STATUS_CHANGED, status=status)
        versions.append((child, [*expected, event]))  # child.events is not read yet
    for case, expected in versions:
        assert case.events == tuple(expected)
        assert case == _rebuilt(case, expected)
        assert case.status is _rebuilt(case, expected).status
        assert case.priority is _rebuilt(case, expected).priority


def test_threads_appending_to_one_case_get_separate_histories() -> None:
    import threading

    parent = _case().respond(T0 + H)
    results: dict[int, Case] = {}

    def work(k: int) -> None:
        case = parent
        for step in range(200):
            case = case.respond(T0 + 2 * H + timedelta(seconds=1000 * k + step))
        results[k] = case

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(parent.events) == 2
    for k, case in results.items():
        # Each thread sees the parent's two events, then exactly its own 200 responses.
        assert len(case.events) == 202
        assert case.events[:2] == parent.events
        assert [e.at for e in case.events[2:]] == [
            T0 + 2 * H + timedelta(seconds=1000 * k + step) for step in range(200)
        ]
