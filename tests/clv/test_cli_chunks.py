"""``crmcore segment rfm`` and ``clv --transactions/--summary`` read the CSV in chunks:
the output equals the engine's on every purchase at once, whatever the chunk size."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli._progress import Progress
from crmcore.clv import Purchase, rfm_segments
from crmcore.money import Money
from tests.chunked_cli import chunk_rows as _chunk_rows
from tests.chunked_cli import run_cli as _run

START = date(2025, 1, 1)


def _write(path: Path, rows: list[tuple[str, int, str]]) -> None:
    lines = ["customer_id,date,amount,currency"]
    lines += [f"{c},{START + timedelta(days=d)},{a},USD" for c, d, a in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


row = st.tuples(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]),
    st.integers(0, 90),
    st.decimals(min_value=0, max_value=5000, places=2).map(str),
)


@settings(max_examples=25, deadline=None)
@given(st.lists(row, min_size=1, max_size=30), st.integers(1, 7))
def test_segment_rfm_in_chunks_equals_rfm_segments_on_everything(
    rows: list[tuple[str, int, str]], size: int
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tx.csv"
        _write(path, rows)
        with _chunk_rows(size):
            code, out, err = _run("segment", "rfm", str(path))
    assert code == 0, err
    expected = rfm_segments(
        [Purchase(c, START + timedelta(days=d), Money(a, "USD")) for c, d, a in rows]
    )
    got = list(csv.DictReader(io.StringIO(out)))
    assert [(r["customer_id"], r["last_purchase"], r["frequency"]) for r in got] == [
        (s.customer_id, str(s.last_purchase), str(s.frequency)) for s in expected
    ]
    assert [(r["monetary"], r["rfm"], r["segment"]) for r in got] == [
        (str(s.monetary.amount), s.code, s.segment.value) for s in expected
    ]


def _base() -> list[tuple[str, int, str]]:
    # customer k buys on 1 + k % 6 days, every k % 4 + 3 days, some twice a day
    rows = []
    for k in range(30):
        for n in range(1 + k % 6):
            rows.append((f"c{k:02d}", 5 * k % 40 + n * (k % 4 + 3), f"{10 + k}.50"))
            if (k + n) % 5 == 0:
                rows.append((f"c{k:02d}", 5 * k % 40 + n * (k % 4 + 3), "1.25"))
    rows.reverse()  # the first purchase of each customer comes last
    return rows


@pytest.mark.parametrize("size", [1, 2, 7])
def test_clv_transactions_in_chunks_equal_the_whole_file(tmp_path: Path, size: int) -> None:
    path = tmp_path / "tx.csv"
    _write(path, _base())
    argv = ["clv", "predict", "--transactions", str(path), "--as-of", "2025-03-31"]
    whole = _run(*argv, "--format", "json")
    assert whole[0] == 0, whole[2]
    assert json.loads(whole[1])["model"]["bg_nbd"]["customers"] == 30
    with _chunk_rows(size):
        assert _run(*argv, "--format", "json") == whole


def test_clv_summary_in_chunks_equals_the_whole_file(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    # lifetimes-style columns; rows 2..31
    lines = ["customer_id,frequency,recency,T,monetary_value"]
    lines += [f"c{k},{k % 4},{(k % 4) * 3.5},40,{0 if k % 4 == 0 else 20 + k}" for k in range(30)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    whole = _run("clv", "fit", "--summary", str(path))
    assert whole[0] == 0, whole[2]
    assert json.loads(whole[1])["bg_nbd"]["customers"] == 30
    with _chunk_rows(4):
        assert _run("clv", "fit", "--summary", str(path)) == whole
    # a bad row in a later chunk is named by its row number in the file
    path.write_text("\n".join([*lines, "c99,x,1,2"]) + "\n", encoding="utf-8")
    with _chunk_rows(4):
        code, out, err = _run("clv", "fit", "--summary", str(path))
    assert (code, out) == (1, "")
    assert "row 32" in err


def test_a_refused_row_in_a_later_chunk_leaves_no_output(tmp_path: Path) -> None:
    path = tmp_path / "tx.csv"
    rows = _base()
    _write(path, [*rows, ("c00", 1, "12.00")])
    text = path.read_text(encoding="utf-8").replace(
        "c00,2025-01-02,12.00,USD", "c00,2025-01-02,12,EUR"
    )
    path.write_text(text, encoding="utf-8")
    target = tmp_path / "out.csv"
    target.write_text("previous\n", encoding="utf-8")
    for argv in (
        ["segment", "rfm", str(path), "-o", str(target)],
        ["clv", "fit", "--transactions", str(path), "-o", str(target)],
    ):
        with _chunk_rows(3):
            code, out, err = _run(*argv)
        assert (code, out) == (1, ""), err
        assert "EUR" in err
        assert target.read_text(encoding="utf-8") == "previous\n"


def test_progress_goes_to_stderr_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tx.csv"
    _write(path, _base())
    quiet = _run("segment", "rfm", str(path), "--progress", "never")
    monkeypatch.setattr(Progress, "update", _draw_now)
    with _chunk_rows(5):
        code, out, err = _run("segment", "rfm", str(path), "--progress", "always")
    assert (code, out) == quiet[:2]
    assert "%" in err  # the bar over the bytes read


def _draw_now(self: object, done: int) -> None:
    self.stream.write(f"\r{done} bytes 50%")  # type: ignore[attr-defined]
    self.shown = True  # type: ignore[attr-defined]


def test_clv_fit_summary_counts_equal_fit_clv_on_the_summaries(tmp_path: Path) -> None:
    # The command fits from counts (FitTally); the peer is fit_clv on every summary.
    from crmcore.clv import CustomerSummary, fit_clv

    path = tmp_path / "summary.csv"
    rows = [
        (f"c{k}", k % 5, (k % 5) * 2.5, 30 + k % 3, 0 if k % 5 == 0 else 10 + k) for k in range(40)
    ]
    lines = ["customer_id,frequency,recency,T,monetary_value"]
    lines += [",".join(str(v) for v in row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with _chunk_rows(3):
        code, out, err = _run(
            "clv", "fit", "--summary", str(path), "--pareto", "--backend", "python"
        )
    assert code == 0, err
    got = json.loads(out)
    summaries = [
        CustomerSummary(c, frequency=x, recency=float(r), age=float(t), monetary_value=str(m))
        for c, x, r, t, m in rows
    ]
    fit = fit_clv(summaries, compare=True, backend="python")
    assert fit.bg_nbd is not None
    assert fit.pareto_nbd is not None
    assert fit.spend is not None
    bg, pareto, spend = fit.bg_nbd, fit.pareto_nbd, fit.spend
    assert [got["bg_nbd"][k] for k in ("r", "alpha", "a", "b")] == [
        bg.model.r,
        bg.model.alpha,
        bg.model.a,
        bg.model.b,
    ]
    assert [got["pareto_nbd"][k] for k in ("r", "alpha", "s", "beta")] == [
        pareto.model.r,
        pareto.model.alpha,
        pareto.model.s,
        pareto.model.beta,
    ]
    assert [got["gamma_gamma"][k] for k in ("p", "q", "gamma", "customers")] == [
        spend.model.p,
        spend.model.q,
        spend.model.gamma,
        spend.n_customers,
    ]
    assert got["bg_nbd"]["customers"] == 40
