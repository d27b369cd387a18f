"""``crmcore service csat|nps|ces`` read the survey CSV in chunks: output equals the whole-file path."""

from __future__ import annotations

import csv
import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.service import RatingScale, SurveyResponse, summarize
from tests.chunked_cli import chunk_rows as _chunk_rows
from tests.chunked_cli import run_cli as _run

T0 = datetime(2025, 12, 30, 22, 0, tzinfo=UTC)
HEADER = ["score", "at", "agent", "channel"]

survey_rows = st.lists(
    st.tuples(
        st.integers(1, 5),
        st.integers(0, 24 * 120),
        st.sampled_from(["", "ali", "sara", "رضا"]),
        st.sampled_from(["", "email", "phone"]),
    ),
    max_size=30,
)


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)


def _cells(rows: list[tuple[int, int, str, str]]) -> list[list[str]]:
    return [[str(s), (T0 + timedelta(hours=h)).isoformat(), a, c] for s, h, a, c in rows]


def _summarized(
    rows: list[tuple[int, int, str, str]], metric: str, by: str | None, *, jalali: bool
) -> str:
    """The engine over every response at once, written as the CLI writes JSON."""
    items = [
        SurveyResponse(score=s, at=T0 + timedelta(hours=h), agent=a or None, channel=c or None)
        for s, h, a, c in rows
    ]
    scale = RatingScale(1, 5) if metric == "ces" else None
    result = summarize(items, metric=metric, by=by, scale=scale, jalali=jalali)
    out = []
    for group, r in result.items():
        fields = attrs.asdict(r)
        fields["warnings"] = "; ".join(fields["warnings"])
        out.append({"group": group, **fields})
    return json.dumps(out, ensure_ascii=False, indent=2) + "\n"


@settings(max_examples=40, deadline=None)
@given(
    rows=survey_rows,
    size=st.integers(1, 7),
    metric=st.sampled_from(["csat", "nps", "ces"]),
    by=st.sampled_from([None, "agent", "channel", "period"]),
    fmt=st.sampled_from(["json", "csv", "table"]),
    jalali=st.booleans(),
)
def test_chunked_output_equals_the_whole_file_output(
    *,
    rows: list[tuple[int, int, str, str]],
    size: int,
    metric: str,
    by: str | None,
    fmt: str,
    jalali: bool,
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "survey.csv"
        _write(path, _cells(rows))
        argv = ["service", metric, "--input", str(path), "--format", fmt]
        argv += ["--by", by] if by else []
        argv += ["--scale", "1-5"] if metric == "ces" else []
        argv += ["--jalali"] if jalali else []
        with _chunk_rows(size):
            chunked = _run(*argv)
        with _chunk_rows(10_000):  # one chunk: the whole file at once
            whole = _run(*argv)
    assert chunked == whole
    if by is None and not rows:
        assert chunked[0] == 1
        assert "at least one response" in chunked[2]
        return
    assert chunked[0] == 0
    if fmt == "json":
        assert chunked[1] == _summarized(rows, metric, by, jalali=jalali)


def test_a_refused_row_in_a_later_chunk_leaves_no_output(tmp_path: Path) -> None:
    rows = [[str(1 + i % 5), "2026-03-14T10:00:00+03:30", "ali", "email"] for i in range(20)]
    rows[17][0] = "7"  # in the 6th chunk of 3 rows; ali's 18th answer
    source = tmp_path / "survey.csv"
    _write(source, rows)
    target = tmp_path / "csat.json"
    argv = ["service", "csat", "--input", str(source), "--by", "agent", "-o", str(target)]
    with _chunk_rows(3):
        code, out, err = _run(*argv)
    assert code == 1
    assert "responses[17].score" in err
    assert "Traceback" not in err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.csv"]
    target.write_text("kept\n", encoding="utf-8")  # a previous output is left as it was
    with _chunk_rows(3):
        assert _run(*argv)[0] == 1
    assert target.read_text(encoding="utf-8") == "kept\n"
    rows[17][1] = "not a time"  # a row that cannot be read is named by its line
    rows[17][0] = "2"
    _write(source, rows)
    with _chunk_rows(3):
        code, _, err = _run(*argv)
    assert code == 1
    assert "row 19" in err  # the header is line 1, so the 18th row is line 19
    assert target.read_text(encoding="utf-8") == "kept\n"
    rows[17][1] = "2026-03-14T10:00:00+03:30"
    _write(source, rows)
    with _chunk_rows(3):
        assert _run(*argv)[0] == 0
    # 1..5 repeated: 4 and 5 are satisfied, 8 of the 20 answers
    result = json.loads(target.read_text(encoding="utf-8"))
    assert (result[0]["satisfied"], result[0]["responses"]) == (8, 20)


@pytest.mark.parametrize("mode", ["always", "never"])
def test_progress_option_is_accepted(tmp_path: Path, mode: str) -> None:
    _write(tmp_path / "s.csv", [["10", "2026-03-14T10:00:00+03:30", "", ""]])
    code, out, err = _run("service", "nps", "--input", str(tmp_path / "s.csv"), "--progress", mode)
    assert code == 0
    assert json.loads(out)[0]["promoters"] == 1
    assert "%" not in err  # a run under a second draws no bar either way


EVENTS = Path(__file__).resolve().parents[2] / "examples" / "service-events.csv"


@settings(max_examples=25, deadline=None)
@given(
    size=st.integers(1, 7),
    by=st.sampled_from(["all", "queue", "agent", "channel", "day", "interval"]),
    fmt=st.sampled_from(["json", "csv"]),
)
def test_contact_centre_read_in_chunks_equals_the_whole_file(size: int, by: str, fmt: str) -> None:
    # interactions straddle the chunks (c1's events are rows 1, 2, 5, 6, 10 and 11)
    argv = ["service", "contact-centre", "--input", str(EVENTS), "--by", by, "--format", fmt]
    argv += ["--short-abandon", "5", "--fcr-days", "1"]
    with _chunk_rows(size):
        chunked = _run(*argv)
    with _chunk_rows(10_000):
        whole = _run(*argv)
    assert chunked == whole
    assert chunked[0] == 0


def test_contact_centre_refuses_a_bad_row_in_a_later_chunk_by_its_line(tmp_path: Path) -> None:
    lines = EVENTS.read_text(encoding="utf-8").splitlines()
    lines[15] = lines[15].replace("abandoned", "rang")  # the 15th event: line 16
    bad = tmp_path / "events.csv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "cc.json"
    with _chunk_rows(4):
        code, out, err = _run("service", "contact-centre", "--input", str(bad), "-o", str(target))
    assert code == 1
    assert "row 16" in err
    assert "rang" in err
    assert out == ""
    assert not target.exists()
