"""Every command in examples/README.md runs and gives the hand-checked numbers."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from crmcore.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_quote(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "price", "quote", str(EXAMPLES / "quote.json")))
    # Line 1: standard cost 95,000 x (1 + 1000 %) = 1,045,000, rounded up to a multiple
    # of 10,000 = 1,050,000; 20 x 1,050,000 = 21,000,000 less the 5 % band 1,050,000.
    # Line 2: 2,400,000 / (1 - 40 %) = 4,000,000 a day x 2 = 8,000,000.
    # Detail 27,950,000 - header 50,000 = 27,900,000. Iranian VAT is charged after
    # the header discount (VAT law art. 14 note: granted discounts are not in the
    # base; docs/pricing.md): shares 35,689 + 14,311 (largest remainder), VAT 10 %
    # of 19,914,311 = 1,991,431 and of 7,985,689 = 798,569: 2,790,000 in all
    # (= 10 % of 27,900,000); total 27,900,000 + 2,790,000 = 30,690,000.
    assert data["lines"][0]["amount"] == {"amount": "19950000", "currency": "IRR"}
    assert data["lines"][0]["taxed_after_header_discount"] is True
    assert data["totals"]["total_tax"]["amount"] == "2790000"
    assert data["totals"]["total_amount"] == {"amount": "30690000", "currency": "IRR"}
    table = run(
        capsys,
        "price",
        "quote",
        str(EXAMPLES / "quote.json"),
        "--format",
        "table",
        "--locale",
        "fa_IR",
        "--persian-digits",
    )
    assert "۳۰٬۶۹۰٬۰۰۰ ریال" in table


def test_quote_with_promotions(capsys: pytest.CaptureFixture[str]) -> None:
    quote, rules = str(EXAMPLES / "quote.json"), str(EXAMPLES / "promotions.json")
    data = json.loads(run(capsys, "price", "quote", quote, "--rules", rules))
    # Support, 10 % off in spring 1405: 4,000,000 × 0.9 = 3,600,000 a day × 2 = 7,200,000.
    # 20 12-packs of doogh earn floor(20 / 10) × 1 = 2 free 12-packs (line 3, amount 0).
    # Detail 19,950,000 + 7,200,000 = 27,150,000 − 50,000 = 27,100,000. Header shares
    # 36,740.33… and 13,259.67… → 36,740 + 13,259 = 49,999, the last rial to the larger
    # remainder: 36,740 and 13,260. VAT 10 % after them: 1,991,326 + 718,674 = 2,710,000;
    # total 27,100,000 + 2,710,000 = 29,810,000.
    lines = data["lines"]
    assert lines[1]["price_per_unit"]["amount"] == "3600000"
    assert (lines[2]["product_id"], lines[2]["quantity"], lines[2]["free_for"]) == (
        "DOOGH-330",
        "2",
        1,
    )
    assert [line["tax"]["amount"] for line in lines] == ["1991326", "718674", "0"]
    assert data["totals"]["total_amount"] == {"amount": "29810000", "currency": "IRR"}


def test_scorecard(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(
        capsys,
        "score",
        "--scorecard",
        str(EXAMPLES / "scorecard.json"),
        str(EXAMPLES / "leads.csv"),
        "--now",
        "2026-03-21T09:00:00+00:00",
        "--rank",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    scores = {row["id"]: Decimal(row["score"]) for row in rows}
    # Fit points: high 20, medium 10, low 0; stage first contact 0, proposal 10,
    # negotiation 15, final meeting 25. No events are given, so every lead gets the
    # "silent" rule's -10 (no email click or meeting in 90 days).
    assert scores == {
        "L-101": Decimal(20 + 20 + 20 + 25 - 10),
        "L-102": Decimal(10 + 20 + 20 + 10 - 10),
        "L-104": Decimal(20 + 0 + 10 + 15 - 10),
        "L-105": Decimal(10 + 10 + 20 + 10 - 10),
        "L-103": Decimal(0),  # 0 + 10 + 0 + 0 - 10
    }
    # Ranked by score: 75, 50, 40, 35, 0.
    assert [row["id"] for row in rows] == ["L-101", "L-102", "L-105", "L-104", "L-103"]
    assert rows[0]["rating"] == "hot"  # bands: cold < 40 <= warm < 70 <= hot


def test_plan(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(run(capsys, "roi", "plan", str(EXAMPLES / "plan.json")))
    # Costs 10,000 + 3 x 5,000 = 25,000; gain 30,000; ROI (30,000 - 25,000) / 25,000 = 0.2.
    # NPV at 10 %: -15,000 + 10,000/1.1 + 10,000/1.21 = 2,355.37.
    assert data["total_cost"] == "25000.00"
    assert data["roi"] == "0.200000"
    assert data["npv"] == "2355.37"


def test_flows(capsys: pytest.CaptureFixture[str]) -> None:
    flows = str(EXAMPLES / "flows.csv")
    xnpv = Decimal(
        json.loads(run(capsys, "roi", "xnpv", "--rate", "0.09", "--flows", flows))["xnpv"]
    )
    assert round(xnpv, 4) == Decimal("2086.6476")  # Microsoft's XNPV documentation
    xirr = Decimal(json.loads(run(capsys, "roi", "xirr", "--flows", flows))["xirr"])
    assert abs(xirr - Decimal("0.373362534")) < Decimal("1e-9")  # Microsoft's XIRR documentation


def test_rfm(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "segment", "rfm", str(EXAMPLES / "purchases.csv"))
    rows = {row["customer_id"]: row for row in csv.DictReader(io.StringIO(out))}
    # Cut-off 2026-03-19 (A's last purchase). Recency days: A 0, B 18, C 108 (Dec 31 +
    # Jan 31 + Feb 28 + 18), D 199 (2025-09-01: 181 days to 1 March + 18), E 363.
    # With 5 customers a score is 1 + the number of customers with a worse value:
    # R: A 5, B 4, C 3, D 2, E 1; F (3, 2, 1, 4, 1): A 4, B 3, C 1, D 5, E 1 (ties equal);
    # M (12M, 3.5M, 20M, 2M, 0.7M): A 4, B 3, C 5, D 2, E 1.
    assert {c: r["rfm"] for c, r in rows.items()} == {
        "A": "544",
        "B": "433",
        "C": "315",
        "D": "252",
        "E": "111",
    }
    assert [rows[c]["recency_days"] for c in "ABCDE"] == ["0", "18", "108", "199", "363"]
    # the grid (RfmSegment): R5 F4 champions, R4 F3 potential loyalist, R3 F1 about to
    # sleep, R2 F5 cannot lose, R1 F1 hibernating
    assert [rows[c]["segment"] for c in "ABCDE"] == [
        "champions",
        "potential_loyalist",
        "about_to_sleep",
        "cannot_lose",
        "hibernating",
    ]
    assert rows["A"]["monetary"] == "12000000"


def test_calendar(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(
        run(
            capsys,
            "calendar",
            "add",
            "--preset",
            "iran",
            "--start",
            "2025-03-18T15:00:00+03:30",
            "--duration",
            "PT2H",
        )
    )
    # Tue 28 Esfand 1403 15:00-16:00 is 1 h; 29 and 30 Esfand (1403 is a leap year), Friday
    # and Nowruz (1-4 Farvardin) are closed; 1 h more on Tue 5 Farvardin from 08:00.
    assert data["deadline"] == "2025-03-25T09:00:00+03:30"
    assert data["deadline_jalali"] == "1404-01-05"


def test_every_readme_command_is_tested() -> None:
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if line.startswith("crmcore ")]
    assert len(commands) == 9


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    # Enough output to fill the pipe buffer, then the reader goes away (`| head -1`).
    rows = ["id,interest,influence,need,stage"] + [
        f"L-{k},high,high,high,final meeting" for k in range(5000)
    ]
    leads = tmp_path / "leads.csv"
    leads.write_text("\n".join(rows) + "\n", encoding="utf-8")
    command = [
        sys.executable,
        "-m",
        "crmcore",
        "score",
        "--scorecard",
        str(EXAMPLES / "scorecard.json"),
        str(leads),
        "--now",
        "2026-03-21T09:00:00+00:00",
    ]
    # The command line is built here from constants, not from untrusted input.
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:  # noqa: S603
        assert process.stdout is not None
        assert process.stderr is not None
        process.stdout.readline()
        process.stdout.close()
        error = process.stderr.read().decode()
        code = process.wait(timeout=60)
    assert "Traceback" not in error
    assert code == 141
