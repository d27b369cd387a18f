"""FunnelTally: the funnel a part at a time; any split, added or merged, equals funnel()."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ValidationError
from crmcore.models import (
    Lead,
    LeadId,
    LeadSource,
    Opportunity,
    OpportunityId,
    SalesStage,
)
from crmcore.money import Money
from crmcore.pricing import FixedRates
from crmcore.sales import FunnelTally, funnel
from tests.sales import _funnel_before

CAL = BusinessCalendar(
    WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00"}), timezone="Asia/Tehran"
)
RATES = FixedRates("IRR", {"USD": "1000.5", "EUR": "1200"})
AS_OF = date(2026, 3, 1)
T0 = datetime(2025, 12, 1, 9, tzinfo=UTC)
SOURCES = [None, LeadSource.WEBSITE, LeadSource.REFERRAL]


@st.composite
def _deal(draw: st.DrawFn) -> Opportunity:
    """A deal with or without a stage history, maybe created or closed after AS_OF, in IRR,
    USD or EUR, from a source or a lead, lost to a competitor for a reason."""
    currency = draw(st.sampled_from(["IRR", "IRR", "USD", "EUR"]))
    money = lambda: Money(draw(st.integers(0, 10**9)), currency)  # noqa: E731
    created = T0 + timedelta(days=draw(st.integers(0, 120)), hours=draw(st.integers(0, 23)))
    offset = timezone(timedelta(hours=draw(st.sampled_from([0, 3.5, -5]))))
    fields = {
        "id": OpportunityId(f"o{draw(st.integers(0, 40))}"),
        "name": "deal",
        "estimated_revenue": draw(st.none() | st.builds(money)),
        "source": draw(st.sampled_from(SOURCES)),
        "lead_id": draw(st.sampled_from([None, LeadId("L1"), LeadId("L2"), LeadId("L9")])),
    }
    close = created.date() + timedelta(days=draw(st.integers(0, 60)))
    if draw(st.booleans()):
        opp = Opportunity.open(created_at=created.astimezone(offset), **fields)
        at = created
        for stage in draw(st.lists(st.sampled_from(list(SalesStage)), max_size=3)):
            at += timedelta(days=draw(st.integers(0, 20)), hours=draw(st.integers(0, 9)))
            opp = opp.advance(stage, at=at)
        at += timedelta(days=draw(st.integers(0, 20)))
        close = at.date()
    else:
        stage = draw(st.sampled_from(list(SalesStage)))
        opp = Opportunity(created_at=draw(st.none() | st.just(created)), stage=stage, **fields)
        at = None
    outcome = draw(st.sampled_from(["open", "won", "lost"]))
    if outcome == "won":
        opp = opp.win(money(), close, at=at).opportunity
    elif outcome == "lost":
        opp = opp.lose(
            close,
            competitor=draw(st.sampled_from([None, "Rival", "Other"])),
            reason=draw(st.sampled_from([None, "price", "fit"])),
            at=at,
        )
    return opp


LEADS = st.lists(
    st.builds(
        lambda i, s: Lead(id=LeadId(f"L{i}"), last_name="x", source=s),
        st.integers(0, 4),
        st.sampled_from([LeadSource.WEBSITE, LeadSource.REFERRAL, LeadSource("fair")]),
    ),
    max_size=6,
)
OPTIONS = [
    {},
    {"calendar": CAL},
    {"currency": "IRR", "rates": RATES},
    {"rates": RATES, "calendar": CAL},
]


def _outcome(run: object) -> object:
    """The funnel, or the refusal's message (mixed currencies without rates)."""
    try:
        return run()  # type: ignore[operator]
    except ValidationError as err:
        return str(err)


@settings(max_examples=60, deadline=None)
@given(
    data=st.data(),
    deals=st.lists(_deal(), max_size=14),
    leads=LEADS,
    index=st.integers(0, len(OPTIONS) - 1),
)
def test_any_split_added_or_merged_equals_the_one_shot_funnel(
    data: st.DataObject, deals: list[Opportunity], leads: list[Lead], index: int
) -> None:
    options = OPTIONS[index]
    cuts = data.draw(st.lists(st.integers(0, len(deals)), max_size=3).map(sorted))
    bounds = [0, *cuts, len(deals)]
    parts = []
    sequential = FunnelTally(as_of=AS_OF, **options)  # type: ignore[arg-type]
    for low, high in itertools.pairwise(bounds):
        part = FunnelTally(as_of=AS_OF, **options)  # type: ignore[arg-type]
        part.add(deals[low:high])
        sequential.add(deals[low:high])
        parts.append(part)
    leads_cut = data.draw(st.integers(0, len(leads)))
    parts[0].add_leads(leads[:leads_cut])
    parts[-1].add_leads(leads[leads_cut:])
    sequential.add_leads(leads)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    # the oracle: funnel() as it was, every deal held at once (a frozen copy)
    before = _outcome(lambda: _funnel_before.funnel(deals, as_of=AS_OF, leads=leads, **options))
    assert _outcome(lambda: funnel(deals, as_of=AS_OF, leads=leads, **options)) == before
    assert _outcome(merged.result) == before
    assert _outcome(sequential.result) == before


def test_merge_leaves_both_parts_as_they_were() -> None:
    deals = [
        Opportunity(id=OpportunityId("a"), name="x", estimated_revenue=Money(100, "IRR")),
        Opportunity(id=OpportunityId("b"), name="x", estimated_revenue=Money(300, "IRR")),
    ]
    first, second = FunnelTally(as_of=AS_OF), FunnelTally(as_of=AS_OF)
    first.add(deals[:1])
    second.add(deals[1:])
    both = first.merge(second).result()
    # open pipeline in qualify: 100 + 300 = 400 IRR over 2 deals
    assert (both.stages[0].count, str(both.stages[0].value)) == (2, "400 IRR")
    assert first.result() == funnel(deals[:1], as_of=AS_OF)
    assert second.result() == funnel(deals[1:], as_of=AS_OF)


def test_the_smallest_id_names_the_currency_whatever_the_order() -> None:
    # "b" (USD) is added first, "a" (EUR) later: "a" sorts first, so the report is in EUR
    # and b's USD amount needs rates - without them b is refused, by name.
    b = Opportunity(id=OpportunityId("b"), name="x", estimated_revenue=Money(5, "USD"))
    a = Opportunity(id=OpportunityId("a"), name="x", estimated_revenue=Money(7, "EUR"))
    tally = FunnelTally(as_of=AS_OF)
    tally.add([b])
    assert tally.reporting_currency() == "USD"
    tally.add([a])
    with pytest.raises(ValidationError, match=r"b\.estimated_revenue"):
        tally.result()
    # EUR → IRR at 1200, USD → IRR at 1000.5: 7 × 1200 + 5 × 1000.5 = 13,402.5 IRR
    rated = FunnelTally(as_of=AS_OF, currency="IRR", rates=RATES)
    rated.add([b, a])
    assert str(rated.result().stages[0].value) == "13402 IRR"  # half-even to whole rials


def test_a_lead_added_after_its_deal_still_names_the_source() -> None:
    deal = Opportunity(id=OpportunityId("o1"), name="x", lead_id=LeadId("L1"))
    tally = FunnelTally(as_of=AS_OF)
    tally.add([deal])
    tally.add_leads([Lead(id=LeadId("L1"), last_name="x", source=LeadSource.REFERRAL)])
    (row,) = tally.result().by_source
    # one referral lead, one deal from it: lead → opportunity 1/1
    assert (row.source, row.leads, row.opportunities, row.lead_to_opportunity) == (
        "referral",
        1,
        1,
        1,
    )


def test_merge_refuses_other_settings() -> None:
    with pytest.raises(ValidationError, match="same settings"):
        FunnelTally(as_of=AS_OF).merge(FunnelTally(as_of=date(2026, 1, 1)))
    with pytest.raises(ValidationError, match="same settings"):
        FunnelTally(as_of=AS_OF).merge("x")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="BusinessCalendar"):
        FunnelTally(as_of=AS_OF, calendar="24x7")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="leads"):
        FunnelTally(as_of=AS_OF).add_leads(["x"])  # type: ignore[list-item]
