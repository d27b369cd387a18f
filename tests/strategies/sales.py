"""Strategies for the sales engine: pipelines of opportunities in one currency."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from crmcore.models import Opportunity, OpportunityId, SalesStage, UserId
from crmcore.money import Money

OWNERS = ("sara", "ali", "reza", "neda")
TEAMS = {
    "sara": "north",
    "ali": "north",
    "reza": "south",
    "neda": "south",
    "north": "iran",
    "south": "iran",
}
T0 = datetime(2025, 1, 1, tzinfo=UTC)


@st.composite
def pipeline_opportunities(draw: st.DrawFn, index: int = 0) -> Opportunity:
    """An open, won or lost opportunity in IRR with an owner from OWNERS."""
    created = T0 + timedelta(days=draw(st.integers(0, 300)))
    close = created.date() + timedelta(days=draw(st.integers(0, 400)))
    opp = Opportunity(
        id=OpportunityId(f"o{index}"),
        name="deal",
        owner=UserId(draw(st.sampled_from(OWNERS))),
        stage=draw(st.sampled_from(SalesStage)),
        estimated_revenue=Money(draw(st.integers(0, 10**12)), "IRR"),
        estimated_close_date=close,
        probability=draw(st.integers(0, 100)),
        created_at=created,
        custom=draw(
            st.sampled_from(
                [{}, {}, {"forecast_category": "committed"}, {"forecast_category": "omitted"}]
            )
        ),
    )
    outcome = draw(st.sampled_from(["open", "open", "won", "lost"]))
    if outcome == "won":
        actual = Money(draw(st.integers(0, 10**12)), "IRR")
        opp = opp.win(actual, close).opportunity
    elif outcome == "lost":
        opp = opp.lose(close, competitor=draw(st.sampled_from(["Rival", "Other", None])))
    return opp


@st.composite
def pipelines(draw: st.DrawFn, max_size: int = 25) -> list[Opportunity]:
    """A list of opportunities with distinct ids."""
    size = draw(st.integers(0, max_size))
    return [draw(pipeline_opportunities(i)) for i in range(size)]


def as_of() -> st.SearchStrategy[date]:
    """A cut-off after every generated creation date."""
    return st.just(date(2026, 1, 1))
