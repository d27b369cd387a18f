"""The column-wise batch path equals the scalar path."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ScoringError
from crmcore.scoring import (
    CategoryMap,
    Condition,
    Decay,
    EngagementEvent,
    EventFilter,
    Rule,
    RuleGroup,
    Scorecard,
    score_columns,
    score_lead,
    score_leads,
)
from tests.strategies.scoring import EVENT_KINDS, INDUSTRIES, NOW, lead_rows, points, scorecards


def _fit_condition() -> st.SearchStrategy[Condition]:
    leaf = st.one_of(
        st.sampled_from(INDUSTRIES).map(
            lambda v: Condition.equals("industry", v, ignore_case=True)
        ),
        st.lists(st.sampled_from(INDUSTRIES), min_size=1, max_size=2).map(
            lambda vs: Condition.is_in("industry", vs)
        ),
        st.integers(0, 3000).map(lambda lo: Condition.between("employees", low=lo)),
        st.integers(0, 3000).map(lambda hi: Condition.between("employees", high=hi)),
        st.just(Condition.exists("email")),
        st.just(Condition.contains("email", ".IR")),
        st.just(Condition.matches("email", r"^[a-c]")),
        st.just(Condition.after("signed", date(2026, 1, 1))),
        st.just(Condition.within_days("signed", 90)),
    )
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: Condition.all_of(*cs)),
            st.lists(inner, min_size=1, max_size=3).map(lambda cs: Condition.any_of(*cs)),
            inner.map(Condition.not_),
        ),
        max_leaves=4,
    )


@st.composite
def fit_cards(draw: st.DrawFn) -> Scorecard:
    groups = []
    count = 0
    for g in range(draw(st.integers(1, 3))):
        rules = []
        for _ in range(draw(st.integers(1, 4))):
            count += 1
            if draw(st.booleans()):
                rules.append(
                    Rule(name=f"r{count}", points=draw(points()), when=draw(_fit_condition()))
                )
            else:
                table = {v: draw(points()) for v in ("High", "medium", "low")}
                rules.append(
                    Rule(
                        name=f"r{count}",
                        mapping=CategoryMap(field="interest", points=table, default=draw(points())),
                        when=draw(st.none() | _fit_condition()),
                    )
                )
        groups.append(RuleGroup(name=f"g{g}", rules=rules, cap=draw(st.none() | points(0))))
    return Scorecard(name="fit", groups=groups, total_cap=draw(st.none() | points(0)))


rows = st.lists(
    st.fixed_dictionaries(
        {
            "industry": st.sampled_from((*INDUSTRIES, "", "RETAIL")),
            "employees": st.one_of(st.integers(0, 5000).map(str), st.just("")),
            "email": st.sampled_from(("", "a@x.ir", "zed@y.com", "b@Q.IR")),
            "interest": st.sampled_from(("high", "Medium", "low", "", "none")),
            "signed": st.sampled_from(
                ("", "2025-12-01", "2026-04-01", "2026-05-30T10:00:00+03:30")
            ),
        }
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(card=fit_cards(), leads=rows)
def test_batch_equals_scalar(card: Any, leads: Any) -> None:
    columns = {k: [row[k] for row in leads] for k in leads[0]}
    expected = [score_lead(card, row, now=NOW).score for row in leads]
    assert score_columns(card, columns, now=NOW, backend="numpy") == expected
    assert score_columns(card, columns, now=NOW, backend="python") == expected


def test_batch_refuses_unknown_columns_and_bad_numbers() -> None:
    events = Scorecard(
        name="e",
        groups=[
            RuleGroup(
                name="g", rules=[Rule(name="v", points=1, event=EventFilter(kinds=["page_view"]))]
            )
        ],
    )
    visit = EngagementEvent(kind="page_view", at=NOW)
    with pytest.raises(ScoringError, match="'id' column"):
        score_columns(events, {"x": ["1"]}, now=NOW, events={"L1": [visit]})
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(
                name="g",
                rules=[Rule(name="big", points=1, when=Condition.between("employees", low=10))],
            )
        ],
    )
    with pytest.raises(ScoringError, match="'big'"):
        score_columns(card, {"size": ["1"]}, now=NOW)
    with pytest.raises(ScoringError, match="many"):
        score_columns(card, {"employees": ["12", "many"]}, now=NOW, backend="numpy")
    assert score_columns(card, {"employees": [12, 3]}, now=NOW) == [Decimal(1), Decimal(0)]


@settings(max_examples=40, deadline=None)
@given(card=fit_cards(), leads=rows)
def test_numpy_columns_with_nan_equal_the_text_rows(card: Any, leads: Any) -> None:
    # NaN and None are missing like "", numpy scalars are the Python values they hold:
    # the same leads as numpy columns score exactly as the CSV-like text rows.
    expected = [score_lead(card, row, now=NOW).score for row in leads]
    columns = {
        "industry": np.array([r["industry"] or np.nan for r in leads], dtype=object),
        "employees": np.array(
            [float(r["employees"]) if r["employees"] else np.nan for r in leads], dtype=float
        ),
        "email": np.array([r["email"] for r in leads], dtype=str),
        "interest": np.array([r["interest"] or None for r in leads], dtype=object),
        "signed": [r["signed"] for r in leads],
    }
    assert score_columns(card, columns, now=NOW, backend="numpy") == expected
    assert score_columns(card, columns, now=NOW, backend="python") == expected
    records = [{k: v[i] for k, v in columns.items()} for i in range(len(leads))]
    assert [r.score for r in score_leads(card, records, now=NOW)] == expected


def test_absent_columns_are_named_or_allowed() -> None:
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(
                name="g",
                rules=[
                    Rule(name="big", points=1, when=Condition.between("employees", low=10)),
                    Rule(name="local", points=2, when=Condition.equals("country", "IR")),
                    Rule(name="known", points=3, when=Condition.exists("industry")),
                ],
            )
        ],
    )
    for backend in ("numpy", "python"):
        with pytest.raises(
            ScoringError, match="missing: country, read by local; employees"
        ) as info:
            score_columns(card, {"industry": ["x", ""]}, now=NOW, backend=backend)
        assert info.value.field == "country, employees"
        # allowed: absent columns are empty, so only "known" (3 points) can fire
        allowed = score_columns(
            card, {"industry": ["x", ""]}, now=NOW, backend=backend, allow_missing=True
        )
        assert allowed == [Decimal(3), Decimal(0)]


def _histories() -> st.SearchStrategy[list[EngagementEvent]]:
    # events up to 400 days old, some in the future (never counted), some with a detail
    return st.lists(
        st.builds(
            lambda kind, minutes, detail: EngagementEvent(
                kind=kind, at=NOW - timedelta(minutes=minutes), detail=detail
            ),
            st.sampled_from(EVENT_KINDS),
            st.integers(-3 * 24 * 60, 400 * 24 * 60),
            st.none() | st.sampled_from(("/pricing", "/blog/PRICING", "/about")),
        ),
        max_size=8,
    )


@settings(max_examples=80, deadline=None)
@given(
    card=scorecards(),
    leads=st.lists(lead_rows(), min_size=1, max_size=12),
    histories=st.lists(_histories(), max_size=12),
)
def test_batch_with_event_rules_and_decay_equals_scalar(
    card: Any, leads: Any, histories: Any
) -> None:
    by_lead = {row["id"]: tuple(found) for row, found in zip(leads, histories, strict=False)}
    expected = [r.score for r in score_leads(card, leads, by_lead, now=NOW)]
    columns = {k: [row[k] for row in leads] for k in leads[0]}
    assert score_columns(card, columns, now=NOW, events=by_lead, backend="numpy") == expected
    assert score_columns(card, columns, now=NOW, events=by_lead, backend="python") == expected


def test_batch_decay_rounds_half_up_per_event_like_the_scalar_path() -> None:
    # 0.01 point halving every day, places=2: 1 day old -> 0.005 -> 0.01 (half up);
    # 2 days old -> 0.0025 -> 0.00; 0 days -> 0.01. Each event is rounded before summing.
    card = Scorecard(
        name="d",
        groups=[
            RuleGroup(
                name="g",
                rules=[Rule(name="v", points="0.01", event=EventFilter(kinds=["page_view"]))],
            )
        ],
        decay=Decay.half_life(1),
    )
    ages = {"A": [1], "B": [2], "C": [0, 1, 2]}
    by_lead = {
        lead: [EngagementEvent(kind="page_view", at=NOW - timedelta(days=d)) for d in days]
        for lead, days in ages.items()
    }
    columns = {"id": ["A", "B", "C", "D"]}
    expected = [Decimal("0.01"), Decimal("0.00"), Decimal("0.02"), Decimal(0)]
    assert score_columns(card, columns, now=NOW, events=by_lead, backend="numpy") == expected
    assert score_columns(card, columns, now=NOW, events=by_lead, backend="python") == expected
