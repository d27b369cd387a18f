"""Measuring a lead score honestly: ranking, probability and business metrics.

Every function takes ``labels`` (won = 1/True, lost = 0/False) and
``scores`` (any numbers where higher means likelier; probabilities in [0, 1]
for :func:`log_loss`, :func:`brier_score` and :func:`calibration_table`).
Long inputs are validated and sorted with numpy when it is installed; counts
stay integers and sums go through :func:`math.fsum`, so the result is
identical to the pure-Python path.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
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


_NUMPY_FROM = 2000
"""Inputs at least this long use numpy for the sort when it is installed."""


def _fast_arrays(labels: Sequence[object], scores: Sequence[object]) -> tuple[Any, Any] | None:
    """``(y, x)`` as numpy arrays for valid, long inputs; ``None`` → use the pure path."""
    if len(labels) < _NUMPY_FROM or len(labels) != len(scores):
        return None
    try:
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path
    except ImportError:
        return None
    y = np.asarray(labels)
    x = np.asarray(scores)
    if y.ndim != 1 or x.ndim != 1 or y.dtype.kind not in "biu" or x.dtype.kind not in "iuf":
        return None  # the pure path raises the precise error
    x = x.astype(float)
    if not (np.isin(y, (0, 1)).all() and np.isfinite(x).all()):
        return None
    return y.astype(np.int64), x


def _groups(
    labels: Sequence[object], scores: Sequence[object], metric: str
) -> tuple[Sequence[int], Sequence[int], int, int]:
    """(positives, negatives) per distinct score, highest score first, and the class totals.

    Both paths count exactly (integers), so every metric built on them is
    identical whichever path ran.
    """
    fast = _fast_arrays(labels, scores)
    if fast is not None:
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

        y, x = fast
        _, inverse = np.unique(-x, return_inverse=True)
        pos = np.bincount(inverse, weights=y).astype(np.int64)
        neg = np.bincount(inverse).astype(np.int64) - pos
        positives = int(pos.sum())
        _both_classes_counts(positives, len(y) - positives, metric)
        return pos.tolist(), neg.tolist(), positives, len(y) - positives
    ys, xs = _prepare(labels, scores)
    positives, negatives = _both_classes(ys, metric)
    order = sorted(range(len(xs)), key=lambda i: -xs[i])
    pos_list: list[int] = []
    neg_list: list[int] = []
    previous: float | None = None
    for i in order:
        if previous is None or xs[i] != previous:
            pos_list.append(0)
            neg_list.append(0)
            previous = xs[i]
        pos_list[-1] += ys[i]
        neg_list[-1] += 1 - ys[i]
    return pos_list, neg_list, positives, negatives


def _both_classes_counts(positives: int, negatives: int, metric: str) -> None:
    if positives == 0 or negatives == 0:
        raise InsufficientDataError(
            obj=metric,
            field="labels",
            value=(positives, negatives),
            expected="at least one won and one lost example",
        )


def roc_auc(labels: Sequence[object], scores: Sequence[object]) -> float:
    """Area under the ROC curve: the Mann–Whitney U statistic over ``n₊·n₋``.

    A tied (positive, negative) pair counts one half — the same value as the
    trapezoidal ROC area (Hanley & McNeil 1982; scikit-learn ``roc_auc_score``).
    Long inputs are sorted with numpy when it is installed (same result).
    """
    pos, neg, positives, negatives = _groups(labels, scores, "roc_auc")
    # Each positive beats the negatives strictly below its score and ties half of
    # those at its score; U is a sum of half-integers, exact in a float.
    u = 0.0
    below = negatives
    for p, n in zip(pos, neg, strict=True):
        below -= n
        u += p * (below + 0.5 * n)
    return u / (positives * negatives)


def average_precision(labels: Sequence[object], scores: Sequence[object]) -> float:
    """PR AUC as average precision: ``Σₙ (Rₙ − Rₙ₋₁) Pₙ`` over distinct thresholds.

    The step-wise (not interpolated) area scikit-learn's
    ``average_precision_score`` computes; suited to rare positives.
    """
    pos, neg, positives, _ = _groups(labels, scores, "average_precision")
    tp = fp = 0
    terms = []
    for p, n in zip(pos, neg, strict=True):
        tp += p
        fp += n
        if p:
            terms.append((p / positives) * (tp / (tp + fp)))
    return math.fsum(terms)


def _fast_probabilities(labels: Sequence[object], probabilities: Sequence[object]) -> Any:
    fast = _fast_arrays(labels, probabilities)
    if fast is None or not ((fast[1] >= 0.0).all() and (fast[1] <= 1.0).all()):
        return None  # the pure path validates and raises the precise error
    return fast


def log_loss(
    labels: Sequence[object], probabilities: Sequence[object], *, eps: float = 2.220446049250313e-16
) -> float:
    """Mean negative log-likelihood, probabilities clipped to ``[eps, 1 − eps]``."""
    fast = _fast_probabilities(labels, probabilities)
    pairs: Iterable[tuple[int, float]]
    if fast is not None:
        pairs = _slices(fast[0], fast[1])
        count = len(fast[0])
    else:
        ys, ps = _prepare(labels, probabilities)
        _check_probabilities(ps)
        pairs, count = zip(ys, ps, strict=True), len(ys)
    low, high = eps, 1.0 - eps
    log, log1p = math.log, math.log1p
    # fsum is exact whatever it is fed: a generator spares a list of every term
    total = math.fsum(
        -log(min(max(p, low), high)) if y else -log1p(-min(max(p, low), high)) for y, p in pairs
    )
    return total / count


def _slices(y: Any, x: Any, size: int = 65_536) -> Iterator[tuple[int, float]]:
    """(label, score) pairs of two numpy arrays as Python numbers, a slice at a time."""
    for start in range(0, len(y), size):
        yield from zip(
            y[start : start + size].tolist(), x[start : start + size].tolist(), strict=True
        )


def brier_score(labels: Sequence[object], probabilities: Sequence[object]) -> float:
    """Mean squared difference between probability and outcome (Brier 1950)."""
    fast = _fast_probabilities(labels, probabilities)
    if fast is not None:
        difference = fast[1] - fast[0]
        return math.fsum((difference * difference).tolist()) / len(difference)
    ys, ps = _prepare(labels, probabilities)
    _check_probabilities(ps)
    return math.fsum((p - y) * (p - y) for y, p in zip(ys, ps, strict=True)) / len(ys)


def _check_probabilities(ps: Sequence[float]) -> None:
    for p in ps:
        if not 0.0 <= p <= 1.0:
            raise ValidationError(
                obj="evaluation", field="probabilities", value=p, expected="a number in [0, 1]"
            )


def ks_statistic(labels: Sequence[object], scores: Sequence[object]) -> float:
    """Kolmogorov–Smirnov: the largest gap between the score distributions of won and lost."""
    pos, neg, positives, negatives = _groups(labels, scores, "ks_statistic")
    tp = fp = 0
    best = 0.0
    for p, n in zip(pos, neg, strict=True):
        tp += p
        fp += n
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


def _ranked(labels: Sequence[object], scores: Sequence[object]) -> list[int]:
    """Labels ordered by score, highest first; ties keep their input order."""
    fast = _fast_arrays(labels, scores)
    if fast is not None:
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

        y, x = fast
        ranked: list[int] = y[np.argsort(-x, kind="stable")].tolist()
        return ranked
    ys, xs = _prepare(labels, scores)
    order = sorted(range(len(xs)), key=lambda i: -xs[i])  # stable
    return [ys[i] for i in order]


def deciles(
    labels: Sequence[object], scores: Sequence[object], *, bins: int = 10
) -> tuple[Decile, ...]:
    """Lift and conversion by decile (leads sorted by score, split into ``bins`` near-equal groups).

    Groups differ in size by at most one lead (the first groups are larger);
    leads with tied scores keep their input order.
    """
    if bins < 1:
        raise ValidationError(obj="deciles", field="bins", value=bins, expected="an int >= 1")
    ranked = _ranked(labels, scores)
    total_won = sum(ranked)
    overall = total_won / len(ranked)
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


def _bin_of(p: float, bins: int) -> int:
    """The bin ``[index / bins, (index + 1) / bins)`` holding ``p`` (the last includes 1).

    ``int(p * bins)`` alone is off by one when the product rounds below an
    integer (``15/22 * 22`` is 14.999...), putting a probability that lies
    exactly on an edge into the bin below; the edges compared here are the
    same floats the bins report as ``low`` and ``high``.
    """
    index = min(bins - 1, int(p * bins))
    if index + 1 < bins and (index + 1) / bins <= p:
        index += 1
    elif index > 0 and index / bins > p:
        index -= 1
    return index


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
        index = _bin_of(p, bins)
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
    """Every metric at once, for probabilities in [0, 1].

    ``labels`` and ``probabilities`` may be compact sequences (an
    ``array('b')`` and an ``array('d')``, numpy arrays): long valid inputs go
    to the metrics as numpy arrays, without a Python object per lead.
    """
    fast = _fast_probabilities(labels, probabilities)
    ys, ps = fast if fast is not None else _prepare(labels, probabilities)
    return Evaluation(
        examples=len(ys),
        won=int(sum(ys)) if fast is None else int(fast[0].sum()),
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
