"""Work run in child processes by the SQLite tests (kept free of pytest for fast spawning)."""

from __future__ import annotations

import attrs

from crmcore.errors import ConcurrencyError
from crmcore.models import LeadId
from crmcore.repositories import SqliteStore


def draw_and_increment(path: str, rounds: int) -> list[int]:
    """Open the store, then ``rounds`` times: draw an invoice number and add 1 to lead L1."""
    with SqliteStore(path) as store:
        return increment(store, rounds)


def increment(store: SqliteStore, rounds: int) -> list[int]:
    """``rounds`` units of work on ``store``: draw a number, add 1 to lead L1's employees."""
    numbers: list[int] = []
    for _ in range(rounds):
        with store.unit_of_work() as uow:
            numbers.append(uow.sequences.next_value("invoice"))
            lead = uow.leads.get(LeadId("L1"))
            uow.leads.update(lead.edit(employees=(lead.employees or 0) + 1))
    return numbers


def write_stale(path: str, version: int) -> str:
    """Update lead L1 from ``version`` (stale or not); report what happened."""
    with SqliteStore(path) as store:
        with store.unit_of_work() as uow:
            lead = uow.leads.get(LeadId("L1"))
        stale = attrs.evolve(lead.edit(company="Written by the child"), version=version)
        try:
            with store.unit_of_work() as uow:
                uow.leads.update(stale)
        except ConcurrencyError as err:
            return f"ConcurrencyError {err.expected_version}->{err.actual_version}"
    return "updated"
