"""Activities: calls, emails, meetings and tasks (private; see ``crmcore.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models._base import ActivityId, EntityId, StrChoice, UserId, edit_entity


class ActivityKind(StrChoice):
    """What kind of activity."""

    PHONE_CALL = "phone_call"
    EMAIL = "email"
    MEETING = "meeting"
    TASK = "task"


class ActivityStatus(StrChoice):
    """Open, completed or cancelled."""

    OPEN = "open"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Direction(StrChoice):
    """Incoming or outgoing (calls and emails)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class RecordKind(StrChoice):
    """The kind of record an activity is about."""

    ACCOUNT = "account"
    CONTACT = "contact"
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    CASE = "case"


@attrs.frozen
class RecordRef:
    """A typed reference to another record: ``RecordRef(RecordKind.LEAD, "L1")``."""

    kind: RecordKind = attrs.field(converter=RecordKind)
    id: str = attrs.field(validator=check.text(max_length=200))

    @classmethod
    def to(cls, entity_id: EntityId) -> RecordRef:
        """Reference the record that ``entity_id`` names (its type says the kind).

        >>> from crmcore.models import LeadId
        >>> RecordRef.to(LeadId("L1"))
        RecordRef(kind=<RecordKind.LEAD: 'lead'>, id='L1')
        """
        kind = type(entity_id).__name__.removesuffix("Id").lower()
        try:
            return cls(RecordKind(kind), str(entity_id))
        except ValueError:
            raise ValidationError(
                obj="RecordRef",
                field="kind",
                value=type(entity_id).__name__,
                expected="the id of an account, contact, lead, opportunity or case",
            ) from None


@attrs.frozen(kw_only=True)
class Activity:
    """A call, email, meeting or task: the raw material of productivity tracking.

    >>> from datetime import datetime, timezone
    >>> call = Activity(id=ActivityId("a1"), kind=ActivityKind.PHONE_CALL, subject="Intro call",
    ...                 due_at=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    >>> call.complete(datetime(2026, 3, 2, 9, 20, tzinfo=timezone.utc)).status
    <ActivityStatus.COMPLETED: 'completed'>
    """

    id: ActivityId = attrs.field(validator=check.instance_of(ActivityId))
    kind: ActivityKind = attrs.field(converter=ActivityKind)
    subject: str = attrs.field(validator=check.text())
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    regarding: RecordRef | None = attrs.field(
        default=None, validator=check.instance_of(RecordRef, optional=True)
    )
    direction: Direction | None = attrs.field(
        default=None, validator=check.instance_of(Direction, optional=True)
    )
    starts_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    """Start of a meeting or call, if scheduled."""
    due_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    done_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    duration_minutes: int | None = attrs.field(
        default=None, validator=check.in_range(0, optional=True)
    )
    status: ActivityStatus = attrs.field(default=ActivityStatus.OPEN, converter=ActivityStatus)
    description: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=10_000)
    )
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    def __attrs_post_init__(self) -> None:
        if (self.status is ActivityStatus.COMPLETED) != (self.done_at is not None):
            raise ValidationError(
                obj="Activity",
                field="done_at",
                value=self.done_at,
                expected="a time exactly when the activity is completed",
            )

    def is_overdue(self, now: datetime) -> bool:
        """Open and past its due time at ``now``."""
        check.require_aware(now, obj="Activity.is_overdue", field="now")
        return self.status is ActivityStatus.OPEN and self.due_at is not None and now > self.due_at

    def edit(self, **changes: Any) -> Activity:
        """A copy with ``changes`` applied; refused once completed or cancelled."""
        self._require_open("edit")
        return edit_entity(self, changes, frozenset({"id", "version", "status", "done_at"}))

    def _require_open(self, action: str) -> None:
        if self.status is not ActivityStatus.OPEN:
            raise InvalidTransitionError(
                "Activity", self.id, state=self.status.value, action=action, allowed=("open",)
            )

    def complete(self, done_at: datetime, *, duration_minutes: int | None = None) -> Activity:
        """Mark done at ``done_at`` (an aware datetime)."""
        self._require_open("complete")
        check.require_aware(done_at, obj="Activity", field="done_at")
        return attrs.evolve(
            self,
            status=ActivityStatus.COMPLETED,
            done_at=done_at,
            duration_minutes=self.duration_minutes
            if duration_minutes is None
            else duration_minutes,
        )

    def cancel(self) -> Activity:
        """Cancel an open activity."""
        self._require_open("cancel")
        return attrs.evolve(self, status=ActivityStatus.CANCELLED)
