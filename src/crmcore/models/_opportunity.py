"""Opportunities: the sales pipeline (private; see ``crmcore.models``)."""

from __future__ import annotations

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


@attrs.frozen(kw_only=True)
class Opportunity:
    """A potential sale to an account.

    Open opportunities can be edited; closing (:meth:`win`, :meth:`lose`)
    makes them read-only until :meth:`reopen`.

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
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    def __attrs_post_init__(self) -> None:
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
                }
            ),
        )

    def advance(self, stage: SalesStage | str) -> Opportunity:
        """Move to another pipeline stage (forward or back) while open."""
        self._require_open("change stage")
        return attrs.evolve(self, stage=SalesStage(stage))

    def win(
        self,
        actual_revenue: Money,
        close_date: date,
        *,
        account: Account | None = None,
        reason: str | None = None,
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
        won = attrs.evolve(
            self,
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
        self, close_date: date, *, reason: str | None = None, competitor: str | None = None
    ) -> Opportunity:
        """Close as lost, naming the competitor who won and why, if known."""
        self._require_open("lose")
        check.require_date(close_date, obj="Opportunity", field="actual_close_date")
        return attrs.evolve(
            self,
            status=OpportunityStatus.LOST,
            probability=0,
            actual_close_date=close_date,
            close_reason=reason,
            competitor=competitor,
            actual_revenue=None,
        )

    def reopen(self, *, probability: int = 10) -> Opportunity:
        """Reopen a closed opportunity; its actual figures are cleared."""
        if self.is_open:
            raise InvalidTransitionError(
                "Opportunity",
                self.id,
                state=self.status.value,
                action="reopen",
                allowed=("won", "lost"),
            )
        return attrs.evolve(
            self,
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
