"""Sample records of every aggregate for the contract suite (private)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import attrs

from crmcore.models import (
    Account,
    AccountId,
    Activity,
    ActivityId,
    ActivityKind,
    Case,
    CaseChannel,
    CaseId,
    CasePriority,
    Contact,
    ContactId,
    Lead,
    LeadId,
    LeadSource,
    Opportunity,
    OpportunityId,
    RecordRef,
    SalesStage,
    UserId,
)
from crmcore.money import Money

# Tehran standard time: a non-UTC offset checks that stores keep the instant.
_TEHRAN = timezone(timedelta(hours=3, minutes=30))
T0 = datetime(2026, 3, 21, 9, 30, tzinfo=_TEHRAN)
"""1 Farvardin 1405, 09:30 Tehran: the time every sample is created at."""


@attrs.frozen
class Sample:
    """How the contract suite exercises one aggregate."""

    name: str
    """The unit-of-work attribute (``"leads"``)."""
    make: Callable[[int], Any]
    """A new record (version 0) numbered ``n``; ids sort in ``n`` order."""
    change: Callable[[Any], Any]
    """The record with a visible change, for update tests."""
    criterion: str
    """A field to list by; odd ``n`` have ``odd_value``, even ``n`` another value."""
    odd_value: object


def _account(n: int) -> Account:
    return Account(
        id=AccountId(f"A{n:04d}"),
        name=f"شرکت فولاد {n}" if n % 3 == 0 else f"Acme Trading {n}",
        tier="gold" if n % 2 else "silver",
        country="IR",
        owner=UserId("u-sara"),
        created_at=T0,
        custom={"erp_code": f"E-{n}"},
    )


def _contact(n: int) -> Contact:
    return Contact(
        id=ContactId(f"C{n:04d}"),
        first_name="Sara",
        last_name=f"Ahmadi {n}",
        account_id=AccountId("A0001") if n % 2 else None,
        email=f"sara{n}@example.com",
        created_at=T0,
    )


def _lead(n: int) -> Lead:
    return Lead(
        id=LeadId(f"L{n:04d}"),
        first_name="Reza",
        last_name=f"Tehrani {n}",
        company=f"Pars Tile {n}",
        employees=n,
        estimated_value=Money("1500.50", "USD"),
        source=LeadSource.TRADE_SHOW if n % 2 else LeadSource("podcast"),
        created_at=T0,
    )


def _opportunity(n: int) -> Opportunity:
    stage = SalesStage.DEVELOP if n % 2 else SalesStage.QUALIFY
    fields: dict[str, Any] = {
        "id": OpportunityId(f"O{n:04d}"),
        "name": f"{n} licences",
        "account_id": AccountId("A0001"),
        "estimated_revenue": Money(400_000_000, "IRR"),
        "estimated_close_date": date(2026, 9, 1),
        "probability": n % 101,
        "created_at": T0,
    }
    if n % 3:
        return Opportunity(stage=stage, **fields)
    # Every third sample keeps a stage history (created, then moved a day later).
    opened = Opportunity.open(stage=SalesStage.QUALIFY, **fields)
    return opened.advance(stage, at=T0 + timedelta(days=1))


def _change_opportunity(opp: Opportunity) -> Opportunity:
    at = T0 + timedelta(days=30) if opp.stage_history else None
    return opp.advance(SalesStage.PROPOSE, at=at)


def _activity(n: int) -> Activity:
    return Activity(
        id=ActivityId(f"T{n:04d}"),
        kind=ActivityKind.PHONE_CALL if n % 2 else ActivityKind.EMAIL,
        subject=f"Follow-up {n}",
        regarding=RecordRef.to(LeadId("L0001")),
        due_at=T0 + timedelta(days=n),
        duration_minutes=15,
    )


def _case(n: int) -> Case:
    return Case.open(
        id=CaseId(f"K{n:04d}"),
        title=f"Printer {n} down",
        account_id=AccountId("A0001"),
        channel=CaseChannel.PHONE,
        priority=CasePriority.HIGH if n % 2 else CasePriority.LOW,
        created_at=T0,
    )


SAMPLES: tuple[Sample, ...] = (
    Sample("accounts", _account, lambda a: a.edit(name=a.name + " (renamed)"), "tier", "gold"),
    Sample("contacts", _contact, lambda c: c.edit(job_title="CTO"), "account_id", "A0001"),
    Sample("leads", _lead, lambda x: x.contact(), "source", LeadSource.TRADE_SHOW),
    Sample(
        "opportunities",
        _opportunity,
        _change_opportunity,
        "stage",
        SalesStage.DEVELOP,
    ),
    Sample(
        "activities",
        _activity,
        lambda t: t.complete(T0 + timedelta(hours=1), duration_minutes=20),
        "kind",
        ActivityKind.PHONE_CALL,
    ),
    Sample("cases", _case, lambda k: k.respond(T0 + timedelta(minutes=30)), "priority", "high"),
)


def sample_opportunity_with_history() -> Opportunity:
    """An opportunity won, reopened and lost: every stage event kind, two time zones."""
    utc = UTC
    opp = Opportunity.open(
        id=OpportunityId("OH01"),
        name="History",
        created_at=T0,
        estimated_revenue=Money(900_000_000, "IRR"),
    )
    opp = opp.advance(SalesStage.PROPOSE, at=datetime(2026, 4, 1, 8, 0, tzinfo=utc))
    won = opp.win(Money(850_000_000, "IRR"), date(2026, 4, 10), at=T0 + timedelta(days=20))
    reopened = won.opportunity.reopen(at=datetime(2026, 4, 12, 6, 0, tzinfo=utc))
    return reopened.lose(
        date(2026, 5, 1), reason="price", competitor="Rival", at=T0 + timedelta(days=41)
    )
