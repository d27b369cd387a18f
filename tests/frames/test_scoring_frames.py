"""crmcore.frames scoring adapters equal the record-based scoring API on the same data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crmcore.errors import ScoringError, ValidationError
from crmcore.frames import (
    events_from_frame,
    infer_features,
    predict_frame,
    score_frame,
    train_frame,
)
from crmcore.scoring import (
    ClosedLead,
    Condition,
    EngagementEvent,
    EventColumns,
    EventFilter,
    Rule,
    RuleGroup,
    Scorecard,
    predict_leads,
    score_leads,
    train_logistic,
    train_naive_bayes,
)
from tests.strategies.scoring import EVENT_KINDS, INDUSTRIES, NOW, events, scorecards

MISSING = (None, np.nan, pd.NA)


@st.composite
def lead_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Leads with text, nullable numbers and every spelling of missing."""
    n = draw(st.integers(0, 12))
    industry = [draw(st.sampled_from((*INDUSTRIES, "", *MISSING))) for _ in range(n)]
    employees = [draw(st.one_of(st.integers(0, 5000), st.sampled_from(MISSING))) for _ in range(n)]
    interest = [draw(st.sampled_from(("high", "low", "", None))) for _ in range(n)]
    number_dtype = draw(st.sampled_from(("Int64", "float64", object)))
    if number_dtype == "float64":
        employees = [np.nan if v is None or v is pd.NA else v for v in employees]
    frame = pd.DataFrame(
        {
            "id": [f"L{i}" for i in range(n)],
            "industry": pd.Series(industry, dtype=object),
            "employees": pd.Series(employees, dtype=number_dtype),
            "interest": pd.Series(interest, dtype=draw(st.sampled_from(("string", object)))),
        }
    )
    return frame.set_index(pd.Index([f"row{i}" for i in range(n)]))


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as the records a caller would pass (pandas/numpy cells kept as they are)."""
    return [dict(zip(frame.columns, row, strict=True)) for row in frame.itertuples(index=False)]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(card=scorecards(), frame=lead_frames(), histories=st.lists(events(), max_size=12))
def test_score_frame_equals_score_leads(
    card: Scorecard, frame: pd.DataFrame, histories: list[list[EngagementEvent]]
) -> None:
    by_lead = {f"L{i}": tuple(h) for i, h in enumerate(histories)}
    expected = [r.score for r in score_leads(card, _records(frame), by_lead, now=NOW)]
    result = score_frame(card, frame, now=NOW, events=by_lead)
    assert result["score"].tolist() == expected
    assert list(result.index) == list(frame.index)
    floats = score_frame(card, frame, now=NOW, events=by_lead, scores="float", backend="python")
    assert floats["score"].dtype == "float64"
    assert floats["score"].tolist() == [float(v) for v in expected]


def test_score_frame_reads_events_from_a_frame_and_numpy_scalars() -> None:
    card = Scorecard(
        name="web",
        groups=[
            RuleGroup(
                name="g",
                cap=60,
                rules=[
                    Rule(name="form", points=50, event=EventFilter(kinds=["form_submit"])),
                    Rule(name="visit", points=1, event=EventFilter(kinds=["page_view"])),
                    Rule(name="big", points=5, when=Condition.between("employees", low=100)),
                ],
            )
        ],
    )
    leads = pd.DataFrame({"id": ["a", "b"], "employees": [np.int64(150), np.int64(3)]})
    events = pd.DataFrame(
        {
            "lead_id": ["a"] * 13 + ["b"],
            "kind": ["form_submit"] + ["page_view"] * 13,
            "at": pd.Timestamp("2026-06-01 09:00", tz="UTC"),
        }
    )
    # a: form 50 + 12 visits + big 5 = 67, capped at 60; b: one visit = 1 (hand count)
    result = score_frame(card, leads, now=NOW, events=events)
    assert result["score"].tolist() == [Decimal(60), Decimal(1)]
    assert events_from_frame(events)["b"][0].kind == "page_view"


def test_score_frame_refuses_missing_columns_unless_allowed() -> None:
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(name="g", rules=[Rule(name="r", points=1, when=Condition.exists("email"))])
        ],
    )
    frame = pd.DataFrame({"mail": ["x@y.ir"]})
    with pytest.raises(ScoringError, match="email"):
        score_frame(card, frame, now=NOW)
    assert score_frame(card, frame, now=NOW, allow_missing=True)["score"].tolist() == [Decimal(0)]
    with pytest.raises(ValidationError, match="DataFrame"):
        score_frame(card, [{"email": "x"}], now=NOW)


def _closed_frame(n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    visits = rng.integers(0, 20, n).astype(float)
    visits[::17] = np.nan
    source = rng.choice(["web", "fair", "ads"], n).astype(object)
    source[::13] = None
    won = (rng.random(n) < 0.2 + 0.03 * np.nan_to_num(visits)).tolist()
    return pd.DataFrame(
        {"visits": visits, "source": source, "vip": rng.random(n) < 0.3, "won": won}
    )


def _history(frame: pd.DataFrame, names: list[str]) -> list[ClosedLead]:
    return [
        ClosedLead(features={n: row[n] for n in names}, won=bool(row["won"]))
        for row in frame.to_dict("records")
    ]


def test_infer_features_by_dtype() -> None:
    frame = _closed_frame(10).assign(at=pd.Timestamp("2026-01-01", tz="UTC"))
    assert infer_features(frame, outcome="won") == (["visits"], ["source", "vip"])


def test_train_frame_equals_record_training() -> None:
    frame = _closed_frame()
    history = _history(frame, ["visits", "source", "vip"])
    mixed = train_frame(frame, outcome="won", min_won=10, min_lost=10)
    expected = train_logistic(
        history, categorical=["source", "vip"], numeric=["visits"], min_won=10, min_lost=10
    )
    assert mixed.categorical == expected.categorical
    assert mixed.coefficients == pytest.approx(expected.coefficients, rel=1e-9, abs=1e-12)
    # numeric only: the matrix path, same model as the record path to rounding
    numeric = train_frame(
        frame, outcome="won", numeric=["visits"], categorical=[], min_won=10, min_lost=10
    )
    by_records = train_logistic(history, numeric=["visits"], min_won=10, min_lost=10)
    assert numeric.coefficients == pytest.approx(by_records.coefficients, rel=1e-9)
    assert numeric.intercept == pytest.approx(by_records.intercept, rel=1e-9)
    bayes = train_frame(
        frame,
        outcome="won",
        categorical=["source"],
        numeric=[],
        kind="naive_bayes",
        min_won=10,
        min_lost=10,
    )
    assert bayes == train_naive_bayes(
        _history(frame, ["source"]), ["source"], min_won=10, min_lost=10
    )


def test_predict_frame_equals_predict_leads_with_missing_cells() -> None:
    frame = _closed_frame()
    model = train_frame(frame, outcome="won", min_won=10, min_lost=10)
    leads = frame.drop(columns="won").head(30)
    leads.loc[leads.index[:3], "source"] = pd.NA
    result = predict_frame(model, leads)
    expected = predict_leads(model, _records(leads))
    assert result["probability"].tolist() == [p.probability for p in expected]
    assert result["grade"].tolist() == [p.grade for p in expected]
    assert result["probability"].dtype == "float64"
    with pytest.raises(ScoringError, match="visits"):
        predict_frame(model, leads.drop(columns="visits"))


def test_outcome_cells_must_be_flags() -> None:
    frame = _closed_frame(50).assign(won="yes")
    with pytest.raises(ValidationError, match="outcome"):
        train_frame(frame, outcome="won", categorical=["source"], numeric=[], min_won=1, min_lost=1)


def test_events_before_now_only() -> None:
    # an event after `now` is ignored by both paths
    later = NOW + timedelta(days=1)
    card = Scorecard(
        name="e",
        groups=[
            RuleGroup(
                name="g",
                rules=[Rule(name="v", points=3, event=EventFilter(kinds=[EVENT_KINDS[0]]))],
            )
        ],
    )
    frame = pd.DataFrame({"id": ["x"]})
    evs = {
        "x": (
            EngagementEvent(kind=EVENT_KINDS[0], at=later),
            EngagementEvent(kind=EVENT_KINDS[0], at=datetime(2026, 1, 1, tzinfo=UTC)),
        )
    }
    assert score_frame(card, frame, now=NOW, events=evs)["score"].tolist() == [Decimal(3)]


def _events_table(histories: list[list[EngagementEvent]], n_leads: int) -> pd.DataFrame:
    """Lead i gets history i (ids past the last lead belong to no row)."""
    rows = [(f"L{i}", e.kind, e.at) for i, history in enumerate(histories) for e in history]
    return pd.DataFrame(
        {
            "lead_id": [r[0] for r in rows],
            "kind": [r[1] for r in rows],
            "at": pd.to_datetime([r[2] for r in rows], utc=True),
        }
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    card=scorecards(),
    frame=lead_frames(),
    histories=st.lists(events(), max_size=14),
    duplicate=st.booleans(),
)
def test_event_tables_score_as_event_records(
    card: Scorecard, frame: pd.DataFrame, histories: list[list[EngagementEvent]], duplicate: bool
) -> None:
    if duplicate and len(frame) > 1:  # two rows of one lead: both get its events
        frame = frame.assign(id=["L0", *frame["id"].iloc[1:-1], "L0"])
    by_lead = {f"L{i}": tuple(h) for i, h in enumerate(histories)}
    expected = [r.score for r in score_leads(card, _records(frame), by_lead, now=NOW)]
    table = _events_table(histories, len(frame))
    assert score_frame(card, frame, now=NOW, events=table)["score"].tolist() == expected
    columns = EventColumns(
        table["lead_id"].tolist(), table["kind"].tolist(), [t.to_pydatetime() for t in table["at"]]
    )
    scored = score_frame(card, frame, now=NOW, events=columns, backend="python")
    assert scored["score"].tolist() == expected


def test_event_columns_refuse_naive_and_blank() -> None:
    naive = pd.DataFrame({"lead_id": ["a"], "kind": ["x"], "at": [pd.Timestamp("2026-01-01")]})
    with pytest.raises(ValidationError, match="timezone-aware"):
        score_frame(
            Scorecard(name="c", groups=[]), pd.DataFrame({"id": ["a"]}), now=NOW, events=naive
        )
    blank = naive.assign(kind=[" "], at=pd.Timestamp("2026-01-01", tz="UTC"))
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(name="g", rules=[Rule(name="v", points=1, event=EventFilter(kinds=["x"]))])
        ],
    )
    with pytest.raises(ScoringError, match=r"kind\[0\]"):
        score_frame(card, pd.DataFrame({"id": ["a"]}), now=NOW, events=blank)


def test_joined_rows_must_point_at_leads() -> None:
    card = Scorecard(
        name="c",
        groups=[
            RuleGroup(name="g", rules=[Rule(name="v", points=1, event=EventFilter(kinds=["x"]))])
        ],
    )
    at = [datetime(2026, 1, 1, tzinfo=UTC)]
    # hand count: one "x" event joined to row 0 scores 1
    ok = EventColumns(["a"], ["x"], at, rows=[0])
    assert score_frame(card, pd.DataFrame({"id": ["a"]}), now=NOW, events=ok)["score"].tolist() == [
        Decimal(1)
    ]
    with pytest.raises(ScoringError, match="rows"):
        score_frame(
            card,
            pd.DataFrame({"id": ["a"]}),
            now=NOW,
            events=EventColumns(["a"], ["x"], at, rows=[3]),
        )
