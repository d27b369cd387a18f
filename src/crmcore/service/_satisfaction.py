"""Customer satisfaction: CSAT, NPS, CES and the CSI (private; see ``crmcore.service``).

Formulas (reference ``sales-service-matching.md``, Service desk):

- CSAT = satisfied ÷ answered (Zendesk: good ÷ (good + bad)), with the Wilson
  score interval (p + z²/2n ± z·√(p(1−p)/n + z²/4n²)) / (1 + z²/n).
- NPS = 100·(p_P − p_D) on the 0–10 scale (promoters 9–10, detractors 0–6);
  var = (p_P + p_D − (p_P − p_D)²) / n, interval NPS ± z·100·√var.
- CES = mean effort score, normal interval mean ± z·s/√n.
- CSI = 100 · Σ wᵢ·(m̄ᵢ − low)/(high − low) / Σ wᵢ over criteria i, with the
  weights given or the mean importance rating of each criterion.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.calendars import to_jalali
from crmcore.errors import ValidationError
from crmcore.models import Case, CaseEventKind
from crmcore.roi import ProportionComparison, compare_proportions

__all__ = [
    "NPS_SCALE",
    "CesResult",
    "CsatResult",
    "CsiCriterion",
    "CsiResult",
    "NpsComparison",
    "NpsResult",
    "RatingScale",
    "SurveyResponse",
    "ces",
    "ces_from_counts",
    "compare_csat",
    "compare_nps",
    "csat",
    "csat_from_counts",
    "csi",
    "group_responses",
    "nps",
    "nps_from_counts",
    "period_key",
    "summarize",
    "wilson_interval",
]

_SMALL = 30
"""Below this many answers a normal-approximation conclusion is flagged as weak."""


@attrs.frozen
class RatingScale:
    """An integer answer scale ``low``..``high``; ``satisfied_from`` marks CSAT's satisfied answers.

    >>> RatingScale(1, 5).satisfied_from
    4
    """

    low: int = attrs.field(default=1, validator=check.in_range())
    high: int = attrs.field(default=5, validator=check.in_range())
    satisfied_from: int | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.high <= self.low:
            raise ValidationError(
                obj="RatingScale",
                field="high",
                value=self.high,
                expected=f"more than low={self.low}",
            )
        if self.satisfied_from is None:
            # The usual convention: the top two answers (4–5 of 1–5, 6–7 of 1–7).
            object.__setattr__(self, "satisfied_from", self.high - 1)
        elif not (
            isinstance(self.satisfied_from, int) and self.low < self.satisfied_from <= self.high
        ):
            raise ValidationError(
                obj="RatingScale",
                field="satisfied_from",
                value=self.satisfied_from,
                expected=f"an int in ({self.low}, {self.high}]",
            )

    def check(self, score: object, *, obj: str, field: str) -> int:
        """Return ``score`` if it is an integer on the scale, else raise naming ``field``."""
        if (
            not isinstance(score, int)
            or isinstance(score, bool)
            or not self.low <= score <= self.high
        ):
            raise ValidationError(
                obj=obj,
                field=field,
                value=score,
                expected=f"an integer score on the scale {self.low}–{self.high}",
            )
        return score


NPS_SCALE = RatingScale(0, 10, 9)
"""The 0–10 "how likely are you to recommend us" scale; 9–10 promote."""


@attrs.frozen(kw_only=True)
class SurveyResponse:
    """One answer to a survey question, with who and what it is about.

    ``criterion`` names the question for a CSI (``"speed"``, ``"courtesy"``);
    ``None`` for a single-question survey.
    """

    score: int = attrs.field(validator=check.in_range())
    at: datetime = attrs.field(validator=check.aware())
    case_id: str | None = attrs.field(default=None, validator=check.text(optional=True))
    account_id: str | None = attrs.field(default=None, validator=check.text(optional=True))
    agent: str | None = attrs.field(default=None, validator=check.text(optional=True))
    team: str | None = attrs.field(default=None, validator=check.text(optional=True))
    channel: str | None = attrs.field(default=None, validator=check.text(optional=True))
    criterion: str | None = attrs.field(default=None, validator=check.text(optional=True))


def survey_responses(
    cases: Iterable[Case], *, team_of: Mapping[str, str] | None = None
) -> list[SurveyResponse]:
    """The surveyed events of ``cases`` as responses, in case and event order.

    Each response carries the case, its account, its owner as the agent (and
    the owner's team from ``team_of``), the case's channel, the time and the
    criterion of the event.

    >>> from datetime import datetime, timedelta, timezone
    >>> from crmcore.models import AccountId, Case, CaseId
    >>> t0 = datetime(2026, 3, 21, 9, 0, tzinfo=timezone.utc)
    >>> case = Case.open(id=CaseId("K-1"), title="Invoice wrong", account_id=AccountId("A-1"),
    ...                  created_at=t0).resolve(t0 + timedelta(hours=2))
    >>> case = case.record_satisfaction(4, t0 + timedelta(days=1))
    >>> [(str(r.case_id), r.score, r.channel) for r in survey_responses([case])]
    [('K-1', 4, 'email')]
    """
    checked = check.require_items(cases, Case, obj="survey_responses", field="cases")
    teams = dict(team_of or {})
    return [
        SurveyResponse(
            score=event.score,
            at=event.at,
            case_id=case.id,
            account_id=case.account_id,
            agent=case.owner,
            team=teams.get(case.owner) if case.owner else None,
            channel=case.channel.value,
            criterion=event.criterion,
        )
        for case in checked
        for event in case.events
        if event.kind is CaseEventKind.SURVEYED and event.score is not None
    ]


def _responses(values: object, obj: str) -> tuple[SurveyResponse, ...]:
    return check.require_items(values, SurveyResponse, obj=obj, field="responses")


def _scores(responses: tuple[SurveyResponse, ...], scale: RatingScale, obj: str) -> list[int]:
    if not isinstance(scale, RatingScale):
        raise ValidationError(obj=obj, field="scale", value=scale, expected="a RatingScale")
    return [
        scale.check(r.score, obj=obj, field=f"responses[{i}].score")
        for i, r in enumerate(responses)
    ]


def _z(confidence: object, obj: str) -> float:
    if not isinstance(confidence, float) or not 0.5 <= confidence < 1:
        raise ValidationError(
            obj=obj, field="confidence", value=confidence, expected="a float in [0.5, 1)"
        )
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def _nonempty(count: int, obj: str) -> None:
    if count == 0:
        raise ValidationError(
            obj=obj, field="responses", value=(), expected="at least one response"
        )


def wilson_interval(successes: int, n: int, z: float) -> tuple[float, float]:
    """The Wilson score interval for ``successes`` of ``n`` at normal quantile ``z``."""
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At p = 0 (or 1) the bound is exactly 0 (or 1); floats would leave a trace of 1e-17.
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


@attrs.frozen
class CsatResult:
    """Share of satisfied answers with its Wilson interval."""

    satisfied: int
    responses: int
    rate: float
    low: float
    high: float
    confidence: float
    warnings: tuple[str, ...] = ()

    def explain(self) -> tuple[str, ...]:
        """How the figure was derived."""
        return (
            f"CSAT = satisfied / answered = {self.satisfied} / {self.responses} = {self.rate:.4f}",
            f"Wilson {self.confidence:.0%} interval [{self.low:.4f}, {self.high:.4f}]",
            *self.warnings,
        )


def _small(n: int, what: str) -> tuple[str, ...]:
    if n >= _SMALL:
        return ()
    return (
        f"{what}: only {n} responses (fewer than {_SMALL}); the interval is wide, conclude with care",
    )


def csat(
    responses: Iterable[SurveyResponse],
    *,
    scale: RatingScale = RatingScale(),  # frozen, so one shared default is safe
    confidence: float = 0.95,
) -> CsatResult:
    """CSAT: the share of answers at or above ``scale.satisfied_from``, with a Wilson interval.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> r = csat([SurveyResponse(score=s, at=t) for s in (5, 4, 3, 5, 1)])
    >>> r.satisfied, r.responses, r.rate
    (3, 5, 0.6)
    """
    items = _responses(responses, "csat")
    z = _z(confidence, "csat")
    return csat_from_counts(Counter(_scores(items, scale, "csat")), scale, confidence, z)


def csat_from_counts(
    counts: Mapping[int, int], scale: RatingScale, confidence: float, z: float
) -> CsatResult:
    """:func:`csat` from checked answer counts (score → how many), at normal quantile ``z``."""
    n = sum(counts.values())
    _nonempty(n, "csat")
    cut = scale.satisfied_from or scale.high
    good = sum(c for s, c in counts.items() if s >= cut)
    low, high = wilson_interval(good, n, z)
    return CsatResult(good, n, good / n, low, high, confidence, _small(n, "CSAT"))


@attrs.frozen
class NpsResult:
    """Net promoter score in points (−100..100) with its standard error and interval."""

    promoters: int
    passives: int
    detractors: int
    responses: int
    score: float
    standard_error: float
    """In points."""
    low: float
    high: float
    confidence: float
    warnings: tuple[str, ...] = ()

    def explain(self) -> tuple[str, ...]:
        """How the figure was derived."""
        n = self.responses
        return (
            f"promoters (9–10) {self.promoters}, passives (7–8) {self.passives}, "
            f"detractors (0–6) {self.detractors} of {n}",
            f"NPS = 100 × ({self.promoters} − {self.detractors}) / {n} = {self.score:.2f}",
            f"SE = 100 × √((p_P + p_D − (p_P − p_D)²) / n) = {self.standard_error:.2f}",
            f"{self.confidence:.0%} interval [{self.low:.2f}, {self.high:.2f}]",
            *self.warnings,
        )


def nps(responses: Iterable[SurveyResponse], *, confidence: float = 0.95) -> NpsResult:
    """Net promoter score from 0–10 answers.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> r = nps([SurveyResponse(score=s, at=t) for s in (10, 9, 8, 6, 10)])
    >>> r.score   # 100 × (3 − 1) / 5
    40.0
    """
    items = _responses(responses, "nps")
    z = _z(confidence, "nps")
    return nps_from_counts(Counter(_scores(items, NPS_SCALE, "nps")), confidence, z)


def nps_from_counts(counts: Mapping[int, int], confidence: float, z: float) -> NpsResult:
    """:func:`nps` from checked 0–10 answer counts (score → how many), at normal quantile ``z``."""
    n = sum(counts.values())
    _nonempty(n, "nps")
    promoters = sum(c for s, c in counts.items() if s >= 9)
    detractors = sum(c for s, c in counts.items() if s <= 6)
    p_p, p_d = promoters / n, detractors / n
    variance = max(0.0, p_p + p_d - (p_p - p_d) ** 2) / n
    se = 100 * math.sqrt(variance)
    score = 100 * (p_p - p_d)
    return NpsResult(
        promoters, n - promoters - detractors, detractors, n, score, se,
        max(-100.0, score - z * se), min(100.0, score + z * se), confidence, _small(n, "NPS"),
    )  # fmt: skip


@attrs.frozen
class CesResult:
    """Customer effort score: the mean effort answer with a normal interval."""

    mean: float
    responses: int
    standard_error: float
    low: float
    high: float
    confidence: float
    warnings: tuple[str, ...] = ()

    def explain(self) -> tuple[str, ...]:
        """How the figure was derived."""
        return (
            f"CES = mean of {self.responses} effort answers = {self.mean:.4f}",
            f"SE = s / √n = {self.standard_error:.4f}; "
            f"{self.confidence:.0%} interval [{self.low:.4f}, {self.high:.4f}]",
            *self.warnings,
        )


def ces(
    responses: Iterable[SurveyResponse],
    *,
    scale: RatingScale = RatingScale(1, 7),  # frozen, so one shared default is safe
    confidence: float = 0.95,
) -> CesResult:
    """Customer effort score: mean answer on ``scale`` (default 1–7, "the company made it easy").

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> ces([SurveyResponse(score=s, at=t) for s in (7, 5, 6)]).mean
    6.0
    """
    items = _responses(responses, "ces")
    z = _z(confidence, "ces")
    return ces_from_counts(Counter(_scores(items, scale, "ces")), confidence, z)


def ces_from_counts(counts: Mapping[int, int], confidence: float, z: float) -> CesResult:
    """:func:`ces` from checked answer counts (score → how many), at normal quantile ``z``.

    The sample variance is exact: (n·Σs² − (Σs)²) / (n·(n − 1)) in integers,
    rounded once to a float, so it does not depend on the answers' order.
    """
    n = sum(counts.values())
    _nonempty(n, "ces")
    total = sum(s * c for s, c in counts.items())
    squares = sum(s * s * c for s, c in counts.items())
    mean = total / n
    sd = math.sqrt((n * squares - total * total) / (n * (n - 1))) if n > 1 else 0.0
    se = sd / math.sqrt(n)
    return CesResult(mean, n, se, mean - z * se, mean + z * se, confidence, _small(n, "CES"))


@attrs.frozen
class CsiCriterion:
    """One criterion of a CSI: its weight (normalised to sum 1), mean score and 0–100 score."""

    name: str
    weight: float
    mean: float
    score: float
    responses: int


@attrs.frozen
class CsiResult:
    """Customer satisfaction index, 0–100, and each criterion's part."""

    index: float
    criteria: tuple[CsiCriterion, ...]
    weights_from: str
    """``"given"`` or ``"importance"``."""

    def explain(self) -> tuple[str, ...]:
        """How the index was derived."""
        lines = [f"weights {self.weights_from}; score = 100 × (mean − low) / (high − low)"]
        lines.extend(
            f"{c.name}: weight {c.weight:.4f}, mean {c.mean:.4f} of {c.responses}, score {c.score:.2f}"
            for c in self.criteria
        )
        terms = " + ".join(f"{c.weight:.4f} × {c.score:.2f}" for c in self.criteria)
        lines.append(f"CSI = {terms} = {self.index:.2f}")
        return tuple(lines)


def _weights(
    names: Iterable[str],
    weights: Mapping[str, float] | None,
    importance: Mapping[str, Sequence[int]] | None,
) -> tuple[dict[str, float], str]:
    """Normalised weights: given, from ``importance`` (criterion → [sum, count] of the
    importance ratings: their mean), or equal."""
    names = sorted(names)
    if weights is not None and importance is not None:
        raise ValidationError(
            obj="csi",
            field="weights",
            value=weights,
            expected="weights or importance ratings, not both",
        )
    if importance is not None:
        missing = [name for name in names if name not in importance]
        if missing:
            raise ValidationError(
                obj="csi",
                field="importance",
                value=missing[0],
                expected="an importance rating for every rated criterion",
            )
        raw = {name: importance[name][0] / importance[name][1] for name in names}
        source = "importance"
    elif weights is not None:
        raw = {}
        for name in names:
            value = weights.get(name) if isinstance(weights, Mapping) else None
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not value >= 0:
                raise ValidationError(
                    obj="csi", field=f"weights[{name!r}]", value=value, expected="a number >= 0"
                )
            raw[name] = float(value)
        source = "given"
    else:
        raw, source = dict.fromkeys(names, 1.0), "equal"
    total = sum(raw.values())
    if not total > 0:
        raise ValidationError(
            obj="csi", field="weights", value=raw, expected="weights that sum to more than zero"
        )
    return {name: w / total for name, w in raw.items()}, source


def csi(
    responses: Iterable[SurveyResponse],
    *,
    scale: RatingScale = RatingScale(),  # frozen, so one shared default is safe
    weights: Mapping[str, float] | None = None,
    importance: Iterable[SurveyResponse] | None = None,
) -> CsiResult:
    """Customer satisfaction index over the criteria of ``responses``, 0–100.

    Weights come from ``weights`` (criterion → weight, normalised), from the
    mean ``importance`` rating of each criterion (the CRM FAQ's method), or
    are equal. Each criterion scores 100·(mean − low)/(high − low).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> answers = [SurveyResponse(score=s, at=t, criterion=c)
    ...            for c, s in [("speed", 5), ("speed", 3), ("courtesy", 5)]]
    >>> csi(answers, weights={"speed": 3, "courtesy": 1}).index   # 0.75 × 75 + 0.25 × 100
    81.25
    """
    from crmcore.service._csi_tally import CsiTally  # noqa: PLC0415  (it imports this module)

    items = _responses(responses, "csi")
    tally = CsiTally(scale=scale)
    tally.add(items)
    if importance is not None:
        tally.add_importance(importance)
    return tally.result(weights)


_KEYS: dict[str, Callable[[SurveyResponse], str | None]] = {
    "agent": lambda r: r.agent,
    "team": lambda r: r.team,
    "channel": lambda r: r.channel,
    "account": lambda r: r.account_id,
    "criterion": lambda r: r.criterion,
}
_PERIODS = ("day", "month", "quarter", "year")


def period_key(moment: datetime, period: str, *, jalali: bool = False) -> str:
    """The label of the ``period`` holding ``moment``'s local date, Gregorian or Jalali.

    >>> from datetime import datetime, timezone
    >>> period_key(datetime(2026, 3, 21, 12, tzinfo=timezone.utc), "month", jalali=True)
    '1405-01'
    """
    if period not in _PERIODS:
        raise ValidationError(
            obj="period_key", field="period", value=period, expected=", ".join(_PERIODS)
        )
    day = moment.date()
    y, m, d = to_jalali(day) if jalali else (day.year, day.month, day.day)
    if period == "year":
        return f"{y:04d}"
    if period == "quarter":
        return f"{y:04d}-Q{(m - 1) // 3 + 1}"
    if period == "month":
        return f"{y:04d}-{m:02d}"
    return f"{y:04d}-{m:02d}-{d:02d}"


def group_responses(
    responses: Iterable[SurveyResponse],
    *,
    by: str,
    period: str = "month",
    jalali: bool = False,
) -> dict[str, tuple[SurveyResponse, ...]]:
    """Responses grouped by ``agent``, ``team``, ``channel``, ``account``, ``criterion`` or ``period``.

    Keys are sorted; a response without the field goes under ``"(none)"``.
    Periods are Gregorian or Jalali (``jalali=True``) days, months, quarters
    or years of each response's local date. Feed each group to :func:`csat`,
    :func:`nps`, :func:`ces` or :func:`csi`.
    """
    items = _responses(responses, "group_responses")
    if by == "period":
        period_key(datetime(2000, 1, 1, tzinfo=UTC), period)  # refuse a bad period up front

        def by_period(r: SurveyResponse) -> str | None:
            return period_key(r.at, period, jalali=jalali)

        key: Callable[[SurveyResponse], str | None] = by_period
    elif by in _KEYS:
        key = _KEYS[by]
    else:
        raise ValidationError(
            obj="group_responses", field="by", value=by, expected=", ".join([*_KEYS, "period"])
        )
    groups: dict[str, list[SurveyResponse]] = {}
    for r in items:
        groups.setdefault(key(r) or "(none)", []).append(r)
    return {k: tuple(groups[k]) for k in sorted(groups)}


def compare_csat(
    before: Iterable[SurveyResponse],
    after: Iterable[SurveyResponse],
    *,
    scale: RatingScale = RatingScale(),  # frozen, so one shared default is safe
    confidence: float = 0.95,
) -> ProportionComparison:
    """Whether CSAT changed significantly between two periods (two-proportion z test).

    Delegates to :func:`crmcore.roi.compare_proportions`; its ``warnings``
    say when a period has too few satisfied or unsatisfied answers to conclude.
    """
    first = csat(before, scale=scale, confidence=confidence)
    second = csat(after, scale=scale, confidence=confidence)
    return compare_proportions(
        (first.satisfied, first.responses),
        (second.satisfied, second.responses),
        confidence=confidence,
    )


@attrs.frozen
class NpsComparison:
    """Change of NPS between two periods: z test on the difference of two independent scores."""

    before: float
    after: float
    difference: float
    standard_error: float
    low: float
    high: float
    z: float
    p_value: float
    significant: bool
    confidence: float
    warnings: tuple[str, ...]

    def explain(self) -> tuple[str, ...]:
        """How the test was done."""
        return (
            f"difference = {self.after:.2f} − {self.before:.2f} = {self.difference:.2f} points",
            f"SE = √(SE₁² + SE₂²) = {self.standard_error:.2f}; z = {self.z:.3f}; p = {self.p_value:.4f}",
            f"{'significant' if self.significant else 'not significant'} at {self.confidence:.0%}",
            *self.warnings,
        )


def compare_nps(
    before: Iterable[SurveyResponse], after: Iterable[SurveyResponse], *, confidence: float = 0.95
) -> NpsComparison:
    """Whether NPS changed significantly: z = (NPS₂ − NPS₁) / √(SE₁² + SE₂²).

    A warning is added for each period with fewer than 30 answers.
    """
    first = nps(before, confidence=confidence)
    second = nps(after, confidence=confidence)
    z_crit = _z(confidence, "compare_nps")
    se = math.hypot(first.standard_error, second.standard_error)
    diff = second.score - first.score
    z = diff / se if se > 0 else 0.0
    p = 2 * (1 - NormalDist().cdf(abs(z))) if se > 0 else 1.0
    warnings = tuple(
        f"{name}: only {r.responses} responses (fewer than {_SMALL}); too small a sample to conclude"
        for name, r in (("before", first), ("after", second))
        if r.responses < _SMALL
    )
    return NpsComparison(
        first.score, second.score, diff, se, diff - z_crit * se, diff + z_crit * se, z, p,
        p < 1 - confidence, confidence, warnings,
    )  # fmt: skip


_METRICS: dict[str, Callable[..., Any]] = {"csat": csat, "nps": nps, "ces": ces}


def summarize(
    responses: Iterable[SurveyResponse],
    *,
    metric: str = "csat",
    by: str | None = None,
    period: str = "month",
    jalali: bool = False,
    scale: RatingScale | None = None,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """One ``metric`` (``csat``, ``nps`` or ``ces``) per group of :func:`group_responses`.

    ``by=None`` gives one group, ``"all"``. ``scale`` defaults to the
    metric's own (1–5 for CSAT, 0–10 for NPS, 1–7 for CES).

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> rows = [SurveyResponse(score=s, at=t, agent=a) for s, a in [(5, "ali"), (2, "ali"), (4, "sara")]]
    >>> {k: r.rate for k, r in summarize(rows, by="agent").items()}
    {'ali': 0.5, 'sara': 1.0}
    """
    if metric not in _METRICS:
        raise ValidationError(
            obj="summarize", field="metric", value=metric, expected="csat, nps or ces"
        )
    items = _responses(responses, "summarize")
    groups = (
        {"all": items}
        if by is None
        else group_responses(items, by=by, period=period, jalali=jalali)
    )
    options: dict[str, Any] = {"confidence": confidence}
    if scale is not None and metric != "nps":
        options["scale"] = scale
    return {name: _METRICS[metric](members, **options) for name, members in groups.items()}
