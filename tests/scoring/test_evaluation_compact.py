"""``evaluate`` on compact sequences (``array('b')``/``array('d')``, numpy) equals it on lists."""

from __future__ import annotations

import random
from array import array
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics

from crmcore.scoring.evaluation import _fast_arrays, evaluate, log_loss


def _leads(count: int, seed: int) -> tuple[list[bool], list[float]]:
    rng = random.Random(seed)
    probabilities = [round(rng.random(), 2) for _ in range(count)]  # many ties
    return [rng.random() < p for p in probabilities], probabilities


@pytest.mark.parametrize("count", [50, 2500])  # the pure path, and numpy from 2,000 leads
def test_compact_inputs_give_the_evaluation_of_lists(count: int) -> None:
    labels, probabilities = _leads(count, seed=count)
    expected = evaluate(labels, probabilities)
    assert evaluate(array("b", labels), array("d", probabilities)) == expected
    assert evaluate(np.array(labels, dtype=np.int8), np.array(probabilities)) == expected
    # a peer library (scikit-learn) on the same leads
    assert expected.roc_auc == pytest.approx(metrics.roc_auc_score(labels, probabilities))
    assert expected.log_loss == pytest.approx(metrics.log_loss(labels, probabilities), rel=1e-9)
    assert expected.brier == pytest.approx(metrics.brier_score_loss(labels, probabilities))
    assert expected.examples == count
    assert expected.won == sum(labels)


@settings(max_examples=20, deadline=None)
@given(
    st.lists(
        st.tuples(st.booleans(), st.floats(0.0, 1.0, allow_nan=False)), min_size=2, max_size=60
    ),
    st.integers(2000, 2100),
)
def test_log_loss_numpy_path_equals_the_pure_path(rows: list[tuple[bool, float]], n: int) -> None:
    # the same leads repeated past 2,000 run on numpy; the mean over repeats is the mean
    # of one copy only up to rounding, so the repeated list itself is compared both ways
    labels = [y for y, _ in rows] * (n // len(rows) + 1)
    probabilities = [p for _, p in rows] * (n // len(rows) + 1)
    fast = log_loss(array("b", labels), array("d", probabilities))
    # Fractions make an object array, which sends the metric down the pure path (exactly the
    # same floats: a float's Fraction converts back to that float)
    assert _fast_arrays(labels, [Fraction(p) for p in probabilities]) is None
    pure = log_loss(labels, [Fraction(p) for p in probabilities])
    assert fast == pure
