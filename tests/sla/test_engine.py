"""The SLA engine: hand-computed deadlines for pause/resume, priority change, reopen,
warning then breach, entitlement overage.

Calendar used throughout (unless said otherwise): Monday-Friday 09:00-17:00 UTC, so
one business day = 8 h. 2025-01-06 is a Monday.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore._backend import Backend
from crmcore.calendars import BusinessCalendar, WeeklySchedule, iran
from crmcore.errors import SlaError, ValidationError
from crmcore.models import Account, AccountId, Case, CaseId, CasePriority, CaseStatus
from crmcore.sla import (
    Entitlement,
    KpiState,
    PolicyCondition,
    SlaEvaluation,
    SlaPolicy,
    SlaTarget,
    entitlement_usage,
    evaluate,
    evaluate_many,
)

H = timedelta(hours=1)
OFFICE = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone="UTC")
CALS = {"office": OFFICE}

HIGH = SlaPolicy(
    "high",
    [
        SlaTarget("first_response", "first_response", 2 * H),
        SlaTarget("resolution", "resolution", 8 * H),
    ],
    applies_when=PolicyCondition(priorities=("high", "critical")),
    calendar="office",
)
NORMAL = SlaPolicy(
    "normal",
    [
        SlaTarget("first_response", "first_response", 4 * H),
        SlaTarget("resolution", "resolution", 16 * H),
        SlaTarget("next_response", "next_response", 8 * H),
    ],
    calendar="office",
)
POLICIES = [HIGH, NORMAL]


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 1, day, hour, minute, tzinfo=UTC)


def new_case(priority: str = "normal", created: datetime | None = None) -> Case:
    return Case.open(
        id=CaseId("C1"),
        title="Printer down",
        account_id=AccountId("acme"),
        priority=CasePriority(priority),
        created_at=created or at(6, 10),
    )


def test_first_match_wins_and_deadlines_are_business_time() -> None:
    case = new_case("high")
    result = evaluate(case, POLICIES, now=at(6, 11), calendars=CALS)
    assert result.policy == "high"
    fr = result.kpi("first_response")
    # Created Mon 10:00; 2 h target -> Mon 12:00; warning at 80 % = 1 h 36 m -> 11:36.
    assert fr.breach_at == at(6, 12)
    assert fr.warning_at == at(6, 11, 36)
    assert fr.state is KpiState.IN_PROGRESS
    assert fr.elapsed == H
    assert fr.remaining == H
    res = result.kpi("resolution")
    # 8 h from Mon 10:00: 7 h Monday (10-17) + 1 h Tuesday -> Tue 10:00.
    assert res.breach_at == at(7, 10)


def test_warning_then_breach() -> None:
    case = new_case("high")
    # 11:40 is past the 11:36 warning, before the 12:00 breach.
    assert (
        evaluate(case, POLICIES, now=at(6, 11, 40), calendars=CALS).kpi("first_response").state
        is KpiState.WARNING
    )
    late = evaluate(case, POLICIES, now=at(6, 12, 30), calendars=CALS).kpi("first_response")
    assert late.state is KpiState.BREACHED
    assert late.remaining == -timedelta(minutes=30)
    responded = case.respond(at(6, 13))
    done = evaluate(responded, POLICIES, now=at(6, 14), calendars=CALS).kpi("first_response")
    assert done.state is KpiState.BREACHED  # met late: 3 h > 2 h
    assert done.completed_at == at(6, 13)
    assert done.breach_at == at(6, 12)


def test_success() -> None:
    case = new_case("high").respond(at(6, 11))
    fr = evaluate(case, POLICIES, now=at(6, 15), calendars=CALS).kpi("first_response")
    assert fr.state is KpiState.SUCCEEDED
    assert fr.elapsed == H


def test_pause_and_resume() -> None:
    # Normal: resolution 16 h. Mon 10:00 created; waiting for customer Mon 12:00 - Tue 12:00.
    case = (
        new_case()
        .respond(at(6, 11))
        .change_status("waiting_for_customer", at(6, 12))
        .change_status("in_progress", at(7, 12))
    )
    paused = evaluate(
        case.change_status("on_hold", at(7, 12)), POLICIES, now=at(7, 9), calendars=CALS
    )
    assert paused.kpi("resolution").state is KpiState.PAUSED
    res = evaluate(case, POLICIES, now=at(7, 13), calendars=CALS).kpi("resolution")
    # Elapsed: Mon 10-12 (2 h) + Tue 12-13 (1 h) = 3 h. Paused: Mon 12-17 (5 h) + Tue 09-12 (3 h) = 8 h.
    assert res.elapsed == 3 * H
    assert res.paused == 8 * H
    # Remaining 13 h from Tue 13:00: 4 h Tue, 8 h Wed, 1 h Thu -> Thu 2025-01-09 10:00.
    assert res.breach_at == at(9, 10)
    assert res.state is KpiState.IN_PROGRESS
    assert any("paused 8h00m" in line or "paused 5h00m" in line for line in res.explain())


def test_paused_time_is_never_lost_on_priority_change() -> None:
    case = (
        new_case()
        .change_status("waiting_for_customer", at(6, 12))
        .change_status("in_progress", at(7, 12))
        .change_priority("high", at(7, 13))
    )
    result = evaluate(case, POLICIES, now=at(7, 14), calendars=CALS)
    assert result.policy == "high"
    res = result.kpi("resolution")
    # Elapsed Mon 10-12 (2 h) + Tue 12-14 (2 h) = 4 h against the new 8 h target;
    # paused 8 h is kept. Remaining 4 h from Tue 14:00: Tue 14-17 (3 h) + Wed 1 h -> Wed 10:00.
    assert res.elapsed == 4 * H
    assert res.paused == 8 * H
    assert res.breach_at == at(8, 10)
    assert any("priority changed" in line for line in res.explain())


def test_priority_raised_after_the_new_target_passed_is_breached() -> None:
    case = new_case().change_priority("high", at(6, 13))
    fr = evaluate(case, POLICIES, now=at(6, 13, 30), calendars=CALS).kpi("first_response")
    # 3.5 h elapsed against the new 2 h target: breached; the 2 h mark was Mon 12:00.
    assert fr.state is KpiState.BREACHED
    assert fr.breach_at == at(6, 12)


def test_reopen_resumes_the_resolution_clock() -> None:
    case = new_case("high").respond(at(6, 11)).resolve(at(6, 14))
    resolved = evaluate(case, POLICIES, now=at(6, 15), calendars=CALS).kpi("resolution")
    assert resolved.state is KpiState.SUCCEEDED
    assert resolved.elapsed == 4 * H
    reopened = case.reopen(at(7, 9))
    res = evaluate(reopened, POLICIES, now=at(7, 10), calendars=CALS).kpi("resolution")
    # 4 h before resolution + Tue 09-10 (1 h) = 5 h; resolved time (Mon 14-17) not counted.
    assert res.elapsed == 5 * H
    assert res.state is KpiState.IN_PROGRESS
    # Remaining 3 h from Tue 10:00 -> Tue 13:00.
    assert res.breach_at == at(7, 13)


def test_next_response() -> None:
    case = new_case()
    nr = evaluate(case, POLICIES, now=at(6, 11), calendars=CALS).kpi("next_response")
    assert nr.state is KpiState.NOT_STARTED
    case = case.respond(at(6, 11)).respond(at(6, 15))
    nr = evaluate(case, POLICIES, now=at(6, 16), calendars=CALS).kpi("next_response")
    # Cycle from the latest response Mon 15:00; 8 h -> 2 h Mon + 6 h Tue -> Tue 15:00.
    assert nr.started_at == at(6, 15)
    assert nr.breach_at == at(7, 15)


def test_cancelled() -> None:
    case = new_case().cancel(at(6, 11))
    result = evaluate(case, POLICIES, now=at(6, 12), calendars=CALS)
    assert result.kpi("resolution").state is KpiState.CANCELLED


def test_custom_kpi_and_24x7() -> None:
    policy = SlaPolicy(
        "triage",
        [
            SlaTarget(
                "triage",
                "custom",
                3 * H,
                success_status="researching",
                business_hours=False,
                warning=2 * H,
            )
        ],
        calendar="office",
    )
    case = new_case(created=at(10, 16))  # Friday 16:00
    kpi = evaluate(case, [policy], now=at(10, 17), calendars=CALS).kpi("triage")
    # 24x7: breach Fri 19:00, warning Fri 18:00, whatever the office hours.
    assert kpi.breach_at == at(10, 19)
    assert kpi.warning_at == at(10, 18)
    assert kpi.calendar == "24x7"
    done = evaluate(
        case.change_status("researching", at(10, 18)), [policy], now=at(10, 20), calendars=CALS
    )
    assert done.kpi("triage").state is KpiState.SUCCEEDED


def test_tier_condition_and_entitlement() -> None:
    gold = SlaPolicy(
        "gold",
        [SlaTarget("resolution", "resolution", 4 * H)],
        applies_when=PolicyCondition(tiers="gold"),
        calendar="office",
    )
    contract = SlaPolicy(
        "contract", [SlaTarget("resolution", "resolution", 2 * H)], calendar="office"
    )
    account = Account(id=AccountId("acme"), name="Acme", tier="gold")
    case = new_case()
    assert (
        evaluate(case, [gold, NORMAL], now=at(6, 11), calendars=CALS, account=account).policy
        == "gold"
    )
    assert evaluate(case, [gold, NORMAL], now=at(6, 11), calendars=CALS).policy == "normal"
    ent = Entitlement(id="E1", account_id="acme", policy="contract", valid_from=date(2025, 1, 1))
    result = evaluate(
        case,
        [gold, NORMAL, contract],
        now=at(6, 11),
        calendars=CALS,
        account=account,
        entitlements=[ent],
    )
    assert (result.policy, result.entitlement) == ("contract", "E1")
    with pytest.raises(SlaError):
        evaluate(case, [gold], now=at(6, 11), calendars=CALS, entitlements=[ent])


def test_entitlement_overage() -> None:
    ent = Entitlement(
        id="E1",
        account_id="acme",
        policy="normal",
        valid_from=date(2025, 1, 1),
        calendar="office",
        included_time=10 * H,
        included_cases=2,
    )
    cases = [
        Case.open(
            id=CaseId(f"C{k}"), title="x", account_id=AccountId("acme"), created_at=at(6 + k, 9)
        ).resolve(at(6 + k, 15))
        for k in range(3)
    ]
    other = Case.open(id=CaseId("X"), title="x", account_id=AccountId("other"), created_at=at(6, 9))
    usage = entitlement_usage(ent, [*cases, other], now=at(10, 17), calendars=CALS)
    # Three cases of 6 business hours each = 18 h; 10 h included -> 8 h billable; 1 case over.
    assert usage.cases == 3
    assert usage.time_used == 18 * H
    assert usage.overage_time == 8 * H
    assert usage.overage_cases == 1
    assert usage.billable_cases == (CaseId("C2"),)


def test_no_policy_matches_gives_no_kpis() -> None:
    result = evaluate(new_case(), [HIGH], now=at(6, 11), calendars=CALS)
    assert result.policy is None
    assert result.kpis == ()


def test_errors_name_the_value() -> None:
    case = new_case()
    with pytest.raises(ValidationError):
        evaluate(case, POLICIES, now=datetime(2025, 1, 6, 11), calendars=CALS)  # noqa: DTZ001
    with pytest.raises(ValidationError):
        evaluate(case, POLICIES, now=at(6, 9), calendars=CALS)  # before creation
    with pytest.raises(SlaError) as err:
        evaluate(case, POLICIES, now=at(6, 11), calendars={})
    assert err.value.value == "office"
    with pytest.raises(ValidationError) as verr:
        SlaTarget("x", "resolution", -H)
    assert verr.value.field == "duration"
    with pytest.raises(ValidationError):
        SlaTarget("x", "resolution", H, warning=2 * H)
    with pytest.raises(ValidationError):
        SlaTarget("x", "custom", H)
    with pytest.raises(ValidationError):
        PolicyCondition(priorities=("urgent",))
    with pytest.raises(ValidationError):
        SlaPolicy("p", [SlaTarget("a", "resolution", H), SlaTarget("a", "resolution", H)])


def test_iranian_case_with_nowruz_and_waiting() -> None:
    cal = iran(thursday="half")
    tz = cal.timezone
    policy = SlaPolicy("ir", [SlaTarget("resolution", "resolution", 8 * H)], calendar="iran")
    # Created Tue 2025-03-18 (28 Esfand 1403) 14:00; waiting for the customer Wed..Sat.
    case = Case.open(
        id=CaseId("IR1"),
        title="x",
        account_id=AccountId("a"),
        created_at=datetime(2025, 3, 18, 14, tzinfo=tz),
    )
    case = case.change_status(CaseStatus.WAITING_FOR_CUSTOMER, datetime(2025, 3, 18, 15, tzinfo=tz))
    case = case.change_status(CaseStatus.IN_PROGRESS, datetime(2025, 3, 22, 10, tzinfo=tz))
    kpi = evaluate(
        case, [policy], now=datetime(2025, 3, 22, 12, tzinfo=tz), calendars={"iran": cal}
    ).kpi("resolution")
    # Elapsed: Tue 14-15 = 1 h (19 March - 24 March are holidays, so no more time).
    # Paused: Tue 15-16 = 1 h. Remaining 7 h from Tue 25 March 08:00 -> 15:00.
    assert kpi.elapsed == H
    assert kpi.paused == H
    assert kpi.breach_at == datetime(2025, 3, 25, 15, tzinfo=tz)


@pytest.mark.parametrize("backend", ["auto", "python", "numpy"])
def test_evaluate_many_equals_evaluate(backend: Backend) -> None:
    cases = []
    for k in range(12):
        case = new_case("high" if k % 2 else "normal", at(6, 9 + k % 8))
        if k % 3 == 1:
            case = case.respond(at(6, 16))
        if k % 4 == 2:
            case = case.change_status("on_hold", at(7, 9))
        if k % 5 == 3:
            case = case.resolve(at(7, 11))
        cases.append(case)
    gold = Account(id=AccountId("acme"), name="Acme", tier="gold")
    now = at(8, 12)
    many = evaluate_many(
        cases, POLICIES, now=now, calendars=CALS, accounts={gold.id: gold}, backend=backend
    )
    explained = evaluate_many(
        cases,
        POLICIES,
        now=now,
        calendars=CALS,
        accounts={gold.id: gold},
        backend=backend,
        explain=True,
    )
    one_by_one = [evaluate(c, POLICIES, now=now, calendars=CALS, account=gold) for c in cases]
    assert explained == one_by_one
    assert many == [_without_lines(e) for e in one_by_one]  # columnar, no explanations
    states = {k.state for e in many for k in e.kpis}
    assert {KpiState.PAUSED, KpiState.SUCCEEDED, KpiState.BREACHED} <= states


# -- properties: replay never loses time -------------------------------------------------------

_STATUSES = ["in_progress", "on_hold", "waiting_for_customer", "researching"]


@st.composite
def histories(draw: st.DrawFn) -> tuple[Case, datetime]:
    """A case with random active-status and priority changes, and a `now` after them."""
    t = at(6, 8) + timedelta(minutes=draw(st.integers(0, 600)))
    case = new_case(draw(st.sampled_from(["normal", "high"])), t)
    for _ in range(draw(st.integers(0, 8))):
        t += timedelta(minutes=draw(st.integers(1, 3000)))
        if draw(st.booleans()):
            case = case.change_status(draw(st.sampled_from(_STATUSES)), t)
        else:
            case = case.change_priority(draw(st.sampled_from(["low", "normal", "high"])), t)
    return case, t + timedelta(minutes=draw(st.integers(0, 3000)))


@settings(max_examples=60, deadline=None)
@given(history=histories())
def test_elapsed_plus_paused_is_all_business_time(history: tuple[Case, datetime]) -> None:
    case, now = history
    res = evaluate(case, POLICIES, now=now, calendars=CALS).kpi("resolution")
    # No resolution in these histories: every business second is either counted or paused.
    assert res.elapsed + res.paused == OFFICE.between(case.created_at, now)
    assert res.remaining == res.target - res.elapsed


@settings(max_examples=40, deadline=None)
@given(history=histories(), extra=st.integers(0, 5000))
def test_elapsed_never_decreases_with_now(history: tuple[Case, datetime], extra: int) -> None:
    case, now = history
    later = now + timedelta(minutes=extra)
    a = evaluate(case, POLICIES, now=now, calendars=CALS).kpi("resolution")
    b = evaluate(case, POLICIES, now=later, calendars=CALS).kpi("resolution")
    assert b.elapsed >= a.elapsed
    assert b.paused >= a.paused


def test_bad_policy_inputs_are_validation_errors() -> None:
    # Regression: these escaped as bare ValueError / TypeError from the converters.
    with pytest.raises(ValidationError, match="kind") as info:
        SlaTarget("r", "resolve_by", H)
    assert info.value.field == "kind"
    with pytest.raises(ValidationError, match="targets"):
        SlaPolicy("p", None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="tiers"):
        PolicyCondition(tiers=None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="accounts"):
        PolicyCondition(accounts=5)  # type: ignore[arg-type]


def test_bad_evaluate_inputs_are_validation_errors() -> None:
    # Regression: wrong containers used to fail deep inside with AttributeError / TypeError.
    case = new_case()
    now = at(6, 11)
    with pytest.raises(ValidationError, match="policies"):
        evaluate(case, None, now=now, calendars=CALS)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="calendars"):
        evaluate(case, POLICIES, now=now, calendars=[OFFICE])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"calendars\['office'\]"):
        evaluate(case, POLICIES, now=now, calendars={"office": 1})  # type: ignore[dict-item]
    with pytest.raises(ValidationError, match="account"):
        evaluate(case, POLICIES, now=now, calendars=CALS, account=1)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"cases\[0\]"):
        evaluate_many([1], POLICIES, now=now, calendars=CALS)  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="accounts"):
        evaluate_many([case], POLICIES, now=now, calendars=CALS, accounts=[1])  # type: ignore[arg-type]


def test_bad_entitlement_usage_inputs_are_validation_errors() -> None:
    ent = Entitlement("E1", "acme", "normal", date(2025, 1, 1))
    with pytest.raises(ValidationError, match="entitlement"):
        entitlement_usage(None, [new_case()], now=at(6, 11))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="cases"):
        entitlement_usage(ent, None, now=at(6, 11))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"cases\[0\]"):
        entitlement_usage(ent, [1], now=at(6, 11))  # type: ignore[list-item]


def test_explain_lists_the_choice_then_every_kpi_step() -> None:
    result = evaluate(new_case("high"), POLICIES, now=at(6, 11), calendars=CALS)
    # Hand-derived: high priority matches the first policy; warning at 80 % of 2 h = 1h36m
    # and of 8 h = 6h24m; created Mon 10:00, now 11:00 -> 1 h elapsed; breaches as in
    # test_first_match_wins_and_deadlines_are_business_time (Mon 12:00, Tue 10:00).
    assert result.explain() == (
        "policy 'high' is the first whose conditions match "
        "(priority high, type question, channel email, tier -)",
        "first_response: calendar office; target 2h00m, warning at 1h36m",
        "first_response: clock starts at creation; stops at the first response",
        "first_response: elapsed 1h00m, paused 0h00m, remaining 1h00m",
        "first_response: breach due 2025-01-06T12:00:00+00:00",
        "resolution: calendar office; target 8h00m, warning at 6h24m",
        "resolution: clock runs from creation until resolved (reopen resumes it)",
        "resolution: elapsed 1h00m, paused 0h00m, remaining 7h00m",
        "resolution: breach due 2025-01-07T10:00:00+00:00",
    )
    kpi = result.kpi("resolution")
    assert kpi.explain() == kpi.steps
    assert kpi.explain()[0] == "calendar office; target 8h00m, warning at 6h24m"


def test_no_policy_explains_itself() -> None:
    only_high = [HIGH]
    result = evaluate(new_case("low"), only_high, now=at(6, 11), calendars=CALS)
    assert result.policy is None
    assert result.kpis == ()
    assert result.explain() == ("no policy matches",)


def test_entitlement_choice_is_the_first_line() -> None:
    ent = Entitlement("E-1", "acme", "normal", date(2025, 1, 1))
    result = evaluate(new_case("high"), POLICIES, now=at(6, 11), calendars=CALS, entitlements=[ent])
    # The entitlement wins over the high-priority policy (Dynamics 365 entitlements do).
    assert result.policy == "normal"
    assert result.explain()[0] == "entitlement 'E-1' of acme selects policy 'normal'"


def _without_lines(evaluation: SlaEvaluation) -> SlaEvaluation:
    """``evaluation`` with its explanation lines dropped (what explain=False returns)."""
    kpis = tuple(attrs.evolve(k, steps=()) for k in evaluation.kpis)
    return attrs.evolve(evaluation, selection="", kpis=kpis)


def test_evaluate_many_without_explanations_equals_evaluate_minus_the_lines() -> None:
    cases = [
        new_case("high"),
        new_case().change_status("on_hold", at(6, 12)),
        new_case().respond(at(6, 11)).resolve(at(7, 10)),
    ]
    now = at(7, 12)
    quiet = evaluate_many(cases, POLICIES, now=now, calendars=CALS)
    full = [evaluate(c, POLICIES, now=now, calendars=CALS) for c in cases]
    assert quiet == [_without_lines(e) for e in full]
    assert all(e.explain() == () for e in quiet)
    assert all(e.explain() for e in full)


def test_a_bad_backend_is_a_validation_error() -> None:
    with pytest.raises(ValidationError) as info:
        evaluate_many([new_case()], POLICIES, now=at(6, 11), calendars=CALS, backend="fast")  # type: ignore[arg-type]
    assert info.value.field == "backend"
    assert info.value.obj == "evaluate_many"


def test_explain_must_be_a_bool() -> None:
    with pytest.raises(ValidationError) as info:
        evaluate_many([new_case()], POLICIES, now=at(6, 11), calendars=CALS, explain="yes")  # type: ignore[arg-type]
    assert info.value.field == "explain"
