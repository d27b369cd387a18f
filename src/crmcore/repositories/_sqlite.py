"""The SQLite reference store on the standard library (private; see ``crmcore.repositories``).

Each record is a JSON document (made by :func:`crmcore.serialization.make_converter`)
in a table per aggregate, beside indexed columns for its id, version and
the commonly filtered fields. Every unit of work is one ``BEGIN IMMEDIATE``
transaction: it holds SQLite's write lock from start to end, so units of
work in other threads or processes wait (up to ``timeout`` seconds) instead
of interleaving, and a sequence draw or read-modify-write cannot be lost.
"""

from __future__ import annotations

import builtins
import enum
import json
import os
import sqlite3
import threading
import types
import typing
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Generic, cast

import attrs

from crmcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    StorageError,
    ValidationError,
)
from crmcore.models import (
    Account,
    AccountId,
    Activity,
    ActivityId,
    Case,
    CaseId,
    Contact,
    ContactId,
    Lead,
    LeadId,
    Opportunity,
    OpportunityId,
)
from crmcore.repositories._aggregates import (
    ACCOUNTS,
    ACTIVITIES,
    AGGREGATES,
    CASES,
    CONTACTS,
    LEADS,
    OPPORTUNITIES,
    Aggregate,
    E,
    I,
    check_key,
    check_page,
    matches,
)
from crmcore.repositories._protocols import UnitOfWork
from crmcore.repositories._unit import (
    BaseUnitOfWork,
    ThreadGuard,
    bump,
    check_after,
    check_entity,
    check_id,
    check_new_batch,
    check_stored_version,
    check_version,
)
from crmcore.serialization import make_converter

SCHEMA_VERSION = 2
"""The layout this code reads and writes; stored in the ``schema_version`` table.

Version 2 adds the opportunity's ``stage_history``; a version-1 file is
migrated in place when opened (see :data:`_MIGRATIONS`), and code that only
knows version 1 refuses a version-2 file instead of dropping histories.
"""

_MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 1 -> 2: every stored opportunity gets an explicit, empty stage history.
    1: (
        "UPDATE opportunities SET doc = json_set(doc, '$.stage_history', json('[]'))"
        " WHERE json_type(doc, '$.stage_history') IS NULL",
    ),
}
"""Statements that lift a file from version ``key`` to ``key + 1``."""


def _schema() -> list[str]:
    statements = [
        "CREATE TABLE sequences (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL)",
    ]
    for aggregate in AGGREGATES:
        table = aggregate.name
        columns = "".join(
            f', "{name}" {"INTEGER NOT NULL" if name == "version" else "TEXT"}'
            for name in aggregate.column_names
        )
        statements.append(
            f"CREATE TABLE {table} (id TEXT PRIMARY KEY NOT NULL, doc TEXT NOT NULL{columns})"
        )
        statements.extend(
            f'CREATE INDEX {table}_{name} ON {table} ("{name}")'
            for name in aggregate.column_names
            if name != "version"
        )
    return statements


class _DocumentCache:
    """Parsed records by table and id, reused while the stored JSON is unchanged.

    Parsing a document is most of the cost of a read; entities are
    immutable, so the object parsed from the very same text can be handed
    out again. A hit requires the stored text to be identical, so changes
    made by other connections or processes are always seen.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._entries: dict[tuple[str, str], tuple[str, object]] = {}
        self._lock = threading.Lock()

    def get(self, table: str, entity_id: str, doc: str) -> object | None:
        with self._lock:
            entry = self._entries.get((table, entity_id))
        if entry is not None and entry[0] == doc:
            return entry[1]
        return None

    def put(self, table: str, entity_id: str, doc: str, entity: object) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                # Drop the oldest quarter (dicts keep insertion order).
                for key in list(self._entries)[: self._size // 4]:
                    del self._entries[key]
            self._entries[(table, entity_id)] = (doc, entity)


class SqliteStore:
    """A store in an SQLite database: a file, or ``":memory:"`` (the default).

    Files use WAL journaling, so readers and one writer work side by side,
    and a busy timeout, so two processes writing the same file wait for
    each other and lose nothing. The schema is created on first open and
    its version recorded; a file written by a newer schema is refused.
    ``durable=False`` trades the last transactions on power loss (never
    corruption) for faster commits (``synchronous=NORMAL`` instead of
    ``FULL``). A file that holds other tables but no crmcore schema is
    refused (naming the tables) unless ``adopt=True`` adds crmcore's tables
    beside them. A write lock held past ``timeout`` and a stored record that
    no longer parses raise :class:`~crmcore.errors.StorageError` naming the
    store and the record; text that SQLite cannot hold (a lone surrogate) is
    refused with a :class:`~crmcore.errors.ValidationError` naming the field. Open a store in each process that uses it; within a process
    it may be shared by threads. Close it (or use it as a context manager)
    when done.

    >>> from crmcore.models import Account, AccountId
    >>> with SqliteStore() as store:
    ...     with store.unit_of_work() as uow:
    ...         _ = uow.accounts.add(Account(id=AccountId("acme"), name="Acme"))
    ...         number = uow.sequences.next_value("invoice/1405")
    ...     with store.unit_of_work() as uow:
    ...         uow.accounts.get(AccountId("acme")).version, number
    (1, 1)
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        timeout: float = 30.0,
        durable: bool = True,
        adopt: bool = False,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise ValidationError(
                obj="SqliteStore", field="path", value=path, expected="':memory:' or a file path"
            )
        if (
            not isinstance(timeout, (int, float))
            or isinstance(timeout, bool)
            or not timeout > 0  # also refuses NaN
        ):
            raise ValidationError(
                obj="SqliteStore", field="timeout", value=timeout, expected="seconds > 0"
            )
        self.path = os.fspath(path)
        self._in_memory = self.path in (":memory:", "")
        self._timeout = float(timeout)
        self._synchronous = "FULL" if durable else "NORMAL"
        self._converter = make_converter()
        self._cache = _DocumentCache()
        self._guard = ThreadGuard()
        self._pool_lock = threading.Lock()
        self._memory_lock = threading.Lock()
        self._idle: list[sqlite3.Connection] = []
        self._closed = False
        self._pid = os.getpid()
        try:
            first = self._connect()
        except sqlite3.DatabaseError as err:
            raise self._bad_path(err) from err
        try:
            if not self._in_memory:
                first.execute("PRAGMA journal_mode=WAL")
            _create_schema(first, adopt=adopt, store=repr(self))
        except sqlite3.DatabaseError as err:
            first.close()
            if _is_busy(err):
                raise self.busy("open the store") from None
            raise self._bad_path(err) from err
        except BaseException:
            first.close()
            raise
        self._shared = first if self._in_memory else None
        if not self._in_memory:
            self._idle.append(first)

    def _bad_path(self, err: sqlite3.DatabaseError) -> ValidationError:
        return ValidationError(
            obj="SqliteStore",
            field="path",
            value=self.path,
            expected=f"an SQLite database file that can be opened and written ({err})",
        )

    def busy(self, action: str) -> StorageError:
        """The error for a write lock not obtained within ``timeout`` seconds."""
        return StorageError(
            f"{self!r}: cannot {action}: the database is locked by another connection or "
            f"process for longer than the busy timeout ({self._timeout:g} s); retry, or open "
            "the store with a longer timeout=",
            obj=repr(self),
            field="timeout",
            value=self._timeout,
        )

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: this code issues BEGIN/COMMIT itself.
        conn = sqlite3.connect(
            self.path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        return conn

    def _checkout(self) -> sqlite3.Connection:
        if self._closed:
            raise InvalidTransitionError(
                "SqliteStore", self.path, state="closed", action="begin a unit of work"
            )
        if self._shared is not None:
            self._memory_lock.acquire()
            return self._shared
        with self._pool_lock:
            if self._pid != os.getpid():
                # A forked child must not use its parent's connections: forget them.
                self._idle = []
                self._pid = os.getpid()
            if self._idle:
                return self._idle.pop()
        return self._connect()

    def _checkin(self, conn: sqlite3.Connection) -> None:
        if self._shared is not None:
            self._memory_lock.release()
            return
        with self._pool_lock:
            if not self._closed:
                self._idle.append(conn)
                return
        conn.close()

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on this store (enter it with ``with``)."""
        return _SqliteUnitOfWork(self)

    def close(self) -> None:
        """Close the store's connections; units of work in progress finish first."""
        with self._pool_lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
        if self._shared is not None:
            with self._memory_lock:
                self._shared.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.path!r})"


def _is_busy(err: sqlite3.Error) -> bool:
    text = str(err)
    return "locked" in text or "busy" in text


def _foreign_tables(conn: sqlite3.Connection) -> list[str]:
    """Tables of a file without crmcore's ``schema_version`` (SQLite's own excluded)."""
    names = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return [] if "schema_version" in names else sorted(names)


def _create_schema(conn: sqlite3.Connection, *, adopt: bool = False, store: str = "") -> None:
    conn.execute("BEGIN IMMEDIATE")
    try:
        foreign = _foreign_tables(conn)
        if foreign and not adopt:
            raise ValidationError(
                f"{store}: the file holds tables that are not crmcore's "
                f"({', '.join(foreign[:10])}{', ...' if len(foreign) > 10 else ''}); "
                "open it with adopt=True to add crmcore's tables beside them, "
                "or choose another file",
                obj="SqliteStore",
                field="path",
                value=foreign,
                expected="a new file or a crmcore store (or adopt=True)",
            )
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        row = conn.execute("SELECT version FROM schema_version").fetchone()
        if row is None:
            for statement in _schema():
                conn.execute(statement)
            conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
        elif row[0] in _MIGRATIONS:
            for version in range(row[0], SCHEMA_VERSION):
                for statement in _MIGRATIONS[version]:
                    conn.execute(statement)
            conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))
        elif row[0] != SCHEMA_VERSION:
            raise ValidationError(
                obj="SqliteStore",
                field="schema_version",
                value=row[0],
                expected=f"{SCHEMA_VERSION} (the schema this crmcore version writes)",
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


_EXACT = (str, int, date, enum.Enum)
"""Field types whose JSON text is equal exactly when the values are equal."""


_FIELD_TYPES: dict[type[Any], dict[str, type[Any] | None]] = {}


def _field_types(entity: type[Any]) -> dict[str, type[Any] | None]:
    """Each field's type, if it is one of :data:`_EXACT` (``X | None`` counts as ``X``)."""
    if entity in _FIELD_TYPES:
        return _FIELD_TYPES[entity]
    found: dict[str, type[Any] | None] = {}
    for field in attrs.fields(attrs.resolve_types(entity)):
        kinds = [k for k in typing.get_args(field.type) if k is not type(None)]
        base = field.type
        if typing.get_origin(field.type) in (typing.Union, types.UnionType) and len(kinds) == 1:
            base = kinds[0]
        exact = isinstance(base, type) and issubclass(base, _EXACT)
        found[field.name] = base if exact and not issubclass(base, datetime) else None
    _FIELD_TYPES[entity] = found
    return found


def _json_value(kind: type[Any], value: object) -> tuple[bool, object]:
    """(pushed down, SQL value) of a criterion on a JSON field of type ``kind``."""
    if value is None:
        return True, None
    if not isinstance(value, kind) or isinstance(value, datetime):
        return False, None
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, bool):
        return True, int(value)  # json_extract reads true as 1
    if isinstance(value, date):
        return True, value.isoformat()
    return isinstance(value, (str, int)), value


def _unencodable(label: str, data: object, path: str = "") -> ValidationError:
    """The error naming the first string of ``data`` that UTF-8 cannot encode."""
    stack: list[tuple[object, str]] = [(data, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return _surrogate_error(label, where or "id", item)
        elif isinstance(item, dict):
            stack.extend((v, f"{where}.{k}" if where else str(k)) for k, v in item.items())
        elif isinstance(item, list):
            stack.extend((v, f"{where}[{i}]") for i, v in enumerate(item))
    return _surrogate_error(label, path or "record", data)  # pragma: no cover - caller found one


def _surrogate_error(label: str, field: str, value: object) -> ValidationError:
    return ValidationError(
        obj=label,
        field=field,
        value=value,
        expected="text that can be stored as UTF-8 (no lone surrogate such as '\\ud800')",
    )


def _text(label: str, field: str, value: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _surrogate_error(label, field, value) from None
    return value


class _SqliteRepository(Generic[E, I]):
    """One aggregate's table, used by one unit of work."""

    def __init__(self, uow: _SqliteUnitOfWork, aggregate: Aggregate[E, I]) -> None:
        self._uow = uow
        self._aggregate = aggregate
        self._converter = uow.store._converter
        self._cache = uow.store._cache
        table = aggregate.name
        names = aggregate.column_names
        quoted = ", ".join(f'"{n}"' for n in names)
        # Table and column names are constants of this module, never input.
        self._sql_get = f"SELECT doc FROM {table} WHERE id = ?"  # noqa: S608
        self._sql_version = f"SELECT version FROM {table} WHERE id = ?"  # noqa: S608
        self._sql_insert = (
            f"INSERT INTO {table} (id, doc, {quoted}) VALUES (?, ?{', ?' * len(names)})"  # noqa: S608
        )
        assignments = ", ".join(f'"{n}" = ?' for n in names)
        self._sql_update = f"UPDATE {table} SET doc = ?, {assignments} WHERE id = ? AND version = ?"  # noqa: S608
        self._sql_delete = f"DELETE FROM {table} WHERE id = ?"  # noqa: S608
        self._sql_select = f"SELECT id, doc FROM {table}"  # noqa: S608

    def _conn(self, action: str) -> sqlite3.Connection:
        return self._uow.connection(action)

    def _load(self, entity_id: str, doc: str) -> E:
        table = self._aggregate.name
        cached = self._cache.get(table, entity_id, doc)
        if cached is not None:
            return cast(E, cached)
        try:
            entity = self._converter.structure(json.loads(doc), self._aggregate.entity)
        except (ValueError, TypeError, RecursionError) as err:
            # ValidationError and JSONDecodeError are ValueErrors: the text changed underneath
            problem = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise StorageError(
                f"{self._uow.store!r}: the stored {self._aggregate.label} {str(entity_id)!r} "
                f"(table {table}) is corrupted: {problem}",
                obj=repr(self._uow.store),
                field=f"{table}[{str(entity_id)!r}]",
                value=doc[:200],
            ) from None
        self._cache.put(table, entity_id, doc, entity)
        return entity

    def _dump(self, entity: E) -> str:
        data = self._converter.unstructure(entity)
        doc = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
        if not doc.isascii():
            try:
                doc.encode("utf-8")
            except UnicodeEncodeError:
                raise _unencodable(self._aggregate.label, data) from None
        self._cache.put(self._aggregate.name, entity.id, doc, entity)  # type: ignore[attr-defined]
        return doc

    def _refuse(self, conn: sqlite3.Connection, entity_id: str, held: int | None) -> None:
        """After a write matched no row: say whether the record is missing or newer."""
        row = conn.execute(self._sql_version, (entity_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._aggregate.label, entity_id)
        check_stored_version(self._aggregate, entity_id, held, row[0])
        raise ConcurrencyError(  # pragma: no cover - the write lock makes this unreachable
            self._aggregate.label, entity_id, expected_version=held or 0, actual_version=row[0]
        )

    def get(self, id: I, /) -> E:
        conn = self._conn("get")
        entity_id = _text(self._aggregate.label, "id", check_id(self._aggregate, id))
        row = conn.execute(self._sql_get, (entity_id,)).fetchone()
        if row is None:
            raise NotFoundError(self._aggregate.label, entity_id)
        return self._load(entity_id, row[0])

    def add(self, entity: E, /) -> E:
        conn = self._conn("add")
        check_entity(self._aggregate, entity, new=True)
        entity_id: str = entity.id  # type: ignore[attr-defined]
        stored: E = bump(entity, 1)
        try:
            conn.execute(
                self._sql_insert, (entity_id, self._dump(stored), *self._aggregate.row(stored))
            )
        except sqlite3.IntegrityError:
            raise DuplicateError(self._aggregate.label, entity_id) from None
        return stored

    def update(self, entity: E, /) -> E:
        conn = self._conn("update")
        check_entity(self._aggregate, entity, new=False)
        entity_id: str = entity.id  # type: ignore[attr-defined]
        held: int = entity.version  # type: ignore[attr-defined]
        stored: E = bump(entity, held + 1)
        cursor = conn.execute(
            self._sql_update,
            (self._dump(stored), *self._aggregate.row(stored), entity_id, held),
        )
        if cursor.rowcount != 1:
            self._refuse(conn, entity_id, held)
        return stored

    def delete(self, id: I, /, *, version: int | None = None) -> None:
        conn = self._conn("delete")
        entity_id = _text(self._aggregate.label, "id", check_id(self._aggregate, id))
        held = check_version(self._aggregate, version)
        if held is None:
            cursor = conn.execute(self._sql_delete, (entity_id,))
        else:
            cursor = conn.execute(self._sql_delete + " AND version = ?", (entity_id, held))
        if cursor.rowcount != 1:
            self._refuse(conn, entity_id, held)

    def add_many(self, entities: Iterable[E], /) -> builtins.list[E]:
        conn = self._conn("add")
        batch = check_new_batch(self._aggregate, entities)
        stored: builtins.list[E] = [bump(entity, 1) for entity in batch]
        rows = [(e.id, self._dump(e), *self._aggregate.row(e)) for e in stored]  # type: ignore[attr-defined]
        conn.execute("SAVEPOINT add_many")
        try:
            conn.executemany(self._sql_insert, rows)
        except sqlite3.IntegrityError:
            conn.execute("ROLLBACK TO add_many")
            conn.execute("RELEASE add_many")
            raise self._duplicate_of(conn, [row[0] for row in rows]) from None
        conn.execute("RELEASE add_many")
        return stored

    def _duplicate_of(self, conn: sqlite3.Connection, ids: builtins.list[object]) -> DuplicateError:
        for entity_id in ids:
            if conn.execute(self._sql_version, (entity_id,)).fetchone() is not None:
                return DuplicateError(self._aggregate.label, entity_id)
        return DuplicateError(self._aggregate.label, ids[0])  # pragma: no cover - ids were unique

    def _where(
        self, checked: dict[str, object], after: str | None
    ) -> tuple[str, builtins.list[object], dict[str, object]]:
        """SQL conditions for the criteria it can decide exactly; the rest for Python."""
        by_name = {c.name: c for c in self._aggregate.columns}
        kinds = _field_types(self._aggregate.entity)
        clauses: builtins.list[str] = []
        params: builtins.list[object] = []
        rest: dict[str, object] = {}
        for name, value in checked.items():
            column = by_name.get(name)
            if column is not None:
                clauses.append(f'"{name}" IS ?')
                params.append(column.to_sql(value))
                continue
            kind = kinds.get(name)
            pushed, sql_value = _json_value(kind, value) if kind is not None else (False, None)
            if pushed:
                # A field name is an attrs field of the entity (checked), never free text.
                clauses.append(f"json_extract(doc, '$.{name}') IS ?")
                params.append(sql_value)
            else:
                rest[name] = value
        if after is not None:
            clauses.append("id > ?")
            params.append(after)
        where = (" WHERE " + " AND ".join(clauses)) if clauses else ""
        return where, params, rest

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
        **criteria: object,
    ) -> builtins.list[E]:
        conn = self._conn("list")
        checked = self._aggregate.check_criteria(criteria)
        limit, offset = check_page(self._aggregate.label, limit, offset)
        where, params, rest = self._where(checked, check_after(self._aggregate, after))
        for index, param in enumerate(params):
            if isinstance(param, str):
                _text(self._aggregate.label, f"criteria[{index}]", param)
        sql = self._sql_select + where + " ORDER BY id"
        if not rest:
            # SQL decided every criterion: SQLite pages (LIMIT -1 means no limit).
            sql += " LIMIT ? OFFSET ?"
            params += [-1 if limit is None else limit, offset]
            return [self._load(i, doc) for (i, doc) in conn.execute(sql, params)]
        found: builtins.list[E] = []
        end = None if limit is None else offset + limit
        if end == 0:
            return found
        # Criteria SQL cannot decide exactly (datetimes, money, ...) are checked on
        # the parsed records, stopping as soon as the page is full.
        for entity_id, doc in conn.execute(sql, params):
            entity = self._load(entity_id, doc)
            if matches(entity, rest):
                found.append(entity)
                if end is not None and len(found) == end:
                    break
        return found[offset:]


class _SqliteSequence:
    """Gap-free counters in the ``sequences`` table, inside the unit of work's transaction."""

    def __init__(self, uow: _SqliteUnitOfWork) -> None:
        self._uow = uow

    def next_value(self, key: str, /) -> int:
        conn = self._uow.connection("draw a number")
        _text("Sequence", "key", check_key(key))
        row = conn.execute("SELECT value FROM sequences WHERE key = ?", (key,)).fetchone()
        value = 1 if row is None else int(row[0]) + 1
        conn.execute("INSERT OR REPLACE INTO sequences (key, value) VALUES (?, ?)", (key, value))
        return value


class _SqliteUnitOfWork(BaseUnitOfWork):
    """A unit of work on a :class:`SqliteStore`: one ``BEGIN IMMEDIATE`` transaction."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.conn: sqlite3.Connection | None = None
        self.accounts: _SqliteRepository[Account, AccountId] = _SqliteRepository(self, ACCOUNTS)
        self.contacts: _SqliteRepository[Contact, ContactId] = _SqliteRepository(self, CONTACTS)
        self.leads: _SqliteRepository[Lead, LeadId] = _SqliteRepository(self, LEADS)
        self.opportunities: _SqliteRepository[Opportunity, OpportunityId] = _SqliteRepository(
            self, OPPORTUNITIES
        )
        self.activities: _SqliteRepository[Activity, ActivityId] = _SqliteRepository(
            self, ACTIVITIES
        )
        self.cases: _SqliteRepository[Case, CaseId] = _SqliteRepository(self, CASES)
        self.sequences = _SqliteSequence(self)

    def connection(self, action: str) -> sqlite3.Connection:
        """The transaction's connection; refused outside the ``with`` block."""
        self.require_active(action)
        # An active unit of work always holds a connection (set before it turns active).
        return cast(sqlite3.Connection, self.conn)

    def _open(self) -> None:
        self.store._guard.enter()
        try:
            conn = self.store._checkout()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as err:
                self.store._checkin(conn)
                if _is_busy(err):
                    raise self.store.busy("begin a unit of work") from None
                raise
            except BaseException:
                self.store._checkin(conn)
                raise
        except BaseException:
            self.store._guard.leave()
            raise
        self.conn = conn

    def _commit(self) -> None:
        if self.conn is not None and self.conn.in_transaction:
            try:
                self.conn.execute("COMMIT")
            except sqlite3.OperationalError as err:
                if _is_busy(err):
                    raise self.store.busy("commit") from None
                raise

    def _rollback(self) -> None:
        if self.conn is not None and self.conn.in_transaction:
            self.conn.execute("ROLLBACK")

    def _restart(self) -> None:
        if self.conn is not None:
            self.conn.execute("BEGIN IMMEDIATE")

    def _close(self) -> None:
        conn, self.conn = self.conn, None
        try:
            if conn is not None:
                self.store._checkin(conn)
        finally:
            self.store._guard.leave()
