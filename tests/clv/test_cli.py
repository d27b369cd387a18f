"""``crmcore clv`` and ``crmcore segment rfm`` from the command line."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crmcore.cli import main
from crmcore.cli._demo.clv import demo_section
from tests.clv.conftest import SUMMARY


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.skipif(not SUMMARY.exists(), reason="CDNOW data not available")
def test_clv_fit_on_the_cdnow_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "clv", "fit", "--summary", str(SUMMARY), "--pareto")
    assert code == 0
    data = json.loads(out)
    # published BG/NBD (FHL 2005) and Gamma-Gamma (Fader & Hardie 2013) estimates
    assert round(data["bg_nbd"]["r"], 3) == 0.243
    assert round(data["bg_nbd"]["alpha"], 3) == 4.414
    assert round(data["bg_nbd"]["log_likelihood"], 1) == -9582.4
    assert data["bg_nbd"]["converged"] is True
    assert round(data["gamma_gamma"]["p"], 2) == 6.25
    assert round(data["pareto_nbd"]["log_likelihood"], 1) == -9595.0  # FHL 2005, Table 1


def test_clv_from_transactions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["customer_id,date,amount"]
    # a small synthetic base: customer k buys every (k+1) weeks for a while
    for k in range(30):
        for n in range(1 + k % 6):
            rows.append(
                f"c{k},2025-{1 + (n * (k % 4 + 1)) // 4:02d}-{1 + (7 * n + k) % 27:02d},{10 + k}.50"
            )
    tx = tmp_path / "tx.csv"
    tx.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(
        capsys, "clv", "fit", "--transactions", str(tx), "--period", "week", "--end", "2025-06-30"
    )
    assert code == 0, err
    assert json.loads(out)["bg_nbd"]["customers"] == 30
    code, out, err = run(
        capsys,
        "clv",
        "predict",
        "--transactions",
        str(tx),
        "--as-of",
        "2025-06-30",
        "--horizon",
        "4",
        "--top",
        "5",
        "--format",
        "csv",
    )
    assert code == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "customer_id,probability_alive,expected_transactions,expected_spend,clv"
    clvs = [Decimal(line.split(",")[-1]) for line in lines[1:]]
    assert len(clvs) == 5
    assert clvs == sorted(clvs, reverse=True)


def test_clv_bad_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "s.csv"
    path.write_text("ID,x,t_x,T\n1,2,40,30\n", encoding="utf-8")  # recency > T
    code, _, err = run(capsys, "clv", "fit", "--summary", str(path))
    assert code == 1
    assert "recency" in err
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    code, _, err = run(capsys, "clv", "fit", "--summary", str(path))
    assert code == 2
    assert "columns" in err


def test_segment_rfm(capsys: Any, tmp_path: Any) -> None:
    path = tmp_path / "tx.csv"
    path.write_text(
        "customer_id,date,amount,currency\n"
        "a,2026-03-19,1000000,IRR\na,2026-03-10,2500000,IRR\nb,2025-01-01,300000,IRR\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "segment", "rfm", str(path), "--as-of", "2026-03-20")
    assert code == 0
    table = {r["customer_id"]: r for r in rows(out)}
    # two customers: a is better on every axis → 1 + ⌊5·1/2⌋ = 3; b → 1
    assert (table["a"]["rfm"], table["a"]["monetary"], table["a"]["recency_days"]) == (
        "333",
        "3500000",
        "1",
    )
    assert table["b"]["segment"] == "hibernating"
    # without --as-of the cut-off is the last purchase day (2026-03-19): a's recency is 0
    code, out, _ = run(capsys, "segment", "rfm", str(path))
    assert code == 0
    assert {r["customer_id"]: r for r in rows(out)}["a"]["recency_days"] == "0"
    # no currency column and no --currency: the row is refused, naming the field
    path.write_text("customer_id,date,amount\na,2026-03-19,10\n", encoding="utf-8")
    code, _, err = run(capsys, "segment", "rfm", str(path))
    assert code == 1
    assert "row 2" in err
    assert "currency" in err
    code, out, _ = run(capsys, "segment", "rfm", str(path), "--currency", "IRR")
    assert code == 0
    assert rows(out)[0]["currency"] == "IRR"


def test_demo_section_values_five_customers() -> None:
    section = demo_section()
    assert section["title"]
    data = json.loads(json.dumps(section["data"], default=str))
    values = data["clv"]
    assert len(values) == 5
    by_id = {v["customer_id"]: v for v in values}
    # same frequency and spend, but C-102 has been quiet for 31 weeks: less likely alive
    assert by_id["C-101"]["probability_alive"] > by_id["C-102"]["probability_alive"]
    assert Decimal(by_id["C-101"]["clv"]) > Decimal(by_id["C-102"]["clv"])
    clvs = [Decimal(v["clv"]) for v in values]
    assert clvs == sorted(clvs, reverse=True)
    # C-105 has no repeat purchase: P(alive) = 1 by the BG/NBD assumption (FHL 2008 note, eq. 2)
    assert by_id["C-105"]["probability_alive"] == 1.0
