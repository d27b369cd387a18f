"""``report clv`` and ``report scoring`` read their CSV in chunks: the page is the whole-file page.

SVG ids are random unless matplotlib's ``svg.hashsalt`` is set: every test here salts them,
so two pages of the same data are byte-identical.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import random
from array import array
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import main
from crmcore.clv import CustomerSummary
from crmcore.errors import ValidationError
from crmcore.report import ClvReportTally, _tally, clv_report_page, scoring_report_page
from tests.report.samples import simulated_customers

matplotlib = pytest.importorskip("matplotlib")


@pytest.fixture(autouse=True)
def _salted() -> Iterator[None]:
    with matplotlib.rc_context({"svg.hashsalt": "crmcore-test"}):
        yield


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


def _run(*argv: str, chunk: int | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with _chunk_rows(chunk), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()


def _summary_csv(path: Path, customers: list[CustomerSummary], lifetimes: bool) -> None:
    header = "ID,x,t_x,T,zbar" if lifetimes else "customer_id,frequency,recency,age,monetary_value"
    lines = [
        f"{c.customer_id},{c.frequency},{c.recency},{c.age},{c.monetary_value}" for c in customers
    ]
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")


# -- clv ----------------------------------------------------------------------------------------

spends = st.sampled_from(["12.50", "30", "7.25", "99.99", "41"])


@st.composite
def customer_bases(draw: st.DrawFn) -> list[CustomerSummary]:
    """A few customers, two of them repeat buyers with a spend (so that Gamma-Gamma fits)."""
    rows = []
    for index in range(draw(st.integers(2, 14))):
        frequency = draw(st.integers(1 if index < 2 else 0, 6))
        age = float(draw(st.integers(20, 40)))
        recency = float(draw(st.integers(1, int(age)))) if frequency else 0.0
        rows.append(
            CustomerSummary(
                draw(st.sampled_from(["a", "b", "c", "ع", f"c{index}"])),  # ids may repeat
                frequency=frequency,
                recency=recency,
                age=age,
                monetary_value=("12.50", "41")[index]
                if index < 2
                else draw(spends)
                if frequency
                else "0",
            )
        )
    return rows


@settings(max_examples=8, deadline=None)
@given(customer_bases(), st.integers(1, 7), st.booleans())
def test_clv_page_in_chunks_is_the_whole_file_page(
    customers: list[CustomerSummary], size: int, lifetimes: bool
) -> None:
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(_tempdir()))
        source = folder / "summary.csv"
        _summary_csv(source, customers, lifetimes)
        argv = ("report", "clv", str(source), "--top", "4", "--locale", "fa_IR")
        whole = _run(*argv)
        assert _run(*argv, chunk=size) == whole
        # the whole-file page is the one-shot engine page of the same customers (or both
        # refuse: a degenerate sample can overflow the Gamma-Gamma fit)
        assert whole == _one_shot(customers)


def _one_shot(customers: list[CustomerSummary]) -> tuple[int, str, str]:
    """What the CLI prints when it calls the one-shot engine page (or the refusal it prints)."""
    try:
        return 0, clv_report_page(customers, currency="USD", top=4, locale="fa_IR"), ""
    except (ArithmeticError, ValueError) as err:
        return 1, "", f"crmcore: error: {type(err).__name__}: {err}\n"


@contextlib.contextmanager
def _tempdir() -> Iterator[str]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="crmcore-report-chunks-") as folder:
        yield folder


@settings(max_examples=8, deadline=None)
@given(customer_bases(), st.lists(st.integers(0, 14), max_size=3), st.integers(1, 5))
def test_tally_fed_any_split_or_merged_is_the_one_shot_page(
    customers: list[CustomerSummary], cuts: list[int], batch: int
) -> None:
    edges = [0, *sorted(min(c, len(customers)) for c in cuts), len(customers)]
    parts = [customers[a:b] for a, b in itertools.pairwise(edges)]
    settings_ = {"currency": "EUR", "top": 3, "horizon": 6, "step": 2.0, "discount_rate": "0.01"}
    expected = clv_report_page(customers, **settings_)  # type: ignore[arg-type]
    before = _tally.BATCH
    _tally.BATCH = batch  # several valuation batches and heap merges on a few customers
    try:
        added = ClvReportTally(**settings_)  # type: ignore[arg-type]
        tallies = []
        for part in parts:
            added.add(part)
            tallies.append(ClvReportTally(**settings_))  # type: ignore[arg-type]
            tallies[-1].add(part)
        merged = tallies[0]
        for other in tallies[1:]:
            merged = merged.merge(other)
        assert len(added) == len(merged) == len(customers)
        assert added.result() == expected
        assert merged.result() == expected
    finally:
        _tally.BATCH = before


def test_result_reports_the_customers_valued_after_each_batch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_tally, "BATCH", 16)
    customers = simulated_customers(40)
    tally = ClvReportTally(currency="USD")
    tally.add(customers)
    seen: list[int] = []
    assert tally.result(progress=seen.append) == clv_report_page(customers, currency="USD")
    assert seen == [16, 32, 40]  # batches of 16: 16, 16 and the last 8


def test_merge_makes_a_new_tally_and_refuses_other_settings() -> None:
    customers = simulated_customers(40)
    first, second = ClvReportTally(currency="USD"), ClvReportTally(currency="USD")
    first.add(customers[:25])
    second.add(customers[25:])
    both = first.merge(second)
    assert (len(first), len(second), len(both)) == (25, 15, 40)  # neither part changed
    assert both.result() == clv_report_page(customers, currency="USD")
    with pytest.raises(ValidationError, match="same settings"):
        first.merge(ClvReportTally(currency="EUR"))
    with pytest.raises(ValidationError, match=r"customers\[1\]"):
        first.add([customers[0], "c9"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="non-empty"):
        ClvReportTally(currency="USD").result()


def test_wide_frequency_and_a_one_time_buyers_odd_spend_are_kept_exactly() -> None:
    # a frequency beyond 64 bits (no spend: Gamma-Gamma leaves it out) moves the column to
    # Python ints; a one-time buyer's mean spend plays no part in the CLV (Gamma-Gamma's
    # population mean is used for them) and may even be beyond a float
    customers = [
        *simulated_customers(30),
        CustomerSummary("wide", frequency=2**70, recency=5.0, age=30.0, monetary_value="0"),
        CustomerSummary("once", frequency=0, recency=0.0, age=30.0, monetary_value="1e400"),
    ]
    tally = ClvReportTally(currency="USD")
    tally.add(customers)
    assert tally.result() == clv_report_page(customers, currency="USD")


def test_clv_refused_row_in_a_later_chunk_leaves_no_file(tmp_path: Path) -> None:
    customers = simulated_customers(20)
    source = tmp_path / "summary.csv"
    _summary_csv(source, customers, lifetimes=False)
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[15] = "c900,2,x7,30,10"  # row 16 of the file: recency is not a number
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "clv.html"
    out.write_text("previous page", encoding="utf-8")
    for size in (None, 3):
        code, text, err = _run("report", "clv", str(source), "-o", str(out), chunk=size)
        assert (code, text) == (1, "")
        assert f"{source} row 16" in err
        assert "recency" in err
        assert "'x7'" in err
        assert out.read_text(encoding="utf-8") == "previous page"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["clv.html", "summary.csv"]


def test_clv_without_the_columns_or_rows_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "summary.csv"
    for text in ("customer_id,frequency,recency\nc1,0,0\n", "ID,x,t_x,T\n", ""):
        source.write_text(text, encoding="utf-8")
        code, _, err = _run("report", "clv", str(source), chunk=2)
        assert code == 2
        assert "needs the columns customer_id,frequency,recency,age" in err


# -- scoring ------------------------------------------------------------------------------------

labels_text = st.sampled_from(["1", "0", "true", "False", "yes", " no "])
probability_text = st.sampled_from(["0.1", "0.25", "0.5", "0.9", "0", "1", "0.25", "۰٫۷"])


@settings(max_examples=10, deadline=None)
@given(
    st.lists(st.tuples(labels_text, probability_text), min_size=2, max_size=25),
    st.integers(1, 7),
)
def test_scoring_page_in_chunks_is_the_whole_file_page(
    rows: list[tuple[str, str]], size: int
) -> None:
    rows = [("1", "0.8"), ("0", "0.3"), *rows]  # both classes: every metric is defined
    with _tempdir() as folder:
        source = Path(folder) / "scored.csv"
        body = "".join(f"{y},{p}\n" for y, p in rows)
        source.write_text("won,probability\n" + body, encoding="utf-8")
        argv = ("report", "scoring", str(source), "--bins", "4")
        whole = _run(*argv)
        assert whole[0] == 0, whole[2]
        assert _run(*argv, chunk=size) == whole
    # the page of the engine called with plain lists, as the whole-file reader called it
    truth = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}
    labels = [truth[y.strip().lower()] for y, _ in rows]
    probabilities = [float(p.replace("۰٫۷", "0.7")) for _, p in rows]
    assert whole[1] == scoring_report_page(labels, probabilities, bins=4)


def test_scoring_page_of_compact_arrays_is_the_page_of_lists() -> None:
    # beyond 2,000 leads the metrics run on numpy: arrays and lists must give one page
    rng = random.Random(11)
    probabilities = [round(rng.random(), 3) for _ in range(2500)]
    labels = [rng.random() < p for p in probabilities]
    page = scoring_report_page(labels, probabilities, locale="fa_IR")
    compact = scoring_report_page(array("b", labels), array("d", probabilities), locale="fa_IR")
    assert compact == page
    # and a label that is not 0/1 is refused in an array as in a list
    with pytest.raises(ValidationError, match="labels"):
        scoring_report_page(array("b", [1, 0, 2]), array("d", [0.5, 0.5, 0.5]))


def test_scoring_refused_row_in_a_later_chunk_leaves_no_file(tmp_path: Path) -> None:
    source = tmp_path / "scored.csv"
    rows = ["1,0.9", "0,0.2", "1,0.7", "0,0.1", "1,0.6", "0,0.4", "maybe,0.5", "1,0.3"]
    source.write_text("won,probability\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "scoring.html"
    out.write_text("previous page", encoding="utf-8")
    for size in (None, 1, 4):
        code, text, err = _run("report", "scoring", str(source), "-o", str(out), chunk=size)
        assert (code, text) == (1, "")
        assert f"{source} row 8" in err  # the header is row 1
        assert "won" in err
        assert "'maybe'" in err
        assert out.read_text(encoding="utf-8") == "previous page"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["scored.csv", "scoring.html"]
    source.write_text("won,probability\n1,0.9\n0,0.2\n1,high\n", encoding="utf-8")
    code, _, err = _run("report", "scoring", str(source), chunk=1)
    assert code == 1
    assert "row 4" in err
    assert "probability" in err


def test_progress_option_is_accepted(tmp_path: Path) -> None:
    source = tmp_path / "scored.csv"
    source.write_text("won,probability\n1,0.9\n0,0.2\n", encoding="utf-8")
    for mode in ("auto", "always", "never"):
        code, text, err = _run("report", "scoring", str(source), "--progress", mode)
        assert code == 0, err
        assert text.startswith("<!DOCTYPE html>")
    customers = simulated_customers(30)
    summary = tmp_path / "summary.csv"
    _summary_csv(summary, customers, lifetimes=True)
    code, text, _ = _run("report", "clv", str(summary), "--progress", "never")
    assert code == 0
    assert text == clv_report_page(customers, currency="USD")
