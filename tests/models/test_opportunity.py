"""Opportunities: stages, win (account becomes customer), lose, reopen, read-only when closed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import given, settings

from crmcore.errors import InvalidTransitionError, ValidationError
from crmcore.models import (
    Account,
    AccountId,
    Opportunity,
    OpportunityId,
    OpportunityStatus,
    RelationshipType,
    SalesStage,
)
from crmcore.money import Money
from tests.strategies import opportunities

CLOSE = date(2026, 5, 1)


def _opp(**fields: object) -> Opportunity:
    return Opportunity(
        id=OpportunityId("o1"),
        name="50 licences",
        account_id=AccountId("acme"),
        estimated_revenue=Money("12000", "USD"),
        **fields,  # type: ignore[arg-type]
    )


def test_stages_move_both_ways_while_open() -> None:
    opp = _opp().advance(SalesStage.PROPOSE)
    assert opp.stage is SalesStage.PROPOSE
    assert opp.advance("develop").stage is SalesStage.DEVELOP
    assert [s.rank for s in SalesStage] == [0, 1, 2, 3]
    with pytest.raises(ValidationError):
        opp.advance("negotiate")


def test_win_turns_a_prospect_account_into_a_customer() -> None:
    acme = Account(id=AccountId("acme"), name="Acme")
    result = _opp().win(Money("11500", "USD"), CLOSE, account=acme, reason="best fit")
    won = result.opportunity
    assert (won.status, won.stage, won.probability) == (
        OpportunityStatus.WON,
        SalesStage.CLOSE,
        100,
    )
    assert (won.actual_revenue, won.actual_close_date, won.close_reason) == (
        Money("11500", "USD"),
        CLOSE,
        "best fit",
    )
    assert result.account is not None
    assert result.account.relationship is RelationshipType.CUSTOMER
    assert _opp().win(Money("1", "USD"), CLOSE).account is None


@pytest.mark.parametrize("relationship", [RelationshipType.CUSTOMER, RelationshipType.PARTNER])
def test_win_keeps_a_non_prospect_account(relationship: RelationshipType) -> None:
    account = Account(id=AccountId("acme"), name="Acme", relationship=relationship)
    result = _opp().win(Money("1", "USD"), CLOSE, account=account)
    assert result.account == account


def test_win_checks_its_inputs() -> None:
    with pytest.raises(ValidationError, match="opportunity's account"):
        _opp().win(Money("1", "USD"), CLOSE, account=Account(id=AccountId("other"), name="O"))
    with pytest.raises(ValidationError) as info:
        _opp().win("11500", CLOSE)  # type: ignore[arg-type]
    assert info.value.field == "actual_revenue"
    with pytest.raises(ValidationError) as info:
        _opp().win(Money("1", "USD"), "2026-05-01")  # type: ignore[arg-type]
    assert info.value.field == "actual_close_date"


def test_lose_records_competitor_and_reason() -> None:
    lost = _opp().lose(CLOSE, reason="price", competitor="Globex")
    assert (lost.status, lost.probability, lost.competitor, lost.close_reason) == (
        OpportunityStatus.LOST,
        0,
        "Globex",
        "price",
    )
    assert lost.actual_revenue is None


@pytest.mark.parametrize(
    "close",
    [
        lambda o: o.win(Money("1", "USD"), CLOSE).opportunity,
        lambda o: o.lose(CLOSE),
    ],
    ids=["won", "lost"],
)
def test_closed_opportunities_refuse_edits(close: Callable[[Opportunity], Opportunity]) -> None:
    closed = close(_opp())
    actions: tuple[Callable[[], object], ...] = (
        lambda: closed.edit(name="x"),
        lambda: closed.advance(SalesStage.DEVELOP),
        lambda: closed.win(Money("1", "USD"), CLOSE),
        lambda: closed.lose(CLOSE),
    )
    for action in actions:
        with pytest.raises(InvalidTransitionError, match="read-only") as info:
            action()
        assert info.value.state == closed.status.value
    reopened = closed.reopen(probability=30)
    assert (reopened.status, reopened.probability) == (OpportunityStatus.OPEN, 30)
    assert (reopened.actual_revenue, reopened.actual_close_date, reopened.competitor) == (
        None,
        None,
        None,
    )
    assert reopened.edit(name="y").name == "y"


def test_reopen_an_open_opportunity_is_refused() -> None:
    with pytest.raises(InvalidTransitionError, match="reopen"):
        _opp().reopen()


def test_edit_guards_close_fields_and_validates() -> None:
    for managed in ("status", "actual_revenue", "actual_close_date", "competitor"):
        with pytest.raises(ValidationError, match="managed"):
            _opp().edit(**{managed: None})
    with pytest.raises(ValidationError) as info:
        _opp().edit(probability=101)
    assert info.value.field == "probability"


def test_closed_state_needs_its_figures() -> None:
    with pytest.raises(ValidationError) as info:
        _opp(status=OpportunityStatus.WON, actual_close_date=CLOSE)
    assert info.value.field == "actual_revenue"
    with pytest.raises(ValidationError) as info:
        _opp(status=OpportunityStatus.LOST)
    assert info.value.field == "actual_close_date"


@settings(max_examples=50, deadline=None)
@given(opportunities())
def test_open_iff_editable(opp: Opportunity) -> None:
    if opp.is_open:
        assert opp.edit(name="renamed").name == "renamed"
    else:
        with pytest.raises(InvalidTransitionError):
            opp.edit(name="renamed")
        # With a stage history every transition needs its time.
        at = opp.stage_history[-1].at if opp.stage_history else None
        assert opp.reopen(at=at).is_open
