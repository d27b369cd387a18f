"""Hypothesis strategies for the public types of crmcore.scoring."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import strategies as st

from crmcore.scoring import (
    CategoryMap,
    ClosedLead,
    Condition,
    Decay,
    EngagementEvent,
    EventFilter,
    Frequency,
    GradeCriterion,
    Grading,
    RatingBand,
    Rule,
    RuleGroup,
    Scorecard,
)

__all__ = [
    "EVENT_KINDS",
    "INDUSTRIES",
    "NOW",
    "closed_leads",
    "conditions",
    "decays",
    "events",
    "lead_rows",
    "scorecards",
]

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
EVENT_KINDS = ("page_view", "form_submit", "email_click", "meeting_held")
INDUSTRIES = ("retail", "steel", "education", "software")


def points(low: int = -5000, high: int = 10000) -> st.SearchStrategy[Decimal]:
    """Points with up to two decimals."""
    return st.integers(low, high).map(lambda cents: Decimal(cents).scaleb(-2))


def lead_rows() -> st.SearchStrategy[dict[str, str]]:
    """A CSV-like lead row with the fields the strategies' rules read."""
    return st.fixed_dictionaries(
        {
            "id": st.text("abcdef0123", min_size=1, max_size=6),
            "industry": st.sampled_from((*INDUSTRIES, "")),
            "employees": st.integers(0, 5000).map(str),
            "interest": st.sampled_from(("high", "medium", "low", "")),
        }
    )


def _field_conditions() -> st.SearchStrategy[Condition]:
    return st.one_of(
        st.sampled_from(INDUSTRIES).map(lambda v: Condition.equals("industry", v)),
        st.lists(st.sampled_from(INDUSTRIES), min_size=1, max_size=3).map(
            lambda vs: Condition.is_in("industry", vs)
        ),
        st.integers(0, 3000).map(lambda lo: Condition.between("employees", low=lo)),
        st.just(Condition.exists("interest")),
        st.sampled_from(EVENT_KINDS).map(lambda k: Condition.has_event(k, days=60)),
    )


def conditions() -> st.SearchStrategy[Condition]:
    """Field and event conditions combined with all/any/not, a few levels deep."""
    return st.recursive(
        _field_conditions(),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: Condition.all_of(*cs)),
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: Condition.any_of(*cs)),
            inner.map(Condition.not_),
        ),
        max_leaves=5,
    )


def decays() -> st.SearchStrategy[Decay]:
    """Half-life or step decay."""
    return st.one_of(
        st.integers(1, 365).map(Decay.half_life),
        st.just(Decay.step((30, "0.5"), (90, "0.25"), (180, "0"))),
    )


@st.composite
def _rule(draw: st.DrawFn, name: str, positive: bool) -> Rule:
    low = 0 if positive else -5000
    kind = draw(st.sampled_from(("fit", "event", "mapping")))
    if kind == "fit":
        return Rule(name=name, points=draw(points(low)), when=draw(conditions()))
    if kind == "mapping":
        table = {v: draw(points(low)) for v in ("high", "medium", "low")}
        return Rule(name=name, mapping=CategoryMap(field="interest", points=table))
    frequencies = [Frequency.EACH, Frequency.ONCE] + ([] if positive else [Frequency.NONE])
    return Rule(
        name=name,
        points=draw(points(low)),
        event=EventFilter(
            kinds=draw(st.lists(st.sampled_from(EVENT_KINDS), min_size=1, max_size=2)),
            within_days=draw(st.none() | st.integers(1, 400)),
        ),
        frequency=draw(st.sampled_from(frequencies)),
        decay=draw(st.none() | decays()),
    )


@st.composite
def scorecards(draw: st.DrawFn, *, positive: bool = False) -> Scorecard:
    """A scorecard of 1-3 groups with optional caps, decay, grading and bands."""
    groups = []
    counter = 0
    for g in range(draw(st.integers(1, 3))):
        rules = []
        for _ in range(draw(st.integers(1, 4))):
            counter += 1
            rules.append(draw(_rule(f"r{counter}", positive)))
        cap = draw(st.none() | points(0, 20000))
        groups.append(RuleGroup(name=f"g{g}", rules=rules, cap=cap))
    edges = sorted(set(draw(st.lists(st.integers(-50, 200), min_size=0, max_size=3))))
    bounds = [None, *[Decimal(e) for e in edges], None]
    bands = [
        RatingBand(name=f"band{i}", low=lo, high=hi)
        for i, (lo, hi) in enumerate(itertools.pairwise(bounds))
    ]
    grading = draw(
        st.none()
        | st.builds(
            lambda c: Grading(criteria=[GradeCriterion(name="g", when=c, miss_steps=1)]),
            conditions(),
        )
    )
    return Scorecard(
        name="card",
        groups=groups,
        total_cap=draw(st.none() | points(0, 30000)),
        decay=draw(st.none() | decays()),
        grading=grading,
        bands=bands,
        sales_ready_at=draw(st.none() | points(0, 10000)),
    )


def events() -> st.SearchStrategy[list[EngagementEvent]]:
    """Up to 15 events in the 400 days before :data:`NOW`."""
    return st.lists(
        st.builds(
            lambda kind, minutes: EngagementEvent(kind=kind, at=NOW - timedelta(minutes=minutes)),
            st.sampled_from(EVENT_KINDS),
            st.integers(0, 400 * 24 * 60),
        ),
        max_size=15,
    )


def closed_leads() -> st.SearchStrategy[ClosedLead]:
    """A closed lead with categorical and numeric features."""
    return st.builds(
        lambda src, size, won, team: ClosedLead(
            features={"source": src, "size": str(size)}, won=won, team=team
        ),
        st.sampled_from(("web", "fair", "ads", "partner")),
        st.integers(1, 500),
        st.booleans(),
        st.none() | st.sampled_from(("north", "south")),
    )
