"""The service-desk section of ``crmcore demo``: a value-aware queue and a billing run in rials."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crmcore.calendars import format_jalali, iran
from crmcore.models import AccountId, Case, CaseId, CasePriority
from crmcore.money import Money
from crmcore.pricing import Catalog, PriceList, PriceListItem, Product, UnitGroup
from crmcore.service import (
    BillingTerms,
    CustomerValue,
    QueuePolicy,
    TimeEntry,
    bill_support,
    rank_open_cases,
)
from crmcore.sla import Entitlement, SlaPolicy, SlaTarget

H = timedelta(hours=1)


def _queue(cal: Any) -> tuple[list[str], list[dict[str, Any]]]:
    tz = cal.timezone
    t0 = datetime(2026, 5, 2, 9, 0, tzinfo=tz)  # Saturday 12 Ordibehesht 1405
    opened = [("IR-201", "tehran-steel", 0, "high"), ("IR-202", "karaj-foods", 2, "normal"),
              ("IR-203", "tehran-steel", 3, "low")]  # fmt: skip
    cases = [
        Case.open(id=CaseId(cid), title="support request", account_id=AccountId(acc),
                  created_at=t0 + h * H, priority=CasePriority(p))
        for cid, acc, h, p in opened
    ]  # fmt: skip
    policies = [
        SlaPolicy("iran-standard", [SlaTarget("resolution", "resolution", 8 * H)], calendar="iran")
    ]
    policy = QueuePolicy(breach_weight=2, value_weight=1, priority_weight=1,
                         tier_values={"gold": 1.0}, value_cap=Decimal(5_000_000_000))  # fmt: skip
    values = {
        "IR-201": CustomerValue(tier="gold"),
        "IR-202": CustomerValue(clv=Decimal(2_500_000_000)),
    }
    now = t0 + 5 * H
    ranked = rank_open_cases(
        cases, policies, now=now, calendars={"iran": cal}, policy=policy, values=values
    )
    lines = [f"Queue at {format_jalali(now.date())} {now:%H:%M} (8 business hours to resolve):"]
    lines.extend(f"  {r.rank}. {r.case_id}: score {r.score:.4f} ({r.explain()[0]})" for r in ranked)
    data = [{"rank": r.rank, "case_id": r.case_id, "score": round(r.score, 4)} for r in ranked]
    return lines, data


def _billing(cal: Any) -> tuple[list[str], list[dict[str, Any]]]:
    tz = cal.timezone
    t0 = datetime(2026, 4, 4, 9, 0, tzinfo=tz)
    cases = [
        Case.open(id=CaseId("IR-101"), title="ERP sync", account_id=AccountId("tehran-steel"), created_at=t0),
        Case.open(id=CaseId("IR-102"), title="Report totals", account_id=AccountId("tehran-steel"), created_at=t0 + 24 * H),
    ]  # fmt: skip
    minutes = timedelta(minutes=1)
    entries = [
        TimeEntry(id="t1", case_id="IR-101", duration=100 * minutes, at=t0 + 3 * H),
        TimeEntry(id="t2", case_id="IR-102", duration=57 * minutes, at=t0 + 27 * H),
    ]
    contract = Entitlement("SLA-TS", "tehran-steel", "iran-standard", valid_from=date(2026, 3, 21),
                           included_time=2 * H)  # fmt: skip
    catalog = Catalog((Product("support-hour", "Support hour", UnitGroup("time", "hour"), "hour"),))
    prices = PriceList(
        "rates-1405",
        "IRR",
        (PriceListItem("support-hour", "hour", amount=Money(25_000_000, "IRR")),),
    )
    terms = BillingTerms(rate_product="support-hour", rounding="up")
    now = datetime(2026, 4, 20, 9, tzinfo=tz)
    first = bill_support(cases, entries, entitlements=[contract], terms=terms, catalog=catalog,
                         price_list=prices, run_id="1405-01-R1", now=now)  # fmt: skip
    second = bill_support(cases, first.entries, entitlements=[contract], terms=terms, catalog=catalog,
                          price_list=prices, run_id="1405-01-R2", now=now)  # fmt: skip
    lines = [
        "Billing run 1405-01-R1 (2 h included, 15-minute steps rounded up, 25,000,000 IRR an hour):"
    ]
    lines.extend(f"  {step}" for step in first.explain())
    lines.append(
        f"Second run over the same records: {len(second.lines)} lines (work is billed once)"
    )
    data = [{"case_id": str(x.case_id), "quantity": str(x.quantity), "amount": str(x.amount.amount)}
            for x in first.lines]  # fmt: skip
    return lines, data


def demo_section() -> dict[str, Any]:
    """A short value-aware queue and an idempotent billing run on an Iranian calendar."""
    cal = iran(thursday="half")
    queue_lines, queue_data = _queue(cal)
    bill_lines, bill_data = _billing(cal)
    return {
        "title": "Service desk: value-aware queue and billing beyond the contract (rials)",
        "text": "\n".join([*queue_lines, *bill_lines]),
        "data": {"queue": queue_data, "billing": bill_data},
    }
