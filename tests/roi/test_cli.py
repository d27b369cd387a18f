"""``crmcore roi`` from the command line."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from crmcore.cli import main
from crmcore.cli._demo.roi import demo_section


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_npv_both_conventions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "roi", "npv", "--rate", "0.1", "--flows", "-100,60,60")
    assert code == 0
    assert round(Decimal(json.loads(out)["npv"]), 4) == Decimal("4.1322")  # reference doc
    _, out, _ = run(
        capsys, "roi", "npv", "--rate", "0.1", "--flows", "-100,60,60", "--convention", "t1"
    )
    assert round(Decimal(json.loads(out)["npv"]), 4) == Decimal("3.7566")  # Excel NPV


def test_irr_single_several_and_none(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "roi", "irr", "--flows", "-70000,12000,15000,18000,21000,26000")
    assert code == 0
    assert round(Decimal(json.loads(out)["irr"]), 3) == Decimal("0.087")
    code, _, err = run(capsys, "roi", "irr", "--flows", "-50,-100,600,300,-100")
    assert code == 1
    assert "2 rates of return" in err
    code, out, _ = run(capsys, "roi", "irr", "--flows", "-50,-100,600,300,-100", "--all")
    assert [round(Decimal(r), 4) for r in json.loads(out)["roots"]] == [
        Decimal("-0.7689"),
        Decimal("1.8544"),
    ]
    code, _, err = run(capsys, "roi", "irr", "--flows", "100,50")
    assert code == 1
    assert "NoSolutionError" in err
    code, _, err = run(capsys, "roi", "irr", "--flows", "1,abc")
    assert code == 1
    assert "flows[1]" in err


def test_mirr_and_payback(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(
        capsys,
        "roi",
        "mirr",
        "--flows",
        "-120000,39000,30000,21000,37000,46000",
        "--finance-rate",
        "0.1",
        "--reinvest-rate",
        "0.12",
    )
    assert round(Decimal(json.loads(out)["mirr"]), 3) == Decimal("0.126")  # Excel MIRR help
    _, out, _ = run(capsys, "roi", "payback", "--flows", "-1000,300,400,500", "--rate", "0.1")
    assert json.loads(out) == {"payback_periods": "2.6", "discounted_payback_periods": None}


def test_xnpv_and_xirr_from_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    flows = tmp_path / "flows.csv"
    flows.write_text(
        "date,amount\n2008-01-01,-10000\n2008-03-01,2750\n2008-10-30,4250\n"
        "2009-02-15,3250\n2009-04-01,2750\n",
        encoding="utf-8",
    )
    _, out, _ = run(capsys, "roi", "xnpv", "--rate", "0.09", "--flows", str(flows))
    assert round(Decimal(json.loads(out)["xnpv"]), 4) == Decimal("2086.6476")  # Microsoft example
    _, out, _ = run(capsys, "roi", "xirr", "--flows", str(flows))
    assert abs(Decimal(json.loads(out)["xirr"]) - Decimal("0.373362534")) < Decimal("2e-9")
    bad = tmp_path / "bad.csv"
    bad.write_text("date,amount\n2008-01-01,-1\n01/02/2008,2\n", encoding="utf-8")
    code, _, err = run(capsys, "roi", "xirr", "--flows", str(bad))
    assert code == 1
    assert "row 3" in err
    assert "date" in err
    code, _, err = run(capsys, "roi", "xirr", "--flows", str(tmp_path / "missing.csv"))
    assert code == 2
    assert "cannot read" in err


PLAN = {
    "name": "CRM",
    "currency": "USD",
    "discount_rate": "0.1",
    "periods": {"kind": "gregorian_year", "first": "2025-01-01", "count": 3},
    "costs": [
        {"category": "implementation", "amount": "10000"},
        {"category": "subscription", "amount": "5000", "recurring": True},
    ],
    "benefits": [{"name": "revenue", "baseline": "0", "values": ["0", "15000", "15000"]}],
}


def test_plan_report_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(PLAN), encoding="utf-8")
    code, out, _ = run(capsys, "roi", "plan", str(path))
    assert code == 0
    data = json.loads(out)
    # cost 15000 + 5000 + 5000 = 25000; gain 30000; ROI 0.2 (hand)
    assert data["total_cost"] == "25000.00"
    assert data["roi"] == "0.200000"
    assert [p["net"] for p in data["periods"]] == ["-15000.00", "10000.00", "10000.00"]
    # NPV at 10 %: -15000 + 10000/1.1 + 10000/1.21 = 2355.37
    assert data["npv"] == "2355.37"
    code, out, _ = run(capsys, "roi", "plan", str(path), "--format", "table")
    assert code == 0
    assert "ROI 20.00%" in out
    assert "2025" in out
    broken = dict(PLAN, costs=[{"category": "gold", "amount": "1"}])
    path.write_text(json.dumps(broken), encoding="utf-8")
    code, _, err = run(capsys, "roi", "plan", str(path))
    assert code == 1
    assert "category" in err
    path.write_text(json.dumps({"currency": "USD"}), encoding="utf-8")
    code, _, err = run(capsys, "roi", "plan", str(path))
    assert code == 1
    assert "periods" in err


def test_demo_section_is_json_and_shows_jalali_years() -> None:
    section = demo_section()
    assert section["title"]
    assert "1404" in section["text"]
    assert "IRR" in section["text"]
    data = json.loads(json.dumps(section["data"], default=str))
    assert [p["label"] for p in data["plan"]["periods"]] == ["1404", "1405", "1406"]
    # Demo plan nets (millions of rials, hand): year 1 costs 1250 one-off + 320 + 100 = 1670
    # against a gain of 300 + 120; year 2 432 + 130 = 562 against 1300 + 380; year 3
    # 583.2 + 169 = 752.2 against 2400 + 520 -> nets -1250, 1118, 2167.8. IRR with x = 1 + r:
    # x = (1118 + √(1118² + 4·1250·2167.8)) / 2500 = (1118 + √12088924) / 2500 = 1.837965
    assert Decimal(data["plan"]["irr"]).quantize(Decimal("0.000001")) == Decimal("0.837965")


def test_plan_in_the_serialized_form(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from crmcore.cli._roi import plan_from_json  # the CLI reader: expand_plan + from_dict
    from crmcore.serialization import to_dict

    short = plan_from_json(PLAN)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(to_dict(short)), encoding="utf-8")  # Money objects, period list
    code, out, _ = run(capsys, "roi", "plan", str(path))
    assert code == 0
    # the same plan as in test_plan_report_json_and_table: NPV 2355.37 derived there
    assert json.loads(out)["npv"] == "2355.37"
    bad = dict(PLAN, costs=[{"category": "storage", "amount": {"amount": "1", "currency": "XXQ"}}])
    path.write_text(json.dumps(bad), encoding="utf-8")
    code, _, err = run(capsys, "roi", "plan", str(path))
    assert code == 1
    assert "costs[0].amount.currency" in err
