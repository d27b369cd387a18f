"""The ``crmcore calendar`` and ``crmcore sla`` subcommands (private).

JSON in, JSON out (CSV for batches). Datetimes are ISO 8601 with an offset,
durations ISO 8601 (``PT8H``) or ``--hours``.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

import cattrs

from crmcore.calendars import (
    BusinessCalendar,
    format_jalali,
    from_country,
    iran,
)
from crmcore.cli._common import CliError, Subparsers, read_csv, read_json, write_csv, write_json
from crmcore.errors import ValidationError
from crmcore.models import Account, AccountId, Case, CaseId, CaseStatus
from crmcore.serialization import make_converter
from crmcore.sla import Entitlement, SlaEvaluation, SlaPolicy, SlaTarget, evaluate


def calendar_from_json(data: Any, conv: cattrs.Converter | None = None) -> BusinessCalendar:
    """A calendar from JSON: a preset ``{"preset": "iran", "thursday": "half"}``,
    ``{"preset": "24x7", "timezone": ...}``, ``{"preset": "country", "country": "US",
    "timezone": ...}``, or a full ``BusinessCalendar`` object."""
    conv = conv or make_converter()
    if isinstance(data, Mapping) and "preset" in data:
        options = {k: v for k, v in data.items() if k != "preset"}
        return _preset(str(data["preset"]), options)
    result: BusinessCalendar = conv.structure(data, BusinessCalendar)
    return result


def _preset(name: str, options: Mapping[str, Any]) -> BusinessCalendar:
    try:
        if name == "iran":
            return iran(**options)
        if name == "24x7":
            return BusinessCalendar.always(options.get("timezone", "UTC"))
        if name == "country":
            return from_country(**options)
    except TypeError as err:
        raise CliError(f"calendar preset {name!r}: {err}") from None
    raise CliError(f"unknown calendar preset {name!r}: expected iran, 24x7 or country")


def _calendar(args: argparse.Namespace, conv: cattrs.Converter) -> BusinessCalendar:
    if args.calendar:
        return calendar_from_json(read_json(args.calendar), conv)
    if args.preset == "iran":
        return iran(thursday=args.thursday)
    if args.preset == "24x7":
        return BusinessCalendar.always(args.timezone or "UTC")
    if args.country:
        if not args.timezone:
            raise CliError("--country needs --timezone")
        return from_country(args.country, timezone=args.timezone)
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


def run_add(args: argparse.Namespace) -> int:
    """``crmcore calendar add``."""
    conv = make_converter()
    cal = _calendar(args, conv)
    if args.input:
        rows = read_csv(args.input)
        out = []
        for index, row in enumerate(rows):
            if "start" not in row or "duration" not in row:
                raise CliError(f"{args.input}: row {index + 1} needs columns start,duration")
            start = _moment(conv, row["start"], f"rows[{index}].start")
            deadline = cal.add(start, _duration(conv, row["duration"]))
            out.append({**row, "deadline": deadline.isoformat()})
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
        out = []
        for index, row in enumerate(rows):
            if "start" not in row or "end" not in row:
                raise CliError(f"{args.input}: row {index + 1} needs columns start,end")
            span = cal.between(
                _moment(conv, row["start"], f"rows[{index}].start"),
                _moment(conv, row["end"], f"rows[{index}].end"),
            )
            out.append({**row, "business_seconds": _seconds(span)})
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


def demo_section() -> dict[str, Any]:
    """An Iranian case opened before Nowruz, paused while waiting for the customer.

    Calendar: Saturday-Wednesday 08:00-16:00, Thursday half day (08:00-12:00),
    Friday off, Iranian holidays. The deadlines are shown in Jalali and Gregorian.
    """
    cal = iran(thursday="half")
    tz = cal.timezone
    hours = timedelta(hours=1)
    policy = SlaPolicy(
        "iran-standard",
        [
            SlaTarget("first_response", "first_response", 4 * hours),
            SlaTarget("resolution", "resolution", 30 * hours),
        ],
        calendar="iran",
    )
    # Wednesday 22 Esfand 1403 (2025-03-12) 14:00.
    case = Case.open(
        id=CaseId("IR-1403-118"),
        title="Invoice printer offline",
        account_id=AccountId("tehran-steel"),
        created_at=datetime(2025, 3, 12, 14, tzinfo=tz),
    )
    case = case.respond(datetime(2025, 3, 12, 15, tzinfo=tz))
    case = case.change_status(CaseStatus.WAITING_FOR_CUSTOMER, datetime(2025, 3, 13, 9, tzinfo=tz))
    case = case.change_status(CaseStatus.IN_PROGRESS, datetime(2025, 3, 16, 11, tzinfo=tz))
    now = datetime(2025, 3, 16, 12, tzinfo=tz)
    result = evaluate(case, [policy], now=now, calendars={"iran": cal})
    lines = [
        f"Case {case.id}: created {format_jalali(case.created_at.date())} "
        f"({case.created_at.isoformat()}), Thursday half day, Nowruz ahead",
    ]
    data = []
    for kpi in result.kpis:
        breach = kpi.breach_at
        lines.append(
            f"  {kpi.name}: {kpi.state.value}; elapsed {kpi.elapsed}, paused {kpi.paused}; "
            + (
                f"deadline {format_jalali(breach.date())} {breach:%H:%M} ({breach.isoformat()})"
                if breach
                else f"met at {kpi.completed_at.isoformat() if kpi.completed_at else '-'}"
            )
        )
        data.append(
            {
                "kpi": kpi.name,
                "state": kpi.state.value,
                "elapsed_seconds": int(kpi.elapsed.total_seconds()),
                "paused_seconds": int(kpi.paused.total_seconds()),
                "deadline": breach.isoformat() if breach else None,
                "deadline_jalali": format_jalali(breach.date()) if breach else None,
            }
        )
    closed = [
        cal.describe_day(d)
        for d in sorted(cal.holidays_between(date(2025, 3, 13), date(2025, 3, 25)))
    ]
    lines.append("  closed days on the way: " + "; ".join(closed))
    return {"title": "SLA on an Iranian business calendar", "text": "\n".join(lines), "data": data}
