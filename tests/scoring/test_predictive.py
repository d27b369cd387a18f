"""Predictive models: Odoo's naive Bayes by hand, logistic regression against scikit-learn."""

from __future__ import annotations

import json
import random
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from crmcore.errors import InsufficientDataError, ScoringError, ValidationError
from crmcore.scoring import (
    ClosedLead,
    GradeBuckets,
    LogisticModel,
    NaiveBayesModel,
    attribute_insights,
    choose_model,
    evaluate_model,
    should_promote,
    split_history,
    train_logistic,
    train_naive_bayes,
)
from crmcore.serialization import make_converter
from tests.strategies.scoring import closed_leads


def lead(src: str, won: bool, stage: str | None = None, team: str | None = None) -> ClosedLead:
    return ClosedLead(features={"src": src}, won=won, stage=stage, team=team)


SMALL = [
    lead("web", True, "s3"),
    lead("web", True, "s2"),
    lead("fair", True, "s1"),
    lead("web", False, "s1"),
    lead("ads", False, "s2"),
    lead("ads", False, "s2"),
]


def test_naive_bayes_matches_the_hand_computed_table() -> None:
    # Counts start at 0.1 (Odoo). W = L = 3.
    #   src  won  lost   (smoothed)
    #   web  2.1  1.1
    #   fair 1.1  0.1
    #   ads  0.1  2.1    W_src = L_src = 3.3
    # P(web) = 100·(½·2.1/3.3) / (½·2.1/3.3 + ½·1.1/3.3) = 100·2.1/3.2 = 65.625
    model = train_naive_bayes(SMALL, ["src"], min_won=1, min_lost=1)
    assert model.probability({"src": "web"}) == pytest.approx(65.625)
    assert model.probability({"src": "fair"}) == pytest.approx(100 * 1.1 / 1.2)
    # an unseen value contributes no factor: the prior ½ remains
    assert model.probability({"src": "tv"}) == pytest.approx(50.0)
    assert model.probability({}) == pytest.approx(50.0)
    # the factor of web is log(2.1/3.3) − log(1.1/3.3) = log(2.1/1.1) = 0.647
    assert model.top_factors({"src": "web"}) == ("src=web +0.647",)
    assert model.top_factors({"src": "tv"}) == ()


def test_naive_bayes_reached_at_least_this_stage_counting() -> None:
    # Won leads count as won at every stage: s1, s2, s3 won = 3 + 0.1 = 3.1 each, W_stage = 9.3.
    # Lost at s1 counts s1; the two lost at s2 count s1 and s2:
    #   lost s1 = 3.1, s2 = 2.1, s3 = 0.1, L_stage = 5.3.
    # web at s2: S_won = ½·(2.1/3.3)·(3.1/9.3) = 7/66, S_lost = ½·(1.1/3.3)·(2.1/5.3) = 7/106,
    # P = 100 · (7/66)/(7/66 + 7/106) = 100 · 106/172 = 61.6279…
    model = train_naive_bayes(SMALL, ["src"], stages=["s1", "s2", "s3"], min_won=1, min_lost=1)
    counts = model.pooled.counts["stage"]
    assert [round(counts[s].won, 9) for s in ("s1", "s2", "s3")] == [3.1, 3.1, 3.1]
    assert [round(counts[s].lost, 9) for s in ("s1", "s2", "s3")] == [3.1, 2.1, 0.1]
    assert model.probability({"src": "web"}, stage="s2") == pytest.approx(100 * 106 / 172)
    # probability is clamped to [0.01, 99.99]
    extreme = train_naive_bayes(
        [lead("a", True)] * 500 + [lead("b", False)] * 500, ["src"], min_won=1, min_lost=1
    )
    assert extreme.probability({"src": "a"}) <= 99.99


def test_per_team_tables_with_pooled_fallback() -> None:
    history = [lead("web", True, team="north")] * 20 + [lead("web", False, team="north")] * 20
    history += [lead("web", False, team="south")] * 5 + [lead("web", True, team="south")]
    model = train_naive_bayes(history, ["src"], min_won=1, min_lost=1, team_min_examples=20)
    assert set(model.teams) == {"north"}  # south has too few won leads for its own table
    # north: web 20.1 / 20.1 → 50 %; pooled (21 won, 25 lost):
    # S_won = 21/46 · 21.1/21.1, S_lost = 25/46 · 25.1/25.1 → 21/46 = 45.65 %
    assert model.probability({"src": "web"}, team="north") == pytest.approx(50.0)
    assert model.probability({"src": "web"}, team="south") == pytest.approx(100 * 21 / 46)
    assert model.probability({"src": "web"}) == pytest.approx(100 * 21 / 46)


def test_minimum_data_checks() -> None:
    few = [lead("web", True)] * 39 + [lead("ads", False)] * 60
    with pytest.raises(InsufficientDataError, match="39 won and 60 lost"):
        train_naive_bayes(few, ["src"])
    with pytest.raises(InsufficientDataError):
        train_logistic([lead("web", True)] * 100, categorical=["src"])
    with pytest.raises(InsufficientDataError):
        train_naive_bayes([], ["src"])
    with pytest.raises(ScoringError, match="stage"):
        train_naive_bayes(SMALL, ["src"], stages=["s1"], min_won=1, min_lost=1)


def _synthetic(n: int, seed: int) -> list[ClosedLead]:
    rng = random.Random(seed)
    history = []
    for _ in range(n):
        src = rng.choice(["web", "fair", "ads", "partner"])
        size = rng.randint(1, 500)
        z = {"web": 0.2, "fair": 1.0, "ads": -0.8, "partner": 0.5}[src] + (size - 250) / 150
        won = rng.random() < 1 / (1 + np.exp(-z))
        history.append(ClosedLead(features={"source": src, "size": str(size)}, won=bool(won)))
    return history


@pytest.mark.parametrize("c", [0.1, 1.0, 10.0])
def test_logistic_matches_scikit_learn_coefficients(c: float) -> None:
    history = _synthetic(600, seed=7)
    model = train_logistic(history, categorical=["source"], numeric=["size"], c=c, backend="python")
    x = np.array([model.encode(h.features) for h in history])
    y = np.array([h.won for h in history])
    reference = LogisticRegression(C=c, tol=1e-12, max_iter=10_000).fit(x, y)
    assert model.coefficients == pytest.approx(list(reference.coef_[0]), abs=1e-5)
    assert model.intercept == pytest.approx(reference.intercept_[0], abs=1e-5)
    assert model.columns == ("source=ads", "source=fair", "source=partner", "source=web", "size")


def test_numpy_and_pure_python_fits_agree() -> None:
    history = _synthetic(300, seed=3)
    a = train_logistic(history, categorical=["source"], numeric=["size"], backend="python")
    b = train_logistic(history, categorical=["source"], numeric=["size"], backend="numpy")
    assert a.coefficients == pytest.approx(b.coefficients, abs=1e-10)
    assert a.intercept == pytest.approx(b.intercept, abs=1e-10)
    with pytest.raises(ValidationError, match="backend"):
        train_logistic(history, categorical=["source"], backend="gpu")


def test_logistic_predictions_unseen_values_and_bad_numbers() -> None:
    history = _synthetic(300, seed=5)
    model = train_logistic(history, categorical=["source"], numeric=["size"])
    p = model.probability({"source": "fair", "size": "400"})
    assert 0 < p < 100
    # an unseen category encodes as zeros, a missing number as the mean
    assert model.encode({"source": "tv"})[:4] == [0.0, 0.0, 0.0, 0.0]
    assert model.encode({"source": "tv"})[4] == 0.0
    assert model.top_factors({"source": "fair", "size": "400"})[0].startswith("size")
    with pytest.raises(ScoringError, match="size"):
        model.probability({"source": "web", "size": "big"})


def _round_trip(model: NaiveBayesModel | LogisticModel) -> NaiveBayesModel | LogisticModel:
    conv = make_converter()
    text = json.dumps(conv.unstructure(model, unstructure_as=NaiveBayesModel | LogisticModel))
    model_type: Any = NaiveBayesModel | LogisticModel
    back: NaiveBayesModel | LogisticModel = conv.structure(json.loads(text), model_type)
    return back


@settings(max_examples=15, deadline=None)
@given(history=st.lists(closed_leads(), min_size=10, max_size=60), probe=closed_leads())
def test_models_round_trip_through_json_with_identical_predictions(
    history: Any, probe: Any
) -> None:
    won = sum(h.won for h in history)
    if won == 0 or won == len(history):
        history = [*history, ClosedLead(features={"source": "web"}, won=not history[0].won)]
    nb = train_naive_bayes(history, ["source"], min_won=1, min_lost=1, team_min_examples=3)
    lr = train_logistic(history, categorical=["source"], numeric=["size"], min_won=1, min_lost=1)
    for model in (nb, lr):
        back = _round_trip(model)
        assert back == model
        assert back.probability(probe.features, team=probe.team) == model.probability(
            probe.features, team=probe.team
        )


def test_grades_with_configurable_buckets() -> None:
    buckets = GradeBuckets(a=80, b=60, c=30)
    assert [buckets.grade(p) for p in (95.0, 80.0, 79.9, 60.0, 30.0, 29.99, 0.0)] == list("AABBCDD")
    with pytest.raises(ValidationError):
        GradeBuckets(a=50, b=60, c=10)
    model = train_naive_bayes(SMALL, ["src"], min_won=1, min_lost=1, buckets=buckets)
    assert model.grade({"src": "fair"}) == "A"  # 91.7 %
    assert model.grade({"src": "web"}) == "B"  # 65.6 %


def test_attribute_insights_hand_checked() -> None:
    insights = attribute_insights(SMALL, "src")
    # overall 3/6 = 0.5; fair 1/1 (lift 2), web 2/3 (lift 4/3), ads 0/2 (lift 0)
    assert [(i.value, i.leads, i.won, i.win_rate, i.lift) for i in insights] == [
        ("fair", 1, 1, 1.0, 2.0),
        ("web", 3, 2, pytest.approx(2 / 3), pytest.approx(4 / 3)),
        ("ads", 2, 0, 0.0, 0.0),
    ]


def test_promotion_rule_95_percent_of_active_auc() -> None:
    # Reference (Dynamics 365): replace only if the new accuracy is >= 95 % of the active one's.
    assert should_promote(0.80, 0.76)  # 0.76 = 95 % of 0.80
    assert not should_promote(0.80, 0.7599)
    assert should_promote(None, 0.51)
    history = _synthetic(400, seed=11)
    train, test = split_history(history, seed=1)
    assert len(test) == 80
    assert len(train) == 320
    model = train_logistic(train, categorical=["source"], numeric=["size"])
    result = evaluate_model(model, test)
    assert 0.5 < result.roc_auc <= 1.0
    active = attrs.evolve(model, validation_auc=0.9)
    weaker = attrs.evolve(model, validation_auc=0.8)
    assert choose_model(active, weaker) is active
    assert choose_model(weaker, active) is active
    with pytest.raises(ScoringError, match="validation AUC"):
        choose_model(active, model)
