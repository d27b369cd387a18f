"""One error hierarchy for everything crmcore refuses.

Every error is a :class:`CrmError` and, where one fits, also the matching
built-in, so ``except ValueError`` keeps working for callers who do not know
crmcore::

    CrmError (Exception)
    ├── ValidationError (ValueError)        bad input: a field and its value
    │   └── CurrencyMismatchError           money of two currencies mixed
    ├── InvalidTransitionError              a state change the entity refuses
    ├── NotFoundError (LookupError)         no record with that id
    ├── DuplicateError                      a record with that id exists already
    ├── ConcurrencyError                    an optimistic-lock race was lost
    ├── StorageError                        a store is busy, foreign or holds a corrupted record
    ├── PricingError (LookupError)          no price list, item or band applies
    ├── CalendarError (ValueError)          a calendar cannot answer the question
    ├── SlaError (ValueError)               a case history or policy cannot be evaluated
    ├── ScoringError (ValueError)           a scorecard or model cannot be built or applied
    │   └── InsufficientDataError           too few examples to train or evaluate
    ├── RoiError (ValueError)               a cash-flow or CLV question has no answer
    │   ├── NoSolutionError                 e.g. an IRR with no root in range
    │   └── ConvergenceError                a fit or root finder did not converge
    └── ServiceError (ValueError)           a service-desk figure cannot be computed

Each error carries structured attributes as well as its message: ``obj`` (the
type or record concerned), ``field``, ``value`` and ``expected``.

>>> err = ValidationError(obj="Money", field="amount", value=1.5, expected="Decimal, int or str")
>>> str(err)
'Money.amount: got 1.5 (float); expected Decimal, int or str'
>>> isinstance(err, ValueError), err.field
(True, 'amount')
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

__all__ = [
    "MISSING",
    "CalendarError",
    "ConcurrencyError",
    "ConvergenceError",
    "CrmError",
    "CurrencyMismatchError",
    "DuplicateError",
    "InsufficientDataError",
    "InvalidTransitionError",
    "NoSolutionError",
    "NotFoundError",
    "PricingError",
    "RoiError",
    "ScoringError",
    "ServiceError",
    "SlaError",
    "StorageError",
    "ValidationError",
]


class _Missing:
    """Sentinel type for "no value given" (``None`` can be a bad value)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __reduce__(self) -> str:
        return "MISSING"


MISSING: Final[Any] = _Missing()
"""Marks an error attribute that was not given."""


def _describe(value: object) -> str:
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    if isinstance(value, (str, int, bool)) or value is None:
        return text
    return f"{text} ({type(value).__name__})"


class CrmError(Exception):
    """Base of every error crmcore raises.

    Pass a ready ``message``, or the structured parts and let the message be
    composed as ``"<obj>.<field>: got <value>; expected <expected>"``.
    """

    obj: str | None
    field: str | None
    value: Any
    expected: str | None

    def __init__(
        self,
        message: str | None = None,
        *,
        obj: str | None = None,
        field: str | None = None,
        value: Any = MISSING,
        expected: str | None = None,
    ) -> None:
        self.obj = obj
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(message if message is not None else self._compose())

    @property
    def message(self) -> str:
        """The human-readable message."""
        return str(self.args[0]) if self.args else ""

    @property
    def where(self) -> str:
        """``obj.field`` (or whichever of the two is known); ``obj[2].x`` for an index."""
        if self.obj and self.field and self.field.startswith("["):
            return self.obj + self.field
        return ".".join(part for part in (self.obj, self.field) if part)

    def _compose(self) -> str:
        parts: list[str] = []
        if self.value is not MISSING:
            parts.append(f"got {_describe(self.value)}")
        if self.expected:
            parts.append(f"expected {self.expected}")
        body = "; ".join(parts) or "invalid"
        return f"{self.where}: {body}" if self.where else body

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only attributes survive pickling (multiprocessing, caches).
        return (_rebuild, (type(self), self.message, self.__dict__.copy()))


def _rebuild(cls: type[CrmError], message: str, state: dict[str, Any]) -> CrmError:
    err = cls.__new__(cls)
    Exception.__init__(err, message)
    err.__dict__.update(state)
    return err


class ValidationError(CrmError, ValueError):
    """Input that does not satisfy a type, range or invariant.

    When several fields are wrong at once (parsing a document), ``errors``
    holds one :class:`ValidationError` per bad field, each with ``field`` set
    to the full path, such as ``lines[2].price.amount``.
    """

    errors: tuple[ValidationError, ...]

    def __init__(
        self,
        message: str | None = None,
        *,
        obj: str | None = None,
        field: str | None = None,
        value: Any = MISSING,
        expected: str | None = None,
        errors: Iterable[ValidationError] = (),
    ) -> None:
        self.errors = tuple(errors)
        if message is None and self.errors and field is None and value is MISSING:
            lines = "\n".join(f"  - {e.message}" for e in self.errors)
            message = f"{obj or 'input'}: {len(self.errors)} invalid field(s)\n{lines}"
        super().__init__(message, obj=obj, field=field, value=value, expected=expected)

    @property
    def paths(self) -> tuple[str, ...]:
        """The path of every bad field (this error's own if it has no children)."""
        if self.errors:
            return tuple(e.field or "" for e in self.errors)
        return (self.field,) if self.field else ()


class CurrencyMismatchError(ValidationError):
    """Two amounts in different currencies were combined.

    >>> str(CurrencyMismatchError("USD", "EUR", operation="+"))
    "cannot combine USD and EUR with '+': convert one currency first"
    """

    left: str
    right: str
    operation: str

    def __init__(self, left: str, right: str, *, operation: str = "combine") -> None:
        self.left = left
        self.right = right
        self.operation = operation
        super().__init__(
            f"cannot combine {left} and {right} with {operation!r}: convert one currency first",
            obj="Money",
            field="currency",
            value=right,
            expected=left,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.left, self.right), {"operation": self.operation})

    def __setstate__(self, state: dict[str, Any] | None) -> None:
        if state:
            # Rebuild the message too: it names the operation.
            CurrencyMismatchError.__init__(
                self, self.left, self.right, operation=state["operation"]
            )


class InvalidTransitionError(CrmError):
    """An entity refused a state change.

    >>> err = InvalidTransitionError("Lead", "L1", state="qualified", action="qualify")
    >>> str(err)
    "Lead 'L1' is qualified: cannot qualify"
    """

    entity: str
    entity_id: str | None
    state: str
    action: str
    allowed: tuple[str, ...]

    def __init__(
        self,
        entity: str,
        entity_id: object,
        *,
        state: str,
        action: str,
        allowed: Iterable[str] = (),
        reason: str | None = None,
    ) -> None:
        self.entity = entity
        self.entity_id = None if entity_id is None else str(entity_id)
        self.state = state
        self.action = action
        self.allowed = tuple(allowed)
        ident = f" {self.entity_id!r}" if self.entity_id is not None else ""
        message = f"{entity}{ident} is {state}: cannot {action}"
        if reason:
            message += f" ({reason})"
        elif self.allowed:
            message += f" (allowed from: {', '.join(self.allowed)})"
        super().__init__(message, obj=entity, field="state", value=state, expected=None)


class NotFoundError(CrmError, LookupError):
    """No record of that kind has that id.

    >>> str(NotFoundError("Account", "A-1"))
    "Account 'A-1' not found"
    """

    entity: str
    entity_id: str

    def __init__(self, entity: str, entity_id: object) -> None:
        self.entity = entity
        self.entity_id = str(entity_id)
        super().__init__(
            f"{entity} {self.entity_id!r} not found", obj=entity, field="id", value=self.entity_id
        )


class DuplicateError(CrmError):
    """A record with that id (or unique key) exists already."""

    entity: str
    entity_id: str

    def __init__(self, entity: str, entity_id: object, *, field: str = "id") -> None:
        self.entity = entity
        self.entity_id = str(entity_id)
        super().__init__(
            f"{entity} with {field} {self.entity_id!r} already exists",
            obj=entity,
            field=field,
            value=self.entity_id,
        )


class ConcurrencyError(CrmError):
    """A write based on a stale version lost an optimistic-lock race.

    >>> str(ConcurrencyError("Lead", "L1", expected_version=3, actual_version=4))
    "Lead 'L1' was changed by someone else: you hold version 3, the store has version 4"
    """

    entity: str
    entity_id: str
    expected_version: int
    actual_version: int | None

    def __init__(
        self,
        entity: str,
        entity_id: object,
        *,
        expected_version: int,
        actual_version: int | None,
    ) -> None:
        self.entity = entity
        self.entity_id = str(entity_id)
        self.expected_version = expected_version
        self.actual_version = actual_version
        store = "no record" if actual_version is None else f"version {actual_version}"
        super().__init__(
            f"{entity} {self.entity_id!r} was changed by someone else: "
            f"you hold version {expected_version}, the store has {store}",
            obj=entity,
            field="version",
            value=expected_version,
            expected=None if actual_version is None else str(actual_version),
        )


class StorageError(CrmError):
    """A store cannot do its work: busy past its timeout, or a stored record is corrupted.

    ``obj`` names the store (``SqliteStore('crm.db')``), ``field`` the record
    (``leads['L1']``) or the action.

    >>> str(StorageError("SqliteStore('crm.db'): database is locked", obj="SqliteStore('crm.db')"))
    "SqliteStore('crm.db'): database is locked"
    """


class PricingError(CrmError, LookupError):
    """No price list, price list item, unit or discount band applies."""


class CalendarError(CrmError, ValueError):
    """A business calendar cannot answer (e.g. no working time at all)."""


class SlaError(CrmError, ValueError):
    """An SLA policy or case history cannot be evaluated."""


class ScoringError(CrmError, ValueError):
    """A scorecard or predictive model cannot be built or applied."""


class InsufficientDataError(ScoringError):
    """Too few examples (won, lost, transactions) to train or evaluate."""


class RoiError(CrmError, ValueError):
    """A cash-flow, ROI or lifetime-value question has no answer."""


class NoSolutionError(RoiError):
    """The equation has no solution in the searched range (e.g. IRR)."""


class ConvergenceError(RoiError):
    """An iterative fit or root finder stopped without converging."""


class ServiceError(CrmError, ValueError):
    """A service-desk figure cannot be computed (e.g. traffic the agents can never serve)."""
