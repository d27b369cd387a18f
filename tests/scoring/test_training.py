"""The training pipeline (rows -> closed leads -> train-validate-refit) and ``predict``."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from crmcore.errors import InsufficientDataError, ScoringError, ValidationError
from crmcore.scoring import (
    ClosedLead,
    LeadPrediction,
    LogisticModel,
    ModelKind,
    NaiveBayesModel,
    TrainingSet,
    evaluate_model,
    history_from_rows,
    model_fields,
    predict,
    predict_leads,
    split_history,
    train_logistic,
    train_logistic_matrix,
    train_model,
    train_naive_bayes,
)


def _rows(n: int = 200, seed: int = 3) -> list[dict[str, str]]:
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        source = rng.choice(["web", "fair", "ads"])
        p = {"web": 0.4, "fair": 0.75, "ads": 0.15}[source]
        out.append(
            {
                "id": f"H{i}",
                "source": source,
                "size": str(rng.randint(1, 400)),
                "team": rng.choice(["north", "south"]),
                "closed": (start + timedelta(days=i)).isoformat(),
                "won": "won" if rng.random() < p else "lost",
            }
        )
    return out


def test_history_from_rows_follows_the_column_rules() -> None:
    rows = [
        {"id": "1", "source": "web", "size": "10", "team": "n", "won": "Yes", "when": ""},
        {"id": "2", "source": "", "size": "", "team": "", "won": "0", "when": "2026-01-02T10:00+03:30"},
        {"id": "3", "source": "fair", "size": "7", "team": "s", "won": "WON", "when": ""},
    ]  # fmt: skip
    data = history_from_rows(
        rows, target="won", numeric=["size"], team_field="team", closed_field="when"
    )
    # every column but the target, team, close column, id and the numeric ones is categorical
    assert data.categorical == ("source",)
    assert data.numeric == ("size",)
    assert [h.won for h in data.history] == [True, False, True]
    assert [h.team for h in data.history] == ["n", None, "s"]
    assert dict(data.history[0].features) == {"source": "web", "size": "10"}
    assert dict(data.history[1].features) == {}  # empty cells are unknown, not a category
    assert data.history[1].closed_at == datetime(2026, 1, 2, 6, 30, tzinfo=UTC)
    assert history_from_rows(rows, target="won", fields=["source", "team"]).categorical == (
        "source",
        "team",
    )


def test_history_from_rows_refuses_bad_cells_naming_the_row() -> None:
    rows = [{"source": "web", "won": "1"}, {"source": "ads", "won": "maybe"}]
    with pytest.raises(ValidationError, match="row 3") as info:
        history_from_rows(rows, target="won")
    assert info.value.field == "won"
    assert info.value.value == "maybe"
    with pytest.raises(ValidationError, match=r"have: source, won") as info:
        history_from_rows(rows, target="outcome")
    assert info.value.field == "outcome"
    with pytest.raises(ValidationError, match="UTC offset"):
        history_from_rows(
            [{"source": "web", "won": "1", "at": "2026-01-01T10:00"}],
            target="won",
            closed_field="at",
        )
    with pytest.raises(InsufficientDataError):
        history_from_rows([], target="won")


def test_history_from_rows_takes_numpy_scalars_and_nan() -> None:
    rows = [
        {"source": np.str_("web"), "size": np.int64(12), "won": np.True_},
        {"source": float("nan"), "size": np.float64("nan"), "won": np.False_},
    ]
    data = history_from_rows(rows, target="won", numeric=["size"])
    assert [h.won for h in data.history] == [True, False]
    assert [dict(h.features) for h in data.history] == [{"source": "web", "size": "12"}, {}]


def test_closed_lead_accepts_numpy_bool_and_drops_nan() -> None:
    lead = ClosedLead(features={"a": np.float64("nan"), "b": np.int64(3)}, won=np.bool_(True))
    assert lead.won is True
    assert dict(lead.features) == {"b": "3"}


@pytest.mark.parametrize("kind", list(ModelKind))
def test_train_model_is_the_refit_on_everything_validated_on_a_held_out_part(
    kind: ModelKind,
) -> None:
    data = history_from_rows(
        _rows(), target="won", numeric=["size"], team_field="team", closed_field="closed"
    )
    trained = train_model(data, kind=kind, min_won=20, min_lost=20, test_fraction=0.25)
    # the rule, restated with the lower-level functions: fit on all, refit on the older
    # 75 % with relaxed minimums, evaluate on the newest 25 %
    train, test = split_history(list(data.history), test_fraction=0.25)
    if kind is ModelKind.LOGISTIC:
        full = train_logistic(data.history, categorical=["source"], numeric=["size"])
        refit = train_logistic(
            train, categorical=["source"], numeric=["size"], min_won=1, min_lost=1
        )
        assert isinstance(trained.model, LogisticModel)
        assert trained.model.coefficients == pytest.approx(full.coefficients, rel=1e-9)
    else:
        full_nb = train_naive_bayes(data.history, ["source"], min_won=20, min_lost=20)
        refit = train_naive_bayes(train, ["source"], min_won=1, min_lost=1)
        assert isinstance(trained.model, NaiveBayesModel)
        assert trained.model.pooled == full_nb.pooled
    expected = evaluate_model(refit, test)
    assert trained.train_size == len(train) == 150
    assert trained.validation == expected
    assert trained.model.validation_auc == expected.roc_auc
    # newer leads only in the validation part (closed_at everywhere -> time split)
    assert max(h.closed_at for h in train if h.closed_at) < min(
        h.closed_at for h in test if h.closed_at
    )


def test_train_model_refuses_too_little_history_and_a_bad_kind() -> None:
    data = history_from_rows(_rows(30), target="won")
    with pytest.raises(InsufficientDataError):
        train_model(data)  # 40 won and 40 lost by default
    with pytest.raises(ValidationError, match="naive_bayes"):
        train_model(data, kind="forest", min_won=1, min_lost=1)
    with pytest.raises(ValidationError):
        TrainingSet(history=[object()], categorical=["a"])  # type: ignore[list-item]


HAND = LogisticModel(
    categorical={"source": ("fair", "web")}, numeric={}, coefficients=(1.0, -1.0), intercept=0.0
)


def test_predict_dispatches_and_explains() -> None:
    # logistic: z = 1.0 for source=fair -> 100 / (1 + e^-1) = 73.105...
    p = predict(HAND, {"source": "fair"})
    assert p.probability == pytest.approx(100 / (1 + np.exp(-1.0)))
    assert p.grade == "B"  # 50 <= 73.1 < 75
    assert p.explain() == ("source=fair +1.000",)
    assert isinstance(p, LeadPrediction)
    history = [
        ClosedLead(features={"src": "web"}, won=True, stage="s2"),
        ClosedLead(features={"src": "web"}, won=False, stage="s1"),
        ClosedLead(features={"src": "ads"}, won=False, stage="s2"),
    ]
    bayes = train_naive_bayes(history, ["src"], stages=["s1", "s2"], min_won=1, min_lost=1)
    q = predict(bayes, {"src": "web"}, stage="s2")
    assert q.probability == pytest.approx(bayes.probability({"src": "web"}, stage="s2"))
    assert q.explain() == bayes.top_factors({"src": "web"}, stage="s2")
    assert model_fields(bayes) == ("src",)


def test_predict_refuses_absent_fields_unless_allowed() -> None:
    with pytest.raises(ScoringError, match="missing: source") as info:
        predict(HAND, {"origin": "fair"})
    assert info.value.field == "source"
    # allowed: every field unknown -> the base rate (intercept 0 -> 50 %)
    assert predict(HAND, {"origin": "fair"}, allow_missing=True).probability == pytest.approx(50)
    # present but empty or NaN is an unknown value, not a missing field
    assert predict(HAND, {"source": float("nan")}).probability == pytest.approx(50)
    assert predict(HAND, {"source": np.str_("web")}).probability == pytest.approx(
        100 / (1 + np.exp(1.0))
    )


def test_predict_leads_reads_team_and_stage_fields() -> None:
    leads = [{"source": "fair", "team": "n"}, {"source": "web", "team": ""}]
    out = predict_leads(HAND, leads, team_field="team")
    assert [round(p.probability, 3) for p in out] == [73.106, 26.894]
    with pytest.raises(ScoringError, match="missing"):
        predict_leads(HAND, [{"team": "n"}])


def _numeric_history(n: int, seed: int) -> tuple[list[list[float]], list[bool]]:
    rng = random.Random(seed)
    x, y = [], []
    for _ in range(n):
        size = float(rng.randint(1, 500))
        visits = float("nan") if rng.random() < 0.1 else float(rng.randint(0, 30))
        z = (size - 250) / 150 + (0 if math.isnan(visits) else (visits - 15) / 10)
        x.append([size, visits])
        y.append(rng.random() < 1 / (1 + np.exp(-z)))
    return x, y


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_matrix_fit_equals_the_record_fit(backend: str) -> None:
    # Same numbers, two ways in: text features in ClosedLead records (NaN dropped = missing)
    # and a float matrix with NaN cells. Same objective, same Newton iterations.
    x, y = _numeric_history(400, seed=11)
    history = [
        ClosedLead(
            features={"size": str(int(row[0]))}
            | ({} if math.isnan(row[1]) else {"visits": str(int(row[1]))}),
            won=won,
        )
        for row, won in zip(x, y, strict=True)
    ]
    by_records = train_logistic(history, numeric=["size", "visits"], backend=backend)
    matrix = np.array(x) if backend == "numpy" else x
    by_matrix = train_logistic_matrix(
        matrix, np.array(y), columns=["size", "visits"], backend=backend
    )
    assert by_matrix.coefficients == pytest.approx(by_records.coefficients, rel=1e-9, abs=1e-12)
    assert by_matrix.intercept == pytest.approx(by_records.intercept, rel=1e-9, abs=1e-12)
    assert by_matrix.numeric["visits"].mean == pytest.approx(by_records.numeric["visits"].mean)
    lead = {"size": "120", "visits": ""}
    assert by_matrix.probability(lead) == pytest.approx(by_records.probability(lead), rel=1e-9)


def test_matrix_fit_refuses_bad_input() -> None:
    x, y = _numeric_history(100, seed=2)
    with pytest.raises(ValidationError, match=r"x\[0\]"):
        train_logistic_matrix(
            [["a", 1.0], *x[1:]], y, columns=["size", "visits"], min_won=1, min_lost=1
        )
    with pytest.raises(ValidationError, match=r"y\[0\]"):
        train_logistic_matrix(x, ["yes", *y[1:]], columns=["size", "visits"], min_won=1, min_lost=1)
    with pytest.raises(ValidationError, match="2 numbers"):
        train_logistic_matrix(
            np.ones((100, 3)), y, columns=["size", "visits"], min_won=1, min_lost=1
        )
    nan_column = [[row[0], float("nan")] for row in x]
    with pytest.raises(InsufficientDataError, match="visits"):
        train_logistic_matrix(nan_column, y, columns=["size", "visits"], min_won=1, min_lost=1)
    with pytest.raises(InsufficientDataError):
        train_logistic_matrix(x, [True] * 100, columns=["size", "visits"])
