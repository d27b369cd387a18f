"""Property: the SQLite store behaves exactly like the in-memory store.

A hypothesis state machine runs the same random units of work (adds,
updates from current, stale or future versions, deletes with and without a
version, gets, lists with criteria and paging, sequence draws; each unit
committed or failed by an exception) against both stores and requires the
same result or the same error, step by step, and the same contents after.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from crmcore.errors import CrmError
from crmcore.repositories import InMemoryStore, SqliteStore, UnitOfWork
from crmcore.testing._samples import SAMPLES, Sample


class _FailError(Exception):
    """Ends a unit of work with an exception, so it rolls back."""


# A plain field per aggregate that any record may change without a transition.
_TOUCH: dict[str, Callable[[Any, int], Any]] = {
    "accounts": lambda e, k: attrs.evolve(e, tier=f"tier-{k}"),
    "contacts": lambda e, k: attrs.evolve(e, job_title=f"title-{k}"),
    "leads": lambda e, k: attrs.evolve(e, employees=k),
    "opportunities": lambda e, k: attrs.evolve(e, probability=k),
    "activities": lambda e, k: attrs.evolve(e, duration_minutes=k),
    "cases": lambda e, k: attrs.evolve(e, title=f"title-{k}"),
}

_samples = st.sampled_from(SAMPLES)
_numbers = st.integers(1, 5)
_deltas = st.sampled_from([0, 0, 0, -1, 1])

_operations = st.one_of(
    st.tuples(st.just("add"), _samples, _numbers),
    st.tuples(st.just("update"), _samples, _numbers, _deltas, st.integers(0, 100)),
    st.tuples(st.just("delete"), _samples, _numbers, st.one_of(st.none(), _deltas)),
    st.tuples(st.just("get"), _samples, _numbers),
    st.tuples(
        st.just("list"),
        _samples,
        st.sampled_from(["none", "criterion", "version"]),
        st.one_of(st.none(), st.integers(0, 4)),
        st.integers(0, 3),
    ),
    st.tuples(st.just("draw"), st.sampled_from(["invoice", "quote"])),
)


def _apply(uow: UnitOfWork, operation: tuple[Any, ...]) -> object:
    kind = operation[0]
    if kind == "draw":
        return uow.sequences.next_value(operation[1])
    sample: Sample = operation[1]
    repo = getattr(uow, sample.name)
    if kind == "list":
        _, _, which, limit, offset = operation
        choices: dict[str, dict[str, object]] = {
            "none": {},
            "criterion": {sample.criterion: sample.odd_value},
            "version": {"version": 2},
        }
        criteria = choices[which]
        return repo.list(limit=limit, offset=offset, **criteria)
    entity = sample.make(operation[2])
    if kind == "add":
        return repo.add(entity)
    if kind == "get":
        return repo.get(entity.id)
    try:
        current = repo.get(entity.id)
    except CrmError:
        current = attrs.evolve(entity, version=1)
    if kind == "update":
        _, _, _, delta, value = operation
        changed = _TOUCH[sample.name](current, value)
        return repo.update(attrs.evolve(changed, version=max(current.version + delta, 0)))
    delta = operation[3]
    version = None if delta is None else max(current.version + delta, 0)
    repo.delete(entity.id, version=version)
    return None


def _run(uow: UnitOfWork, operations: list[tuple[Any, ...]], fail: bool) -> list[object]:
    """Results (or error class and message) of each operation, in one unit of work."""
    outcomes: list[object] = []
    try:
        with uow:
            for operation in operations:
                try:
                    outcomes.append(("ok", _apply(uow, operation)))
                except CrmError as err:
                    outcomes.append(("error", type(err).__name__, str(err)))
            if fail:
                raise _FailError
    except _FailError:
        outcomes.append("rolled back")
    return outcomes


class SameBehaviour(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.memory = InMemoryStore()
        self.sqlite = SqliteStore()

    @rule(operations=st.lists(_operations, min_size=1, max_size=6), fail=st.booleans())
    def unit_of_work(self, operations: list[tuple[Any, ...]], fail: bool) -> None:
        expected = _run(self.memory.unit_of_work(), operations, fail)
        got = _run(self.sqlite.unit_of_work(), operations, fail)
        assert got == expected

    @invariant()
    def same_contents(self) -> None:
        with self.memory.unit_of_work() as a, self.sqlite.unit_of_work() as b:
            for sample in SAMPLES:
                assert getattr(b, sample.name).list() == getattr(a, sample.name).list()

    def teardown(self) -> None:
        self.sqlite.close()


SameBehaviour.TestCase.settings = settings(max_examples=40, stateful_step_count=8, deadline=None)
TestSameBehaviour = SameBehaviour.TestCase
