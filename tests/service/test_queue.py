"""The value-aware case queue: hand-checked scores, the closer-to-breach property, bad policies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ValidationError
from crmcore.models import AccountId, Case, CaseId, CasePriority
from crmcore.service import CustomerValue, QueuePolicy, rank_cases, rank_open_cases
from crmcore.sla import SlaPolicy, SlaTarget, evaluate

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
OFFICE = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone="UTC")
POLICIES = [SlaPolicy("office", [SlaTarget("resolve", "resolution", 8 * H)], calendar="office")]


def case(cid: str, created: datetime, priority: str = "normal") -> Case:
    return Case.open(
        id=CaseId(cid),
        title="t",
        account_id=AccountId("a"),
        created_at=created,
        priority=CasePriority(priority),
    )


def evaluations(cases: list[Case], now: datetime) -> list[object]:
    return [evaluate(c, POLICIES, now=now, calendars={"office": OFFICE}) for c in cases]


def test_hand_checked_scores_and_explanation() -> None:
    now = T0 + 6 * H  # Monday 15:00
    cases = [
        case("A", T0, "low"),  # 6 business hours elapsed: 2 h remaining
        case("B", T0 + 4 * H, "critical"),  # 2 h elapsed: 6 h remaining
        case("C", T0 - 3 * 24 * H),  # Friday 09:00: 8 h Friday -> breached at Friday 17:00
    ]
    policy = QueuePolicy(
        breach_weight=2, value_weight=1, priority_weight=1, tier_values={"gold": 1.0, "silver": 0.5},
        value_cap=Decimal(1000),
    )  # fmt: skip
    values = {"A": CustomerValue(tier="silver"), "B": CustomerValue(clv=Decimal(250))}
    ranked = rank_cases(evaluations(cases, now), policy=policy, values=values)  # type: ignore[arg-type]
    by_id = {r.case_id: r for r in ranked}
    # A: urgency 1 − 2/8 = 0.75; value silver 0.5; low 0 -> 0.5 × 0.75 + 0.25 × 0.5 + 0 = 0.5
    assert by_id["A"].urgency == pytest.approx(0.75)
    assert by_id["A"].score == pytest.approx(0.5)
    # B: urgency 1 − 6/8 = 0.25; value 250/1000 = 0.25; critical 1 -> 0.125 + 0.0625 + 0.25 = 0.4375
    assert by_id["B"].score == pytest.approx(0.4375)
    # C: breached -> urgency 1; no value; normal 1/3 -> 0.5 + 0 + 0.25/3 = 0.5833
    assert by_id["C"].urgency == 1.0
    assert by_id["C"].remaining is not None
    assert by_id["C"].remaining < timedelta(0)
    assert by_id["C"].score == pytest.approx(0.5 + 0.25 / 3)
    assert [r.case_id for r in ranked] == ["C", "A", "B"]
    assert [r.rank for r in ranked] == [1, 2, 3]
    assert by_id["A"].explain()[0].startswith("urgency = max(0, 1 − 2:00:00 / 8:00:00)")


def test_ties_are_deterministic() -> None:
    now = T0 + H
    # Both beyond the horizon: urgency 0, equal scores; less remaining time first, then the id.
    policy = QueuePolicy(horizon=timedelta(minutes=30))
    ranked = rank_cases(
        evaluations([case("Z", T0 + H), case("Y", T0 + H), case("X", T0)], now), policy=policy
    )  # type: ignore[arg-type]
    assert [r.case_id for r in ranked] == ["X", "Y", "Z"]


@settings(max_examples=40)
@given(
    st.integers(0, 16 * 60),
    st.integers(1, 16 * 60),
    st.sampled_from(list(CasePriority)),
    st.floats(0, 1),
)
def test_closer_to_breach_never_ranks_below(
    offset: int, gap: int, priority: CasePriority, value: float
) -> None:
    now = T0 + 3 * 24 * H
    older = case(
        "M", T0 + timedelta(minutes=offset), priority.value
    )  # opened earlier: closer to breach
    newer = case("A", T0 + timedelta(minutes=offset + gap), priority.value)  # "A" sorts first by id
    values = {"M": CustomerValue(score=value), "A": CustomerValue(score=value)}
    ranked = rank_cases(evaluations([newer, older], now), values=values)  # type: ignore[arg-type]
    assert ranked[0].case_id == "M" or ranked[0].remaining == ranked[1].remaining


def test_bad_policies_and_values() -> None:
    with pytest.raises(ValidationError) as info:
        QueuePolicy(breach_weight=0, value_weight=0, priority_weight=0)
    assert "sum to more than zero" in str(info.value)
    with pytest.raises(ValidationError) as info:
        QueuePolicy(breach_weight=-1)
    assert info.value.field == "breach_weight"
    with pytest.raises(ValidationError) as info:
        QueuePolicy(priority_points={"urgent": 1})
    assert info.value.field == "priority_points"
    with pytest.raises(ValidationError) as info:
        CustomerValue(score=1.5)
    assert info.value.field == "score"
    evs = evaluations([case("A", T0)], T0 + H)
    with pytest.raises(ValidationError) as info:
        rank_cases(evs, values={"A": CustomerValue(tier="gold")})  # type: ignore[arg-type]
    assert (info.value.field, info.value.value) == ("tier_values", "gold")
    with pytest.raises(ValidationError) as info:
        rank_cases(evs, values={"A": CustomerValue(clv=Decimal(5))})  # type: ignore[arg-type]
    assert info.value.field == "value_cap"
    with pytest.raises(ValidationError) as info:
        rank_cases([object()])  # type: ignore[list-item]
    assert info.value.field == "evaluations[0]"


def test_rank_open_cases_evaluates_and_skips_closed() -> None:
    now = T0 + 6 * H
    cases = [case("A", T0), case("B", T0 + 4 * H), case("R", T0).resolve(T0 + H)]
    ranked = rank_open_cases(cases, POLICIES, now=now, calendars={"office": OFFICE})
    assert [r.case_id for r in ranked] == ["A", "B"]
    assert ranked == rank_cases(evaluations(cases[:2], now))  # type: ignore[arg-type]
