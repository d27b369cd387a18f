"""DataFrame adapters for lead scoring (private; see ``crmcore.frames``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from crmcore._backend import Backend
from crmcore.errors import ValidationError
from crmcore.frames._common import (
    column,
    pandas,
    plain_cells,
    require_columns,
    require_frame,
)
from crmcore.scoring import (
    ClosedLead,
    EngagementEvent,
    EventColumns,
    LogisticModel,
    NaiveBayesModel,
    Scorecard,
    group_events,
    predict_leads,
    score_columns,
    train_logistic,
    train_logistic_matrix,
    train_naive_bayes,
)

__all__ = [
    "event_columns",
    "events_from_frame",
    "infer_features",
    "lead_columns",
    "predict_frame",
    "score_frame",
    "train_frame",
]

ScoreDtype = Literal["decimal", "float"]


def lead_columns(frame: Any, names: Sequence[str]) -> dict[str, Any]:
    """The named columns as the batch scorer reads them.

    Numeric and boolean columns go over as numpy arrays (NaN for missing);
    text, categorical and object columns as lists of plain cells, with NaN,
    None and pd.NA as None (missing).
    """
    pd = pandas("lead_columns")
    out: dict[str, Any] = {}
    for name in names:
        series = frame[name]
        dtype = series.dtype
        if pd.api.types.is_bool_dtype(dtype) and not series.hasnans:
            out[name] = series.to_numpy(dtype=bool)
        elif pd.api.types.is_integer_dtype(dtype) and not series.hasnans:
            out[name] = series.to_numpy(dtype="int64")
        elif pd.api.types.is_float_dtype(dtype):
            out[name] = series.to_numpy(dtype="float64", na_value=float("nan"))
        elif pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
            # text with gaps: every missing spelling becomes "" (missing to the scorer too),
            # so the scorer sees plain str cells and takes its text fast path
            out[name] = series.astype(object).where(series.notna(), "").to_numpy(dtype=object)
        else:
            out[name] = column(frame, name)
    return out


def score_frame(
    card: Scorecard,
    frame: Any,
    *,
    now: datetime,
    events: Mapping[str, Sequence[EngagementEvent]] | EventColumns | Any | None = None,
    backend: Backend = "auto",
    allow_missing: bool = False,
    scores: ScoreDtype = "decimal",
) -> Any:
    """Score every row of ``frame`` (a lead per row) with ``card``: a DataFrame with ``score``.

    Equal to :func:`crmcore.scoring.score_leads` on the rows as records
    (the batch path :func:`~crmcore.scoring.score_columns` runs underneath).
    ``events`` is a mapping lead id → events, :class:`~crmcore.scoring.EventColumns`
    or an events DataFrame (``lead_id``, ``kind``, tz-aware ``at``; read by
    :func:`event_columns`, no object per event); events are found by the
    ``id`` column. NaN,
    None and pd.NA cells are missing; a column the scorecard reads must be
    present unless ``allow_missing``. ``scores="decimal"`` (default) keeps
    exact Decimal scores; ``"float"`` gives float64. The result has the
    frame's index.

    >>> import pandas as pd
    >>> from datetime import UTC
    >>> from crmcore.scoring import Condition, Rule, RuleGroup
    >>> card = Scorecard(name="c", groups=[RuleGroup(name="g", rules=[
    ...     Rule(name="big", points="2.5", when=Condition.between("employees", low=100))])])
    >>> leads = pd.DataFrame({"employees": [150, 20, None]})
    >>> score_frame(card, leads, now=datetime(2026, 1, 1, tzinfo=UTC), scores="float")["score"].tolist()
    [2.5, 0.0, 0.0]
    """
    obj = "score_frame"
    require_frame(frame, obj=obj)
    if scores not in ("decimal", "float"):
        raise ValidationError(
            obj=obj, field="scores", value=scores, expected="'decimal' or 'float'"
        )
    if events is not None and not isinstance(events, (Mapping, EventColumns)):
        events = event_columns(events, leads=frame)
    present = [n for n in card.fields() if n in frame.columns]
    names = (
        [*present, "id"] if events and "id" in frame.columns and "id" not in present else present
    )
    columns = lead_columns(frame, names)
    if not columns:
        columns = {"__rows__": [None] * len(frame)}  # no column read: the row count still counts
    result = score_columns(
        card, columns, now=now, events=events, backend=backend, allow_missing=allow_missing
    )
    pd = pandas(obj)
    values: Any = result if scores == "decimal" else [float(v) for v in result]
    return pd.DataFrame(
        {"score": pd.Series(values, dtype=object if scores == "decimal" else "float64").array},
        index=frame.index,
    )


def event_columns(
    frame: Any,
    *,
    lead: str = "lead_id",
    kind: str = "kind",
    at: str = "at",
    detail: str | None = None,
    leads: Any = None,
) -> EventColumns:
    """An events table (a row per event) as :class:`~crmcore.scoring.EventColumns` for the batch path.

    ``at`` must be a timezone-aware ``datetime64`` column (or aware
    datetime objects); a naive column is refused. No object per event is made.
    Given the ``leads`` frame whose text ``id`` column is unique, the events are
    joined to its rows here with a pandas index (the same join as by id).
    """
    obj = "event_columns"
    require_frame(frame, obj=obj)
    require_columns(frame, [lead, kind, at, *([detail] if detail else [])], obj=obj)
    pd = pandas(obj)
    times = frame[at]
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        instants: Any = times.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy()
    elif pd.api.types.is_datetime64_dtype(times.dtype):
        raise ValidationError(
            obj=obj, field=at, value=str(times.dtype), expected="timezone-aware instants"
        )
    else:
        instants = column(frame, at)
    return EventColumns(
        frame[lead].to_numpy(dtype=object),
        frame[kind].to_numpy(dtype=object),
        instants,
        column(frame, detail) if detail else None,
        rows=_joined_rows(leads, frame[lead], pd),
    )


def _joined_rows(leads: Any, lead_ids: Any, pd: Any) -> Any:
    """Each event's row in ``leads`` by a unique text ``id`` (None when the ids do not allow it)."""
    if leads is None or "id" not in leads.columns:
        return None
    ids = leads["id"]
    types = pd.api.types
    if not (
        types.infer_dtype(ids, skipna=False) == "string"
        and types.infer_dtype(lead_ids, skipna=False) == "string"
    ):
        return None
    index = pd.Index(ids.to_numpy(dtype=object))
    if not index.is_unique or (index == "").any():
        return None
    return index.get_indexer(lead_ids.to_numpy(dtype=object))


def events_from_frame(
    frame: Any,
    *,
    lead: str = "lead_id",
    kind: str = "kind",
    at: str = "at",
    detail: str | None = None,
) -> dict[str, tuple[EngagementEvent, ...]]:
    """Engagement events from a table (a row per event), grouped by lead id.

    ``at`` must hold timezone-aware datetimes. Equal to
    :func:`crmcore.scoring.group_events` on the rows as events.
    """
    obj = "events_from_frame"
    require_frame(frame, obj=obj)
    names = [lead, kind, at, *([detail] if detail else [])]
    require_columns(frame, names, obj=obj)
    leads, kinds, times = column(frame, lead), column(frame, kind), column(frame, at)
    details = column(frame, detail) if detail else [None] * len(leads)
    out = [
        EngagementEvent(  # the validators check the cells
            kind=str(k),
            at=t,  # type: ignore[arg-type]
            lead_id=None if i is None else str(i),
            detail=d,  # type: ignore[arg-type]
        )
        for i, k, t, d in zip(leads, kinds, times, details, strict=True)
    ]
    return dict(group_events(out))


def predict_frame(
    model: NaiveBayesModel | LogisticModel,
    frame: Any,
    *,
    team: str | None = None,
    stage: str | None = None,
    factors: int = 3,
    allow_missing: bool = False,
) -> Any:
    """Predictions of ``model`` for every row: ``probability`` (float64), ``grade``, ``factors``.

    Equal to :func:`crmcore.scoring.predict_leads` on the rows as records;
    ``team``/``stage`` name the columns holding each lead's team and stage.
    A field the model reads must be a column unless ``allow_missing``.
    """
    obj = "predict_frame"
    require_frame(frame, obj=obj)
    pd = pandas(obj)
    names = [str(c) for c in frame.columns]
    cells = {name: column(frame, name) for name in names}
    rows = [{name: cells[name][i] for name in names} for i in range(len(frame))]
    predictions = predict_leads(
        model,
        rows,
        team_field=team,
        stage_field=stage,
        factors=factors,
        allow_missing=allow_missing,
    )
    return pd.DataFrame(
        {
            "probability": pd.Series([p.probability for p in predictions], dtype="float64").array,
            "grade": pd.Series([p.grade for p in predictions], dtype="string").array,
            "factors": pd.Series([p.factors for p in predictions], dtype=object).array,
        },
        index=frame.index,
    )


def infer_features(
    frame: Any, *, outcome: str, exclude: Sequence[str] = ()
) -> tuple[list[str], list[str]]:
    """(numeric, categorical) feature columns by dtype: the rule :func:`train_frame` uses.

    Every column except ``outcome`` and ``exclude``: integer and float
    columns are numeric; boolean, string, categorical and object columns are
    categorical (a flag is a category, not a number). Datetime and timedelta
    columns are skipped. Column order is kept.

    >>> import pandas as pd
    >>> infer_features(pd.DataFrame({"visits": [1], "source": ["web"], "vip": [True],
    ...                              "won": [1]}), outcome="won")
    (['visits'], ['source', 'vip'])
    """
    pd = pandas("infer_features")
    types = pd.api.types
    numeric: list[str] = []
    categorical: list[str] = []
    for name in frame.columns:
        if name == outcome or name in exclude:
            continue
        dtype = frame[name].dtype
        if types.is_bool_dtype(dtype):
            categorical.append(str(name))
        elif types.is_numeric_dtype(dtype):
            numeric.append(str(name))
        elif types.is_datetime64_any_dtype(dtype) or types.is_timedelta64_dtype(dtype):
            continue
        else:
            categorical.append(str(name))
    return numeric, categorical


def train_frame(
    frame: Any,
    *,
    outcome: str,
    numeric: Sequence[str] | None = None,
    categorical: Sequence[str] | None = None,
    kind: Literal["logistic", "naive_bayes"] = "logistic",
    **options: Any,
) -> LogisticModel | NaiveBayesModel:
    """Train a predictive model from a table of closed leads (a row per lead).

    ``outcome`` names the won/lost column (bools or 0/1, numpy or pandas
    values). Features are ``numeric`` and ``categorical`` when given (either
    may be empty), else inferred by :func:`infer_features`. A logistic model
    with numeric features only is fitted on the matrix
    (:func:`~crmcore.scoring.train_logistic_matrix`, no per-cell text);
    otherwise the rows become :class:`~crmcore.scoring.ClosedLead` records
    and :func:`~crmcore.scoring.train_logistic` or
    :func:`~crmcore.scoring.train_naive_bayes` (which reads every feature as
    a category) runs. Missing cells (NaN, None, pd.NA) are unknown values.
    ``options`` pass through (``c``, ``min_won``, ``min_lost``, ``backend``...).
    """
    obj = "train_frame"
    require_frame(frame, obj=obj)
    require_columns(frame, [outcome], obj=obj)
    if numeric is None and categorical is None:
        numeric, categorical = infer_features(frame, outcome=outcome)
    numeric, categorical = list(numeric or ()), list(categorical or ())
    require_columns(frame, [*numeric, *categorical], obj=obj)
    if kind not in ("logistic", "naive_bayes"):
        raise ValidationError(
            obj=obj, field="kind", value=kind, expected="'logistic' or 'naive_bayes'"
        )
    labels = plain_cells(frame[outcome].tolist())
    if kind == "logistic" and numeric and not categorical:
        matrix = frame[numeric].to_numpy(dtype="float64", na_value=float("nan"))
        return train_logistic_matrix(matrix, labels, columns=numeric, **options)
    history = _history(frame, labels, [*categorical, *numeric])
    if kind == "logistic":
        return train_logistic(history, categorical=categorical, numeric=numeric, **options)
    return train_naive_bayes(history, [*categorical, *numeric], **options)


def _history(frame: Any, labels: list[object], names: list[str]) -> list[ClosedLead]:
    cells = {name: column(frame, name) for name in names}
    out = []
    for i, label in enumerate(labels):
        won = bool(label) if label in (0, 1) and not isinstance(label, bool) else label
        if not isinstance(won, bool):
            raise ValidationError(
                obj="train_frame", field=f"outcome[{i}]", value=won, expected="a bool or 0/1"
            )
        out.append(ClosedLead(features={n: cells[n][i] for n in names}, won=won))
    return out
