"""What each aggregate looks like to a store: name, types, criteria (private).

Both reference stores read this table, so they accept the same criteria,
coerce them the same way and order results the same way (by id).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar, cast

import attrs

from crmcore.errors import ValidationError
from crmcore.models import (
    Account,
    AccountId,
    Activity,
    ActivityId,
    ActivityKind,
    ActivityStatus,
    Case,
    CaseChannel,
    CaseId,
    CasePriority,
    CaseStatus,
    CaseType,
    Contact,
    ContactId,
    EntityId,
    Lead,
    LeadId,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityId,
    OpportunityStatus,
    RecordRef,
    RelationshipType,
    SalesStage,
    UserId,
)

E = TypeVar("E")
I = TypeVar("I", bound=EntityId)  # noqa: E741 - the conventional name of an id type variable

SqlValue = str | int | None


@attrs.frozen
class Column:
    """A criterion a store can index: how to read it and how to store it."""

    name: str
    coerce: Callable[[str, str, object], object]
    """(entity name, criterion name, value) → canonical value, or ValidationError."""
    to_sql: Callable[[Any], SqlValue]


def _enum(kind: type[enum.Enum]) -> Callable[[str, str, object], object]:
    def coerce(entity: str, name: str, value: object) -> object:
        if value is None:
            return None
        try:
            return kind(value)
        except ValueError:
            raise ValidationError(
                obj=f"{entity}.list",
                field=name,
                value=value,
                expected="one of " + ", ".join(str(m.value) for m in kind),
            ) from None

    return coerce


def _id(kind: type[EntityId]) -> Callable[[str, str, object], object]:
    def coerce(entity: str, name: str, value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise ValidationError(
                obj=f"{entity}.list", field=name, value=value, expected=f"a {kind.__name__} or None"
            )
        if isinstance(value, kind):
            return value
        try:
            return kind(value)
        except ValidationError:
            raise ValidationError(
                obj=f"{entity}.list", field=name, value=value, expected=f"a {kind.__name__}"
            ) from None

    return coerce


def _text(entity: str, name: str, value: object) -> object:
    if value is not None and not isinstance(value, str):
        raise ValidationError(
            obj=f"{entity}.list", field=name, value=value, expected="a string or None"
        )
    return value


def _int(entity: str, name: str, value: object) -> object:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(obj=f"{entity}.list", field=name, value=value, expected="an int")
    return value


def _source(entity: str, name: str, value: object) -> object:
    if value is None or isinstance(value, LeadSource):
        return value
    if isinstance(value, str):
        try:
            return LeadSource(value)
        except ValidationError:
            pass
    raise ValidationError(
        obj=f"{entity}.list", field=name, value=value, expected="a LeadSource or its code"
    )


def _record_ref(entity: str, name: str, value: object) -> object:
    if value is None or isinstance(value, RecordRef):
        return value
    raise ValidationError(
        obj=f"{entity}.list", field=name, value=value, expected="a RecordRef or None"
    )


def _plain(value: Any) -> SqlValue:
    if value is None:
        return None
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, LeadSource):
        return value.code
    if isinstance(value, RecordRef):
        return f"{value.kind.value}:{value.id}"
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    return str(value)


def _col(name: str, coerce: Callable[[str, str, object], object]) -> Column:
    return Column(name=name, coerce=coerce, to_sql=_plain)


@attrs.frozen
class Aggregate(Generic[E, I]):
    """One aggregate: its unit-of-work attribute, entity and id types, indexed criteria."""

    name: str
    """The unit-of-work attribute and the SQLite table, e.g. ``"leads"``."""
    entity: type[E]
    id_type: type[I]
    columns: tuple[Column, ...]
    """Indexed criteria (a column each in SQLite); ``version`` is always one."""
    derived: frozenset[str] = frozenset()
    """Read-only properties accepted as criteria besides the attrs fields."""

    @property
    def label(self) -> str:
        """The entity's class name, for messages."""
        return self.entity.__name__

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the indexed criteria, in table order."""
        return tuple(c.name for c in self.columns)

    def criteria_names(self) -> frozenset[str]:
        """Every name :meth:`check_criteria` accepts."""
        fields = attrs.fields(cast(Any, self.entity))
        return frozenset(a.name for a in fields) | self.derived

    def check_criteria(self, criteria: Mapping[str, object]) -> dict[str, object]:
        """Refuse unknown names; coerce values of indexed criteria (``"new"`` → ``NEW``)."""
        allowed = self.criteria_names()
        by_name = {c.name: c for c in self.columns}
        checked: dict[str, object] = {}
        for name, value in criteria.items():
            if name not in allowed:
                raise ValidationError(
                    obj=f"{self.label}.list",
                    field=name,
                    value=value,
                    expected="a criterion among: " + ", ".join(sorted(allowed)),
                )
            column = by_name.get(name)
            checked[name] = column.coerce(self.label, name, value) if column else value
        return checked

    def row(self, entity: E) -> tuple[SqlValue, ...]:
        """The indexed column values of ``entity``, in :attr:`columns` order."""
        return tuple(c.to_sql(getattr(entity, c.name)) for c in self.columns)


def matches(entity: object, criteria: Mapping[str, object]) -> bool:
    """Whether ``entity`` equals every criterion (criteria already checked)."""
    return all(getattr(entity, name) == value for name, value in criteria.items())


def check_page(label: str, limit: object, offset: object) -> tuple[int | None, int]:
    """Validate ``limit`` (``None`` or an int >= 0) and ``offset`` (an int >= 0)."""
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 0):
        raise ValidationError(
            obj=f"{label}.list", field="limit", value=limit, expected="None or an int >= 0"
        )
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise ValidationError(
            obj=f"{label}.list", field="offset", value=offset, expected="an int >= 0"
        )
    return limit, offset


def check_key(key: object) -> str:
    """A sequence key: a non-blank string of at most 200 characters."""
    if not isinstance(key, str) or not key.strip() or len(key) > 200:
        raise ValidationError(
            obj="Sequence",
            field="key",
            value=key,
            expected="a non-blank string of at most 200 characters",
        )
    return key


_VERSION = _col("version", _int)
_OWNER = _col("owner", _id(UserId))

ACCOUNTS: Aggregate[Account, AccountId] = Aggregate(
    "accounts",
    Account,
    AccountId,
    (
        _VERSION,
        _col("name", _text),
        _col("relationship", _enum(RelationshipType)),
        _OWNER,
        _col("parent_id", _id(AccountId)),
        _col("tier", _text),
    ),
)
CONTACTS: Aggregate[Contact, ContactId] = Aggregate(
    "contacts",
    Contact,
    ContactId,
    (
        _VERSION,
        _col("last_name", _text),
        _col("email", _text),
        _col("account_id", _id(AccountId)),
        _OWNER,
    ),
)
LEADS: Aggregate[Lead, LeadId] = Aggregate(
    "leads",
    Lead,
    LeadId,
    (
        _VERSION,
        _col("status", _enum(LeadStatus)),
        _col("source", _source),
        _OWNER,
        _col("account_id", _id(AccountId)),
    ),
)
OPPORTUNITIES: Aggregate[Opportunity, OpportunityId] = Aggregate(
    "opportunities",
    Opportunity,
    OpportunityId,
    (
        _VERSION,
        _col("status", _enum(OpportunityStatus)),
        _col("stage", _enum(SalesStage)),
        _col("account_id", _id(AccountId)),
        _col("contact_id", _id(ContactId)),
        _OWNER,
        _col("lead_id", _id(LeadId)),
    ),
)
ACTIVITIES: Aggregate[Activity, ActivityId] = Aggregate(
    "activities",
    Activity,
    ActivityId,
    (
        _VERSION,
        _col("kind", _enum(ActivityKind)),
        _col("status", _enum(ActivityStatus)),
        _OWNER,
        _col("regarding", _record_ref),
    ),
)
CASES: Aggregate[Case, CaseId] = Aggregate(
    "cases",
    Case,
    CaseId,
    (
        _VERSION,
        _col("status", _enum(CaseStatus)),
        _col("priority", _enum(CasePriority)),
        _col("case_type", _enum(CaseType)),
        _col("channel", _enum(CaseChannel)),
        _col("account_id", _id(AccountId)),
        _col("contact_id", _id(ContactId)),
        _OWNER,
    ),
    derived=frozenset({"status", "priority"}),
)

AGGREGATES: tuple[Aggregate[Any, Any], ...] = (
    ACCOUNTS,
    CONTACTS,
    LEADS,
    OPPORTUNITIES,
    ACTIVITIES,
    CASES,
)


def check_criteria(entity_type: type[object], criteria: Mapping[str, object]) -> dict[str, object]:
    """Check list criteria for one of the six aggregates, as the reference stores do.

    Names must be fields of the entity (for :class:`~crmcore.models.Case`
    also the derived ``status`` and ``priority``); an unknown name raises
    :class:`~crmcore.errors.ValidationError` naming it. Enum, id and lead
    source values given as plain strings are converted to their types, so
    ``status="new"`` and ``status=LeadStatus.NEW`` select the same leads.
    Implementations of the protocols on other stores may call this to get
    the same behaviour.

    >>> from crmcore.models import Lead, LeadStatus
    >>> check_criteria(Lead, {"status": "new"})
    {'status': <LeadStatus.NEW: 'new'>}
    >>> check_criteria(Lead, {"colour": "red"})
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: Lead.list.colour: got 'red'; expected a criterion among: ...
    """
    for aggregate in AGGREGATES:
        if aggregate.entity is entity_type:
            return aggregate.check_criteria(criteria)
    raise ValidationError(
        obj="check_criteria",
        field="entity_type",
        value=entity_type,
        expected="one of " + ", ".join(a.label for a in AGGREGATES),
    )
