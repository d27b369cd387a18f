"""The ``crmcore service`` subcommands (private).

``csat``, ``nps``, ``csi`` and ``contact-centre`` read CSV rows
(:func:`crmcore.serialization.from_rows`); ``staffing`` reads arguments or a
forecast CSV; ``queue`` and ``bill`` read one JSON document. Output is JSON
(default), CSV or a table (``--format``). Columns: ``docs/service.md``.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crmcore.cli._common import CliError, Subparsers
from crmcore.cli._io import (
    CsvTable,
    add_io,
    emit,
    integer,
    moment,
    number,
    read_csv,
    read_json,
    work_calendar_path,
)
from crmcore.cli._progress import chunks, progress_option
from crmcore.cli._sla import calendar_from_json

if TYPE_CHECKING:
    from crmcore.service import RatingScale


def _ints(rows: Iterable[dict[str, Any]], names: Sequence[str]) -> None:
    """Integer columns parsed in place (CSV cells are text)."""
    for row in rows:
        for name in names:
            cell = (row.get(name) or "").strip()
            # at most 18 digits: a longer "integer" stays text and is refused as one
            if cell.lstrip("-").isdigit() and len(cell) <= 19:
                row[name] = int(cell)


def _emit(args: argparse.Namespace, rows: list[dict[str, Any]]) -> int:
    return emit(args, rows)


def _plain(result: object, skip: Iterable[str] = ("steps", "settings")) -> dict[str, Any]:
    import attrs  # noqa: PLC0415  (kept off the start-up path)

    data = attrs.asdict(result, recurse=False)  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key not in skip:
            out[key] = _jsonable(value)
    return out


def _jsonable(value: object) -> object:
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, tuple):
        return "; ".join(map(str, value))
    return value


def _seconds(value: float, field: str) -> timedelta:
    """A duration from a number of seconds given on the command line."""
    from crmcore.errors import ValidationError  # noqa: PLC0415

    if not math.isfinite(value) or abs(value) > 10**9:
        raise ValidationError(
            obj="service", field=field, value=value, expected="a finite number of seconds"
        )
    return timedelta(seconds=value)


def _field(conv: Any, data: Mapping[str, Any], key: str, cl: Any, default: Any = None) -> Any:
    """``data[key]`` structured as ``cl``; an error names the key."""
    from crmcore.errors import ValidationError  # noqa: PLC0415

    try:
        return conv.structure(data.get(key, default), cl)
    except ValidationError as err:
        problems = "; ".join(e.message for e in err.errors) or err.message
        raise ValidationError(
            f"input.{key}: {problems}", obj="input", field=key, errors=err.errors
        ) from None


def _number(text: str, field: str) -> float:
    from crmcore.errors import ValidationError  # noqa: PLC0415

    try:
        return float(text)
    except ValueError:
        raise ValidationError(
            obj="forecast", field=field, value=text, expected="a number"
        ) from None


def _scale(args: argparse.Namespace) -> RatingScale | None:
    from crmcore.service import RatingScale  # noqa: PLC0415  (engines load on demand)

    if args.scale is None:
        return None
    low, _, high = args.scale.partition("-")
    if not (low.isdigit() and high.isdigit()):
        raise CliError(f"--scale: expected LOW-HIGH such as 1-5, got {args.scale!r}")
    return RatingScale(int(low), int(high), args.satisfied_from)


def run_summary(args: argparse.Namespace) -> int:
    """``crmcore service csat|nps|ces``."""
    from crmcore.serialization import from_rows  # noqa: PLC0415  (engines load on demand)
    from crmcore.service import SurveyResponse, SurveyTally  # noqa: PLC0415

    tally = SurveyTally(
        metric=args.metric, by=args.by, period=args.period, jalali=args.jalali or args.calendar == "jalali",
        scale=_scale(args), confidence=args.confidence,
    )  # fmt: skip
    done = 0
    with CsvTable(args.input) as table:  # a chunk of rows at a time: memory stays bounded
        for chunk in chunks(table, args.progress):
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            _ints(rows, ("score",))
            tally.add(from_rows(rows, SurveyResponse, start=done + 2))
            done += len(rows)
    return _emit(args, [{"group": k, **_plain(r)} for k, r in tally.result().items()])


def _surveyed(path: str, add: Any, progress: str) -> None:
    """Feed the survey CSV at ``path`` to ``add`` a chunk of rows at a time."""
    from crmcore.serialization import from_rows  # noqa: PLC0415  (engines load on demand)
    from crmcore.service import SurveyResponse  # noqa: PLC0415

    done = 0
    with CsvTable(path) as table:
        for chunk in chunks(table, progress):
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            _ints(rows, ("score",))
            add(from_rows(rows, SurveyResponse, start=done + 2))
            done += len(rows)


def run_csi(args: argparse.Namespace) -> int:
    """``crmcore service csi``."""
    from crmcore.errors import CrmError  # noqa: PLC0415
    from crmcore.service import CsiTally, RatingScale  # noqa: PLC0415

    refused: Exception | None = None
    try:
        tally = CsiTally(scale=_scale(args) or RatingScale())
    except (CliError, CrmError) as err:  # reported after the files are read, as it always was
        tally, refused = CsiTally(), err
    _surveyed(args.input, tally.add, args.progress)  # two integers per criterion are kept
    if args.importance:
        tally.add_importance(())  # given, even with no rows (csi then refuses it)
        _surveyed(args.importance, tally.add_importance, args.progress)
    weights = read_json(args.weights) if args.weights else None
    if weights is not None and not isinstance(weights, Mapping):
        raise CliError(f"{args.weights}: expected a JSON object criterion -> weight")
    if refused is not None:
        raise refused
    result = tally.result(weights)
    criteria = [_plain(c) for c in result.criteria]
    document = {"index": result.index, "weights_from": result.weights_from,
                "criteria": criteria, "explain": list(result.explain())}  # fmt: skip
    return emit(args, document, criteria)


def run_contact_centre(args: argparse.Namespace) -> int:
    """``crmcore service contact-centre``."""
    from crmcore.errors import CrmError  # noqa: PLC0415
    from crmcore.serialization import from_rows  # noqa: PLC0415  (engines load on demand)
    from crmcore.service import ContactCentreTally, InteractionEvent  # noqa: PLC0415

    refused: CrmError | None = None
    try:
        tally = ContactCentreTally(
            by=args.by, answer_within=_seconds(args.answer_within, "answer_within"),
            abandon_treatment=args.abandon_treatment,
            short_abandon=_seconds(args.short_abandon, "short_abandon"),
            percentile=args.percentile, interval=timedelta(minutes=args.interval),
            timezone=args.timezone, fcr_days=args.fcr_days,
        )  # fmt: skip
    except CrmError as err:  # reported after the rows and the log are read, as it always was
        tally, refused = ContactCentreTally(), err
    done = 0
    with CsvTable(args.input) as table:  # a chunk of rows at a time: only open calls are kept
        for chunk in chunks(table, args.progress):
            rows = (dict(zip(table.names, row, strict=True)) for row in chunk)
            tally.add(from_rows(rows, InteractionEvent, start=done + 2))
            done += len(chunk)
    result = tally.result()
    if refused is not None:
        raise refused
    return _emit(args, [_plain(m) for m in result])


def run_staffing(args: argparse.Namespace) -> int:
    """``crmcore service staffing``."""
    from crmcore.service import required_agents, staffing_plan  # noqa: PLC0415

    asa_only = args.asa is not None and args.service_level is None
    targets: dict[str, Any] = {
        "interval": timedelta(minutes=args.interval),
        "aht": _seconds(args.aht, "aht"),
        "service_level": None
        if asa_only
        else (0.8 if args.service_level is None else args.service_level),
        "answer_within": _seconds(args.answer_within, "answer_within"),
        "asa": None if args.asa is None else _seconds(args.asa, "asa"),
        "shrinkage": args.shrinkage,
        "max_occupancy": args.max_occupancy,
    }
    if args.input is None:
        if args.calls is None:
            raise CliError("give --calls N or --input forecast.csv")
        return _emit(args, [_plain(required_agents(args.calls, **targets))])
    forecast: dict[datetime, float] = {}
    for index, row in enumerate(read_csv(args.input), start=2):
        if "start" not in row or "calls" not in row:
            raise CliError(f"{args.input}: row {index} needs columns start,calls")
        forecast[moment(row["start"], f"{args.input} row {index}.start")] = _number(
            row["calls"], f"row {index}.calls"
        )
    path = args.work_calendar or work_calendar_path(args)
    calendar = calendar_from_json(read_json(path)) if path else None
    plan = staffing_plan(forecast, calendar=calendar, **targets)
    rows = []
    for item in plan:
        staff = _plain(item.staffing) if item.staffing else dict.fromkeys(_staffing_columns())
        staff.update(calls=item.calls, agents=staff["agents"] or 0, scheduled=item.scheduled)
        rows.append(
            {
                "start": item.start,
                "open_seconds": item.open_time.total_seconds(),
                **staff,
            }
        )
    return _emit(args, rows)


def _staffing_columns() -> tuple[str, ...]:
    import attrs  # noqa: PLC0415  (kept off the start-up path)

    from crmcore.service import Staffing  # noqa: PLC0415  (engines load on demand)

    return tuple(f.name for f in attrs.fields(Staffing) if f.name != "steps")


def run_queue(args: argparse.Namespace) -> int:
    """``crmcore service queue``."""
    from crmcore.models import Case  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import make_converter  # noqa: PLC0415
    from crmcore.service import CustomerValue, QueuePolicy, rank_open_cases  # noqa: PLC0415
    from crmcore.sla import Entitlement, SlaPolicy  # noqa: PLC0415

    data = read_json(args.input)
    if not isinstance(data, Mapping):
        raise CliError(f"{args.input}: expected a JSON object")
    conv = make_converter()
    ranked = rank_open_cases(
        _field(conv, data, "cases", list[Case], []),
        _field(conv, data, "policies", list[SlaPolicy], []),
        now=_field(conv, data, "now", datetime),
        calendars={
            k: calendar_from_json(v, conv) for k, v in (data.get("calendars") or {}).items()
        },
        entitlements=_field(conv, data, "entitlements", list[Entitlement], []),
        policy=_field(conv, data, "queue_policy", QueuePolicy, {}),
        values=_field(conv, data, "values", dict[str, CustomerValue], {}),
    )
    rows = [{**_plain(r, skip=("steps",)), "explain": " | ".join(r.explain())} for r in ranked]
    return _emit(args, rows)


def run_bill(args: argparse.Namespace) -> int:
    """``crmcore service bill``."""
    from crmcore.models import Case  # noqa: PLC0415  (engines load on demand)
    from crmcore.pricing import Catalog, PriceList  # noqa: PLC0415
    from crmcore.serialization import make_converter  # noqa: PLC0415
    from crmcore.service import BillingTerms, TimeEntry, bill_support  # noqa: PLC0415
    from crmcore.sla import Entitlement  # noqa: PLC0415

    data = read_json(args.input)
    if not isinstance(data, Mapping):
        raise CliError(f"{args.input}: expected a JSON object")
    conv = make_converter()
    result = bill_support(
        _field(conv, data, "cases", list[Case], []),
        _field(conv, data, "entries", list[TimeEntry], []),
        entitlements=_field(conv, data, "entitlements", list[Entitlement], []),
        terms=_field(conv, data, "terms", BillingTerms),
        catalog=_field(conv, data, "catalog", Catalog),
        price_list=_field(conv, data, "price_list", PriceList),
        run_id=_field(conv, data, "run_id", str),
        now=_field(conv, data, "now", datetime),
    )
    lines = [{**_plain(x, skip=("steps", "entries")), "amount": str(x.amount.amount),
              "currency": x.amount.currency} for x in result.lines]  # fmt: skip
    return emit(args, {
        "run_id": result.run_id, "lines": lines,
        "invoices": [{"id": i.document.id, "total": str(i.total_amount.amount), "currency": i.currency}
                     for i in result.invoices],
        "entries": conv.unstructure(list(result.entries)), "explain": list(result.explain()),
    }, lines)  # fmt: skip


_EXAMPLES = {
    "csat": "crmcore service csat --input survey.csv --by agent --calendar jalali --format table",
    "nps": "crmcore service nps --input survey.csv --by period --period quarter",
    "ces": "crmcore service ces --input survey.csv --format csv -o ces.csv",
    "csi": "crmcore service csi --input criteria.csv --weights weights.json",
    "contact-centre": "crmcore service contact-centre --input calls.csv --by queue "
    "--column at=timestamp",
    "staffing": "crmcore service staffing --calls 120 --aht 240 --service-level 0.8",
    "queue": "crmcore service queue --input queue.json --format table",
    "bill": "crmcore service bill --input billing.json --format csv",
}


def _format(parser: argparse.ArgumentParser, name: str, *, calendar: bool = True) -> None:
    add_io(parser, example=_EXAMPLES[name], calendar=calendar)


def _survey(commands: Any, name: str, help_text: str) -> None:
    parser = commands.add_parser(name, help=help_text)
    parser.add_argument(
        "--input", required=True, help="CSV: score,at[,agent,team,channel,case_id,...]"
    )
    parser.add_argument(
        "--by", choices=("agent", "team", "channel", "account", "criterion", "period")
    )
    parser.add_argument("--period", choices=("day", "month", "quarter", "year"), default="month")
    parser.add_argument("--jalali", action="store_true", help="Jalali periods")
    parser.add_argument("--scale", help="LOW-HIGH, e.g. 1-5 (default: the metric's own)")
    parser.add_argument("--satisfied-from", type=integer, help="CSAT: lowest satisfied answer")
    parser.add_argument("--confidence", type=number, default=0.95)
    progress_option(parser)
    _format(parser, name)
    parser.set_defaults(handler=run_summary, metric=name)


def register(subparsers: Subparsers) -> None:
    """Add ``crmcore service ...``."""
    service = subparsers.add_parser(
        "service", help="satisfaction, contact centre, staffing, queue, billing"
    )
    commands = service.add_subparsers(dest="service_command", metavar="COMMAND")
    _survey(commands, "csat", "CSAT with a Wilson interval, per group")
    _survey(commands, "nps", "NPS with its standard error, per group")
    _survey(commands, "ces", "customer effort score, per group")
    index = commands.add_parser("csi", help="customer satisfaction index over weighted criteria")
    index.add_argument("--input", required=True, help="CSV: criterion,score,at")
    index.add_argument("--weights", help="JSON: criterion -> weight")
    index.add_argument("--importance", help="CSV: criterion,score,at importance ratings")
    index.add_argument("--scale", help="LOW-HIGH (default 1-5)")
    index.add_argument("--satisfied-from", type=integer)
    progress_option(index)
    _format(index, "csi")
    index.set_defaults(handler=run_csi)
    cc = commands.add_parser("contact-centre", help="service level, ASA, abandons, AHT, FCR")
    cc.add_argument(
        "--input", required=True, help="CSV event log: interaction_id,kind,at,queue,agent,..."
    )
    cc.add_argument(
        "--by", choices=("all", "queue", "agent", "channel", "day", "interval"), default="all"
    )
    cc.add_argument("--answer-within", type=number, default=20.0, help="seconds (T)")
    cc.add_argument("--short-abandon", type=number, default=0.0, help="seconds")
    cc.add_argument(
        "--abandon-treatment",
        choices=("failed", "ignored", "excluded_within_threshold"),
        default="failed",
    )
    cc.add_argument("--percentile", type=number, default=0.9)
    cc.add_argument("--interval", type=integer, choices=(15, 30, 60), default=30, help="minutes")
    cc.add_argument("--timezone", default="UTC")
    cc.add_argument("--fcr-days", type=integer, help="first-contact resolution window (days)")
    progress_option(cc)
    _format(cc, "contact-centre")
    cc.set_defaults(handler=run_contact_centre)
    staff = commands.add_parser("staffing", help="Erlang C agents for a target")
    staff.add_argument("--calls", type=number, help="calls in one interval")
    staff.add_argument("--input", help="CSV forecast: start,calls")
    staff.add_argument("--work-calendar", help='calendar JSON (e.g. {"preset": "iran"})')
    staff.add_argument(
        "--calendar",
        default="gregorian",
        help="gregorian or jalali: dates read and written (a JSON file: --work-calendar)",
    )
    staff.add_argument("--interval", type=integer, default=30, help="minutes")
    staff.add_argument("--aht", type=number, required=True, help="average handle time, seconds")
    staff.add_argument("--service-level", type=number)
    staff.add_argument("--answer-within", type=number, default=20.0, help="seconds")
    staff.add_argument("--asa", type=number, help="target average speed of answer, seconds")
    staff.add_argument("--shrinkage", type=number, default=0.0)
    staff.add_argument("--max-occupancy", type=number, default=1.0)
    _format(staff, "staffing", calendar=False)
    staff.set_defaults(handler=run_staffing)
    queue = commands.add_parser("queue", help="rank open cases by breach risk, value, priority")
    queue.add_argument(
        "--input", required=True, help="JSON: cases, policies, calendars, values, queue_policy, now"
    )
    _format(queue, "queue")
    queue.set_defaults(handler=run_queue)
    bill = commands.add_parser("bill", help="invoice support beyond the contract")
    bill.add_argument(
        "--input", required=True, help="JSON: cases, entries, entitlements, terms, catalog, ..."
    )
    _format(bill, "bill")
    bill.set_defaults(handler=run_bill)
