"""ProductivityTally and ``crmcore sales activity`` in chunks: parts merged, and chunked
CLI output, equal the whole."""

from __future__ import annotations

import csv
import itertools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ValidationError
from crmcore.models import Activity, ActivityId, ActivityKind, Lead, LeadId, RecordRef, UserId
from crmcore.sales import ProductivityTally, productivity
from tests.sales.test_cli_chunks import _chunk_rows, _run

CAL = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), name="office")
NOW = datetime(2026, 2, 16, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
HEADER = ["id", "kind", "subject", "owner", "due_at", "done_at", "status"]
HEADER += ["regarding.kind", "regarding.id"]


@st.composite
def _activity(draw: st.DrawFn) -> list[str]:
    """An activity as CSV cells: open, completed (early or late) or cancelled."""
    due = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    status = draw(st.sampled_from(["open", "completed", "completed", "cancelled"]))
    done = (
        due + timedelta(minutes=draw(st.integers(-3000, 6000))) if status == "completed" else None
    )
    lead = draw(st.sampled_from(["", "L1", "L2", "L3"]))
    return [
        "",
        draw(st.sampled_from(["phone_call", "email", "meeting", "task"])),
        "s",
        draw(st.sampled_from(["sara", "ali", ""])),
        "" if draw(st.booleans()) and status == "completed" else due.isoformat(),
        "" if done is None else done.isoformat(),
        status,
        "lead" if lead else "",
        lead,
    ]


def _activities(rows: list[list[str]]) -> list[Activity]:
    out = []
    for i, row in enumerate(rows):
        due = datetime.fromisoformat(row[4]) if row[4] else None
        act = Activity(
            id=ActivityId(f"a{i}"),
            kind=ActivityKind(row[1]),
            subject="s",
            owner=UserId(row[3]) if row[3] else None,
            due_at=due,
            regarding=RecordRef.to(LeadId(row[8])) if row[8] else None,
        )
        if row[6] == "completed":
            act = act.complete(datetime.fromisoformat(row[5]))
        elif row[6] == "cancelled":
            act = act.cancel()
        out.append(act)
    return out


LEADS = [
    Lead(id=LeadId(f"L{i}"), last_name="x", owner=UserId("sara"), created_at=T0 + timedelta(days=i))
    for i in (1, 2, 3)
]


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(_activity(), max_size=16), data=st.data())
def test_merged_parts_equal_the_whole(rows: list[list[str]], data: st.DataObject) -> None:
    acts = _activities(rows)
    cuts = data.draw(st.lists(st.integers(0, len(acts)), max_size=3).map(sorted))
    parts = []
    for low, high in itertools.pairwise([0, *cuts, len(acts)]):
        part = ProductivityTally(now=NOW, calendar=CAL, unit="jalali_month")
        part.add(acts[low:high])
        parts.append(part)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = productivity(acts, now=NOW, calendar=CAL, unit="jalali_month", leads=LEADS)
    assert merged.result(leads=LEADS) == whole


def test_merge_refuses_other_settings() -> None:
    tally = ProductivityTally(now=NOW, calendar=CAL)
    with pytest.raises(ValidationError, match="same now"):
        tally.merge(ProductivityTally(now=NOW, calendar=CAL, unit="jalali_month"))
    with pytest.raises(ValidationError, match="Activity"):
        tally.add(["call"])  # type: ignore[list-item]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows([[f"a{i}", *row[1:]] for i, row in enumerate(rows)])


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(_activity(), max_size=12),
    size=st.integers(1, 5),
    fmt=st.sampled_from(["json", "csv"]),
)
def test_chunked_activity_output_equals_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[str]], size: int, fmt: str
) -> None:
    folder = tmp_path_factory.mktemp("activity")
    data = folder / "acts.csv"
    _write(data, rows)
    calendar = folder / "cal.json"
    calendar.write_text(json.dumps({"preset": "24x7", "timezone": "Asia/Tehran"}), encoding="utf-8")
    argv = ["sales", "activity", str(data), "--now", NOW.isoformat(), "--format", fmt]
    argv += ["--work-calendar", str(calendar)]
    with _chunk_rows(None):
        whole = _run(*argv)
    with _chunk_rows(size):
        chunked = _run(*argv)
    assert chunked == whole
    assert whole[0] == 0


def test_a_refused_activity_in_a_later_chunk_writes_nothing(tmp_path: Path) -> None:
    good = ["", "phone_call", "s", "sara", "2026-01-05T10:00:00+00:00", "", "open", "", ""]
    bad = [*good[:4], "2026-01-05T10:00:00", *good[5:]]  # a due time without an offset
    data = tmp_path / "acts.csv"
    _write(data, [good, good, bad])
    target = tmp_path / "out.csv"
    with _chunk_rows(2):
        code, out, err = _run(
            "sales", "activity", str(data), "--now", NOW.isoformat(), "-o", str(target)
        )
    assert (code, out) == (1, "")
    assert "due_at" in err
    assert not target.exists()
