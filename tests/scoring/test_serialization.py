"""Scoring types round-trip through crmcore.serialization."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from crmcore.errors import ValidationError
from crmcore.scoring import (
    AttributeInsight,
    ClosedLead,
    Condition,
    EngagementEvent,
    GradeBuckets,
    Scorecard,
    ScoreResult,
    attribute_insights,
    score_lead,
)
from crmcore.scoring.evaluation import Evaluation, evaluate
from crmcore.serialization import from_json, to_json
from tests.strategies.scoring import NOW, closed_leads, conditions, events, lead_rows, scorecards


@settings(max_examples=40, deadline=None)
@given(card=scorecards(), lead=lead_rows(), history=events())
def test_scorecard_round_trip_scores_the_same(card: Any, lead: Any, history: Any) -> None:
    back = from_json(to_json(card), Scorecard)
    assert back == card
    assert score_lead(back, lead, history, now=NOW) == score_lead(card, lead, history, now=NOW)


@settings(max_examples=40, deadline=None)
@given(condition=conditions())
def test_condition_round_trip(condition: Any) -> None:
    assert from_json(to_json(condition), Condition) == condition


@settings(max_examples=20, deadline=None)
@given(history=events(), lead=closed_leads())
def test_event_and_closed_lead_round_trip(history: Any, lead: Any) -> None:
    for event in history:
        assert from_json(to_json(event), EngagementEvent) == event
    assert from_json(to_json(lead), ClosedLead) == lead


def test_hand_written_json_uses_defaults_and_refuses_unknown_keys() -> None:
    text = '{"name": "c", "groups": [{"name": "g", "rules": [{"name": "r", "points": 5, "when": {"op": "exists", "field": "email"}}]}]}'
    card = from_json(text, Scorecard)
    assert card.rules[0].when == Condition.exists("email")
    with pytest.raises(ValidationError, match="pionts"):
        from_json(text.replace('"points": 5', '"points": 5, "pionts": 1'), Scorecard)


@settings(max_examples=25, deadline=None)
@given(card=scorecards(), lead=lead_rows(), history=events())
def test_score_results_round_trip(card: Any, lead: Any, history: Any) -> None:
    result = score_lead(card, lead, history, now=NOW)
    assert from_json(to_json(result), ScoreResult) == result


def test_evaluation_and_insights_round_trip() -> None:
    labels = [1, 0, 1, 0, 1, 1, 0, 0, 1, 0, 0, 1]
    probabilities = [0.9, 0.1, 0.7, 0.4, 0.6, 0.8, 0.3, 0.5, 0.65, 0.2, 0.45, 0.55]
    report = evaluate(labels, probabilities)
    assert from_json(to_json(report), Evaluation) == report
    insight = attribute_insights([ClosedLead(features={"s": "a"}, won=True)], "s")[0]
    assert from_json(to_json(insight), AttributeInsight) == insight
    assert from_json(to_json(GradeBuckets(a=80)), GradeBuckets) == GradeBuckets(a=80)
