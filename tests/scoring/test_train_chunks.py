"""``score train`` reads the history a chunk at a time: the model equals the whole-file one."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import main
from crmcore.errors import CrmError, InsufficientDataError, ValidationError
from crmcore.scoring import (
    HistoryBuilder,
    LogisticModel,
    NaiveBayesModel,
    history_from_rows,
    train_model,
)
from crmcore.serialization import make_converter
from tests.chunked_cli import chunk_rows as _chunk_rows

HEADER = ("id", "source", "size", "team", "won")
SOURCES = ("web", "fair", "ads", "")
TEAMS = ("north", "south")


def _rows(outcomes: list[tuple[int, int, bool]]) -> list[dict[str, str]]:
    return [
        {
            "id": str(i),
            "source": SOURCES[s % len(SOURCES)],
            "size": str(s * 7 % 11),
            "team": TEAMS[t % 2],
            "won": "won" if won else "lost",
        }
        for i, (s, t, won) in enumerate(outcomes)
    ]


outcomes = st.lists(
    st.tuples(st.integers(0, 7), st.integers(0, 1), st.booleans()), min_size=4, max_size=40
).filter(lambda rows: {won for *_, won in rows} == {True, False})


@settings(max_examples=25, deadline=None)
@given(outcomes, st.lists(st.integers(1, 9), max_size=10))
def test_builder_over_any_split_equals_history_from_rows(
    data: list[tuple[int, int, bool]], cuts: list[int]
) -> None:
    # property: feeding the rows in any chunks gives the same TrainingSet as all at once
    rows = _rows(data)
    builder = HistoryBuilder(target="won", team_field="team", numeric=["size"])
    at = 0
    for size in cuts:
        builder.add(rows[at : at + size])
        at += size
    builder.add(rows[at:])
    whole = history_from_rows(rows, target="won", team_field="team", numeric=["size"])
    assert builder.result() == whole


def test_builder_names_the_row_of_the_whole_table() -> None:
    # the third data row is row 4 of the file (header is row 1), whatever the chunking
    builder = HistoryBuilder(target="won")
    builder.add([{"source": "web", "won": "yes"}, {"source": "ads", "won": "no"}])
    with pytest.raises(ValidationError) as err:
        builder.add([{"source": "web", "won": "maybe"}])
    assert err.value.obj == "row 4"


def test_empty_builder_is_refused_like_empty_rows() -> None:
    with pytest.raises(InsufficientDataError):
        history_from_rows([], target="won")
    with pytest.raises(InsufficientDataError):
        HistoryBuilder(target="won").result()


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


@settings(max_examples=15, deadline=None)
@given(outcomes, st.integers(1, 7), st.sampled_from(("naive_bayes", "logistic")))
def test_cli_chunks_give_the_whole_file_model(
    data: list[tuple[int, int, bool]], size: int, kind: str
) -> None:
    # the model file written with chunks of 1..7 rows is the engine's whole-history model
    rows = _rows(data)
    with tempfile.TemporaryDirectory() as folder:
        history, model = Path(folder) / "h.csv", Path(folder) / "m.json"
        _write(history, rows)
        args = ["score", "train", "--history", str(history), "--target", "won"]
        args += ["--team-column", "team", "--model", kind, "--min-won", "1", "--min-lost", "1"]
        args += ["--fields", "source", "--test-fraction", "0.5", "-o", str(model)]
        if kind == "logistic":
            args += ["--numeric", "size"]
        with _chunk_rows(size):
            code, _ = _run(*args)
        numeric = ["size"] if kind == "logistic" else []
        whole = history_from_rows(
            rows, target="won", fields=["source"], numeric=numeric, team_field="team"
        )
        try:
            expected = train_model(whole, kind=kind, min_won=1, min_lost=1, test_fraction=0.5)
        except CrmError:
            assert code == 1
            assert not model.exists()
            return
        assert code == 0
        kind_type = NaiveBayesModel | LogisticModel
        got = make_converter().structure(json.loads(model.read_text("utf-8")), kind_type)
        assert got == expected.model


def test_refused_row_in_a_later_chunk_leaves_no_file(tmp_path: Path) -> None:
    rows = _rows([(1, 0, True), (2, 1, False)] * 5)
    rows[8]["won"] = "perhaps"
    history, model = tmp_path / "h.csv", tmp_path / "m.json"
    _write(history, rows)
    with _chunk_rows(3):
        code, text = _run(
            "score", "train", "--history", str(history), "--target", "won", "-o", str(model)
        )
    assert code == 1
    assert "row 10" in text  # data row 9 is line 10 of the file
    assert not model.exists()
