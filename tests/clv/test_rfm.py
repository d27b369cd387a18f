"""RFM segmentation: quintiles by rank, the segment grid and exact money."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import Purchase, RfmSegment, quantile_scores, rfm_segments, segment_of
from crmcore.errors import CurrencyMismatchError, InsufficientDataError, ValidationError
from crmcore.money import Money

AS_OF = date(2026, 3, 20)


def buy(customer: str, days_ago: int, amount: str, currency: str = "IRR") -> Purchase:
    return Purchase(customer, AS_OF - timedelta(days=days_ago), Money(amount, currency))


def test_five_customers_hand_checked() -> None:
    purchases = [
        buy("a", 1, "1000000"),
        buy("a", 10, "2500000"),
        buy("a", 40, "1500000"),  # a: last 1 day ago, 3 purchases, 5,000,000 IRR
        buy("b", 5, "300000"),
        buy("b", 90, "300000"),  # b: 5 days, 2 purchases, 600,000
        buy("c", 30, "10000000"),  # c: 30 days, 1, 10,000,000
        buy("d", 200, "50000"),
        buy("d", 300, "50000"),
        buy("d", 400, "50000"),
        buy("d", 500, "50000"),  # d: 200 days, 4, 200,000
        buy("e", 365, "700000"),  # e: 365 days, 1, 700,000
    ]
    scores = {s.customer_id: s for s in rfm_segments(purchases, as_of=AS_OF)}
    # n = 5: score = 1 + ⌊5·(number of worse customers)/5⌋ = 1 + rank from the bottom
    # recency (fewer days is better): e 365 < d 200 < c 30 < b 5 < a 1
    assert [scores[c].r for c in "abcde"] == [5, 4, 3, 2, 1]
    # frequency: c and e tie at 1 → both 1; b 2 → 3; a 3 → 4; d 4 → 5
    assert [scores[c].f for c in "abcde"] == [4, 3, 1, 5, 1]
    # monetary: d 200,000 < b 600,000 < e 700,000 < a 5,000,000 < c 10,000,000
    assert [scores[c].m for c in "abcde"] == [4, 2, 5, 1, 3]
    assert scores["a"].monetary == Money("5000000", "IRR")
    assert scores["a"].recency_days == 1
    assert scores["a"].frequency == 3
    assert scores["a"].segment is RfmSegment.CHAMPIONS  # R5 F4
    assert scores["d"].segment is RfmSegment.CANNOT_LOSE  # R2 F5: frequent buyer gone quiet
    assert scores["e"].segment is RfmSegment.HIBERNATING  # R1 F1
    assert scores["c"].segment is RfmSegment.ABOUT_TO_SLEEP  # R3 F1
    assert scores["a"].code == "544"


def test_segment_grid() -> None:
    grid = {(r, f): segment_of(r, f).value for r in range(1, 6) for f in range(1, 6)}
    assert grid[5, 5] == grid[5, 4] == "champions"
    assert grid[1, 5] == grid[2, 5] == "cannot_lose"
    assert grid[1, 3] == grid[2, 4] == "at_risk"
    assert grid[1, 1] == grid[2, 2] == "hibernating"
    assert grid[3, 3] == "need_attention"
    assert grid[5, 1] == "new_customer"
    assert grid[4, 1] == "promising"
    assert grid[4, 5] == grid[3, 4] == "loyal"
    assert grid[4, 2] == grid[5, 3] == "potential_loyalist"
    assert grid[3, 1] == grid[3, 2] == "about_to_sleep"
    assert set(grid.values()) == {s.value for s in RfmSegment}
    with pytest.raises(ValidationError):
        segment_of(0, 3)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=1, max_size=60))
def test_quantile_scores_are_monotone_and_tie_consistent(values: Any) -> None:
    scores = quantile_scores(values)
    assert all(1 <= s <= 5 for s in scores)
    for v1, s1 in zip(values, scores, strict=True):
        for v2, s2 in zip(values, scores, strict=True):
            if v1 < v2:
                assert s1 <= s2
            if v1 == v2:
                assert s1 == s2
    assert min(scores) == 1


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("abcdefg"), st.integers(0, 700), st.integers(1, 10**6)),
        min_size=1,
        max_size=40,
    )
)
def test_monetary_totals_are_exact(rows: Any) -> None:
    purchases = [
        Purchase(c, AS_OF - timedelta(days=d), Money.from_minor_units(u, "USD")) for c, d, u in rows
    ]
    result = rfm_segments(purchases, as_of=AS_OF)
    total = sum((s.monetary for s in result), Money("0", "USD"))
    assert total.amount == sum(Decimal(u).scaleb(-2) for _, _, u in rows)
    assert sum(s.frequency for s in result) == len(rows)


def test_bad_input() -> None:
    with pytest.raises(InsufficientDataError):
        rfm_segments([], as_of=AS_OF)
    with pytest.raises(ValidationError, match="on or before"):
        rfm_segments([buy("a", -1, "10")], as_of=AS_OF)
    with pytest.raises(CurrencyMismatchError):
        rfm_segments([buy("a", 1, "10"), buy("a", 2, "10", "USD")], as_of=AS_OF)
