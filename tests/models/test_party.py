"""Accounts and contacts."""

from __future__ import annotations

from datetime import datetime

import pytest

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import Account, AccountId, Contact, ContactId, RelationshipType


def _account(**fields: object) -> Account:
    return Account(id=AccountId("acme"), name="Acme Trading", **fields)  # type: ignore[arg-type]


def test_new_account_is_a_prospect_that_can_become_a_customer() -> None:
    acme = _account()
    assert acme.relationship is RelationshipType.PROSPECT
    customer = acme.become_customer()
    assert customer.relationship is RelationshipType.CUSTOMER
    assert acme.relationship is RelationshipType.PROSPECT  # the original is unchanged
    assert customer.id == acme.id


@pytest.mark.parametrize("relationship", [RelationshipType.PARTNER, RelationshipType.RESELLER])
def test_other_relationships_can_become_customers(relationship: RelationshipType) -> None:
    assert (
        _account(relationship=relationship).become_customer().relationship
        is RelationshipType.CUSTOMER
    )


@pytest.mark.parametrize(
    ("relationship", "reason"),
    [
        (RelationshipType.CUSTOMER, "already a customer"),
        (RelationshipType.COMPETITOR, "competitor"),
    ],
)
def test_become_customer_refused(relationship: RelationshipType, reason: str) -> None:
    with pytest.raises(InvalidTransitionError, match=reason) as info:
        _account(relationship=relationship).become_customer()
    assert info.value.entity == "Account"
    assert info.value.state == relationship.value


def test_relationship_from_its_value_and_bad_values_refused() -> None:
    assert _account(relationship="customer").relationship is RelationshipType.CUSTOMER
    with pytest.raises(ValidationError, match="'bogus'"):
        _account(relationship="bogus")


def test_edit_validates_and_keeps_managed_fields() -> None:
    acme = _account()
    assert acme.edit(city="Tehran", tier="gold").city == "Tehran"
    with pytest.raises(ValidationError) as info:
        acme.edit(name="  ")
    assert (info.value.obj, info.value.field) == ("Account", "name")
    for managed in ("id", "version"):
        with pytest.raises(ValidationError, match="managed"):
            acme.edit(**{managed: AccountId("x") if managed == "id" else 3})
    with pytest.raises(ValidationError, match="a field of the record"):
        acme.edit(colour="red")


def test_naive_datetimes_refused() -> None:
    naive = datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001 - the naive input under test
    with pytest.raises(ValidationError, match="timezone-aware") as info:
        _account(created_at=naive)
    assert info.value.field == "created_at"
    with pytest.raises(ValidationError, match="timezone-aware"):
        Contact(id=ContactId("c"), last_name="Ahmadi", created_at=naive)


def test_contact_names_and_checks() -> None:
    sara = Contact(
        id=ContactId("c1"), first_name="Sara", last_name="Ahmadi", account_id=AccountId("acme")
    )
    assert sara.full_name == "Sara Ahmadi"
    assert Contact(id=ContactId("c2"), last_name="Ahmadi").full_name == "Ahmadi"
    with pytest.raises(ValidationError) as info:
        Contact(id=ContactId("c3"), last_name="Ahmadi", account_id="acme")  # type: ignore[arg-type]
    assert info.value.field == "account_id"
    with pytest.raises(ValidationError) as info:
        Contact(id=AccountId("c3"), last_name="Ahmadi")  # type: ignore[arg-type]
    assert info.value.field == "id"
    assert sara.edit(job_title="CFO").job_title == "CFO"
