"""The ``crmcore calendar`` and ``crmcore sla`` subcommands (private).

JSON in, JSON out (CSV for batches). Datetimes are ISO 8601 with an offset,
durations ISO 8601 (``PT8H``) or ``--hours``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeVar

import cattrs

from crmcore.calendars import (
    BusinessCalendar,
    DeadlineQuery,
    IntervalQuery,
    business_times,
    calendar_preset,
    deadlines,
    format_jalali,
)
from crmcore.cli._common import CliError, Subparsers, read_csv, read_json, write_csv, write_json
from crmcore.errors import ValidationError
from crmcore.models import Account, Case
from crmcore.serialization import from_rows, make_converter
from crmcore.sla import Entitlement, SlaEvaluation, SlaPolicy, evaluate

T = TypeVar("T")


def calendar_from_json(data: Any, conv: cattrs.Converter | None = None) -> BusinessCalendar:
    """A calendar from JSON: a preset ``{"preset": "iran", "thursday": "half"}``,
    ``{"preset": "24x7", "timezone": ...}``, ``{"preset": "country", "country": "US",
    "timezone": ...}`` (see :func:`crmcore.calendars.calendar_preset`), or a full
    ``BusinessCalendar`` object."""
    if isinstance(data, Mapping) and "preset" in data:
        options = {str(k): v for k, v in data.items() if k != "preset"}
        return calendar_preset(data["preset"], **options)
    result: BusinessCalendar = (conv or make_converter()).structure(data, BusinessCalendar)
    return result


def _calendar(args: argparse.Namespace, conv: cattrs.Converter) -> BusinessCalendar:
    if args.calendar:
        return calendar_from_json(read_json(args.calendar), conv)
    if args.preset == "iran":
        return calendar_preset("iran", thursday=args.thursday)
    if args.preset == "24x7":
        return calendar_preset("24x7", timezone=args.timezone or "UTC")
    if args.country:
        if not args.timezone:
            raise CliError("--country needs --timezone")
        return calendar_preset("country", country=args.country, timezone=args.timezone)
    raise CliError("give --preset, --country or --calendar")


def _expected(err: ValidationError, fallback: str) -> str:
    """What the converter expected: its own words, or those of its single bad field."""
    return err.expected or next((e.expected for e in err.errors if e.expected), fallback)


def _moment(conv: cattrs.Converter, text: str, field: str) -> datetime:
    try:
        result: datetime = conv.structure(text, datetime)
    except ValidationError as err:
        raise ValidationError(
            obj="calendar", field=field, value=text, expected=_expected(err, "ISO 8601")
        ) from None
    return result


def _duration(conv: cattrs.Converter, text: str) -> timedelta:
    try:
        result: timedelta = conv.structure(text, timedelta)
    except ValidationError as err:
        raise ValidationError(
            obj="calendar",
            field="duration",
            value=text,
            expected=_expected(err, "an ISO 8601 duration such as PT8H"),
        ) from None
    return result


def _with_jalali(moment: datetime) -> dict[str, str]:
    return {"iso": moment.isoformat(), "jalali": format_jalali(moment.date())}


def _calendar_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", choices=("iran", "24x7"), help="a ready-made calendar")
    parser.add_argument(
        "--thursday", choices=("off", "half", "full"), default="off", help="iran: Thursday"
    )
    parser.add_argument("--country", help="public holidays of this ISO country code")
    parser.add_argument("--timezone", help="IANA zone for --country or 24x7")
    parser.add_argument("--calendar", help="a calendar JSON file")
    parser.add_argument("--input", help="CSV batch: columns start,duration (or start,end)")


def _records(rows: list[dict[str, str]], kind: type[T], columns: tuple[str, ...]) -> list[T]:
    """CSV rows as ``kind`` records, read from ``columns`` (the others are passed through)."""
    return list(from_rows(({c: row.get(c) for c in columns} for row in rows), kind))


def run_add(args: argparse.Namespace) -> int:
    """``crmcore calendar add``."""
    conv = make_converter()
    cal = _calendar(args, conv)
    if args.input:
        rows = read_csv(args.input)
        found = deadlines(cal, _records(rows, DeadlineQuery, ("start", "duration")))
        out = [{**row, "deadline": d.isoformat()} for row, d in zip(rows, found, strict=True)]
        write_csv(out, [*(rows[0].keys() if rows else ("start", "duration")), "deadline"])
        return 0
    if not args.start:
        raise CliError("give --start (or --input)")
    if (args.duration is None) == (args.hours is None):
        raise CliError("give exactly one of --duration and --hours")
    duration = (
        _duration(conv, args.duration) if args.duration else timedelta(hours=float(args.hours))
    )
    deadline = cal.add(_moment(conv, args.start, "start"), duration)
    write_json(
        {
            "deadline": deadline.isoformat(),
            "deadline_jalali": format_jalali(deadline.date()),
            "calendar": cal.name,
        }
    )
    return 0


def run_between(args: argparse.Namespace) -> int:
    """``crmcore calendar between``."""
    conv = make_converter()
    cal = _calendar(args, conv)
    if args.input:
        rows = read_csv(args.input)
        spans = business_times(cal, _records(rows, IntervalQuery, ("start", "end")))
        out = [{**row, "business_seconds": _seconds(s)} for row, s in zip(rows, spans, strict=True)]
        write_csv(out, [*(rows[0].keys() if rows else ("start", "end")), "business_seconds"])
        return 0
    if not (args.start and args.end):
        raise CliError("give --start and --end (or --input)")
    span = cal.between(_moment(conv, args.start, "start"), _moment(conv, args.end, "end"))
    write_json({"business_seconds": _seconds(span), "calendar": cal.name})
    return 0


def _seconds(span: timedelta) -> int | float:
    micro = span // timedelta(microseconds=1)
    return micro // 1_000_000 if micro % 1_000_000 == 0 else micro / 1_000_000


def _evaluation_json(result: SlaEvaluation, conv: cattrs.Converter) -> dict[str, Any]:
    data: dict[str, Any] = conv.unstructure(result)
    for kpi, raw in zip(result.kpis, data["kpis"], strict=True):
        for name in ("warning_at", "breach_at", "completed_at"):
            moment = getattr(kpi, name)
            raw[f"{name}_jalali"] = None if moment is None else format_jalali(moment.date())
    return data


def run_evaluate(args: argparse.Namespace) -> int:
    """``crmcore sla evaluate``."""
    conv = make_converter()
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
    now = _moment(conv, args.now, "now")
    result = evaluate(
        case, policies, now=now, calendars=calendars, account=account, entitlements=entitlements
    )
    write_json(_evaluation_json(result, conv))
    return 0


def register(subparsers: Subparsers) -> None:
    """Add the ``calendar`` and ``sla`` subcommands to the ``crmcore`` parser."""
    calendar = subparsers.add_parser("calendar", help="business-time arithmetic")
    commands = calendar.add_subparsers(dest="calendar_command", metavar="COMMAND")
    add = commands.add_parser("add", help="deadline = start + business duration")
    _calendar_options(add)
    add.add_argument("--start", help="ISO 8601 datetime with offset")
    add.add_argument("--duration", help="ISO 8601 duration, e.g. PT8H")
    add.add_argument("--hours", help="business hours (alternative to --duration)")
    add.set_defaults(handler=run_add)
    between = commands.add_parser("between", help="business time from start to end")
    _calendar_options(between)
    between.add_argument("--start")
    between.add_argument("--end")
    between.set_defaults(handler=run_between)

    sla = subparsers.add_parser("sla", help="SLA evaluation")
    sla_commands = sla.add_subparsers(dest="sla_command", metavar="COMMAND")
    ev = sla_commands.add_parser("evaluate", help="KPI instances of a case at --now")
    ev.add_argument("--policies", required=True, help="JSON: policies (+ calendars, entitlements)")
    ev.add_argument("--history", required=True, help="JSON: the case with its events")
    ev.add_argument("--account", help="JSON: the case's account (for tier conditions)")
    ev.add_argument("--now", required=True, help="ISO 8601 datetime with offset")
    ev.set_defaults(handler=run_evaluate)
