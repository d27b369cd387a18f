"""Train-validate-refit: :func:`crmcore.scoring.train_model` (private).

The closed leads are encoded (:class:`~crmcore.scoring.EncodedHistory`) and
every step works from the codes, so a history read a chunk at a time by
:class:`~crmcore.scoring.HistoryTally` never exists as lead objects.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from crmcore._backend import Backend
from crmcore.errors import ValidationError
from crmcore.scoring._compact_fit import evaluate_rows, fit_logistic, fit_naive_bayes, split_rows
from crmcore.scoring._encoded import EncodedHistory, encode_history
from crmcore.scoring._predictive import LogisticModel, NaiveBayesModel
from crmcore.scoring._training import ModelKind, TrainedModel, TrainingSet

__all__ = ["train_model"]


def _fit(
    data: EncodedHistory,
    rows: Sequence[int],
    kind: ModelKind,
    *,
    stages: Sequence[str],
    c: float,
    min_won: int,
    min_lost: int,
    backend: Backend,
) -> NaiveBayesModel | LogisticModel:
    if kind is ModelKind.LOGISTIC:
        return fit_logistic(data, rows, c=c, min_won=min_won, min_lost=min_lost, backend=backend)
    return fit_naive_bayes(data, rows, stages=stages, min_won=min_won, min_lost=min_lost)


def _kind(value: ModelKind | str) -> ModelKind:
    try:
        return ModelKind(value)
    except ValueError:
        raise ValidationError(
            obj="train_model",
            field="kind",
            value=value,
            expected="one of " + ", ".join(repr(k.value) for k in ModelKind),
        ) from None


def train_model(
    data: TrainingSet | EncodedHistory,
    *,
    kind: ModelKind | str = ModelKind.NAIVE_BAYES,
    stages: Sequence[str] = (),
    c: float = 1.0,
    min_won: int = 40,
    min_lost: int = 40,
    test_fraction: float = 0.2,
    seed: int = 0,
    backend: Backend = "auto",
) -> TrainedModel:
    """Train a model of ``kind`` on every closed lead and validate it honestly.

    The model returned is fitted on the whole history, and the minimum-data
    checks (``min_won``, ``min_lost``; Dynamics 365's 40 and 40) apply to it.
    Its ``validation_auc`` comes from a refit on the training part of
    :func:`~crmcore.scoring.split_history` (the older leads when every lead
    has ``closed_at``, else a shuffle seeded with ``seed``) scored on the
    held-out ``test_fraction``; the refit needs only one won and one lost
    lead. ``stages`` (naive Bayes) and ``c``/``backend`` (logistic) are passed
    to the trainer.

    ``data`` is a :class:`~crmcore.scoring.TrainingSet` or its
    :class:`~crmcore.scoring.EncodedHistory` (from
    :class:`~crmcore.scoring.HistoryTally`, a table read a chunk at a time):
    the same leads give the same result, equal to :func:`train_naive_bayes` /
    :func:`train_logistic`, :func:`split_history` and :func:`evaluate_model`
    run on the closed leads. Close times are ordered by their instant.
    """
    which = _kind(kind)
    encoded = data if isinstance(data, EncodedHistory) else encode_history(data)
    model = _fit(
        encoded,
        range(len(encoded)),
        which,
        stages=stages,
        c=c,
        min_won=min_won,
        min_lost=min_lost,
        backend=backend,
    )
    train, test = split_rows(encoded, test_fraction=test_fraction, seed=seed)
    refit = _fit(encoded, train, which, stages=stages, c=c, min_won=1, min_lost=1, backend=backend)
    validation = evaluate_rows(refit, encoded, test)
    return TrainedModel(
        model=attrs.evolve(model, validation_auc=validation.roc_auc),
        validation=validation,
        train_size=len(train),
    )
