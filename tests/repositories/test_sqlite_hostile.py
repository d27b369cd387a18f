"""Issue 17 item 6: the SQLite store under hostile input (foreign files, locks,
corrupted documents, text SQLite cannot hold)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from crmcore.errors import StorageError, ValidationError
from crmcore.models import Account, AccountId
from crmcore.repositories import SqliteStore


def test_a_file_with_foreign_tables_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY)")
    with pytest.raises(ValidationError, match=r"customers, orders.*adopt=True") as info:
        SqliteStore(path)
    assert info.value.value == ["customers", "orders"]
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"orders", "customers"}  # nothing was added


def test_adopt_adds_the_tables_beside_foreign_ones(tmp_path: Path) -> None:
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")
    with SqliteStore(path, adopt=True) as store, store.unit_of_work() as uow:
        uow.accounts.add(Account(id=AccountId("a"), name="A"))
    with SqliteStore(path) as store, store.unit_of_work() as uow:  # now a crmcore store
        assert uow.accounts.get(AccountId("a")).name == "A"


def test_busy_timeout_is_a_storage_error_naming_the_store(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with (
        SqliteStore(path) as first,
        SqliteStore(path, timeout=0.05) as second,
        first.unit_of_work(),
        pytest.raises(StorageError, match=r"crm\.db.*locked.*0\.05 s"),
        second.unit_of_work(),
    ):
        pass  # pragma: no cover - the write lock is held by `first`


def test_a_corrupted_document_names_the_store_and_record(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.accounts.add(Account(id=AccountId("acme"), name="Acme"))
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE accounts SET doc = \'{"id": "acme", "nam\' WHERE id = \'acme\'')
    with (
        SqliteStore(path) as store,
        store.unit_of_work() as uow,
        pytest.raises(StorageError, match=r"crm\.db.*'acme'.*corrupted") as info,
    ):
        uow.accounts.get(AccountId("acme"))
    assert info.value.field == "accounts['acme']"


def test_a_document_that_no_longer_structures_is_a_storage_error(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    with SqliteStore(path) as store, store.unit_of_work() as uow:
        uow.accounts.add(Account(id=AccountId("acme"), name="Acme"))
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE accounts SET doc = \'{"id": "acme", "name": 7}\'')
    with (
        SqliteStore(path) as store,
        store.unit_of_work() as uow,
        pytest.raises(StorageError, match="corrupted"),
    ):
        uow.accounts.list()


@pytest.mark.parametrize("text", [chr(0xD800), f"a{chr(0xDFFF)}b", chr(0xDC80)])
def test_lone_surrogates_are_refused_with_a_validation_error(text: str) -> None:
    with SqliteStore() as store, store.unit_of_work() as uow:
        with pytest.raises(ValidationError, match="surrogate") as info:
            uow.accounts.add(Account(id=AccountId("a"), name=text))
        assert info.value.field == "name"
        with pytest.raises(ValidationError, match="surrogate"):
            uow.accounts.get(AccountId(text))
        with pytest.raises(ValidationError, match="surrogate"):
            uow.accounts.list(name=text)
        with pytest.raises(ValidationError, match="surrogate"):
            uow.sequences.next_value(text)
        # the store still works afterwards, and Persian text is kept as it is
        uow.accounts.add(Account(id=AccountId("fa"), name="شرکت نمونه"))
        assert uow.accounts.get(AccountId("fa")).name == "شرکت نمونه"
