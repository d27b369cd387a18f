"""Accounts (organisations) and contacts (people) (private; see ``crmcore.models``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import InvalidTransitionError
from crmcore.models._base import (
    AccountId,
    ContactId,
    FrozenMap,
    StrChoice,
    UserId,
    edit_entity,
    to_frozen_map,
)


class RelationshipType(StrChoice):
    """What an organisation is to us (Dynamics 365's ``customertypecode``)."""

    PROSPECT = "prospect"
    CUSTOMER = "customer"
    PARTNER = "partner"
    RESELLER = "reseller"
    VENDOR = "vendor"
    SUPPLIER = "supplier"
    COMPETITOR = "competitor"
    CONSULTANT = "consultant"
    INFLUENCER = "influencer"
    INVESTOR = "investor"
    PRESS = "press"
    OTHER = "other"


@attrs.frozen(kw_only=True)
class Account:
    """An organisation we sell to, buy from or work with.

    >>> acme = Account(id=AccountId("acme"), name="Acme Trading")
    >>> acme.relationship
    <RelationshipType.PROSPECT: 'prospect'>
    >>> acme.become_customer().relationship
    <RelationshipType.CUSTOMER: 'customer'>
    """

    id: AccountId = attrs.field(validator=check.instance_of(AccountId))
    name: str = attrs.field(validator=check.text())
    relationship: RelationshipType = attrs.field(
        default=RelationshipType.PROSPECT, converter=RelationshipType
    )
    industry: str | None = attrs.field(default=None, validator=check.text(optional=True))
    tier: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """Service tier (gold, silver, ...), used by SLA conditions and entitlements."""
    email: str | None = attrs.field(default=None, validator=check.text(optional=True))
    phone: str | None = attrs.field(default=None, validator=check.text(optional=True))
    website: str | None = attrs.field(default=None, validator=check.text(optional=True))
    city: str | None = attrs.field(default=None, validator=check.text(optional=True))
    country: str | None = attrs.field(default=None, validator=check.text(optional=True))
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    parent_id: AccountId | None = attrs.field(
        default=None, validator=check.instance_of(AccountId, optional=True)
    )
    created_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    custom: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=to_frozen_map)
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    def become_customer(self) -> Account:
        """The account as a customer (winning an opportunity does this).

        Refused if it already is one, or if it is a competitor.
        """
        if self.relationship in (RelationshipType.CUSTOMER, RelationshipType.COMPETITOR):
            raise InvalidTransitionError(
                "Account",
                self.id,
                state=self.relationship.value,
                action="become a customer",
                reason="already a customer"
                if self.relationship is RelationshipType.CUSTOMER
                else "a competitor cannot become a customer; change its relationship first",
            )
        return attrs.evolve(self, relationship=RelationshipType.CUSTOMER)

    def edit(self, **changes: Any) -> Account:
        """A copy with ``changes`` applied (validated; ``id`` and ``version`` are fixed)."""
        return edit_entity(self, changes)


@attrs.frozen(kw_only=True)
class Contact:
    """A person, optionally working for an :class:`Account`.

    >>> Contact(id=ContactId("c1"), first_name="Sara", last_name="Ahmadi").full_name
    'Sara Ahmadi'
    """

    id: ContactId = attrs.field(validator=check.instance_of(ContactId))
    last_name: str = attrs.field(validator=check.text())
    first_name: str | None = attrs.field(default=None, validator=check.text(optional=True))
    account_id: AccountId | None = attrs.field(
        default=None, validator=check.instance_of(AccountId, optional=True)
    )
    job_title: str | None = attrs.field(default=None, validator=check.text(optional=True))
    email: str | None = attrs.field(default=None, validator=check.text(optional=True))
    phone: str | None = attrs.field(default=None, validator=check.text(optional=True))
    mobile: str | None = attrs.field(default=None, validator=check.text(optional=True))
    owner: UserId | None = attrs.field(
        default=None, validator=check.instance_of(UserId, optional=True)
    )
    created_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    custom: FrozenMap[str, str] = attrs.field(factory=FrozenMap, converter=to_frozen_map)
    version: int = attrs.field(default=0, validator=check.non_negative_int())
    """Optimistic-lock version; repositories bump it on every update."""

    @property
    def full_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}" if self.first_name else self.last_name

    def edit(self, **changes: Any) -> Contact:
        """A copy with ``changes`` applied (validated; ``id`` and ``version`` are fixed)."""
        return edit_entity(self, changes)
