"""``crmcore sales funnel`` (with and without ``--events``) and ``sales forecast --events``
read their CSV files in chunks: the output equals the whole-file path's, byte for byte,
and a refused row in a later chunk writes nothing."""

from __future__ import annotations

import contextlib
import csv
import json
import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.cli import _io, _sales
from tests.chunked_cli import run_cli as _run

OPP_HEADER = [
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
    "competitor",
    "close_reason",
    "created_at",
    "source",
    "lead_id",
]
EVENT_HEADER = ["opportunity_id", "at", "kind", "stage"]
LEAD_HEADER = ["id", "last_name", "source"]
RATES = {"base": "IRR", "rates": {"USD": "1000.5"}}
CALENDAR = {"preset": "iran", "timezone": "Asia/Tehran"}
STAGES = ["qualify", "develop", "propose", "close"]
T0 = datetime.fromisoformat("2026-01-03T09:00:00+03:30")


@st.composite
def _deal(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """One opportunity's CSV cells (id set by the caller) and maybe its stage events, which
    agree with its status (won with revenue and a close date, lost, or open)."""
    status = draw(st.sampled_from(["open", "won", "lost"]))
    currency = draw(st.sampled_from(["IRR", "IRR", "USD"]))
    created = T0 + timedelta(days=draw(st.integers(0, 90)), hours=draw(st.integers(0, 12)))
    at, events = created, [["created", draw(st.sampled_from(STAGES))]]
    times = [created]
    for stage in draw(st.lists(st.sampled_from(STAGES), max_size=3)):
        at += timedelta(days=draw(st.integers(0, 25)))
        events.append(["stage_changed", stage])
        times.append(at)
    at += timedelta(days=draw(st.integers(0, 25)))
    if status == "won":
        events.append(["won", "close"])
        times.append(at)
    elif status == "lost":
        events.append(["lost", events[-1][1]])
        times.append(at)
    amount = draw(st.one_of(st.none(), st.integers(0, 10**9)))
    row = [
        "",
        "deal",
        draw(st.sampled_from(["sara", "ali", ""])),
        draw(st.sampled_from(STAGES)),
        status,
        str(draw(st.integers(0, 100))),
        "" if amount is None else str(amount),
        "" if amount is None else currency,
        "2026-05-01",
        str(draw(st.integers(0, 10**9))) if status == "won" else "",
        currency if status == "won" else "",
        at.date().isoformat() if status != "open" else "",
        draw(st.sampled_from(["", "Rival", "Other"])) if status == "lost" else "",
        draw(st.sampled_from(["", "price", "fit"])) if status == "lost" else "",
        created.isoformat(),
        draw(st.sampled_from(["website", "referral", ""])),
        draw(st.sampled_from(["", "L1", "L2", "L7"])),
    ]
    history = [[t.isoformat(), kind, stage] for t, (kind, stage) in zip(times, events, strict=True)]
    return row, history if draw(st.integers(0, 3)) else []


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


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


def _whole_file_run(argv: list[str]) -> tuple[int, str, str]:
    """The command as before chunks: every deal read and its history attached at once."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sales, "_deal_chunks", lambda args: iter([_sales._opportunities(args)]))
        patch.setattr(
            _sales, "_chunks_or_whole", lambda path, cl, _: iter([_sales.read_records(path, cl)])
        )
        return _run(*argv)


def _files(folder: Path, deals: list[Any], order: list[int], unknown: bool) -> list[str]:
    """Write the deals, their events in a shuffled order (each deal's own in time order)
    and leads; return the paths."""
    rows = [[f"o{i}", *row[1:]] for i, (row, _) in enumerate(deals)]
    events = [[f"o{i}", *event] for i, (_, history) in enumerate(deals) for event in history]
    queues = [[e for e in events if e[0] == f"o{i}"] for i in range(len(deals))]
    shuffled = [queues[i % len(deals)].pop(0) for i in order if deals and queues[i % len(deals)]]
    shuffled += [e for q in queues for e in q]
    if unknown:
        shuffled.insert(len(shuffled) // 2, ["nobody", T0.isoformat(), "created", "qualify"])
    _write(folder / "opps.csv", OPP_HEADER, rows)
    _write(folder / "events.csv", EVENT_HEADER, shuffled)
    _write(folder / "leads.csv", LEAD_HEADER, [["L1", "x", "website"], ["L2", "y", "fair"]])
    (folder / "rates.json").write_text(json.dumps(RATES), encoding="utf-8")
    (folder / "calendar.json").write_text(json.dumps(CALENDAR), encoding="utf-8")
    return [str(folder / name) for name in ("opps.csv", "events.csv", "leads.csv")]


OPTIONS = [
    ("funnel",),
    ("funnel", "--events"),
    ("funnel", "--events", "--leads", "--work-calendar", "CAL"),
    ("funnel", "--leads", "--currency", "IRR", "--rates", "RATES", "--calendar", "jalali"),
    ("forecast", "--events"),
    ("forecast", "--events", "--by", "none", "--currency", "IRR", "--rates", "RATES"),
]


@settings(max_examples=40, deadline=None)
@given(
    deals=st.lists(_deal(), max_size=12),
    order=st.lists(st.integers(0, 40), max_size=40),
    data=st.data(),
)
def test_chunked_output_equals_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory,
    deals: list[Any],
    order: list[int],
    data: st.DataObject,
) -> None:
    unknown = data.draw(st.integers(0, 9)) == 0  # now and then a change for no deal
    size = data.draw(st.integers(1, 7))
    run = data.draw(st.sampled_from([None, 10, 30]))
    fmt = data.draw(st.sampled_from(["json", "csv", "table"]))
    options = data.draw(st.sampled_from(OPTIONS))
    folder = tmp_path_factory.mktemp("chunks")
    opps, events, leads = _files(folder, deals, order, unknown)
    names = {
        "--events": ["--events", events],
        "--leads": ["--leads", leads],
        "RATES": [str(folder / "rates.json")],
        "CAL": [str(folder / "calendar.json")],
    }
    argv = ["sales", options[0], opps, "--as-of", "2026-03-20", "--format", fmt]
    for option in options[1:]:
        argv += names.get(option, [option])
    with _chunk_rows(None):
        whole = _whole_file_run(argv)
    with _chunk_rows(size), pytest.MonkeyPatch.context() as patch:
        if run is not None:  # sorted runs of 1 or 3 deals: the join merges many runs
            patch.setattr(_io, "RUN_ROWS", run)
        chunked = _run(*argv)
    assert chunked == whole


def test_hand_checked_funnel_from_events_in_any_order(tmp_path: Path) -> None:
    # o1: created 2026-01-03 in qualify, develop on the 13th, won on the 23rd (Tehran dates);
    # o2: created 2026-01-05, lost in qualify on the 9th. Events interleaved, one row a chunk.
    won = ["o1", "deal", "ali", "close", "won", "100", "500", "IRR", "", "400", "IRR"]
    won += ["2026-01-23", "", "", "2026-01-03T09:00:00+03:30", "website", ""]
    lost = ["o2", "deal", "ali", "qualify", "lost", "0", "300", "IRR", "", "", ""]
    lost += ["2026-01-09", "Rival", "price", "2026-01-05T09:00:00+03:30", "website", ""]
    _write(tmp_path / "opps.csv", OPP_HEADER, [lost, won])
    _write(
        tmp_path / "events.csv",
        EVENT_HEADER,
        [
            ["o1", "2026-01-03T09:00:00+03:30", "created", "qualify"],
            ["o2", "2026-01-05T09:00:00+03:30", "created", "qualify"],
            ["o1", "2026-01-13T09:00:00+03:30", "stage_changed", "develop"],
            ["o2", "2026-01-09T09:00:00+03:30", "lost", "qualify"],
            ["o1", "2026-01-23T09:00:00+03:30", "won", "close"],
        ],
    )
    with _chunk_rows(1):
        code, out, _ = _run(
            "sales",
            "funnel",
            str(tmp_path / "opps.csv"),
            "--events",
            str(tmp_path / "events.csv"),
            "--as-of",
            "2026-02-01",
        )
    assert code == 0
    rows = {(r["section"], r["key"]): r for r in json.loads(out)["rows"]}
    # win rate 1 / (1 + 1); by value 400 / (400 + 300) = 0.5714
    assert rows[("headline", "win_rate")]["value"] == "0.5000"
    assert rows[("headline", "win_rate_by_value")]["value"] == "0.5714"
    # o1 in qualify 3rd → 13th (10 days), o2 in qualify 5th → 9th (4 days): mean 7
    assert rows[("time_in_stage", "qualify")]["value"] == "7.00"
    # o1 in develop 13th → 23rd: 10 days; cycle created 3rd → won 23rd: 20 days
    assert rows[("time_in_stage", "develop")]["value"] == "10.00"
    assert rows[("time_in_stage", "cycle")]["value"] == "20.00"
    assert rows[("lost_competitor", "Rival")]["count"] == 1


@pytest.mark.parametrize("command", ["funnel", "forecast"])
def test_a_refused_row_in_a_later_chunk_writes_nothing(tmp_path: Path, command: str) -> None:
    deal = ["", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"]
    deal += ["", "", "", "", "", "2026-01-03T09:00:00+03:30", "", ""]
    rows = [[f"o{i}", *deal[1:]] for i in range(4)]
    _write(tmp_path / "opps.csv", OPP_HEADER, rows)
    # o3's history goes back in time: refused when o3 (the last chunk) is attached
    _write(
        tmp_path / "events.csv",
        EVENT_HEADER,
        [
            ["o3", "2026-01-05T09:00:00+03:30", "created", "qualify"],
            ["o0", "2026-01-05T09:00:00+03:30", "created", "qualify"],
            ["o3", "2026-01-04T09:00:00+03:30", "stage_changed", "develop"],
        ],
    )
    target = tmp_path / "out.json"
    target.write_text("previous\n", encoding="utf-8")
    argv = ["sales", command, str(tmp_path / "opps.csv"), "--as-of", "2026-03-01"]
    argv += ["--events", str(tmp_path / "events.csv")]
    with _chunk_rows(1):
        code, out, err = _run(*argv, "-o", str(target))
        assert _run(*argv)[1] == ""
    assert code == 1
    assert "stage_history[1].at" in err
    assert "Traceback" not in err
    assert out == ""
    assert target.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv", "opps.csv", "out.json"]


def test_an_unknown_id_names_the_first_such_row_of_the_events_file(tmp_path: Path) -> None:
    deal = ["o1", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"]
    _write(tmp_path / "opps.csv", OPP_HEADER, [deal + [""] * 8])
    # rows 0-2 of the events: "zz" (row 1) sorts after "aa" (row 2) but comes first in the file
    _write(
        tmp_path / "events.csv",
        EVENT_HEADER,
        [
            ["o1", "2026-01-05T09:00:00+03:30", "created", "qualify"],
            ["zz", "2026-01-05T09:00:00+03:30", "created", "qualify"],
            ["aa", "2026-01-05T09:00:00+03:30", "created", "qualify"],
        ],
    )
    argv = ["sales", "funnel", str(tmp_path / "opps.csv"), "--as-of", "2026-03-01"]
    with _chunk_rows(1):
        code, _, err = _run(*argv, "--events", str(tmp_path / "events.csv"))
    assert code == 1
    assert "changes[1].opportunity_id: got 'zz'" in err


def test_a_refused_event_row_in_a_later_chunk_names_its_row(tmp_path: Path) -> None:
    deal = ["o1", "deal", "sara", "qualify", "open", "10", "100", "IRR", "2026-04-05"]
    _write(tmp_path / "opps.csv", OPP_HEADER, [deal + [""] * 8])
    rows = [["o1", "2026-01-05T09:00:00+03:30", "created", "qualify"]] * 3
    rows.append(["o1", "2026-01-06T09:00:00+03:30", "bogus", "qualify"])  # file row 5
    _write(tmp_path / "events.csv", EVENT_HEADER, rows)
    target = tmp_path / "out.csv"
    argv = ["sales", "funnel", str(tmp_path / "opps.csv"), "--as-of", "2026-03-01"]
    argv += ["--events", str(tmp_path / "events.csv"), "-o", str(target)]
    with _chunk_rows(2):
        chunked = _run(*argv)
    whole = _whole_file_run(argv)
    assert chunked == whole
    assert chunked[0] == 1
    assert "bogus" in chunked[2]
    assert not target.exists()
