"""Typed ids and the frozen mapping used inside entities (private)."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator, Mapping
from typing import Any, Self, TypeVar, cast

import attrs

from crmcore.errors import ValidationError

K = TypeVar("K")
V = TypeVar("V")
E = TypeVar("E", bound=attrs.AttrsInstance)


class EntityId(str):
    """Base of the typed ids: a non-blank string of its own type.

    A ``LeadId`` is not an ``AccountId`` to mypy, and both store and serialise
    as plain strings.

    >>> AccountId("acc-1") == "acc-1", isinstance(AccountId.new(), AccountId)
    (True, True)
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Self:
        if not isinstance(value, str) or not value.strip() or len(value) > 200:
            raise ValidationError(
                obj=cls.__name__,
                field="value",
                value=value,
                expected="a non-blank string (<= 200 chars)",
            )
        return super().__new__(cls, value)

    @classmethod
    def new(cls) -> Self:
        """A fresh random id (UUID4 hex)."""
        return cls(uuid.uuid4().hex)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str.__repr__(self)})"


class AccountId(EntityId):
    """Id of an :class:`~crmcore.models.Account`."""

    __slots__ = ()


class ContactId(EntityId):
    """Id of a :class:`~crmcore.models.Contact`."""

    __slots__ = ()


class LeadId(EntityId):
    """Id of a :class:`~crmcore.models.Lead`."""

    __slots__ = ()


class OpportunityId(EntityId):
    """Id of an :class:`~crmcore.models.Opportunity`."""

    __slots__ = ()


class ActivityId(EntityId):
    """Id of an :class:`~crmcore.models.Activity`."""

    __slots__ = ()


class CaseId(EntityId):
    """Id of a :class:`~crmcore.models.Case`."""

    __slots__ = ()


class UserId(EntityId):
    """Id of a user (owner of records); users live in the caller's system."""

    __slots__ = ()


class StrChoice(enum.StrEnum):
    """Base of the models' enums: an unknown value raises ValidationError.

    ValidationError is also a ValueError, so ``except ValueError`` still works.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise ValidationError(
            obj=cls.__name__,
            value=value,
            expected="one of " + ", ".join(repr(member.value) for member in cls),
        )


class FrozenMap(Mapping[K, V]):
    """An immutable, hashable mapping, for custom fields inside frozen entities.

    >>> m = FrozenMap({"industry": "retail"})
    >>> m["industry"], hash(m) == hash(FrozenMap(industry="retail"))
    ('retail', True)
    """

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | None = None, /, **kwargs: V) -> None:
        merged: dict[Any, V] = dict(data or {})
        merged.update(kwargs)
        self._data = merged
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return dict(self._data) == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"

    def set(self, key: K, value: V) -> FrozenMap[K, V]:
        """A copy with ``key`` set to ``value``."""
        data = dict(self._data)
        data[key] = value
        return FrozenMap(data)


def to_frozen_map(value: Mapping[Any, Any] | None) -> FrozenMap[Any, Any]:
    """attrs converter: any mapping (or ``None``) to a :class:`FrozenMap`."""
    if isinstance(value, FrozenMap):
        return value
    if value is None:
        return FrozenMap()
    if not isinstance(value, Mapping):
        raise ValidationError(obj="FrozenMap", field="data", value=value, expected="a mapping")
    return FrozenMap(value)


_MANAGED = frozenset({"id", "version"})


def edit_entity(entity: E, changes: Mapping[str, Any], fixed: frozenset[str] = _MANAGED) -> E:
    """``attrs.evolve`` that refuses unknown fields and fields the model manages."""
    names = {a.name for a in attrs.fields(type(entity))}
    for name, value in changes.items():
        if name not in names:
            raise ValidationError(
                obj=type(entity).__name__, field=name, value=value, expected="a field of the record"
            )
        if name in fixed:
            raise ValidationError(
                obj=type(entity).__name__,
                field=name,
                value=value,
                expected="unchanged (managed by the model or the repository; use its methods)",
            )
    return cast(E, attrs.evolve(cast(Any, entity), **changes))
