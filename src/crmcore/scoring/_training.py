"""Training pipeline: closed leads from table rows (private).

See ``crmcore.scoring``. These functions hold the rules the ``crmcore score
train`` command follows, so a notebook or a service gets the same model as
the command line from the same rows.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

import attrs

from crmcore import _checks as check
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.scoring import evaluation
from crmcore.scoring._predictive import ClosedLead, LogisticModel, NaiveBayesModel

__all__ = [
    "WON_WORDS",
    "HistoryBuilder",
    "ModelKind",
    "TrainedModel",
    "TrainingSet",
    "history_from_rows",
]

WON_WORDS: Mapping[str, bool] = {
    **dict.fromkeys(("1", "true", "yes", "y", "won", "t"), True),
    **dict.fromkeys(("0", "false", "no", "n", "lost", "f"), False),
}
"""Target cell texts (compared case-insensitively) and the outcome each means."""


class ModelKind(enum.StrEnum):
    """Which predictive model :func:`train_model` fits."""

    NAIVE_BAYES = "naive_bayes"
    """Odoo's frequency model (:func:`~crmcore.scoring.train_naive_bayes`)."""
    LOGISTIC = "logistic"
    """L2 logistic regression (:func:`~crmcore.scoring.train_logistic`)."""


def _leads(value: Iterable[ClosedLead]) -> tuple[ClosedLead, ...]:
    return tuple(value)


def _names(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class TrainingSet:
    """Closed leads and the features a model is trained on."""

    history: tuple[ClosedLead, ...] = attrs.field(
        converter=_leads, validator=check.items_of(ClosedLead)
    )
    categorical: tuple[str, ...] = attrs.field(converter=_names, validator=check.items_of(str))
    """Fields whose values are categories (every model)."""
    numeric: tuple[str, ...] = attrs.field(
        default=(), converter=_names, validator=check.items_of(str)
    )
    """Fields whose values are numbers (logistic models; naive Bayes ignores them)."""


@attrs.frozen(kw_only=True)
class TrainedModel:
    """A model fitted on the whole history, with its held-out evaluation."""

    model: NaiveBayesModel | LogisticModel
    """Fitted on every closed lead; ``validation_auc`` set from :attr:`validation`."""
    validation: evaluation.Evaluation
    """Metrics of the refit on the training part, on the held-out part."""
    train_size: int
    """Number of leads the validation refit was trained on."""


def _column_error(column: str, first: Mapping[str, object]) -> ValidationError:
    have = ", ".join(str(k) for k in first)
    return ValidationError(
        obj="history_from_rows",
        field=column,
        value=column,
        expected=f"a column of the rows (have: {have})",
    )


def _won(value: object, row: int, column: str) -> bool:
    plain = check.plain_scalar(value)
    if isinstance(plain, bool):
        return plain
    text = "" if plain is None else str(plain).strip().casefold()
    if text in WON_WORDS:
        return WON_WORDS[text]
    raise ValidationError(
        obj=f"row {row}",
        field=column,
        value=value,
        expected="won or lost: " + "/".join(WON_WORDS),
    )


def _text(value: object) -> str | None:
    plain = check.plain_scalar(value)
    text = "" if plain is None else str(plain).strip()
    return text or None


def _closed_at(value: object, row: int, column: str) -> datetime | None:
    plain = check.plain_scalar(value)
    if plain is None or (isinstance(plain, str) and not plain.strip()):
        return None
    moment = plain
    if isinstance(plain, str):
        try:
            moment = datetime.fromisoformat(plain.strip())
        except ValueError:
            moment = plain
    if isinstance(moment, datetime) and moment.utcoffset() is not None:
        return moment
    raise ValidationError(
        obj=f"row {row}",
        field=column,
        value=value,
        expected="an ISO 8601 datetime with a UTC offset, or empty",
    )


def _features(
    first: Mapping[str, object],
    fields: Sequence[str],
    numeric: Sequence[str],
    special: Sequence[str | None],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    for column in [*special, *fields, *numeric]:
        if column is not None and column not in first:
            raise _column_error(column, first)
    skip = {*special, "id", *numeric}
    chosen = list(fields) or [str(c) for c in first if c not in skip]
    return tuple(f for f in chosen if f not in numeric), tuple(numeric)


def history_from_rows(
    rows: Iterable[Mapping[str, object]],
    *,
    target: str,
    fields: Sequence[str] = (),
    numeric: Sequence[str] = (),
    team_field: str | None = None,
    stage_field: str | None = None,
    closed_field: str | None = None,
    start: int = 2,
) -> TrainingSet:
    """Closed leads built from table rows (a CSV export, DataFrame records), one per row.

    Column rules:

    - ``target`` holds the outcome: a bool, or a text
      (``1/true/yes/y/won/t`` won, ``0/false/no/n/lost/f`` lost, any case);
      anything else, an empty cell included, is refused.
    - ``fields`` are the categorical features; when none are named, every
      column except the target, team, stage and close columns, ``id`` and the
      ``numeric`` columns.
    - ``numeric`` are number features (used by logistic models).
    - ``team_field`` and ``stage_field`` hold the sales team and the stage
      reached; ``closed_field`` the close datetime (ISO 8601 with offset),
      which lets :func:`train_model` validate on the newest leads.
    - An empty cell, ``None`` or NaN is unknown; numpy scalars are accepted.
      Every named column must exist; errors name the row (the header is row
      1, so the first row is ``start`` = 2).

    >>> rows = [{"id": "1", "source": "web", "won": "yes"}, {"id": "2", "source": "", "won": "0"}]
    >>> data = history_from_rows(rows, target="won")
    >>> data.categorical, [(dict(h.features), h.won) for h in data.history]
    (('source',), [({'source': 'web'}, True), ({}, False)])
    """
    builder = HistoryBuilder(
        target=target,
        fields=fields,
        numeric=numeric,
        team_field=team_field,
        stage_field=stage_field,
        closed_field=closed_field,
        start=start,
    )
    builder.add(rows)
    return builder.result()


class HistoryBuilder:
    """:func:`history_from_rows` fed a chunk of rows at a time (bounded row memory).

    Each :meth:`add` turns its rows into closed leads at once, so only the
    compact :class:`~crmcore.scoring.ClosedLead` objects are kept, not the
    rows; :meth:`result` is exactly ``history_from_rows`` of all the rows
    added, in order (the features are chosen from the first row; errors name
    the row's place in the whole table).

    >>> builder = HistoryBuilder(target="won")
    >>> builder.add([{"id": "1", "source": "web", "won": "yes"}])
    >>> builder.add([{"id": "2", "source": "", "won": "0"}])
    >>> builder.result() == history_from_rows(
    ...     [{"id": "1", "source": "web", "won": "yes"}, {"id": "2", "source": "", "won": "0"}],
    ...     target="won",
    ... )
    True

    """

    def __init__(
        self,
        *,
        target: str,
        fields: Sequence[str] = (),
        numeric: Sequence[str] = (),
        team_field: str | None = None,
        stage_field: str | None = None,
        closed_field: str | None = None,
        start: int = 2,
    ) -> None:
        self.target = target
        self.fields = tuple(fields)
        self.numeric = tuple(numeric)
        self.team_field = team_field
        self.stage_field = stage_field
        self.closed_field = closed_field
        self.next_row = start
        self.history: list[ClosedLead] = []
        self.categorical: tuple[str, ...] | None = None
        self.numbers: tuple[str, ...] = ()

    def add(self, rows: Iterable[Mapping[str, object]]) -> None:
        """Turn ``rows`` (the next rows of the table) into closed leads."""
        for row in rows:
            if self.categorical is None:
                self.choose(row)
            self.history.append(self._lead(row, self.next_row))
            self.next_row += 1

    def choose(self, first: Mapping[str, object]) -> None:
        """Choose the features from the table's first row (every named column must exist)."""
        self.categorical, self.numbers = _features(
            first,
            self.fields,
            self.numeric,
            (self.target, self.team_field, self.stage_field, self.closed_field),
        )

    def lead(self, row: Mapping[str, object], number: int) -> ClosedLead:
        """The closed lead of ``row``, row ``number`` of the table (its errors name it)."""
        return self._lead(row, number)

    def _lead(self, row: Mapping[str, object], number: int) -> ClosedLead:
        read = [*(self.categorical or ()), *self.numbers]
        team, stage, closed = self.team_field, self.stage_field, self.closed_field
        return ClosedLead(
            features={k: row.get(k) for k in read},
            won=_won(row.get(self.target), number, self.target),
            team=_text(row.get(team)) if team else None,
            stage=_text(row.get(stage)) if stage else None,
            closed_at=_closed_at(row.get(closed), number, closed) if closed else None,
        )

    def result(self) -> TrainingSet:
        """The training set of every row added (refuses none)."""
        if self.categorical is None:
            raise InsufficientDataError(
                obj="history_from_rows", field="rows", value=0, expected="one or more closed leads"
            )
        return TrainingSet(history=self.history, categorical=self.categorical, numeric=self.numbers)
