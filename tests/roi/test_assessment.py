"""Before/after comparisons with confidence intervals and significance tests."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from crmcore.errors import ValidationError
from crmcore.roi import compare_means, compare_proportions


def test_two_proportion_z_test_hand_checked() -> None:
    # 30/200 before, 52/210 after; pooled p̂ = 82/410 = 0.2;
    # z = (0.247619 − 0.15) / √(0.16 (1/200 + 1/210)) = 0.097619 / 0.039521 = 2.4701
    result = compare_proportions((30, 200), (52, 210))
    assert result.before_rate == 0.15
    assert result.after_rate == pytest.approx(52 / 210)
    assert result.z == pytest.approx(2.4701, abs=1e-4)
    # two-sided p = 2(1 − Φ(2.4701)), Φ from scipy independently
    assert result.p_value == pytest.approx(2 * stats.norm.sf(result.z), rel=1e-9)
    assert result.significant
    assert result.warnings == ()
    # Wald interval: 0.097619 ± 1.959964 √(0.15·0.85/200 + 0.247619·0.752381/210)
    se = math.sqrt(0.15 * 0.85 / 200 + (52 / 210) * (158 / 210) / 210)
    assert result.low == pytest.approx(52 / 210 - 0.15 - 1.959964 * se, abs=1e-6)
    assert result.high == pytest.approx(52 / 210 - 0.15 + 1.959964 * se, abs=1e-6)


def test_small_samples_warn_and_are_not_significant() -> None:
    result = compare_proportions((1, 8), (3, 9))
    assert len(result.warnings) == 2
    assert "too small" in result.warnings[0]
    assert not result.significant


def test_confidence_level_changes_the_interval_only() -> None:
    narrow = compare_proportions((30, 200), (52, 210), confidence=0.9)
    wide = compare_proportions((30, 200), (52, 210), confidence=0.99)
    assert wide.low < narrow.low < narrow.high < wide.high
    assert wide.z == narrow.z
    assert not wide.significant  # p = 0.0135 > 0.01


def test_compare_means_matches_welch_z() -> None:
    before = [10, 12, 11, 13, 9, 12] * 6
    after = [13, 14, 12, 15, 13, 14] * 6
    result = compare_means(before, after)
    welch = stats.ttest_ind(after, before, equal_var=False)
    assert result.z == pytest.approx(welch.statistic, rel=1e-9)  # same statistic as Welch's t
    assert result.difference == pytest.approx(13.5 - 67 / 6)
    assert result.significant
    assert result.warnings == ()
    assert compare_means([1, 2, 3], [2, 3, 4]).warnings != ()


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="before"):
        compare_proportions((5, 3), (1, 2))
    with pytest.raises(ValidationError, match="after"):
        compare_proportions((1, 3), (0, 0))
    with pytest.raises(ValidationError, match="confidence"):
        compare_proportions((1, 3), (1, 3), confidence=1.5)
    with pytest.raises(ValidationError, match="before"):
        compare_means([1], [1, 2])
    with pytest.raises(ValidationError, match=r"after\[1\]"):
        compare_means([1, 2], [1, float("nan")])
