"""``crmcore score`` (apply, train, predict)."""

from __future__ import annotations

import csv
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from crmcore.cli import main
from crmcore.cli._demo.scoring import demo_section
from crmcore.cli._progress import Progress
from crmcore.cli._scoring import load_model
from crmcore.scoring import NaiveBayesModel

CARD = {
    "name": "web",
    "groups": [
        {
            "name": "fit",
            "rules": [
                {
                    "name": "retail",
                    "points": 10,
                    "when": {"op": "equals", "field": "industry", "value": "retail"},
                },
                {
                    "name": "big",
                    "points": "5.5",
                    "when": {"op": "range", "field": "employees", "low": "100"},
                },
            ],
        },
        {
            "name": "engagement",
            "cap": 20,
            "rules": [{"name": "form", "points": 15, "event": {"kinds": ["form_submit"]}}],
        },
    ],
    "bands": [{"name": "cold", "high": "20"}, {"name": "hot", "low": "20"}],
    "sales_ready_at": "25",
}

TOML_CARD = """
name = "web"
sales_ready_at = 25

[[groups]]
name = "fit"

[[groups.rules]]
name = "retail"
points = 10
when = { op = "equals", field = "industry", value = "retail" }

[[groups.rules]]
name = "big"
points = 5.5
when = { op = "range", field = "employees", low = 100 }
"""

LEADS = "id,industry,employees\nL1,retail,250\nL2,steel,20\nL3,retail,50\n"
EVENTS = "lead_id,kind,at\nL2,form_submit,2026-03-01T10:00:00+03:30\nL2,form_submit,2026-03-02T10:00:00+03:30\n"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def files(tmp_path: Path) -> dict[str, str]:
    paths = {
        "card": tmp_path / "card.json",
        "toml": tmp_path / "card.toml",
        "leads": tmp_path / "leads.csv",
        "events": tmp_path / "events.csv",
    }
    paths["card"].write_text(json.dumps(CARD), encoding="utf-8")
    paths["toml"].write_text(TOML_CARD, encoding="utf-8")
    paths["leads"].write_text(LEADS, encoding="utf-8")
    paths["events"].write_text(EVENTS, encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


def test_score_with_a_scorecard(capsys: Any, files: Any) -> None:
    code, out, _ = run(
        capsys,
        "score",
        "--scorecard",
        files["card"],
        files["leads"],
        "--events",
        files["events"],
        "--now",
        "2026-03-10T00:00:00+00:00",
        "--rank",
    )
    assert code == 0
    table = rows(out)
    # L1: 10 + 5.5 = 15.5; L2: two forms 30 → group cap 20; L3: 10
    assert [(r["id"], r["score"], r["rating"], r["sales_ready"]) for r in table] == [
        ("L2", "20", "hot", "no"),
        ("L1", "15.5", "cold", "no"),
        ("L3", "10", "cold", "no"),
    ]
    assert table[0]["explanation"] == "form x2 +30 cap -10"
    assert list(table[0]) == [
        "id",
        "industry",
        "employees",
        "score",
        "grade",
        "rating",
        "sales_ready",
        "explanation",
    ]


def test_positional_first_and_toml_scorecard(capsys: Any, files: Any) -> None:
    code, out, _ = run(
        capsys,
        "score",
        files["leads"],
        "--scorecard",
        files["toml"],
        "--now",
        "2026-03-10T00:00:00+00:00",
    )
    assert code == 0
    assert [r["score"] for r in rows(out)] == ["15.5", "0", "10"]


def test_score_usage_errors(capsys: Any, files: Any) -> None:
    code, _, err = run(capsys, "score", files["leads"])
    assert code == 2
    assert "--scorecard" in err
    bad = Path(files["leads"]).with_name("bad.csv")
    bad.write_text("id,industry,employees\nL9,retail,many\n", encoding="utf-8")
    code, _, err = run(
        capsys,
        "score",
        "--scorecard",
        files["card"],
        str(bad),
        "--now",
        "2026-03-10T00:00:00+00:00",
    )
    assert code == 1
    assert "'big'" in err
    assert "many" in err
    broken = Path(files["card"]).with_name("broken.json")
    broken.write_text(
        json.dumps({**CARD, "bands": [{"name": "a", "high": "30"}, {"name": "b", "low": "20"}]})
    )
    code, _, err = run(capsys, "score", "--scorecard", str(broken), files["leads"])
    assert code == 1
    assert "non-overlapping" in err


def _history(path: Path, n: int = 300) -> None:
    rng = random.Random(4)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "source", "industry", "size", "team", "won"])
        for i in range(n):
            source = rng.choice(["web", "fair", "ads"])
            industry = rng.choice(["retail", "steel"])
            size = rng.randint(1, 500)
            p = {"web": 0.4, "fair": 0.7, "ads": 0.15}[source] * (
                1.2 if industry == "retail" else 0.8
            )
            writer.writerow(
                [
                    f"H{i}",
                    source,
                    industry,
                    size,
                    rng.choice(["n", "s"]),
                    "won" if rng.random() < p else "lost",
                ]
            )


@pytest.mark.parametrize("kind", ["naive_bayes", "logistic"])
def test_train_then_predict(capsys: Any, tmp_path: Any, files: Any, kind: Any) -> None:
    history = tmp_path / "history.csv"
    _history(history)
    model_path = tmp_path / "model.json"
    extra = (
        ["--fields", "source,industry", "--numeric", "size"]
        if kind == "logistic"
        else ["--fields", "source,industry"]
    )
    code, out, _ = run(
        capsys,
        "score",
        "train",
        "--history",
        str(history),
        "--target",
        "won",
        "--model",
        kind,
        "--team-column",
        "team",
        "--output",
        str(model_path),
        *extra,
    )
    assert code == 0
    assert "ROC AUC" in out
    assert "decile" in out
    model = load_model(str(model_path))
    assert model.validation_auc is not None
    assert 0.5 < model.validation_auc <= 1
    leads = tmp_path / "new.csv"
    leads.write_text(
        "id,source,industry,size\nN1,fair,retail,100\nN2,ads,steel,10\n", encoding="utf-8"
    )
    code, out, _ = run(capsys, "score", "predict", "--model", str(model_path), str(leads))
    assert code == 0
    table = rows(out)
    assert float(table[0]["probability"]) > float(table[1]["probability"])
    assert {r["grade"] for r in table} <= set("ABCD")
    assert "source=fair" in table[0]["top_factors"]


def test_train_refuses_a_single_class(capsys: Any, tmp_path: Any) -> None:
    history = tmp_path / "h.csv"
    history.write_text("source,won\n" + "web,1\n" * 100, encoding="utf-8")
    code, _, err = run(capsys, "score", "train", "--history", str(history), "--target", "won")
    assert code == 1
    assert "InsufficientDataError" in err
    assert "0 lost" in err
    code, _, err = run(capsys, "score", "train", "--history", str(history), "--target", "outcome")
    # a column missing from the data is refused input (exit 1), named in the message
    assert code == 1
    assert "outcome" in err
    assert "have: source, won" in err


def test_progress_bar_only_when_forced_or_on_a_terminal() -> None:
    stream = io.StringIO()
    bar = Progress(10, mode="always", stream=stream)
    bar.delay = 0.0
    bar.update(5)
    bar.close()
    assert "50% 5/10" in stream.getvalue()
    quiet = io.StringIO()
    auto = Progress(10, mode="auto", stream=quiet)  # StringIO is not a terminal
    auto.delay = 0.0
    auto.update(5)
    auto.close()
    assert quiet.getvalue() == ""


def test_demo_section_ranks_the_focus_lead_first() -> None:
    section = demo_section()
    assert section["title"] == "Lead scoring"
    first = section["data"][0]
    # "high, high, high, final meeting": 20 + 20 + 20 + 25 = 85 (scoring reference's textbook example)
    assert (first["lead_id"], first["score"], first["rating"], first["sales_ready"]) == (
        "L-101",
        "85",
        "hot",
        True,
    )
    scores = [float(d["score"]) for d in section["data"]]
    assert scores == sorted(scores, reverse=True)
    for entry in section["data"]:
        total = sum(float(line["value"]) for line in entry["explanation"])
        assert abs(total - float(entry["score"])) < 1e-9
    assert "L-101" in section["text"]


def test_options_before_the_csv_as_the_usage_shows(capsys: Any, files: Any) -> None:
    # issue 15: "crmcore score --scorecard C --now ... leads.csv" was "unrecognized arguments"
    code, out, err = run(
        capsys,
        "score",
        "--scorecard",
        files["card"],
        "--now",
        "2026-03-10T00:00:00+00:00",
        "--events",
        files["events"],
        "--rank",
        files["leads"],
    )
    assert (code, err) == (0, "")
    # the same scores as test_score_with_a_scorecard (hand-checked there)
    assert [(r["id"], r["score"]) for r in rows(out)] == [
        ("L2", "20"),
        ("L1", "15.5"),
        ("L3", "10"),
    ]
    code, _, err = run(capsys, "score", "--now", "2026-03-10T00:00:00+00:00", "train")
    assert code == 2
    assert "--now does not apply to 'score train'" in err


def test_absent_scorecard_fields_are_refused_unless_allowed(capsys: Any, files: Any) -> None:
    leads = Path(files["leads"]).with_name("few.csv")
    leads.write_text("id,industry\nL1,retail\nL2,steel\n", encoding="utf-8")
    now = ["--now", "2026-03-10T00:00:00+00:00"]
    code, out, err = run(capsys, "score", "--scorecard", files["card"], *now, str(leads))
    assert (code, out) == (1, "")
    assert "missing: employees, read by big" in err
    assert "Traceback" not in err
    code, out, _ = run(
        capsys, "score", "--scorecard", files["card"], *now, "--allow-missing", str(leads)
    )
    assert code == 0
    # no employees column: "big" never fires; retail +10
    assert [r["score"] for r in rows(out)] == ["10", "0"]


def test_predict_refuses_a_table_without_the_model_fields(capsys: Any, tmp_path: Any) -> None:
    history = tmp_path / "history.csv"
    _history(history)
    model_path = tmp_path / "model.json"
    code, _, _ = run(
        capsys,
        "score",
        "train",
        "--history",
        str(history),
        "--target",
        "won",
        "--fields",
        "source,industry",
        "-o",
        str(model_path),
    )
    assert code == 0
    leads = tmp_path / "renamed.csv"
    leads.write_text("id,origin,sector\nN1,fair,retail\n", encoding="utf-8")
    code, out, err = run(capsys, "score", "predict", "--model", str(model_path), str(leads))
    assert (code, out) == (1, "")
    assert "missing: source, industry" in err
    code, out, _ = run(
        capsys, "score", "predict", "--model", str(model_path), "--allow-missing", str(leads)
    )
    assert code == 0
    model = load_model(str(model_path))
    assert isinstance(model, NaiveBayesModel)
    # every field unknown: the pooled prior W / (W + L) of the training history
    prior = 100 * model.pooled.won / (model.pooled.won + model.pooled.lost)
    assert float(rows(out)[0]["probability"]) == pytest.approx(prior, abs=0.005)


def test_train_takes_c_in_full_and_equals_train_model(capsys: Any, tmp_path: Any) -> None:
    # `--c` once failed as an ambiguous abbreviation of `score`'s --column/--calendar;
    # options are now taken only in full, so it reaches `score train` (peer: the library's
    # own train_model on the same rows with c = 0.3).
    from crmcore.scoring import history_from_rows, train_model

    history = tmp_path / "history.csv"
    _history(history)
    model_path = tmp_path / "model.json"
    argv = ["--history", str(history), "--target", "won", "--model", "logistic"]
    argv += ["--fields", "source,industry", "--c", "0.3", "--output", str(model_path)]
    code, _, err = run(capsys, "score", "train", *argv)
    assert code == 0, err
    with history.open(encoding="utf-8", newline="") as handle:
        data = history_from_rows(
            list(csv.DictReader(handle)), target="won", fields=["source", "industry"]
        )
    expected = train_model(data, kind="logistic", c=0.3).model
    assert load_model(str(model_path)) == expected


def test_abbreviated_options_are_refused_as_usage(capsys: Any, files: Any) -> None:
    with pytest.raises(SystemExit) as stop:  # argparse's usage error: exit code 2
        main(["score", "--scorec", files["card"], files["leads"]])
    assert stop.value.code == 2
    assert "unrecognized arguments: --scorec" in capsys.readouterr().err
