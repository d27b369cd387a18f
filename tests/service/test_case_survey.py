"""Satisfaction recorded on a case as an event (issue 11 item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import AccountId, Case, CaseEvent, CaseEventKind, CaseId, CaseStatus, UserId
from crmcore.serialization import from_json, to_json
from crmcore.service import csat, survey_responses
from crmcore.sla import evaluate, evaluate_many
from tests.sla.test_engine import CALS, POLICIES, at, new_case

T0 = datetime(2026, 3, 21, 9, 0, tzinfo=UTC)


def _case(n: int, owner: str = "sara") -> Case:
    return Case.open(
        id=CaseId(f"K-{n}"),
        title=f"Case {n}",
        account_id=AccountId(f"A-{n}"),
        owner=UserId(owner),
        created_at=T0,
    )


def test_a_survey_changes_no_status_and_may_follow_resolution() -> None:
    case = _case(1).resolve(T0 + timedelta(hours=3))
    rated = case.record_satisfaction(5, T0 + timedelta(days=1), note="quick and kind")
    assert rated.status is CaseStatus.RESOLVED
    assert rated.events[-1].kind is CaseEventKind.SURVEYED
    assert rated.events[-1].score == 5
    # A later reopen still works: the survey is not a transition.
    assert rated.reopen(T0 + timedelta(days=2)).status is CaseStatus.IN_PROGRESS
    assert from_json(to_json(rated), Case) == rated


def test_survey_events_are_checked() -> None:
    with pytest.raises(ValidationError, match="score"):
        CaseEvent(at=T0, kind=CaseEventKind.SURVEYED)
    with pytest.raises(ValidationError, match="score"):
        CaseEvent(at=T0, kind=CaseEventKind.RESPONDED, score=3)
    with pytest.raises(ValidationError, match="criterion"):
        CaseEvent(at=T0, kind=CaseEventKind.RESPONDED, criterion="speed")
    with pytest.raises(ValidationError, match="score"):
        _case(1).record_satisfaction(-1, T0)
    with pytest.raises(ValidationError, match="at"):
        _case(1).record_satisfaction(4, T0 - timedelta(minutes=1))


def test_responses_from_cases_feed_csat() -> None:
    # Three rated cases on the default 1-5 scale, satisfied from 4: scores 5, 3, 4 and a
    # second rating 2 on case 1 -> 2 satisfied of 4 answers = 0.5 (counted by hand).
    one = _case(1).record_satisfaction(5, T0 + timedelta(hours=1))
    one = one.record_satisfaction(2, T0 + timedelta(hours=2), criterion="speed")
    two = _case(2, owner="ali").record_satisfaction(3, T0 + timedelta(hours=1))
    three = _case(3).resolve(T0 + timedelta(hours=1)).record_satisfaction(4, T0 + timedelta(days=1))
    unrated = _case(4)
    responses = survey_responses([one, two, three, unrated], team_of={"sara": "tehran"})
    assert [(r.case_id, r.score, r.agent, r.team, r.criterion) for r in responses] == [
        ("K-1", 5, "sara", "tehran", None),
        ("K-1", 2, "sara", "tehran", "speed"),
        ("K-2", 3, "ali", None, None),
        ("K-3", 4, "sara", "tehran", None),
    ]
    result = csat(responses)
    assert (result.satisfied, result.responses, result.rate) == (2, 4, 0.5)


def test_survey_responses_refuses_what_is_not_a_case() -> None:
    with pytest.raises(ValidationError, match=r"cases\[1\]"):
        survey_responses([_case(1), "K-2"])  # type: ignore[list-item]


def test_a_survey_does_not_move_sla_figures() -> None:
    # The SLA replay ignores surveyed events: the same KPIs with or without them.
    plain = new_case().respond(at(6, 11))
    rated = plain.record_satisfaction(2, at(6, 12))
    now = at(7, 15)
    assert (
        evaluate(rated, POLICIES, now=now, calendars=CALS).kpis
        == evaluate(plain, POLICIES, now=now, calendars=CALS).kpis
    )
    batch = evaluate_many([rated], POLICIES, now=now, calendars=CALS)
    assert batch[0].kpis == evaluate_many([plain], POLICIES, now=now, calendars=CALS)[0].kpis


def test_a_closed_case_refuses_other_events_but_takes_a_survey() -> None:
    closed = _case(1).cancel(T0 + timedelta(hours=1))
    with pytest.raises(InvalidTransitionError):
        closed.respond(T0 + timedelta(hours=2))
    assert closed.record_satisfaction(1, T0 + timedelta(hours=2)).status is CaseStatus.CANCELLED
