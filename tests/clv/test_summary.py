"""Transactions → (x, t_x, T, mean spend), checked against the published CDNOW summary."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    CustomerSummary,
    Purchase,
    TimeUnit,
    calibration_holdout,
    summarize_transactions,
)
from crmcore.errors import ValidationError
from crmcore.money import Money
from tests.clv.conftest import SAMPLE, load_sample_transactions, load_summary

needs_sample = pytest.mark.skipif(not SAMPLE.exists(), reason="CDNOW data not available")


@needs_sample
def test_cdnow_sample_reproduces_the_published_summary() -> None:
    # The summary file is the 1/10th sample summarised over the 39-week calibration
    # period ending 1997-09-30 (data README): fractional weeks, repeat-purchase means.
    summaries = summarize_transactions(
        load_sample_transactions(), as_of=date(1997, 9, 30), unit="week"
    )
    ours = {s.customer_id: s for s in summaries}
    published = load_summary()
    assert len(ours) == len(published) == 2357
    for row in published:
        mine = ours[row.customer_id]
        assert mine.frequency == row.frequency, row.customer_id
        assert abs(mine.recency - row.recency) <= 0.005 + 1e-9, row.customer_id
        assert abs(mine.age - row.age) <= 0.005 + 1e-9, row.customer_id
        assert abs(mine.monetary_value - row.monetary_value) <= Decimal("0.005"), row.customer_id


@needs_sample
def test_cdnow_calibration_holdout_split() -> None:
    split = calibration_holdout(
        load_sample_transactions(),
        calibration_end=date(1997, 9, 30),
        as_of=date(1998, 6, 30),
    )
    assert len(split) == 2357  # every customer's first purchase is in Q1 1997
    assert split[0].holdout_duration == pytest.approx(273 / 7)  # 1997-09-30 → 1998-06-30
    first = {s.calibration.customer_id: s for s in split}["1"]
    # customer 1 bought on 1997-12-12 in the holdout period (CDNOW_sample.txt)
    assert first.holdout_frequency == 1
    assert first.holdout_monetary_value == Decimal("26.48")
    assert first.calibration.frequency == 2


def _tx(customer: str, day: date, amount: str) -> Purchase:
    return Purchase(customer, day, Money(amount, "USD"))


def test_same_day_purchases_count_once_and_add_up() -> None:
    txs = [
        _tx("a", date(2025, 1, 1), "10"),
        _tx("a", date(2025, 1, 1), "5"),  # same day as the first: still the first purchase
        _tx("a", date(2025, 1, 15), "20"),
        _tx("a", date(2025, 1, 15), "4"),
        _tx("a", date(2025, 1, 29), "30"),
    ]
    (s,) = summarize_transactions(txs, as_of=date(2025, 2, 12))
    assert s.frequency == 2
    assert s.recency == 4.0  # 28 days
    assert s.age == 6.0  # 42 days
    assert s.monetary_value == Decimal(27)  # (24 + 30) / 2
    (daily,) = summarize_transactions(txs, as_of=date(2025, 2, 12), unit=TimeUnit.DAY)
    assert (daily.recency, daily.age) == (28.0, 42.0)


def test_fractional_periods_not_rounded() -> None:
    txs = [_tx("a", date(2025, 1, 1), "1"), _tx("a", date(2025, 1, 11), "1")]
    (s,) = summarize_transactions(txs, as_of=date(2025, 1, 20))
    assert s.recency == 10 / 7
    assert s.age == 19 / 7


def test_transactions_after_the_end_are_ignored_and_no_repeat_means_zero() -> None:
    txs = [_tx("b", date(2025, 1, 1), "9"), _tx("b", date(2025, 3, 1), "9")]
    (s,) = summarize_transactions(txs, as_of=date(2025, 1, 31))
    assert (s.frequency, s.recency, s.monetary_value) == (0, 0.0, Decimal(0))


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 400), min_size=1, max_size=30))
def test_summary_invariants(offsets: list[int]) -> None:
    start = date(2024, 1, 1)
    txs = [_tx("c", date.fromordinal(start.toordinal() + d), "1") for d in offsets]
    (s,) = summarize_transactions(txs, as_of=date(2025, 3, 1))
    assert s.frequency == len(set(offsets)) - 1
    assert 0 <= s.recency <= s.age
    assert s.recency * 7 == pytest.approx(max(offsets) - min(offsets))


def test_bad_summaries_are_refused() -> None:
    with pytest.raises(ValidationError, match="frequency"):
        CustomerSummary("a", frequency=-1, recency=0, age=1)
    with pytest.raises(ValidationError, match="recency"):
        CustomerSummary("a", frequency=1, recency=5, age=4)  # recency > T
    with pytest.raises(ValidationError, match="recency"):
        CustomerSummary("a", frequency=0, recency=1, age=4)
    with pytest.raises(ValidationError, match="age"):
        CustomerSummary("a", frequency=0, recency=0, age=-1)
    with pytest.raises(ValidationError, match="monetary_value"):
        CustomerSummary("a", frequency=1, recency=0, age=1, monetary_value="-3")
    with pytest.raises(ValidationError, match="unit"):
        summarize_transactions([], as_of=date(2025, 1, 1), unit="fortnight")
    with pytest.raises(ValidationError, match=r"purchases\[1\]\.amount"):
        summarize_transactions(
            [_tx("a", date(2025, 1, 1), "1"), Purchase("a", date(2025, 1, 2), Money(1, "EUR"))],
            as_of=date(2025, 1, 3),
        )
    with pytest.raises(ValidationError, match="as_of"):
        calibration_holdout([], calibration_end=date(2025, 1, 2), as_of=date(2025, 1, 1))
