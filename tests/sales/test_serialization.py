"""The sales records read from files round-trip through crmcore.serialization."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.models import SalesStage, StageEventKind
from crmcore.sales import ProbabilitySnapshot, SalesTarget, StageChange
from crmcore.serialization import from_dict, to_dict
from tests.strategies.core import opportunity_ids


def targets() -> st.SearchStrategy[SalesTarget]:
    start = date(2026, 3, 21)
    return st.builds(
        SalesTarget,
        owner=st.sampled_from(["sara", "ali"]),
        metric=st.sampled_from(["won_count", "new_customers", "activities"]),
        amount=st.integers(0, 10**9),
        start=st.just(start),
        end=st.just(date(2027, 3, 21)),
        sub_unit=st.sampled_from([None, "jalali_season"]),
        stretch=st.none() | st.integers(0, 10**9),
    )


def changes() -> st.SearchStrategy[StageChange]:
    return st.builds(
        StageChange,
        opportunity_id=opportunity_ids(),
        at=st.integers(0, 10**6).map(
            lambda m: datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=m)
        ),
        kind=st.sampled_from([k for k in StageEventKind if k is not StageEventKind.WON]),
        stage=st.sampled_from(SalesStage),
    )


def snapshots() -> st.SearchStrategy[ProbabilitySnapshot]:
    return st.builds(
        ProbabilitySnapshot,
        opportunity_id=opportunity_ids(),
        stage=st.sampled_from(SalesStage),
        probability=st.integers(0, 100),
    )


@settings(max_examples=30)
@given(st.one_of(targets(), changes(), snapshots()))
def test_round_trip(value: Any) -> None:
    assert from_dict(to_dict(value), type(value)) == value


def test_distribution_round_trips() -> None:
    t = SalesTarget(
        owner="sara",
        metric="won_revenue",
        amount=100,
        currency="IRR",
        start=date(2026, 3, 21),
        end=date(2026, 6, 22),
        sub_unit="jalali_month",
        distribution=["33.33", "33.33", "33.34"],
    )
    assert from_dict(to_dict(t), SalesTarget) == t
