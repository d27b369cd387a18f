"""Before/after comparison of a metric, with significance (private)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist, fmean, variance

import attrs

from crmcore.errors import ValidationError

__all__ = ["MeanComparison", "ProportionComparison", "compare_means", "compare_proportions"]

_MIN_EXPECTED = 10  # successes and failures per group for the normal approximation
_MIN_SAMPLE = 30  # observations per group for the normal approximation of a mean


def _normal_cdf(z: float) -> float:
    """Φ(z) = (1 + erf(z/√2))/2."""
    return 0.5 * (1.0 + math.erf(z / math.sqrt(2.0)))


def _confidence(value: object, obj: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        raise ValidationError(
            obj=obj, field="confidence", value=value, expected="a level in (0, 1)"
        )
    return float(value)


@attrs.frozen
class ProportionComparison:
    """A rate before and after a change, and whether the change is significant.

    Statistical output (floats). ``difference`` is after − before with a
    Wald interval (unpooled standard error); ``z`` and ``p_value`` are those
    of the two-sided two-proportion z test (pooled standard error).
    ``warnings`` is non-empty when a group has fewer than 10 successes or
    failures: then the normal approximation, and the conclusion, are weak.
    """

    before_rate: float
    after_rate: float
    difference: float
    low: float
    high: float
    confidence: float
    z: float
    p_value: float
    significant: bool
    warnings: tuple[str, ...]


def _counts(pair: object, name: str) -> tuple[int, int]:
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in pair)
        or not 0 <= pair[0] <= pair[1]
        or pair[1] == 0
    ):
        raise ValidationError(
            obj="compare_proportions",
            field=name,
            value=pair,
            expected="(successes, trials) with 0 <= successes <= trials and trials > 0",
        )
    return pair[0], pair[1]


def compare_proportions(
    before: tuple[int, int], after: tuple[int, int], *, confidence: float = 0.95
) -> ProportionComparison:
    """Compare conversion (or any) rates before and after a change.

    z = (p₂ − p₁) / √(p̂(1 − p̂)(1/n₁ + 1/n₂)) with the pooled p̂; the interval
    is (p₂ − p₁) ± z_{1−α/2} √(p₁(1−p₁)/n₁ + p₂(1−p₂)/n₂) (Agresti,
    *Categorical Data Analysis*, 3rd ed., §2.2.3 and §3.1.4).

    >>> c = compare_proportions((30, 200), (52, 210))  # 15 % -> 24.8 % conversion
    >>> # p̂ = 82/410 = 0.2; z = 0.097619 / √(0.16 · (1/200 + 1/210)) = 2.470
    >>> round(c.z, 3), round(c.p_value, 4), c.significant
    (2.47, 0.0135, True)
    """
    s1, n1 = _counts(before, "before")
    s2, n2 = _counts(after, "after")
    level = _confidence(confidence, "compare_proportions")
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    quantile = NormalDist().inv_cdf(0.5 + level / 2)
    difference = p2 - p1
    if se_pooled == 0:
        z, p_value = 0.0, 1.0
    else:
        z = difference / se_pooled
        p_value = 2.0 * (1.0 - _normal_cdf(abs(z)))
    warnings = []
    for name, s, n in (("before", s1, n1), ("after", s2, n2)):
        if min(s, n - s) < _MIN_EXPECTED:
            warnings.append(
                f"{name}: {s} successes of {n} trials; fewer than {_MIN_EXPECTED} successes or "
                "failures, too small a sample for the normal approximation to be trusted"
            )
    return ProportionComparison(
        before_rate=p1,
        after_rate=p2,
        difference=difference,
        low=difference - quantile * se,
        high=difference + quantile * se,
        confidence=level,
        z=z,
        p_value=p_value,
        significant=p_value < 1 - level,
        warnings=tuple(warnings),
    )


@attrs.frozen
class MeanComparison:
    """A metric's mean before and after a change (Welch standard error, normal approximation)."""

    before_mean: float
    after_mean: float
    difference: float
    low: float
    high: float
    confidence: float
    z: float
    p_value: float
    significant: bool
    warnings: tuple[str, ...]


def _sample(values: object, name: str) -> list[float]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or len(values) < 2:
        raise ValidationError(
            obj="compare_means", field=name, value=values, expected="at least two numbers"
        )
    result = []
    for index, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise ValidationError(
                obj="compare_means", field=f"{name}[{index}]", value=v, expected="a finite number"
            )
        result.append(float(v))
    return result


def compare_means(
    before: Sequence[float], after: Sequence[float], *, confidence: float = 0.95
) -> MeanComparison:
    """Compare a per-unit metric (calls per rep, revenue per lead) before and after.

    Difference of means with the Welch standard error √(s₁²/n₁ + s₂²/n₂)
    and a normal-approximation z test; warns below 30 observations a group
    (where a t distribution would be wider).

    >>> c = compare_means([10, 12, 11, 13, 9, 12] * 6, [13, 14, 12, 15, 13, 14] * 6)
    >>> round(c.difference, 3), c.significant, c.warnings
    (2.333, True, ())
    """
    x1, x2 = _sample(before, "before"), _sample(after, "after")
    level = _confidence(confidence, "compare_means")
    m1, m2 = fmean(x1), fmean(x2)
    se = math.sqrt(variance(x1) / len(x1) + variance(x2) / len(x2))
    quantile = NormalDist().inv_cdf(0.5 + level / 2)
    difference = m2 - m1
    if se == 0:
        z, p_value = (0.0, 1.0) if difference == 0 else (math.copysign(math.inf, difference), 0.0)
    else:
        z = difference / se
        p_value = 2.0 * (1.0 - _normal_cdf(abs(z)))
    warnings = tuple(
        f"{name}: {n} observations; fewer than {_MIN_SAMPLE}, too small a sample for the "
        "normal approximation to be trusted"
        for name, n in (("before", len(x1)), ("after", len(x2)))
        if n < _MIN_SAMPLE
    )
    return MeanComparison(
        before_mean=m1,
        after_mean=m2,
        difference=difference,
        low=difference - quantile * se,
        high=difference + quantile * se,
        confidence=level,
        z=z,
        p_value=p_value,
        significant=p_value < 1 - level,
        warnings=warnings,
    )
