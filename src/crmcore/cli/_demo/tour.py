"""The CRM part of ``crmcore demo``: records and transitions on a SQLite store (private)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crmcore.calendars import format_jalali
from crmcore.models import (
    Account,
    AccountId,
    Activity,
    ActivityId,
    ActivityKind,
    Contact,
    ContactId,
    Lead,
    LeadId,
    LeadSource,
    OpportunityId,
    RecordRef,
    UserId,
)
from crmcore.money import Money
from crmcore.repositories import SqliteStore

TEHRAN = ZoneInfo("Asia/Tehran")
# A fixed clock keeps the tour reproducible: engines take `now` as a parameter.
DEMO_NOW = datetime(2026, 5, 5, 10, 30, tzinfo=TEHRAN)
OWNER = UserId("sara.karimi")


def money_fields(amount: Money) -> dict[str, str]:
    return {
        "amount": str(amount.amount),
        "currency": amount.currency,
        "en_US": amount.format("en_US"),
        "fa_IR": amount.format("fa_IR"),
        "fa_IR_toman": amount.format("fa_IR", persian_digits=True, toman=True),
    }


def crm_tour(store: SqliteStore) -> list[dict[str, Any]]:
    """Run the CRM part of the tour on ``store``; return one record per step."""
    lead = _capture_lead(store)
    return [
        _create_account(store),
        {
            "step": "lead captured at a trade show and contacted",
            "lead": lead.full_name,
            "source": lead.source.code,
            "status": lead.status.value,
        },
        _qualify(store, lead),
        _win(store),
    ]


def _create_account(store: SqliteStore) -> dict[str, Any]:
    with store.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                id=AccountId("ACC-0001"),
                name="Persepolis Foods",
                industry="food",
                city="Shiraz",
                country="IR",
                owner=OWNER,
                created_at=DEMO_NOW - timedelta(days=30),
            )
        )
        contact = uow.contacts.add(
            Contact(
                id=ContactId("CON-0001"),
                first_name="Reza",
                last_name="Tehrani",
                account_id=account.id,
                job_title="Purchasing manager",
                email="reza@persepolis.example",
                created_at=DEMO_NOW - timedelta(days=30),
            )
        )
    return {
        "step": "account and contact created",
        "account": account.name,
        "relationship": account.relationship.value,
        "contact": contact.full_name,
        "version": account.version,
    }


def _capture_lead(store: SqliteStore) -> Lead:
    with store.unit_of_work() as uow:
        lead = uow.leads.add(
            Lead(
                id=LeadId("LEAD-0001"),
                first_name="Maryam",
                last_name="Rahimi",
                company="Persepolis Foods",
                job_title="Operations director",
                source=LeadSource.TRADE_SHOW,
                campaign="Iran Food Expo 1405",
                estimated_value=Money(850_000_000, "IRR"),
                owner=OWNER,
                created_at=DEMO_NOW - timedelta(days=20),
            )
        )
        call = uow.activities.add(
            Activity(
                id=ActivityId("ACT-0001"),
                kind=ActivityKind.PHONE_CALL,
                subject="Follow-up call after the expo",
                regarding=RecordRef.to(lead.id),
                owner=OWNER,
                due_at=DEMO_NOW - timedelta(days=19),
            )
        )
        uow.activities.update(call.complete(DEMO_NOW - timedelta(days=19), duration_minutes=25))
        return uow.leads.update(lead.contact())


def _qualify(store: SqliteStore, lead: Lead) -> dict[str, Any]:
    with store.unit_of_work() as uow:
        account = uow.accounts.get(AccountId("ACC-0001"))
        qualification = lead.qualify(
            create_account=False,
            existing_account=account,
            create_contact=True,
            opportunity_name="Cold-chain CRM rollout",
            close_date=date(2026, 6, 30),
            created_at=DEMO_NOW - timedelta(days=10),
            contact_id=ContactId("CON-0002"),
            opportunity_id=OpportunityId("OPP-0001"),
        )
        new_contact, new_opportunity = qualification.contact, qualification.opportunity
        if new_contact is None or new_opportunity is None:  # both were asked for above
            raise AssertionError("qualify() did not create the records it was asked for")
        lead = uow.leads.update(qualification.lead)
        uow.contacts.add(new_contact)
        opportunity = uow.opportunities.add(new_opportunity)
    return {
        "step": "lead qualified into a contact and an opportunity of the account",
        "lead_status": lead.status.value,
        "opportunity": opportunity.name,
        "estimated_revenue": money_fields(opportunity.estimated_revenue or Money.zero("IRR")),
    }


def _win(store: SqliteStore) -> dict[str, Any]:
    close_day = date(2026, 5, 5)
    with store.unit_of_work() as uow:
        opportunity = uow.opportunities.get(OpportunityId("OPP-0001"))
        account = uow.accounts.get(AccountId("ACC-0001"))
        won = opportunity.win(Money(820_000_000, "IRR"), close_day, account=account)
        if won.account is None:  # the account was passed to win()
            raise AssertionError("win() did not return the account it was given")
        opportunity = uow.opportunities.update(won.opportunity)
        account = uow.accounts.update(won.account)

    with store.unit_of_work() as uow:
        # Read back from the file: what a second process would see.
        account = uow.accounts.get(AccountId("ACC-0001"))
        opportunity = uow.opportunities.get(OpportunityId("OPP-0001"))
        customers = uow.accounts.list(relationship="customer")
    revenue = opportunity.actual_revenue or Money.zero("IRR")
    return {
        "step": "opportunity won: the account is now a customer",
        "opportunity_status": opportunity.status.value,
        "actual_revenue": money_fields(revenue),
        "close_date": close_day.isoformat(),
        "close_date_jalali": format_jalali(close_day),
        "close_date_jalali_fa": format_jalali(close_day, persian_digits=True),
        "account_relationship": account.relationship.value,
        "account_version": account.version,
        "customers_in_store": [a.name for a in customers],
    }
