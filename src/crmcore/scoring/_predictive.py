"""Predictive lead scoring trained on won/lost history (private; see ``crmcore.scoring``).

Two models: Odoo's naive Bayes over (field, value) frequencies, and an L2
regularised logistic regression. Floats are used inside the models only.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore._backend import Backend, resolve_backend
from crmcore.errors import InsufficientDataError, ScoringError, ValidationError
from crmcore.models import FrozenMap, to_frozen_map
from crmcore.scoring import evaluation

__all__ = [
    "AttributeInsight",
    "ClosedLead",
    "GradeBuckets",
    "LeadPrediction",
    "LogisticModel",
    "NaiveBayesModel",
    "NumericScale",
    "ValueCount",
    "ValueCounts",
    "attribute_insights",
    "choose_model",
    "evaluate_model",
    "model_fields",
    "predict",
    "predict_leads",
    "should_promote",
    "split_history",
    "train_logistic",
    "train_naive_bayes",
]

STAGE = "stage"
"""Feature name under which the naive Bayes model counts stages."""


def _text_map(value: Mapping[str, Any] | None) -> FrozenMap[str, str]:
    data = to_frozen_map(value)
    out: dict[str, str] = {}
    for key, item in data.items():
        if not isinstance(key, str):
            raise ValidationError(
                obj="ClosedLead", field="features", value=key, expected="string field names"
            )
        plain = check.plain_scalar(item)
        if plain is None:
            continue
        text = plain if isinstance(plain, str) else str(plain)
        if text.strip():
            out[key] = text.strip()
    return FrozenMap(out)


@attrs.frozen(kw_only=True)
class ClosedLead:
    """One closed lead of the training history: its field values and outcome.

    Empty, ``None`` and NaN feature values are dropped (unknown, not a
    category); numpy scalars are accepted as their Python values.
    """

    features: FrozenMap[str, str] = attrs.field(converter=_text_map)
    won: bool = attrs.field(converter=check.plain_scalar, validator=check.instance_of(bool))
    team: str | None = attrs.field(default=None, validator=check.text(optional=True))
    stage: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """The stage the lead reached (lost leads) — used by "reached at least" counting."""
    closed_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())


def _prob(raw: object) -> float:
    value = check.plain_scalar(raw)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(
            obj="GradeBuckets", field="threshold", value=value, expected="a number 0-100"
        )
    number = float(value)
    if not 0.0 <= number <= 100.0:
        raise ValidationError(
            obj="GradeBuckets", field="threshold", value=value, expected="a number 0-100"
        )
    return number


@attrs.frozen(kw_only=True)
class GradeBuckets:
    """Probability thresholds (0–100) of grades A, B and C; below ``c`` is D.

    >>> GradeBuckets().grade(80.0), GradeBuckets(a=90).grade(80.0)
    ('A', 'B')
    """

    a: float = attrs.field(default=75.0, converter=_prob)
    b: float = attrs.field(default=50.0, converter=_prob)
    c: float = attrs.field(default=25.0, converter=_prob)

    def __attrs_post_init__(self) -> None:
        if not self.a > self.b > self.c:
            raise ValidationError(
                obj="GradeBuckets",
                field="a",
                value=(self.a, self.b, self.c),
                expected="thresholds with a > b > c",
            )

    def grade(self, probability: float) -> str:
        """The grade letter of a probability 0–100."""
        if probability >= self.a:
            return "A"
        if probability >= self.b:
            return "B"
        return "C" if probability >= self.c else "D"


def _check_history(
    history: Sequence[ClosedLead], min_won: int, min_lost: int, obj: str
) -> tuple[int, int]:
    check.require_items(history, ClosedLead, obj=obj, field="history")
    won = sum(1 for h in history if h.won)
    return _check_counts(won, len(history) - won, min_won, min_lost, obj)


def _check_counts(won: int, lost: int, min_won: int, min_lost: int, obj: str) -> tuple[int, int]:
    min_won, min_lost = max(1, min_won), max(1, min_lost)  # one of each class, always
    if won < min_won or lost < min_lost:
        raise InsufficientDataError(
            f"{obj}: history has {won} won and {lost} lost leads; "
            f"need at least {min_won} won and {min_lost} lost to train",
            obj=obj,
            field="history",
            value=(won, lost),
            expected=f">= {min_won} won and >= {min_lost} lost",
        )
    return won, lost


# -- naive Bayes (Odoo) ---------------------------------------------------------------------


@attrs.frozen
class ValueCount:
    """Smoothed won and lost counts of one (field, value)."""

    won: float
    lost: float


@attrs.frozen(kw_only=True)
class ValueCounts:
    """The frequency table of one team (or the pooled table)."""

    won: int
    lost: int
    counts: FrozenMap[str, FrozenMap[str, ValueCount]]
    """field → value → counts."""
    totals: FrozenMap[str, ValueCount]
    """field → summed counts over its values (``W_f``, ``L_f``)."""


def _build_table(
    history: Sequence[ClosedLead], fields: Sequence[str], stages: Sequence[str], smoothing: float
) -> ValueCounts:
    counts: dict[str, dict[str, list[float]]] = defaultdict(dict)

    def add(field: str, value: str, won: bool) -> None:
        cell = counts[field].setdefault(value, [smoothing, smoothing])
        cell[0 if won else 1] += 1.0

    for lead in history:
        for field in fields:
            value = lead.features.get(field)
            if value is not None:
                add(field, value, lead.won)
        if stages and lead.stage is not None:
            if lead.stage not in stages:
                raise ScoringError(
                    obj="train_naive_bayes",
                    field="stage",
                    value=lead.stage,
                    expected="one of " + ", ".join(stages),
                )
            reached = stages.index(lead.stage)
            # Odoo: a won lead counts as won at every stage; a lost one as lost at
            # its stage and every earlier stage ("reached at least this stage").
            for index, stage in enumerate(stages):
                if lead.won:
                    add(STAGE, stage, True)
                elif index <= reached:
                    add(STAGE, stage, False)
    won = sum(1 for h in history if h.won)
    frozen = {
        field: FrozenMap({v: ValueCount(c[0], c[1]) for v, c in sorted(values.items())})
        for field, values in sorted(counts.items())
    }
    totals = {
        field: ValueCount(
            math.fsum(c.won for c in values.values()), math.fsum(c.lost for c in values.values())
        )
        for field, values in frozen.items()
    }
    return ValueCounts(
        won=won, lost=len(history) - won, counts=FrozenMap(frozen), totals=FrozenMap(totals)
    )


@attrs.frozen(kw_only=True)
class NaiveBayesModel:
    """Odoo's predictive lead scoring: naive Bayes over (field, value) frequencies.

    ``S_won = W/(W+L) · Π won(f,v)/W_f``, ``S_lost = L/(W+L) · Π lost(f,v)/L_f``,
    ``P = 100 · S_won/(S_won+S_lost)`` clamped to [0.01, 99.99]; counts start at
    the smoothing constant 0.1; a value not seen in training contributes no
    factor (source: Odoo ``crm.lead._pls_get_naive_bayes_probabilities``, as
    summarised in the scoring reference). A team with its own table uses it;
    other leads use the pooled table.
    """

    fields: tuple[str, ...]
    stages: tuple[str, ...]
    pooled: ValueCounts
    teams: FrozenMap[str, ValueCounts]
    smoothing: float = 0.1
    buckets: GradeBuckets = GradeBuckets()
    validation_auc: float | None = None

    def probability(
        self, features: Mapping[str, object], *, team: str | None = None, stage: str | None = None
    ) -> float:
        """Won probability 0–100 of a lead with ``features`` (in ``team``, at ``stage``)."""
        table = self._table(team)
        total = table.won + table.lost
        log_odds = math.log(table.won / total) - math.log(table.lost / total)
        log_odds += math.fsum(value for _, value in self._factors(table, features, stage))
        # 1 / (1 + exp(-log_odds)), computed without overflow
        p = 100.0 * _sigmoid(log_odds)
        return min(99.99, max(0.01, p))

    def _table(self, team: str | None) -> ValueCounts:
        return self.teams.get(team, self.pooled) if team is not None else self.pooled

    def _factors(
        self, table: ValueCounts, features: Mapping[str, object], stage: str | None
    ) -> list[tuple[str, float]]:
        values = _texts(features)
        pairs = [(f, values.get(f)) for f in self.fields]
        if self.stages and stage is not None:
            pairs.append((STAGE, stage))
        out = []
        for field, value in pairs:
            cell = table.counts.get(field, FrozenMap()).get(value or "")
            if cell is None:
                continue  # a value not seen in training contributes no factor
            totals = table.totals[field]
            out.append(
                (
                    f"{field}={value}",
                    math.log(cell.won / totals.won) - math.log(cell.lost / totals.lost),
                )
            )
        return out

    def top_factors(
        self,
        features: Mapping[str, object],
        count: int = 3,
        *,
        team: str | None = None,
        stage: str | None = None,
    ) -> tuple[str, ...]:
        """The (field=value) factors that move this lead's log-odds most, with their weight."""
        factors = self._factors(self._table(team), features, stage)
        factors.sort(key=lambda item: (-abs(item[1]), item[0]))
        return tuple(f"{name} {value:+.3f}" for name, value in factors[:count] if value)

    def grade(self, features: Mapping[str, object], *, team: str | None = None) -> str:
        """The A–D grade of :meth:`probability`."""
        return self.buckets.grade(self.probability(features, team=team))


def train_naive_bayes(
    history: Sequence[ClosedLead],
    fields: Sequence[str],
    *,
    stages: Sequence[str] = (),
    smoothing: float = 0.1,
    min_won: int = 40,
    min_lost: int = 40,
    team_min_examples: int = 20,
    buckets: GradeBuckets | None = None,
) -> NaiveBayesModel:
    """Train the naive Bayes model; refuses too little history.

    A team gets its own table when it has at least ``team_min_examples`` won
    and as many lost leads; otherwise its leads use the pooled table.
    ``min_won``/``min_lost`` default to Dynamics 365's 40 and 40.
    """
    check.refuse_frame(history, obj="train_naive_bayes", use="crmcore.frames.train_frame")
    history = list(history)
    _check_history(history, min_won, min_lost, "train_naive_bayes")
    if not fields and not stages:
        raise ScoringError(
            obj="train_naive_bayes", field="fields", value=fields, expected="one or more fields"
        )
    team_min_examples = max(1, team_min_examples)
    by_team: dict[str, list[ClosedLead]] = defaultdict(list)
    for lead in history:
        if lead.team is not None:
            by_team[lead.team].append(lead)
    teams = {}
    for team, leads in sorted(by_team.items()):
        won = sum(1 for h in leads if h.won)
        if won >= team_min_examples and len(leads) - won >= team_min_examples:
            teams[team] = _build_table(leads, fields, stages, smoothing)
    return NaiveBayesModel(
        fields=tuple(fields),
        stages=tuple(stages),
        pooled=_build_table(history, fields, stages, smoothing),
        teams=FrozenMap(teams),
        smoothing=smoothing,
        buckets=buckets or GradeBuckets(),
    )


# -- logistic regression ---------------------------------------------------------------------


def _finite_number(positive: bool = False) -> Any:
    """An attrs validator: a finite float (``positive``: also > 0), e.g. from a model file."""

    def check_number(instance: object, attribute: Any, value: object) -> None:
        ok = (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and (value > 0 or not positive)
        )
        if not ok:
            raise ValidationError(
                obj=type(instance).__name__,
                field=attribute.name,
                value=value,
                expected="a finite number > 0" if positive else "a finite number",
            )

    return check_number


def _finite_items(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    items = value if isinstance(value, tuple) else ()
    for index, item in enumerate(items):
        _finite_number()(instance, _Indexed(attribute.name, index), item)


class _Indexed:
    """Stands in for an attribute so that an item's error names ``field[index]``."""

    __slots__ = ("name",)

    def __init__(self, field: str, index: int) -> None:
        self.name = f"{field}[{index}]"


@attrs.frozen
class NumericScale:
    """Mean and standard deviation a numeric feature is standardised with.

    Both finite and the deviation > 0 (a constant feature is trained with 1),
    so a hand-edited model file cannot divide by zero.
    """

    mean: float = attrs.field(validator=_finite_number())
    std: float = attrs.field(validator=_finite_number(positive=True))


@attrs.frozen(kw_only=True)
class LogisticModel:
    """L2-regularised logistic regression on one-hot and standardised features.

    Fitted by Newton's method on ``C · Σ log loss + ½‖w‖²`` with an
    unpenalised intercept — the objective of scikit-learn's
    ``LogisticRegression(C=C)`` (scikit-learn user guide, "Logistic
    regression"). A categorical value unseen in training encodes as all zeros;
    a missing number as the training mean.
    """

    categorical: FrozenMap[str, tuple[str, ...]]
    """field → the values seen in training (one column each)."""
    numeric: FrozenMap[str, NumericScale]
    coefficients: tuple[float, ...] = attrs.field(validator=_finite_items)
    intercept: float = attrs.field(validator=_finite_number())
    c: float = attrs.field(default=1.0, validator=_finite_number(positive=True))
    buckets: GradeBuckets = GradeBuckets()
    validation_auc: float | None = None

    def __attrs_post_init__(self) -> None:
        width = len(self.columns)
        if len(self.coefficients) != width:
            raise ValidationError(
                obj="LogisticModel",
                field="coefficients",
                value=len(self.coefficients),
                expected=f"one coefficient per encoded column ({width})",
            )

    @property
    def columns(self) -> tuple[str, ...]:
        """Names of the encoded columns, ``field=value`` or the numeric field."""
        return _columns(self.categorical, self.numeric)

    def encode(self, features: Mapping[str, object]) -> list[float]:
        """The encoded feature row of one lead."""
        return _encoder(self.categorical, self.numeric)(features)

    def probability(self, features: Mapping[str, object], *, team: str | None = None) -> float:
        """Won probability 0–100."""
        del team  # one model for every team
        z = self.intercept + math.fsum(
            w * x for w, x in zip(self.coefficients, self.encode(features), strict=True)
        )
        return 100.0 * _sigmoid(z)

    def grade(self, features: Mapping[str, object], *, team: str | None = None) -> str:
        """The A–D grade of :meth:`probability`."""
        return self.buckets.grade(self.probability(features, team=team))

    def top_factors(self, features: Mapping[str, object], count: int = 3) -> tuple[str, ...]:
        """The columns that push this lead's log-odds most (largest ``|w·x|``)."""
        row = self.encode(features)
        contributions = sorted(
            (
                (w * x, name)
                for w, x, name in zip(self.coefficients, row, self.columns, strict=True)
            ),
            key=lambda item: (-abs(item[0]), item[1]),
        )
        return tuple(f"{name} {value:+.3f}" for value, name in contributions[:count] if value)


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _columns(
    categorical: Mapping[str, tuple[str, ...]], numeric: Mapping[str, NumericScale]
) -> tuple[str, ...]:
    names = [f"{f}={v}" for f, values in categorical.items() for v in values]
    return (*names, *numeric)


def _encoder(
    categorical: Mapping[str, tuple[str, ...]], numeric: Mapping[str, NumericScale]
) -> Callable[[Mapping[str, object]], list[float]]:
    slots = {
        (f, v): i for i, (f, v) in enumerate((f, v) for f in categorical for v in categorical[f])
    }
    width = len(slots)
    scales = list(numeric.items())

    def encode(features: Mapping[str, object]) -> list[float]:
        row = [0.0] * (width + len(scales))
        for field in categorical:
            raw = check.plain_scalar(features.get(field))
            if raw is not None:
                index = slots.get((field, str(raw).strip()))
                if index is not None:
                    row[index] = 1.0
        for offset, (field, scale) in enumerate(scales):
            number = _number(features.get(field), field)
            row[width + offset] = 0.0 if number is None else (number - scale.mean) / scale.std
        return row

    return encode


def _texts(features: Mapping[str, object]) -> dict[str, str]:
    out = {}
    for key, value in features.items():
        plain = check.plain_scalar(value)
        if plain is not None:
            out[key] = str(plain).strip()
    return out


def _number(value: object, field: str) -> float | None:
    raw = check.plain_scalar(value)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    try:
        number = float(str(raw).replace(",", ""))
    except ValueError:
        raise ScoringError(
            obj="LogisticModel", field=field, value=raw, expected="a number"
        ) from None
    if not math.isfinite(number):
        raise ScoringError(obj="LogisticModel", field=field, value=raw, expected="a finite number")
    return number


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (small, positive definite systems)."""
    n = len(vector)
    a = [[*row, b] for row, b in zip(matrix, vector, strict=True)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        lead = a[col][col]
        for r in range(col + 1, n):
            factor = a[r][col] / lead
            if factor:
                row, top = a[r], a[col]
                for k in range(col, n + 1):
                    row[k] -= factor * top[k]
    out = [0.0] * n
    for r in range(n - 1, -1, -1):
        out[r] = (a[r][n] - math.fsum(a[r][k] * out[k] for k in range(r + 1, n))) / a[r][r]
    return out


def _objective(
    rows: Sequence[Sequence[float]], y: Sequence[float], w: Sequence[float], c: float
) -> float:
    loss = 0.0
    for row, target in zip(rows, y, strict=True):
        z = math.fsum(a * b for a, b in zip(row, w, strict=True))
        # log(1 + e^z) - y z, stable for large |z|
        loss += (z if z > 0 else 0.0) + math.log1p(math.exp(-abs(z))) - target * z
    return c * loss + 0.5 * math.fsum(v * v for v in w[1:])


def _gradient_hessian(
    rows: Sequence[Sequence[float]], y: Sequence[float], w: Sequence[float], c: float
) -> tuple[list[float], list[list[float]]]:
    """Gradient and Hessian of :func:`_objective` at ``w`` (rows are sparse one-hot)."""
    d = len(w)
    grad = [0.0] * d
    hess = [[0.0] * d for _ in range(d)]
    for row, target in zip(rows, y, strict=True):
        p = _sigmoid(math.fsum(a * b for a, b in zip(row, w, strict=True)))
        residual = c * (p - target)
        weight = c * p * (1.0 - p)
        for i, xi in enumerate(row):
            if xi:
                grad[i] += residual * xi
                hrow = hess[i]
                wx = weight * xi
                for j in range(i, d):
                    if row[j]:
                        hrow[j] += wx * row[j]
    for i in range(d):
        for j in range(i):
            hess[i][j] = hess[j][i]
        if i:  # the intercept (column 0) is not penalised
            grad[i] += w[i]
            hess[i][i] += 1.0
    return grad, hess


def _newton_python(
    rows: Sequence[Sequence[float]], y: Sequence[float], c: float, max_iter: int, tol: float
) -> list[float]:
    w = [0.0] * len(rows[0])
    current = _objective(rows, y, w, c)
    for _ in range(max_iter):
        grad, hess = _gradient_hessian(rows, y, w, c)
        step = _solve(hess, grad)
        scale = 1.0
        while True:
            trial = [a - scale * b for a, b in zip(w, step, strict=True)]
            value = _objective(rows, y, trial, c)
            if value <= current + 1e-12 * abs(current) or scale < 1e-10:
                break
            scale /= 2.0
        w, current = trial, value
        if max(abs(s) for s in step) < tol:
            break
    return w


def _newton_numpy(
    rows: Sequence[Sequence[float]], y: Sequence[float], c: float, max_iter: int, tol: float
) -> list[float]:
    import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

    x = np.asarray(rows, dtype=float)
    t = np.asarray(y, dtype=float)
    d = x.shape[1]
    penalty = np.eye(d)
    penalty[0, 0] = 0.0

    def objective(w: Any) -> float:
        z = x @ w
        loss = np.sum(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - t * z)
        return float(c * loss + 0.5 * float(w[1:] @ w[1:]))

    w = np.zeros(d)
    current = objective(w)
    for _ in range(max_iter):
        z = x @ w
        p = np.where(
            z >= 0,
            1.0 / (1.0 + np.exp(-np.abs(z))),
            np.exp(-np.abs(z)) / (1.0 + np.exp(-np.abs(z))),
        )
        grad = c * (x.T @ (p - t)) + penalty @ w
        hess = c * (x.T * (p * (1.0 - p))) @ x + penalty
        step = np.linalg.solve(hess, grad)
        scale = 1.0
        while True:
            trial = w - scale * step
            value = objective(trial)
            if value <= current + 1e-12 * abs(current) or scale < 1e-10:
                break
            scale /= 2.0
        w, current = trial, value
        if float(np.max(np.abs(step))) < tol:
            break
    return [float(v) for v in w]


def train_logistic(
    history: Sequence[ClosedLead],
    *,
    categorical: Sequence[str] = (),
    numeric: Sequence[str] = (),
    c: float = 1.0,
    min_won: int = 40,
    min_lost: int = 40,
    backend: Backend = "auto",
    max_iter: int = 100,
    tol: float = 1e-10,
    buckets: GradeBuckets | None = None,
) -> LogisticModel:
    """Fit the logistic model; ``backend`` is ``"python"``, ``"numpy"`` or ``"auto"``.

    Newton's method is deterministic (no random start), and both backends run
    the same iterations, so their coefficients agree to floating-point
    rounding (about 1e-12).
    """
    check.refuse_frame(history, obj="train_logistic", use="crmcore.frames.train_frame")
    history = list(history)
    _check_history(history, min_won, min_lost, "train_logistic")
    if not categorical and not numeric:
        raise ScoringError(
            obj="train_logistic", field="categorical", expected="one or more feature fields"
        )
    if not (isinstance(c, (int, float)) and c > 0 and math.isfinite(c)):
        raise ValidationError(obj="train_logistic", field="c", value=c, expected="a number > 0")
    levels = {
        field: tuple(sorted({h.features[field] for h in history if field in h.features}))
        for field in categorical
    }
    scales: dict[str, NumericScale] = {}
    for field in numeric:
        values = [n for h in history if (n := _number(h.features.get(field), field)) is not None]
        if not values:
            raise InsufficientDataError(
                obj="train_logistic", field=field, value=0, expected="some numeric values"
            )
        mean = math.fsum(values) / len(values)
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)) or 1.0
        scales[field] = NumericScale(mean, std)
    encode = _encoder(levels, scales)
    rows = [[1.0, *encode(h.features)] for h in history]
    y = [1.0 if h.won else 0.0 for h in history]
    numpy = resolve_backend(backend, obj="train_logistic") == "numpy"
    fit = _newton_numpy if numpy else _newton_python
    weights = fit(rows, y, float(c), max_iter, tol)
    return LogisticModel(
        categorical=FrozenMap(levels),
        numeric=FrozenMap(scales),
        coefficients=tuple(weights[1:]),
        intercept=weights[0],
        c=float(c),
        buckets=buckets or GradeBuckets(),
    )


# -- insights and promotion ------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AttributeInsight:
    """One value's win rate against the overall rate (Dynamics 365's attribute insights)."""

    field: str
    value: str
    leads: int
    won: int
    win_rate: float
    overall_rate: float
    lift: float
    """``win_rate / overall_rate``."""


def attribute_insights(history: Iterable[ClosedLead], field: str) -> tuple[AttributeInsight, ...]:
    """Win rate per value of ``field``, best first.

    >>> h = [ClosedLead(features={"src": "web"}, won=True), ClosedLead(features={"src": "web"}, won=False),
    ...      ClosedLead(features={"src": "fair"}, won=True), ClosedLead(features={"src": "fair"}, won=True)]
    >>> [(i.value, i.win_rate, round(i.lift, 3)) for i in attribute_insights(h, "src")]
    [('fair', 1.0, 1.333), ('web', 0.5, 0.667)]
    """
    records = list(history)
    if not records:
        raise InsufficientDataError(
            obj="attribute_insights", field="history", value=0, expected="one or more leads"
        )
    overall = sum(1 for h in records if h.won) / len(records)
    tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for h in records:
        value = h.features.get(field)
        if value is not None:
            tally[value][0] += 1
            tally[value][1] += int(h.won)
    out = [
        AttributeInsight(
            field=field,
            value=value,
            leads=n,
            won=w,
            win_rate=w / n,
            overall_rate=overall,
            lift=(w / n) / overall if overall else 0.0,
        )
        for value, (n, w) in tally.items()
    ]
    return tuple(sorted(out, key=lambda i: (-i.win_rate, -i.leads, i.value)))


def should_promote(active_auc: float | None, candidate_auc: float, *, ratio: float = 0.95) -> bool:
    """Whether a retrained model replaces the active one (Dynamics 365's rule).

    It does when there is no active model or its validation AUC is at least
    ``ratio`` (95 %) of the active model's.

    >>> should_promote(0.80, 0.76), should_promote(0.80, 0.759), should_promote(None, 0.5)
    (True, False, True)
    """
    if active_auc is None:
        return True
    return candidate_auc >= ratio * active_auc - 1e-12


def choose_model(active: Any, candidate: Any, *, ratio: float = 0.95) -> Any:
    """The model to use after retraining: ``candidate`` if it may be promoted.

    Both models carry their ``validation_auc``; the candidate must have one.
    """
    if candidate.validation_auc is None:
        raise ScoringError(
            obj="choose_model",
            field="validation_auc",
            value=None,
            expected="the candidate's validation AUC (see evaluate_model)",
        )
    active_auc = None if active is None else active.validation_auc
    return (
        candidate if should_promote(active_auc, candidate.validation_auc, ratio=ratio) else active
    )


def _check_fraction(test_fraction: object) -> None:
    """Refuse a ``test_fraction`` that is not a number strictly between 0 and 1 (private)."""
    if (
        isinstance(test_fraction, bool)
        or not isinstance(test_fraction, int | float)
        or not 0.0 < test_fraction < 1.0  # also refuses NaN
    ):
        raise ValidationError(
            obj="split_history",
            field="test_fraction",
            value=test_fraction,
            expected="a number strictly between 0 and 1",
        )


def split_history(
    history: Sequence[ClosedLead], *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[ClosedLead], list[ClosedLead]]:
    """Train/validation split: by ``closed_at`` when every lead has one, else seeded shuffle.

    ``test_fraction`` must lie strictly between 0 and 1 (2.0 would leave no
    training set, so it is refused rather than silently giving one).
    """
    _check_fraction(test_fraction)
    if all(h.closed_at is not None for h in history):
        return evaluation.time_split(
            history, key=lambda h: h.closed_at, test_fraction=test_fraction
        )
    order = list(range(len(history)))
    random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not security
    cut = len(order) - max(1, round(len(order) * test_fraction))
    return [history[i] for i in order[:cut]], [history[i] for i in order[cut:]]


def evaluate_model(
    model: NaiveBayesModel | LogisticModel, history: Sequence[ClosedLead]
) -> evaluation.Evaluation:
    """Metrics of ``model`` (naive Bayes or logistic) on held-out closed leads."""
    labels = [h.won for h in history]
    probabilities = [
        _probability(model, h.features, team=h.team, stage=h.stage, obj="evaluate_model") / 100.0
        for h in history
    ]
    return evaluation.evaluate(labels, probabilities)


# -- prediction with any model ----------------------------------------------------------------


@attrs.frozen(kw_only=True)
class LeadPrediction:
    """A predictive model's answer for one lead: probability, grade and top factors."""

    probability: float
    """Won probability 0-100."""
    grade: str
    """The A-D grade of the probability (the model's :class:`GradeBuckets`)."""
    factors: tuple[str, ...]
    """The ``field=value`` columns that move the log-odds most, with their weight."""

    def explain(self) -> tuple[str, ...]:
        """One line per top factor, strongest first, e.g. ``"source=fair +0.812"``."""
        return self.factors


def model_fields(model: NaiveBayesModel | LogisticModel) -> tuple[str, ...]:
    """The lead fields ``model`` reads (its features, in training order).

    >>> model_fields(LogisticModel(categorical={"source": ("web",)}, numeric={},
    ...                            coefficients=(0.5,), intercept=0.0))
    ('source',)
    """
    if isinstance(model, NaiveBayesModel):
        return model.fields
    if isinstance(model, LogisticModel):
        return (*model.categorical, *model.numeric)
    raise ScoringError(
        obj="predict", field="model", value=model, expected="NaiveBayesModel or LogisticModel"
    )


def _probability(
    model: NaiveBayesModel | LogisticModel,
    features: Mapping[str, object],
    *,
    team: str | None,
    stage: str | None,
    obj: str,
) -> float:
    if isinstance(model, NaiveBayesModel):
        return model.probability(features, team=team, stage=stage)
    if isinstance(model, LogisticModel):
        return model.probability(features, team=team)
    raise ScoringError(
        obj=obj, field="model", value=model, expected="NaiveBayesModel or LogisticModel"
    )


def _missing_fields(fields: Sequence[str], features: Mapping[str, object]) -> None:
    missing = [f for f in fields if f not in features]
    if missing:
        raise ScoringError(
            obj="predict",
            field=", ".join(missing),
            value=sorted(str(k) for k in features)[:20],
            expected=(
                "the model's fields among the lead's fields (missing: "
                + ", ".join(missing)
                + "; pass allow_missing=True to treat absent fields as unknown)"
            ),
        )


def predict(
    model: NaiveBayesModel | LogisticModel,
    features: Mapping[str, object],
    *,
    team: str | None = None,
    stage: str | None = None,
    factors: int = 3,
    allow_missing: bool = False,
) -> LeadPrediction:
    """The prediction of any predictive model for one lead.

    A field the model reads must be a key of ``features`` (an empty, ``None``
    or NaN value is an unknown value); an absent field raises
    :class:`~crmcore.errors.ScoringError` naming the missing fields, unless
    ``allow_missing`` (then absent fields are unknown too, so a model whose
    fields are all absent answers its base rate). ``stage`` is used by naive
    Bayes models trained with stages; logistic models ignore ``team`` and
    ``stage``.

    >>> model = LogisticModel(categorical={"source": ("fair", "web")}, numeric={},
    ...                       coefficients=(1.0, -1.0), intercept=0.0)
    >>> p = predict(model, {"source": "fair"})
    >>> round(p.probability, 2), p.grade, p.explain()
    (73.11, 'B', ('source=fair +1.000',))
    >>> predict(model, {"origin": "fair"})
    Traceback (most recent call last):
    ...
    crmcore.errors.ScoringError: predict.source: got ['origin'] (list); expected the model's fields among the lead's fields (missing: source; pass allow_missing=True to treat absent fields as unknown)
    """
    check.refuse_frame(features, obj="predict", use="crmcore.frames.predict_frame")
    if not allow_missing:
        _missing_fields(model_fields(model), features)
    probability = _probability(model, features, team=team, stage=stage, obj="predict")
    if isinstance(model, NaiveBayesModel):
        top = model.top_factors(features, factors, team=team, stage=stage)
    else:
        top = model.top_factors(features, factors)
    return LeadPrediction(
        probability=probability, grade=model.buckets.grade(probability), factors=top
    )


def predict_leads(
    model: NaiveBayesModel | LogisticModel,
    leads: Iterable[Mapping[str, object]],
    *,
    team_field: str | None = None,
    stage_field: str | None = None,
    factors: int = 3,
    allow_missing: bool = False,
) -> tuple[LeadPrediction, ...]:
    """:func:`predict` for many leads (e.g. CSV rows), in order.

    ``team_field`` and ``stage_field`` name the fields holding each lead's
    sales team and current stage; an empty value there means none.
    """
    check.refuse_frame(leads, obj="predict_leads", use="crmcore.frames.predict_frame")
    out = []
    for lead in leads:
        team = _optional_text(lead, team_field)
        stage = _optional_text(lead, stage_field)
        out.append(
            predict(
                model,
                lead,
                team=team,
                stage=stage,
                factors=factors,
                allow_missing=allow_missing,
            )
        )
    return tuple(out)


def _optional_text(lead: Mapping[str, object], field: str | None) -> str | None:
    if field is None:
        return None
    value = check.plain_scalar(lead.get(field))
    text = "" if value is None else str(value).strip()
    return text or None
