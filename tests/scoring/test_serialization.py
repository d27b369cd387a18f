"""Scoring types round-trip through crmcore.serialization."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from crmcore.errors import ValidationError
from crmcore.scoring import ClosedLead, Condition, EngagementEvent, Scorecard, score_lead
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
