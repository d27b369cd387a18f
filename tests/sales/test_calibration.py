"""Calibrated stage win rates and Brier scores, checked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityId, SalesStage
from crmcore.money import Money
from crmcore.sales import ProbabilitySnapshot, calibrate_stage_win_rates, score_probabilities

CLOSE = date(2026, 1, 31)


def _closed(name: str, stage: str, won: bool) -> Opportunity:
    opp = Opportunity(id=OpportunityId(name), name=name, stage=SalesStage(stage))
    return opp.win(Money(1, "IRR"), CLOSE).opportunity if won else opp.lose(CLOSE)


HISTORY = [
    _closed("A", "propose", True),
    _closed("B", "propose", False),
    _closed("C", "qualify", False),
    _closed("D", "develop", True),
]


def test_stage_rates_by_hand() -> None:
    # Reached (a won deal reached every stage): qualify 4 (2 won), develop 3 (2),
    # propose 3 (2), close 2 (2). Overall 2/4 = 0.5. m = 2:
    # qualify (2 + 2×0.5)/(4 + 2) = 0.5; develop and propose (2 + 1)/(3 + 2) = 0.6;
    # close has 2 < min_count 3 closed deals: pooled to 0.5.
    rates = calibrate_stage_win_rates(HISTORY, smoothing=2, min_count=3)
    assert [(r.stage.value, r.reached, r.won, r.rate, r.pooled) for r in rates.rates] == [
        ("qualify", 4, 2, Decimal("0.5000"), False),
        ("develop", 3, 2, Decimal("0.6000"), False),
        ("propose", 3, 2, Decimal("0.6000"), False),
        ("close", 2, 2, Decimal("0.5000"), True),
    ]
    assert "pooled" in rates.explain()[-1]


def test_brier_scores_by_hand() -> None:
    snaps = [
        ProbabilitySnapshot(opportunity_id=OpportunityId("A"), stage="propose", probability=70),
        ProbabilitySnapshot(opportunity_id=OpportunityId("B"), stage="propose", probability=80),
        ProbabilitySnapshot(opportunity_id=OpportunityId("C"), stage="qualify", probability=10),
        ProbabilitySnapshot(opportunity_id=OpportunityId("Z"), stage="qualify", probability=10),
    ]
    report = score_probabilities(HISTORY, snaps, smoothing=2, min_count=3)
    # Rep: ((0.7-1)² + (0.8-0)² + (0.1-0)²)/3 = (0.09 + 0.64 + 0.01)/3 = 0.24667.
    # Calibrated: ((0.6-1)² + (0.6-0)² + (0.5-0)²)/3 = (0.16 + 0.36 + 0.25)/3 = 0.25667.
    # The unknown deal Z is skipped.
    assert (report.scored, report.rep_brier, report.calibrated_brier, report.better) == (
        3,
        Decimal("0.2467"),
        Decimal("0.2567"),
        "rep",
    )


def test_bad_input() -> None:
    with pytest.raises(ValidationError) as caught:
        calibrate_stage_win_rates([], smoothing=1)
    assert caught.value.field == "history"
    with pytest.raises(ValidationError) as caught:
        calibrate_stage_win_rates(HISTORY, min_count=0)
    assert (caught.value.field, caught.value.value) == ("min_count", 0)
    with pytest.raises(ValidationError) as caught:
        ProbabilitySnapshot(opportunity_id=OpportunityId("A"), stage="propose", probability=-1)
    assert caught.value.field == "probability"


def test_forecast_with_calibrated_rates_beside_the_reps() -> None:
    from crmcore.sales import forecast
    from tests.sales.test_forecast import AS_OF, five

    deals = five()
    deals[2] = deals[2].advance("propose")
    rates = calibrate_stage_win_rates(HISTORY, smoothing=2, min_count=3)
    total = forecast(deals, as_of=AS_OF, by=None, win_rates=rates).total()
    # Open: o1 and o2 in qualify (1,000,000 + 2,000,000) × 0.5 = 1,500,000; o3 in propose
    # 3,000,000 × 0.6 = 1,800,000; calibrated 3,300,000 beside the reps' 4,100,000.
    assert (total.calibrated, total.weighted) == (Money(3_300_000, "IRR"), Money(4_100_000, "IRR"))
    assert forecast(deals, as_of=AS_OF).total().calibrated is None
