"""``crmcore service ...`` on the example files: hand-checked outputs, refusals exit 1."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from pyworkforce.queuing import ErlangC

from crmcore.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["service", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    return json.loads(out)


def test_csat_by_agent_and_jalali_month(capsys: pytest.CaptureFixture[str]) -> None:
    data = ok(capsys, "csat", "--input", str(EXAMPLES / "service-responses.csv"), "--by", "agent")
    # ali answered 5, 5, 4, 4, 5 (5 of 5 satisfied); sara 5, 4, 3, 2, 1 (2 of 5).
    assert [(r["group"], r["satisfied"], r["responses"]) for r in data] == [
        ("ali", 5, 5),
        ("sara", 2, 5),
    ]  # type: ignore[union-attr, index]
    data = ok(
        capsys,
        "csat",
        "--input",
        str(EXAMPLES / "service-responses.csv"),
        "--by",
        "period",
        "--jalali",
    )
    # 14-18 March 2026 = 23-27 Esfand 1404: 5, 4, 5, 3, 2 -> 3 of 5; Farvardin 1405: 4 of 5.
    assert [(r["group"], r["satisfied"]) for r in data] == [("1404-12", 3), ("1405-01", 4)]  # type: ignore[union-attr, index]


def test_nps_and_csi(capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = ok(capsys, "nps", "--input", str(EXAMPLES / "service-nps.csv"))  # type: ignore[misc]
    # promoters 10, 9, 9, 10, 9, 10 = 6; detractors 6, 3 = 2 of 10 -> NPS 40;
    # SE = 100 √((0.6 + 0.2 − 0.16) / 10) = 25.298
    assert (row["promoters"], row["detractors"], row["score"]) == (6, 2, 40.0)
    assert row["standard_error"] == pytest.approx(25.298, abs=1e-3)
    data = ok(capsys, "csi", "--input", str(EXAMPLES / "service-ratings.csv"),
              "--importance", str(EXAMPLES / "service-importance.csv"))  # fmt: skip
    assert data["index"] == pytest.approx(70.0)  # type: ignore[index]  # see test_satisfaction
    data = ok(capsys, "csi", "--input", str(EXAMPLES / "service-ratings.csv"),
              "--weights", str(EXAMPLES / "service-weights.json"))  # fmt: skip
    assert data["index"] == pytest.approx(65.625)  # type: ignore[index]


def test_contact_centre_csv(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "contact-centre", "--input", str(EXAMPLES / "service-events.csv"),
                       "--short-abandon", "5", "--fcr-days", "1", "--format", "csv")  # fmt: skip
    assert code == 0
    (row,) = list(csv.DictReader(io.StringIO(out)))
    # the same log as tests/service/test_contact.py: SL 2/5, ASA 15 s, AHT 270 s, FCR 2/3
    assert (row["service_level"], row["asa"], row["aht"]) == ("0.4", "15.0", "270.0")
    assert float(row["fcr"]) == pytest.approx(2 / 3)


def test_staffing_single_and_plan(capsys: pytest.CaptureFixture[str]) -> None:
    (row,) = ok(capsys, "staffing", "--calls", "100", "--aht", "180", "--shrinkage", "0.3")  # type: ignore[misc]
    assert (row["agents"], row["scheduled"]) == (14, 20)  # callcentrehelper worked example
    plan = ok(capsys, "staffing", "--input", str(EXAMPLES / "service-forecast.csv"),
              "--calendar", str(EXAMPLES / "service-calendar.json"), "--aht", "180")  # fmt: skip
    # 07:30 is before the Iranian office opens (08:00) and 8 May 2026 is a Friday: nobody.
    peer = ErlangC(transactions=60, aht=3, asa=20 / 60, interval=30).required_positions(0.8)
    assert [r["scheduled"] for r in plan] == [0, 14, peer["raw_positions"], 0]  # type: ignore[union-attr, index]


def test_queue_and_bill(capsys: pytest.CaptureFixture[str]) -> None:
    data = ok(capsys, "queue", "--input", str(EXAMPLES / "service-queue.json"))
    # Saturday 2026-05-02 at 14:00 Tehran, 8 business hours to resolve, weights 2:1:1:
    # IR-201 (09:00, high, gold): 0.5 (1 − 3/8) + 0.25 × 1 + 0.25 × 2/3 = 0.7292
    # IR-202 (11:00, normal, CLV 2.5e9 of 5e9): 0.5 × 0.375 + 0.25 × 0.5 + 0.25/3 = 0.3958
    # IR-203 (12:00, low, no value): 0.5 × 0.25 = 0.125
    assert [(r["case_id"], round(r["score"], 4)) for r in data] == [  # type: ignore[union-attr, index]
        ("IR-201", 0.7292), ("IR-202", 0.3958), ("IR-203", 0.125),
    ]  # fmt: skip
    data = ok(capsys, "bill", "--input", str(EXAMPLES / "service-billing.json"))
    # 120 min included: IR-101 100 min; IR-102 35 + 22 -> 157, 37 min over -> 45 min = 0.75 h
    # × 25,000,000 IRR = 18,750,000; IR-103 (karaj-foods, no contract) 50 -> 60 min = 25,000,000.
    lines = [(x["case_id"], x["quantity"], x["amount"]) for x in data["lines"]]  # type: ignore[index]
    assert lines == [("IR-102", "0.75", "18750000"), ("IR-103", "1", "25000000")]
    assert all(e["billed_in"] == "1405-01-R1" for e in data["entries"])  # type: ignore[index]


def test_second_billing_run_over_the_marked_entries_is_empty(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = ok(capsys, "bill", "--input", str(EXAMPLES / "service-billing.json"))
    document = json.loads((EXAMPLES / "service-billing.json").read_text(encoding="utf-8"))
    document["entries"] = first["entries"]  # type: ignore[index]
    document["run_id"] = "1405-02-R1"
    again = tmp_path / "again.json"
    again.write_text(json.dumps(document), encoding="utf-8")
    second = ok(capsys, "bill", "--input", str(again))
    assert second["lines"] == []  # type: ignore[index]
    assert second["invoices"] == []  # type: ignore[index]


def test_refused_input_exits_1_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("score,at\n7,2026-03-14T10:00:00+03:30\n", encoding="utf-8")
    code, _, err = run(capsys, "csat", "--input", str(bad))
    assert code == 1
    assert "responses[0].score" in err
    assert "Traceback" not in err
    events = tmp_path / "events.csv"
    events.write_text(
        "interaction_id,kind,at\nx,answered,2026-01-05T09:00:00+00:00\n", encoding="utf-8"
    )
    code, _, err = run(capsys, "contact-centre", "--input", str(events))
    assert code == 1
    assert "ServiceError" in err
    assert "events[0].interaction_id" in err
    code, _, err = run(capsys, "staffing", "--calls", "100", "--aht", "180", "--shrinkage", "1.2")
    assert code == 1
    assert "shrinkage" in err
    code, _, err = run(capsys, "staffing", "--aht", "180")
    assert code == 2


def test_demo_section() -> None:
    from crmcore.cli._demo.service import demo_section

    section = demo_section()
    # Same queue and contract as the example files (hand-checked above).
    assert [q["case_id"] for q in section["data"]["queue"]] == ["IR-201", "IR-202", "IR-203"]
    assert section["data"]["billing"] == [
        {"case_id": "IR-102", "quantity": "0.75", "amount": "18750000"}
    ]
    assert "0 lines" in section["text"]


def test_json_inputs_name_the_missing_key(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    empty = tmp_path / "empty.json"
    empty.write_text("{}", encoding="utf-8")
    code, _, err = run(capsys, "queue", "--input", str(empty))
    assert code == 1
    assert "input.now" in err
    code, _, err = run(capsys, "bill", "--input", str(empty))
    assert code == 1
    assert "input.terms" in err
    code, _, err = run(capsys, "staffing", "--calls", "100", "--aht", "nan")
    assert code == 1
    assert "aht" in err
    code, _, err = run(capsys, "staffing", "--calls", "100", "--aht", "180", "--asa", "0")
    assert code == 1
    assert "asa" in err
