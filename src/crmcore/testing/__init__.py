"""The public contract suite for repository implementations.

Implement the :mod:`crmcore.repositories` protocols on your own store,
then let :class:`RepositoryContract` check that it behaves like the
reference stores: versions, duplicates, missing records, optimistic locks,
commit and rollback, list criteria and paging, gap-free sequences, and use
from several threads. Subclass it under a name your test runner collects
and say how to make an empty store::

    # tests/test_my_store.py
    from crmcore.testing import RepositoryContract

    class TestMyStore(RepositoryContract):
        def make_store(self):
            return MyStore(dsn="...")

The test methods use no test framework: a failure is an ``AssertionError``
with a message naming the aggregate, so importing this module does not
need pytest, and the class works with pytest or mixed into
:class:`unittest.TestCase`. The same suite runs against crmcore's own
stores:

>>> from crmcore.repositories import InMemoryStore
>>> class CheckInMemory(RepositoryContract):
...     def make_store(self):
...         return InMemoryStore()
>>> CheckInMemory().test_stale_update_raises_concurrency_error()
"""

from crmcore.testing._contract import RepositoryContract

__all__ = ["RepositoryContract"]
