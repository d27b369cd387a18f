"""The contract suite against SQLite (memory and file), plus what only SQLite has."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import threading
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs
import pytest

from crmcore.errors import ConcurrencyError, InvalidTransitionError, ValidationError
from crmcore.models import Lead, LeadId, LeadStatus, Opportunity, OpportunityId, SalesStage
from crmcore.repositories import SqliteStore, Store
from crmcore.testing import RepositoryContract
from tests.repositories import _workers


class TestSqliteInMemory(RepositoryContract):
    def make_store(self) -> Store:
        return SqliteStore()


class TestSqliteFile(RepositoryContract):
    @pytest.fixture(autouse=True)
    def _directory(self, tmp_path: Path) -> None:
        self.directory = tmp_path
        self.count = 0

    def make_store(self) -> Store:
        self.count += 1
        return SqliteStore(self.directory / f"crm-{self.count}.db", durable=False)


def _lead(n: int = 1, **fields: Any) -> Lead:
    return Lead(id=LeadId(f"L{n}"), last_name=f"Karimi {n}", company="Pars Tile", **fields)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "crm.db"


def _add_then_fail(store: SqliteStore) -> None:
    with store.unit_of_work() as uow:
        uow.leads.add(_lead(2))
        uow.sequences.next_value("invoice")
        raise RuntimeError("undo")


def test_reopened_file_sees_committed_work_only(path: Path) -> None:
    with SqliteStore(path) as store:
        with store.unit_of_work() as uow:
            uow.leads.add(_lead(1))
            uow.sequences.next_value("invoice")
        with pytest.raises(RuntimeError, match="undo"):
            _add_then_fail(store)
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        assert [str(x.id) for x in uow.leads.list()] == ["L1"]
        assert uow.leads.get(LeadId("L1")) == attrs.evolve(_lead(1), version=1)
        assert uow.sequences.next_value("invoice") == 2


def test_file_uses_wal_and_records_the_schema_version(path: Path) -> None:
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        # Version 2 since opportunities carry a stage history.
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        conn.close()
    assert tables >= {"accounts", "contacts", "leads", "opportunities", "activities", "cases"}


def test_version_1_file_is_migrated_to_stage_histories(path: Path) -> None:
    legacy = Opportunity(id=OpportunityId("O1"), name="Deal", stage=SalesStage.PROPOSE)
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.opportunities.add(legacy)
    # Rewind the file to what version 1 wrote: no stage_history key in the document.
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE opportunities SET doc = json_remove(doc, '$.stage_history')")
        conn.execute("UPDATE schema_version SET version = 1")
    conn.close()
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        loaded = uow.opportunities.get(OpportunityId("O1"))
        assert (loaded.stage, loaded.stage_history) == (SalesStage.PROPOSE, ())
        # The migrated record keeps working: it can start a history and be saved.
        t0 = datetime(2026, 1, 5, 9, tzinfo=UTC)
        uow.opportunities.update(loaded.start_history(t0).advance("close", at=t0))
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        (doc,) = conn.execute("SELECT doc FROM opportunities").fetchone()
    finally:
        conn.close()
    assert [e["kind"] for e in json.loads(doc)["stage_history"]] == ["created", "stage_changed"]


def test_newer_schema_is_refused(path: Path) -> None:
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE schema_version SET version = 99")
    conn.close()
    with pytest.raises(ValidationError) as caught:
        SqliteStore(path)
    assert caught.value.field == "schema_version"
    assert caught.value.value == 99


def test_records_are_json_documents_with_indexed_columns(path: Path) -> None:
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        lead = uow.leads.add(_lead(1))
        uow.leads.update(lead.contact())
    conn = sqlite3.connect(path)
    try:
        doc, status, version = conn.execute("SELECT doc, status, version FROM leads").fetchone()
    finally:
        conn.close()
    data = json.loads(doc)
    assert (status, version) == ("contacted", 2)
    assert (data["id"], data["status"], data["version"]) == ("L1", "contacted", 2)


def test_criteria_on_unindexed_fields_page_after_filtering() -> None:
    # `company` and `employees` have no column: they are filtered in Python.
    with SqliteStore() as store, store.unit_of_work() as uow:
        for n in range(1, 7):
            uow.leads.add(_lead(n, employees=n % 2))
        got = uow.leads.list(employees=1, limit=2, offset=1)
        assert [str(x.id) for x in got] == ["L3", "L5"]
        got = uow.leads.list(employees=0, status="new", company="Pars Tile")
        assert [str(x.id) for x in got] == ["L2", "L4", "L6"]


def test_lost_race_between_two_connections_raises(path: Path) -> None:
    # Two store objects on one file behave like two processes: separate connections.
    with SqliteStore(path) as first, SqliteStore(path) as second:
        with first.unit_of_work() as uow:
            uow.leads.add(_lead(1))
        with first.unit_of_work() as uow:
            mine = uow.leads.get(LeadId("L1"))
        with second.unit_of_work() as uow:
            uow.leads.update(uow.leads.get(LeadId("L1")).contact())
        with pytest.raises(ConcurrencyError) as caught, first.unit_of_work() as uow:
            uow.leads.update(mine.edit(company="Stale"))
        assert (caught.value.expected_version, caught.value.actual_version) == (1, 2)
        with second.unit_of_work() as uow:
            kept = uow.leads.get(LeadId("L1"))
        assert (kept.company, kept.status, kept.version) == ("Pars Tile", LeadStatus.CONTACTED, 2)


def test_two_threads_with_two_stores_on_one_file_lose_nothing(path: Path) -> None:
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.leads.add(_lead(1, employees=0))
    results: list[list[int]] = []

    def work() -> None:
        results.append(_workers.draw_and_increment(str(path), 15))

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    numbers = sorted(n for part in results for n in part)
    assert numbers == list(range(1, 31))
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        lead = uow.leads.get(LeadId("L1"))
    assert (lead.employees, lead.version) == (30, 31)


def _spawn_pool(workers: int) -> ProcessPoolExecutor:
    # 'spawn': a fresh interpreter per worker, as on Windows and macOS; a worker
    # that dies makes the pool fail (BrokenProcessPool) instead of hanging.
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def test_two_processes_lose_nothing_and_numbers_stay_gap_free(path: Path) -> None:
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.leads.add(_lead(1, employees=0))
    with _spawn_pool(2) as pool:
        futures = [pool.submit(_workers.draw_and_increment, str(path), 20) for _ in range(2)]
        parts = [future.result() for future in futures]
    # Each process draws increasing numbers; together they are exactly 1..40.
    assert all(part == sorted(part) for part in parts)
    assert sorted(parts[0] + parts[1]) == list(range(1, 41))
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        lead = uow.leads.get(LeadId("L1"))
        assert uow.sequences.next_value("invoice") == 41
    assert (lead.employees, lead.version) == (40, 41)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform"
)
def test_forked_children_sharing_the_parents_store_lose_nothing(path: Path) -> None:
    # The children inherit an open store (with pooled connections) from the parent.
    with SqliteStore(path) as store:
        with store.unit_of_work() as uow:
            uow.leads.add(_lead(1, employees=0))
        context = multiprocessing.get_context("fork")
        children = [context.Process(target=_workers.increment, args=(store, 15)) for _ in range(2)]
        for child in children:
            child.start()
        for child in children:
            child.join()
        assert [child.exitcode for child in children] == [0, 0]
        with store.unit_of_work() as uow:
            lead = uow.leads.get(LeadId("L1"))
            assert uow.sequences.next_value("invoice") == 31
    assert (lead.employees, lead.version) == (30, 31)


def test_lost_race_across_processes_raises_concurrency_error(path: Path) -> None:
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.leads.add(_lead(1))
    with _spawn_pool(1) as pool:
        # The child writes first (from the current version 1) and wins ...
        assert pool.submit(_workers.write_stale, str(path), 1).result() == "updated"
        # ... so a second write from version 1, in another process, loses.
        lost = pool.submit(_workers.write_stale, str(path), 1).result()
    assert lost == "ConcurrencyError 1->2"
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        lead = uow.leads.get(LeadId("L1"))
        with pytest.raises(ConcurrencyError):
            uow.leads.update(attrs.evolve(lead, version=1))
    assert (lead.company, lead.version) == ("Written by the child", 2)


def test_closed_store_refuses_new_work(path: Path) -> None:
    store = SqliteStore(path)
    store.close()
    with pytest.raises(InvalidTransitionError), store.unit_of_work():
        pass
    memory = SqliteStore()
    memory.close()
    with pytest.raises(InvalidTransitionError), memory.unit_of_work():
        pass


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"path": 42}, "path"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": float("nan")}, "timeout"),
        ({"timeout": True}, "timeout"),
    ],
)
def test_bad_arguments_are_refused(arguments: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SqliteStore(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_a_path_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database, " * 100, encoding="utf-8")
    with pytest.raises(ValidationError, match="SQLite database file") as caught:
        SqliteStore(text)
    assert caught.value.field == "path"
    with pytest.raises(ValidationError) as caught:
        SqliteStore(tmp_path / "missing-folder" / "crm.db")
    assert caught.value.value == str(tmp_path / "missing-folder" / "crm.db")
