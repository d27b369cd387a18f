"""The ``crmcore sales`` subcommands: forecast, funnel, targets, activity (private).

Each reads records (CSV through :func:`crmcore.serialization.from_rows`, or
a JSON list), calls one engine function of :mod:`crmcore.sales` and writes
JSON, CSV or a table. Column names: docs/sales.md.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import struct
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar, cast

from crmcore.cli import _io
from crmcore.cli._common import CliError, Subparsers, chunk_rows
from crmcore.cli._io import CsvTable, Runs, add_io, day, emit, moment, read_json
from crmcore.cli._io import read_records as read_any
from crmcore.cli._progress import Progress, chunks
from crmcore.cli._sla import calendar_from_json

if TYPE_CHECKING:
    from crmcore.calendars import BusinessCalendar, PeriodUnit
    from crmcore.models import Opportunity
    from crmcore.pricing import FixedRates
    from crmcore.sales import SalesTarget, TeamHierarchy

T = TypeVar("T")


def _unit(calendar: str, period: str) -> PeriodUnit:
    from crmcore.calendars import PeriodUnit  # noqa: PLC0415  (engines load on demand)

    return {
        ("gregorian", "month"): PeriodUnit.GREGORIAN_MONTH,
        ("gregorian", "quarter"): PeriodUnit.GREGORIAN_QUARTER,
        ("gregorian", "year"): PeriodUnit.GREGORIAN_YEAR,
        ("jalali", "month"): PeriodUnit.JALALI_MONTH,
        ("jalali", "quarter"): PeriodUnit.JALALI_SEASON,
        ("jalali", "year"): PeriodUnit.JALALI_YEAR,
    }[(calendar, period)]


def _int_fields(cl: type[Any]) -> frozenset[str]:
    import attrs  # noqa: PLC0415  (kept off the start-up path)

    hints = attrs.resolve_types(cl)
    return frozenset(a.name for a in attrs.fields(hints) if a.type in (int, int | None))


def _csv_rows(raw: list[dict[str, str]], cl: type[Any]) -> list[dict[str, str | None]]:
    """CSV rows with integer cells made ints (from_rows keeps every cell a string)."""
    ints = _int_fields(cl)
    rows: list[dict[str, Any]] = []
    for row in raw:
        out: dict[str, Any] = dict(row)
        for name in ints & out.keys():
            cell = out[name]
            if cell and cell.strip().lstrip("-").isdigit():
                out[name] = int(cell)
        rows.append(out)
    return rows


def read_records(path: str, cl: type[T]) -> list[T]:
    """Records from a CSV file (flat/dotted columns) or a JSON list (``-``: either)."""
    from crmcore.serialization import from_dict, from_rows  # noqa: PLC0415

    kind, data = read_any(path)
    if kind == "csv":
        return list(from_rows(_csv_rows(data, cl), cl))
    if not isinstance(data, list):
        raise CliError(f"{path}: expected a JSON list of records")
    return [from_dict(item, cl) for item in data]


def _targets(path: str) -> list[SalesTarget]:
    from crmcore.sales import SalesTarget  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_dict  # noqa: PLC0415

    kind, data = read_any(path)
    if kind == "json":
        if not isinstance(data, list):
            raise CliError(f"{path}: expected a JSON list of targets")
        return [from_dict(item, SalesTarget) for item in data]
    rows = []
    for row in data:
        cells: dict[str, Any] = {k: v for k, v in row.items() if k and v not in (None, "")}
        if "distribution" in cells:  # "30;30;40" in one cell
            cells["distribution"] = [p.strip() for p in str(cells["distribution"]).split(";")]
        rows.append(cells)
    return [from_dict(row, SalesTarget) for row in rows]


def _teams(path: str | None) -> TeamHierarchy | None:
    from crmcore.sales import TeamHierarchy  # noqa: PLC0415  (engines load on demand)

    return None if path is None else TeamHierarchy(read_json(path))


def _rates(path: str | None) -> FixedRates | None:
    from crmcore.pricing import FixedRates  # noqa: PLC0415  (engines load on demand)

    if path is None:
        return None
    data = read_json(path)
    if not isinstance(data, Mapping) or "base" not in data:
        raise CliError(f"{path}: expected {{'base': 'IRR', 'rates': {{'USD': '...'}}}}")
    return FixedRates(str(data["base"]), dict(data.get("rates", {})))


def _work_calendar(args: argparse.Namespace) -> BusinessCalendar:
    if args.work_calendar:
        return calendar_from_json(read_json(args.work_calendar))
    return calendar_from_json({"preset": "24x7", "timezone": "UTC"})


def _cell(value: object) -> object:
    from crmcore.money import Money  # noqa: PLC0415  (engines load on demand)

    if isinstance(value, Money):
        return str(value.amount)
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def _output(args: argparse.Namespace, rows: list[dict[str, Any]], explain: Sequence[str]) -> int:
    return emit(args, {"rows": rows, "explain": list(explain)}, rows)


def _flat(obj: object, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    import attrs  # noqa: PLC0415  (kept off the start-up path)

    return {
        a.name: _cell(getattr(obj, a.name))
        for a in attrs.fields(cast(Any, type(obj)))
        if a.name not in skip
    }


def _opportunities(args: argparse.Namespace) -> list[Opportunity]:
    from crmcore.models import Opportunity  # noqa: PLC0415  (engines load on demand)
    from crmcore.sales import StageChange, attach_stage_history  # noqa: PLC0415

    opps = read_records(args.opportunities, Opportunity)
    if getattr(args, "events", None):
        opps = list(attach_stage_history(opps, read_records(args.events, StageChange)))
    return opps


def run_forecast(args: argparse.Namespace) -> int:
    """``crmcore sales forecast``.

    An opportunities ``.csv`` file is read a chunk of rows at a time into a
    :class:`crmcore.sales.ForecastTally`: memory grows with the (period,
    group, category, probability, stage) cells, not with the opportunities;
    a ``.csv`` ``--events`` file is joined on as :func:`_deal_chunks` tells.
    JSON and standard input take the whole-file path.
    """
    from crmcore.sales import ForecastTally  # noqa: PLC0415  (engines load on demand)

    tally = ForecastTally(
        as_of=_as_of(args),
        unit=_unit(args.calendar, args.period),
        by=None if args.by == "none" else args.by,
        teams=_teams(args.teams),
        currency=args.currency,
        rates=_rates(args.rates),
    )
    for chunk in _deal_chunks(args):
        tally.add(chunk)
    result = tally.result()
    rows = [
        {"period": r.label, **_flat(r, ("period",)), "currency": result.currency}
        for r in result.rows
    ]
    return _output(args, rows, result.explain())


def _opportunity_type() -> type[Opportunity]:
    from crmcore.models import Opportunity  # noqa: PLC0415  (engines load on demand)

    return Opportunity


def _record_chunks(path: str, cl: type[T], progress: str) -> Iterator[list[T]]:
    """The records of a CSV file, a chunk at a time (a progress bar over the bytes read)."""
    for _, records in _numbered_chunks(path, cl, progress):
        yield records


def _numbered_chunks(path: str, cl: type[T], progress: str) -> Iterator[tuple[int, list[T]]]:
    """(place of the chunk's first record in the file, from 0; the chunk's records)."""
    from crmcore.serialization import from_rows  # noqa: PLC0415

    done = 0
    with CsvTable(path) as table:
        for rows in chunks(table, progress):
            raw = [dict(zip(table.names, row, strict=True)) for row in rows]
            yield done, list(from_rows(_csv_rows(raw, cl), cl, start=done + 2))
            done += len(rows)


def _chunks_or_whole(path: str, cl: type[T], progress: str) -> Iterator[list[T]]:
    """A ``.csv`` file a chunk at a time, anything else (JSON, ``-``) whole."""
    if path.endswith(".csv"):
        yield from _record_chunks(path, cl, progress)
    else:
        yield read_records(path, cl)


def _stream(path: str, cl: type[T], progress: str) -> Iterator[T]:
    """The records of a file one at a time (a ``.csv`` file read a chunk at a time)."""
    return itertools.chain.from_iterable(_chunks_or_whole(path, cl, progress))


def _deal_chunks(args: argparse.Namespace) -> Iterator[list[Opportunity]]:
    """The opportunities a chunk at a time, in file order, with their stage histories
    from ``--events`` attached; whole when either file is not a ``.csv`` file."""
    events = getattr(args, "events", None)
    if not args.opportunities.endswith(".csv") or (events and not events.endswith(".csv")):
        yield _opportunities(args)
    elif events:
        yield from _with_histories(args.opportunities, events, args.progress)
    else:
        yield from _record_chunks(args.opportunities, _opportunity_type(), args.progress)


_PLACE = struct.Struct("<QI")
"""An entry's head: the record's place in its file (from 0) and its pickle's length."""


def _spool(runs: Runs, place: int, records: list[Any], ids: list[str]) -> None:
    """Records to an external sort by id (ties in file order), each with its place."""
    dumps, protocol, head = pickle.dumps, pickle.HIGHEST_PROTOCOL, _PLACE.pack
    entries = []
    for n, record in enumerate(records):
        data = dumps(record, protocol)
        entries.append(head(place + n, len(data)) + data)
    runs.add([(0, i) for i in ids], entries)


def _with_histories(deals_path: str, events_path: str, progress: str) -> Iterator[list[Any]]:
    """Each deal of ``deals_path`` with its changes of ``events_path``, in bounded memory.

    Both files are parsed a chunk at a time (refusals as the whole-file path
    gives them, deals first) and spooled, pickled, to external sorts by
    opportunity id; a merge join then gives each deal its changes (in file
    order) and spools both by the deal's place, and the deals come back in
    file order, a chunk at a time, through
    :func:`crmcore.sales.attach_stage_history` (which refuses a change for an
    unknown id, the first in the file, and a deal whose history is invalid,
    with the whole-file path's messages). Memory: a sorted run of deals or
    changes, and one deal's changes.
    """
    from crmcore.sales import StageChange, attach_stage_history  # noqa: PLC0415

    run = max(1, _io.RUN_ROWS // 10)  # a pickled deal is ~1 KB: 10,000 per sorted run
    with (
        Runs(None, number=int, rows=run) as deals,
        Runs(None, number=int, rows=run) as changes,
        Runs(None, number=int, rows=run) as joined,
    ):
        for place, opps in _numbered_chunks(deals_path, _opportunity_type(), progress):
            _spool(deals, place, opps, [str(o.id) for o in opps])
        for place, rows in _numbered_chunks(events_path, StageChange, progress):
            _spool(changes, place, rows, [str(c.opportunity_id) for c in rows])
        unknown = _join(deals.items(), changes.items(), joined)
        deals.close()  # read: their temporary files go now
        changes.close()
        if unknown is not None:
            change = pickle.loads(unknown[1])  # noqa: S301 - our own temporary file
            attach_stage_history((), [change], start=unknown[0])  # refuses it
        yield from _attached(joined, progress)


def _attached(joined: Runs, progress: str) -> Iterator[list[Any]]:
    """The joined deals in file order, histories attached, a chunk at a time (a
    progress bar over the deals: the files were read already)."""
    from crmcore.sales import attach_stage_history  # noqa: PLC0415

    size, batch, done = chunk_rows(), [], 0
    bar = Progress(joined.count, mode=progress, unit="deals")
    try:
        for _, entry in joined.items():
            opp, *history = _unpickled(entry)
            batch.append(attach_stage_history([opp], history)[0] if history else opp)
            if len(batch) >= size:
                yield batch
                done += len(batch)
                bar.update(done)
                batch = []
        if batch:
            yield batch
    finally:
        bar.close()


def _unpickled(entry: bytes) -> list[Any]:
    """The records of an entry of :data:`_PLACE`-headed pickles."""
    out, at, loads, head = [], 0, pickle.loads, _PLACE.unpack_from
    while at < len(entry):
        size = head(entry, at)[1]
        at += _PLACE.size
        out.append(loads(entry[at : at + size]))  # our own temporary file
        at += size
    return out


def _text_key(item: tuple[Any, bytes]) -> str:
    return str(item[0][1])


def _join(
    deals: Iterable[tuple[Any, bytes]], changes: Iterable[tuple[Any, bytes]], joined: Runs
) -> tuple[int, bytes] | None:
    """Merge-join deals and changes sorted by id into ``joined`` by the deal's place (an
    entry: the deal's and then its changes' pickles, as spooled); the place and pickle of
    the first change in the file whose id no deal has, if any. Nothing is unpickled."""
    unknown: tuple[int, bytes] | None = None
    groups = itertools.groupby(changes, key=_text_key)
    pending = next(groups, None)
    for opp_id, group in itertools.groupby(deals, key=_text_key):
        history = b""
        while pending is not None and pending[0] <= opp_id:
            entries = [entry for _, entry in pending[1]]
            if pending[0] == opp_id:
                history = b"".join(entries)
            else:
                unknown = _earliest(unknown, entries[0])
            pending = next(groups, None)
        for _, entry in group:
            joined.add([(_PLACE.unpack_from(entry)[0], "")], [entry + history])
    while pending is not None:
        unknown = _earliest(unknown, next(iter(pending[1]))[1])
        pending = next(groups, None)
    return unknown


def _earliest(unknown: tuple[int, bytes] | None, entry: bytes) -> tuple[int, bytes]:
    """``unknown`` or the change in ``entry``, whichever comes first in its file."""
    place = _PLACE.unpack_from(entry)[0]
    if unknown is not None and unknown[0] < place:
        return unknown
    return place, entry[_PLACE.size :]


def run_funnel(args: argparse.Namespace) -> int:
    """``crmcore sales funnel``.

    ``.csv`` files are read a chunk of rows at a time into a
    :class:`crmcore.sales.FunnelTally` (leads, then deals with their stage
    histories from ``--events``, joined as :func:`_deal_chunks` tells): no
    deal is held once counted. JSON and standard input are read whole.
    """
    from crmcore.models import Lead  # noqa: PLC0415  (engines load on demand)
    from crmcore.sales import FunnelTally  # noqa: PLC0415

    tally = FunnelTally(
        as_of=_as_of(args),
        calendar=_work_calendar(args) if args.work_calendar else None,
        currency=args.currency,
        rates=_rates(args.rates),
    )
    for leads in _chunks_or_whole(args.leads, Lead, args.progress) if args.leads else ():
        tally.add_leads(leads)
    for chunk in _deal_chunks(args):
        tally.add(chunk)
    result = tally.result()
    rows: list[dict[str, Any]] = [
        {"section": "stage", "key": s.stage.value, "count": s.count, "value": _cell(s.value)}
        for s in result.stages
    ]
    rows += [
        {
            "section": "conversion",
            "key": f"{c.stage}->{c.next_stage}",
            "count": c.advanced,
            "value": _cell(c.rate),
        }
        for c in result.conversions
    ]
    rows += [
        {"section": "time_in_stage", "key": d.stage, "count": d.stays, "value": _cell(d.mean_days)}
        for d in (*result.time_in_stage, result.cycle)
    ]
    rows += [
        {"section": "lost_competitor", "key": x.key, "count": x.count, "value": _cell(x.value)}
        for x in result.lost_by_competitor
    ]
    rows += [
        {"section": "source", "key": s.source, "count": s.won, "value": _cell(s.opportunity_to_won)}
        for s in result.by_source
    ]
    rows += [
        {"section": "headline", "key": k, "count": "", "value": _cell(v)}
        for k, v in (
            ("win_rate", result.win_rate),
            ("win_rate_by_value", result.win_rate_by_value),
            ("average_deal_size", result.average_deal_size),
            ("velocity_per_day", result.velocity),
            ("velocity_per_business_day", result.velocity_per_business_day),
        )
    ]
    return _output(args, rows, result.explain())


def run_targets(args: argparse.Namespace) -> int:
    """``crmcore sales targets``.

    An opportunities ``.csv`` file is read a chunk of rows at a time into a
    :class:`crmcore.sales.TargetTally` (memory grows with the targets' spans
    and the accounts, not the deals); a ``--activities`` ``.csv`` file is read
    a chunk at a time too, counted per owner, day and kind. JSON, standard
    input, the targets and ``--splits`` are read whole.
    """
    from crmcore.models import Activity  # noqa: PLC0415  (engines load on demand)
    from crmcore.sales import TargetTally  # noqa: PLC0415

    tally = TargetTally(
        _targets(args.targets),
        teams=_teams(args.teams),
        splits=read_json(args.splits) if args.splits else None,
        rates=_rates(args.rates),
    )
    if args.opportunities and args.opportunities.endswith(".csv"):
        for chunk in _record_chunks(args.opportunities, _opportunity_type(), args.progress):
            tally.add(chunk)
    elif args.opportunities:
        tally.add(_opportunities(args))
    activities = _stream(args.activities, Activity, args.progress) if args.activities else ()
    result = tally.result(activities=activities)
    rows = [_flat(r) for r in result.rows]
    return _output(args, rows, result.explain())


def run_activity(args: argparse.Namespace) -> int:
    """``crmcore sales activity``.

    An activities ``.csv`` file is read a chunk of rows at a time into a
    :class:`crmcore.sales.ProductivityTally` (memory grows with the (owner,
    period) cells and the leads touched, not the activities); ``.csv`` files of
    ``--leads`` and ``--opportunities`` are read a chunk at a time too (each
    lead and deal counted, not held).
    """
    from crmcore.models import Activity, Lead, Opportunity  # noqa: PLC0415
    from crmcore.sales import ProductivityTally  # noqa: PLC0415  (engines load on demand)

    tally = ProductivityTally(
        now=moment(args.now, "--now"),
        calendar=_work_calendar(args),
        unit=_unit(args.calendar, args.period),
    )
    if args.activities.endswith(".csv"):
        for chunk in _record_chunks(args.activities, Activity, args.progress):
            tally.add(chunk)
    else:
        tally.add(read_records(args.activities, Activity))
    result = tally.result(
        leads=_stream(args.leads, Lead, args.progress) if args.leads else (),
        opportunities=(
            _stream(args.opportunities, Opportunity, args.progress) if args.opportunities else ()
        ),
    )
    return _output(args, [_flat(r) for r in result.rows], result.explain())


def _as_of(args: argparse.Namespace) -> date:
    found = day(args.as_of, "--as-of")
    assert found is not None  # noqa: S101 - a required option
    return found


_EXAMPLES = {
    "forecast": "crmcore sales forecast opps.csv --as-of 1405-02-15 --calendar jalali "
    "--period quarter --format table",
    "funnel": "crmcore sales funnel opps.csv --as-of 2026-05-05 --events events.csv",
    "targets": "crmcore sales targets targets.csv --opportunities opps.csv --format csv",
    "activity": "crmcore sales activity activities.csv --now 2026-05-05T17:00:00+03:30",
}


def _common(parser: argparse.ArgumentParser, *, periods: bool = True) -> None:
    parser.add_argument("--currency", help="reporting currency (default: the first amount's)")
    parser.add_argument("--rates", help='exchange rates JSON: {"base": "IRR", "rates": {...}}')
    parser.add_argument("--teams", help='team hierarchy JSON: {"member": "team", ...}')
    if periods:
        parser.add_argument("--period", choices=("month", "quarter", "year"), default="month")
        parser.add_argument(
            "--calendar",
            choices=("gregorian", "jalali"),
            default="gregorian",
            help="calendar of dates read and written and of the periods "
            "(jalali quarters are seasons; Jalali dates and Persian digits accepted)",
        )


def register(subparsers: Subparsers) -> None:
    """Add ``crmcore sales ...``."""
    sales = subparsers.add_parser("sales", help="forecast, funnel, targets, activity")
    sub = sales.add_subparsers(dest="sales_command", metavar="SUBCOMMAND", required=True)
    commands: list[tuple[str, str, Callable[[argparse.Namespace], int]]] = [
        ("forecast", "open, weighted and category figures per period and group", run_forecast),
        ("funnel", "stages, conversion, win rate, cycle and velocity as of a date", run_funnel),
        ("targets", "target vs actual per owner, team and sub-period", run_targets),
        ("activity", "productivity from activities per owner and period", run_activity),
    ]
    for name, text, handler in commands:
        parser = sub.add_parser(name, help=text, description=text)
        parser.set_defaults(handler=handler)
        _common(parser, periods=name in ("forecast", "activity"))
        add_io(parser, example=_EXAMPLES[name], calendar=name not in ("forecast", "activity"))
        if name in ("forecast", "funnel"):
            parser.add_argument("opportunities", help="opportunities CSV or JSON")
            parser.add_argument("--as-of", required=True, help="cut-off date YYYY-MM-DD")
            parser.add_argument("--events", help="stage events CSV or JSON")
        if name == "forecast":
            parser.add_argument("--by", default="owner", help="owner, team, a field or none")
        if name in ("forecast", "funnel", "activity", "targets"):
            parser.add_argument(
                "--progress",
                choices=("auto", "always", "never"),
                default="auto",
                help="progress bar on stderr for runs over a second (auto: only on a terminal)",
            )
        if name == "funnel":
            parser.add_argument("--leads", help="leads CSV or JSON (conversion by source)")
        if name == "targets":
            parser.add_argument("targets", help="targets CSV or JSON")
            parser.add_argument("--opportunities", help="opportunities CSV or JSON")
            parser.add_argument("--activities", help="activities CSV or JSON")
            parser.add_argument("--splits", help='split credit JSON: {"opp id": {"owner": pct}}')
        if name == "activity":
            parser.add_argument("activities", help="activities CSV or JSON")
            parser.add_argument("--now", required=True, help="ISO 8601 time with an offset")
            parser.add_argument("--leads", help="leads CSV or JSON (speed to lead)")
            parser.add_argument("--opportunities", help="opportunities (activities per won deal)")
        if name in ("funnel", "activity"):
            parser.add_argument("--work-calendar", help="business calendar JSON (see calendar)")
