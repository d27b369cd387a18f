"""Naive Bayes and logistic fits, split and evaluation on an EncodedHistory (private).

These are :func:`~crmcore.scoring.train_naive_bayes`,
:func:`~crmcore.scoring.train_logistic`,
:func:`~crmcore.scoring.split_history` and
:func:`~crmcore.scoring.evaluate_model` worked from codes: ``rows`` are lead
indexes of an :class:`~crmcore.scoring.EncodedHistory` (all of them, or one
side of the split, in the order the record path would see them). Each gives
what the record path gives on the same leads, error for error:

- naive Bayes cells start at the smoothing constant and add ``1.0`` per lead
  in float, so a cell is a function of its integer count: the counts are
  tallied and each distinct count's value is replayed by the same additions;
- logistic vocabularies, means and deviations come from the same values
  (``math.fsum`` does not depend on order) and the design matrix has the same
  rows in the same order, so Newton's method runs the same iterations.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from crmcore._backend import Backend, numpy_available, resolve_backend
from crmcore.errors import InsufficientDataError, ScoringError, ValidationError
from crmcore.models import FrozenMap
from crmcore.scoring import evaluation
from crmcore.scoring._encoded import EncodedHistory
from crmcore.scoring._predictive import (
    STAGE,
    GradeBuckets,
    LogisticModel,
    NaiveBayesModel,
    NumericScale,
    ValueCount,
    ValueCounts,
    _check_counts,
    _check_fraction,
    _newton_numpy,
    _newton_python,
    _number,
    _probability,
)

__all__ = ["evaluate_rows", "fit_logistic", "fit_naive_bayes", "split_rows"]

_SMOOTHING = 0.1
"""``train_naive_bayes``'s smoothing constant (``train_model`` keeps the default)."""
_TEAM_MIN = 20
"""``train_naive_bayes``'s ``team_min_examples`` default: won and lost leads a team table needs."""


def _take(column: Sequence[Any], rows: Iterable[int]) -> Iterator[Any]:
    return map(column.__getitem__, rows)


# -- naive Bayes ------------------------------------------------------------------------------


def _index(rows: Sequence[int]) -> Any:
    import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

    if isinstance(rows, range):
        return np.arange(rows.start, rows.stop, rows.step, dtype=np.int64)
    return np.asarray(rows, dtype=np.int64)


def _tally(
    data: EncodedHistory, column: Sequence[int], size: int, rows: Sequence[int]
) -> dict[tuple[int, int, int], int]:
    """How many of ``rows`` have each (team code, ``column`` code, won): integer counts."""
    if not numpy_available():
        return Counter(
            zip(
                _take(data.team_codes, rows),
                _take(column, rows),
                _take(data.won, rows),
                strict=True,
            )
        )
    import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

    whole = isinstance(rows, range) and rows == range(len(data.won))
    index = None if whole else _index(rows)

    def part(values: Any) -> Any:
        return values if index is None else values[index]

    width = size + 1  # codes -1 .. size - 1, shifted to 0 .. size
    key = part(np.asarray(data.team_codes)).astype(np.int64)  # one 8-byte key per row, in place
    key += 1
    key *= width
    key += part(np.asarray(column))
    key += 1
    key *= 2
    key += part(np.frombuffer(data.won, dtype=np.uint8))
    keys, counts = np.unique(key, return_counts=True)
    return {
        (k // 2 // width - 1, k // 2 % width - 1, k % 2): n
        for k, n in zip(keys.tolist(), counts.tolist(), strict=True)
    }


class _Table:
    """Additions per (field, value) of one frequency table, before they become floats."""

    __slots__ = ("adds", "lost", "won")

    def __init__(self, won: int, lost: int) -> None:
        self.won, self.lost = won, lost
        self.adds: dict[tuple[str, str], list[int]] = {}

    def add(self, field: str, value: str, won: int, count: int) -> None:
        cell = self.adds.setdefault((field, value), [0, 0])
        cell[0 if won else 1] += count


def _sums(smoothing: float, counts: Iterable[int]) -> dict[int, float]:
    """``smoothing + 1.0 + 1.0 + ...`` (``k`` additions, in float, one at a time) per ``k``."""
    out: dict[int, float] = {}
    value, done = smoothing, 0
    for k in sorted(set(counts)):
        while done < k:
            value += 1.0
            done += 1
        out[k] = value
    return out


def _value_counts(table: _Table, sums: dict[int, float]) -> ValueCounts:
    counts: dict[str, dict[str, ValueCount]] = {}
    for (field, value), (won, lost) in table.adds.items():
        counts.setdefault(field, {})[value] = ValueCount(sums[won], sums[lost])
    frozen = {
        field: FrozenMap(dict(sorted(values.items(), key=lambda item: item[0])))
        for field, values in sorted(counts.items(), key=lambda item: item[0])
    }
    totals = {
        field: ValueCount(
            math.fsum(c.won for c in values.values()), math.fsum(c.lost for c in values.values())
        )
        for field, values in frozen.items()
    }
    return ValueCounts(
        won=table.won, lost=table.lost, counts=FrozenMap(frozen), totals=FrozenMap(totals)
    )


def _stage_problem(
    data: EncodedHistory, rows: Sequence[int], stages: Sequence[str], order: Sequence[int]
) -> None:
    """Refuse a stage not in ``stages`` as the record path does: team tables first."""
    bad = {code for code, text in enumerate(data.stages) if text not in stages}
    if not bad:
        return
    first: dict[int, int] = {}  # team code -> first bad stage code (-2: any team)
    for team, stage in zip(
        _take(data.team_codes, rows), _take(data.stage_codes, rows), strict=True
    ):
        if stage in bad:
            first.setdefault(team, stage)
            first.setdefault(-2, stage)
    for team in (*order, -2):
        if team in first:
            raise ScoringError(
                obj="train_naive_bayes",
                field="stage",
                value=data.stages[first[team]],
                expected="one of " + ", ".join(stages),
            )


def _add_stages(
    data: EncodedHistory, rows: Sequence[int], stages: Sequence[str], tables: dict[int, _Table]
) -> None:
    # Odoo: a won lead counts as won at every stage; a lost one as lost at
    # its stage and every earlier stage ("reached at least this stage").
    pooled = tables[-2]
    seen = _tally(data, data.stage_codes, len(data.stages), rows)
    for (team, code, won), count in seen.items():
        if code < 0:
            continue
        reached = stages.index(data.stages[code])
        for index, stage in enumerate(stages):
            if won or index <= reached:
                for table in {pooled, tables.get(team, pooled)}:
                    table.add(STAGE, stage, won, count)


def _add_fields(data: EncodedHistory, rows: Sequence[int], tables: dict[int, _Table]) -> None:
    pooled = tables[-2]
    for k, field in enumerate(data.fields):
        times = data.categorical.count(field)  # a field named twice is counted twice
        values = data.values[k]
        seen = _tally(data, data.codes[k], len(values), rows)
        for (team, code, won), count in seen.items():
            if code >= 0:
                for table in {pooled, tables.get(team, pooled)}:
                    table.add(field, values[code], won, count * times)


def fit_naive_bayes(
    data: EncodedHistory,
    rows: Sequence[int],
    *,
    stages: Sequence[str],
    min_won: int,
    min_lost: int,
) -> NaiveBayesModel:
    """``train_naive_bayes(leads, data.categorical, stages=stages, ...)`` on lead indexes ``rows``."""
    won = sum(_take(data.won, rows))
    _check_counts(won, len(rows) - won, min_won, min_lost, "train_naive_bayes")
    if not data.categorical and not stages:
        raise ScoringError(
            obj="train_naive_bayes",
            field="fields",
            value=data.categorical,
            expected="one or more fields",
        )
    by_team = {
        (t, w): n for (t, _, w), n in _tally(data, data.team_codes, len(data.teams), rows).items()
    }
    order = [
        code
        for _, code in sorted((text, code) for code, text in enumerate(data.teams))
        if by_team.get((code, 1), 0) >= _TEAM_MIN and by_team.get((code, 0), 0) >= _TEAM_MIN
    ]
    if stages:
        _stage_problem(data, rows, stages, order)
    tables = {code: _Table(by_team[(code, 1)], by_team[(code, 0)]) for code in order}
    tables[-2] = _Table(won, len(rows) - won)
    _add_fields(data, rows, tables)
    if stages:
        _add_stages(data, rows, stages, tables)
    sums = _sums(_SMOOTHING, (n for t in tables.values() for cell in t.adds.values() for n in cell))
    return NaiveBayesModel(
        fields=tuple(data.categorical),
        stages=tuple(stages),
        pooled=_value_counts(tables.pop(-2), sums),
        teams=FrozenMap({data.teams[code]: _value_counts(tables[code], sums) for code in order}),
        smoothing=_SMOOTHING,
        buckets=GradeBuckets(),
    )


# -- logistic regression ------------------------------------------------------------------------


def _levels(data: EncodedHistory, field: str, rows: Sequence[int]) -> tuple[str, ...]:
    k = data.fields.index(field)
    present = set(_take(data.codes[k], rows))
    present.discard(-1)
    return tuple(sorted(data.values[k][code] for code in present))


def _scale(data: EncodedHistory, field: str, rows: Sequence[int]) -> NumericScale:
    k = data.number_fields.index(field)
    unreadable = data.unreadable[k]
    if unreadable is not None:
        _number(unreadable, field)  # raises, naming the value as train_logistic does
    column = data.numbers[k]
    count = sum(1 for v in _take(column, rows) if not math.isnan(v))
    if not count:
        raise InsufficientDataError(
            obj="train_logistic", field=field, value=0, expected="some numeric values"
        )
    mean = math.fsum(v for v in _take(column, rows) if not math.isnan(v)) / count
    spread = math.fsum((v - mean) ** 2 for v in _take(column, rows) if not math.isnan(v))
    return NumericScale(mean, math.sqrt(spread / count) or 1.0)


class _Design:
    """Where each categorical code and numeric field goes in a design row."""

    __slots__ = ("categorical", "numeric", "width")

    def __init__(
        self,
        data: EncodedHistory,
        levels: dict[str, tuple[str, ...]],
        scales: dict[str, NumericScale],
    ) -> None:
        self.categorical: list[tuple[array[int], list[int]]] = []
        at = 1  # column 0 is the intercept
        for field, values in levels.items():
            k = data.fields.index(field)
            code = {text: i for i, text in enumerate(data.values[k])}
            slots = [-1] * len(data.values[k])
            for j, value in enumerate(values):
                slots[code[value]] = at + j
            self.categorical.append((data.codes[k], slots))
            at += len(values)
        self.numeric = [
            (data.numbers[data.number_fields.index(f)], s.mean, s.std) for f, s in scales.items()
        ]
        self.width = at + len(self.numeric)

    def rows(self, rows: Sequence[int]) -> list[list[float]]:
        out = []
        start = self.width - len(self.numeric)
        for i in rows:
            row = [0.0] * self.width
            row[0] = 1.0
            for column, slots in self.categorical:
                code = column[i]
                if code >= 0 and slots[code] >= 0:
                    row[slots[code]] = 1.0
            for at, (numbers, mean, std) in enumerate(self.numeric, start):
                v = numbers[i]
                row[at] = 0.0 if math.isnan(v) else (v - mean) / std
            out.append(row)
        return out

    def matrix(self, rows: Sequence[int]) -> Any:
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

        index = _index(rows)
        x = np.zeros((len(index), self.width))
        x[:, 0] = 1.0
        lines = np.arange(len(index))
        for column, slots in self.categorical:
            where = np.asarray([*slots, -1], dtype=np.int64)[np.asarray(column)[index]]
            hit = where >= 0  # code -1 (unknown) picks the appended -1
            x[lines[hit], where[hit]] = 1.0
        start = self.width - len(self.numeric)
        for at, (numbers, mean, std) in enumerate(self.numeric, start):
            v = np.asarray(numbers)[index]
            z = (v - mean) / std
            z[np.isnan(v)] = 0.0
            x[:, at] = z
        return x


def fit_logistic(
    data: EncodedHistory,
    rows: Sequence[int],
    *,
    c: float,
    min_won: int,
    min_lost: int,
    backend: Backend,
) -> LogisticModel:
    """``train_logistic(leads, categorical=..., numeric=..., ...)`` on lead indexes ``rows``."""
    won = sum(_take(data.won, rows))
    _check_counts(won, len(rows) - won, min_won, min_lost, "train_logistic")
    if not data.categorical and not data.numeric:
        raise ScoringError(
            obj="train_logistic", field="categorical", expected="one or more feature fields"
        )
    if not (isinstance(c, (int, float)) and c > 0 and math.isfinite(c)):
        raise ValidationError(obj="train_logistic", field="c", value=c, expected="a number > 0")
    levels = {field: _levels(data, field, rows) for field in data.categorical}
    scales = {field: _scale(data, field, rows) for field in data.numeric}
    design = _Design(data, levels, scales)
    y = [float(v) for v in _take(data.won, rows)]
    if resolve_backend(backend, obj="train_logistic") == "numpy":
        weights = _newton_numpy(design.matrix(rows), y, float(c), 100, 1e-10)
    else:
        weights = _newton_python(design.rows(rows), y, float(c), 100, 1e-10)
    return LogisticModel(
        categorical=FrozenMap(levels),
        numeric=FrozenMap(scales),
        coefficients=tuple(weights[1:]),
        intercept=weights[0],
        c=float(c),
        buckets=GradeBuckets(),
    )


# -- split and evaluation ----------------------------------------------------------------------


def _time_order(closed: array[int]) -> array[int]:
    """Lead indexes by close time, ties in lead order (a stable sort, as ``sorted``)."""
    if numpy_available():
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

        order = np.argsort(np.asarray(closed, dtype=np.int64), kind="stable")
        return array("q", order.astype(np.int64).tobytes())
    return array("q", sorted(range(len(closed)), key=closed.__getitem__))


def split_rows(
    data: EncodedHistory, *, test_fraction: float, seed: int
) -> tuple[array[int], array[int]]:
    """``split_history`` of the encoded leads, as lead indexes ``(train, test)``.

    By close time when every lead has one (:func:`~crmcore.scoring.evaluation.time_split`:
    the newest ``test_fraction``, leads sharing the boundary time all tested), else the
    same seeded shuffle of the lead indexes.
    """
    _check_fraction(test_fraction)
    n = len(data)
    closed = data.closed_at
    if closed is None:
        order = array("q", range(n))
        random.Random(seed).shuffle(order)  # noqa: S311 - a reproducible split, not security
        cut = n - max(1, round(n * test_fraction))
        return order[:cut], order[cut:]
    if n < 2:
        raise InsufficientDataError(
            obj="time_split", field="items", value=n, expected="two or more items"
        )
    order = _time_order(closed)
    cut = n - max(1, round(n * test_fraction))
    boundary = closed[order[cut]]
    while cut > 0 and closed[order[cut - 1]] == boundary:
        cut -= 1
    if cut == 0:
        raise InsufficientDataError(
            obj="time_split", field="items", value=n, expected="items with distinct keys"
        )
    return order[:cut], order[cut:]


def _features(data: EncodedHistory, i: int) -> dict[str, object]:
    out: dict[str, object] = {}
    for field, numbers in zip(data.number_fields, data.numbers, strict=True):
        if not math.isnan(numbers[i]):
            out[field] = numbers[i]
    for field, values, codes in zip(data.fields, data.values, data.codes, strict=True):
        if codes[i] >= 0:
            out[field] = values[codes[i]]  # a field both categorical and numeric: its text
    return out


def evaluate_rows(
    model: NaiveBayesModel | LogisticModel, data: EncodedHistory, rows: Sequence[int]
) -> evaluation.Evaluation:
    """``evaluate_model(model, leads)`` on lead indexes ``rows``."""
    teams, stages = data.teams, data.stages
    labels = [bool(data.won[i]) for i in rows]
    probabilities = [
        _probability(
            model,
            _features(data, i),
            team=teams[data.team_codes[i]] if data.team_codes[i] >= 0 else None,
            stage=stages[data.stage_codes[i]] if data.stage_codes[i] >= 0 else None,
            obj="evaluate_model",
        )
        / 100.0
        for i in rows
    ]
    return evaluation.evaluate(labels, probabilities)
