"""Funnel as of a date: a hand-checked five-deal example on a Mon-Fri calendar, properties."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from hypothesis import given, settings

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.models import Lead, LeadId, LeadSource, Opportunity, OpportunityId, SalesStage
from crmcore.money import Money
from crmcore.sales import funnel
from tests.strategies.sales import pipelines

CAL = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}))
USD = lambda v: Money(v, "USD")  # noqa: E731


def _t(day: int, month: int = 1) -> datetime:
    return datetime(2026, month, day, 10, 0, tzinfo=UTC)


def deals() -> list[Opportunity]:
    """January 2026: Monday the 5th, 12th, 19th, 26th."""
    a = Opportunity.open(
        id=OpportunityId("A"), name="A", created_at=_t(5), estimated_revenue=USD(1200)
    )
    a = a.advance("develop", at=_t(12)).advance("propose", at=_t(19))
    a = a.win(USD(1000), date(2026, 1, 23), at=_t(23)).opportunity
    b = Opportunity.open(
        id=OpportunityId("B"), name="B", created_at=_t(5), estimated_revenue=USD(3000)
    )
    b = b.advance("develop", at=_t(9)).lose(
        date(2026, 1, 16), competitor="Rival", reason="price", at=_t(16)
    )
    c = Opportunity(
        id=OpportunityId("C"),
        name="C",
        stage=SalesStage.PROPOSE,
        created_at=_t(10),
        estimated_revenue=USD(2000),
    )
    d = Opportunity(id=OpportunityId("D"), name="D", created_at=_t(2), estimated_revenue=USD(600))
    d = d.win(USD(500), date(2026, 1, 30)).opportunity
    e = Opportunity(
        id=OpportunityId("E"),
        name="E",
        created_at=_t(20),
        estimated_revenue=USD(1000),
        source=LeadSource.WEBSITE,
    )
    return [a, b, c, d, e]


LEADS = [
    Lead(id=LeadId("L1"), last_name="x", source=LeadSource.WEBSITE),
    Lead(id=LeadId("L2"), last_name="y", source=LeadSource.WEBSITE),
    Lead(id=LeadId("L3"), last_name="z", source=LeadSource.REFERRAL),
]


def test_funnel_by_hand() -> None:
    f = funnel(deals(), as_of=date(2026, 1, 31), calendar=CAL, leads=LEADS)
    # Won A (1000) and D (500), lost B (3000 estimated): win rate 2/3, by value
    # 1500 / 4500, average deal 1500 / 2 = 750.
    assert (f.won, f.lost, f.open) == (2, 1, 2)
    assert (f.win_rate, f.win_rate_by_value, f.average_deal_size) == (
        Decimal("0.6667"),
        Decimal("0.3333"),
        USD(750),
    )
    # Open: E in qualify (1000), C in propose (2000).
    assert [(s.stage.value, s.count, s.value) for s in f.stages] == [
        ("qualify", 1, USD(1000)),
        ("develop", 0, USD(0)),
        ("propose", 1, USD(2000)),
        ("close", 0, USD(0)),
    ]
    # Reached: qualify all 5; develop A, B, C, D; propose A, C, D; close A, D; won A, D.
    assert [(c.reached, c.advanced, c.rate) for c in f.conversions] == [
        (5, 4, Decimal("0.8")),
        (4, 3, Decimal("0.75")),
        (3, 2, Decimal("0.6667")),
        (2, 2, Decimal("1")),
    ]
    # Time in qualify: A 5 → 12 Jan (7 days, 5 working), B 5 → 9 Jan (4 days, Mon-Thu 4).
    qualify, develop, propose, close = f.time_in_stage
    assert (qualify.stays, qualify.mean_days, qualify.median_days) == (
        2,
        Decimal("5.50"),
        Decimal("5.50"),
    )
    assert qualify.mean_business_days == Decimal("4.50")
    # Develop: A 12 → 19 (7 / 5), B 9 → 16 (7 / Fri + Mon-Thu = 5). Propose: A 19 → 23 (4 / 4).
    assert (develop.mean_days, develop.mean_business_days) == (Decimal("7.00"), Decimal("5.00"))
    assert (propose.stays, propose.mean_days, close.stays) == (1, Decimal("4.00"), 0)
    # Cycle: A 5 → 23 Jan = 18 days, 14 working; D 2 → 30 Jan = 28 days, 1 + 5 + 5 + 5 + 4 = 20.
    assert (f.cycle.mean_days, f.cycle.mean_business_days) == (Decimal("23.00"), Decimal("17.00"))
    # Velocity = 2 open × 0.6667 × 750 / 23 = 1000.05 / 23 = 43.48 per day; / 17 = 58.83.
    assert (f.velocity, f.velocity_per_business_day) == (USD("43.48"), USD("58.83"))
    assert [(x.key, x.count, x.value) for x in f.lost_by_competitor] == [("Rival", 1, USD(3000))]
    assert [x.key for x in f.lost_by_reason] == ["price"]
    assert [
        (s.source, s.leads, s.opportunities, s.won, s.lead_to_opportunity) for s in f.by_source
    ] == [
        ("(none)", 0, 4, 2, None),
        ("referral", 1, 0, 0, Decimal("0")),
        ("website", 2, 1, 0, Decimal("0.5")),
    ]
    assert "velocity" in f.explain()[-1]


def test_nothing_after_as_of_is_seen() -> None:
    f = funnel(deals(), as_of=date(2026, 1, 15), calendar=CAL)
    # E is created on the 20th; A and B are in develop; D closes on the 30th: still open.
    assert (f.won, f.lost, f.open) == (0, 0, 4)
    # D has no history: it counts in its last known stage (close, where win() put it).
    assert [s.count for s in f.stages] == [0, 2, 1, 1]


@settings(max_examples=30)
@given(pipelines())
def test_funnel_properties(opps: list[Opportunity]) -> None:
    f = funnel(opps, as_of=date(2026, 1, 1), calendar=CAL)
    for d in (*f.time_in_stage, f.cycle):
        if d.mean_days is not None and d.mean_business_days is not None:
            assert d.mean_business_days <= d.mean_days
    assert f.won + f.lost + f.open == len(opps)
    assert funnel(list(reversed(opps)), as_of=date(2026, 1, 1), calendar=CAL) == f
