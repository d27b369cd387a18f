"""Repositories: where records live is the caller's choice.

crmcore's engines never touch storage; they take values, or these
protocols. One :class:`typing.Protocol` per aggregate (accounts, contacts,
leads, opportunities, activities, cases), a :class:`Sequence` for gap-free
document numbers, and a :class:`UnitOfWork` that makes one piece of work
atomic. A :class:`Store` hands out units of work.

Two reference stores pass the same public contract suite
(:mod:`crmcore.testing`): :class:`InMemoryStore` and :class:`SqliteStore`
(standard-library ``sqlite3``; the embedded default the CLI uses).

The contract, in short:

- ``add`` stores a new record (version 0) as version 1; an existing id is a
  :class:`~crmcore.errors.DuplicateError`.
- ``update`` needs the version the store holds and bumps it; a stale one is
  a :class:`~crmcore.errors.ConcurrencyError` (the optimistic lock).
- ``get``/``update``/``delete`` of a missing id is a
  :class:`~crmcore.errors.NotFoundError`.
- ``list(**criteria, limit=, offset=)`` matches fields by equality, orders
  by id; an unknown field is a :class:`~crmcore.errors.ValidationError`.
- leaving the ``with`` block commits; an exception rolls everything back,
  sequence numbers included, and propagates.

>>> from crmcore.models import Lead, LeadId, LeadSource, LeadStatus
>>> store = InMemoryStore()
>>> with store.unit_of_work() as uow:
...     lead = uow.leads.add(Lead(id=LeadId("L1"), last_name="Karimi",
...                               source=LeadSource.TRADE_SHOW))
...     number = uow.sequences.next_value("lead")
>>> lead.version, number
(1, 1)
>>> with store.unit_of_work() as uow:
...     contacted = uow.leads.update(lead.contact())
...     [str(x.id) for x in uow.leads.list(status=LeadStatus.CONTACTED)]
['L1']
>>> with store.unit_of_work() as uow:
...     uow.leads.update(lead.contact())   # still version 1: someone updated it since
Traceback (most recent call last):
...
crmcore.errors.ConcurrencyError: Lead 'L1' was changed by someone else: you hold version 1, the store has version 2
"""

from crmcore.repositories._aggregates import check_criteria
from crmcore.repositories._memory import InMemoryStore
from crmcore.repositories._protocols import (
    AccountRepository,
    ActivityRepository,
    CaseRepository,
    ContactRepository,
    LeadRepository,
    OpportunityRepository,
    Repository,
    Sequence,
    Store,
    UnitOfWork,
)
from crmcore.repositories._sqlite import SqliteStore

__all__ = [
    "AccountRepository",
    "ActivityRepository",
    "CaseRepository",
    "ContactRepository",
    "InMemoryStore",
    "LeadRepository",
    "OpportunityRepository",
    "Repository",
    "Sequence",
    "SqliteStore",
    "Store",
    "UnitOfWork",
    "check_criteria",
]
