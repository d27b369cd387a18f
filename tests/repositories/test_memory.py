"""The contract suite against the in-memory store, plus its own behaviour."""

from __future__ import annotations

from crmcore.repositories import InMemoryStore, Store
from crmcore.testing import RepositoryContract


class TestInMemoryStore(RepositoryContract):
    def make_store(self) -> Store:
        return InMemoryStore()
