"""Leads and their qualification (private; see ``crmcore.models``)."""

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
from crmcore.models._opportunity import Opportunity
from crmcore.models._party import Account, Contact
from crmcore.money import Money


class LeadStatus(StrChoice):
    """Lead life cycle: new → contacted → qualified or disqualified."""

    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"


class DisqualifyReason(StrChoice):
    """Why a lead was disqualified (Dynamics 365's standard reasons)."""

    LOST = "lost"
    CANNOT_CONTACT = "cannot_contact"
    NO_LONGER_INTERESTED = "no_longer_interested"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    OTHER = "other"


_OPEN = (LeadStatus.NEW, LeadStatus.CONTACTED)


@attrs.frozen(kw_only=True)
class Lead:
    """A prospective customer not yet qualified.

    >>> lead = Lead(id=LeadId("L1"), last_name="Karimi", company="Pars Tile",
    ...             source=LeadSource.TRADE_SHOW)
    >>> lead.contact().status
    <LeadStatus.CONTACTED: 'contacted'>
    >>> result = lead.qualify(close_date=date(2026, 4, 1))
    >>> result.lead.status, result.account.name, result.opportunity.account_id == result.account.id
    (<LeadStatus.QUALIFIED: 'qualified'>, 'Pars Tile', True)
    """

    id: LeadId = attrs.field(validator=check.instance_of(LeadId))
    last_name: str = attrs.field(validator=check.text())
    first_name: str | None = attrs.field(default=None, validator=check.text(optional=True))
    company: str | None = attrs.field(default=None, validator=check.text(optional=True))
    job_title: str | None = attrs.field(default=None, validator=check.text(optional=True))
    email: str | None = attrs.field(default=None, validator=check.text(optional=True))
    phone: str | None = attrs.field(default=None, validator=check.text(optional=True))
    website: str | None = attrs.field(default=None, validator=check.text(optional=True))
    industry: str | None = attrs.field(default=None, validator=check.text(optional=True))
    city: str | None = attrs.field(default=None, validator=check.text(optional=True))
    country: str | None = attrs.field(default=None, validator=check.text(optional=True))
    employees: int | None = attrs.field(default=None, validator=check.in_range(0, optional=True))
    annual_revenue: Money | None = attrs.field(
        default=None, validator=check.instance_of(Money, optional=True)
    )
    budget: Money | None = attrs.field(
        default=None, validator=check.instance_of(Money, optional=True)
    )
    estimated_value: Money | None = attrs.field(
        default=None, validator=check.instance_of(Money, optional=True)
    )
    source: LeadSource = attrs.field(
        default=LeadSource.OTHER, validator=check.instance_of(LeadSource)
    )
    campaign: str | None = attrs.field(default=None, validator=check.text(optional=True))
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    status: LeadStatus = attrs.field(default=LeadStatus.NEW, converter=LeadStatus)
    disqualify_reason: DisqualifyReason | None = attrs.field(
        default=None, validator=check.instance_of(DisqualifyReason, optional=True)
    )
    disqualify_note: str | None = attrs.field(default=None, validator=check.text(optional=True))
    account_id: AccountId | None = attrs.field(
        default=None, validator=check.instance_of(AccountId, optional=True)
    )
    """The account this lead was qualified into (or belongs to)."""
    contact_id: ContactId | None = attrs.field(
        default=None, validator=check.instance_of(ContactId, optional=True)
    )
    opportunity_id: OpportunityId | None = attrs.field(
        default=None, validator=check.instance_of(OpportunityId, optional=True)
    )
    created_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    custom: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=to_frozen_map)
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    def __attrs_post_init__(self) -> None:
        if (self.status is LeadStatus.DISQUALIFIED) != (self.disqualify_reason is not None):
            raise ValidationError(
                obj="Lead",
                field="disqualify_reason",
                value=self.disqualify_reason,
                expected="a reason exactly when the status is disqualified",
            )

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}" if self.first_name else self.last_name

    @property
    def is_open(self) -> bool:
        """New or contacted: neither qualified nor disqualified."""
        return self.status in _OPEN

    def _refuse(self, action: str, allowed: tuple[LeadStatus, ...]) -> InvalidTransitionError:
        return InvalidTransitionError(
            "Lead",
            self.id,
            state=self.status.value,
            action=action,
            allowed=[s.value for s in allowed],
        )

    def edit(self, **changes: Any) -> Lead:
        """A copy with ``changes`` applied; refused once qualified or disqualified."""
        if not self.is_open:
            raise self._refuse("edit", _OPEN)
        return edit_entity(
            self,
            changes,
            frozenset(
                {
                    "id",
                    "version",
                    "status",
                    "disqualify_reason",
                    "disqualify_note",
                    "account_id",
                    "contact_id",
                    "opportunity_id",
                }
            ),
        )

    def contact(self) -> Lead:
        """Record that the lead was contacted (new → contacted)."""
        if self.status is not LeadStatus.NEW:
            raise self._refuse("mark as contacted", (LeadStatus.NEW,))
        return attrs.evolve(self, status=LeadStatus.CONTACTED)

    def disqualify(self, reason: DisqualifyReason | str, note: str | None = None) -> Lead:
        """Close the lead as disqualified, with a reason."""
        if not self.is_open:
            raise self._refuse("disqualify", _OPEN)
        try:
            why = DisqualifyReason(reason)
        except ValueError:
            raise ValidationError(
                obj="Lead",
                field="disqualify_reason",
                value=reason,
                expected="one of " + ", ".join(r.value for r in DisqualifyReason),
            ) from None
        return attrs.evolve(
            self, status=LeadStatus.DISQUALIFIED, disqualify_reason=why, disqualify_note=note
        )

    def reactivate(self) -> Lead:
        """Reopen a disqualified lead as new (a qualified lead stays qualified)."""
        if self.status is not LeadStatus.DISQUALIFIED:
            raise self._refuse("reactivate", (LeadStatus.DISQUALIFIED,))
        return attrs.evolve(
            self, status=LeadStatus.NEW, disqualify_reason=None, disqualify_note=None
        )

    def qualify(
        self,
        *,
        create_account: bool = True,
        create_contact: bool = True,
        create_opportunity: bool = True,
        existing_account: Account | None = None,
        existing_contact: Contact | None = None,
        opportunity_name: str | None = None,
        close_date: date | None = None,
        created_at: datetime | None = None,
        account_id: AccountId | None = None,
        contact_id: ContactId | None = None,
        opportunity_id: OpportunityId | None = None,
    ) -> Qualification:
        """Qualify the lead once, creating the records the caller asks for.

        The caller chooses what to create: an account (from ``company``), a
        contact (from the person) and an opportunity (from
        ``estimated_value``). An ``existing_account``/``existing_contact``
        is linked instead of creating one. New ids are random unless given.
        ``close_date`` becomes the opportunity's estimated close date if given;
        ``created_at`` stamps the new records. All new records are linked to
        each other and to the lead; nothing is stored — the caller saves the
        :class:`Qualification` in one unit of work.
        """
        if not self.is_open:
            raise self._refuse("qualify", _OPEN)
        _check_create_or_link("existing_account", create_account, existing_account)
        _check_create_or_link("existing_contact", create_contact, existing_contact)
        account = self._new_account(account_id, created_at) if create_account else existing_account
        contact = existing_contact
        if create_contact:
            contact = self._new_contact(contact_id, account, created_at)
        opportunity = None
        if create_opportunity:
            opportunity = self._new_opportunity(
                opportunity_id=opportunity_id,
                opportunity_name=opportunity_name,
                account=account,
                contact=contact,
                close_date=close_date,
                created_at=created_at,
            )
        lead = attrs.evolve(
            self,
            status=LeadStatus.QUALIFIED,
            account_id=account.id if account else self.account_id,
            contact_id=contact.id if contact else self.contact_id,
            opportunity_id=opportunity.id if opportunity else None,
        )
        return Qualification(
            lead=lead,
            account=account if create_account else None,
            contact=contact if create_contact else None,
            opportunity=opportunity,
        )

    def _new_account(self, account_id: AccountId | None, created_at: datetime | None) -> Account:
        if not self.company:
            raise ValidationError(
                obj="Lead",
                field="company",
                value=self.company,
                expected="a company name to create an account from",
            )
        return Account(
            id=account_id or AccountId.new(),
            name=self.company,
            industry=self.industry,
            website=self.website,
            city=self.city,
            country=self.country,
            owner=self.owner,
            created_at=created_at,
        )

    def _new_contact(
        self, contact_id: ContactId | None, account: Account | None, created_at: datetime | None
    ) -> Contact:
        return Contact(
            id=contact_id or ContactId.new(),
            first_name=self.first_name,
            last_name=self.last_name,
            account_id=account.id if account else None,
            job_title=self.job_title,
            email=self.email,
            phone=self.phone,
            owner=self.owner,
            created_at=created_at,
        )

    def _new_opportunity(
        self,
        *,
        opportunity_id: OpportunityId | None,
        opportunity_name: str | None,
        account: Account | None,
        contact: Contact | None,
        close_date: date | None,
        created_at: datetime | None,
    ) -> Opportunity:
        return Opportunity(
            id=opportunity_id or OpportunityId.new(),
            name=opportunity_name or f"{self.company or self.full_name}: opportunity",
            account_id=account.id if account else None,
            contact_id=contact.id if contact else None,
            owner=self.owner,
            estimated_revenue=self.estimated_value,
            estimated_close_date=close_date,
            source=self.source,
            campaign=self.campaign,
            lead_id=self.id,
            created_at=created_at,
        )


def _check_create_or_link(field: str, create: bool, existing: Account | Contact | None) -> None:
    if create and existing is not None:
        what = field.removeprefix("existing_")
        raise ValidationError(
            obj="Lead.qualify",
            field=field,
            value=existing.id,
            expected=f"None when create_{what} is true (create or link, not both)",
        )


@attrs.frozen(kw_only=True)
class Qualification:
    """What qualifying a lead produced: the qualified lead and any new records."""

    lead: Lead
    account: Account | None
    contact: Contact | None
    opportunity: Opportunity | None
