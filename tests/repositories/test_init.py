"""Public surface of crmcore.repositories and crmcore.testing; check_criteria."""

from __future__ import annotations

import inspect

import pytest

import crmcore.repositories
import crmcore.testing
from crmcore.errors import ValidationError
from crmcore.models import Case, CasePriority, Lead, LeadSource, LeadStatus
from crmcore.money import Money
from crmcore.repositories import (
    AccountRepository,
    InMemoryStore,
    SqliteStore,
    Store,
    UnitOfWork,
    check_criteria,
)


@pytest.mark.parametrize("module", [crmcore.repositories, crmcore.testing])
def test_all_is_sorted_complete_and_documented(module: object) -> None:
    names = module.__all__  # type: ignore[attr-defined]
    assert names == sorted(names)
    public = {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith(module.__name__)  # type: ignore[attr-defined]
    }
    assert public == set(names)
    for name in names:
        assert inspect.getdoc(getattr(module, name)), name


def test_reference_stores_satisfy_the_protocols() -> None:
    # mypy checks these assignments structurally; at run time the stores work as such.
    stores: list[Store] = [InMemoryStore(), SqliteStore()]
    for store in stores:
        uow: UnitOfWork = store.unit_of_work()
        accounts: AccountRepository = uow.accounts
        assert callable(accounts.get)
    stores[1].close()  # type: ignore[attr-defined]


def test_check_criteria_coerces_strings_and_refuses_unknown_names() -> None:
    assert check_criteria(Lead, {"status": "qualified", "source": "referral"}) == {
        "status": LeadStatus.QUALIFIED,
        "source": LeadSource.REFERRAL,
    }
    # Unindexed fields are accepted as given; derived Case properties are criteria.
    value = Money("10", "USD")
    assert check_criteria(Lead, {"budget": value}) == {"budget": value}
    assert check_criteria(Case, {"priority": "high"}) == {"priority": CasePriority.HIGH}
    with pytest.raises(ValidationError) as caught:
        check_criteria(Lead, {"first_name": "Ali", "colour": "red"})
    assert (caught.value.field, caught.value.value) == ("colour", "red")
    assert "first_name" in str(caught.value)  # the accepted names are listed


def test_check_criteria_refuses_types_that_are_not_aggregates() -> None:
    with pytest.raises(ValidationError) as caught:
        check_criteria(Money, {})
    assert caught.value.field == "entity_type"
