"""The ``crmcore roi`` subcommands (private).

- ``roi npv|irr|mirr|payback --flows -100,60,60``: periodic flows inline.
- ``roi xnpv|xirr --flows flows.csv``: dated flows, CSV columns ``date,amount``.
- ``roi plan plan.json``: a TCO/ROI plan → report as JSON or a table.
"""

from __future__ import annotations

import argparse
import re
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmcore.cli._common import CliError, Subparsers, table
from crmcore.cli._io import add_io, decimal_text, emit, read_csv, read_json

if TYPE_CHECKING:
    from crmcore.roi import RoiPlan, RoiReport

__all__ = ["register"]

# "-100,60,60" must read as a value, not as an unknown option.
_NEGATIVE_LIST = re.compile(r"^-[\d.,_ \-]+$")


_EXAMPLES = {
    "npv": "crmcore roi npv --rate 0.1 --flows -100,60,60",
    "irr": "crmcore roi irr --flows -100,60,60 --format table",
    "mirr": "crmcore roi mirr --flows -100,60,60 --finance-rate 0.1 --reinvest-rate 0.12",
    "payback": "crmcore roi payback --flows -100,60,60 --rate 0.1",
    "xnpv": "crmcore roi xnpv --rate 0.09 --flows flows.csv --calendar jalali",
    "xirr": "crmcore roi xirr --flows flows.csv --format csv -o xirr.csv",
    "plan": "crmcore roi plan plan.json --format table",
}


def _subparser(subparsers: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser._negative_number_matcher = _NEGATIVE_LIST
    add_io(parser, example=_EXAMPLES[name])
    return parser


def register(subparsers: Subparsers) -> None:
    """Add the ``roi`` commands to the ``crmcore`` parser."""
    roi = subparsers.add_parser("roi", help="cash flows (NPV, IRR, ...) and CRM ROI plans")
    roi_commands = roi.add_subparsers(dest="roi_command", metavar="COMMAND", required=True)

    p = _subparser(roi_commands, "npv", "net present value of periodic flows")
    p.add_argument(
        "--rate", required=True, type=decimal_text, help="discount rate per period, e.g. 0.1"
    )
    p.add_argument("--flows", required=True, help="comma-separated amounts, e.g. -100,60,60")
    p.add_argument(
        "--convention",
        choices=["t0", "t1"],
        default="t0",
        help="t0: first flow undiscounted (default); t1: first flow one period out (Excel NPV)",
    )
    p.set_defaults(handler=_npv)

    p = _subparser(roi_commands, "irr", "internal rate of return of periodic flows")
    p.add_argument("--flows", required=True, help="comma-separated amounts")
    p.add_argument(
        "--guess",
        type=decimal_text,
        help="with several rates of return, take the one nearest to this",
    )
    p.add_argument("--all", action="store_true", help="list every rate of return")
    p.set_defaults(handler=_irr)

    p = _subparser(roi_commands, "mirr", "modified internal rate of return (Excel MIRR)")
    p.add_argument("--flows", required=True, help="comma-separated amounts")
    p.add_argument("--finance-rate", required=True, type=decimal_text)
    p.add_argument("--reinvest-rate", required=True, type=decimal_text)
    p.set_defaults(handler=_mirr)

    p = _subparser(roi_commands, "payback", "payback period (discounted with --rate)")
    p.add_argument("--flows", required=True, help="comma-separated amounts")
    p.add_argument(
        "--rate", type=decimal_text, help="discount rate per period for the discounted payback"
    )
    p.set_defaults(handler=_payback)

    p = _subparser(roi_commands, "xnpv", "net present value of dated flows (Excel XNPV)")
    p.add_argument(
        "--rate", required=True, type=decimal_text, help="annual discount rate, e.g. 0.09"
    )
    p.add_argument("--flows", required=True, help="CSV file with columns date,amount")
    p.set_defaults(handler=_xnpv)

    p = _subparser(roi_commands, "xirr", "internal rate of return of dated flows (Excel XIRR)")
    p.add_argument("--flows", required=True, help="CSV file with columns date,amount")
    p.add_argument(
        "--guess",
        type=decimal_text,
        help="with several rates of return, take the one nearest to this",
    )
    p.add_argument("--all", action="store_true", help="list every rate of return")
    p.set_defaults(handler=_xirr)

    p = _subparser(roi_commands, "plan", "TCO / ROI report of a plan (JSON file)")
    p.add_argument("plan", help="plan JSON file (see docs/roi.md), or - for stdin")
    p.set_defaults(handler=_plan)


# -- periodic and dated flows -------------------------------------------------------------------


def _flows(text: str) -> list[Decimal]:
    from crmcore.cli._io import normalize  # noqa: PLC0415
    from crmcore.money import to_decimal  # noqa: PLC0415  (engines load on demand)

    parts = [normalize(part.strip()) for part in text.split(",") if part.strip()]
    if not parts:
        raise CliError("--flows: give comma-separated amounts, e.g. -100,60,60")
    return [to_decimal(part, obj="--flows", field=f"flows[{i}]") for i, part in enumerate(parts)]


@attrs.frozen
class DatedFlow:
    """One row of a dated-flows CSV: ``date,amount``."""

    date: date
    amount: Decimal


def _dated_flows(path: str) -> list[tuple[date, Decimal]]:
    from crmcore.serialization import from_rows  # noqa: PLC0415  (engines load on demand)

    rows = read_csv(path)
    if not rows:
        raise CliError(f"{path}: no flows")
    if not {"date", "amount"} <= set(rows[0]):
        raise CliError(
            f"{path}: needs columns date,amount (got {', '.join(rows[0])}); "
            "map others with --column date=COLUMN"
        )
    return [(row.date, row.amount) for row in from_rows(rows, DatedFlow)]


def _npv(args: argparse.Namespace) -> int:
    from crmcore.roi import npv  # noqa: PLC0415  (engines load on demand)

    value = npv(args.rate, _flows(args.flows), convention=args.convention)
    return emit(args, {"rate": args.rate, "convention": args.convention, "npv": value})


def _roots(name: str, solve: Any, all_roots: Any, flows: Any, args: argparse.Namespace) -> int:
    """IRR or XIRR: one rate, or every rate with ``--all``; several rates name the flags."""
    from crmcore.errors import NoSolutionError  # noqa: PLC0415

    if args.all:
        roots = list(all_roots(flows))
        return emit(args, {"roots": roots}, [{"root": r} for r in roots])
    try:
        value = solve(flows, guess=args.guess)
    except NoSolutionError as err:
        if not isinstance(err.value, tuple) or len(err.value) < 2:
            raise
        listed = ", ".join(f"{float(r):.6g}" for r in err.value)
        raise CliError(
            f"roi {name}: the flows have {len(err.value)} rates of return ({listed}); "
            f"give --guess RATE to take the nearest one, --all to list them, "
            "or use 'crmcore roi mirr' with explicit finance and reinvestment rates",
            code=1,
        ) from None
    return emit(args, {name: value})


def _irr(args: argparse.Namespace) -> int:
    from crmcore.roi import irr, irr_roots  # noqa: PLC0415  (engines load on demand)

    return _roots("irr", irr, irr_roots, _flows(args.flows), args)


def _mirr(args: argparse.Namespace) -> int:
    from crmcore.roi import mirr  # noqa: PLC0415  (engines load on demand)

    value = mirr(_flows(args.flows), args.finance_rate, args.reinvest_rate)
    return emit(args, {"mirr": value})


def _payback(args: argparse.Namespace) -> int:
    from crmcore.roi import discounted_payback_period, payback_period  # noqa: PLC0415

    flows = _flows(args.flows)
    result: dict[str, Any] = {"payback_periods": payback_period(flows)}
    if args.rate is not None:
        result["discounted_payback_periods"] = discounted_payback_period(args.rate, flows)
    return emit(args, result)


def _xnpv(args: argparse.Namespace) -> int:
    from crmcore.roi import xnpv  # noqa: PLC0415  (engines load on demand)

    return emit(args, {"rate": args.rate, "xnpv": xnpv(args.rate, _dated_flows(args.flows))})


def _xirr(args: argparse.Namespace) -> int:
    from crmcore.roi import xirr, xirr_roots  # noqa: PLC0415  (engines load on demand)

    return _roots("xirr", xirr, xirr_roots, _dated_flows(args.flows), args)


# -- plans ------------------------------------------------------------------------------------


def plan_from_json(data: object) -> RoiPlan:
    """Build a :class:`RoiPlan` from JSON data (format in docs/roi.md) via :func:`expand_plan`."""
    from crmcore.roi import RoiPlan, expand_plan  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_dict  # noqa: PLC0415

    return from_dict(expand_plan(data), RoiPlan)


def report_json(report: RoiReport) -> dict[str, Any]:
    """The report as JSON-able data (amounts as strings, in the plan's currency)."""
    currency = report.total_cost.currency
    return {
        "plan": report.plan,
        "currency": currency,
        "total_cost": report.total_cost.amount,
        "total_gain": report.total_gain.amount,
        "net_gain": report.net_gain.amount,
        "roi": report.roi,
        "npv": report.npv.amount,
        "irr": report.irr,
        "irr_note": report.irr_note,
        "payback_periods": report.payback_periods,
        "discounted_payback_periods": report.discounted_payback_periods,
        "periods": [
            {
                "label": line.period.label,
                "start": line.period.start,
                "end": line.period.end,
                "cost": line.cost.amount,
                "gain": line.gain.amount,
                "net": line.net.amount,
                "cumulative_net": line.cumulative_net.amount,
                "discounted_net": line.discounted_net.amount,
            }
            for line in report.lines
        ],
        "costs_by_category": [
            {
                "category": c.category.value,
                "one_off": c.one_off.amount,
                "recurring": c.recurring.amount,
                "total": c.total.amount,
            }
            for c in report.by_category
        ],
    }


def _rate_words(note: str) -> str:
    """The engine's IRR note with the rate spelt out: amounts may be in IRR (rials)."""
    return note.replace("IRRs", "rates of return").replace("IRR", "rate of return")


def report_text(report: RoiReport) -> str:
    """A terminal rendering: the per-period table and the headline figures."""
    rows = [
        (
            line.period.label,
            f"{line.cost.amount:f}",
            f"{line.gain.amount:f}",
            f"{line.net.amount:f}",
            f"{line.cumulative_net.amount:f}",
            f"{line.discounted_net.amount:f}",
        )
        for line in report.lines
    ]
    body = table(rows, ["period", "cost", "gain", "net", "cumulative", "discounted"])
    irr_text = (
        f"{float(report.irr):.2%}"
        if report.irr is not None
        else _rate_words(report.irr_note or "none")
    )
    roi_text = f"{float(report.roi):.2%}" if report.roi is not None else "n/a (no cost)"
    payback = report.payback_periods if report.payback_periods is not None else "never"
    return "\n".join(
        [
            f"{report.plan} (amounts in {report.total_cost.currency})",
            body,
            f"total cost (TCO) {report.total_cost.amount:f}, gain {report.total_gain.amount:f}, "
            f"net {report.net_gain.amount:f}",
            # "internal rate of return", never "IRR": the currency may be IRR (issue 15 item 7)
            f"ROI {roi_text}; NPV {report.npv.amount:f}; internal rate of return {irr_text}; "
            f"payback {payback} periods",
        ]
    )


def _plan(args: argparse.Namespace) -> int:
    report = plan_from_json(read_json(args.plan)).report()
    data = report_json(report)
    return emit(args, data, data["periods"], text=lambda: report_text(report))
