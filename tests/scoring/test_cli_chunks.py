"""``crmcore score`` reads the CSV in chunks: the output equals the scalar path's, whole."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import _io, main
from crmcore.cli._progress import Progress
from crmcore.scoring import (
    ClosedLead,
    EngagementEvent,
    LogisticModel,
    NaiveBayesModel,
    Scorecard,
    group_events,
    predict_leads,
    rank,
    score_leads,
    train_naive_bayes,
)
from crmcore.serialization import from_dict, make_converter

NOW = datetime(2026, 3, 10, tzinfo=UTC)
CARD: dict[str, Any] = {
    "name": "web",
    "places": 2,
    "decay": {"kind": "half_life", "half_life_days": "30"},
    "total_cap": "40",
    "groups": [
        {
            "name": "fit",
            "cap": "25",
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
                {
                    "name": "interest",
                    "mapping": {
                        "field": "interest",
                        "points": {"high": "20", "medium": "7.5", "low": "0"},
                    },
                },
            ],
        },
        {
            "name": "engagement",
            "cap": "20",
            "rules": [
                {"name": "form", "points": 15, "event": {"kinds": ["form_submit"]}},
                {"name": "visit", "points": "2.5", "event": {"kinds": ["page_view"]}},
                {
                    "name": "quiet",
                    "points": "-2",
                    "event": {"kinds": ["call"]},
                    "frequency": "none",
                },
            ],
        },
    ],
    "grading": {
        "criteria": [
            {"name": "retail", "when": {"op": "equals", "field": "industry", "value": "retail"}}
        ]
    },
    "bands": [{"name": "cold", "high": "20"}, {"name": "hot", "low": "20"}],
    "sales_ready_at": "30",
}
HEADER = ["id", "industry", "employees", "interest", "note"]
SCORE_COLUMNS = ["score", "grade", "rating", "sales_ready", "explanation"]

lead_rows = st.lists(
    st.fixed_dictionaries(
        {
            "id": st.sampled_from(["L1", "L2", "L3", "L4", ""]),
            "industry": st.sampled_from(["retail", "steel", "", "Retail"]),
            "employees": st.sampled_from(["", "20", "150", "100"]),
            "interest": st.sampled_from(["high", "medium", "low", "", "none"]),
            "note": st.sampled_from(["", "a, b", 'say "hi"', "two\nlines", "شعبه"]),
        }
    ),
    max_size=25,
)
event_rows = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "L3"]),
        st.sampled_from(["form_submit", "page_view", "call"]),
        st.integers(0, 90 * 24),
    ),
    max_size=12,
)


def _write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@contextlib.contextmanager
def _chunk_rows(size: int, run: int | None = None) -> Iterator[None]:
    """Chunks of ``size`` rows; with ``--rank``, sorted runs of ``run`` rows."""
    before = os.environ.get("CRMCORE_CSV_CHUNK_ROWS")
    os.environ["CRMCORE_CSV_CHUNK_ROWS"] = str(size)
    runs = _io.RUN_ROWS
    _io.RUN_ROWS = run or runs
    try:
        yield
    finally:
        _io.RUN_ROWS = runs
        if before is None:
            del os.environ["CRMCORE_CSV_CHUNK_ROWS"]
        else:
            os.environ["CRMCORE_CSV_CHUNK_ROWS"] = before


def _run(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue() + err.getvalue()


def _expected(
    rows: list[dict[str, str]], events: list[tuple[str, str, int]], *, ranked: bool
) -> list[dict[str, str]]:
    """The scalar path, one row at a time, in the columns the CLI writes."""
    rows = [{k: row[k] for k in HEADER} for row in rows]
    card = from_dict(CARD, Scorecard)
    grouped = group_events(
        EngagementEvent(kind=kind, at=NOW - timedelta(hours=hours), lead_id=lead)
        for lead, kind, hours in events
    )
    results = score_leads(card, rows, grouped, now=NOW)
    pairs = list(zip(rows, results, strict=True))
    if ranked:
        order = {id(r): i for i, r in enumerate(rank(results))}
        pairs.sort(key=lambda pair: order[id(pair[1])])
    return [
        {
            **row,
            "score": str(r.score),
            "grade": r.grade or "",
            "rating": r.rating or "",
            "sales_ready": "yes" if r.sales_ready else "no",
            "explanation": "; ".join(r.explain()),
        }
        for row, r in pairs
    ]


@settings(max_examples=60, deadline=None)
@given(
    rows=lead_rows,
    events=event_rows,
    size=st.integers(1, 7),
    run=st.integers(1, 9),
    ranked=st.booleans(),
    fmt=st.sampled_from(["csv", "json", "jsonl"]),
)
def test_chunked_output_equals_the_scalar_path_whole(
    *,
    rows: list[dict[str, str]],
    events: list[tuple[str, str, int]],
    size: int,
    run: int,
    ranked: bool,
    fmt: str,
) -> None:
    # chunks of `size` rows; with --rank, sorted runs of `run` rows merged at the end
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "card.json").write_text(json.dumps(CARD), encoding="utf-8")
        header = HEADER
        _write_csv(root / "leads.csv", header, [[r[k] for k in header] for r in rows])
        at = [(lead, kind, (NOW - timedelta(hours=h)).isoformat()) for lead, kind, h in events]
        _write_csv(root / "events.csv", ["lead_id", "kind", "at"], [list(e) for e in at])
        argv = ["score", "--scorecard", str(root / "card.json"), str(root / "leads.csv")]
        argv += ["--events", str(root / "events.csv"), "--now", NOW.isoformat(), "--format", fmt]
        argv += ["--rank"] if ranked else []
        with _chunk_rows(size, run):
            code, text = _run(*argv)
    assert code == 0
    expected = _expected(rows, events, ranked=ranked)
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=header + SCORE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(expected)
        assert text == (buffer.getvalue() if rows else "\n")
    elif fmt == "json":
        assert text == json.dumps(expected, ensure_ascii=False, indent=2) + "\n"
    else:
        assert text == "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in expected)


def test_a_refused_row_in_a_later_chunk_leaves_no_output(tmp_path: Path) -> None:
    (tmp_path / "card.json").write_text(json.dumps(CARD), encoding="utf-8")
    rows = [[f"L{i}", "retail", "150", "high"] for i in range(20)]
    rows[17][2] = "many"  # in the 7th chunk of 3 rows
    _write_csv(tmp_path / "leads.csv", ["id", "industry", "employees", "interest"], rows)
    target = tmp_path / "scored.csv"
    argv = ["score", "--scorecard", str(tmp_path / "card.json"), str(tmp_path / "leads.csv")]
    argv += ["--now", NOW.isoformat(), "-o", str(target)]
    with _chunk_rows(3):
        code, text = _run(*argv)
    assert code == 1
    assert "'big'" in text
    assert "many" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "leads.csv"]
    target.write_text("kept\n", encoding="utf-8")  # a previous output is left as it was
    with _chunk_rows(3):
        code, _ = _run(*argv)
    assert code == 1
    assert target.read_text(encoding="utf-8") == "kept\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.json", "leads.csv", "scored.csv"]
    rows[17][2] = "150"
    _write_csv(tmp_path / "leads.csv", ["id", "industry", "employees", "interest"], rows)
    with _chunk_rows(3):
        code, _ = _run(*argv)
    assert code == 0
    # retail 10 + big 5.5 + high 20 = 35.5, fit cap 25 cuts 10.5 from "interest";
    # no events: quiet -2 -> 23.0 (Decimal keeps the one place of 5.5 and 10.5)
    assert {r["score"] for r in csv.DictReader(io.StringIO(target.read_text("utf-8")))} == {"23.0"}


def test_refusals_past_the_first_chunk_name_the_place(tmp_path: Path) -> None:
    card = tmp_path / "card.json"
    card.write_text(json.dumps(CARD), encoding="utf-8")
    # 10,000 rows of "L0000,x\n"-like lines, then a Latin-1 byte: its offset is the
    # length of everything before it (beyond the reader's first 8 KiB block)
    head = "id,industry\n" + "".join(f"L{i:04d},x\n" for i in range(10_000))
    data = head.encode() + b"L,st\xe9el\n"
    bad = tmp_path / "latin.csv"
    bad.write_bytes(data)
    argv = ["score", "--scorecard", str(card), str(bad), "--allow-missing"]
    with _chunk_rows(100):
        code, text = _run(*argv)
    assert code == 1
    assert f"byte 0xe9 at offset {len(head) + 4}" in text
    short = tmp_path / "short.csv"
    short.write_text("id,industry\n" + "L1,x\n" * 250 + "L2\n", encoding="utf-8")
    with _chunk_rows(100):
        code, text = _run("score", "--scorecard", str(card), str(short), "--allow-missing")
    assert code == 1
    # the header is line 1, so the short row is line 252
    assert "row 252: 1 cells, the header has 2" in text


def test_predict_in_chunks_equals_predict_leads(tmp_path: Path) -> None:
    history = [
        ClosedLead(features={"source": source}, won=won)
        for source, won, times in [
            ("web", True, 50),
            ("web", False, 20),
            ("fair", True, 10),
            ("fair", False, 45),
        ]
        for _ in range(times)
    ]
    trained = train_naive_bayes(history, fields=["source"])
    model = make_converter().unstructure(trained, unstructure_as=NaiveBayesModel | LogisticModel)
    (tmp_path / "model.json").write_text(json.dumps(model), encoding="utf-8")
    rows = [{"id": f"N{i}", "source": ["web", "fair", "ads"][i % 3]} for i in range(11)]
    _write_csv(tmp_path / "new.csv", ["id", "source"], [[r["id"], r["source"]] for r in rows])
    argv = ["score", "predict", "--model", str(tmp_path / "model.json"), str(tmp_path / "new.csv")]
    with _chunk_rows(4):
        code, text = _run(*argv, "--format", "jsonl")
    assert code == 0, text
    from crmcore.cli._scoring import load_model  # the model as the CLI reads it

    expected = predict_leads(load_model(str(tmp_path / "model.json")), rows)
    got = [json.loads(line) for line in text.splitlines()]
    assert [g["probability"] for g in got] == [f"{p.probability:.2f}" for p in expected]
    assert [g["top_factors"] for g in got] == ["; ".join(p.explain()) for p in expected]


def test_progress_over_bytes_and_unknown_totals() -> None:
    stream = io.StringIO()
    bar = Progress(4 * 2**20, mode="always", stream=stream, unit="bytes")
    bar.delay = 0.0
    bar.update(2**20)
    bar.close()
    assert "25% 1.0/4.0 MiB" in stream.getvalue()
    stream = io.StringIO()
    rows = Progress(None, mode="always", stream=stream, unit="rows")
    rows.delay = 0.0
    rows.update(150_000)
    rows.close()
    assert stream.getvalue() == "\r150000 rows\n"
    never = io.StringIO()
    off = Progress(10, mode="never", stream=never)
    off.delay = 0.0
    off.update(5)
    assert never.getvalue() == ""


@pytest.mark.parametrize("mode", ["always", "never"])
def test_progress_option_is_accepted(tmp_path: Path, mode: str) -> None:
    (tmp_path / "card.json").write_text(json.dumps(CARD), encoding="utf-8")
    _write_csv(
        tmp_path / "l.csv",
        ["id", "industry", "employees", "interest"],
        [["L1", "retail", "150", "high"]],
    )
    argv = ["score", "--scorecard", str(tmp_path / "card.json"), str(tmp_path / "l.csv")]
    code, text = _run(*argv, "--now", NOW.isoformat(), "--progress", mode)
    # a run under a second draws no bar either way
    assert code == 0
    assert "%" not in text


def test_a_zone_cell_in_a_later_chunk_adds_its_column_to_every_row(tmp_path: Path) -> None:
    # The CLI writes "2026-01-05T09:00:00+03:30[Asia/Tehran]" as the instant and a
    # "<column>_zone" column (docs/cli.md). Seen first in the 3rd chunk, the column goes
    # last and the rows before it get an empty cell, as when the file was read whole.
    card = {
        "name": "c",
        "groups": [
            {
                "name": "g",
                "rules": [
                    {"name": "r", "points": 1, "when": {"op": "exists", "field": "industry"}}
                ],
            }
        ],
    }
    (tmp_path / "card.json").write_text(json.dumps(card), encoding="utf-8")
    zoned = "2026-01-05T09:00:00+03:30[Asia/Tehran]"
    rows = [
        ["L1", "retail", ""],
        ["L2", "", ""],
        ["L3", "x", ""],
        ["L4", "x", ""],
        ["L5", "", zoned],
    ]
    _write_csv(tmp_path / "l.csv", ["id", "industry", "seen"], rows)
    argv = ["score", "--scorecard", str(tmp_path / "card.json"), str(tmp_path / "l.csv")]
    argv += ["--now", NOW.isoformat()]
    for order in ([], ["--rank"]):
        with _chunk_rows(2, 2):
            code, text = _run(*argv, *order)
        assert code == 0
        lines = text.splitlines()
        assert lines[0] == "id,industry,seen,score,grade,rating,sales_ready,explanation,seen_zone"
        expected = {
            "L1": "L1,retail,,1,,,no,r +1,",
            "L5": "L5,,2026-01-05T09:00:00+03:30,0,,,no,,Asia/Tehran",
        }
        assert {line.split(",")[0]: line for line in lines[1:]}.items() >= expected.items()
        assert len(lines) == 6
