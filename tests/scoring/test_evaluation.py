"""Evaluation metrics: hand-checked values and differential tests against scikit-learn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics
from sklearn.calibration import calibration_curve

from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.scoring import evaluation
from crmcore.scoring.evaluation import (
    average_precision,
    brier_score,
    calibration_table,
    cumulative_gains,
    deciles,
    evaluate,
    ks_statistic,
    log_loss,
    roc_auc,
    time_split,
)


@st.composite
def labelled(draw: st.DrawFn, *, on_edges: bool = True) -> tuple[list[int], list[float]]:
    n = draw(st.integers(2, 80))
    labels = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    assume(0 < sum(labels) < n)
    # few distinct values so that ties are common
    if draw(st.booleans()):
        pool = [0.1, 0.25, 0.5, 0.75, 0.9] if on_edges else [0.15, 0.25, 0.55, 0.75, 0.95]
        scores = [draw(st.sampled_from(pool)) for _ in range(n)]
    else:
        scores = draw(st.lists(st.floats(0.001, 0.999), min_size=n, max_size=n))
    return labels, scores


@settings(max_examples=80, deadline=None)
@given(data=labelled())
def test_against_scikit_learn(data: Any) -> None:
    labels, scores = data
    assert roc_auc(labels, scores) == pytest.approx(
        metrics.roc_auc_score(labels, scores), abs=1e-12
    )
    assert average_precision(labels, scores) == pytest.approx(
        metrics.average_precision_score(labels, scores), abs=1e-12
    )
    assert log_loss(labels, scores) == pytest.approx(metrics.log_loss(labels, scores), rel=1e-12)
    assert brier_score(labels, scores) == pytest.approx(
        metrics.brier_score_loss(labels, scores), abs=1e-12
    )
    # KS = the two-sample Kolmogorov-Smirnov statistic of won vs lost scores
    won = [s for s, y in zip(scores, labels, strict=True) if y]
    lost = [s for s, y in zip(scores, labels, strict=True) if not y]
    # (the statistic of scipy's ks_2samp, computed here from the two empirical CDFs)
    grid = np.array(sorted(set(scores)))
    cdf_won = np.searchsorted(np.sort(won), grid, side="right") / len(won)
    cdf_lost = np.searchsorted(np.sort(lost), grid, side="right") / len(lost)
    assert ks_statistic(labels, scores) == pytest.approx(
        float(np.max(np.abs(cdf_won - cdf_lost))), abs=1e-12
    )


@settings(max_examples=40, deadline=None)
@given(data=labelled(on_edges=False))
def test_calibration_matches_scikit_learn_uniform_bins(data: Any) -> None:
    labels, scores = data
    assume(all(abs(s * 10 - round(s * 10)) > 1e-9 for s in scores))  # no value on a bin edge
    table = calibration_table(labels, scores, bins=10)
    observed, predicted = calibration_curve(labels, scores, n_bins=10, strategy="uniform")
    assert [b.observed for b in table] == pytest.approx(list(observed), abs=1e-12)
    assert [b.mean_predicted for b in table] == pytest.approx(list(predicted), abs=1e-12)
    assert sum(b.count for b in table) == len(labels)


def test_numpy_inputs_are_accepted() -> None:
    labels = np.array([1, 0, 1, 0])
    scores = np.array([0.9, 0.1, 0.8, 0.2], dtype=np.float32)
    assert roc_auc(labels, scores) == 1.0
    assert roc_auc([True, False], [np.float64(0.2), np.float64(0.1)]) == 1.0


def test_auc_ties_count_half() -> None:
    # one won and one lost lead with the same score: U = 0.5 of 1 pair
    assert roc_auc([1, 0], [0.3, 0.3]) == 0.5
    assert roc_auc([1, 0, 1, 0], [0.9, 0.1, 0.8, 0.2]) == 1.0


def test_deciles_and_gains_hand_checked() -> None:
    # 20 leads, scores 20..1; won are the ones scored 20, 19, 17 and 5.
    scores = list(range(20, 0, -1))
    labels = [1 if s in (20, 19, 17, 5) else 0 for s in scores]
    rows = deciles(labels, scores)
    assert [r.won for r in rows] == [2, 1, 0, 0, 0, 0, 0, 1, 0, 0]
    assert rows[0].conversion == 1.0
    assert rows[0].lift == 5.0  # 100 % vs overall 4/20 = 20 %
    assert rows[1].gain == 0.75  # 3 of 4 wins in the top 20 %
    gains = cumulative_gains(labels, scores)
    assert gains[0].fraction == 0.0
    assert gains[-1].captured == 1.0
    assert [g.captured for g in gains[:3]] == [0.0, 0.5, 0.75]
    # uneven sizes: 23 leads → 3 groups of 3, then 7 groups of 2
    sizes = [r.leads for r in deciles([1, 0] * 11 + [1], list(range(23)))]
    assert sizes == [3, 3, 3, 2, 2, 2, 2, 2, 2, 2]


def test_evaluate_bundles_the_metrics() -> None:
    labels = [1, 0, 1, 1, 0, 0, 1, 0]
    probabilities = [0.9, 0.2, 0.7, 0.6, 0.4, 0.1, 0.3, 0.5]
    result = evaluate(labels, probabilities)
    assert result.examples == 8
    assert result.won == 4
    assert result.roc_auc == pytest.approx(metrics.roc_auc_score(labels, probabilities))
    assert result.brier == pytest.approx(metrics.brier_score_loss(labels, probabilities))


def test_bad_input() -> None:
    with pytest.raises(InsufficientDataError, match="at least one won and one lost"):
        roc_auc([1, 1], [0.2, 0.4])
    with pytest.raises(ValidationError, match="one score per label"):
        roc_auc([1, 0], [0.2])
    with pytest.raises(ValidationError, match="0/1"):
        roc_auc([2, 0], [0.2, 0.1])
    with pytest.raises(ValidationError, match=r"\[0, 1\]"):
        brier_score([1, 0], [1.2, 0.1])
    with pytest.raises(InsufficientDataError):
        roc_auc([], [])


def test_time_split_trains_on_older_leads() -> None:
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    items = [(t0 + timedelta(days=d), f"L{d}") for d in (9, 1, 5, 3, 7, 7, 2, 8, 4, 6)]
    train, test = time_split(items, key=lambda item: item[0], test_fraction=0.3)
    assert max(t for t, _ in train) < min(t for t, _ in test)
    # 30 % of 10 = 3 newest (days 7, 8, 9); the other day-7 lead joins them at the boundary
    assert [name for _, name in test] == ["L7", "L7", "L8", "L9"]
    assert [name for _, name in train] == ["L1", "L2", "L3", "L4", "L5", "L6"]
    with pytest.raises(ValidationError):
        time_split(items, key=lambda item: item[0], test_fraction=1.5)


@settings(max_examples=30, deadline=None)
@given(data=labelled())
def test_auc_is_invariant_under_monotone_transforms(data: Any) -> None:
    labels, scores = data
    squashed = [float(np.log(s / (1 - s))) for s in scores]
    assert roc_auc(labels, squashed) == pytest.approx(roc_auc(labels, scores), abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numpy_and_pure_paths_are_identical(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, 3000).tolist()
    scores = rng.random(3000).round(2).tolist()  # many ties
    fast = (
        roc_auc(labels, scores),
        average_precision(labels, scores),
        ks_statistic(labels, scores),
        deciles(labels, scores),
        brier_score(labels, scores),
        log_loss(labels, scores),
    )
    monkeypatch.setattr(evaluation, "_NUMPY_FROM", 10**9)
    pure = (
        roc_auc(labels, scores),
        average_precision(labels, scores),
        ks_statistic(labels, scores),
        deciles(labels, scores),
        brier_score(labels, scores),
        log_loss(labels, scores),
    )
    assert fast == pure
    assert fast[0] == pytest.approx(metrics.roc_auc_score(labels, scores), abs=1e-12)
