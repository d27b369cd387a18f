"""The repository contract as test methods (private; see ``crmcore.testing``)."""

from __future__ import annotations

import abc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from types import TracebackType
from typing import Any, ClassVar, Generic, TypeVar

import attrs

from crmcore.errors import (
    ConcurrencyError,
    DuplicateError,
    NotFoundError,
    ValidationError,
)
from crmcore.repositories import Store, UnitOfWork
from crmcore.testing._samples import SAMPLES, Sample, sample_opportunity_with_history

X = TypeVar("X", bound=BaseException)


class _BoomError(Exception):
    """Raised inside a unit of work to make it roll back."""


def _check(condition: bool, message: str) -> None:
    # Not ``assert``: the contract must hold under ``python -O`` as well.
    if not condition:
        raise AssertionError(message)


class _raises(Generic[X]):  # noqa: N801 - used like pytest.raises
    """Expect ``kind`` from the block; the caught error is ``caught[0]`` afterwards."""

    def __init__(self, kind: type[X], what: str) -> None:
        self.kind = kind
        self.what = what
        self.caught: list[X] = []

    def __enter__(self) -> list[X]:
        return self.caught

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        if exc is None:
            raise AssertionError(f"{self.what}: expected {self.kind.__name__}, nothing was raised")
        if isinstance(exc, self.kind):
            self.caught.append(exc)
            return True
        return False


def _repo(uow: UnitOfWork, sample: Sample) -> Any:
    return getattr(uow, sample.name)


def _ids(entities: list[Any]) -> list[str]:
    return [str(e.id) for e in entities]


def _key(value: object) -> str:
    """A key to collect distinct values that may not be hashable."""
    return f"{type(value).__name__}:{value!r}"


def _bumped(entity: Any) -> Any:
    return attrs.evolve(entity, version=3)


class RepositoryContract(abc.ABC):
    """The behaviour every :class:`~crmcore.repositories.Store` must have, as tests.

    Subclass it in a test module under a name pytest collects, and say how
    to make a fresh, empty store::

        class TestMyStore(RepositoryContract):
            def make_store(self):
                return MyStore(...)

    Every ``test_*`` method makes its own store, exercises all six
    aggregates and calls :meth:`close_store` at the end. The methods use
    no test framework (failures are ``AssertionError``), so the class also
    works mixed into :class:`unittest.TestCase`, and importing
    :mod:`crmcore.testing` does not need pytest.
    """

    supports_threads: ClassVar[bool] = True
    """Set to ``False`` to skip the tests that use the store from several threads."""

    thread_count: ClassVar[int] = 4
    """Threads in the concurrency tests."""

    @abc.abstractmethod
    def make_store(self) -> Store:
        """A new, empty store for one test."""

    def close_store(self, store: Store) -> None:
        """Release a store after a test (calls its ``close()`` if it has one)."""
        close: Callable[[], object] | None = getattr(store, "close", None)
        if close is not None:
            close()

    @contextmanager
    def _store(self) -> Iterator[Store]:
        store = self.make_store()
        try:
            yield store
        finally:
            self.close_store(store)

    def _seed(self, store: Store, count: int) -> dict[str, list[Any]]:
        """Add records 1..count of every aggregate, in reverse order, in one unit of work."""
        stored: dict[str, list[Any]] = {}
        with store.unit_of_work() as uow:
            for sample in SAMPLES:
                repo = _repo(uow, sample)
                added = [repo.add(sample.make(n)) for n in range(count, 0, -1)]
                stored[sample.name] = added[::-1]
        return stored

    # -- add and get ---------------------------------------------------------------------------

    def test_opportunity_stage_history_round_trips(self) -> None:
        """A stage history (won, reopened, lost) is stored whole, in order, with its instants."""
        opp = sample_opportunity_with_history()
        with self._store() as store:
            with store.unit_of_work() as uow:
                uow.opportunities.add(opp)
            with store.unit_of_work() as uow:
                got = uow.opportunities.get(opp.id)
                _check(
                    got.stage_history == opp.stage_history,
                    f"opportunities: history {got.stage_history!r}, stored {opp.stage_history!r}",
                )
                _check(
                    (got.stage, got.status) == (opp.stage, opp.status),
                    f"opportunities: stage/status {got.stage}/{got.status} after a round trip",
                )
                later = opp.stage_history[-1].at + timedelta(days=2)
                uow.opportunities.update(got.reopen(at=later))
            with store.unit_of_work() as uow:
                again = uow.opportunities.get(opp.id)
                kinds = [e.kind.value for e in again.stage_history]
                _check(kinds[-2:] == ["lost", "reopened"], f"opportunities: history {kinds}")
                listed = uow.opportunities.list(status="open")
                _check(_ids(listed) == [str(opp.id)], f"opportunities: listed {_ids(listed)}")

    def test_add_stores_version_one(self) -> None:
        """``add`` returns the record as version 1 and ``get`` returns it equal."""
        with self._store() as store:
            for sample in SAMPLES:
                entity = sample.make(1)
                with store.unit_of_work() as uow:
                    added = _repo(uow, sample).add(entity)
                _check(added.version == 1, f"{sample.name}: add returned version {added.version}")
                with store.unit_of_work() as uow:
                    got = _repo(uow, sample).get(entity.id)
                _check(got == added, f"{sample.name}: get returned {got!r}, added {added!r}")
                _check(type(got.id) is type(entity.id), f"{sample.name}: id type lost")

    def test_add_refuses_a_versioned_record(self) -> None:
        """A record whose version is not 0 is not new: ``ValidationError``."""
        with self._store() as store:
            stored = self._seed(store, 1)
            for sample in SAMPLES:
                with store.unit_of_work() as uow:
                    repo = _repo(uow, sample)
                    with _raises(ValidationError, f"{sample.name}: add of version 1"):
                        repo.add(stored[sample.name][0])

    def test_add_duplicate_raises(self) -> None:
        """Adding an id twice (committed or in the same unit of work) is refused."""
        with self._store() as store:
            self._seed(store, 1)
            for sample in SAMPLES:
                with store.unit_of_work() as uow:
                    repo = _repo(uow, sample)
                    with _raises(DuplicateError, f"{sample.name}: add of a committed id"):
                        repo.add(sample.make(1))
                    repo.add(sample.make(2))
                    with _raises(DuplicateError, f"{sample.name}: add of a pending id"):
                        repo.add(sample.make(2))

    def test_get_missing_raises_not_found(self) -> None:
        """``get`` of an unknown id raises ``NotFoundError`` (a ``LookupError``)."""
        with self._store() as store, store.unit_of_work() as uow:
            for sample in SAMPLES:
                missing = sample.make(99).id
                with _raises(NotFoundError, f"{sample.name}: get of a missing id") as caught:
                    _repo(uow, sample).get(missing)
                _check(isinstance(caught[0], LookupError), "NotFoundError is a LookupError")

    def test_unit_of_work_reads_its_own_writes(self) -> None:
        """Inside one unit of work, ``get`` and ``list`` see what was added."""
        with self._store() as store, store.unit_of_work() as uow:
            for sample in SAMPLES:
                repo = _repo(uow, sample)
                added = repo.add(sample.make(1))
                _check(repo.get(added.id) == added, f"{sample.name}: own add not visible")
                _check(_ids(repo.list()) == [str(added.id)], f"{sample.name}: list misses it")

    # -- update ----------------------------------------------------------------------------------

    def test_update_bumps_the_version(self) -> None:
        """Each ``update`` stores the change and adds one to the version."""
        with self._store() as store:
            stored = self._seed(store, 1)
            for sample in SAMPLES:
                current = stored[sample.name][0]
                changed = sample.change(current)
                with store.unit_of_work() as uow:
                    updated = _repo(uow, sample).update(changed)
                _check(updated.version == 2, f"{sample.name}: update gave v{updated.version}")
                with store.unit_of_work() as uow:
                    got = _repo(uow, sample).get(current.id)
                _check(got == updated, f"{sample.name}: stored {got!r}, expected {updated!r}")
                _check(got != current, f"{sample.name}: the change was not stored")
                with store.unit_of_work() as uow:
                    again = _repo(uow, sample).update(got)
                    again = _repo(uow, sample).update(again)
                _check(again.version == 4, f"{sample.name}: two updates gave v{again.version}")

    def test_stale_update_raises_concurrency_error(self) -> None:
        """Two writers read version 1; the second to write loses and changes nothing."""
        with self._store() as store:
            stored = self._seed(store, 1)
            for sample in SAMPLES:
                with store.unit_of_work() as uow:
                    mine = _repo(uow, sample).get(stored[sample.name][0].id)
                with store.unit_of_work() as uow:
                    theirs = _repo(uow, sample).get(mine.id)
                with store.unit_of_work() as uow:
                    winner = _repo(uow, sample).update(sample.change(theirs))
                with store.unit_of_work() as uow:
                    what = f"{sample.name}: update from a stale version"
                    with _raises(ConcurrencyError, what) as caught:
                        _repo(uow, sample).update(sample.change(mine))
                err = caught[0]
                _check(
                    (err.expected_version, err.actual_version) == (1, 2),
                    f"{sample.name}: ConcurrencyError says {err.expected_version}/"
                    f"{err.actual_version}, expected 1/2",
                )
                with store.unit_of_work() as uow:
                    got = _repo(uow, sample).get(mine.id)
                _check(got == winner, f"{sample.name}: the losing write changed the record")

    def test_update_missing_raises_not_found(self) -> None:
        """``update`` of a record that was never added raises ``NotFoundError``."""
        with self._store() as store, store.unit_of_work() as uow:
            for sample in SAMPLES:
                with _raises(NotFoundError, f"{sample.name}: update of a missing record"):
                    _repo(uow, sample).update(sample.make(1))

    # -- delete ----------------------------------------------------------------------------------

    def test_delete_removes_the_record(self) -> None:
        """After ``delete`` the id is gone; it can be added again as new."""
        with self._store() as store:
            stored = self._seed(store, 2)
            for sample in SAMPLES:
                first, second = stored[sample.name]
                with store.unit_of_work() as uow:
                    _repo(uow, sample).delete(first.id)
                    _repo(uow, sample).delete(second.id, version=1)
                with store.unit_of_work() as uow:
                    repo = _repo(uow, sample)
                    with _raises(NotFoundError, f"{sample.name}: get after delete"):
                        repo.get(first.id)
                    _check(repo.list() == [], f"{sample.name}: list after delete not empty")
                    readded = repo.add(sample.make(1))
                _check(readded.version == 1, f"{sample.name}: re-added as v{readded.version}")

    def test_delete_checks_the_version_when_given(self) -> None:
        """``delete(id, version=stale)`` raises ``ConcurrencyError`` and keeps the record."""
        with self._store() as store:
            stored = self._seed(store, 1)
            for sample in SAMPLES:
                entity = stored[sample.name][0]
                with store.unit_of_work() as uow:
                    _repo(uow, sample).update(entity)
                with store.unit_of_work() as uow:
                    with _raises(ConcurrencyError, f"{sample.name}: delete with stale version"):
                        _repo(uow, sample).delete(entity.id, version=1)
                    _check(
                        _repo(uow, sample).get(entity.id).version == 2,
                        f"{sample.name}: refused delete removed the record",
                    )

    def test_delete_missing_raises_not_found(self) -> None:
        """``delete`` of an unknown id raises ``NotFoundError``."""
        with self._store() as store, store.unit_of_work() as uow:
            for sample in SAMPLES:
                with _raises(NotFoundError, f"{sample.name}: delete of a missing id"):
                    _repo(uow, sample).delete(sample.make(1).id)

    # -- units of work ---------------------------------------------------------------------------

    def test_commit_on_exit_persists(self) -> None:
        """Leaving the block normally commits: a later unit of work sees everything."""
        with self._store() as store:
            stored = self._seed(store, 3)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    _check(
                        _repo(uow, sample).list() == stored[sample.name],
                        f"{sample.name}: committed records not all visible",
                    )

    def test_exception_rolls_everything_back(self) -> None:
        """An exception in the block undoes adds, updates, deletes and draws, and propagates."""
        with self._store() as store:
            stored = self._seed(store, 2)
            with store.unit_of_work() as uow:
                before_number = uow.sequences.next_value("invoice")
            boom = _BoomError("rollback please")
            with (
                _raises(_BoomError, "the unit of work swallowed the exception") as caught,
                store.unit_of_work() as uow,
            ):
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    first, second = stored[sample.name]
                    repo.add(sample.make(3))
                    repo.update(sample.change(first))
                    repo.delete(second.id)
                uow.sequences.next_value("invoice")
                uow.sequences.next_value("quote")
                raise boom
            _check(caught[0] is boom, "a different exception came out of the unit of work")
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    _check(
                        _repo(uow, sample).list() == stored[sample.name],
                        f"{sample.name}: a rolled-back change was left behind",
                    )
                _check(
                    uow.sequences.next_value("invoice") == before_number + 1,
                    "a rolled-back sequence draw was kept",
                )
                _check(uow.sequences.next_value("quote") == 1, "a rolled-back key was kept")

    def test_explicit_commit_and_rollback(self) -> None:
        """``commit()`` keeps the work so far; ``rollback()`` discards the work since."""
        with self._store() as store:
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    _repo(uow, sample).add(sample.make(1))
                uow.commit()
                for sample in SAMPLES:
                    _repo(uow, sample).add(sample.make(2))
                uow.rollback()
                for sample in SAMPLES:
                    _repo(uow, sample).add(sample.make(3))
            with (
                _raises(_BoomError, "the unit of work swallowed the exception"),
                store.unit_of_work() as uow,
            ):
                for sample in SAMPLES:
                    _repo(uow, sample).add(sample.make(4))
                uow.commit()
                for sample in SAMPLES:
                    _repo(uow, sample).add(sample.make(5))
                raise _BoomError
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    got = [str(e.id) for e in _repo(uow, sample).list()]
                    want = [str(sample.make(n).id) for n in (1, 3, 4)]
                    _check(got == want, f"{sample.name}: stored {got}, expected {want}")

    # -- list ------------------------------------------------------------------------------------

    def test_list_orders_by_id(self) -> None:
        """``list()`` returns every record in id order, whatever the insertion order."""
        with self._store() as store:
            stored = self._seed(store, 5)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    got = _ids(_repo(uow, sample).list())
                    want = sorted(_ids(stored[sample.name]))
                    _check(got == want, f"{sample.name}: list order {got}, expected {want}")

    def test_list_by_criteria(self) -> None:
        """Equality criteria select matching records; plain strings match enums and ids."""
        with self._store() as store:
            stored = self._seed(store, 5)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    got = repo.list(**{sample.criterion: sample.odd_value})
                    want = stored[sample.name][0::2]
                    _check(got == want, f"{sample.name}: {sample.criterion} selected {_ids(got)}")
                    got = repo.list(**{sample.criterion: sample.odd_value}, version=1)
                    _check(got == want, f"{sample.name}: two criteria selected {_ids(got)}")
                    _check(
                        repo.list(**{sample.criterion: sample.odd_value}, version=2) == [],
                        f"{sample.name}: version=2 matched records at version 1",
                    )
                none = uow.contacts.list(account_id=None)
                _check(
                    none == stored["contacts"][1::2],
                    f"contacts: account_id=None selected {_ids(none)}",
                )

    def test_list_limit_and_offset(self) -> None:
        """``offset`` skips, ``limit`` caps, both after ordering by id and filtering."""
        with self._store() as store:
            stored = self._seed(store, 7)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    rows = stored[sample.name]
                    cases = [
                        (repo.list(limit=3), rows[:3]),
                        (repo.list(limit=3, offset=2), rows[2:5]),
                        (repo.list(offset=5), rows[5:]),
                        (repo.list(limit=0), []),
                        (repo.list(offset=10), []),
                        (
                            repo.list(limit=2, offset=1, **{sample.criterion: sample.odd_value}),
                            rows[0::2][1:3],
                        ),
                    ]
                    for index, (got, want) in enumerate(cases):
                        _check(got == want, f"{sample.name}: page {index} gave {_ids(got)}")

    def test_list_by_any_field(self) -> None:
        """Every field is a criterion, indexed or not, and selects what equality selects."""
        with self._store() as store:
            stored = self._seed(store, 6)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    rows = stored[sample.name]
                    for field in attrs.fields(type(rows[0])):
                        for value in {
                            _key(getattr(r, field.name)): getattr(r, field.name) for r in rows[:3]
                        }.values():
                            want = [r for r in rows if getattr(r, field.name) == value]
                            got = repo.list(**{field.name: value})
                            _check(
                                got == want,
                                f"{sample.name}: {field.name}={value!r} selected {_ids(got)}, "
                                f"expected {_ids(want)}",
                            )
                            page = repo.list(limit=1, offset=1, **{field.name: value})
                            _check(page == want[1:2], f"{sample.name}: {field.name} page 2 of 1")

    def test_list_pages_by_key(self) -> None:
        """``after=`` returns the records after an id, whether or not that id exists."""
        with self._store() as store:
            stored = self._seed(store, 7)
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    rows = stored[sample.name]
                    pages: list[Any] = []
                    after = None
                    for _ in range(len(rows)):  # bounded: a store that ignores after must not hang
                        page = repo.list(limit=2, after=after)
                        if not page:
                            break
                        pages.extend(page)
                        after = page[-1].id
                    _check(pages == rows, f"{sample.name}: key pages gave {_ids(pages)}")
                    between = str(rows[2].id) + "~"  # sorts after rows[2], before rows[3]
                    got = repo.list(after=between)
                    _check(got == rows[3:], f"{sample.name}: after a missing id gave {_ids(got)}")
                    got = repo.list(after=rows[0].id, offset=1, limit=2)
                    _check(got == rows[2:4], f"{sample.name}: after + offset gave {_ids(got)}")
                    got = repo.list(after=rows[0].id, **{sample.criterion: sample.odd_value})
                    _check(got == rows[2::2], f"{sample.name}: after + criterion gave {_ids(got)}")
                    _check(repo.list(after=rows[-1].id) == [], f"{sample.name}: after the last")
                    with _raises(ValidationError, f"{sample.name}: after=5") as caught:
                        repo.list(after=5)
                    _check("after" in str(caught[0]), "the error does not name after")

    def test_add_many_stores_all_or_none(self) -> None:
        """``add_many`` stores a batch at version 1, or refuses it whole."""
        with self._store() as store:
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    repo = _repo(uow, sample)
                    added = repo.add_many(sample.make(n) for n in (3, 1, 2))
                    _check(
                        [e.version for e in added] == [1, 1, 1],
                        f"{sample.name}: add_many versions {[e.version for e in added]}",
                    )
                    _check(repo.list() == sorted(added, key=lambda e: str(e.id)), "not stored")
                    for bad, kind in (
                        ([sample.make(4), sample.make(2)], DuplicateError),
                        ([sample.make(5), sample.make(5)], DuplicateError),
                        ([sample.make(6), _bumped(sample.make(7))], ValidationError),
                    ):
                        with _raises(kind, f"{sample.name}: bad batch"):
                            repo.add_many(bad)
                        got = _ids(repo.list())
                        want = _ids(sorted(added, key=lambda e: str(e.id)))
                        _check(got == want, f"{sample.name}: a refused batch left {got}")
            with store.unit_of_work() as uow:
                for sample in SAMPLES:
                    _check(len(_repo(uow, sample).list()) == 3, f"{sample.name}: not committed")

    def test_list_refuses_unknown_criteria(self) -> None:
        """An unknown field or a negative page is a ``ValidationError`` naming it."""
        with self._store() as store, store.unit_of_work() as uow:
            for sample in SAMPLES:
                repo = _repo(uow, sample)
                with _raises(ValidationError, f"{sample.name}: unknown criterion") as caught:
                    repo.list(no_such_field=1)
                _check("no_such_field" in str(caught[0]), "the error does not name the field")
                with _raises(ValidationError, f"{sample.name}: negative limit") as caught:
                    repo.list(limit=-1)
                _check("limit" in str(caught[0]), "the error does not name limit")

    # -- sequences -------------------------------------------------------------------------------

    def test_sequences_count_from_one_per_key(self) -> None:
        """Each key counts 1, 2, 3, ... on its own, across units of work."""
        with self._store() as store:
            with store.unit_of_work() as uow:
                first = [uow.sequences.next_value("invoice") for _ in range(3)]
                other = uow.sequences.next_value("quote/1405")
            with store.unit_of_work() as uow:
                later = uow.sequences.next_value("invoice")
            _check(first == [1, 2, 3], f"invoice numbers {first}, expected [1, 2, 3]")
            _check(other == 1, f"a second key started at {other}")
            _check(later == 4, f"the next unit of work drew {later}, expected 4")

    def test_sequence_rollback_gives_numbers_back(self) -> None:
        """Numbers drawn in a rolled-back unit of work are drawn again: no gaps."""
        with self._store() as store:
            with store.unit_of_work() as uow:
                uow.sequences.next_value("invoice")
            with (
                _raises(_BoomError, "the unit of work swallowed the exception"),
                store.unit_of_work() as uow,
            ):
                uow.sequences.next_value("invoice")
                uow.sequences.next_value("invoice")
                raise _BoomError
            with store.unit_of_work() as uow:
                again = uow.sequences.next_value("invoice")
                uow.rollback()
                after_rollback = uow.sequences.next_value("invoice")
            _check(again == 2, f"after a rollback the next number is {again}, expected 2")
            _check(after_rollback == 2, f"after rollback() the next is {after_rollback}")

    # -- concurrency -----------------------------------------------------------------------------

    def _in_threads(self, work: Callable[[], None]) -> None:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                work()
            except BaseException as err:  # reported to the test below
                errors.append(err)

        threads = [threading.Thread(target=run) for _ in range(self.thread_count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def test_sequences_are_unique_across_threads(self) -> None:
        """Threads drawing from one key get distinct numbers that leave no gap."""
        if not self.supports_threads:
            return
        draws_per_thread = 10
        with self._store() as store:
            drawn: list[int] = []
            lock = threading.Lock()

            def work() -> None:
                for _ in range(draws_per_thread):
                    with store.unit_of_work() as uow:
                        value = uow.sequences.next_value("invoice")
                    with lock:
                        drawn.append(value)

            self._in_threads(work)
            total = self.thread_count * draws_per_thread
            _check(
                sorted(drawn) == list(range(1, total + 1)),
                f"threads drew {sorted(drawn)}, expected 1..{total}",
            )

    def test_concurrent_updates_lose_nothing(self) -> None:
        """Threads incrementing one record (retrying lost races) lose no increment."""
        if not self.supports_threads:
            return
        increments = 10
        with self._store() as store:
            stored = self._seed(store, 1)
            lead_id = stored["leads"][0].id

            def work() -> None:
                done = 0
                while done < increments:
                    try:
                        with store.unit_of_work() as uow:
                            lead = uow.leads.get(lead_id)
                            uow.leads.update(lead.edit(employees=(lead.employees or 0) + 1))
                    except ConcurrencyError:
                        continue
                    done += 1

            self._in_threads(work)
            with store.unit_of_work() as uow:
                lead = uow.leads.get(lead_id)
            total = self.thread_count * increments
            _check(lead.employees == 1 + total, f"employees {lead.employees}, expected {1 + total}")
            _check(lead.version == 1 + total, f"version {lead.version}, expected {1 + total}")
