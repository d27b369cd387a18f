"""``crmcore report roi|clv|scoring|sla``: pages written whole, bad input refused cleanly."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from crmcore.cli import main
from crmcore.serialization import to_dict
from tests.report.samples import simulated_customers, sla_evaluations

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(capsys, *argv):
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_roi_page_written_whole(tmp_path: Path, capsys) -> None:
    out = tmp_path / "roi.html"
    code, _, err = _run(
        capsys, "report", "roi", str(EXAMPLES / "plan.json"), "-o", str(out), "--locale", "fa_IR"
    )
    assert (code, err) == (0, "")
    page = out.read_text(encoding="utf-8")
    assert '<html lang="fa" dir="rtl">' in page
    assert page.count("<svg") == 1
    assert "۱٫۵۰" in page  # payback: -15000, then 10000 a year → 1.5 periods (docs/roi.md plan)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["roi.html"]  # no temporary file left


def test_page_to_standard_output(capsys) -> None:
    code, out, _ = _run(capsys, "report", "roi", str(EXAMPLES / "plan.json"))
    assert code == 0
    assert out.startswith("<!DOCTYPE html>")
    assert '<html lang="en" dir="ltr">' in out


def test_output_equal_to_input_is_refused(tmp_path: Path, capsys) -> None:
    plan = tmp_path / "plan.json"
    original = (EXAMPLES / "plan.json").read_text(encoding="utf-8")
    plan.write_text(original, encoding="utf-8")
    code, _, err = _run(capsys, "report", "roi", str(plan), "-o", str(tmp_path / "." / "plan.json"))
    assert code == 2
    assert "overwrite the input" in err
    assert plan.read_text(encoding="utf-8") == original


def test_bad_input_leaves_no_file_and_no_traceback(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "plan.json"
    bad.write_text('{"name": "x", "currency": "USD", "periods": []}', encoding="utf-8")
    out = tmp_path / "out.html"
    code, _, err = _run(capsys, "report", "roi", str(bad), "-o", str(out))
    assert code == 1
    assert err.startswith("crmcore: error: ")
    assert "Traceback" not in err
    assert not out.exists()
    malformed = tmp_path / "broken.json"
    malformed.write_text("{", encoding="utf-8")
    code, _, err = _run(capsys, "report", "roi", str(malformed), "-o", str(out))
    assert code == 2
    assert "malformed JSON" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.json", "plan.json"]


def test_clv_page_from_lifetimes_columns(tmp_path: Path, capsys) -> None:
    summary = tmp_path / "summary.csv"
    with summary.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["ID", "x", "t_x", "T", "zbar"])
        for c in simulated_customers(200):
            writer.writerow([c.customer_id, c.frequency, c.recency, c.age, c.monetary_value])
    out = tmp_path / "clv.html"
    code, _, err = _run(capsys, "report", "clv", str(summary), "-o", str(out), "--top", "5")
    assert (code, err) == (0, "")
    page = out.read_text(encoding="utf-8")
    assert page.count("<svg") == 2  # histogram and P(alive) matrix
    assert page.count("<tr><td>c") == 5  # the five most valuable customers


def test_scoring_page_and_a_bad_row(tmp_path: Path, capsys) -> None:
    rng = random.Random(3)
    scored = tmp_path / "scored.csv"
    rows = [(int(rng.random() < p), p) for p in (rng.random() for _ in range(200))]
    scored.write_text(
        "won,probability\n" + "".join(f"{y},{p}\n" for y, p in rows), encoding="utf-8"
    )
    out = tmp_path / "scoring.html"
    code, _, err = _run(
        capsys, "report", "scoring", str(scored), "-o", str(out), "--locale", "fa_IR"
    )
    assert (code, err) == (0, "")
    assert out.read_text(encoding="utf-8").count("<svg") == 3  # gains, lift, calibration
    scored.write_text("won,probability\n1,0.9\nmaybe,0.2\n", encoding="utf-8")
    code, _, err = _run(capsys, "report", "scoring", str(scored), "-o", str(out))
    assert code == 1
    assert "row 3" in err
    assert "Traceback" not in err


def test_sla_page_from_evaluate_output(tmp_path: Path, capsys) -> None:
    data = to_dict(sla_evaluations())
    for item in data:  # as `crmcore sla evaluate` prints them, with display fields
        for kpi in item["kpis"]:
            kpi["breach_at_jalali"] = None
    source = tmp_path / "evaluations.json"
    source.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "sla.html"
    code, _, err = _run(
        capsys, "report", "sla", str(source), "-o", str(out), "--grain", "jalali_month"
    )
    assert (code, err) == (0, "")
    page = out.read_text(encoding="utf-8")
    # 6 Jan 2025 = 17 Dey 1403; 30 Mar 2025 = 10 Farvardin 1404: Jalali months 1403-10 .. 1404-01
    assert "<td>1403-10</td>" in page
    assert "<td>1404-01</td>" in page
