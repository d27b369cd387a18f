"""``train_model`` from codes (EncodedHistory / HistoryTally) equals the record path.

The reference below is ``train_model`` as it was before the encoded path: the
public record-path trainers, ``split_history`` and ``evaluate_model`` on
ClosedLead objects. Every property compares whole results (model, validation,
train size) with ``==``, or the same refusal (type and message).
"""

from __future__ import annotations

import csv
import json
import tempfile
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError, InsufficientDataError, ValidationError
from crmcore.scoring import (
    ClosedLead,
    EncodedHistory,
    HistoryTally,
    LogisticModel,
    NaiveBayesModel,
    TrainedModel,
    TrainingSet,
    _compact_fit,
    encode_history,
    evaluate_model,
    history_from_rows,
    split_history,
    train_logistic,
    train_model,
    train_naive_bayes,
)
from crmcore.serialization import make_converter
from tests.chunked_cli import chunk_rows as _chunk_rows
from tests.chunked_cli import run_cli as _run

STAGES = ("new", "qualified", "proposal")
TEAMS = ("north", "south", "")
SOURCES = ("web", "fair", " ads ", "", "x")
SIZES = ("", "1", "2.5", "1,000", " 7 ", "-0", "40")
# the same instants written with different offsets: ties across zones
MOMENTS = (
    "2026-01-01T10:00:00+00:00",
    "2026-01-01T13:30:00+03:30",
    "2026-01-02T09:00:00+00:00",
    "2026-01-03T09:00:00-05:00",
    "2026-01-03T14:00:00+00:00",
    "2026-01-04T00:00:00+03:30",
)


def reference(
    data: TrainingSet,
    *,
    kind: str = "naive_bayes",
    stages: Sequence[str] = (),
    c: float = 1.0,
    min_won: int = 40,
    min_lost: int = 40,
    test_fraction: float = 0.2,
    seed: int = 0,
    backend: Any = "auto",
) -> TrainedModel:
    """``train_model`` before the encoded path (the record-path functions, step by step)."""

    def fit(history: Sequence[ClosedLead], low_won: int, low_lost: int) -> Any:
        if kind == "logistic":
            return train_logistic(
                history,
                categorical=data.categorical,
                numeric=data.numeric,
                c=c,
                min_won=low_won,
                min_lost=low_lost,
                backend=backend,
            )
        return train_naive_bayes(
            history, data.categorical, stages=stages, min_won=low_won, min_lost=low_lost
        )

    model = fit(data.history, min_won, min_lost)
    train, test = split_history(list(data.history), test_fraction=test_fraction, seed=seed)
    refit = fit(train, 1, 1)
    validation = evaluate_model(refit, test)
    return TrainedModel(
        model=attrs.evolve(model, validation_auc=validation.roc_auc),
        validation=validation,
        train_size=len(train),
    )


def outcome(run: Callable[[], object]) -> object:
    """The result, or the refusal as (type, message): what a caller can observe."""
    try:
        return run()
    except CrmError as err:
        return (type(err).__name__, str(err))


def same(a: object, b: object) -> bool:
    # == on the whole result; a NaN metric (one class held out) is compared by its repr
    return a == b or repr(a) == repr(b)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Rows of a history table and the history_from_rows settings that read them."""
    n = draw(st.integers(2, 160))
    closed = draw(st.sampled_from(("none", "all", "some")))
    bad_stage = draw(st.booleans()) and draw(st.booleans())
    rows = []
    for i in range(n):
        row = {
            "id": str(i),
            "source": draw(st.sampled_from(SOURCES)),
            "channel": draw(st.sampled_from(("mail", "call", ""))),
            "size": draw(st.sampled_from(SIZES)),
            "team": draw(st.sampled_from(TEAMS)),
            "stage": draw(st.sampled_from((*STAGES, "", *(("zzz",) if bad_stage else ())))),
            "won": draw(st.sampled_from(("won", "lost", "1", "0"))),
        }
        if closed != "none":
            missing = closed == "some" and draw(st.booleans())
            row["closed"] = "" if missing else draw(st.sampled_from(MOMENTS))
        rows.append(row)
    settings_ = {
        "target": "won",
        "fields": draw(st.sampled_from(((), ("source",), ("source", "stage"), ("channel",) * 2))),
        "numeric": draw(st.sampled_from(((), ("size",)))),
        "team_field": draw(st.sampled_from((None, "team"))),
        "stage_field": draw(st.sampled_from((None, "stage"))),
        "closed_field": "closed" if closed != "none" else None,
    }
    return rows, settings_


options = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(("naive_bayes", "logistic")),
        "stages": st.sampled_from(((), STAGES, ("qualified", "new"))),
        "test_fraction": st.sampled_from((0.2, 0.5, 0.34, 0.9, 0.01)),
        "seed": st.integers(0, 3),
        "min_won": st.sampled_from((1, 2)),
        "min_lost": st.just(1),
        "c": st.sampled_from((1.0, 0.3)),
        "backend": st.sampled_from(("python", "numpy")),
    }
)


def _tally(rows: list[dict[str, str]], found: dict[str, Any], cuts: list[int]) -> HistoryTally:
    """A tally of ``rows`` fed in chunks of ``cuts`` rows, its second half merged in."""
    half = len(rows) // 2
    first, second = HistoryTally(**found), HistoryTally(**found, start=2 + half)
    for tally, part in ((first, rows[:half]), (second, rows[half:])):
        at = 0
        for size in cuts:
            tally.add(part[at : at + size])
            at += size
        tally.add(part[at:])
    return first.merge(second)


@settings(max_examples=120, deadline=None)
@given(histories(), options, st.lists(st.integers(1, 9), max_size=6), st.booleans())
def test_encoded_training_equals_the_record_path(
    table: tuple[list[dict[str, str]], dict[str, Any]],
    option: dict[str, Any],
    cuts: list[int],
    numpy: bool,
) -> None:
    # property: TrainedModel (model, validation, train size) or the refusal is the same,
    # with the numpy counting and sorting or without numpy installed
    rows, found = table
    try:
        data = history_from_rows(rows, **found)
    except CrmError:
        return  # a refused row: test_tally_refuses_rows_as_history_from_rows covers it
    if not numpy:
        option = {**option, "backend": "python"}
    expected = outcome(lambda: reference(data, **option))
    with mock.patch.object(_compact_fit, "numpy_available", return_value=numpy):
        assert same(outcome(lambda: train_model(data, **option)), expected)
        encoded = _tally(rows, found, cuts).result()
        assert encoded == encode_history(data)
        assert same(outcome(lambda: train_model(encoded, **option)), expected)


@settings(max_examples=60, deadline=None)
@given(histories(), st.lists(st.integers(1, 9), max_size=8), st.integers(0, 70))
def test_tally_fed_any_split_or_merged_equals_the_one_shot_encoding(
    table: tuple[list[dict[str, str]], dict[str, Any]], cuts: list[int], cut: int
) -> None:
    rows, found = table
    data = outcome(lambda: encode_history(history_from_rows(rows, **found)))

    def fed() -> EncodedHistory:
        tally = HistoryTally(**found)
        at = 0
        for size in cuts:
            tally.add(rows[at : at + size])
            at += size
        tally.add(rows[at:])
        return tally.result()

    assert same(outcome(fed), data)
    left, right = HistoryTally(**found), HistoryTally(**found, start=2 + min(cut, len(rows)))
    left.add(rows[:cut])
    right.add(rows[cut:])
    before = (len(left), len(right))
    merged = left.merge(right)
    assert (len(left), len(right)) == before  # merge makes a new tally
    assert same(outcome(merged.result), data)


def test_tally_refuses_rows_as_history_from_rows() -> None:
    rows = [{"source": "web", "won": "yes"}, {"source": "ads", "won": "no"}]
    tally = HistoryTally(target="won")
    tally.add(rows)
    with pytest.raises(ValidationError) as err:
        tally.add([{"source": "web", "won": "maybe"}])
    assert err.value.obj == "row 4"  # the header is row 1, so the third row is row 4
    with pytest.raises(InsufficientDataError):
        HistoryTally(target="won").result()
    with pytest.raises(ValidationError):
        tally.merge(HistoryTally(target="outcome"))


def test_result_is_not_changed_by_later_rows() -> None:
    tally = HistoryTally(target="won")
    tally.add([{"source": "web", "won": "yes"}])
    first = tally.result()
    tally.add([{"source": "ads", "won": "no"}])
    assert len(first) == 1
    assert list(first.codes[0]) == [0]
    assert len(tally.result()) == 2


def test_naive_bayes_cells_replay_the_float_additions() -> None:
    # Odoo's cells start at 0.1 and add 1.0 per lead, one at a time in float (the record
    # path's _build_table): 0.1, 1.1, 2.1, ...; the encoded path counts the leads and must
    # give the same floats. 150 won "web" leads, 50 lost, computed here step by step.
    history = [ClosedLead(features={"source": "web"}, won=i < 150) for i in range(200)]
    won_cell = 0.1
    for _ in range(150):
        won_cell += 1.0
    lost_cell = 0.1
    for _ in range(50):
        lost_cell += 1.0
    data = TrainingSet(history=history, categorical=["source"])
    model = train_model(data, min_won=1, min_lost=1)
    assert isinstance(model.model, NaiveBayesModel)
    cell = model.model.pooled.counts["source"]["web"]
    assert (cell.won, cell.lost) == (won_cell, lost_cell)


def test_encoded_history_is_a_few_bytes_per_lead() -> None:
    # 1,000 leads, 2 categorical fields and 1 numeric: 4 + 4 + 8 bytes, a byte for won,
    # 4 + 4 for team and stage, 8 for the close time, each value text held once
    rows = [
        {"a": f"v{i % 3}", "b": "x", "n": str(i), "won": "won" if i % 2 else "lost"}
        for i in range(1000)
    ]
    tally = HistoryTally(target="won", numeric=["n"])
    tally.add(rows)
    data = tally.result()
    assert data.fields == ("a", "b")
    assert [len(v) for v in data.values] == [3, 1]
    assert [c.itemsize for c in data.codes] == [1, 1]  # under 128 values: a byte a lead
    assert data.numbers[0].itemsize == 8
    assert len(data.won) == 1000
    assert data.closed_at is None  # no close column: the split shuffles


# -- the command line -------------------------------------------------------------------------


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def _argv(history: Path, found: dict[str, Any], option: dict[str, Any]) -> list[str]:
    args = ["score", "train", "--history", str(history), "--target", "won"]
    args += ["--model", option["kind"], "--min-lost", "1"]
    args += ["--test-fraction", str(option["test_fraction"]), "--seed", str(option["seed"])]
    # no --c: 'score train --c X' is refused as ambiguous (--column/--calendar) by the score
    # parser before 'train' parses it (a bug of main, reported); c stays 1.0 here
    args += ["--min-won", str(option["min_won"])]
    if found["fields"]:
        args += ["--fields", ",".join(found["fields"])]
    if found["numeric"]:
        args += ["--numeric", ",".join(found["numeric"])]
    if option["stages"]:
        args += ["--stages", ",".join(option["stages"])]
    for flag, key in (("--team-column", "team_field"), ("--stage-column", "stage_field")):
        if found[key]:
            args += [flag, found[key]]
    if found["closed_field"]:
        args += ["--closed-column", found["closed_field"]]
    return args


@settings(max_examples=30, deadline=None)
@given(histories(), options, st.integers(1, 7))
def test_cli_chunks_give_the_whole_file_output(
    table: tuple[list[dict[str, str]], dict[str, Any]], option: dict[str, Any], size: int
) -> None:
    # property: chunks of 1..7 rows write the same model file and report as one chunk,
    # and the model is the record path's
    rows, found = table
    with tempfile.TemporaryDirectory() as folder:
        history = Path(folder) / "h.csv"
        _write(history, rows)
        runs = []
        for chunk in (size, 1_000_000):
            model = Path(folder) / f"m{chunk}.json"
            with _chunk_rows(chunk):
                code, out, err = _run(*_argv(history, found, option), "-o", str(model))
            runs.append((code, out, err, model.read_text("utf-8") if model.exists() else None))
        assert runs[0] == runs[1]
        code, report, _, text = runs[0]
        options_ = {k: v for k, v in option.items() if k not in ("backend", "c")}
        expected = outcome(lambda: reference(history_from_rows(rows, **found), **options_))
        if not isinstance(expected, TrainedModel):
            assert (code, text) == (1, None)
            return
        assert code == 0
        assert text is not None
        kind_type = NaiveBayesModel | LogisticModel
        got = make_converter().structure(json.loads(text), kind_type)
        assert same(got, expected.model)
        assert report.startswith(f"trained on {expected.train_size} leads, validated on ")


def test_refused_row_in_a_later_chunk_keeps_the_previous_file(tmp_path: Path) -> None:
    rows = [
        {"source": "web" if i % 3 else "ads", "won": "won" if i % 2 else "lost"} for i in range(12)
    ]
    rows[10]["won"] = "perhaps"
    history, model = tmp_path / "h.csv", tmp_path / "m.json"
    _write(history, rows)
    model.write_text("previous", encoding="utf-8")
    with _chunk_rows(4):
        code, out, err = _run(
            "score", "train", "--history", str(history), "--target", "won", "-o", str(model)
        )
    assert code == 1
    assert "row 12" in err  # data row 11 is line 12 of the file
    assert out == ""
    assert model.read_text("utf-8") == "previous"


@pytest.mark.parametrize("values", [300, 33_000])
def test_code_columns_widen_as_the_vocabulary_grows(values: int) -> None:
    # 300 values outgrow a signed byte (127), 33,000 a 2-byte code (32,767): the columns
    # widen and the tally, fed in chunks or merged, still equals the one-shot encoding
    rows = [{"a": f"v{i % values}", "won": "won" if i % 3 else "lost"} for i in range(values + 50)]
    whole = encode_history(history_from_rows(rows, target="won"))
    assert whole.codes[0].itemsize == (2 if values < 2**15 else 4)
    assert list(whole.codes[0][:3]) == [0, 1, 2]
    fed = HistoryTally(target="won")
    for at in range(0, len(rows), 997):
        fed.add(rows[at : at + 997])
    assert fed.result() == whole
    left, right = HistoryTally(target="won"), HistoryTally(target="won", start=102)
    left.add(rows[:100])
    right.add(rows[100:])
    assert left.merge(right).result() == whole
    assert right.merge(left).result() != whole  # the order of the rows is kept
    if values < 1000:
        data = history_from_rows(rows, target="won")
        assert train_model(whole, min_won=1, min_lost=1) == reference(data, min_won=1, min_lost=1)


cells = st.one_of(
    st.sampled_from(("web", " web ", "", "  ", "ads", "1", "0", "yes", "lost", "x" * 501)),
    st.none(),
    st.just(float("nan")),
    st.integers(-3, 3),
    st.sampled_from((1.5, -0.0, 2.0, True, False)),
    st.sampled_from(MOMENTS),
    st.sampled_from((np.int64(2), np.float64("nan"), np.str_(" web "), np.bool_(True))),
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"a": cells, "n": cells, "team": cells, "stage": cells, "won": cells, "at": cells}
        ),
        min_size=1,
        max_size=8,
    ),
    st.booleans(),
    st.integers(1, 4),
)
def test_tally_reads_any_cell_as_closed_lead_does(
    rows: list[dict[str, object]], closed: bool, size: int
) -> None:
    # property: hostile and non-text cells (None, NaN, numbers, bools, blanks, a 501-character
    # team, bad outcomes and close times) give the encoding or the refusal of the lead path
    found: dict[str, Any] = {"target": "won", "numeric": ["n"], "team_field": "team"}
    found |= {"stage_field": "stage", "closed_field": "at" if closed else None}
    expected = outcome(lambda: encode_history(history_from_rows(rows, **found)))

    def fed() -> EncodedHistory:
        tally = HistoryTally(**found)
        for at in range(0, len(rows), size):
            tally.add(rows[at : at + size])
        return tally.result()

    assert same(outcome(fed), expected)


def test_hand_built_columns_that_do_not_line_up_are_refused() -> None:
    rows = [{"a": "x", "won": "won"}, {"a": "y", "won": "lost"}, {"a": "", "won": "lost"}]
    good = encode_history(history_from_rows(rows, target="won"))
    parts = {name: getattr(good, name) for name in EncodedHistory.__slots__}
    assert EncodedHistory(**parts) == good
    assert repr(good) == "EncodedHistory(3 leads, categorical=('a',), numeric=())"
    bad = {
        "won": b"\x01\x00\x02",  # 2 is neither won nor lost
        "codes": (array("b", [0, 1]),),  # two codes for three leads
        "team_codes": array("b", [0, 0, 0]),  # no team 0: the team vocabulary is empty
        "closed_at": array("d", [0.0, 1.0, 2.0]),  # not integer microseconds
        "fields": ("a", "a"),
    }
    for field, value in bad.items():
        with pytest.raises(ValidationError) as err:
            EncodedHistory(**{**parts, field: value})
        assert err.value.obj == "EncodedHistory"
