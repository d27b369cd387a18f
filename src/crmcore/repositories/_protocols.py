"""The repository, sequence, unit-of-work and store protocols (private).

See ``crmcore.repositories`` for the contract in words and
``crmcore.testing.RepositoryContract`` for the same contract as tests.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self, TypeVar

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

EntityT = TypeVar("EntityT")
IdT_contra = TypeVar("IdT_contra", contravariant=True)


class Repository(Protocol[EntityT, IdT_contra]):
    """Store and find the records of one aggregate, inside a unit of work.

    Every record carries an optimistic-lock ``version``: a new record has
    version 0; :meth:`add` stores it as version 1 and every :meth:`update`
    adds one. An update or delete based on a version the store no longer
    holds raises :class:`~crmcore.errors.ConcurrencyError`.
    """

    def get(self, id: IdT_contra, /) -> EntityT:
        """The record with ``id``; :class:`~crmcore.errors.NotFoundError` if there is none."""
        ...

    def add(self, entity: EntityT, /) -> EntityT:
        """Store a new record and return it as stored (``version=1``).

        ``entity.version`` must be 0 (:class:`~crmcore.errors.ValidationError`
        otherwise); a record with the same id raises
        :class:`~crmcore.errors.DuplicateError`.
        """
        ...

    def add_many(self, entities: Iterable[EntityT], /) -> builtins.list[EntityT]:
        """Store many new records at once, all or none, and return them as stored.

        The same checks as :meth:`add` for each record (a duplicate id, in
        the store or twice in ``entities``, raises
        :class:`~crmcore.errors.DuplicateError`); when one is refused, none
        of them is stored.
        """
        ...

    def update(self, entity: EntityT, /) -> EntityT:
        """Replace the stored record and return it with its version plus one.

        The stored version must equal ``entity.version``, else
        :class:`~crmcore.errors.ConcurrencyError`; a missing record raises
        :class:`~crmcore.errors.NotFoundError`.
        """
        ...

    def delete(self, id: IdT_contra, /, *, version: int | None = None) -> None:
        """Remove the record (checking its version when ``version`` is given).

        :class:`~crmcore.errors.NotFoundError` if absent,
        :class:`~crmcore.errors.ConcurrencyError` if ``version`` is stale.
        """
        ...

    def list(
        self,
        *,
        limit: int | None = None,
        offset: int = 0,
        after: str | None = None,
        **criteria: object,
    ) -> builtins.list[EntityT]:
        """Records equal to every criterion, ordered by id, then paged.

        Criteria are field names with the value to match (``status=...``,
        ``account_id=...``; ``None`` matches an empty field). An unknown name
        raises :class:`~crmcore.errors.ValidationError` naming it. Only
        records whose id sorts after ``after`` are considered (key paging:
        pass the last id of the previous page; it costs the same on every
        page), then ``offset`` records are skipped and at most ``limit``
        returned.
        """
        ...


class AccountRepository(Repository[Account, AccountId], Protocol):
    """Accounts (organisations); see :class:`Repository`."""


class ContactRepository(Repository[Contact, ContactId], Protocol):
    """Contacts (people); see :class:`Repository`."""


class LeadRepository(Repository[Lead, LeadId], Protocol):
    """Leads; see :class:`Repository`."""


class OpportunityRepository(Repository[Opportunity, OpportunityId], Protocol):
    """Opportunities; see :class:`Repository`."""


class ActivityRepository(Repository[Activity, ActivityId], Protocol):
    """Activities (calls, emails, meetings, tasks); see :class:`Repository`."""


class CaseRepository(Repository[Case, CaseId], Protocol):
    """Support cases; see :class:`Repository`."""


class Sequence(Protocol):
    """Gap-free numbers per key (1, 2, 3, ...), for invoices, quotes and the like.

    A number is drawn inside the unit of work: if the unit of work rolls
    back, the number is given back and the next draw returns it again, so a
    committed series never has a gap. Draws from concurrent units of work
    (threads, processes) never return the same number twice.
    """

    def next_value(self, key: str, /) -> int:
        """The next number for ``key``: 1 the first time, then 2, 3, ..."""
        ...


class UnitOfWork(Protocol):
    """One atomic piece of work across all repositories.

    Use it as a context manager: leaving the block normally commits, an
    exception rolls everything back and propagates. :meth:`commit` and
    :meth:`rollback` may also be called inside the block; work after them
    belongs to a new transaction. Nothing of a rolled-back unit of work is
    left in the store.
    """

    @property
    def accounts(self) -> AccountRepository:
        """The accounts of this unit of work."""
        ...

    @property
    def contacts(self) -> ContactRepository:
        """The contacts of this unit of work."""
        ...

    @property
    def leads(self) -> LeadRepository:
        """The leads of this unit of work."""
        ...

    @property
    def opportunities(self) -> OpportunityRepository:
        """The opportunities of this unit of work."""
        ...

    @property
    def activities(self) -> ActivityRepository:
        """The activities of this unit of work."""
        ...

    @property
    def cases(self) -> CaseRepository:
        """The cases of this unit of work."""
        ...

    @property
    def sequences(self) -> Sequence:
        """Gap-free number sequences, drawn inside this unit of work."""
        ...

    def __enter__(self) -> Self:
        """Begin the unit of work."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Commit if the block ended normally, else roll back (the exception propagates)."""
        ...

    def commit(self) -> None:
        """Make the work so far permanent."""
        ...

    def rollback(self) -> None:
        """Discard the work since the last commit."""
        ...


class Store(Protocol):
    """Where records live: hands out units of work."""

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work on this store (enter it with ``with``)."""
        ...
