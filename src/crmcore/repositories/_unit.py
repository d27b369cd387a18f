"""The life cycle both reference units of work share (private)."""

from __future__ import annotations

import abc
import threading
from types import TracebackType
from typing import Any, Self

from crmcore.errors import (
    ConcurrencyError,
    DuplicateError,
    InvalidTransitionError,
    ValidationError,
)
from crmcore.repositories._aggregates import Aggregate


class ThreadGuard:
    """Refuses a second unit of work on one store in the same thread.

    Both reference stores let one unit of work run at a time; a nested one
    in the same thread would wait for itself forever, so it is refused.
    """

    def __init__(self) -> None:
        self._threads: set[int] = set()
        self._lock = threading.Lock()

    def enter(self) -> None:
        """Mark the current thread busy, or refuse if it already is."""
        me = threading.get_ident()
        with self._lock:
            if me in self._threads:
                raise InvalidTransitionError(
                    "UnitOfWork",
                    None,
                    state="active in this thread",
                    action="begin another unit of work on the same store",
                    reason="finish the outer unit of work first; nesting would deadlock",
                )
            self._threads.add(me)

    def leave(self) -> None:
        """Mark the current thread free again."""
        with self._lock:
            self._threads.discard(threading.get_ident())


class BaseUnitOfWork(abc.ABC):
    """Context-manager life cycle: begin on enter, commit or roll back on exit.

    Subclasses supply the five steps: ``_open`` (take resources and begin),
    ``_commit``, ``_rollback``, ``_restart`` (begin again after an explicit
    commit or rollback) and ``_close`` (give resources back).
    """

    _active: bool = False

    def __enter__(self) -> Self:
        if self._active:
            raise InvalidTransitionError(
                "UnitOfWork", None, state="active", action="enter again", allowed=("finished",)
            )
        self._open()
        self._active = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._active:
            return
        try:
            if exc_type is None:
                try:
                    self._commit()
                except BaseException:
                    self._rollback()
                    raise
            else:
                self._rollback()
        finally:
            self._active = False
            self._close()

    def commit(self) -> None:
        """Make the work so far permanent; later work is a new transaction."""
        self.require_active("commit")
        self._commit()
        self._restart()

    def rollback(self) -> None:
        """Discard the work since the last commit; later work is a new transaction."""
        self.require_active("roll back")
        self._rollback()
        self._restart()

    def require_active(self, action: str) -> None:
        """Refuse ``action`` outside the ``with`` block."""
        if not self._active:
            raise InvalidTransitionError(
                "UnitOfWork",
                None,
                state="not started",
                action=action,
                reason="use the unit of work inside a 'with' block",
            )

    @abc.abstractmethod
    def _open(self) -> None:
        """Take the store's resources and begin a transaction."""

    @abc.abstractmethod
    def _commit(self) -> None:
        """Make the current transaction permanent."""

    @abc.abstractmethod
    def _rollback(self) -> None:
        """Discard the current transaction."""

    @abc.abstractmethod
    def _restart(self) -> None:
        """Begin a new transaction after an explicit commit or rollback."""

    @abc.abstractmethod
    def _close(self) -> None:
        """Give the store's resources back."""


def check_entity(aggregate: Aggregate[Any, Any], entity: object, *, new: bool) -> None:
    """Refuse a record of the wrong type, or a new record whose version is not 0."""
    if not isinstance(entity, aggregate.entity):
        raise ValidationError(
            obj=f"{aggregate.label}Repository",
            field="entity",
            value=entity,
            expected=f"a {aggregate.label}",
        )
    if new and entity.version != 0:
        raise ValidationError(
            obj=aggregate.label,
            field="version",
            value=entity.version,
            expected="0 for a new record (the repository sets the version)",
        )


def check_id(aggregate: Aggregate[Any, Any], entity_id: object) -> str:
    """Refuse an id that is not a string."""
    if not isinstance(entity_id, str):
        raise ValidationError(
            obj=aggregate.label,
            field="id",
            value=entity_id,
            expected=f"a {aggregate.id_type.__name__}",
        )
    return entity_id


def check_version(aggregate: Aggregate[Any, Any], version: object) -> int | None:
    """Refuse a ``version=`` argument that is neither ``None`` nor an int >= 0."""
    if version is not None and (
        not isinstance(version, int) or isinstance(version, bool) or version < 0
    ):
        raise ValidationError(
            obj=aggregate.label, field="version", value=version, expected="None or an int >= 0"
        )
    return version


def check_stored_version(
    aggregate: Aggregate[Any, Any], entity_id: str, held: int | None, stored: int
) -> None:
    """Raise :class:`ConcurrencyError` if the caller's version is not the stored one."""
    if held is not None and held != stored:
        raise ConcurrencyError(
            aggregate.label, entity_id, expected_version=held, actual_version=stored
        )


_SLOTS: dict[type[Any], tuple[Any, ...]] = {}


def _slots(kind: type[Any]) -> tuple[Any, ...]:
    """The slot descriptors of ``kind`` and its bases (attrs fields and private state)."""
    found = _SLOTS.get(kind)
    if found is None:
        names = [
            (klass, name)
            for klass in kind.__mro__
            for name in klass.__dict__.get("__slots__", ())
            if name not in ("__weakref__", "__dict__")
        ]
        found = _SLOTS[kind] = tuple(klass.__dict__[name] for klass, name in names)
    return found


def bump(entity: Any, version: int) -> Any:
    """``entity`` with ``version`` set (entities are frozen: a new object).

    The record was validated when it was built and only its version
    changes, so every slot is copied as it is instead of rebuilding the
    record through ``attrs.evolve`` (which would run every validator again:
    for a case, its whole history).
    """
    copied = object.__new__(type(entity))
    for slot in _slots(type(entity)):
        try:
            value = slot.__get__(entity, type(entity))
        except AttributeError:
            continue  # a slot left unset on purpose (filled on first use)
        slot.__set__(copied, value)
    object.__setattr__(copied, "version", version)
    return copied


def check_after(aggregate: Aggregate[Any, Any], after: object) -> str | None:
    """Refuse an ``after=`` key that is neither ``None`` nor a string."""
    if after is not None and not isinstance(after, str):
        raise ValidationError(
            obj=f"{aggregate.label}.list",
            field="after",
            value=after,
            expected=f"None or a {aggregate.id_type.__name__} (the last id of the previous page)",
        )
    return after


def check_new_batch(aggregate: Aggregate[Any, Any], entities: object) -> list[Any]:
    """The records of an ``add_many`` call, each checked as :meth:`add` would, ids unique."""
    if isinstance(entities, (str, bytes)) or not hasattr(entities, "__iter__"):
        raise ValidationError(
            obj=f"{aggregate.label}Repository.add_many",
            field="entities",
            value=entities,
            expected=f"an iterable of new {aggregate.label} records",
        )
    batch = list(entities)
    seen: set[str] = set()
    for entity in batch:
        check_entity(aggregate, entity, new=True)
        if entity.id in seen:
            raise DuplicateError(aggregate.label, entity.id)
        seen.add(entity.id)
    return batch
