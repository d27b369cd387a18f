"""The columnar evaluate_many equals evaluate case by case, on generated histories.

evaluate replays each history over datetimes segment by segment; the columnar path
measures integer pieces in one batch per calendar. Two independent computations of
the same documented rules, so equality on every generated input is the check.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule, iran
from crmcore.errors import InvalidTransitionError
from crmcore.models import Account, AccountId, Case, CaseId, CasePriority, CaseStatus
from crmcore.sla import (
    Entitlement,
    PolicyCondition,
    SlaEvaluation,
    SlaPolicy,
    SlaTarget,
    _columnar,
    evaluate,
    evaluate_many,
)

H = timedelta(hours=1)
CALS = {
    "office": BusinessCalendar(
        WeeklySchedule.from_mapping({"mon-fri": "09:00-12:00, 13:00-17:00"}), timezone="UTC"
    ),
    "iran": iran(thursday="half"),
}
POLICIES = [
    SlaPolicy(
        "urgent",
        [
            SlaTarget("first_response", "first_response", H, warning=timedelta(minutes=20)),
            SlaTarget("resolution", "resolution", 6 * H, pause_statuses=("on_hold",)),
            SlaTarget("wall_clock", "resolution", 30 * H, business_hours=False),
        ],
        applies_when=PolicyCondition(priorities=("high", "critical")),
        calendar="office",
    ),
    SlaPolicy(
        "gold",
        [
            SlaTarget("next_response", "next_response", 3 * H, warning_percent=50),
            SlaTarget("research", "custom", 5 * H, success_status="researching"),
        ],
        applies_when=PolicyCondition(tiers="gold"),
        calendar="office",
    ),
    SlaPolicy(
        "standard",
        [
            SlaTarget("first_response", "first_response", 4 * H),
            SlaTarget("next_response", "next_response", 8 * H),
            SlaTarget("resolution", "resolution", 16 * H),
            SlaTarget("answered", "custom", 10 * H, success_event="responded"),
        ],
        calendar="office",
    ),
    SlaPolicy("tehran", [SlaTarget("resolution", "resolution", 12 * H)], calendar="iran"),
]
ENTITLEMENTS = [Entitlement("E-IR", "tehran-steel", "tehran", date(2025, 1, 1), calendar="iran")]
ACCOUNTS = {
    AccountId("gold-co"): Account(id=AccountId("gold-co"), name="Gold", tier="gold"),
}
START = datetime(2025, 3, 10, 7, tzinfo=UTC)
_ACTIONS = ["respond", "status", "priority", "resolve", "cancel", "reopen"]
_ACTIVE = [s for s in CaseStatus if s.is_active and s is not CaseStatus.NEW]


@st.composite
def histories(draw: st.DrawFn, k: int) -> Case:
    """A case with a random valid history of up to 12 events (closing and reopening too)."""
    t = START + timedelta(minutes=draw(st.integers(0, 20 * 24 * 60)))
    case = Case.open(
        id=CaseId(f"C{k}"),
        title="x",
        account_id=AccountId(draw(st.sampled_from(["acme", "gold-co", "tehran-steel"]))),
        priority=draw(st.sampled_from(list(CasePriority))),
        created_at=t,
    )
    for _ in range(draw(st.integers(0, 12))):
        t += timedelta(minutes=draw(st.sampled_from([0, 7, 45, 180, 900, 3000])))
        action = draw(st.sampled_from(_ACTIONS))
        try:
            if action == "respond":
                case = case.respond(t)
            elif action == "status":
                case = case.change_status(draw(st.sampled_from(_ACTIVE)), t)
            elif action == "priority":
                case = case.change_priority(draw(st.sampled_from(list(CasePriority))), t)
            else:
                case = getattr(case, action)(t)
        except InvalidTransitionError:
            continue
    return case


def _without_lines(evaluation: SlaEvaluation) -> SlaEvaluation:
    kpis = tuple(attrs.evolve(k, steps=()) for k in evaluation.kpis)
    return attrs.evolve(evaluation, selection="", kpis=kpis)


@settings(max_examples=60, deadline=None)
@given(
    cases=st.lists(st.integers(0, 10**6), min_size=1, max_size=6).flatmap(
        lambda keys: st.tuples(*(histories(k) for k in range(len(keys))))
    ),
    later=st.integers(0, 40 * 24 * 60),
    backend=st.sampled_from(["python", "numpy"]),
)
def test_columnar_evaluate_many_equals_evaluate_case_by_case(
    cases: tuple[Case, ...], later: int, backend: str
) -> None:
    # `now` may fall before some events (they are ignored) but not before any creation.
    now = max(c.created_at for c in cases) + timedelta(minutes=later)
    many = evaluate_many(
        cases,
        POLICIES,
        now=now,
        calendars=CALS,
        accounts=ACCOUNTS,
        entitlements=ENTITLEMENTS,
        backend=backend,  # type: ignore[arg-type]
    )
    one_by_one = [
        evaluate(
            c,
            POLICIES,
            now=now,
            calendars=CALS,
            account=ACCOUNTS.get(c.account_id) if c.account_id else None,
            entitlements=ENTITLEMENTS,
        )
        for c in cases
    ]
    assert many == [_without_lines(e) for e in one_by_one]


@settings(max_examples=30, deadline=None)
@given(
    cases=st.lists(st.integers(0, 10**6), min_size=1, max_size=7).flatmap(
        lambda keys: st.tuples(*(histories(k) for k in range(len(keys))))
    ),
    later=st.integers(0, 40 * 24 * 60),
    size=st.integers(1, 3),
    backend=st.sampled_from(["python", "numpy"]),
)
def test_columnar_slices_equal_evaluate_case_by_case(
    cases: tuple[Case, ...], later: int, size: int, backend: str
) -> None:
    # The columnar path works through the cases in slices (of 64); slices of 1-3 cases
    # put slice boundaries between cases of different policies and calendars.
    now = max(c.created_at for c in cases) + timedelta(minutes=later)
    with mock.patch.object(_columnar, "_SLICE", size):
        many = evaluate_many(
            cases,
            POLICIES,
            now=now,
            calendars=CALS,
            accounts=ACCOUNTS,
            entitlements=ENTITLEMENTS,
            backend=backend,  # type: ignore[arg-type]
        )
    one_by_one = [
        evaluate(
            c,
            POLICIES,
            now=now,
            calendars=CALS,
            account=ACCOUNTS.get(c.account_id) if c.account_id else None,
            entitlements=ENTITLEMENTS,
        )
        for c in cases
    ]
    assert many == [_without_lines(e) for e in one_by_one]


def test_a_resolution_at_the_instant_of_a_reopen_ends_the_next_response_clock() -> None:
    # _engine._next_response_clock: the clock starts at the latest response or reopen and
    # stops at the first resolution "at or after" that time, so a resolution logged at the
    # very instant of the reopen (but before it) stops it: met at that instant, 0 elapsed.
    t0 = datetime(2025, 3, 10, 9, tzinfo=UTC)  # a Monday, office hours
    case = (
        Case.open(id=CaseId("T"), title="x", account_id=AccountId("gold-co"), created_at=t0)
        .respond(t0 + H)
        .resolve(t0 + 2 * H)
        .reopen(t0 + 2 * H)
    )
    now = t0 + 5 * H
    (many,) = evaluate_many([case], POLICIES, now=now, calendars=CALS, accounts=ACCOUNTS)
    kpi = many.kpi("next_response")
    assert (kpi.started_at, kpi.completed_at, kpi.elapsed) == (t0 + 2 * H, t0 + 2 * H, 0 * H)
    one = evaluate(case, POLICIES, now=now, calendars=CALS, account=ACCOUNTS[AccountId("gold-co")])
    assert many == _without_lines(one)
