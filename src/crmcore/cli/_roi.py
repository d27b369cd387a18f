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
from typing import Any

import attrs

from crmcore.cli._common import (
    CliError,
    Subparsers,
    read_csv,
    read_json,
    table,
    write_json,
)
from crmcore.money import to_decimal
from crmcore.roi import (
    RoiPlan,
    RoiReport,
    discounted_payback_period,
    expand_plan,
    irr,
    irr_roots,
    mirr,
    npv,
    payback_period,
    xirr,
    xirr_roots,
    xnpv,
)
from crmcore.serialization import from_dict, from_rows

__all__ = ["register"]

# "-100,60,60" must read as a value, not as an unknown option.
_NEGATIVE_LIST = re.compile(r"^-[\d.,_ \-]+$")


def _subparser(subparsers: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser._negative_number_matcher = _NEGATIVE_LIST
    return parser


def register(subparsers: Subparsers) -> None:
    """Add the ``roi`` commands to the ``crmcore`` parser."""
    roi = subparsers.add_parser("roi", help="cash flows (NPV, IRR, ...) and CRM ROI plans")
    roi_commands = roi.add_subparsers(dest="roi_command", metavar="COMMAND", required=True)

    p = _subparser(roi_commands, "npv", "net present value of periodic flows")
    p.add_argument("--rate", required=True, help="discount rate per period, e.g. 0.1")
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
    p.add_argument("--guess", help="with several rates of return, take the one nearest to this")
    p.add_argument("--all", action="store_true", help="list every rate of return")
    p.set_defaults(handler=_irr)

    p = _subparser(roi_commands, "mirr", "modified internal rate of return (Excel MIRR)")
    p.add_argument("--flows", required=True, help="comma-separated amounts")
    p.add_argument("--finance-rate", required=True)
    p.add_argument("--reinvest-rate", required=True)
    p.set_defaults(handler=_mirr)

    p = _subparser(roi_commands, "payback", "payback period (discounted with --rate)")
    p.add_argument("--flows", required=True, help="comma-separated amounts")
    p.add_argument("--rate", help="discount rate per period for the discounted payback")
    p.set_defaults(handler=_payback)

    p = _subparser(roi_commands, "xnpv", "net present value of dated flows (Excel XNPV)")
    p.add_argument("--rate", required=True, help="annual discount rate, e.g. 0.09")
    p.add_argument("--flows", required=True, help="CSV file with columns date,amount")
    p.set_defaults(handler=_xnpv)

    p = _subparser(roi_commands, "xirr", "internal rate of return of dated flows (Excel XIRR)")
    p.add_argument("--flows", required=True, help="CSV file with columns date,amount")
    p.add_argument("--guess", help="with several rates of return, take the one nearest to this")
    p.add_argument("--all", action="store_true", help="list every rate of return")
    p.set_defaults(handler=_xirr)

    p = _subparser(roi_commands, "plan", "TCO / ROI report of a plan (JSON file)")
    p.add_argument("plan", help="plan JSON file (see docs/roi.md), or - for stdin")
    p.add_argument("--format", choices=["json", "table"], default="json")
    p.set_defaults(handler=_plan)


# -- periodic and dated flows -------------------------------------------------------------------


def _flows(text: str) -> list[Decimal]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise CliError("--flows: give comma-separated amounts, e.g. -100,60,60")
    return [to_decimal(part, obj="--flows", field=f"flows[{i}]") for i, part in enumerate(parts)]


@attrs.frozen
class DatedFlow:
    """One row of a dated-flows CSV: ``date,amount``."""

    date: date
    amount: Decimal


def _dated_flows(path: str) -> list[tuple[date, Decimal]]:
    rows = read_csv(path)
    if not rows:
        raise CliError(f"{path}: no flows")
    if not {"date", "amount"} <= set(rows[0]):
        raise CliError(f"{path}: needs columns date,amount (got {', '.join(rows[0])})")
    return [(row.date, row.amount) for row in from_rows(rows, DatedFlow)]


def _npv(args: argparse.Namespace) -> int:
    value = npv(args.rate, _flows(args.flows), convention=args.convention)
    write_json({"rate": args.rate, "convention": args.convention, "npv": value})
    return 0


def _irr(args: argparse.Namespace) -> int:
    flows = _flows(args.flows)
    if args.all:
        write_json({"roots": list(irr_roots(flows))})
    else:
        write_json({"irr": irr(flows, guess=args.guess)})
    return 0


def _mirr(args: argparse.Namespace) -> int:
    value = mirr(_flows(args.flows), args.finance_rate, args.reinvest_rate)
    write_json({"mirr": value})
    return 0


def _payback(args: argparse.Namespace) -> int:
    flows = _flows(args.flows)
    result: dict[str, Any] = {"payback_periods": payback_period(flows)}
    if args.rate is not None:
        result["discounted_payback_periods"] = discounted_payback_period(args.rate, flows)
    write_json(result)
    return 0


def _xnpv(args: argparse.Namespace) -> int:
    write_json({"rate": args.rate, "xnpv": xnpv(args.rate, _dated_flows(args.flows))})
    return 0


def _xirr(args: argparse.Namespace) -> int:
    flows = _dated_flows(args.flows)
    if args.all:
        write_json({"roots": list(xirr_roots(flows))})
    else:
        write_json({"xirr": xirr(flows, guess=args.guess)})
    return 0


# -- plans ------------------------------------------------------------------------------------


def plan_from_json(data: object) -> RoiPlan:
    """Build a :class:`RoiPlan` from JSON data (format in docs/roi.md) via :func:`expand_plan`."""
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


def report_text(report: RoiReport) -> str:
    """A terminal rendering: the per-period table and the headline figures."""
    rows = [
        (
            line.period.label,
            line.cost.amount,
            line.gain.amount,
            line.net.amount,
            line.cumulative_net.amount,
            line.discounted_net.amount,
        )
        for line in report.lines
    ]
    body = table(rows, ["period", "cost", "gain", "net", "cumulative", "discounted"])
    irr_text = f"{float(report.irr):.2%}" if report.irr is not None else report.irr_note
    roi_text = f"{float(report.roi):.2%}" if report.roi is not None else "n/a (no cost)"
    payback = report.payback_periods if report.payback_periods is not None else "never"
    return "\n".join(
        [
            f"{report.plan} ({report.total_cost.currency})",
            body,
            f"total cost (TCO) {report.total_cost.amount}, gain {report.total_gain.amount}, "
            f"net {report.net_gain.amount}",
            f"ROI {roi_text}; NPV {report.npv.amount}; IRR {irr_text}; payback {payback} periods",
        ]
    )


def _plan(args: argparse.Namespace) -> int:
    report = plan_from_json(read_json(args.plan)).report()
    if args.format == "table":
        print(report_text(report))
    else:
        write_json(report_json(report))
    return 0
