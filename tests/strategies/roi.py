"""Hypothesis strategies for the public types of crmcore.roi."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import strategies as st

from crmcore.calendars import PeriodUnit
from crmcore.models import LeadSource
from crmcore.money import Money
from crmcore.roi import (
    BenefitStream,
    CostCategory,
    CostItem,
    RoiPlan,
    Touch,
    periods,
)

__all__ = [
    "benefit_streams",
    "cost_items",
    "roi_plans",
    "touches",
]


def _money(currency: str, low: int = 0, high: int = 10**7) -> st.SearchStrategy[Money]:
    return st.integers(low, high).map(lambda units: Money.from_minor_units(units, currency))


def touches() -> st.SearchStrategy[Touch]:
    """A marketing touch at an aware UTC time."""
    return st.builds(
        Touch,
        st.sampled_from(LeadSource.STANDARD),
        # hypothesis takes naive bounds and attaches the timezone itself
        st.datetimes(
            datetime(2024, 1, 1),  # noqa: DTZ001
            datetime(2026, 1, 1),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
    )


def cost_items(currency: str = "USD", horizon: int = 3) -> st.SearchStrategy[CostItem]:
    """A one-off or recurring cost within ``horizon`` periods."""
    return st.builds(
        CostItem,
        st.sampled_from(list(CostCategory)),
        _money(currency),
        recurring=st.booleans(),
        first_period=st.integers(0, horizon - 1),
        escalation=st.decimals("0", "0.5", places=2),
    )


def benefit_streams(currency: str = "USD", horizon: int = 3) -> st.SearchStrategy[BenefitStream]:
    """A benefit stream with one value per period."""
    return st.builds(
        BenefitStream,
        st.sampled_from(["revenue", "hours saved", "retention"]),
        _money(currency),
        st.lists(_money(currency), min_size=horizon, max_size=horizon).map(tuple),
    )


@st.composite
def roi_plans(draw: st.DrawFn, currency: str = "USD") -> RoiPlan:
    """A small plan over 1-4 Gregorian or Jalali periods."""
    horizon = draw(st.integers(1, 4))
    kind = draw(st.sampled_from(list(PeriodUnit)))
    first = draw(st.dates(date(2020, 1, 1), date(2030, 1, 1)))
    return RoiPlan(
        name="plan",
        currency=currency,
        periods=periods(kind, first, horizon),
        costs=draw(st.lists(cost_items(currency, horizon), max_size=5)),
        benefits=draw(st.lists(benefit_streams(currency, horizon), max_size=3)),
        discount_rate=draw(st.decimals("0", "0.5", places=3)),
    )
