"""Unit-of-work life cycle and argument checks, the same for both reference stores."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from crmcore.errors import InvalidTransitionError, NotFoundError, ValidationError
from crmcore.models import (
    Account,
    AccountId,
    Case,
    CaseId,
    CasePriority,
    CaseStatus,
    Lead,
    LeadId,
    LeadSource,
    LeadStatus,
)
from crmcore.repositories import InMemoryStore, SqliteStore, Store

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield InMemoryStore()
    else:
        with SqliteStore() as sqlite:
            yield sqlite


def _lead(n: int, **fields: object) -> Lead:
    return Lead(id=LeadId(f"L{n}"), last_name="Karimi", **fields)  # type: ignore[arg-type]


def test_repositories_refuse_work_outside_the_with_block(store: Store) -> None:
    uow = store.unit_of_work()
    with pytest.raises(InvalidTransitionError, match="not started"):
        uow.leads.get(LeadId("L1"))
    with pytest.raises(InvalidTransitionError, match="not started"):
        uow.sequences.next_value("invoice")
    with pytest.raises(InvalidTransitionError, match="not started"):
        uow.commit()
    with uow:
        uow.leads.add(_lead(1))
    # Finished: refused again, and what it did is committed.
    with pytest.raises(InvalidTransitionError):
        uow.leads.list()
    with store.unit_of_work() as later:
        assert later.leads.get(LeadId("L1")).version == 1


def test_a_unit_of_work_can_be_entered_again_after_it_ends(store: Store) -> None:
    uow = store.unit_of_work()
    with uow:
        uow.leads.add(_lead(1))
    with uow:
        assert [str(x.id) for x in uow.leads.list()] == ["L1"]


def test_entering_twice_or_nesting_in_one_thread_is_refused(store: Store) -> None:
    uow = store.unit_of_work()
    with uow:
        with pytest.raises(InvalidTransitionError, match="active"), uow:
            pass
        # A second unit of work on the same store in this thread would deadlock.
        with pytest.raises(InvalidTransitionError, match="same store"), store.unit_of_work():
            pass
        uow.leads.add(_lead(1))
    with store.unit_of_work() as again:
        assert again.leads.get(LeadId("L1")).version == 1


def test_another_thread_waits_for_the_running_unit_of_work(store: Store) -> None:
    seen: list[int] = []
    started = threading.Event()

    def other() -> None:
        started.set()
        with store.unit_of_work() as uow:
            seen.append(len(uow.leads.list()))

    with store.unit_of_work() as uow:
        thread = threading.Thread(target=other)
        thread.start()
        started.wait()
        uow.leads.add(_lead(1))
        uow.leads.add(_lead(2))
    thread.join()
    # The other thread ran after this commit: it saw both leads, never a half.
    assert seen == [2]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda uow: uow.leads.get(42), "id"),
        (lambda uow: uow.leads.add(Account(id=AccountId("a"), name="A")), "entity"),
        (lambda uow: uow.leads.update("L1"), "entity"),
        (lambda uow: uow.leads.delete(LeadId("L1"), version="1"), "version"),
        (lambda uow: uow.leads.delete(LeadId("L1"), version=-1), "version"),
        (lambda uow: uow.leads.list(limit=True), "limit"),
        (lambda uow: uow.leads.list(offset=-1), "offset"),
        (lambda uow: uow.leads.list(status="nwe"), "status"),
        (lambda uow: uow.leads.list(source="Not A Code"), "source"),
        (lambda uow: uow.leads.list(owner=""), "owner"),
        (lambda uow: uow.leads.list(account_id=7), "account_id"),
        (lambda uow: uow.leads.list(version="1"), "version"),
        (lambda uow: uow.activities.list(regarding="lead:L1"), "regarding"),
        (lambda uow: uow.accounts.list(tier=3), "tier"),
        (lambda uow: uow.sequences.next_value(" "), "key"),
        (lambda uow: uow.sequences.next_value(5), "key"),
    ],
)
def test_bad_arguments_raise_validation_error_naming_the_field(
    store: Store, call: Callable[..., object], field: str
) -> None:
    with store.unit_of_work() as uow:
        with pytest.raises(ValidationError) as caught:
            call(uow)
        assert caught.value.field == field


def test_string_criteria_match_enums_ids_and_sources(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.leads.add(_lead(1, source=LeadSource.TRADE_SHOW, account_id=AccountId("A1")))
        uow.leads.add(_lead(2, source=LeadSource.WEBSITE))
        uow.leads.update(uow.leads.get(LeadId("L2")).contact())
        assert [str(x.id) for x in uow.leads.list(status="contacted")] == ["L2"]
        assert [str(x.id) for x in uow.leads.list(status=LeadStatus.NEW)] == ["L1"]
        assert [str(x.id) for x in uow.leads.list(source="trade_show")] == ["L1"]
        assert [str(x.id) for x in uow.leads.list(account_id="A1")] == ["L1"]
        assert [str(x.id) for x in uow.leads.list(account_id=None)] == ["L2"]


def test_case_status_and_priority_are_criteria(store: Store) -> None:
    # Case.status and Case.priority are read from the event history, not fields.
    with store.unit_of_work() as uow:
        for n, priority in enumerate([CasePriority.HIGH, CasePriority.LOW, CasePriority.HIGH]):
            case = Case.open(
                id=CaseId(f"K{n}"),
                title="Printer down",
                account_id=AccountId("A1"),
                priority=priority,
                created_at=T0,
            )
            uow.cases.add(case)
        resolved = uow.cases.get(CaseId("K2")).resolve(T0.replace(hour=12))
        uow.cases.update(resolved)
    with store.unit_of_work() as uow:
        high_open = uow.cases.list(priority="high", status=CaseStatus.NEW)
        assert [str(x.id) for x in high_open] == ["K0"]
        assert [str(x.id) for x in uow.cases.list(status="resolved")] == ["K2"]
        assert uow.cases.get(CaseId("K2")).resolved_at == T0.replace(hour=12)


def test_delete_then_get_in_the_same_unit_of_work(store: Store) -> None:
    with store.unit_of_work() as uow:
        uow.leads.add(_lead(1))
    with store.unit_of_work() as uow:
        uow.leads.delete(LeadId("L1"), version=1)
        with pytest.raises(NotFoundError):
            uow.leads.get(LeadId("L1"))
        assert uow.leads.list() == []
        uow.rollback()
        assert uow.leads.get(LeadId("L1")).version == 1
