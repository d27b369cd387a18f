"""Logistic training on a numeric matrix, without records or text (private).

See :func:`crmcore.scoring.train_logistic_matrix`. The record path
(:func:`~crmcore.scoring.train_logistic`) keeps every feature as text and
parses each cell back; a table of numbers (a DataFrame's ``to_numpy()``, a
warehouse extract) skips both steps here and reaches the same model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from crmcore import _checks as check
from crmcore._backend import Backend, resolve_backend
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.models import FrozenMap
from crmcore.scoring._predictive import (
    GradeBuckets,
    LogisticModel,
    NumericScale,
    _check_counts,
    _newton_numpy,
    _newton_python,
)

__all__ = ["train_logistic_matrix"]

_OBJ = "train_logistic_matrix"


def _label(value: object, index: int) -> float:
    plain = check.plain_scalar(value)
    if isinstance(plain, bool) or plain in (0, 1):
        return 1.0 if plain else 0.0
    raise ValidationError(obj=_OBJ, field=f"y[{index}]", value=value, expected="a bool or 0/1")


def _cell(value: object, row: int, column: str) -> float:
    plain = check.plain_scalar(value)
    if plain is None:
        return math.nan
    if isinstance(plain, (int, float)) and not isinstance(plain, bool) and math.isfinite(plain):
        return float(plain)
    raise ValidationError(
        obj=_OBJ,
        field=f"x[{row}].{column}",
        value=value,
        expected="a finite number, or None/NaN for missing (text cells: use train_logistic)",
    )


def _rows(x: Any, columns: Sequence[str]) -> list[list[float]]:
    """The matrix as float rows (NaN for missing), every cell checked."""
    rows = []
    for r, raw in enumerate(x):
        row = list(raw)
        if len(row) != len(columns):
            raise ValidationError(
                obj=_OBJ, field=f"x[{r}]", value=len(row), expected=f"{len(columns)} cells"
            )
        rows.append([_cell(v, r, name) for v, name in zip(row, columns, strict=True)])
    return rows


def _scale_python(rows: list[list[float]], columns: Sequence[str]) -> list[NumericScale]:
    scales = []
    for j, name in enumerate(columns):
        values = [row[j] for row in rows if not math.isnan(row[j])]
        if not values:
            raise InsufficientDataError(
                obj=_OBJ, field=name, value=0, expected="some numeric values"
            )
        mean = math.fsum(values) / len(values)
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in values) / len(values)) or 1.0
        scales.append(NumericScale(mean, std))
    return scales


def _design_python(rows: list[list[float]], scales: Sequence[NumericScale]) -> list[list[float]]:
    return [
        [
            1.0,
            *(
                0.0 if math.isnan(v) else (v - s.mean) / s.std
                for v, s in zip(row, scales, strict=True)
            ),
        ]
        for row in rows
    ]


def _design_numpy(x: Any, columns: Sequence[str]) -> tuple[Any, list[NumericScale]]:
    import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

    try:
        matrix = np.array(x, dtype=float)
    except (TypeError, ValueError):
        matrix = np.array(_rows(x, columns), dtype=float)  # names the bad cell
    if matrix.ndim != 2 or matrix.shape[1] != len(columns):
        raise ValidationError(
            obj=_OBJ, field="x", value=matrix.shape, expected=f"rows of {len(columns)} numbers"
        )
    missing = np.isnan(matrix)
    if np.isinf(matrix).any():
        _rows(matrix, columns)  # raises naming the first infinite cell
    counts = (~missing).sum(axis=0)
    if (counts == 0).any():
        name = columns[int(np.flatnonzero(counts == 0)[0])]
        raise InsufficientDataError(obj=_OBJ, field=name, value=0, expected="some numeric values")
    mean = np.nanmean(matrix, axis=0)
    std = np.nanstd(matrix, axis=0)
    std[std == 0] = 1.0
    z = (matrix - mean) / std
    z[missing] = 0.0
    scales = [NumericScale(float(m), float(s)) for m, s in zip(mean, std, strict=True)]
    return np.column_stack([np.ones(len(matrix)), z]), scales


def train_logistic_matrix(
    x: Any,
    y: Sequence[object],
    *,
    columns: Sequence[str],
    c: float = 1.0,
    min_won: int = 40,
    min_lost: int = 40,
    backend: Backend = "auto",
    max_iter: int = 100,
    tol: float = 1e-10,
    buckets: GradeBuckets | None = None,
) -> LogisticModel:
    """Fit the logistic model on a numeric matrix: a row per closed lead, a column per feature.

    ``x`` is a 2-d numpy array or a sequence of rows of numbers named by
    ``columns``; ``y`` the outcomes (bools or 0/1, numpy scalars included).
    ``None`` and NaN cells are missing: they stay out of the column's mean and
    standard deviation and encode as the mean, as in
    :func:`~crmcore.scoring.train_logistic`. The model equals
    ``train_logistic(history, numeric=columns)`` on the same numbers (to
    floating-point rounding) and predicts from records the same way; no cell
    is turned into text and parsed back.

    >>> model = train_logistic_matrix([[1.0], [2.0], [3.0], [4.0]], [0, 0, 1, 1],
    ...                               columns=["visits"], min_won=1, min_lost=1)
    >>> model.numeric["visits"], model.coefficients[0] > 0
    (NumericScale(mean=2.5, std=1.118033988749895), True)
    """
    check.refuse_frame(x, obj="train_logistic_matrix", use="crmcore.frames.train_frame")
    names = check.require_items(columns, str, obj=_OBJ, field="columns")
    if not names:
        raise ValidationError(obj=_OBJ, field="columns", value=names, expected="one or more")
    if not (isinstance(c, (int, float)) and c > 0 and math.isfinite(c)):
        raise ValidationError(obj=_OBJ, field="c", value=c, expected="a number > 0")
    labels = [_label(v, i) for i, v in enumerate(y)]
    won = int(sum(labels))
    _check_counts(won, len(labels) - won, min_won, min_lost, _OBJ)
    if resolve_backend(backend, obj=_OBJ) == "numpy":
        design, scales = _design_numpy(x, names)
        if len(design) != len(labels):
            raise ValidationError(
                obj=_OBJ, field="y", value=len(labels), expected=f"{len(design)} outcomes"
            )
        weights = _newton_numpy(design, labels, float(c), max_iter, tol)
    else:
        rows = _rows(x, names)
        if len(rows) != len(labels):
            raise ValidationError(
                obj=_OBJ, field="y", value=len(labels), expected=f"{len(rows)} outcomes"
            )
        scales = _scale_python(rows, names)
        weights = _newton_python(_design_python(rows, scales), labels, float(c), max_iter, tol)
    return LogisticModel(
        categorical=FrozenMap(),
        numeric=FrozenMap(dict(zip(names, scales, strict=True))),
        coefficients=tuple(weights[1:]),
        intercept=weights[0],
        c=float(c),
        buckets=buckets or GradeBuckets(),
    )
