"""Round trips through crmcore.serialization for the crmcore.service types."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.serialization import make_converter
from crmcore.service import (
    BillingTerms,
    CustomerValue,
    Interaction,
    InteractionEvent,
    QueuePolicy,
    RatingScale,
    SurveyResponse,
    TimeEntry,
)
from tests.strategies import service as s

CONV = make_converter()

CASES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (RatingScale, s.rating_scales()),
    (SurveyResponse, s.survey_responses()),
    (InteractionEvent, s.interaction_events()),
    (Interaction, s.interactions()),
    (TimeEntry, s.time_entries()),
    (BillingTerms, s.billing_terms()),
    (QueuePolicy, s.queue_policies()),
    (CustomerValue, s.customer_values()),
]


@settings(max_examples=25)
@given(st.data())
def test_round_trip(data: st.DataObject) -> None:
    for cl, strategy in CASES:
        value = data.draw(strategy)
        assert CONV.structure(CONV.unstructure(value), cl) == value
