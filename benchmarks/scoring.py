"""Benchmark crmcore.scoring beside pandas and scikit-learn, in one process.

Run: ``python benchmarks/scoring.py [--leads 100000]``. Prints times and
ratios (crmcore time / peer time; below 1 means crmcore is faster).

1. A 20-rule fit scorecard over N leads: crmcore scalar path (``score_lead``
   per row, timed on a subset), crmcore batch path (``score_columns``, numpy),
   and a hand-vectorised pandas equivalent (float points).
2. Evaluation metrics on N scores against scikit-learn.
3. L2 logistic regression training and AUC against scikit-learn, from
   records (``train_logistic``) and from a numeric matrix
   (``train_logistic_matrix``, no per-cell parsing).
"""

from __future__ import annotations

import argparse
import random
import timeit
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from sklearn import metrics
from sklearn.linear_model import LogisticRegression

from crmcore.scoring import (
    CategoryMap,
    ClosedLead,
    Condition,
    Rule,
    RuleGroup,
    Scorecard,
    score_columns,
    score_lead,
    train_logistic,
    train_logistic_matrix,
)
from crmcore.scoring import evaluation as ev

NOW = datetime(2026, 6, 1, tzinfo=UTC)
INDUSTRIES = ["retail", "steel", "education", "software", "health", "energy"]
COUNTRIES = ["IR", "DE", "TR", "AE", "US"]
TITLES = ["CEO", "Sales Director", "Engineer", "Purchasing Manager", "Intern", ""]


def best(fn: Callable[[], object], repeat: int = 3) -> float:
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def scorecard() -> Scorecard:
    eq = Condition.equals
    rules = [
        Rule(name="retail", points=10, when=eq("industry", "retail")),
        Rule(name="steel", points=8, when=eq("industry", "steel")),
        Rule(
            name="target industries",
            points=5,
            when=Condition.is_in("industry", ["software", "health"]),
        ),
        Rule(name="education", points=-5, when=eq("industry", "education")),
        Rule(name="iran", points=6, when=eq("country", "IR")),
        Rule(name="gulf", points=4, when=Condition.is_in("country", ["AE", "TR"])),
        Rule(name="big", points=15, when=Condition.between("employees", low=500)),
        Rule(name="mid", points=8, when=Condition.between("employees", low=50, high=499)),
        Rule(name="tiny", points=-10, when=Condition.between("employees", high=5)),
        Rule(name="budget", points="12.5", when=Condition.between("budget", low=100000)),
        Rule(name="no budget", points=-3, when=Condition.not_(Condition.exists("budget"))),
        Rule(name="email", points=2, when=Condition.exists("email")),
        Rule(name="free mail", points=-4, when=Condition.contains("email", "gmail")),
        Rule(name="director", points=7, when=Condition.contains("title", "director")),
        Rule(name="ceo", points=9, when=eq("title", "CEO")),
        Rule(name="intern", points=-6, when=eq("title", "Intern")),
        Rule(
            name="interest",
            mapping=CategoryMap(field="interest", points={"high": 20, "medium": 10, "low": 0}),
        ),
        Rule(
            name="steel in iran",
            points=5,
            when=Condition.all_of(eq("industry", "steel"), eq("country", "IR")),
        ),
        Rule(
            name="big or funded",
            points="2.25",
            when=Condition.any_of(
                Condition.between("employees", low=1000), Condition.between("budget", low=500000)
            ),
        ),
        Rule(name="phone", points=1, when=Condition.exists("phone")),
    ]
    return Scorecard(
        name="bench",
        groups=[
            RuleGroup(name="fit", rules=rules[:16], cap=60),
            RuleGroup(name="other", rules=rules[16:]),
        ],
        total_cap=100,
    )


def leads(n: int, seed: int = 1) -> dict[str, list[str]]:
    rng = random.Random(seed)
    cols: dict[str, list[str]] = {
        k: []
        for k in (
            "industry",
            "country",
            "employees",
            "budget",
            "email",
            "title",
            "interest",
            "phone",
        )
    }
    for i in range(n):
        cols["industry"].append(rng.choice(INDUSTRIES))
        cols["country"].append(rng.choice(COUNTRIES))
        cols["employees"].append(str(rng.randint(1, 3000)))
        cols["budget"].append("" if rng.random() < 0.3 else str(rng.randint(1000, 900000)))
        cols["email"].append(rng.choice(["", f"u{i}@gmail.com", f"u{i}@corp.ir"]))
        cols["title"].append(rng.choice(TITLES))
        cols["interest"].append(rng.choice(["high", "medium", "low", ""]))
        cols["phone"].append("" if rng.random() < 0.5 else "+98 21 5555")
    return cols


def pandas_scores(df: pd.DataFrame) -> pd.Series:
    """The same scorecard written the way a pandas user would (float points)."""
    emp = pd.to_numeric(df["employees"], errors="coerce")
    bud = pd.to_numeric(df["budget"].replace("", np.nan), errors="coerce")
    ind, cty, title = df["industry"], df["country"], df["title"]
    has_budget = df["budget"] != ""
    fit = (
        10 * (ind == "retail")
        + 8 * (ind == "steel")
        + 5 * ind.isin(["software", "health"])
        - 5 * (ind == "education")
        + 6 * (cty == "IR")
        + 4 * cty.isin(["AE", "TR"])
        + 15 * (emp >= 500)
        + 8 * ((emp >= 50) & (emp <= 499))
        - 10 * (emp <= 5)
        + 12.5 * (bud >= 100000)
        - 3 * (~has_budget)
        + 2 * (df["email"] != "")
        - 4 * df["email"].str.casefold().str.contains("gmail", regex=False)
        + 7 * title.str.casefold().str.contains("director", regex=False)
        + 9 * (title == "CEO")
        - 6 * (title == "Intern")
    ).clip(upper=60)
    other = (
        df["interest"].map({"high": 20, "medium": 10, "low": 0}).fillna(0)
        + 5 * ((ind == "steel") & (cty == "IR"))
        + 2.25 * ((emp >= 1000) | (bud >= 500000))
        + 1 * (df["phone"] != "")
    )
    return (fit + other).clip(upper=100)


def bench_rules(n: int) -> list[tuple[str, float, str, float]]:
    card = scorecard()
    cols = leads(n)
    df = pd.DataFrame(cols)
    subset = min(n, 20000)
    rows = [{k: cols[k][i] for k in cols} for i in range(subset)]
    batch = score_columns(card, cols, now=NOW)
    reference = pandas_scores(df)
    scalar = [score_lead(card, row, now=NOW).score for row in rows]
    assert scalar == batch[:subset], "scalar and batch paths disagree"
    assert np.allclose([float(v) for v in batch], reference.to_numpy()), "pandas disagrees"
    t_scalar = best(lambda: [score_lead(card, row, now=NOW).score for row in rows]) * n / subset
    t_batch = best(lambda: score_columns(card, cols, now=NOW))
    t_pandas = best(lambda: pandas_scores(df))
    return [
        (
            f"score {n:,} leads, 20 rules, scalar (from {subset:,})",
            t_scalar,
            "pandas vectorised",
            t_pandas,
        ),
        (f"score {n:,} leads, 20 rules, batch (numpy)", t_batch, "pandas vectorised", t_pandas),
    ]


def bench_metrics(n: int) -> list[tuple[str, float, str, float]]:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, n)
    p = np.clip(rng.beta(2, 5, n) + 0.2 * y, 0.001, 0.999).round(3)  # rounded: many ties
    yl, pl = y.tolist(), p.tolist()
    pairs = [
        ("roc_auc", ev.roc_auc, metrics.roc_auc_score),
        ("average_precision", ev.average_precision, metrics.average_precision_score),
        ("log_loss", ev.log_loss, metrics.log_loss),
        ("brier", ev.brier_score, metrics.brier_score_loss),
    ]
    out = []
    for name, ours, theirs in pairs:
        assert abs(ours(yl, pl) - theirs(y, p)) < 1e-9, name
        out.append(
            (
                f"{name} on {n:,} scores (lists)",
                best(lambda o=ours: o(yl, pl)),
                "scikit-learn (arrays)",
                best(lambda t=theirs: t(y, p)),
            )
        )
    return out


def sk_from_records(records: list[ClosedLead]) -> object:
    """scikit-learn with the encoding in its time too (issue 14: like for like)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame([h.features for h in records])
    frame[["size", "budget"]] = frame[["size", "budget"]].astype(float)
    encode = ColumnTransformer(
        [
            ("categories", OneHotEncoder(handle_unknown="ignore"), ["source", "industry"]),
            ("numbers", StandardScaler(), ["size", "budget"]),
        ]
    )
    model = make_pipeline(encode, LogisticRegression(C=1.0, max_iter=1000))
    return model.fit(frame, [h.won for h in records])


def bench_logistic(n: int) -> tuple[list[tuple[str, float, str, float]], str]:
    rng = random.Random(9)
    history = []
    for _ in range(n):
        src = rng.choice(["web", "fair", "ads", "partner", "referral"])
        ind = rng.choice(INDUSTRIES)
        size = rng.randint(1, 3000)
        budget = rng.randint(0, 900000)
        z = {"web": 0.1, "fair": 0.8, "ads": -0.7, "partner": 0.4, "referral": 1.0}[src]
        z += 0.3 * INDUSTRIES.index(ind) / 5 + (size - 1500) / 1500 + (budget - 450000) / 900000
        won = rng.random() < 1 / (1 + np.exp(-z))
        history.append(
            ClosedLead(
                features={"source": src, "industry": ind, "size": str(size), "budget": str(budget)},
                won=bool(won),
            )
        )
    train, test = history[: n * 4 // 5], history[n * 4 // 5 :]
    kwargs = {"categorical": ["source", "industry"], "numeric": ["size", "budget"]}
    model = train_logistic(train, **kwargs, backend="numpy")
    x_train = np.array([model.encode(h.features) for h in train])
    y_train = np.array([h.won for h in train])
    x_test = np.array([model.encode(h.features) for h in test])
    y_test = [h.won for h in test]
    sk = LogisticRegression(C=1.0, max_iter=1000).fit(x_train, y_train)
    auc_ours = ev.roc_auc(y_test, [model.probability(h.features) for h in test])
    auc_sk = metrics.roc_auc_score(y_test, sk.predict_proba(x_test)[:, 1])
    # coefficients: against a tightly converged scikit-learn fit (its default tol=1e-4 stops early)
    tight = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(x_train, y_train)
    coef_gap = float(np.max(np.abs(np.array(model.coefficients) - tight.coef_[0])))
    default_gap = float(np.max(np.abs(np.array(model.coefficients) - sk.coef_[0])))
    small = train[:5000]
    t_numpy = best(lambda: train_logistic(train, **kwargs, backend="numpy"))
    t_python = best(lambda: train_logistic(small, **kwargs, backend="python"))
    t_sk = best(lambda: sk_from_records(train))
    t_sk_small = best(lambda: sk_from_records(small))
    numeric = np.array([[float(h.features["size"]), float(h.features["budget"])] for h in train])
    t_matrix = best(lambda: train_logistic_matrix(numeric, y_train, columns=["size", "budget"]))
    # Standardising in both times: crmcore scales inside its fit, scikit-learn in a pipeline.
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    t_sk_matrix = best(
        lambda: make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000)).fit(
            numeric, y_train
        )
    )
    note = (
        f"AUC crmcore {auc_ours:.4f} vs scikit-learn {auc_sk:.4f}; max |coef diff| "
        f"{coef_gap:.1e} vs a tol=1e-10 fit ({default_gap:.1e} vs the default-tol fit)"
    )
    return [
        (
            f"logistic fit, {len(train):,} leads, 13 columns, numpy (incl. encoding)",
            t_numpy,
            "scikit-learn pipeline (one-hot + scaling + lbfgs, from the same records)",
            t_sk,
        ),
        (
            f"logistic fit, {len(train):,} leads, 2-column numeric matrix, numpy",
            t_matrix,
            "scikit-learn (StandardScaler + lbfgs, same matrix)",
            t_sk_matrix,
        ),
        (
            "logistic fit, 5,000 leads, pure Python",
            t_python,
            "scikit-learn pipeline (from the same records)",
            t_sk_small,
        ),
    ], note


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=20_000)
    parser.add_argument("--only-logistic", action="store_true")
    args = parser.parse_args()
    rows = [] if args.only_logistic else bench_rules(args.leads) + bench_metrics(args.leads)
    fits, note = bench_logistic(args.history)
    rows += fits
    print("| task | crmcore | peer | ratio |\n|---|---|---|---|")
    for task, ours, peer, theirs in rows:
        print(
            f"| {task} | {ours * 1000:.1f} ms | {peer} {theirs * 1000:.1f} ms | {ours / theirs:.2f} |"
        )
    for task, ours, _, _ in rows[:2] if not args.only_logistic else []:
        print(f"{task}: {args.leads / ours:,.0f} leads/s")
    print(note)


if __name__ == "__main__":
    main()
