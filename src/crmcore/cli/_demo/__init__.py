"""``crmcore demo``: an end-to-end tour on a temporary SQLite store (private).

The tour creates an account and a contact, captures a lead at a trade show,
qualifies it, wins the opportunity and shows the account becoming a customer,
every step saved through a unit of work on a temporary SQLite file; then each
engine adds its own section (a priced quote, an SLA deadline, a ranked lead
list, an ROI plan and CLV table).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crmcore.calendars import format_jalali
from crmcore.cli import _roi, _scoring, _sla
from crmcore.cli._common import Subparsers, write_json
from crmcore.cli._demo import pricing as _pricing
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


def register(subparsers: Subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser(
        "demo",
        help="an end-to-end tour on a temporary SQLite store",
        description="An end-to-end tour of crmcore on a temporary SQLite store.",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(handler=run)


def _money(amount: Money) -> dict[str, str]:
    return {
        "amount": str(amount.amount),
        "currency": amount.currency,
        "en_US": amount.format("en_US"),
        "fa_IR": amount.format("fa_IR"),
        "fa_IR_toman": amount.format("fa_IR", persian_digits=True, toman=True),
    }


def crm_tour(store: SqliteStore) -> list[dict[str, Any]]:
    """Run the CRM part of the tour on ``store``; return one record per step."""
    steps: list[dict[str, Any]] = []
    owner = UserId("sara.karimi")

    with store.unit_of_work() as uow:
        account = uow.accounts.add(
            Account(
                id=AccountId("ACC-0001"),
                name="Persepolis Foods",
                industry="food",
                city="Shiraz",
                country="IR",
                owner=owner,
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
    steps.append(
        {
            "step": "account and contact created",
            "account": account.name,
            "relationship": account.relationship.value,
            "contact": contact.full_name,
            "version": account.version,
        }
    )

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
                owner=owner,
                created_at=DEMO_NOW - timedelta(days=20),
            )
        )
        call = uow.activities.add(
            Activity(
                id=ActivityId("ACT-0001"),
                kind=ActivityKind.PHONE_CALL,
                subject="Follow-up call after the expo",
                regarding=RecordRef.to(lead.id),
                owner=owner,
                due_at=DEMO_NOW - timedelta(days=19),
            )
        )
        uow.activities.update(call.complete(DEMO_NOW - timedelta(days=19), duration_minutes=25))
        lead = uow.leads.update(lead.contact())
    steps.append(
        {
            "step": "lead captured at a trade show and contacted",
            "lead": lead.full_name,
            "source": lead.source.code,
            "status": lead.status.value,
        }
    )

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
    steps.append(
        {
            "step": "lead qualified into a contact and an opportunity of the account",
            "lead_status": lead.status.value,
            "opportunity": opportunity.name,
            "estimated_revenue": _money(opportunity.estimated_revenue or Money.zero("IRR")),
        }
    )

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
    steps.append(
        {
            "step": "opportunity won: the account is now a customer",
            "opportunity_status": opportunity.status.value,
            "actual_revenue": _money(revenue),
            "close_date": close_day.isoformat(),
            "close_date_jalali": format_jalali(close_day),
            "close_date_jalali_fa": format_jalali(close_day, persian_digits=True),
            "account_relationship": account.relationship.value,
            "account_version": account.version,
            "customers_in_store": [a.name for a in customers],
        }
    )
    return steps


def _engine_sections() -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for module in (_pricing, _sla, _scoring, _roi):
        section: Callable[[], dict[str, Any]] | None = getattr(module, "demo_section", None)
        if section is not None:
            sections.append(section())
    return sections


def _render_step(step: dict[str, Any]) -> list[str]:
    lines = [f"* {step['step']}"]
    for key, value in step.items():
        if key == "step":
            continue
        shown = value
        if isinstance(value, dict) and "en_US" in value:
            shown = f"{value['en_US']}  |  {value['fa_IR']}  |  {value['fa_IR_toman']}"
        lines.append(f"    {key.replace('_', ' ')}: {shown}")
    return lines


def run(args: argparse.Namespace) -> int:
    """Run the tour on a temporary SQLite file and print it."""
    with tempfile.TemporaryDirectory(prefix="crmcore-demo-") as folder:
        path = Path(folder) / "crm.sqlite3"
        with SqliteStore(path) as store:
            steps = crm_tour(store)
    sections = _engine_sections()
    if args.json:
        write_json({"store": "sqlite (temporary file)", "steps": steps, "sections": sections})
        return 0
    lines = ["crmcore demo: a CRM tour on a temporary SQLite store", ""]
    for step in steps:
        lines.extend(_render_step(step))
    for section in sections:
        lines.extend(["", f"== {section['title']}", section["text"]])
    print("\n".join(lines))
    return 0
