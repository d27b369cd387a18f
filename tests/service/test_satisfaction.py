"""Satisfaction: CSAT (Wilson), NPS (standard error), CES, CSI, grouping and change tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from crmcore.errors import ValidationError
from crmcore.service import (
    RatingScale,
    SurveyResponse,
    ces,
    compare_csat,
    compare_nps,
    csat,
    csi,
    group_responses,
    nps,
    period_key,
    summarize,
    wilson_interval,
)

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
Z95 = 1.959963984540054


def answers(*scores: int, **fields: object) -> list[SurveyResponse]:
    return [SurveyResponse(score=s, at=T0, **fields) for s in scores]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    # Newcombe, R. G. (1998), "Two-sided confidence intervals for the single proportion:
    # comparison of seven methods", Statistics in Medicine 17, 857-872, Table I, method 3 (Wilson).
    [
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe(successes: int, n: int, low: float, high: float) -> None:
    got = wilson_interval(successes, n, Z95)
    assert got == pytest.approx((low, high), abs=5e-5)


def test_csat_hand_checked() -> None:
    # 45 of 50 answer 4 or 5 on 1–5: p = 0.9; z² = 3.841459;
    # centre = (0.9 + 3.841459/100) / (1 + 3.841459/50) = 0.938415 / 1.076829 = 0.871461
    # half = 1.959964 × √(0.09/50 + 3.841459/10000) / 1.076829 = 0.085063 -> [0.7864, 0.9565]
    result = csat(answers(*([5] * 30 + [4] * 15 + [3] * 3 + [1] * 2)))
    assert (result.satisfied, result.responses, result.rate) == (45, 50, 0.9)
    assert result.low == pytest.approx(0.7864, abs=5e-5)
    assert result.high == pytest.approx(0.9565, abs=5e-5)
    assert result.warnings == ()
    # A caller-defined scale: 0–10 with 7 and above satisfied -> 2 of 3.
    assert csat(answers(7, 10, 6), scale=RatingScale(0, 10, 7)).satisfied == 2
    assert csat(answers(5, 4)).warnings  # two answers: flagged as too few


def test_nps_hand_checked() -> None:
    # 50 promoters, 30 passives, 20 detractors of 100: NPS = 100 (0.5 − 0.2) = 30;
    # var = (0.5 + 0.2 − 0.3²) / 100 = 0.0061; SE = 100 √0.0061 = 7.8102; 95 %: 30 ± 15.3078.
    result = nps(answers(*([10] * 25 + [9] * 25 + [8] * 15 + [7] * 15 + [6] * 10 + [0] * 10)))
    assert (result.promoters, result.passives, result.detractors) == (50, 30, 20)
    assert result.score == pytest.approx(30.0)
    assert result.standard_error == pytest.approx(7.8102, abs=5e-5)
    assert result.low == pytest.approx(30 - 15.3078, abs=5e-4)
    assert result.high == pytest.approx(30 + 15.3078, abs=5e-4)
    assert "NPS = 100 × (50 − 20) / 100 = 30.00" in result.explain()


def test_ces_hand_checked() -> None:
    # scores 7, 5, 6, 6: mean 6; s² = (1 + 1 + 0 + 0) / 3 = 0.6667; SE = √(0.6667/4) = 0.4082.
    result = ces(answers(7, 5, 6, 6))
    assert result.mean == 6.0
    assert result.standard_error == pytest.approx(0.40825, abs=5e-5)
    assert result.warnings


def test_csi_given_and_importance_weights() -> None:
    # speed: 5, 3 -> mean 4 -> 100 (4 − 1)/4 = 75; courtesy: 5 -> 100; price: 1, 2 -> 1.5 -> 12.5.
    rated = [
        *answers(5, 3, criterion="speed"),
        *answers(5, criterion="courtesy"),
        *answers(1, 2, criterion="price"),
    ]
    # weights 2:1:1 -> 0.5 × 75 + 0.25 × 100 + 0.25 × 12.5 = 65.625
    result = csi(rated, weights={"speed": 2, "courtesy": 1, "price": 1})
    assert result.index == pytest.approx(65.625)
    assert [c.name for c in result.criteria] == ["courtesy", "price", "speed"]
    # importance means: speed 5, courtesy 3, price 2 -> weights 0.5, 0.3, 0.2:
    # 0.5 × 75 + 0.3 × 100 + 0.2 × 12.5 = 70.0
    importance = [
        *answers(5, 5, criterion="speed"),
        *answers(3, criterion="courtesy"),
        *answers(1, 3, criterion="price"),
    ]
    result = csi(rated, importance=importance)
    assert result.index == pytest.approx(70.0)
    assert result.weights_from == "importance"
    assert result.explain()[-1].startswith("CSI = ")
    # equal weights: (75 + 100 + 12.5) / 3 = 62.5
    assert csi(rated).index == pytest.approx(62.5)


def test_grouping_by_agent_and_jalali_period() -> None:
    tehran = ZoneInfo("Asia/Tehran")
    items = [
        SurveyResponse(score=5, at=datetime(2026, 3, 20, 23, 0, tzinfo=tehran), agent="sara"),
        SurveyResponse(score=2, at=datetime(2026, 3, 21, 9, 0, tzinfo=tehran), agent="ali"),
        SurveyResponse(score=4, at=datetime(2026, 4, 20, 9, 0, tzinfo=tehran)),
    ]
    assert list(group_responses(items, by="agent")) == ["(none)", "ali", "sara"]
    # 2026-03-20 is 29 Esfand 1404; 2026-03-21 is 1 Farvardin 1405 (Nowruz); 2026-04-20 is 31 Farvardin.
    groups = group_responses(items, by="period", period="month", jalali=True)
    assert {k: len(v) for k, v in groups.items()} == {"1404-12": 1, "1405-01": 2}
    assert period_key(T0, "quarter") == "2026-Q1"
    assert period_key(T0, "year", jalali=True) == "1404"


def test_compare_csat_and_nps() -> None:
    # CSAT 60/100 -> 80/100: pooled p = 0.7; z = 0.2 / √(0.21 × 0.02) = 3.0861 (roi.compare_proportions)
    before = answers(*([5] * 60 + [2] * 40))
    after = answers(*([5] * 80 + [2] * 20))
    change = compare_csat(before, after)
    assert change.z == pytest.approx(3.0861, abs=5e-4)
    assert change.significant
    # NPS: before 60 P / 40 D -> 20, var = (1 − 0.04)/100 -> SE 9.7980;
    # after 80 P / 20 D -> 60, var = (1 − 0.36)/100 -> SE 8.0; z = 40 / √(96 + 64) = 3.1623.
    before = answers(*([10] * 60 + [0] * 40))
    after = answers(*([10] * 80 + [0] * 20))
    result = compare_nps(before, after)
    assert result.difference == pytest.approx(40.0)
    assert result.z == pytest.approx(3.1623, abs=5e-4)
    assert result.p_value == pytest.approx(2 * stats.norm.sf(3.16228), abs=1e-5)
    assert result.significant
    assert result.warnings == ()
    small = compare_nps(answers(10, 0, 9), answers(10, 10))
    assert len(small.warnings) == 2
    assert not small.significant


@settings(max_examples=60)
@given(st.lists(st.integers(1, 5), min_size=1, max_size=60))
def test_rates_within_bounds(scores: list[int]) -> None:
    result = csat(answers(*scores))
    assert 0.0 <= result.low <= result.rate <= result.high <= 1.0
    result_nps = nps(answers(*[min(10, s * 2) for s in scores]))
    assert -100.0 <= result_nps.low <= result_nps.score <= result_nps.high <= 100.0
    assert 0.0 <= csi(answers(*scores, criterion="x")).index <= 100.0


def test_bad_input_names_field_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        csat(answers(5, 6))
    assert (info.value.field, info.value.value) == ("responses[1].score", 6)
    with pytest.raises(ValidationError) as info:
        nps(answers(11))
    assert info.value.field == "responses[0].score"
    with pytest.raises(ValidationError) as info:
        csi(answers(4, criterion="speed"), weights={"speed": 0})
    assert info.value.field == "weights"
    with pytest.raises(ValidationError) as info:
        csi(answers(4, criterion="speed"), weights={"speed": -1})
    assert info.value.field == "weights['speed']"
    with pytest.raises(ValidationError) as info:
        csi(answers(4))
    assert info.value.field == "responses[0].criterion"
    with pytest.raises(ValidationError) as info:
        csat([])
    assert info.value.field == "responses"
    with pytest.raises(ValidationError):
        RatingScale(5, 1)
    with pytest.raises(ValidationError) as info:
        group_responses(answers(4), by="period", period="week")
    assert info.value.field == "period"
    with pytest.raises(ValidationError):
        SurveyResponse(score=4, at=T0.replace(tzinfo=None))
    assert math.isfinite(nps(answers(10)).standard_error)


def test_summarize_one_metric_per_group() -> None:
    items = [*answers(5, 4, agent="sara"), *answers(2, 5, agent="ali")]
    # sara 2/2, ali 1/2 satisfied; NPS of ali: 0 promoters, 2 detractors of 2 -> −100
    assert {k: r.rate for k, r in summarize(items, by="agent").items()} == {"ali": 0.5, "sara": 1.0}
    assert summarize(items, metric="nps", by="agent")["ali"].score == -100.0
    assert list(summarize(items)) == ["all"]
    with pytest.raises(ValidationError) as info:
        summarize(items, metric="ces2")
    assert info.value.field == "metric"


def test_csi_needs_importance_for_every_rated_criterion() -> None:
    with pytest.raises(ValidationError) as info:
        csi(
            answers(4, criterion="speed") + answers(5, criterion="price"),
            importance=answers(5, criterion="speed"),
        )
    assert (info.value.field, info.value.value) == ("importance", "price")
