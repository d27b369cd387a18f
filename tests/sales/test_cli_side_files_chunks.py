"""``sales activity --leads/--opportunities`` and ``sales targets --activities`` read those
CSV files a chunk at a time (each record counted, none held): byte for byte the whole-file
output; the engines read them once, one at a time."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar
from crmcore.cli import _sales
from crmcore.errors import ValidationError
from crmcore.models import Lead, LeadId, UserId
from crmcore.sales import ProductivityTally, SalesTarget, TargetTally
from tests.sales.test_cli_chunks import _chunk_rows, _run
from tests.sales.test_productivity_tally import HEADER as ACT_HEADER
from tests.sales.test_productivity_tally import _activity

EXAMPLES = Path(__file__).parents[2] / "examples"
NOW = datetime(2026, 4, 16, 12, 0, tzinfo=UTC)
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LEAD_HEADER = ["id", "last_name", "owner", "created_at", "source"]
OPP_HEADER = ["id", "name", "owner", "stage", "status", "actual_revenue.amount"]
OPP_HEADER += ["actual_revenue.currency", "actual_close_date"]


def _write(path: Path, header: list[str], rows: list[list[str]]) -> str:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


def _whole(argv: list[str]) -> tuple[int, str, str]:
    """The command with every side file read whole first, as before."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sales, "_stream", lambda path, cl, _: iter(_sales.read_records(path, cl)))
        return _run(*argv)


LEADS = st.lists(
    st.tuples(
        st.sampled_from(["L1", "L2", "L3", "L4"]),
        st.sampled_from(["sara", "ali", ""]),
        st.integers(0, 60 * 24 * 90),
    ).map(lambda t: [t[0], "x", t[1], (T0 + timedelta(minutes=t[2])).isoformat(), "website"]),
    max_size=8,
)
DEALS = st.lists(
    st.tuples(st.sampled_from(["sara", "ali", ""]), st.booleans(), st.integers(0, 100)).map(
        lambda t: (
            ["", "deal", t[0], "close" if t[1] else "qualify", "won" if t[1] else "open"]
            + (
                [str(t[2]), "IRR", (T0 + timedelta(days=t[2])).date().isoformat()]
                if t[1]
                else [""] * 3
            )
        )
    ),
    max_size=8,
)


@settings(max_examples=30, deadline=None)
@given(
    acts=st.lists(_activity(), max_size=10),
    leads=LEADS,
    deals=DEALS,
    data=st.data(),
)
def test_activity_side_files_in_chunks_equal_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory,
    acts: list[list[str]],
    leads: list[list[str]],
    deals: list[list[str]],
    data: st.DataObject,
) -> None:
    size = data.draw(st.integers(1, 7))
    fmt = data.draw(st.sampled_from(["json", "csv"]))
    folder = tmp_path_factory.mktemp("activity")
    argv = [
        "sales",
        "activity",
        _write(folder / "a.csv", ACT_HEADER, [[f"a{i}", *r[1:]] for i, r in enumerate(acts)]),
        "--now",
        NOW.isoformat(),
        "--format",
        fmt,
        "--leads",
        _write(folder / "l.csv", LEAD_HEADER, leads),
        "--opportunities",
        _write(folder / "o.csv", OPP_HEADER, [[f"o{i}", *r[1:]] for i, r in enumerate(deals)]),
    ]
    with _chunk_rows(None):
        whole = _whole(argv)
    with _chunk_rows(size):
        assert _run(*argv) == whole
    assert whole[0] == 0


@settings(max_examples=30, deadline=None)
@given(acts=st.lists(_activity(), max_size=12), size=st.integers(1, 7))
def test_targets_activities_in_chunks_equal_the_whole_file(
    tmp_path_factory: pytest.TempPathFactory, acts: list[list[str]], size: int
) -> None:
    folder = tmp_path_factory.mktemp("targets")
    targets = folder / "t.csv"
    targets.write_text(
        "owner,metric,amount,start,end,sub_unit,activity_kind\n"
        "sara,activities,10,2026-01-01,2026-04-01,gregorian_month,\n"
        "ali,activities,4,2026-01-01,2026-04-01,gregorian_month,phone_call\n",
        encoding="utf-8",
    )
    rows = [[f"a{i}", *r[1:]] for i, r in enumerate(acts)]
    argv = ["sales", "targets", str(targets), "--format", "csv"]
    argv += ["--activities", _write(folder / "a.csv", ACT_HEADER, rows)]
    with _chunk_rows(None):
        whole = _whole(argv)
    with _chunk_rows(size):
        assert _run(*argv) == whole
    assert whole[0] == 0


def _once(items: list[Any]) -> Iterator[Any]:
    """A stream that can be read only once."""
    yield from items


def test_engines_read_a_stream_once_and_name_a_wrong_item_by_place() -> None:
    cal = BusinessCalendar.always("UTC")
    lead = Lead(id=LeadId("L1"), last_name="x", owner=UserId("sara"), created_at=T0)
    tally = ProductivityTally(now=NOW, calendar=cal)
    assert tally.result(leads=_once([lead])) == tally.result(leads=[lead])
    with pytest.raises(ValidationError, match=r"leads\[1\]"):
        tally.result(leads=_once([lead, "x"]))
    target = SalesTarget(
        owner="sara", metric="activities", amount=3, start=date(2026, 1, 1), end=date(2026, 2, 1)
    )
    with pytest.raises(ValidationError, match=r"activities\[0\]"):
        TargetTally([target]).result(activities=_once(["x"]))
