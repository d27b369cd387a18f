"""``crmcore sales forecast`` reads an opportunities CSV in chunks: the output equals the
whole file's, and a refused row in a later chunk writes nothing."""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import _progress
from tests.chunked_cli import run_cli as _run

HEADER = [
    "id",
    "name",
    "owner",
    "stage",
    "status",
    "probability",
    "estimated_revenue.amount",
    "estimated_revenue.currency",
    "estimated_close_date",
    "actual_revenue.amount",
    "actual_revenue.currency",
    "actual_close_date",
    "created_at",
    "source",
]
RATES = {"base": "IRR", "rates": {"USD": "1000.5"}}


@st.composite
def _row(draw: st.DrawFn) -> list[str]:
    """One opportunity as CSV cells: open, won or lost; amounts in IRR or USD or none;
    an open deal may have no close date (unscheduled), a deal may be created after as_of."""
    status = draw(st.sampled_from(["open", "open", "won", "lost"]))
    currency = draw(st.sampled_from(["IRR", "IRR", "USD"]))
    amount = draw(st.one_of(st.none(), st.integers(0, 10**9)))
    month = draw(st.integers(1, 12))
    close = (
        "" if draw(st.integers(0, 5)) == 0 else f"2026-{month:02d}-{draw(st.integers(1, 28)):02d}"
    )
    won = status == "won"
    return [
        "",  # the id: set by the caller
        "deal",
        draw(st.sampled_from(["sara", "ali", "reza", ""])),
        draw(st.sampled_from(["qualify", "develop", "propose", "close"])),
        status,
        str(draw(st.integers(0, 100))),
        "" if amount is None else f"{amount}.{draw(st.integers(0, 99)):02d}",
        "" if amount is None else currency,
        close,
        str(draw(st.integers(0, 10**9))) if won else "",
        currency if won else "",
        f"2026-{month:02d}-15" if status != "open" else "",
        draw(st.sampled_from(["", "2026-01-10T09:00:00+03:30", "2026-12-30T09:00:00+03:30"])),
        draw(st.sampled_from(["website", "referral", ""])),
    ]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([[f"o{i}", *row[1:]] for i, row in enumerate(rows)])


@contextlib.contextmanager
def _chunk_rows(size: int | None) -> Iterator[None]:
    before = os.environ.pop("CRMCORE_CSV_CHUNK_ROWS", None)
    if size is not None:
        os.environ["CRMCORE_CSV_CHUNK_ROWS"] = str(size)
    try:
        yield
    finally:
        os.environ.pop("CRMCORE_CSV_CHUNK_ROWS", None)
        if before is not None:
            os.environ["CRMCORE_CSV_CHUNK_ROWS"] = before


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(_row(), max_size=14),
    size=st.integers(1, 7),
    fmt=st.sampled_from(["json", "csv", "table"]),
    options=st.sampled_from(
        [
            (),
            ("--by", "none", "--period", "quarter"),
            ("--by", "source", "--calendar", "jalali"),
            ("--currency", "IRR", "--rates", "RATES"),
        ]
    ),
)
def test_chunked_output_equals_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[list[str]],
    size: int,
    fmt: str,
    options: tuple[str, ...],
) -> None:
    folder = tmp_path_factory.mktemp("chunks")
    data = folder / "opps.csv"
    _write(data, rows)
    rates = folder / "rates.json"
    rates.write_text(json.dumps(RATES), encoding="utf-8")
    argv = [
        "sales",
        "forecast",
        str(data),
        "--as-of",
        "2026-06-30",
        "--format",
        fmt,
        *(str(rates) if o == "RATES" else o for o in options),
    ]
    with _chunk_rows(None):  # 10,000 rows a chunk: the whole file at once
        whole = _run(*argv)
    with _chunk_rows(size):
        chunked = _run(*argv)
    assert chunked == whole


def test_the_currency_of_a_later_chunk_is_the_reporting_currency(tmp_path: Path) -> None:
    # Three deals without amounts, then one of 1,000 USD at 50 %: the reporting currency
    # is the first amount's (USD) even though the first chunks (one row each) have none.
    rows = [
        ["", "deal", "sara", "qualify", "open", "10", "", "", "2026-04-05", "", "", "", "", ""]
        for _ in range(3)
    ]
    rows.append(
        ["", "deal", "sara", "develop", "open", "50", "1000", "USD", "2026-04-07", *[""] * 5]
    )
    data = tmp_path / "opps.csv"
    _write(data, rows)
    with _chunk_rows(1):
        code, out, _ = _run("sales", "forecast", str(data), "--as-of", "2026-03-01")
    assert code == 0
    (row,) = json.loads(out)["rows"]
    # 4 deals in 2026-04; open 1,000 USD; weighted 1,000 × 50 / 100 = 500 USD
    assert (row["period"], row["count"], row["open"], row["weighted"], row["currency"]) == (
        "2026-04",
        4,
        "1000.00",
        "500.00",
        "USD",
    )


def test_a_refused_row_in_a_later_chunk_writes_nothing(tmp_path: Path) -> None:
    good = ["", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"]
    good += ["", "", "", "", ""]
    bad = [*good[:5], "150", *good[6:]]  # probability 150: refused by Opportunity
    data = tmp_path / "opps.csv"
    _write(data, [good, good, good, bad])
    target = tmp_path / "out.json"
    target.write_text("previous\n", encoding="utf-8")
    with _chunk_rows(2):
        code, out, err = _run(
            "sales", "forecast", str(data), "--as-of", "2026-03-01", "-o", str(target)
        )
        assert _run("sales", "forecast", str(data), "--as-of", "2026-03-01")[1] == ""
    assert code == 1
    assert "probability" in err
    assert "150" in err
    assert out == ""
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opps.csv", "out.json"]


def test_progress_never_writes_nothing_on_stderr(tmp_path: Path) -> None:
    data = tmp_path / "opps.csv"
    _write(
        data, [["", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"] + [""] * 5]
    )
    with _chunk_rows(1):
        code, out, err = _run(
            "sales", "forecast", str(data), "--as-of", "2026-03-01", "--progress", "never"
        )
    assert (code, err) == (0, "")
    # 100 IRR at 10 %: weighted 10 IRR
    assert json.loads(out)["rows"][0]["weighted"] == "10"


def test_progress_always_draws_a_bar_over_the_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Eager(_progress.Progress):
        """Draws at once (the real bar waits one second)."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.delay = -1.0
            self.last = -1.0

    monkeypatch.setattr(_progress, "Progress", Eager)
    data = tmp_path / "opps.csv"
    row = ["", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05", *[""] * 5]
    _write(data, [row] * 3)
    with _chunk_rows(3):
        code, out, err = _run(
            "sales", "forecast", str(data), "--as-of", "2026-03-01", "--progress", "always"
        )
    assert code == 0
    # one chunk holds the whole file: the bar ends full, then its line is ended
    assert err.startswith("\r[" + "#" * 30 + "] 100% ")
    assert err.endswith(" MiB\n")
    assert json.loads(out)["rows"][0]["count"] == 3


TARGETS = (
    "owner,metric,amount,currency,start,end,sub_unit\n"
    "sara,won_revenue,5000000000,IRR,2026-01-01,2027-01-01,gregorian_quarter\n"
    "ali,won_count,3,,2026-01-01,2026-07-01,gregorian_month\n"
    "reza,new_customers,2,,2026-01-01,2027-01-01,\n"
)


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(_row(), max_size=14),
    size=st.integers(1, 7),
    fmt=st.sampled_from(["json", "csv", "table"]),
)
def test_targets_chunked_output_equals_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], size: int, fmt: str
) -> None:
    folder = tmp_path_factory.mktemp("targets")
    data = folder / "opps.csv"
    _write(data, rows)
    (folder / "targets.csv").write_text(TARGETS, encoding="utf-8")
    (folder / "rates.json").write_text(json.dumps(RATES), encoding="utf-8")
    (folder / "splits.json").write_text(json.dumps({"o1": {"sara": 50, "ali": 50}}), "utf-8")
    argv = ["sales", "targets", str(folder / "targets.csv"), "--opportunities", str(data)]
    argv += ["--rates", str(folder / "rates.json"), "--splits", str(folder / "splits.json")]
    argv += ["--format", fmt]
    with _chunk_rows(None):
        whole = _run(*argv)
    with _chunk_rows(size):
        chunked = _run(*argv)
    assert whole[0] == 0  # the run is accepted: a real comparison, not two refusals
    assert chunked == whole


def test_targets_refused_row_in_a_later_chunk_writes_nothing(tmp_path: Path) -> None:
    good = ["", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"]
    good += ["", "", "", "", ""]
    bad = [*good[:5], "150", *good[6:]]  # probability 150: refused by Opportunity
    data = tmp_path / "opps.csv"
    _write(data, [good, good, good, bad])
    (tmp_path / "targets.csv").write_text(TARGETS, encoding="utf-8")
    target = tmp_path / "out.json"
    target.write_text("previous\n", encoding="utf-8")
    argv = ["sales", "targets", str(tmp_path / "targets.csv"), "--opportunities", str(data)]
    with _chunk_rows(2):
        code, out, err = _run(*argv, "-o", str(target))
    assert (code, out) == (1, "")
    assert "150" in err
    assert target.read_text(encoding="utf-8") == "previous\n"
