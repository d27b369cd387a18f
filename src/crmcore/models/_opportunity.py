"""Opportunities: the sales pipeline (private; see ``crmcore.models``)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models._base import (
    AccountId,
    ContactId,
    FrozenMap,
    LeadId,
    OpportunityId,
    StrChoice,
    UserId,
    edit_entity,
    to_frozen_map,
)
from crmcore.models._lead_source import LeadSource
from crmcore.models._party import Account, RelationshipType
from crmcore.money import Money


class SalesStage(StrChoice):
    """Pipeline stages in order (Dynamics 365's default sales process).

    >>> SalesStage.PROPOSE.rank > SalesStage.DEVELOP.rank
    True
    """

    QUALIFY = "qualify"
    DEVELOP = "develop"
    PROPOSE = "propose"
    CLOSE = "close"

    @property
    def rank(self) -> int:
        """0 for the first stage, increasing along the pipeline."""
        return list(SalesStage).index(self)


class OpportunityStatus(StrChoice):
    """Open, or closed as won or lost."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


class StageEventKind(StrChoice):
    """What happened in an opportunity's pipeline history."""

    CREATED = "created"
    STAGE_CHANGED = "stage_changed"
    WON = "won"
    LOST = "lost"
    REOPENED = "reopened"


@attrs.frozen(kw_only=True)
class StageEvent:
    """One dated entry of an opportunity's stage history.

    ``stage`` is the stage after the event: a won event ends in ``close``;
    a lost event keeps the stage the deal was lost in.

    >>> from datetime import datetime, timezone
    >>> StageEvent(at=datetime(2026, 1, 5, tzinfo=timezone.utc), kind="won", stage="develop")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: StageEvent.stage: got 'develop'; expected 'close' for a won event
    """

    at: datetime = attrs.field(validator=check.aware())
    kind: StageEventKind = attrs.field(converter=StageEventKind)
    stage: SalesStage = attrs.field(converter=SalesStage)
    note: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=10_000)
    )

    def __attrs_post_init__(self) -> None:
        if self.kind is StageEventKind.WON and self.stage is not SalesStage.CLOSE:
            raise ValidationError(
                obj="StageEvent",
                field="stage",
                value=self.stage.value,
                expected="'close' for a won event",
            )


_STATUS_AFTER = {
    StageEventKind.WON: OpportunityStatus.WON,
    StageEventKind.LOST: OpportunityStatus.LOST,
    StageEventKind.REOPENED: OpportunityStatus.OPEN,
}


def replay_stages(
    events: tuple[StageEvent, ...], *, obj: str = "Opportunity"
) -> tuple[SalesStage, OpportunityStatus]:
    """The stage and status a history ends in; ValidationError if it is not a valid history.

    A valid history starts with one ``created`` event, is in time order,
    and only wins, loses or changes stage while open and reopens while closed.
    """
    if (
        not events
        or not isinstance(events[0], StageEvent)
        or events[0].kind is not StageEventKind.CREATED
    ):
        raise ValidationError(
            obj=obj,
            field="stage_history",
            value=events[:1],
            expected="a history that starts with a 'created' event",
        )
    stage, status, previous = events[0].stage, OpportunityStatus.OPEN, events[0].at
    for index, event in enumerate(events[1:], start=1):
        if not isinstance(event, StageEvent):
            raise ValidationError(
                obj=obj, field=f"stage_history[{index}]", value=event, expected="a StageEvent"
            )
        if event.at < previous:
            raise ValidationError(
                obj=obj,
                field=f"stage_history[{index}].at",
                value=event.at,
                expected=f"a time at or after the previous event ({previous.isoformat()})",
            )
        reopening = event.kind is StageEventKind.REOPENED
        if event.kind is StageEventKind.CREATED or reopening == (status is OpportunityStatus.OPEN):
            raise ValidationError(
                obj=obj,
                field=f"stage_history[{index}].kind",
                value=event.kind.value,
                expected=f"an event allowed while {status.value}"
                + (" (reopened only when closed)" if status is OpportunityStatus.OPEN else ""),
            )
        stage, status, previous = event.stage, _STATUS_AFTER.get(event.kind, status), event.at
    return stage, status


def _to_events(value: Iterable[StageEvent]) -> tuple[StageEvent, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Opportunity:
    """A potential sale to an account.

    Open opportunities can be edited; closing (:meth:`win`, :meth:`lose`)
    makes them read-only until :meth:`reopen`.

    **Stage history.** An opportunity opened with :meth:`open` (or given a
    ``stage_history``) records every stage change, win, loss and reopening
    as a dated :class:`StageEvent`; the history is then the single source of
    its stage and status: ``stage`` and ``status`` must be what the history
    ends in, and every transition needs its time ``at=``. Opportunities
    created without a history (before histories existed) keep working as
    before; :meth:`start_history` begins one.

    >>> from crmcore.money import Money
    >>> from datetime import date
    >>> opp = Opportunity(id=OpportunityId("o1"), name="50 licences",
    ...                   account_id=AccountId("acme"),
    ...                   estimated_revenue=Money("12000", "USD"))
    >>> won = opp.win(Money("11500", "USD"), date(2026, 5, 1))
    >>> won.opportunity.status, str(won.opportunity.actual_revenue)
    (<OpportunityStatus.WON: 'won'>, '11500 USD')
    """

    id: OpportunityId = attrs.field(validator=check.instance_of(OpportunityId))
    name: str = attrs.field(validator=check.text())
    account_id: AccountId | None = attrs.field(
        default=None, validator=check.instance_of(AccountId, optional=True)
    )
    contact_id: ContactId | None = attrs.field(
        default=None, validator=check.instance_of(ContactId, optional=True)
    )
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    stage: SalesStage = attrs.field(default=SalesStage.QUALIFY, converter=SalesStage)
    status: OpportunityStatus = attrs.field(
        default=OpportunityStatus.OPEN, converter=OpportunityStatus
    )
    estimated_revenue: Money | None = attrs.field(
        default=None, validator=check.instance_of(Money, optional=True)
    )
    estimated_close_date: date | None = attrs.field(default=None, validator=check.optional_date())
    probability: int = attrs.field(default=10, validator=check.in_range(0, 100))
    """Chance of winning, 0-100 %."""
    source: LeadSource | None = attrs.field(
        default=None, validator=check.instance_of(LeadSource, optional=True)
    )
    campaign: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """The marketing campaign the deal came from (copied from its lead), for attribution."""
    lead_id: LeadId | None = attrs.field(
        default=None, validator=check.instance_of(LeadId, optional=True)
    )
    """The lead this opportunity was qualified from, if any."""
    actual_revenue: Money | None = attrs.field(
        default=None, validator=check.instance_of(Money, optional=True)
    )
    actual_close_date: date | None = attrs.field(default=None, validator=check.optional_date())
    competitor: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """Who won the deal, when lost."""
    close_reason: str | None = attrs.field(default=None, validator=check.text(optional=True))
    created_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    custom: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=to_frozen_map)
    stage_history: tuple[StageEvent, ...] = attrs.field(default=(), converter=_to_events)
    """Dated stage events, oldest first; empty for an opportunity without a history."""
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    def __attrs_post_init__(self) -> None:
        if self.stage_history:
            self._check_history()
        closed = self.status is not OpportunityStatus.OPEN
        if closed and self.actual_close_date is None:
            raise ValidationError(
                obj="Opportunity",
                field="actual_close_date",
                value=None,
                expected=f"a date for a {self.status.value} opportunity",
            )
        if self.status is OpportunityStatus.WON and self.actual_revenue is None:
            raise ValidationError(
                obj="Opportunity",
                field="actual_revenue",
                value=None,
                expected="an amount for a won opportunity",
            )

    def _check_history(self) -> None:
        stage, status = replay_stages(self.stage_history)
        first = self.stage_history[0].at
        if self.created_at is not None and first < self.created_at:
            raise ValidationError(
                obj="Opportunity",
                field="stage_history[0].at",
                value=first,
                expected=f"a time at or after created_at ({self.created_at.isoformat()})",
            )
        for name, mine, replayed in (("stage", self.stage, stage), ("status", self.status, status)):
            if mine is not replayed:
                raise ValidationError(
                    obj="Opportunity",
                    field=name,
                    value=mine.value,
                    expected=f"{replayed.value!r}, what its stage history ends in",
                )

    @classmethod
    def open(
        cls,
        *,
        id: OpportunityId,
        name: str,
        created_at: datetime,
        stage: SalesStage | str = SalesStage.QUALIFY,
        **fields: Any,
    ) -> Opportunity:
        """A new open opportunity whose history starts with a 'created' event.

        >>> from datetime import datetime, timezone
        >>> t0 = datetime(2026, 1, 5, 9, tzinfo=timezone.utc)
        >>> opp = Opportunity.open(id=OpportunityId("o1"), name="CRM", created_at=t0)
        >>> opp = opp.advance("develop", at=datetime(2026, 1, 20, tzinfo=timezone.utc))
        >>> [(e.kind.value, e.stage.value) for e in opp.stage_history]
        [('created', 'qualify'), ('stage_changed', 'develop')]
        """
        first = StageEvent(at=created_at, kind=StageEventKind.CREATED, stage=SalesStage(stage))
        return cls(
            id=id,
            name=name,
            created_at=created_at,
            stage=first.stage,
            stage_history=(first,),
            **fields,
        )

    @classmethod
    def from_history(cls, *, stage_history: Iterable[StageEvent], **fields: Any) -> Opportunity:
        """An opportunity whose stage and status are read from ``stage_history``."""
        events = tuple(stage_history)
        stage, status = replay_stages(events)
        return cls(stage=stage, status=status, stage_history=events, **fields)

    def start_history(self, at: datetime) -> Opportunity:
        """Begin recording a history for an open opportunity that has none (its stage at ``at``)."""
        self._require_open("start a history")
        if self.stage_history:
            raise InvalidTransitionError(
                "Opportunity", self.id, state="with a history", action="start a history"
            )
        event = StageEvent(at=at, kind=StageEventKind.CREATED, stage=self.stage)
        return attrs.evolve(self, stage_history=(event,))

    def stage_at(self, moment: datetime) -> tuple[SalesStage, OpportunityStatus] | None:
        """Stage and status as of ``moment`` from the history; None before creation or without one."""
        check.require_aware(moment, obj="Opportunity.stage_at", field="moment")
        seen = tuple(e for e in self.stage_history if e.at <= moment)
        return replay_stages(seen) if seen else None

    def _event(
        self, at: datetime | None, kind: StageEventKind, stage: SalesStage, note: str | None = None
    ) -> tuple[StageEvent, ...]:
        """The history with one more event, or () when this opportunity keeps none."""
        if not self.stage_history:
            return ()
        if at is None:
            raise ValidationError(
                obj="Opportunity",
                field="at",
                value=None,
                expected="an aware datetime: this opportunity keeps a stage history",
            )
        event = StageEvent(at=at, kind=kind, stage=stage, note=note)
        last = self.stage_history[-1].at
        if event.at < last:
            raise ValidationError(
                obj="Opportunity",
                field="at",
                value=at,
                expected=f"a time at or after the last stage event ({last.isoformat()})",
            )
        return (*self.stage_history, event)

    @property
    def is_open(self) -> bool:
        """Whether the opportunity is still open."""
        return self.status is OpportunityStatus.OPEN

    def _require_open(self, action: str) -> None:
        if not self.is_open:
            raise InvalidTransitionError(
                "Opportunity",
                self.id,
                state=self.status.value,
                action=action,
                reason="closed opportunities are read-only; reopen() first",
            )

    def edit(self, **changes: Any) -> Opportunity:
        """A copy with ``changes`` applied; refused once closed.

        ``status`` and the actual close fields change only through
        :meth:`win`, :meth:`lose` and :meth:`reopen`.
        """
        self._require_open("edit")
        return edit_entity(
            self,
            changes,
            frozenset(
                {
                    "id",
                    "version",
                    "status",
                    "actual_revenue",
                    "actual_close_date",
                    "competitor",
                    "close_reason",
                    "stage_history",
                }
                | ({"stage"} if self.stage_history else set())
            ),
        )

    def advance(self, stage: SalesStage | str, *, at: datetime | None = None) -> Opportunity:
        """Move to another pipeline stage (forward or back) while open (``at`` with a history)."""
        self._require_open("change stage")
        new = SalesStage(stage)
        history = self._event(at, StageEventKind.STAGE_CHANGED, new)
        return attrs.evolve(self, stage=new, stage_history=history or self.stage_history)

    def win(
        self,
        actual_revenue: Money,
        close_date: date,
        *,
        account: Account | None = None,
        reason: str | None = None,
        at: datetime | None = None,
    ) -> WinResult:
        """Close as won.

        Pass the opportunity's ``account`` to get it back turned from a
        prospect into a customer (as Dynamics 365 does on winning); an
        account that is already a customer, partner etc. is returned as is.
        """
        self._require_open("win")
        if not isinstance(actual_revenue, Money):
            raise ValidationError(
                obj="Opportunity", field="actual_revenue", value=actual_revenue, expected="Money"
            )
        check.require_date(close_date, obj="Opportunity", field="actual_close_date")
        if account is not None and account.id != self.account_id:
            raise ValidationError(
                obj="Opportunity",
                field="account",
                value=account.id,
                expected=f"the opportunity's account {self.account_id!r}",
            )
        history = self._event(at, StageEventKind.WON, SalesStage.CLOSE, reason)
        won = attrs.evolve(
            self,
            stage_history=history or self.stage_history,
            status=OpportunityStatus.WON,
            stage=SalesStage.CLOSE,
            probability=100,
            actual_revenue=actual_revenue,
            actual_close_date=close_date,
            close_reason=reason,
            competitor=None,
        )
        if account is not None and account.relationship is RelationshipType.PROSPECT:
            account = account.become_customer()
        return WinResult(opportunity=won, account=account)

    def lose(
        self,
        close_date: date,
        *,
        reason: str | None = None,
        competitor: str | None = None,
        at: datetime | None = None,
    ) -> Opportunity:
        """Close as lost, naming the competitor who won and why, if known."""
        self._require_open("lose")
        check.require_date(close_date, obj="Opportunity", field="actual_close_date")
        history = self._event(at, StageEventKind.LOST, self.stage, reason)
        return attrs.evolve(
            self,
            stage_history=history or self.stage_history,
            status=OpportunityStatus.LOST,
            probability=0,
            actual_close_date=close_date,
            close_reason=reason,
            competitor=competitor,
            actual_revenue=None,
        )

    def reopen(self, *, probability: int = 10, at: datetime | None = None) -> Opportunity:
        """Reopen a closed opportunity; its actual figures are cleared."""
        if self.is_open:
            raise InvalidTransitionError(
                "Opportunity",
                self.id,
                state=self.status.value,
                action="reopen",
                allowed=("won", "lost"),
            )
        history = self._event(at, StageEventKind.REOPENED, self.stage)
        return attrs.evolve(
            self,
            stage_history=history or self.stage_history,
            status=OpportunityStatus.OPEN,
            probability=probability,
            actual_revenue=None,
            actual_close_date=None,
            competitor=None,
            close_reason=None,
        )


@attrs.frozen(kw_only=True)
class WinResult:
    """What winning an opportunity changed: the opportunity and its account."""

    opportunity: Opportunity
    account: Account | None
    """The account (a customer now), if it was passed to :meth:`Opportunity.win`."""
