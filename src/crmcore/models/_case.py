"""Support cases and their event history (private; see ``crmcore.models``)."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from crmcore import _checks as check
from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models._base import (
    AccountId,
    CaseId,
    ContactId,
    FrozenMap,
    StrChoice,
    UserId,
    edit_entity,
    to_frozen_map,
)


class CasePriority(StrChoice):
    """Urgency of a case, lowest first."""

    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    CRITICAL = "critical"


class CaseType(StrChoice):
    """What the customer asks for."""

    QUESTION = "question"
    PROBLEM = "problem"
    REQUEST = "request"
    INCIDENT = "incident"


class CaseChannel(StrChoice):
    """How the case reached us."""

    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"
    SOCIAL = "social"
    WALK_IN = "walk_in"


class CaseStatus(StrChoice):
    """Where a case stands. The first five are active; the last two close it."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    WAITING_FOR_CUSTOMER = "waiting_for_customer"
    RESEARCHING = "researching"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        """Neither resolved nor cancelled."""
        return self not in (CaseStatus.RESOLVED, CaseStatus.CANCELLED)


class CaseEventKind(StrChoice):
    """What happened to a case; the SLA engine replays these."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    RESPONDED = "responded"
    PRIORITY_CHANGED = "priority_changed"
    RESOLVED = "resolved"
    REOPENED = "reopened"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class CaseEvent:
    """One entry of a case's history.

    ``status`` is the status after the event (set on every event that
    changes it: created, status changed, resolved, reopened, cancelled);
    ``priority`` is set on created and priority-changed events.
    """

    at: datetime = attrs.field(validator=check.aware())
    kind: CaseEventKind = attrs.field(converter=CaseEventKind)
    status: CaseStatus | None = attrs.field(
        default=None, validator=check.instance_of(CaseStatus, optional=True)
    )
    priority: CasePriority | None = attrs.field(
        default=None, validator=check.instance_of(CasePriority, optional=True)
    )
    note: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=10_000)
    )

    def __attrs_post_init__(self) -> None:
        needs_status = self.kind in _STATUS_EVENTS
        if needs_status != (self.status is not None):
            raise ValidationError(
                obj="CaseEvent",
                field="status",
                value=self.status,
                expected=f"{'a status' if needs_status else 'None'} for a {self.kind.value} event",
            )
        # The status must fit the event, or the derived Case.status would contradict it.
        closing = _CLOSING_STATUS.get(self.kind)
        if self.status is not None and (
            self.status is not closing if closing else not self.status.is_active
        ):
            raise ValidationError(
                obj="CaseEvent",
                field="status",
                value=self.status,
                expected=f"{closing.value if closing else 'an active status'}"
                f" for a {self.kind.value} event",
            )
        needs_priority = self.kind in (CaseEventKind.CREATED, CaseEventKind.PRIORITY_CHANGED)
        if needs_priority != (self.priority is not None):
            raise ValidationError(
                obj="CaseEvent",
                field="priority",
                value=self.priority,
                expected=f"{'a priority' if needs_priority else 'None'} for a {self.kind.value} event",
            )


_CLOSING_STATUS = {
    CaseEventKind.RESOLVED: CaseStatus.RESOLVED,
    CaseEventKind.CANCELLED: CaseStatus.CANCELLED,
}

_STATUS_EVENTS = frozenset(
    {
        CaseEventKind.CREATED,
        CaseEventKind.STATUS_CHANGED,
        CaseEventKind.RESOLVED,
        CaseEventKind.REOPENED,
        CaseEventKind.CANCELLED,
    }
)


def _to_events(value: Iterable[CaseEvent]) -> tuple[CaseEvent, ...]:
    return tuple(value)


def _check_history(instance: Case, _attribute: object, events: tuple[CaseEvent, ...]) -> None:
    if (
        not events
        or not isinstance(events[0], CaseEvent)
        or events[0].kind is not CaseEventKind.CREATED
    ):
        raise ValidationError(
            obj="Case",
            field="events",
            value=events[:1],
            expected="a history that starts with a 'created' event",
        )
    previous = events[0].at
    for index, event in enumerate(events):
        if not isinstance(event, CaseEvent):
            raise ValidationError(
                obj="Case", field=f"events[{index}]", value=event, expected="a CaseEvent"
            )
        if index and event.kind is CaseEventKind.CREATED:
            raise ValidationError(
                obj="Case",
                field=f"events[{index}].kind",
                value=event.kind.value,
                expected="'created' only as the first event",
            )
        if event.at < previous:
            raise ValidationError(
                obj="Case",
                field=f"events[{index}].at",
                value=event.at,
                expected=f"a time at or after the previous event ({previous.isoformat()})",
            )
        previous = event.at


class _DerivedState:
    """Slots of a Case that are not fields (not written, not compared, not criteria).

    Appending an event is O(1) amortised: a case built by ``_append`` shares an
    append-only log (``_log``, its first ``_size`` events) with the case it came
    from and leaves ``events`` unset until first read (``__getattr__`` then builds
    the tuple once). ``_status``/``_priority`` are the derived state, kept so that
    a transition never has to read the history.
    """

    __slots__ = ("_log", "_priority", "_size", "_status")

    _log: list[CaseEvent] | None
    _size: int
    _status: CaseStatus
    _priority: CasePriority


@attrs.frozen(kw_only=True)
class Case(_DerivedState):
    """A support request with its full event history.

    ``status`` and ``priority`` are read from the history, so the history is
    the single source of truth the SLA engine replays.

    >>> from datetime import datetime, timedelta, timezone
    >>> t0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> case = Case.open(id=CaseId("C1"), title="Printer down", account_id=AccountId("acme"),
    ...                  priority=CasePriority.HIGH, created_at=t0)
    >>> case = case.respond(t0 + timedelta(minutes=30)).resolve(t0 + timedelta(hours=4))
    >>> case.status, [e.kind.value for e in case.events]
    (<CaseStatus.RESOLVED: 'resolved'>, ['created', 'responded', 'resolved'])
    """

    id: CaseId = attrs.field(validator=check.instance_of(CaseId))
    title: str = attrs.field(validator=check.text())
    account_id: AccountId | None = attrs.field(
        default=None, validator=check.instance_of(AccountId, optional=True)
    )
    contact_id: ContactId | None = attrs.field(
        default=None, validator=check.instance_of(ContactId, optional=True)
    )
    case_type: CaseType = attrs.field(default=CaseType.QUESTION, converter=CaseType)
    channel: CaseChannel = attrs.field(default=CaseChannel.EMAIL, converter=CaseChannel)
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    events: tuple[CaseEvent, ...] = attrs.field(converter=_to_events, validator=_check_history)
    custom: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=to_frozen_map)
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""
    if not TYPE_CHECKING:  # keep mypy's attribute checks on Case

        def __getattr__(self, name: str) -> Any:
            # Only reached for an unset slot: the history of a case built by _append.
            if name != "events":
                raise AttributeError(name)
            log = object.__getattribute__(self, "_log")
            events = tuple(log[: object.__getattribute__(self, "_size")])
            object.__setattr__(self, "events", events)
            return events

    def __attrs_post_init__(self) -> None:
        if self.account_id is None and self.contact_id is None:
            raise ValidationError(
                obj="Case",
                field="account_id",
                value=None,
                expected="a customer: an account_id, a contact_id or both",
            )
        # Replaying validates that every transition in the history was allowed.
        status = CaseStatus.NEW
        for index, event in enumerate(self.events[1:], start=1):
            allowed = _ALLOWED_FROM.get(event.kind)
            if allowed is not None and status not in allowed:
                raise ValidationError(
                    obj="Case",
                    field=f"events[{index}].kind",
                    value=event.kind.value,
                    expected=f"an event allowed in status {status.value}",
                )
            if event.kind is CaseEventKind.STATUS_CHANGED and not (
                event.status is not None and event.status.is_active
            ):
                raise ValidationError(
                    obj="Case",
                    field=f"events[{index}].status",
                    value=event.status,
                    expected="an active status (use resolve() or cancel() to close a case)",
                )
            if event.status is not None:
                status = event.status
        object.__setattr__(self, "_log", None)
        object.__setattr__(self, "_status", status)
        object.__setattr__(self, "_size", len(self.events))
        priority = next(e.priority for e in reversed(self.events) if e.priority is not None)
        object.__setattr__(self, "_priority", priority)

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickle and copy the fields only; the derived slots are rebuilt (and the
        # history validated again) on the way back in.
        return (_restore, (attrs.asdict(self, recurse=False),))

    @classmethod
    def open(
        cls,
        *,
        id: CaseId,
        title: str,
        created_at: datetime,
        priority: CasePriority = CasePriority.NORMAL,
        **fields: Any,
    ) -> Case:
        """A new case with its 'created' event."""
        event = CaseEvent(
            at=created_at,
            kind=CaseEventKind.CREATED,
            status=CaseStatus.NEW,
            priority=CasePriority(priority),
        )
        return cls(id=id, title=title, events=(event,), **fields)

    # -- read from the history -------------------------------------------------------------

    @property
    def status(self) -> CaseStatus:
        """The current status (from the last event that set one)."""
        return self._status

    @property
    def priority(self) -> CasePriority:
        """The current priority (from the last event that set one)."""
        return self._priority

    @property
    def created_at(self) -> datetime:
        """When the case was opened."""
        return self._event(0).at

    def _event(self, index: int) -> CaseEvent:
        """Event ``index`` (negative from the end) without building the ``events`` tuple."""
        log = self._log
        if log is None:
            return self.events[index]
        return log[index if index >= 0 else self._size + index]

    @property
    def first_response_at(self) -> datetime | None:
        """The first response, if any."""
        return next((e.at for e in self.events if e.kind is CaseEventKind.RESPONDED), None)

    @property
    def resolved_at(self) -> datetime | None:
        """When the case was last resolved, if it is resolved now."""
        if self.status is not CaseStatus.RESOLVED:
            return None
        return next(e.at for e in reversed(self.events) if e.kind is CaseEventKind.RESOLVED)

    # -- transitions -------------------------------------------------------------------------

    def _append(self, event: CaseEvent, action: str) -> Case:
        allowed = _ALLOWED_FROM.get(event.kind)
        if allowed is not None and self.status not in allowed:
            raise InvalidTransitionError(
                "Case",
                self.id,
                state=self.status.value,
                action=action,
                allowed=[s.value for s in allowed],
            )
        last = self._event(-1).at
        if event.at < last:
            raise ValidationError(
                obj="Case",
                field="at",
                value=event.at,
                expected=f"a time at or after the last event ({last.isoformat()})",
            )
        # The checks above are every invariant the new last event adds (the
        # transition is allowed, time does not go back; CaseEvent checked its
        # own fields), so the history already validated is not replayed.
        return self._extended(event)

    def _extended(self, event: CaseEvent) -> Case:
        log, size = self._log, self._size
        with _LOG_LOCK:
            if log is None or len(log) != size:  # first append, or a branch off an older case
                log = list(self.events if log is None else log[:size])
            log.append(event)
        new = object.__new__(Case)
        for name in _COPIED:
            object.__setattr__(new, name, getattr(self, name))
        object.__setattr__(new, "_log", log)
        object.__setattr__(new, "_size", size + 1)
        object.__setattr__(new, "_status", event.status or self._status)
        object.__setattr__(new, "_priority", event.priority or self._priority)
        return new

    def change_status(
        self, status: CaseStatus | str, at: datetime, note: str | None = None
    ) -> Case:
        """Move between active statuses (e.g. to ``on_hold``, which SLAs may pause on)."""
        new = CaseStatus(status)
        if not new.is_active:
            raise InvalidTransitionError(
                "Case",
                self.id,
                state=self.status.value,
                action=f"change status to {new.value}",
                reason="use resolve() or cancel() to close a case",
            )
        event = CaseEvent(at=at, kind=CaseEventKind.STATUS_CHANGED, status=new, note=note)
        return self._append(event, f"change status to {new.value}")

    def respond(self, at: datetime, note: str | None = None) -> Case:
        """Record a response to the customer (first response, then next responses)."""
        return self._append(CaseEvent(at=at, kind=CaseEventKind.RESPONDED, note=note), "respond")

    def change_priority(self, priority: CasePriority | str, at: datetime) -> Case:
        """Change the priority; SLA targets are recomputed from the history."""
        event = CaseEvent(
            at=at, kind=CaseEventKind.PRIORITY_CHANGED, priority=CasePriority(priority)
        )
        return self._append(event, "change priority")

    def resolve(self, at: datetime, note: str | None = None) -> Case:
        """Close the case as resolved."""
        event = CaseEvent(at=at, kind=CaseEventKind.RESOLVED, status=CaseStatus.RESOLVED, note=note)
        return self._append(event, "resolve")

    def cancel(self, at: datetime, note: str | None = None) -> Case:
        """Close the case as cancelled."""
        event = CaseEvent(
            at=at, kind=CaseEventKind.CANCELLED, status=CaseStatus.CANCELLED, note=note
        )
        return self._append(event, "cancel")

    def reopen(self, at: datetime, note: str | None = None) -> Case:
        """Reopen a resolved or cancelled case (status in progress)."""
        event = CaseEvent(
            at=at, kind=CaseEventKind.REOPENED, status=CaseStatus.IN_PROGRESS, note=note
        )
        return self._append(event, "reopen")

    def edit(self, **changes: Any) -> Case:
        """A copy with descriptive fields changed; the history changes only by events."""
        return edit_entity(self, changes, frozenset({"id", "version", "events"}))


def _restore(fields: dict[str, Any]) -> Case:
    return Case(**fields)


_LOG_LOCK = threading.Lock()
_COPIED = tuple(a.name for a in attrs.fields(Case) if a.init and a.name != "events")

_ACTIVE = tuple(s for s in CaseStatus if s.is_active)
_ALLOWED_FROM: dict[CaseEventKind, tuple[CaseStatus, ...]] = {
    CaseEventKind.STATUS_CHANGED: _ACTIVE,
    CaseEventKind.RESPONDED: _ACTIVE,
    CaseEventKind.PRIORITY_CHANGED: _ACTIVE,
    CaseEventKind.RESOLVED: _ACTIVE,
    CaseEventKind.CANCELLED: _ACTIVE,
    CaseEventKind.REOPENED: (CaseStatus.RESOLVED, CaseStatus.CANCELLED),
}
