"""Round trips through crmcore.serialization for the sla and calendars types."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, iran
from crmcore.models import AccountId, Case, CaseId
from crmcore.serialization import make_converter
from crmcore.sla import Entitlement, SlaEvaluation, SlaPolicy, SlaTarget, evaluate
from tests.sla.test_columnar import ACCOUNTS, CALS, POLICIES, histories
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


@settings(max_examples=25, deadline=None)
@given(case=histories(0), later=st.integers(0, 20 * 24 * 60))
def test_explained_evaluations_round_trip(case: Case, later: int) -> None:
    now = case.created_at + timedelta(minutes=later)
    result = evaluate(
        case, POLICIES, now=now, calendars=CALS, account=ACCOUNTS.get(case.account_id)
    )
    back = CONV.structure(CONV.unstructure(result), SlaEvaluation)
    assert back == result
    assert back.explain() == result.explain()
    assert back.explain()[0] == result.selection
