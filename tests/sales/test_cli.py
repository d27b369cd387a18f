"""``crmcore sales ...`` on the example files; refused input exits 1 with the message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmcore.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"


def _json(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, object]:
    assert main(list(argv)) == 0
    data: dict[str, object] = json.loads(capsys.readouterr().out)
    return data


def _rows(data: dict[str, object]) -> list[dict[str, str]]:
    return data["rows"]  # type: ignore[return-value]


def test_forecast_in_jalali_months(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        "sales",
        "forecast",
        str(EXAMPLES / "sales-opportunities.csv"),
        "--as-of",
        "2026-03-15",
        "--calendar",
        "jalali",
    )
    rows = {(r["period"], r["group"]): r for r in _rows(data)}
    # The five-opportunity example of docs/sales.md in rials (×1000): ali's 3,000,000,000
    # at 90 % weighs 2,700,000,000; the won deal closed 5 Farvardin 1405 (2026-03-25).
    ali = rows[("1405-01", "ali")]
    assert (ali["open"], ali["weighted"], ali["won"]) == ("3000000000", "2700000000", "3500000000")
    assert rows[("1405-02", "sara")]["best_case"] == "2000000000"
    capsys.readouterr()
    assert (
        main(
            [
                "sales",
                "forecast",
                str(EXAMPLES / "sales-opportunities.csv"),
                "--as-of",
                "2026-03-15",
                "--by",
                "team",
                "--teams",
                str(EXAMPLES / "sales-teams.json"),
                "--period",
                "year",
                "--format",
                "table",
            ]
        )
        == 0
    )
    assert "north" in capsys.readouterr().out


def test_funnel_with_stage_events(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        "sales",
        "funnel",
        str(EXAMPLES / "sales-opportunities.csv"),
        "--events",
        str(EXAMPLES / "sales-events.csv"),
        "--as-of",
        "2026-04-30",
        "--work-calendar",
        str(EXAMPLES / "sales-calendar.json"),
    )
    head = {r["key"]: r["value"] for r in _rows(data) if r["section"] == "headline"}
    # Won o4 (3,500,000,000), lost o5 (5,000,000,000): win rate 1/2, by value 3.5/8.5.
    assert (head["win_rate"], head["win_rate_by_value"]) == ("0.5000", "0.4118")
    # o4's cycle: created 2026-02-03 (14 Bahman 1404) → won 2026-03-25 = 50 days.
    cycle = next(r for r in _rows(data) if r["key"] == "cycle")
    assert cycle["value"] == "50.00"


def test_targets_with_team_roll_up(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        "sales",
        "targets",
        str(EXAMPLES / "sales-targets.csv"),
        "--opportunities",
        str(EXAMPLES / "sales-opportunities.csv"),
        "--teams",
        str(EXAMPLES / "sales-teams.json"),
    )
    rows = {(r["owner"], r["period"]): r for r in _rows(data)}
    # Sara: 30/30/40 % of 6,000,000,000; in progress 20 % × 1e9 + 60 % × 2e9 = 1.4e9.
    assert rows[("sara", "1405-03")]["target"] == "2400000000"
    assert rows[("sara", "total")]["in_progress"] == "1400000000"
    # Ali won 3,500,000,000 of 3,000,000,000 = 116.67 %; north 3.5e9 of 9e9 = 38.89 %.
    assert rows[("ali", "total")]["percentage"] == "116.67"
    assert rows[("north", "total")]["percentage"] == "38.89"


def test_activity(capsys: pytest.CaptureFixture[str]) -> None:
    data = _json(
        capsys,
        "sales",
        "activity",
        str(EXAMPLES / "sales-activities.csv"),
        "--now",
        "2026-01-16T12:00:00+00:00",
        "--work-calendar",
        str(EXAMPLES / "sales-calendar.json"),
    )
    (row,) = _rows(data)
    # Same activities as tests/sales/test_productivity.py: lateness (2 h + 9 h) / 2.
    assert (row["due"], row["on_time"], row["overdue"]) == (4, 1, 3)
    assert row["mean_lateness_hours"] == "5.50"


def test_refused_input_exits_1_without_traceback(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "opps.csv"
    bad.write_text("id,name,probability\no1,x,101\n", encoding="utf-8")
    assert main(["sales", "forecast", str(bad), "--as-of", "2026-01-01"]) == 1
    err = capsys.readouterr().err
    assert "probability" in err
    assert "101" in err
    assert "Traceback" not in err
    targets = tmp_path / "targets.csv"
    targets.write_text(
        "owner,metric,amount,start,end,sub_unit,distribution\n"
        "sara,won_count,12,2026-03-21,2026-06-22,jalali_month,30;30;39\n",
        encoding="utf-8",
    )
    assert main(["sales", "targets", str(targets)]) == 1
    err = capsys.readouterr().err
    assert "distribution" in err
    assert "99" in err
    assert (
        main(
            [
                "sales",
                "forecast",
                str(EXAMPLES / "sales-opportunities.csv"),
                "--as-of",
                "2026-03-15",
                "--by",
                "team",
                "--teams",
                str(EXAMPLES / "sales-teams.json"),
            ]
        )
        == 0
    )
    capsys.readouterr()
    teams = tmp_path / "teams.json"
    teams.write_text('{"sara": "north"}', encoding="utf-8")
    assert (
        main(
            [
                "sales",
                "forecast",
                str(EXAMPLES / "sales-opportunities.csv"),
                "--as-of",
                "2026-03-15",
                "--by",
                "team",
                "--teams",
                str(teams),
            ]
        )
        == 1
    )
    assert "'ali'" in capsys.readouterr().err


def test_stage_events_out_of_order_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        "opportunity_id,at,kind,stage\n"
        "o4,2026-02-03T09:00:00+03:30,created,qualify\n"
        "o4,2026-03-03T09:00:00+03:30,stage_changed,propose\n"
        "o4,2026-02-17T09:00:00+03:30,stage_changed,develop\n",
        encoding="utf-8",
    )
    argv = ["sales", "funnel", str(EXAMPLES / "sales-opportunities.csv"), "--events", str(events)]
    assert main([*argv, "--as-of", "2026-04-30"]) == 1
    err = capsys.readouterr().err
    assert "stage_history[2].at" in err
    assert "Traceback" not in err
    # o1 was created on 2026-01-10: a history starting on the 5th is refused.
    events.write_text(
        "opportunity_id,at,kind,stage\no1,2026-01-05T09:00:00+03:30,created,qualify\n",
        encoding="utf-8",
    )
    assert main([*argv, "--as-of", "2026-04-30"]) == 1
    assert "stage_history[0].at" in capsys.readouterr().err


def test_json_records_read_like_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from crmcore.serialization import to_dict
    from tests.sales.test_forecast import five

    path = tmp_path / "opps.json"
    path.write_text(json.dumps([to_dict(o) for o in five()]), encoding="utf-8")
    data = _json(
        capsys,
        "sales",
        "forecast",
        str(path),
        "--as-of",
        "2026-03-15",
        "--by",
        "none",
        "--period",
        "year",
        "--calendar",
        "jalali",
    )
    # docs/sales.md: open 6,000,000 and weighted 4,100,000 rials, all in 1405.
    (row,) = _rows(data)
    assert (row["period"], row["open"], row["weighted"]) == ("1405", "6000000", "4100000")
