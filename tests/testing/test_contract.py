"""The contract suite catches broken stores (each mutant breaks one promise)."""

from __future__ import annotations

import contextlib
import itertools
from types import TracebackType
from typing import Any

import attrs
import pytest

from crmcore.repositories import InMemoryStore, Store, UnitOfWork
from crmcore.testing import RepositoryContract

NAMES = ("accounts", "contacts", "leads", "opportunities", "activities", "cases")


class _Repo:
    """Delegates to a real repository; mutants override one method."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def get(self, id: Any, /) -> Any:
        return self.inner.get(id)

    def add(self, entity: Any, /) -> Any:
        return self.inner.add(entity)

    def update(self, entity: Any, /) -> Any:
        return self.inner.update(entity)

    def delete(self, id: Any, /, *, version: int | None = None) -> None:
        self.inner.delete(id, version=version)

    def add_many(self, entities: Any, /) -> Any:
        return self.inner.add_many(entities)

    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        return self.inner.list(limit=limit, offset=offset, after=after, **criteria)


class _NoVersionCheck(_Repo):
    def update(self, entity: Any, /) -> Any:
        stored = self.inner.get(entity.id)
        return self.inner.update(attrs.evolve(entity, version=stored.version))


class _NoVersionBump(_Repo):
    def add(self, entity: Any, /) -> Any:
        self.inner.add(entity)
        return entity


class _ReverseOrder(_Repo):
    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        found = self.inner.list(after=after, **criteria)[::-1]
        return found[offset : None if limit is None else offset + limit]


class _IgnoreUnknownCriteria(_Repo):
    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        criteria.pop("no_such_field", None)
        return self.inner.list(limit=limit, offset=offset, after=after, **criteria)


class _IgnoreOffset(_Repo):
    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        return self.inner.list(limit=limit, after=after, **criteria)


class _IndexedCriteriaOnly(_Repo):
    """Ignores criteria on fields a store would not index (a lazy SQL translation)."""

    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        kept = {k: v for k, v in criteria.items() if k in ("status", "tier", "stage", "kind")}
        return self.inner.list(limit=limit, offset=offset, after=after, **kept)


class _AfterIncludesTheKey(_Repo):
    """Pages from the given id inclusive (an off-by-one in key paging)."""

    def list(
        self, *, limit: int | None = None, offset: int = 0, after: Any = None, **criteria: object
    ) -> Any:
        found = self.inner.list(**criteria)
        if after is not None:
            found = [e for e in found if str(e.id) >= after]
        return found[offset : None if limit is None else offset + limit]


class _AddManySkipsDuplicates(_Repo):
    """Adds what it can and drops the rest, instead of all or none."""

    def add_many(self, entities: Any, /) -> Any:
        stored = []
        for entity in entities:
            with contextlib.suppress(LookupError, ValueError):
                stored.append(self.inner.add(entity))
        return stored


class _DuplicateOverwrites(_Repo):
    def add(self, entity: Any, /) -> Any:
        with contextlib.suppress(LookupError):
            self.inner.delete(entity.id)
        return self.inner.add(entity)


class _Unit:
    """A unit of work whose repositories are wrapped by ``repo``."""

    def __init__(self, inner: UnitOfWork, repo: type[_Repo], mutant: str) -> None:
        self.inner = inner
        self.mutant = mutant
        for name in NAMES:
            setattr(self, name, repo(getattr(inner, name)))
        self.sequences = inner.sequences

    def __enter__(self) -> _Unit:
        self.inner.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.mutant == "commit_always":
            self.inner.__exit__(None, None, None)
        else:
            self.inner.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self.inner.commit()

    def rollback(self) -> None:
        if self.mutant != "rollback_noop":
            self.inner.rollback()


class _Counter:
    """Sequence numbers outside any transaction: rollbacks leave gaps."""

    def __init__(self, counters: dict[str, itertools.count[int]]) -> None:
        self.counters = counters

    def next_value(self, key: str, /) -> int:
        return next(self.counters.setdefault(key, itertools.count(1)))


class _MutantStore:
    def __init__(self, mutant: str, repo: type[_Repo] = _Repo) -> None:
        self.inner = InMemoryStore()
        self.mutant = mutant
        self.repo = repo
        self.counters: dict[str, itertools.count[int]] = {}

    def unit_of_work(self) -> Any:
        unit = _Unit(self.inner.unit_of_work(), self.repo, self.mutant)
        if self.mutant == "sequence_outside":
            unit.sequences = _Counter(self.counters)
        return unit


class _Contract(RepositoryContract):
    def __init__(self, store: Any) -> None:
        self.store = store

    def make_store(self) -> Store:
        self.store.inner = InMemoryStore()
        self.store.counters = {}
        return self.store  # type: ignore[no-any-return]


def test_the_faithful_wrapper_passes_the_whole_contract() -> None:
    # The mutants below differ from this wrapper in one place each.
    contract = _Contract(_MutantStore("none"))
    tests = [name for name in dir(contract) if name.startswith("test_")]
    assert len(tests) >= 20
    for name in tests:
        getattr(contract, name)()


@pytest.mark.parametrize(
    ("store", "test", "message"),
    [
        (
            _MutantStore("none", _NoVersionCheck),
            "test_stale_update_raises_concurrency_error",
            "expected ConcurrencyError",
        ),
        (
            _MutantStore("none", _NoVersionBump),
            "test_add_stores_version_one",
            "add returned version 0",
        ),
        (_MutantStore("none", _ReverseOrder), "test_list_orders_by_id", "list order"),
        (
            _MutantStore("none", _IgnoreUnknownCriteria),
            "test_list_refuses_unknown_criteria",
            "unknown criterion",
        ),
        (_MutantStore("none", _IgnoreOffset), "test_list_limit_and_offset", "page 1"),
        (
            _MutantStore("none", _DuplicateOverwrites),
            "test_add_duplicate_raises",
            "expected DuplicateError",
        ),
        (_MutantStore("none", _IndexedCriteriaOnly), "test_list_by_any_field", "selected"),
        (_MutantStore("none", _AfterIncludesTheKey), "test_list_pages_by_key", "gave"),
        (
            _MutantStore("none", _AddManySkipsDuplicates),
            "test_add_many_stores_all_or_none",
            "refused batch left",
        ),
        (_MutantStore("commit_always"), "test_exception_rolls_everything_back", "left behind"),
        (_MutantStore("rollback_noop"), "test_explicit_commit_and_rollback", "stored"),
        (
            _MutantStore("sequence_outside"),
            "test_sequence_rollback_gives_numbers_back",
            "expected 2",
        ),
    ],
)
def test_a_broken_store_fails_the_contract(store: _MutantStore, test: str, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        getattr(_Contract(store), test)()


def test_make_store_is_required() -> None:
    with pytest.raises(TypeError, match="make_store"):
        RepositoryContract()  # type: ignore[abstract]


def test_thread_tests_can_be_switched_off() -> None:
    class SingleThreaded(RepositoryContract):
        supports_threads = False

        def make_store(self) -> Store:
            raise AssertionError("the thread tests must not run")

    SingleThreaded().test_sequences_are_unique_across_threads()
    SingleThreaded().test_concurrent_updates_lose_nothing()


def test_importing_the_suite_needs_neither_pytest_nor_hypothesis() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['pytest'] = None; sys.modules['hypothesis'] = None\n"
        "import crmcore.testing\n"
        "print(crmcore.testing.RepositoryContract.__name__)"
    )
    done = subprocess.run(  # noqa: S603 - runs this interpreter on a fixed snippet
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "RepositoryContract"), done.stderr


def test_the_suite_runs_under_unittest() -> None:
    import unittest

    class CheckWithUnittest(RepositoryContract, unittest.TestCase):
        def make_store(self) -> Store:
            return InMemoryStore()

    suite = unittest.defaultTestLoader.loadTestsFromTestCase(CheckWithUnittest)
    result = unittest.TestResult()
    suite.run(result)
    # 25 contract tests, plus the stage-history round trip.
    assert (result.testsRun, result.failures, result.errors) == (26, [], [])
