"""The SLA section of ``crmcore demo``: an Iranian case on a business calendar (private)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from crmcore.calendars import format_jalali, iran
from crmcore.models import AccountId, Case, CaseId, CaseStatus
from crmcore.sla import SlaPolicy, SlaTarget, evaluate


def demo_section() -> dict[str, Any]:
    """An Iranian case opened before Nowruz, paused while waiting for the customer.

    Calendar: Saturday-Wednesday 08:00-16:00, Thursday half day (08:00-12:00),
    Friday off, Iranian holidays. The deadlines are shown in Jalali and Gregorian.
    """
    cal = iran(thursday="half")
    tz = cal.timezone
    hours = timedelta(hours=1)
    policy = SlaPolicy(
        "iran-standard",
        [
            SlaTarget("first_response", "first_response", 4 * hours),
            SlaTarget("resolution", "resolution", 30 * hours),
        ],
        calendar="iran",
    )
    # Wednesday 22 Esfand 1403 (2025-03-12) 14:00.
    case = Case.open(
        id=CaseId("IR-1403-118"),
        title="Invoice printer offline",
        account_id=AccountId("tehran-steel"),
        created_at=datetime(2025, 3, 12, 14, tzinfo=tz),
    )
    case = case.respond(datetime(2025, 3, 12, 15, tzinfo=tz))
    case = case.change_status(CaseStatus.WAITING_FOR_CUSTOMER, datetime(2025, 3, 13, 9, tzinfo=tz))
    case = case.change_status(CaseStatus.IN_PROGRESS, datetime(2025, 3, 16, 11, tzinfo=tz))
    now = datetime(2025, 3, 16, 12, tzinfo=tz)
    result = evaluate(case, [policy], now=now, calendars={"iran": cal})
    lines = [
        f"Case {case.id}: created {format_jalali(case.created_at.date())} "
        f"({case.created_at.isoformat()}), Thursday half day, Nowruz ahead",
    ]
    data = []
    for kpi in result.kpis:
        breach = kpi.breach_at
        lines.append(
            f"  {kpi.name}: {kpi.state.value}; elapsed {kpi.elapsed}, paused {kpi.paused}; "
            + (
                f"deadline {format_jalali(breach.date())} {breach:%H:%M} ({breach.isoformat()})"
                if breach
                else f"met at {kpi.completed_at.isoformat() if kpi.completed_at else '-'}"
            )
        )
        data.append(
            {
                "kpi": kpi.name,
                "state": kpi.state.value,
                "elapsed_seconds": int(kpi.elapsed.total_seconds()),
                "paused_seconds": int(kpi.paused.total_seconds()),
                "deadline": breach.isoformat() if breach else None,
                "deadline_jalali": format_jalali(breach.date()) if breach else None,
            }
        )
    closed = [
        cal.describe_day(d)
        for d in sorted(cal.holidays_between(date(2025, 3, 13), date(2025, 3, 25)))
    ]
    lines.append("  closed days on the way: " + "; ".join(closed))
    return {"title": "SLA on an Iranian business calendar", "text": "\n".join(lines), "data": data}
