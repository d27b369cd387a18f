"""The ``crmcore report`` subcommand: one self-contained HTML page per input (private).

- ``report roi PLAN.json``: the plan's ROI report (plan format of ``roi plan``).
- ``report clv SUMMARY.csv``: columns ``customer_id,frequency,recency,age[,monetary_value]``
  (or the lifetimes names ``ID,x,t_x,T[,zbar]``).
- ``report scoring SCORED.csv``: columns ``won`` (1/0, true/false) and ``probability``.
- ``report sla EVALUATIONS.json``: a list of what ``crmcore sla evaluate`` prints.

``report clv`` and ``report scoring`` read their CSV a chunk at a time
(``--progress``): the scoring page gets the outcomes as an ``array('b')`` and
the probabilities as an ``array('d')``, the CLV page is made by
:class:`crmcore.report.ClvReportTally` from compact columns. ``roi`` and
``sla`` read their one JSON document whole.

``-o report.html`` writes through a temporary file renamed into place, so a
failed run never leaves half a page; ``-`` (the default) is standard output.
"""

from __future__ import annotations

import argparse
from array import array
from collections.abc import Mapping
from typing import Any

from crmcore.cli._common import CliError, Subparsers, check_output, output
from crmcore.cli._io import CsvTable, add_io, integer, number, read_json
from crmcore.cli._progress import Progress, chunks, progress_option
from crmcore.cli._roi import plan_from_json

__all__ = ["register"]

_LIFETIMES_COLUMNS = {
    "ID": "customer_id",
    "x": "frequency",
    "t_x": "recency",
    "T": "age",
    "zbar": "monetary_value",
}


_INPUTS = {"roi": "plan.json", "clv": "summary.csv", "scoring": "scored.csv", "sla": "evals.json"}


def register(subparsers: Subparsers) -> None:
    """Add ``report roi|clv|scoring|sla`` to the ``crmcore`` parser."""
    report = subparsers.add_parser(
        "report",
        help="one self-contained HTML report page (charts as SVG beside tables)",
        description="Write one self-contained HTML page. Example: crmcore report roi plan.json "
        "-o roi.html --locale fa_IR",
    )
    commands = report.add_subparsers(dest="report_command", metavar="REPORT", required=True)
    for name, help_text, handler in (
        ("roi", "ROI report of a plan JSON file (format of `crmcore roi plan`)", _roi),
        ("clv", "CLV report of a customer summary CSV", _clv),
        ("scoring", "evaluation of scored leads (CSV with won,probability)", _scoring),
        ("sla", "SLA compliance of evaluations (JSON list from `crmcore sla evaluate`)", _sla),
    ):
        p = commands.add_parser(name, help=help_text, description=help_text)
        p.add_argument("input", help="input file, or - for standard input")
        add_io(
            p,
            example=f"crmcore report {name} {_INPUTS[name]} -o {name}.html --locale fa_IR",
            formats=("html",),
            default="html",
        )
        p.add_argument(
            "--locale",
            default="en_US",
            help="en_US (default) or fa_IR for a Persian, right-to-left page",
        )
        p.set_defaults(handler=handler)
        _options(name, p)


def _options(name: str, p: argparse.ArgumentParser) -> None:
    if name in ("clv", "scoring"):
        progress_option(p)
    if name == "clv":
        p.add_argument("--currency", default="USD", help="currency of the spend (default USD)")
        p.add_argument("--horizon", type=integer, default=12, help="discounting steps (default 12)")
        p.add_argument("--step", type=number, default=1.0, help="time units per step (default 1)")
        p.add_argument("--discount-rate", default="0", help="discount rate per step (default 0)")
        p.add_argument("--margin", default="1", help="profit margin on spend (default 1)")
        p.add_argument("--top", type=integer, default=20, help="customers listed (default 20)")
    elif name == "scoring":
        p.add_argument("--bins", type=integer, default=10, help="calibration bins (default 10)")
    elif name == "sla":
        p.add_argument("--grain", choices=["day", "month", "jalali_month"], default="month")
        p.add_argument("--kpi", help="only the KPIs of this name (e.g. resolve)")


def _write(args: argparse.Namespace, html: str) -> int:
    with output(args.output) as out:
        out.write(html)
    return 0


def _check_paths(args: argparse.Namespace) -> None:
    check_output(args.output, "-o", {"input": args.input})


def _roi(args: argparse.Namespace) -> int:
    _check_paths(args)
    from crmcore.report import roi_report_page  # noqa: PLC0415  (engines load on demand)

    report = plan_from_json(read_json(args.input)).report()
    return _write(args, roi_report_page(report, locale=args.locale))


def _cell(path: str, line: int, text: str, column: str, kind: type[Any]) -> Any:
    text = text.strip()
    try:
        if kind is bool:
            return _TRUTH[text.lower()]
        return kind(text)
    except (KeyError, ValueError):
        from crmcore.errors import ValidationError  # noqa: PLC0415  (engines load on demand)

        expected = {bool: "1/0, true/false or yes/no", int: "an integer", float: "a number"}[kind]
        raise ValidationError(
            obj=f"{path} row {line}", field=column, value=text, expected=expected
        ) from None


_TRUTH = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def _places(names: list[str], renamed: Mapping[str, str] | None = None) -> dict[str, int]:
    """Each column's place in a row (a renamed column read as its new name; the last wins)."""
    return {(renamed or {}).get(name, name): place for place, name in enumerate(names)}


def _clv(args: argparse.Namespace) -> int:
    from crmcore.clv import CustomerSummary  # noqa: PLC0415  (engines load on demand)
    from crmcore.report import ClvReportTally  # noqa: PLC0415

    _check_paths(args)
    path = args.input
    tally = ClvReportTally(
        currency=args.currency,
        horizon=args.horizon,
        step=args.step,
        discount_rate=args.discount_rate,
        margin=args.margin,
        top=args.top,
        locale=args.locale,
    )
    line = 1
    with CsvTable(path) as table:
        for chunk in chunks(table, args.progress):
            at = _places(table.names, _LIFETIMES_COLUMNS)
            if not {"customer_id", "frequency", "recency", "age"} <= at.keys():
                break
            spend = at.get("monetary_value")
            customers = []
            for cells in chunk:
                line += 1
                customers.append(
                    CustomerSummary(
                        cells[at["customer_id"]],
                        frequency=_cell(path, line, cells[at["frequency"]], "frequency", int),
                        recency=_cell(path, line, cells[at["recency"]], "recency", float),
                        age=_cell(path, line, cells[at["age"]], "age", float),
                        monetary_value=(cells[spend] if spend is not None else "") or "0",
                    )
                )
            tally.add(customers)
    if not len(tally):
        raise CliError(
            f"{path}: needs the columns customer_id,frequency,recency,age[,monetary_value] "
            "(or ID,x,t_x,T[,zbar]) and at least one row"
        )
    bar = Progress(len(tally), mode=args.progress, unit="customers")  # fitting and valuing
    try:
        page = tally.result(progress=bar.update)
    finally:
        bar.close()
    return _write(args, page)


def _scoring(args: argparse.Namespace) -> int:
    from crmcore.report import scoring_report_page  # noqa: PLC0415  (engines load on demand)

    _check_paths(args)
    path = args.input
    labels = array("b")  # 1 byte a lead
    probabilities = array("d")  # 8 bytes a lead
    line = 1
    with CsvTable(path) as table:
        for chunk in chunks(table, args.progress):
            at = _places(table.names)
            if not {"won", "probability"} <= at.keys():
                break
            won, probability = at["won"], at["probability"]
            for cells in chunk:
                line += 1
                labels.append(_cell(path, line, cells[won], "won", bool))
                probabilities.append(_cell(path, line, cells[probability], "probability", float))
    if not labels:
        raise CliError(
            f"{path}: needs a header with the columns won,probability and at least one row"
        )
    page = scoring_report_page(labels, probabilities, bins=args.bins, locale=args.locale)
    return _write(args, page)


def _plain(data: Any) -> Any:
    # `sla evaluate` adds *_jalali display fields and *_zone names beside each datetime:
    # not part of the type
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items() if not str(k).endswith(("_jalali", "_zone"))}
    if isinstance(data, list):
        return [_plain(item) for item in data]
    return data


def _sla(args: argparse.Namespace) -> int:
    from crmcore.report import sla_report_page  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_dict  # noqa: PLC0415
    from crmcore.sla import SlaEvaluation  # noqa: PLC0415

    _check_paths(args)
    data = read_json(args.input)
    items = data if isinstance(data, list) else [data]
    evaluations = from_dict(_plain(items), list[SlaEvaluation])
    page = sla_report_page(evaluations, grain=args.grain, kpi=args.kpi, locale=args.locale)
    return _write(args, page)
