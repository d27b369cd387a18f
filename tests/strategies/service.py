"""Hypothesis strategies for the public types of crmcore.service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from crmcore.service import (
    BillingTerms,
    CustomerValue,
    Interaction,
    InteractionEvent,
    InteractionEventKind,
    QueuePolicy,
    RatingScale,
    SurveyResponse,
    TimeEntry,
)

__all__ = [
    "billing_terms",
    "customer_values",
    "interaction_events",
    "interactions",
    "queue_policies",
    "rating_scales",
    "survey_responses",
    "time_entries",
]

_NAMES = st.sampled_from(["sara", "ali", "reza", "queue-1"])
_OPTIONAL = st.one_of(st.none(), _NAMES)
_MOMENTS = st.integers(0, 10**9).map(
    lambda s: datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=s)
)


def rating_scales() -> st.SearchStrategy[RatingScale]:
    """Integer scales from 0-2 up to 0-10 with a satisfied threshold."""
    return st.integers(0, 5).flatmap(
        lambda low: st.integers(low + 1, 10).flatmap(
            lambda high: st.builds(
                RatingScale, st.just(low), st.just(high), st.integers(low + 1, high)
            )
        )
    )


def survey_responses() -> st.SearchStrategy[SurveyResponse]:
    """A response with some of its optional context."""
    return st.builds(
        SurveyResponse, score=st.integers(0, 10), at=_MOMENTS, agent=_OPTIONAL, team=_OPTIONAL,
        channel=_OPTIONAL, criterion=_OPTIONAL, case_id=_OPTIONAL, account_id=_OPTIONAL,
    )  # fmt: skip


def interaction_events() -> st.SearchStrategy[InteractionEvent]:
    """One log line of any kind."""
    return st.builds(
        InteractionEvent, interaction_id=_NAMES, kind=st.sampled_from(list(InteractionEventKind)),
        at=_MOMENTS, queue=_OPTIONAL, agent=_OPTIONAL, customer=_OPTIONAL,
    )  # fmt: skip


@st.composite
def interactions(draw: st.DrawFn) -> Interaction:
    """An answered, abandoned or still-queued interaction."""
    offered = draw(_MOMENTS)
    wait = timedelta(seconds=draw(st.integers(0, 600)))
    outcome = draw(st.sampled_from(["answered", "abandoned", "queued"]))
    answered = offered + wait if outcome == "answered" else None
    ended = answered + timedelta(seconds=draw(st.integers(1, 900))) if answered else None
    return Interaction(
        id=draw(_NAMES), offered_at=offered, queue=draw(_OPTIONAL), answered_at=answered,
        abandoned_at=offered + wait if outcome == "abandoned" else None, ended_at=ended,
        hold=timedelta(seconds=draw(st.integers(0, 60))), transfers=draw(st.integers(0, 2)),
    )  # fmt: skip


def time_entries() -> st.SearchStrategy[TimeEntry]:
    """Worked time on a case, billed or not."""
    return st.builds(
        TimeEntry, id=_NAMES, case_id=st.sampled_from(["C1", "C2"]),
        duration=st.integers(1, 600).map(lambda m: timedelta(minutes=m)), at=_MOMENTS,
        billed_in=st.one_of(st.none(), st.just("R1")),
    )  # fmt: skip


def billing_terms() -> st.SearchStrategy[BillingTerms]:
    """Terms with an exact-decimal increment of an hour."""
    return st.builds(
        BillingTerms, rate_product=st.just("support-hour"),
        rounding=st.sampled_from(["up", "half_up", "down", "half_even"]),
        increment=st.sampled_from([3, 6, 15, 30, 60]).map(lambda m: timedelta(minutes=m)),
        allocation=st.sampled_from(["cases", "time"]), consume_on=st.sampled_from(["creation", "resolution"]),
    )  # fmt: skip


def queue_policies() -> st.SearchStrategy[QueuePolicy]:
    """Weights, a horizon, tier values and an optional CLV cap."""
    weight = st.integers(1, 5).map(float)
    return st.builds(
        QueuePolicy, breach_weight=weight, value_weight=weight, priority_weight=weight,
        horizon=st.integers(1, 48).map(lambda h: timedelta(hours=h)),
        value_cap=st.one_of(st.none(), st.integers(1, 10**9).map(Decimal)),
        tier_values=st.dictionaries(st.sampled_from(["gold", "silver"]), st.sampled_from([0.0, 0.5, 1.0])),
    )  # fmt: skip


def customer_values() -> st.SearchStrategy[CustomerValue]:
    """A score, a CLV or a tier."""
    return st.one_of(
        st.builds(CustomerValue, score=st.sampled_from([0.0, 0.25, 1.0])),
        st.builds(CustomerValue, clv=st.integers(0, 10**9).map(Decimal)),
        st.builds(CustomerValue, tier=st.sampled_from(["gold", "silver"])),
    )
