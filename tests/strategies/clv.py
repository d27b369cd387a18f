"""Hypothesis strategies for the public types of crmcore.clv."""

from __future__ import annotations

from datetime import date

from hypothesis import strategies as st

from crmcore.clv import CustomerSummary, Purchase
from crmcore.money import Money

__all__ = ["customer_summaries", "purchases"]


def _money(currency: str, low: int = 0, high: int = 10**7) -> st.SearchStrategy[Money]:
    return st.integers(low, high).map(lambda units: Money.from_minor_units(units, currency))


@st.composite
def customer_summaries(draw: st.DrawFn) -> CustomerSummary:
    """A valid (x, t_x, T, mean spend) summary."""
    frequency = draw(st.integers(0, 50))
    age = draw(st.floats(0.0, 200.0, allow_nan=False))
    recency = 0.0 if frequency == 0 else draw(st.floats(0.0, age, allow_nan=False))
    spend = draw(st.decimals("0", "10000", places=2)) if frequency else 0
    return CustomerSummary(
        draw(st.text("abc123", min_size=1, max_size=8)),
        frequency=frequency,
        recency=recency,
        age=age,
        monetary_value=spend,
    )


def purchases(currency: str = "USD") -> st.SearchStrategy[Purchase]:
    """A purchase in ``currency`` between 2020 and 2026."""
    return st.builds(
        Purchase,
        st.sampled_from(["a", "b", "c", "d"]),
        st.dates(date(2020, 1, 1), date(2026, 1, 1)),
        _money(currency, 1),
    )
