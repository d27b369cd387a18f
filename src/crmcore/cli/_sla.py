"""The ``crmcore calendar`` and ``crmcore sla`` subcommands (private).

JSON in, JSON out (CSV for batches). Datetimes are ISO 8601 with an offset,
durations ISO 8601 (``PT8H``) or ``--hours``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from crmcore.cli._common import CliError, Subparsers
from crmcore.cli._io import (
    CsvTable,
    RowSink,
    add_io,
    emit,
    expected,
    moment,
    normalize,
    number,
    read_json,
    work_calendar_path,
)

if TYPE_CHECKING:
    import cattrs

    from crmcore.calendars import BusinessCalendar
    from crmcore.sla import SlaEvaluation

T = TypeVar("T")


def calendar_from_json(data: Any, conv: cattrs.Converter | None = None) -> BusinessCalendar:
    """A calendar from JSON: a preset ``{"preset": "iran", "thursday": "half"}``,
    ``{"preset": "24x7", "timezone": ...}``, ``{"preset": "country", "country": "US",
    "timezone": ...}`` (see :func:`crmcore.calendars.calendar_preset`), or a full
    ``BusinessCalendar`` object."""
    from crmcore.calendars import BusinessCalendar, calendar_preset  # noqa: PLC0415
    from crmcore.serialization import make_converter  # noqa: PLC0415

    if isinstance(data, Mapping) and "preset" in data:
        options = {str(k): v for k, v in data.items() if k != "preset"}
        return calendar_preset(data["preset"], **options)
    result: BusinessCalendar = (conv or make_converter()).structure(data, BusinessCalendar)
    return result


def _calendar(args: argparse.Namespace, conv: cattrs.Converter) -> BusinessCalendar:
    from crmcore.calendars import calendar_preset  # noqa: PLC0415  (engines load on demand)

    path = args.work_calendar or work_calendar_path(args)
    if path:
        return calendar_from_json(read_json(path), conv)
    if args.preset == "iran":
        return calendar_preset("iran", thursday=args.thursday)
    if args.preset == "24x7":
        return calendar_preset("24x7", timezone=args.timezone or "UTC")
    if args.country:
        if not args.timezone:
            raise CliError("--country needs --timezone")
        return calendar_preset("country", country=args.country, timezone=args.timezone)
    raise CliError("give --preset, --country or --work-calendar FILE")


def _duration(conv: cattrs.Converter, text: str) -> timedelta:
    from crmcore.errors import ValidationError  # noqa: PLC0415

    try:
        result: timedelta = conv.structure(normalize(text), timedelta)
    except ValidationError as err:
        raise CliError(
            f"--duration: got {text!r}; expected {expected(err, 'an ISO 8601 duration such as PT8H')}",
            code=1,
        ) from None
    return result


def _calendar_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", choices=("iran", "24x7"), help="a ready-made calendar")
    parser.add_argument(
        "--thursday", choices=("off", "half", "full"), default="off", help="iran: Thursday"
    )
    parser.add_argument("--country", help="public holidays of this ISO country code")
    parser.add_argument("--timezone", help="IANA zone for --country or 24x7")
    parser.add_argument("--work-calendar", help="a business calendar JSON file")
    parser.add_argument(
        "--calendar",
        default="gregorian",
        help="gregorian or jalali: the calendar of dates read and written "
        "(a JSON file here is read as --work-calendar, for compatibility)",
    )
    parser.add_argument(
        "--input", help="CSV batch ('-' for stdin): columns start,duration (or start,end)"
    )


def _records(
    rows: list[dict[str, str]], kind: type[T], columns: tuple[str, ...], *, start: int = 2
) -> list[T]:
    """CSV rows as ``kind`` records, read from ``columns`` (the others are passed through);
    ``start``: the first row's line number (the header is line 1)."""
    from crmcore.serialization import from_rows  # noqa: PLC0415  (engines load on demand)

    cells = ({c: row.get(c) for c in columns} for row in rows)
    return list(from_rows(cells, kind, start=start))


def _batch(
    args: argparse.Namespace,
    kind: type[T],
    columns: tuple[str, ...],
    engine: Callable[[list[T]], Sequence[object]],
    name: str,
) -> int:
    """A ``--input`` batch a chunk of rows at a time: each row with ``name`` added."""
    _batch_format(args)
    done = 0
    with CsvTable(args.input) as table, RowSink(args) as sink:
        for chunk in table:
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            found = engine(_records(rows, kind, columns, start=done + 2))
            sink.write([{**row, name: value} for row, value in zip(rows, found, strict=True)])
            done += len(rows)
        return sink.finish()


def _converter() -> cattrs.Converter:
    from crmcore.serialization import make_converter  # noqa: PLC0415  (engines load on demand)

    return make_converter()


def _jalali(value: datetime) -> str:
    from crmcore.calendars import format_jalali  # noqa: PLC0415  (engines load on demand)

    return format_jalali(value.date())


def run_add(args: argparse.Namespace) -> int:
    """``crmcore calendar add``."""
    from crmcore.calendars import DeadlineQuery, deadlines  # noqa: PLC0415

    conv = _converter()
    cal = _calendar(args, conv)
    if args.input:
        return _batch(
            args, DeadlineQuery, ("start", "duration"), partial(deadlines, cal), "deadline"
        )
    if not args.start:
        raise CliError("give --start (or --input)")
    if (args.duration is None) == (args.hours is None):
        raise CliError("give exactly one of --duration and --hours")
    duration = _duration(conv, args.duration) if args.duration else timedelta(hours=args.hours)
    deadline = cal.add(moment(args.start, "--start"), duration)
    document = {"deadline": deadline, "deadline_jalali": _jalali(deadline), "calendar": cal.name}
    return emit(args, document)


def _batch_format(args: argparse.Namespace) -> None:
    """A batch (``--input``) is written as CSV unless ``--format`` says otherwise."""
    if args.format_given is None:
        args.format = "csv"


def run_between(args: argparse.Namespace) -> int:
    """``crmcore calendar between``."""
    from crmcore.calendars import IntervalQuery, business_times  # noqa: PLC0415

    conv = _converter()
    cal = _calendar(args, conv)
    if args.input:

        def seconds(queries: list[IntervalQuery]) -> list[int | float]:
            return [_seconds(span) for span in business_times(cal, queries)]

        return _batch(args, IntervalQuery, ("start", "end"), seconds, "business_seconds")
    if not (args.start and args.end):
        raise CliError("give --start and --end (or --input)")
    span = cal.between(moment(args.start, "--start"), moment(args.end, "--end"))
    return emit(args, {"business_seconds": _seconds(span), "calendar": cal.name})


def _seconds(span: timedelta) -> int | float:
    micro = span // timedelta(microseconds=1)
    return micro // 1_000_000 if micro % 1_000_000 == 0 else micro / 1_000_000


def _evaluation_json(result: SlaEvaluation, conv: cattrs.Converter) -> dict[str, Any]:
    data: dict[str, Any] = conv.unstructure(result)
    for kpi, raw in zip(result.kpis, data["kpis"], strict=True):
        for name in ("warning_at", "breach_at", "completed_at"):
            value = getattr(kpi, name)
            raw[f"{name}_jalali"] = None if value is None else _jalali(value)
    return data


def run_evaluate(args: argparse.Namespace) -> int:
    """``crmcore sla evaluate``."""
    from crmcore.models import Account, Case  # noqa: PLC0415  (engines load on demand)
    from crmcore.sla import Entitlement, SlaPolicy, evaluate  # noqa: PLC0415

    conv = _converter()
    spec = read_json(args.policies)
    if isinstance(spec, list):
        spec = {"policies": spec}
    if not isinstance(spec, Mapping) or "policies" not in spec:
        raise CliError(f"{args.policies}: expected a list of policies or an object with 'policies'")
    policies = conv.structure(spec["policies"], tuple[SlaPolicy, ...])
    entitlements = conv.structure(spec.get("entitlements", []), tuple[Entitlement, ...])
    calendars = {
        name: calendar_from_json(value, conv) for name, value in spec.get("calendars", {}).items()
    }
    case = conv.structure(read_json(args.history), Case)
    account = conv.structure(read_json(args.account), Account) if args.account else None
    now = moment(args.now, "--now")
    result = evaluate(
        case, policies, now=now, calendars=calendars, account=account, entitlements=entitlements
    )
    data = _evaluation_json(result, conv)
    return emit(args, data, [{"case_id": data.get("case_id"), **k} for k in data["kpis"]])


def register(subparsers: Subparsers) -> None:
    """Add the ``calendar`` and ``sla`` subcommands to the ``crmcore`` parser."""
    calendar = subparsers.add_parser("calendar", help="business-time arithmetic")
    commands = calendar.add_subparsers(dest="calendar_command", metavar="COMMAND")
    add = commands.add_parser("add", help="deadline = start + business duration")
    _calendar_options(add)
    add.add_argument("--start", help="ISO 8601 datetime with offset")
    add.add_argument("--duration", help="ISO 8601 duration, e.g. PT8H")
    add.add_argument("--hours", type=number, help="business hours (alternative to --duration)")
    add_io(
        add,
        example="crmcore calendar add --preset iran --start 2025-04-30T09:00:00+03:30 --hours 5",
        calendar=False,
    )
    add.set_defaults(handler=run_add)
    between = commands.add_parser("between", help="business time from start to end")
    _calendar_options(between)
    between.add_argument("--start", help="ISO 8601 datetime with offset")
    between.add_argument("--end", help="ISO 8601 datetime with offset")
    add_io(
        between,
        example="crmcore calendar between --preset 24x7 --input spans.csv --format table",
        calendar=False,
    )
    between.set_defaults(handler=run_between)

    sla = subparsers.add_parser("sla", help="SLA evaluation")
    sla_commands = sla.add_subparsers(dest="sla_command", metavar="COMMAND")
    ev = sla_commands.add_parser("evaluate", help="KPI instances of a case at --now")
    ev.add_argument("--policies", required=True, help="JSON: policies (+ calendars, entitlements)")
    ev.add_argument("--history", required=True, help="JSON: the case with its events")
    ev.add_argument("--account", help="JSON: the case's account (for tier conditions)")
    ev.add_argument("--now", required=True, help="ISO 8601 datetime with offset")
    add_io(
        ev,
        example="crmcore sla evaluate --policies policies.json --history case.json "
        "--now 2025-05-01T12:00:00+03:30 --format csv",
    )
    ev.set_defaults(handler=run_evaluate)
