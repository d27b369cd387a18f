"""The calendar and sla subcommands, called through crmcore.cli.main."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmcore.cli import main
from crmcore.cli._demo.sla import demo_section


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_calendar_add_iran(capsys: pytest.CaptureFixture[str]) -> None:
    # Wed 2025-03-19 is 29 Esfand (holiday), then 30 Esfand, Nowruz 1-4 Farvardin;
    # the first working hours are Tue 25 March 08:00-16:00, so +8 h = 16:00.
    code, out, _ = run(
        capsys,
        "calendar",
        "add",
        "--preset",
        "iran",
        "--start",
        "2025-03-19T10:00:00+03:30",
        "--duration",
        "PT8H",
    )
    assert code == 0
    data = json.loads(out)
    assert data["deadline"] == "2025-03-25T16:00:00+03:30"
    assert data["deadline_jalali"] == "1404-01-05"
    code, out, _ = run(
        capsys,
        "calendar",
        "add",
        "--preset",
        "iran",
        "--thursday",
        "half",
        "--start",
        "2025-04-30T14:00:00+03:30",
        "--hours",
        "5",
    )
    assert json.loads(out)["deadline"] == "2025-05-01T11:00:00+03:30"  # 2 h Wed + 3 h Thu


def test_calendar_between(capsys: pytest.CaptureFixture[str]) -> None:
    # Sat 2025-05-03 08:00 to Sun 2025-05-04 12:00: 8 h + 4 h = 43200 s.
    code, out, _ = run(
        capsys,
        "calendar",
        "between",
        "--preset",
        "iran",
        "--start",
        "2025-05-03T08:00:00+03:30",
        "--end",
        "2025-05-04T12:00:00+03:30",
    )
    assert code == 0
    assert json.loads(out)["business_seconds"] == 43200


def test_calendar_batch_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "start,duration\n2025-01-03T15:00:00+00:00,PT4H\n2025-01-06T13:00:00+00:00,PT4H\n",
        encoding="utf-8",
    )
    code, out, _ = run(
        capsys, "calendar", "add", "--country", "GB", "--timezone", "UTC", "--input", str(src)
    )
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == "start,duration,deadline"
    # Fri 15:00 + 4 h on Mon-Fri 09-17: 2 h Fri, Mon 09-11.
    assert lines[1].endswith("2025-01-06T11:00:00+00:00")
    assert lines[2].endswith("2025-01-06T17:00:00+00:00")


def test_calendar_from_json_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cal = {
        "schedule": {"days": [[{"start": "09:00", "end": "17:00"}], [], [], [], [], [], []]},
        "holidays": [{"type": "GregorianHoliday", "month": 1, "day": 6, "name": "Epiphany"}],
        "timezone": "Europe/Berlin",
    }
    path = tmp_path / "cal.json"
    path.write_text(json.dumps(cal), encoding="utf-8")
    # Mondays only; Mon 2025-01-06 is a holiday: 2025-01-13 09:00 + 1 h.
    code, out, _ = run(
        capsys,
        "calendar",
        "add",
        "--calendar",
        str(path),
        "--start",
        "2025-01-06T10:00:00+01:00",
        "--duration",
        "PT1H",
    )
    assert code == 0
    assert json.loads(out)["deadline"] == "2025-01-13T10:00:00+01:00"


def test_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys,
        "calendar",
        "add",
        "--preset",
        "iran",
        "--start",
        "2025-03-19T10:00:00",
        "--hours",
        "1",
    )
    assert code == 1
    assert "--start: got '2025-03-19T10:00:00'" in err  # issue 15: errors name the flag
    assert "UTC offset" in err  # says what is wrong: the offset is missing
    code, _, err = run(
        capsys,
        "calendar",
        "add",
        "--preset",
        "iran",
        "--start",
        "2025-03-19T10:00:00+03:30",
        "--duration",
        "8h",
    )
    assert code == 1
    assert "--duration: got '8h'" in err
    assert "ISO 8601 duration" in err
    code, _, err = run(
        capsys, "calendar", "add", "--start", "2025-03-19T10:00:00+00:00", "--hours", "1"
    )
    assert code == 2


def test_sla_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policies = {
        "policies": [
            {
                "name": "standard",
                "calendar": "office",
                "targets": [
                    {
                        "name": "resolution",
                        "kind": "resolution",
                        "duration": "PT8H",
                        "warning": None,
                        "warning_percent": 80,
                        "business_hours": True,
                        "pause_statuses": ["on_hold"],
                        "success_event": None,
                        "success_status": None,
                    }
                ],
                "applies_when": {
                    "priorities": [],
                    "case_types": [],
                    "channels": [],
                    "tiers": [],
                    "accounts": [],
                },
            }
        ],
        "calendars": {"office": {"preset": "country", "country": "US", "timezone": "UTC"}},
    }
    case: dict[str, object] = {
        "id": "C1",
        "title": "Down",
        "account_id": "acme",
        "contact_id": None,
        "case_type": "problem",
        "channel": "email",
        "owner": None,
        "custom": {},
        "version": 0,
        "events": [
            {
                "at": "2025-01-06T13:00:00+00:00",
                "kind": "created",
                "status": "new",
                "priority": "normal",
                "note": None,
            }
        ],
    }
    (tmp_path / "p.json").write_text(json.dumps(policies), encoding="utf-8")
    (tmp_path / "c.json").write_text(json.dumps(case), encoding="utf-8")
    code, out, err = run(
        capsys,
        "sla",
        "evaluate",
        "--policies",
        str(tmp_path / "p.json"),
        "--history",
        str(tmp_path / "c.json"),
        "--now",
        "2025-01-06T15:00:00+00:00",
    )
    assert code == 0, err
    kpi = json.loads(out)["kpis"][0]
    # Mon 13:00 + 8 h on 09-17: 4 h Monday, 4 h Tuesday -> Tue 13:00.
    assert kpi["state"] == "in_progress"
    # issue 15: plain ISO 8601 (fromisoformat reads it), the zone in its own field
    assert kpi["breach_at"] == "2025-01-07T13:00:00+00:00"
    assert kpi["breach_at_zone"] == "UTC"
    assert kpi["breach_at_jalali"] == "1403-10-18"


def test_demo_section() -> None:
    section = demo_section()
    assert set(section) == {"title", "text", "data"}
    resolution = section["data"][1]
    # Hand check in docs/sla.md: 4 h elapsed, 14 h paused, 26 h left from Sun 16 March 12:00:
    # Sun 4 h, Mon 8 h, Tue 8 h, then 19-24 March closed, Tue 25 March 08:00 + 6 h.
    assert resolution["deadline"] == "2025-03-25T14:00:00+03:30"
    assert resolution["deadline_jalali"] == "1404-01-05"
    json.dumps(section["data"])


def test_calendar_batch_csv_keeps_other_columns_and_names_a_bad_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "case,start,end\nA,2025-01-03T15:00:00+00:00,2025-01-06T15:00:00+00:00\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "calendar", "between", "--preset", "24x7", "--input", str(src))
    assert code == 0
    # 24x7: Friday 15:00 to Monday 15:00 is 72 h = 259200 s.
    assert out.strip().splitlines() == [
        "case,start,end,business_seconds",
        "A,2025-01-03T15:00:00+00:00,2025-01-06T15:00:00+00:00,259200",
    ]
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "start,duration\n2025-01-03T15:00:00+00:00,PT4H\n2025-01-03T15:00:00+00:00,4 hours\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "calendar", "add", "--preset", "24x7", "--input", str(bad))
    assert code == 1
    assert out == ""  # nothing half-written
    assert "row 3" in err
    assert "DeadlineQuery.duration" in err
    assert "Traceback" not in err


def test_calendar_file_with_an_unknown_preset_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"preset": "mars"}), encoding="utf-8")
    code, _, err = run(
        capsys,
        "calendar",
        "add",
        "--calendar",
        str(path),
        "--start",
        "2025-01-06T10:00:00+00:00",
        "--hours",
        "1",
    )
    assert code == 1
    assert "calendar_preset.preset: got 'mars'" in err
