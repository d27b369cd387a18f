"""Measuring a lead score honestly: ranking, probability and business metrics.

Every function takes ``labels`` (won = 1/True, lost = 0/False) and
``scores`` (any numbers where higher means likelier; probabilities in [0, 1]
for :func:`log_loss`, :func:`brier_score` and :func:`calibration_table`).

>>> labels = [1, 0, 1, 0, 1]
>>> scores = [0.9, 0.8, 0.7, 0.3, 0.3]
>>> roc_auc(labels, scores)  # 3.5 of 6 (won, lost) pairs ordered right, the 0.3 tie counts 1/2
0.5833333333333334
>>> average_precision(labels, scores)  # (1/1 + 2/3 + 3/5) / 3
0.7555555555555555
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import attrs

from crmcore.errors import InsufficientDataError, ValidationError

__all__ = [
    "CalibrationBin",
    "Decile",
    "Evaluation",
    "GainPoint",
    "average_precision",
    "brier_score",
    "calibration_table",
    "cumulative_gains",
    "deciles",
    "evaluate",
    "ks_statistic",
    "log_loss",
    "roc_auc",
    "time_split",
]

_T = TypeVar("_T")


def _prepare(labels: Sequence[object], scores: Sequence[object]) -> tuple[list[int], list[float]]:
    if len(labels) != len(scores):
        raise ValidationError(
            obj="evaluation",
            field="scores",
            value=len(scores),
            expected=f"one score per label ({len(labels)})",
        )
    if len(labels) == 0:
        raise InsufficientDataError(
            obj="evaluation", field="labels", value=0, expected="one or more examples"
        )
    ys: list[int] = []
    for label in labels:
        if label in (0, 1) and not isinstance(label, float):
            ys.append(1 if label else 0)
        else:
            raise ValidationError(
                obj="evaluation", field="labels", value=label, expected="0/1 or False/True"
            )
    xs: list[float] = []
    for score in scores:
        if isinstance(score, bool) or not isinstance(score, numbers.Real):
            raise ValidationError(
                obj="evaluation", field="scores", value=score, expected="a number"
            )
        number = float(score)  # numpy scalars included
        if not math.isfinite(number):
            raise ValidationError(
                obj="evaluation", field="scores", value=score, expected="a finite number"
            )
        xs.append(number)
    return ys, xs


def _both_classes(ys: Sequence[int], metric: str) -> tuple[int, int]:
    positives = sum(ys)
    negatives = len(ys) - positives
    if positives == 0 or negatives == 0:
        raise InsufficientDataError(
            obj=metric,
            field="labels",
            value=(positives, negatives),
            expected="at least one won and one lost example",
        )
    return positives, negatives


def _descending_groups(ys: Sequence[int], xs: Sequence[float]) -> list[tuple[int, int]]:
    """(positives, negatives) per distinct score, highest score first."""
    order = sorted(range(len(xs)), key=lambda i: -xs[i])
    groups: list[tuple[int, int]] = []
    previous: float | None = None
    for i in order:
        if previous is None or xs[i] != previous:
            groups.append((0, 0))
            previous = xs[i]
        pos, neg = groups[-1]
        groups[-1] = (pos + ys[i], neg + 1 - ys[i])
    return groups


def roc_auc(labels: Sequence[object], scores: Sequence[object]) -> float:
    """Area under the ROC curve: the Mann–Whitney U statistic over ``n₊·n₋``.

    A tied (positive, negative) pair counts one half — the same value as the
    trapezoidal ROC area (Hanley & McNeil 1982; scikit-learn ``roc_auc_score``).
    """
    ys, xs = _prepare(labels, scores)
    positives, negatives = _both_classes(ys, "roc_auc")
    # Walk scores from lowest to highest; each positive beats the negatives
    # strictly below it and ties half of those at its score.
    u = 0.0
    below = 0
    for pos, neg in reversed(_descending_groups(ys, xs)):
        u += pos * (below + 0.5 * neg)
        below += neg
    return u / (positives * negatives)


def average_precision(labels: Sequence[object], scores: Sequence[object]) -> float:
    """PR AUC as average precision: ``Σₙ (Rₙ − Rₙ₋₁) Pₙ`` over distinct thresholds.

    The step-wise (not interpolated) area scikit-learn's
    ``average_precision_score`` computes; suited to rare positives.
    """
    ys, xs = _prepare(labels, scores)
    positives, _ = _both_classes(ys, "average_precision")
    tp = fp = 0
    total = 0.0
    for pos, neg in _descending_groups(ys, xs):
        tp += pos
        fp += neg
        if pos:
            total += (pos / positives) * (tp / (tp + fp))
    return total


def log_loss(
    labels: Sequence[object], probabilities: Sequence[object], *, eps: float = 2.220446049250313e-16
) -> float:
    """Mean negative log-likelihood, probabilities clipped to ``[eps, 1 − eps]``."""
    ys, ps = _prepare(labels, probabilities)
    _check_probabilities(ps)
    terms = []
    for y, p in zip(ys, ps, strict=True):
        q = min(max(p, eps), 1.0 - eps)
        terms.append(-math.log(q) if y else -math.log1p(-q))
    return math.fsum(terms) / len(terms)


def brier_score(labels: Sequence[object], probabilities: Sequence[object]) -> float:
    """Mean squared difference between probability and outcome (Brier 1950)."""
    ys, ps = _prepare(labels, probabilities)
    _check_probabilities(ps)
    return math.fsum((p - y) ** 2 for y, p in zip(ys, ps, strict=True)) / len(ys)


def _check_probabilities(ps: Sequence[float]) -> None:
    for p in ps:
        if not 0.0 <= p <= 1.0:
            raise ValidationError(
                obj="evaluation", field="probabilities", value=p, expected="a number in [0, 1]"
            )


def ks_statistic(labels: Sequence[object], scores: Sequence[object]) -> float:
    """Kolmogorov–Smirnov: the largest gap between the score distributions of won and lost."""
    ys, xs = _prepare(labels, scores)
    positives, negatives = _both_classes(ys, "ks_statistic")
    tp = fp = 0
    best = 0.0
    for pos, neg in _descending_groups(ys, xs):
        tp += pos
        fp += neg
        best = max(best, abs(tp / positives - fp / negatives))
    return best


@attrs.frozen(kw_only=True)
class Decile:
    """One tenth (or ``1/bins``) of leads ranked by score, best first."""

    index: int
    """1 = the highest-scored group."""
    leads: int
    won: int
    conversion: float
    """``won / leads``."""
    lift: float
    """Conversion over the overall conversion."""
    cumulative_leads: int
    cumulative_won: int
    gain: float
    """Share of all won leads captured by this and the better groups."""


def _ranked(ys: Sequence[int], xs: Sequence[float]) -> list[int]:
    order = sorted(range(len(xs)), key=lambda i: -xs[i])  # stable: ties keep input order
    return [ys[i] for i in order]


def deciles(
    labels: Sequence[object], scores: Sequence[object], *, bins: int = 10
) -> tuple[Decile, ...]:
    """Lift and conversion by decile (leads sorted by score, split into ``bins`` near-equal groups).

    Groups differ in size by at most one lead (the first groups are larger);
    leads with tied scores keep their input order.
    """
    ys, xs = _prepare(labels, scores)
    if bins < 1:
        raise ValidationError(obj="deciles", field="bins", value=bins, expected="an int >= 1")
    ranked = _ranked(ys, xs)
    total_won = sum(ys)
    overall = total_won / len(ys)
    size, extra = divmod(len(ranked), bins)
    out: list[Decile] = []
    start = cum_won = 0
    for index in range(bins):
        count = size + (1 if index < extra else 0)
        if count == 0:
            continue
        won = sum(ranked[start : start + count])
        start += count
        cum_won += won
        rate = won / count
        out.append(
            Decile(
                index=index + 1,
                leads=count,
                won=won,
                conversion=rate,
                lift=rate / overall if overall else 0.0,
                cumulative_leads=start,
                cumulative_won=cum_won,
                gain=cum_won / total_won if total_won else 0.0,
            )
        )
    return tuple(out)


@attrs.frozen
class GainPoint:
    """After contacting ``fraction`` of the leads (best first), ``captured`` of the wins."""

    fraction: float
    captured: float


def cumulative_gains(
    labels: Sequence[object], scores: Sequence[object], *, bins: int = 10
) -> tuple[GainPoint, ...]:
    """The cumulative gains curve at each group boundary, starting at (0, 0)."""
    rows = deciles(labels, scores, bins=bins)
    total = rows[-1].cumulative_leads
    return (GainPoint(0.0, 0.0), *(GainPoint(r.cumulative_leads / total, r.gain) for r in rows))


@attrs.frozen(kw_only=True)
class CalibrationBin:
    """Leads whose probability fell in ``[low, high)`` (the last bin includes 1)."""

    low: float
    high: float
    count: int
    mean_predicted: float
    observed: float
    """Share of those leads that were won."""


def calibration_table(
    labels: Sequence[object], probabilities: Sequence[object], *, bins: int = 10
) -> tuple[CalibrationBin, ...]:
    """Reliability by equal-width probability bin (empty bins omitted)."""
    ys, ps = _prepare(labels, probabilities)
    _check_probabilities(ps)
    if bins < 1:
        raise ValidationError(
            obj="calibration_table", field="bins", value=bins, expected="an int >= 1"
        )
    sums: list[list[float]] = [[0, 0.0, 0] for _ in range(bins)]
    for y, p in zip(ys, ps, strict=True):
        index = min(bins - 1, int(p * bins))
        cell = sums[index]
        cell[0] += 1
        cell[1] += p
        cell[2] += y
    return tuple(
        CalibrationBin(
            low=index / bins,
            high=(index + 1) / bins,
            count=int(n),
            mean_predicted=total / n,
            observed=won / n,
        )
        for index, (n, total, won) in enumerate(sums)
        if n
    )


@attrs.frozen(kw_only=True)
class Evaluation:
    """The headline metrics of a model on held-out leads."""

    examples: int
    won: int
    roc_auc: float
    average_precision: float
    log_loss: float
    brier: float
    ks: float
    deciles: tuple[Decile, ...]


def evaluate(labels: Sequence[object], probabilities: Sequence[object]) -> Evaluation:
    """Every metric at once, for probabilities in [0, 1]."""
    ys, ps = _prepare(labels, probabilities)
    return Evaluation(
        examples=len(ys),
        won=sum(ys),
        roc_auc=roc_auc(ys, ps),
        average_precision=average_precision(ys, ps),
        log_loss=log_loss(ys, ps),
        brier=brier_score(ys, ps),
        ks=ks_statistic(ys, ps),
        deciles=deciles(ys, ps),
    )


def time_split(
    items: Sequence[_T], *, key: Callable[[_T], Any], test_fraction: float = 0.2
) -> tuple[list[_T], list[_T]]:
    """Train on older items, test on newer: ``(train, test)``.

    Items are ordered by ``key`` (e.g. the close date); the newest
    ``test_fraction`` form the test set, and items sharing the boundary key all
    go to the test set, so every training item is strictly older than every
    test item.

    >>> time_split([5, 1, 3, 3, 2], key=lambda x: x, test_fraction=0.4)
    ([1, 2], [3, 3, 5])
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValidationError(
            obj="time_split", field="test_fraction", value=test_fraction, expected="in (0, 1)"
        )
    ordered = sorted(items, key=key)
    if len(ordered) < 2:
        raise InsufficientDataError(
            obj="time_split", field="items", value=len(ordered), expected="two or more items"
        )
    cut = len(ordered) - max(1, round(len(ordered) * test_fraction))
    boundary = key(ordered[cut])
    while cut > 0 and key(ordered[cut - 1]) == boundary:
        cut -= 1
    if cut == 0:
        raise InsufficientDataError(
            obj="time_split", field="items", value=len(ordered), expected="items with distinct keys"
        )
    return ordered[:cut], ordered[cut:]
