"""Round trips through crmcore.serialization for the sla and calendars types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings

from crmcore.calendars import BusinessCalendar, iran
from crmcore.models import AccountId, Case, CaseId
from crmcore.serialization import make_converter
from crmcore.sla import Entitlement, SlaEvaluation, SlaPolicy, SlaTarget, evaluate
from tests.strategies.calendars import business_calendars
from tests.strategies.sla import entitlements, sla_policies

CONV = make_converter()


@settings(max_examples=40, deadline=None)
@given(policy=sla_policies())
def test_policy_round_trip(policy: SlaPolicy) -> None:
    assert CONV.structure(CONV.unstructure(policy), SlaPolicy) == policy


@settings(max_examples=40, deadline=None)
@given(entitlement=entitlements())
def test_entitlement_round_trip(entitlement: Entitlement) -> None:
    assert CONV.structure(CONV.unstructure(entitlement), Entitlement) == entitlement


@settings(max_examples=30, deadline=None)
@given(calendar=business_calendars())
def test_calendar_round_trip(calendar: BusinessCalendar) -> None:
    assert CONV.structure(CONV.unstructure(calendar), BusinessCalendar) == calendar


def test_iran_preset_round_trip() -> None:
    cal = iran(thursday="half")
    assert CONV.structure(CONV.unstructure(cal), BusinessCalendar) == cal


def test_evaluation_round_trip() -> None:
    policy = SlaPolicy("p", [SlaTarget("res", "resolution", timedelta(hours=4))])
    t0 = datetime(2025, 1, 6, 9, tzinfo=UTC)
    case = Case.open(id=CaseId("C"), title="x", account_id=AccountId("a"), created_at=t0)
    result = evaluate(case, [policy], now=t0 + timedelta(hours=1))
    assert CONV.structure(CONV.unstructure(result), SlaEvaluation) == result
