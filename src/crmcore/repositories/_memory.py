"""The in-memory reference store (private; see ``crmcore.repositories``)."""

from __future__ import annotations

import builtins
import heapq
import threading
from bisect import bisect_left, bisect_right, insort
from collections.abc import Iterable, Iterator
from typing import Any, Generic

from crmcore.errors import DuplicateError, NotFoundError
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

# Above this many keys changed in one commit, the key order is rebuilt by a merge
# instead of one insertion each (each insertion moves the keys after it).
_MERGE_ABOVE = 64


class InMemoryStore:
    """A store in this process's memory: fast, transactional, gone at exit.

    One unit of work runs at a time (others wait); its changes are kept
    aside and applied to the store only on commit, so a rolled-back unit of
    work leaves nothing behind. Entities are immutable, so the store keeps
    the very objects it returns.

    >>> from crmcore.models import Account, AccountId
    >>> store = InMemoryStore()
    >>> with store.unit_of_work() as uow:
    ...     uow.accounts.add(Account(id=AccountId("acme"), name="Acme")).version
    1
    >>> with store.unit_of_work() as uow:
    ...     uow.accounts.get(AccountId("acme")).name
    'Acme'
    """

    def __init__(self) -> None:
        self._records: dict[str, dict[str, Any]] = {a.name: {} for a in AGGREGATES}
        # The ids of each aggregate in order, kept up to date on commit so that
        # listing a page never sorts every key.
        self._order: dict[str, list[str]] = {a.name: [] for a in AGGREGATES}
        self._sequences: dict[str, int] = {}
        self._lock = threading.Lock()
        self._guard = ThreadGuard()

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on this store (enter it with ``with``)."""
        return _MemoryUnitOfWork(self)

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(rows)}" for name, rows in self._records.items())
        return f"InMemoryStore({counts})"


class _MemoryRepository(Generic[E, I]):
    """One aggregate's records as seen by one unit of work."""

    def __init__(self, uow: _MemoryUnitOfWork, aggregate: Aggregate[E, I]) -> None:
        self._uow = uow
        self._aggregate = aggregate
        self._pending: dict[str, E | None] = {}

    @property
    def _committed(self) -> dict[str, E]:
        return self._uow.store._records[self._aggregate.name]

    def _current(self, entity_id: str) -> E | None:
        if entity_id in self._pending:
            return self._pending[entity_id]
        return self._committed.get(entity_id)

    def _existing(self, entity_id: str) -> E:
        found = self._current(entity_id)
        if found is None:
            raise NotFoundError(self._aggregate.label, entity_id)
        return found

    def get(self, id: I, /) -> E:
        self._uow.require_active("get")
        return self._existing(check_id(self._aggregate, id))

    def add(self, entity: E, /) -> E:
        self._uow.require_active("add")
        check_entity(self._aggregate, entity, new=True)
        entity_id: str = entity.id  # type: ignore[attr-defined]
        if self._current(entity_id) is not None:
            raise DuplicateError(self._aggregate.label, entity_id)
        stored: E = bump(entity, 1)
        self._pending[entity_id] = stored
        return stored

    def add_many(self, entities: Iterable[E], /) -> builtins.list[E]:
        self._uow.require_active("add")
        batch = check_new_batch(self._aggregate, entities)
        for entity in batch:
            if self._current(entity.id) is not None:
                raise DuplicateError(self._aggregate.label, entity.id)
        stored = [bump(entity, 1) for entity in batch]
        self._pending.update((entity.id, entity) for entity in stored)
        return stored

    def update(self, entity: E, /) -> E:
        self._uow.require_active("update")
        check_entity(self._aggregate, entity, new=False)
        entity_id: str = entity.id  # type: ignore[attr-defined]
        version: int = entity.version  # type: ignore[attr-defined]
        current = self._existing(entity_id)
        check_stored_version(self._aggregate, entity_id, version, current.version)  # type: ignore[attr-defined]
        stored: E = bump(entity, version + 1)
        self._pending[entity_id] = stored
        return stored

    def delete(self, id: I, /, *, version: int | None = None) -> None:
        self._uow.require_active("delete")
        entity_id = check_id(self._aggregate, id)
        held = check_version(self._aggregate, version)
        current = self._existing(entity_id)
        check_stored_version(self._aggregate, entity_id, held, current.version)  # type: ignore[attr-defined]
        self._pending[entity_id] = None

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
        **criteria: object,
    ) -> builtins.list[E]:
        self._uow.require_active("list")
        checked = self._aggregate.check_criteria(criteria)
        limit, offset = check_page(self._aggregate.label, limit, offset)
        after = check_after(self._aggregate, after)
        found: builtins.list[E] = []
        if limit == 0:
            return found
        for entity_id in self._ids_after(after):
            entity = self._current(entity_id)
            if entity is None or not matches(entity, checked):
                continue
            if offset:
                offset -= 1
                continue
            found.append(entity)
            if limit is not None and len(found) == limit:
                break
        return found

    def _ids_after(self, after: str | None) -> Iterator[str]:
        """Committed and pending ids after ``after``, in order, each once."""
        order = self._uow.store._order[self._aggregate.name]
        start = 0 if after is None else bisect_right(order, after)
        committed = self._committed
        fresh = sorted(
            key for key in self._pending if key not in committed and (after is None or key > after)
        )
        stored = (order[i] for i in range(start, len(order)))
        return heapq.merge(stored, fresh)

    def _apply(self) -> None:
        committed = self._committed
        added = [k for k, e in self._pending.items() if e is not None and k not in committed]
        removed = {k for k, e in self._pending.items() if e is None and k in committed}
        for entity_id, entity in self._pending.items():
            if entity is None:
                committed.pop(entity_id, None)
            else:
                committed[entity_id] = entity
        self._pending.clear()
        self._reorder(added, removed)

    def _reorder(self, added: builtins.list[str], removed: set[str]) -> None:
        orders = self._uow.store._order
        order = orders[self._aggregate.name]
        if len(added) + len(removed) > _MERGE_ABOVE:
            kept = [k for k in order if k not in removed] if removed else order
            orders[self._aggregate.name] = list(heapq.merge(kept, sorted(added)))
            return
        for key in removed:
            del order[bisect_left(order, key)]
        for key in added:
            insort(order, key)

    def _discard(self) -> None:
        self._pending.clear()


class _MemorySequence:
    """Gap-free counters; draws are kept aside until commit."""

    def __init__(self, uow: _MemoryUnitOfWork) -> None:
        self._uow = uow
        self._pending: dict[str, int] = {}

    def next_value(self, key: str, /) -> int:
        self._uow.require_active("draw a number")
        check_key(key)
        value = self._pending.get(key, self._uow.store._sequences.get(key, 0)) + 1
        self._pending[key] = value
        return value


class _MemoryUnitOfWork(BaseUnitOfWork):
    """A unit of work on an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.accounts: _MemoryRepository[Account, AccountId] = _MemoryRepository(self, ACCOUNTS)
        self.contacts: _MemoryRepository[Contact, ContactId] = _MemoryRepository(self, CONTACTS)
        self.leads: _MemoryRepository[Lead, LeadId] = _MemoryRepository(self, LEADS)
        self.opportunities: _MemoryRepository[Opportunity, OpportunityId] = _MemoryRepository(
            self, OPPORTUNITIES
        )
        self.activities: _MemoryRepository[Activity, ActivityId] = _MemoryRepository(
            self, ACTIVITIES
        )
        self.cases: _MemoryRepository[Case, CaseId] = _MemoryRepository(self, CASES)
        self.sequences = _MemorySequence(self)
        self._repositories: tuple[_MemoryRepository[Any, Any], ...] = (
            self.accounts,
            self.contacts,
            self.leads,
            self.opportunities,
            self.activities,
            self.cases,
        )

    def _open(self) -> None:
        self.store._guard.enter()
        try:
            self.store._lock.acquire()
        except BaseException:
            self.store._guard.leave()
            raise
        self._rollback()

    def _commit(self) -> None:
        for repository in self._repositories:
            repository._apply()
        self.store._sequences.update(self.sequences._pending)
        self.sequences._pending.clear()

    def _rollback(self) -> None:
        for repository in self._repositories:
            repository._discard()
        self.sequences._pending.clear()

    def _restart(self) -> None:
        """The store's lock is still held: the next transaction has begun."""

    def _close(self) -> None:
        self.store._lock.release()
        self.store._guard.leave()
