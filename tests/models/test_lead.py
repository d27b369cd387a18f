"""Leads: contact, disqualify, reactivate and qualify (once)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import (
    Account,
    AccountId,
    Contact,
    ContactId,
    DisqualifyReason,
    Lead,
    LeadId,
    LeadSource,
    LeadStatus,
    OpportunityId,
    RelationshipType,
)
from crmcore.money import Money
from tests.strategies import leads

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def _lead(**fields: object) -> Lead:
    base: dict[str, object] = {
        "id": LeadId("L1"),
        "first_name": "Reza",
        "last_name": "Tehrani",
        "company": "Tehran Steel",
        "job_title": "Buyer",
        "email": "reza@example.com",
        "source": LeadSource.TRADE_SHOW,
        "estimated_value": Money("25000", "EUR"),
    }
    base.update(fields)
    return Lead(**base)  # type: ignore[arg-type]


def test_allowed_transitions() -> None:
    lead = _lead()
    assert lead.status is LeadStatus.NEW
    contacted = lead.contact()
    assert contacted.status is LeadStatus.CONTACTED
    out = contacted.disqualify(DisqualifyReason.NO_LONGER_INTERESTED, "bought elsewhere")
    assert (out.status, out.disqualify_reason, out.disqualify_note) == (
        LeadStatus.DISQUALIFIED,
        DisqualifyReason.NO_LONGER_INTERESTED,
        "bought elsewhere",
    )
    again = out.reactivate()
    assert (again.status, again.disqualify_reason, again.disqualify_note) == (
        LeadStatus.NEW,
        None,
        None,
    )
    assert lead.disqualify("duplicate").disqualify_reason is DisqualifyReason.DUPLICATE


@pytest.mark.parametrize(
    ("make", "action"),
    [
        (lambda lead: lead.contact(), "contact"),
        (lambda lead: lead.disqualify("lost"), "contact"),
        (lambda lead: lead.qualify().lead, "contact"),
        (lambda lead: lead.qualify().lead, "disqualify"),
        (lambda lead: lead.qualify().lead, "reactivate"),
        (lambda lead: lead.qualify().lead, "qualify"),
        (lambda lead: lead.qualify().lead, "edit"),
        (lambda lead: lead.disqualify("lost"), "qualify"),
        (lambda lead: lead.disqualify("lost"), "disqualify"),
        (lambda lead: lead.disqualify("lost"), "edit"),
        (lambda lead: lead, "reactivate"),
    ],
)
def test_refused_transitions(make: Callable[[Lead], Lead], action: str) -> None:
    lead = make(_lead())
    calls: dict[str, Callable[[], object]] = {
        "contact": lead.contact,
        "disqualify": lambda: lead.disqualify("lost"),
        "reactivate": lead.reactivate,
        "qualify": lead.qualify,
        "edit": lambda: lead.edit(city="Tabriz"),
    }
    with pytest.raises(InvalidTransitionError) as info:
        calls[action]()
    assert info.value.entity == "Lead"
    assert info.value.entity_id == "L1"
    assert info.value.state == lead.status.value


def test_qualify_creates_and_links_the_chosen_records() -> None:
    q = _lead().qualify(
        close_date=date(2026, 4, 1),
        created_at=T0,
        account_id=AccountId("acc-1"),
        contact_id=ContactId("con-1"),
        opportunity_id=OpportunityId("opp-1"),
    )
    assert q.account is not None
    assert q.contact is not None
    assert q.opportunity is not None
    assert (q.account.id, q.account.name, q.account.relationship) == (
        "acc-1",
        "Tehran Steel",
        RelationshipType.PROSPECT,
    )
    assert (q.contact.first_name, q.contact.last_name, q.contact.account_id) == (
        "Reza",
        "Tehrani",
        "acc-1",
    )
    opp = q.opportunity
    assert (opp.account_id, opp.contact_id, opp.lead_id) == ("acc-1", "con-1", "L1")
    assert opp.estimated_revenue == Money("25000", "EUR")
    assert opp.estimated_close_date == date(2026, 4, 1)
    assert opp.source == LeadSource.TRADE_SHOW
    assert q.account.created_at == q.contact.created_at == opp.created_at == T0
    assert (q.lead.status, q.lead.account_id, q.lead.contact_id, q.lead.opportunity_id) == (
        LeadStatus.QUALIFIED,
        "acc-1",
        "con-1",
        "opp-1",
    )


def test_qualify_only_what_the_caller_asks_for() -> None:
    q = _lead().qualify(create_contact=False, create_opportunity=False, account_id=AccountId("a"))
    assert q.contact is None
    assert q.opportunity is None
    assert q.account is not None
    assert (q.lead.account_id, q.lead.contact_id, q.lead.opportunity_id) == ("a", None, None)


def test_qualify_links_existing_records_instead_of_creating() -> None:
    existing = Account(
        id=AccountId("old"), name="Tehran Steel Co.", relationship=RelationshipType.CUSTOMER
    )
    person = Contact(id=ContactId("p"), last_name="Tehrani", account_id=AccountId("old"))
    q = _lead().qualify(
        create_account=False,
        existing_account=existing,
        create_contact=False,
        existing_contact=person,
    )
    assert q.account is None  # nothing new to save
    assert q.contact is None
    assert q.opportunity is not None
    assert (q.opportunity.account_id, q.opportunity.contact_id) == ("old", "p")
    assert (q.lead.account_id, q.lead.contact_id) == ("old", "p")


def test_qualify_refuses_contradictions() -> None:
    existing = Account(id=AccountId("old"), name="X")
    with pytest.raises(ValidationError, match="create or link"):
        _lead().qualify(existing_account=existing)
    person = Contact(id=ContactId("p"), last_name="Y")
    with pytest.raises(ValidationError, match="create or link"):
        _lead().qualify(existing_contact=person)
    with pytest.raises(ValidationError) as info:
        _lead(company=None).qualify()
    assert info.value.field == "company"


def test_lead_qualifies_once() -> None:
    qualified = _lead().qualify().lead
    with pytest.raises(InvalidTransitionError, match="cannot qualify"):
        qualified.qualify()


def test_disqualify_needs_a_known_reason() -> None:
    with pytest.raises(ValidationError) as info:
        _lead().disqualify("bored")
    assert (info.value.field, info.value.value) == ("disqualify_reason", "bored")


def test_reason_exactly_when_disqualified() -> None:
    with pytest.raises(ValidationError, match="exactly when"):
        _lead(status=LeadStatus.DISQUALIFIED)
    with pytest.raises(ValidationError, match="exactly when"):
        _lead(disqualify_reason=DisqualifyReason.LOST)


def test_edit_while_open_and_managed_fields() -> None:
    lead = _lead()
    assert lead.edit(city="Tabriz").city == "Tabriz"
    for managed in ("status", "account_id", "opportunity_id", "disqualify_reason"):
        with pytest.raises(ValidationError, match="managed"):
            lead.edit(**{managed: None})


def test_field_checks() -> None:
    with pytest.raises(ValidationError) as info:
        _lead(employees=-1)
    assert info.value.field == "employees"
    with pytest.raises(ValidationError) as info:
        _lead(budget="1000")
    assert info.value.field == "budget"
    with pytest.raises(ValidationError) as info:
        _lead(created_at=datetime(2026, 1, 5))  # noqa: DTZ001 - the naive input under test
    assert info.value.field == "created_at"


@settings(max_examples=50, deadline=None)
@given(leads())
def test_only_open_leads_accept_transitions(lead: Lead) -> None:
    assert lead.is_open == (lead.status in (LeadStatus.NEW, LeadStatus.CONTACTED))
    if lead.is_open:
        assert lead.disqualify("other").status is LeadStatus.DISQUALIFIED
    else:
        with pytest.raises(InvalidTransitionError):
            lead.qualify(create_account=False)
