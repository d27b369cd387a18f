"""Chunked accumulation equals the all-at-once summaries, in any split and order."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    Purchase,
    RfmTally,
    SummaryTally,
    rfm_segments,
    summarize_transactions,
)
from crmcore.errors import CrmError, InsufficientDataError, ValidationError
from crmcore.money import Money

START = date(2025, 1, 1)

purchase = st.builds(
    Purchase,
    customer_id=st.sampled_from(["a", "b", "c", "د"]),
    on=st.integers(0, 60).map(lambda k: START + timedelta(days=k)),
    amount=st.builds(
        Money,
        st.decimals(min_value=0, max_value=10_000, places=2),
        st.just("USD"),
    ),
)


@st.composite
def split(draw: st.DrawFn, items: list[Purchase]) -> list[list[Purchase]]:
    """``items`` shuffled and cut into chunks of random sizes (empty chunks too)."""
    shuffled = draw(st.permutations(items))
    cuts = sorted(draw(st.lists(st.integers(0, len(shuffled)), max_size=6)))
    bounds = [0, *cuts, len(shuffled)]
    return [list(shuffled[i:j]) for i, j in itertools.pairwise(bounds)]


def _same_summaries(a: tuple[object, ...], b: tuple[object, ...]) -> None:
    assert a == b
    # equal Decimals can differ in exponent: compare their text too
    assert [repr(x) for x in a] == [repr(x) for x in b]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(purchase, min_size=1, max_size=25).flatmap(
        lambda items: st.tuples(st.just(items), split(items))
    ),
    st.one_of(st.none(), st.integers(0, 70).map(lambda k: START + timedelta(days=k))),
    st.sampled_from(["day", "week", "month", "year"]),
)
def test_chunks_in_any_split_and_order_equal_summarize_transactions(
    case: tuple[list[Purchase], list[list[Purchase]]], as_of: date | None, unit: str
) -> None:
    items, chunks = case
    acc = SummaryTally(as_of=as_of, unit=unit)
    for chunk in chunks:
        acc.add(chunk)
    _same_summaries(acc.result(), summarize_transactions(items, as_of=as_of, unit=unit))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(purchase, min_size=1, max_size=25).flatmap(
        lambda items: st.tuples(st.just(items), split(items))
    ),
    st.one_of(st.none(), st.integers(60, 90).map(lambda k: START + timedelta(days=k))),
)
def test_chunks_in_any_split_and_order_equal_rfm_segments(
    case: tuple[list[Purchase], list[list[Purchase]]], as_of: date | None
) -> None:
    items, chunks = case
    acc = RfmTally(as_of=as_of)
    for chunk in chunks:
        acc.add(chunk)
    _same_summaries(acc.result(), rfm_segments(items, as_of=as_of))


def _buy(customer: str, day: int, amount: str) -> Purchase:
    return Purchase(customer, START + timedelta(days=day), Money(amount, "USD"))


def test_hand_checked_summary_with_the_first_day_arriving_last() -> None:
    # Hand calculation: customer "a" bought on days 0 (10 + 5), 7 (20) and 21
    # (30 + 1; day 35 is after as_of = day 28 and is not seen). Repeat days are
    # 7 and 21: frequency 2, recency 21/7 = 3 weeks, age 28/7 = 4 weeks, mean
    # spend (20 + 31) / 2 = 25.5. The first day comes in the last chunk.
    acc = SummaryTally(as_of=START + timedelta(days=28))
    acc.add([_buy("a", 21, "30"), _buy("a", 35, "99")])
    acc.add([_buy("a", 7, "20"), _buy("a", 21, "1")])
    acc.add([])
    acc.add([_buy("a", 0, "10"), _buy("a", 0, "5")])
    (s,) = acc.result()
    assert (s.customer_id, s.frequency, s.recency, s.age) == ("a", 2, 3.0, 4.0)
    assert s.monetary_value == Decimal("25.5")


def test_hand_checked_rfm_counts_every_purchase() -> None:
    # Hand calculation: "a" bought 3 times (two on one day) for 10 + 5 + 20 = 35,
    # last on day 7, so 3 days before as_of = day 10; "b" once, 10 days before.
    acc = RfmTally(as_of=START + timedelta(days=10))
    acc.add([_buy("a", 7, "20"), _buy("b", 0, "4")])
    acc.add([_buy("a", 0, "10"), _buy("a", 0, "5")])
    a, b = acc.result()
    assert (a.recency_days, a.frequency, a.monetary.amount) == (3, 3, Decimal("35"))
    assert (b.recency_days, b.frequency, b.monetary.amount) == (10, 1, Decimal("4"))
    # quantile_scores of 2 customers: 1 + (5 * smaller values) // 2, so 3 for "a"
    # (one smaller value in each of R, F, M) and 1 for "b".
    assert (a.code, b.code) == ("333", "111")


def test_refusals_name_the_overall_index_and_field() -> None:
    acc = SummaryTally()
    acc.add([_buy("a", 0, "1"), _buy("a", 1, "1")])
    with pytest.raises(ValidationError, match=r"purchases\[2\]\.amount.*in USD"):
        acc.add([Purchase("b", START, Money("1", "EUR"))])
    with pytest.raises(ValidationError, match=r"purchases\[0\].*a Purchase"):
        acc.add(["not a purchase"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="unit"):
        SummaryTally(unit="fortnight")
    with pytest.raises(ValidationError, match="as_of"):
        SummaryTally(as_of="2025-01-01")  # type: ignore[arg-type]
    with pytest.raises(InsufficientDataError):
        SummaryTally().result()
    assert SummaryTally(as_of=START).result() == ()
    rfm = RfmTally(as_of=START)
    with pytest.raises(ValidationError, match="on or before as_of"):
        rfm.add([_buy("a", 1, "1")])
    with pytest.raises(InsufficientDataError):
        RfmTally().result()
    rfm = RfmTally()
    rfm.add([_buy("a", 1, "1")])
    with pytest.raises(CrmError):
        rfm.add([Purchase("a", START, Money("1", "EUR"))])


def _parts(chunks: list[list[Purchase]], make: object) -> list[object]:
    parts = []
    for chunk in chunks:
        part = make()  # type: ignore[operator]
        part.add(chunk)
        parts.append(part)
    return parts


@settings(max_examples=80, deadline=None)
@given(
    st.lists(purchase, min_size=1, max_size=25).flatmap(
        lambda items: st.tuples(st.just(items), split(items))
    ),
    st.one_of(st.none(), st.integers(0, 70).map(lambda k: START + timedelta(days=k))),
    st.sampled_from(["day", "week", "month"]),
)
def test_merged_summary_tallies_equal_summarize_and_change_no_part(
    case: tuple[list[Purchase], list[list[Purchase]]], as_of: date | None, unit: str
) -> None:
    items, chunks = case
    parts = _parts(chunks, lambda: SummaryTally(as_of=as_of, unit=unit))
    before = [p.result() if p._customers else None for p in parts]  # type: ignore[attr-defined]
    merged = SummaryTally(as_of=as_of, unit=unit)
    for part in parts:
        merged = merged.merge(part)  # type: ignore[arg-type]
    merged.add([])  # a merged tally keeps taking chunks
    _same_summaries(merged.result(), summarize_transactions(items, as_of=as_of, unit=unit))
    after = [p.result() if p._customers else None for p in parts]  # type: ignore[attr-defined]
    assert before == after


@settings(max_examples=80, deadline=None)
@given(
    st.lists(purchase, min_size=1, max_size=25).flatmap(
        lambda items: st.tuples(st.just(items), split(items))
    ),
    st.one_of(st.none(), st.integers(60, 90).map(lambda k: START + timedelta(days=k))),
)
def test_merged_rfm_tallies_equal_rfm_segments(
    case: tuple[list[Purchase], list[list[Purchase]]], as_of: date | None
) -> None:
    items, chunks = case
    parts = _parts(chunks, lambda: RfmTally(as_of=as_of))
    merged = RfmTally(as_of=as_of)
    for part in reversed(parts):
        merged = merged.merge(part)  # type: ignore[arg-type]
    _same_summaries(merged.result(), rfm_segments(items, as_of=as_of))


def test_merge_hand_checked_and_parts_unchanged() -> None:
    # Hand calculation: part one has "a" on days 7 (20) and 21 (30); part two has
    # "a" on days 0 (10) and 7 (5). Together: days 0, 7, 21, frequency 2, recency
    # 21/7 = 3 weeks, age 28/7 = 4 weeks, mean repeat spend (20 + 5 + 30) / 2 = 27.5.
    end = START + timedelta(days=28)
    one, two = SummaryTally(as_of=end), SummaryTally(as_of=end)
    one.add([_buy("a", 7, "20"), _buy("a", 21, "30")])
    two.add([_buy("a", 0, "10"), _buy("a", 7, "5")])
    (s,) = one.merge(two).result()
    assert (s.frequency, s.recency, s.age, s.monetary_value) == (2, 3.0, 4.0, Decimal("27.5"))
    # part one alone: days 7 and 21, one repeat day (30), recency 2 weeks, age 3 weeks
    (alone,) = one.result()
    assert (alone.frequency, alone.recency, alone.monetary_value) == (1, 2.0, Decimal("30"))


def test_merging_unlike_tallies_is_refused() -> None:
    day = START + timedelta(days=28)
    with pytest.raises(ValidationError, match="as_of"):
        SummaryTally(as_of=day).merge(SummaryTally())
    with pytest.raises(ValidationError, match="unit"):
        SummaryTally(unit="day").merge(SummaryTally(unit="week"))
    with pytest.raises(ValidationError, match="RfmTally"):
        RfmTally().merge(SummaryTally())  # type: ignore[arg-type]
    usd, eur = SummaryTally(), SummaryTally()
    usd.add([_buy("a", 0, "1")])
    eur.add([Purchase("b", START, Money("1", "EUR"))])
    with pytest.raises(ValidationError, match="USD"):
        usd.merge(eur)
