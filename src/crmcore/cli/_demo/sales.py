"""The sales section of ``crmcore demo``: a forecast and a targets table in rials (private)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcore.cli._common import table
from crmcore.models import Opportunity, OpportunityId, UserId
from crmcore.money import Money
from crmcore.sales import SalesTarget, TeamHierarchy, attainment, forecast


def _deals() -> list[Opportunity]:
    def deal(i: int, owner: str, rials: int, p: int, close: date) -> Opportunity:
        return Opportunity(
            id=OpportunityId(f"S{i}"),
            name=f"deal {i}",
            owner=UserId(owner),
            estimated_revenue=Money(rials, "IRR"),
            estimated_close_date=close,
            probability=p,
        )

    won = deal(4, "ali", 4_000_000_000, 50, date(2026, 4, 1))
    return [
        deal(1, "sara", 1_000_000_000, 20, date(2026, 4, 5)),
        deal(2, "sara", 2_000_000_000, 60, date(2026, 4, 25)),
        deal(3, "ali", 3_000_000_000, 90, date(2026, 4, 10)),
        won.win(Money(3_500_000_000, "IRR"), date(2026, 3, 25)).opportunity,
    ]


def demo_section() -> dict[str, Any]:
    """A forecast by owner over Jalali months and a spring 1405 targets table, in rials."""
    deals = _deals()
    result = forecast(deals, as_of=date(2026, 3, 20), unit="jalali_month")
    fc = [
        (
            r.label,
            r.group,
            r.open.format("fa_IR"),
            r.weighted.format("fa_IR"),
            r.won.format("fa_IR"),
        )
        for r in result.rows
    ]
    spring = {"start": date(2026, 3, 21), "end": date(2026, 6, 22), "sub_unit": "jalali_month"}
    targets = [
        SalesTarget(owner=o, metric="won_revenue", amount=a, currency="IRR", **spring)  # type: ignore[arg-type]
        for o, a in (("sara", 3_000_000_000), ("ali", 3_000_000_000))
    ]
    teams = TeamHierarchy({"sara": "tehran", "ali": "tehran"})
    rows = attainment(targets, opportunities=deals, teams=teams).rows
    tg = [
        (
            r.owner,
            r.period,
            Money(r.target, "IRR").format("fa_IR"),
            Money(r.actual, "IRR").format("fa_IR"),
            f"{r.percentage} %",
        )
        for r in rows
        if r.period == "total" or r.owner == "tehran"
    ]
    text = "\n".join(
        [
            table(fc, ["period", "owner", "open", "weighted", "won"]),
            "",
            table(tg, ["owner", "period", "target", "actual", "attained"]),
        ]
    )
    return {
        "title": "Sales forecast and targets (rials, Jalali months)",
        "text": text,
        "data": {
            "forecast": [
                dict(zip(("period", "owner", "open", "weighted", "won"), r, strict=True))
                for r in fc
            ],
            "targets": [
                dict(zip(("owner", "period", "target", "actual", "attained"), r, strict=True))
                for r in tg
            ],
        },
    }
