"""The ``crmcore roi`` and ``crmcore clv`` subcommands (private).

- ``roi npv|irr|mirr|payback --flows -100,60,60``: periodic flows inline.
- ``roi xnpv|xirr --flows flows.csv``: dated flows, CSV columns ``date,amount``.
- ``roi plan plan.json``: a TCO/ROI plan → report as JSON or a table.
- ``clv fit --summary summary.csv`` or ``--transactions tx.csv --period week``:
  BG/NBD and Gamma-Gamma parameters and log-likelihoods as JSON.
- ``clv predict``: the same inputs → customers ranked by discounted CLV.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from crmcore.cli._common import (
    CliError,
    Subparsers,
    read_csv,
    read_json,
    table,
    write_csv,
    write_json,
)
from crmcore.errors import ValidationError
from crmcore.money import Money, to_decimal
from crmcore.roi import (
    BenefitStream,
    BetaGeoFit,
    BetaGeoModel,
    CostItem,
    CustomerSummary,
    GammaGammaFit,
    GammaGammaModel,
    ParetoNbdModel,
    RoiPlan,
    RoiReport,
    Transaction,
    customer_lifetime_values,
    discounted_payback_period,
    irr,
    irr_roots,
    mirr,
    npv,
    payback_period,
    periods,
    summarize_transactions,
    xirr,
    xirr_roots,
    xnpv,
)
from crmcore.serialization import from_dict

__all__ = ["demo_section", "register"]

# "-100,60,60" must read as a value, not as an unknown option.
_NEGATIVE_LIST = re.compile(r"^-[\d.,_ \-]+$")


def _subparser(subparsers: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    parser._negative_number_matcher = _NEGATIVE_LIST
    return parser


def register(subparsers: Subparsers) -> None:
    """Add the ``roi`` and ``clv`` commands to the ``crmcore`` parser."""
    _register_roi(subparsers)
    _register_clv(subparsers)


def _register_roi(subparsers: Subparsers) -> None:
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


def _register_clv(subparsers: Subparsers) -> None:
    clv = subparsers.add_parser("clv", help="customer lifetime value (BG/NBD + Gamma-Gamma)")
    clv_commands = clv.add_subparsers(dest="clv_command", metavar="COMMAND", required=True)
    for name, help_text, handler in (
        ("fit", "fit BG/NBD and Gamma-Gamma; print parameters as JSON", _clv_fit),
        ("predict", "rank customers by discounted CLV", _clv_predict),
    ):
        p = _subparser(clv_commands, name, help_text)
        source = p.add_mutually_exclusive_group(required=True)
        source.add_argument(
            "--summary", help="CSV with columns ID,x,t_x,T[,zbar] (or customer_id,frequency,...)"
        )
        source.add_argument("--transactions", help="CSV with columns customer_id,date,amount")
        p.add_argument("--period", choices=["day", "week", "month", "year"], default="week")
        p.add_argument("--end", help="observation end date (default: the last transaction)")
        p.add_argument("--currency", default="USD", help="currency of the amounts (default USD)")
        p.add_argument("--backend", choices=["auto", "python", "numpy"], default="auto")
        if name == "fit":
            p.add_argument("--pareto", action="store_true", help="also fit the Pareto/NBD model")
        if name == "predict":
            p.add_argument("--horizon", type=int, default=12, help="discounting steps (default 12)")
            p.add_argument(
                "--step", type=float, default=1.0, help="time units per step (default 1)"
            )
            p.add_argument("--discount-rate", default="0", help="discount rate per step")
            p.add_argument("--margin", default="1", help="profit margin on spend (default 1)")
            p.add_argument("--top", type=int, default=0, help="only the N most valuable")
            p.add_argument("--format", choices=["json", "csv"], default="json")
        p.set_defaults(handler=handler)


# -- periodic and dated flows -------------------------------------------------------------------


def _flows(text: str) -> list[Decimal]:
    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise CliError("--flows: give comma-separated amounts, e.g. -100,60,60")
    return [to_decimal(part, obj="--flows", field=f"flows[{i}]") for i, part in enumerate(parts)]


def _dated_flows(path: str) -> list[tuple[date, Decimal]]:
    rows = read_csv(path)
    result = []
    for index, row in enumerate(rows, start=2):
        if "date" not in row or "amount" not in row:
            raise CliError(f"{path}: needs columns date,amount (got {', '.join(row)})")
        try:
            when = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise ValidationError(
                obj=path, field=f"line {index}.date", value=row["date"], expected="YYYY-MM-DD"
            ) from None
        result.append(
            (when, to_decimal(row["amount"] or "", obj=path, field=f"line {index}.amount"))
        )
    if not result:
        raise CliError(f"{path}: no flows")
    return result


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


def _money_dict(value: object, currency: object) -> object:
    # the short form: a bare amount in the plan's currency
    if isinstance(value, (int, str)) and not isinstance(value, bool):
        return {"amount": str(value), "currency": currency}
    return value


def _expand_periods(value: object) -> object:
    if not isinstance(value, Mapping):
        return value
    missing = [key for key in ("kind", "first", "count") if key not in value]
    if missing:
        raise ValidationError(
            obj="plan",
            field=f"periods.{missing[0]}",
            expected='a value: periods is {"kind", "first", "count"} or a list of periods',
        )
    try:
        first = date.fromisoformat(str(value["first"]))
    except ValueError:
        raise ValidationError(
            obj="plan", field="periods.first", value=value["first"], expected="YYYY-MM-DD"
        ) from None
    spans = periods(
        value["kind"],
        first,
        value["count"],
        fiscal_start_month=value.get("fiscal_start_month", 1),
    )
    return [
        {"label": p.label, "start": p.start.isoformat(), "end": p.end.isoformat()} for p in spans
    ]


def plan_from_json(data: object) -> RoiPlan:
    """Build a :class:`RoiPlan` from JSON data (format in docs/roi.md).

    Two shorthands are expanded first — ``periods`` as ``{"kind", "first",
    "count"}`` and amounts as bare strings in the plan's currency — then
    :mod:`crmcore.serialization` parses the result, naming every bad field.
    """
    if not isinstance(data, Mapping):
        raise ValidationError(obj="plan", field="(root)", value=data, expected="a JSON object")
    currency = data.get("currency")
    expanded = dict(data)
    if "periods" in data:
        expanded["periods"] = _expand_periods(data["periods"])
    if isinstance(data.get("costs"), list):
        expanded["costs"] = [
            {**item, "amount": _money_dict(item.get("amount"), currency)}
            if isinstance(item, Mapping) and "amount" in item
            else item
            for item in data["costs"]
        ]
    if isinstance(data.get("benefits"), list):
        benefits = []
        for item in data["benefits"]:
            if isinstance(item, Mapping):
                entry = dict(item)
                entry["baseline"] = _money_dict(entry.get("baseline", "0"), currency)
                if isinstance(entry.get("values"), list):
                    entry["values"] = [_money_dict(v, currency) for v in entry["values"]]
                benefits.append(entry)
            else:
                benefits.append(item)
        expanded["benefits"] = benefits
    expanded.setdefault("name", "plan")
    return from_dict(expanded, RoiPlan)


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


# -- CLV --------------------------------------------------------------------------------------

_SUMMARY_COLUMNS = (
    ("ID", "x", "t_x", "T", "zbar"),
    ("customer_id", "frequency", "recency", "T", "monetary_value"),
)


def _summaries(args: argparse.Namespace) -> list[CustomerSummary]:
    if args.summary is not None:
        rows = read_csv(args.summary)
        if not rows:
            raise CliError(f"{args.summary}: no rows")
        names = next((n for n in _SUMMARY_COLUMNS if all(c in rows[0] for c in n[:4])), None)
        if names is None:
            raise CliError(
                f"{args.summary}: needs columns ID,x,t_x,T[,zbar] "
                "or customer_id,frequency,recency,T[,monetary_value]"
            )
        ident, freq, rec, age, spend = names
        result = []
        for line, row in enumerate(rows, start=2):
            try:
                frequency = int(row[freq])
                recency = float(row[rec])
                big_t = float(row[age])
            except ValueError:
                raise ValidationError(
                    obj=args.summary,
                    field=f"line {line}",
                    value=row,
                    expected="an int frequency and numeric recency and T",
                ) from None
            result.append(
                CustomerSummary(
                    row[ident],
                    frequency=frequency,
                    recency=recency,
                    age=big_t,
                    monetary_value=row.get(spend) or "0",
                )
            )
        return result
    rows = read_csv(args.transactions)
    transactions = []
    for line, row in enumerate(rows, start=2):
        if not all(c in row for c in ("customer_id", "date", "amount")):
            raise CliError(f"{args.transactions}: needs columns customer_id,date,amount")
        try:
            when = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise ValidationError(
                obj=args.transactions,
                field=f"line {line}.date",
                value=row["date"],
                expected="YYYY-MM-DD",
            ) from None
        amount = to_decimal(row["amount"] or "", obj=args.transactions, field=f"line {line}.amount")
        transactions.append(Transaction(row["customer_id"], when, Money(amount, args.currency)))
    if not transactions:
        raise CliError(f"{args.transactions}: no transactions")
    if args.end is not None:
        try:
            end = date.fromisoformat(args.end)
        except ValueError:
            raise CliError(f"--end: expected YYYY-MM-DD, got {args.end!r}") from None
    else:
        end = max(t.on for t in transactions)
    return list(summarize_transactions(transactions, observation_end=end, unit=args.period))


def _fits(
    customers: Sequence[CustomerSummary], backend: str
) -> tuple[BetaGeoFit, GammaGammaFit | None]:
    purchases = BetaGeoModel.fit(customers, backend=backend)
    spend = None
    if any(c.frequency > 0 and c.monetary_value > 0 for c in customers):
        spend = GammaGammaModel.fit(
            [c for c in customers if c.monetary_value > 0 or not c.frequency]
        )
    return purchases, spend


def _fit_json(purchases: BetaGeoFit, spend: GammaGammaFit | None) -> dict[str, Any]:
    model = purchases.model
    result: dict[str, Any] = {
        "bg_nbd": {
            "r": model.r,
            "alpha": model.alpha,
            "a": model.a,
            "b": model.b,
            "log_likelihood": purchases.log_likelihood,
            "iterations": purchases.iterations,
            "converged": purchases.converged,
            "customers": purchases.n_customers,
            "backend": purchases.backend,
        }
    }
    if spend is not None:
        result["gamma_gamma"] = {
            "p": spend.model.p,
            "q": spend.model.q,
            "gamma": spend.model.gamma,
            "log_likelihood": spend.log_likelihood,
            "iterations": spend.iterations,
            "converged": spend.converged,
            "customers": spend.n_customers,
        }
    return result


def _clv_fit(args: argparse.Namespace) -> int:
    customers = _summaries(args)
    purchases, spend = _fits(customers, args.backend)
    result = _fit_json(purchases, spend)
    if args.pareto:
        pareto = ParetoNbdModel.fit(customers, backend=args.backend)
        result["pareto_nbd"] = {
            "r": pareto.model.r,
            "alpha": pareto.model.alpha,
            "s": pareto.model.s,
            "beta": pareto.model.beta,
            "log_likelihood": pareto.log_likelihood,
            "iterations": pareto.iterations,
            "converged": pareto.converged,
            "customers": pareto.n_customers,
            "backend": pareto.backend,
        }
    write_json(result)
    return 0


def _clv_predict(args: argparse.Namespace) -> int:
    customers = _summaries(args)
    purchases, spend = _fits(customers, args.backend)
    if spend is None:
        raise CliError("clv predict: no customer has repeat purchases with a spend to model")
    values = customer_lifetime_values(
        customers,
        purchases.model,
        spend.model,
        horizon=args.horizon,
        step=args.step,
        discount_rate=args.discount_rate,
        margin=args.margin,
        currency=args.currency,
    )
    if args.top > 0:
        values = values[: args.top]
    rows = [
        {
            "customer_id": v.customer_id,
            "probability_alive": round(v.probability_alive, 6),
            "expected_transactions": round(v.expected_transactions, 6),
            "expected_spend": round(v.expected_spend, 4),
            "clv": v.clv.amount,
        }
        for v in values
    ]
    if args.format == "csv":
        write_csv(rows, list(rows[0]) if rows else ["customer_id"])
    else:
        write_json({"model": _fit_json(purchases, spend), "customers": rows})
    return 0


# -- demo -------------------------------------------------------------------------------------


def _demo_plan() -> RoiPlan:
    def rial(millions: int) -> Money:
        return Money(millions * 1_000_000, "IRR")

    return RoiPlan(
        name="CRM rollout, fiscal years 1404-1406",
        currency="IRR",
        periods=periods("jalali_year", date(2025, 3, 21), 3),
        discount_rate="0.30",
        costs=[
            CostItem("procurement", rial(60)),
            CostItem("implementation", rial(450)),
            CostItem("data_migration", rial(150)),
            CostItem("training_internal_time", rial(90)),
            CostItem("training_consultants", rial(120)),
            CostItem("productivity_loss", rial(200)),
            CostItem("integrations", rial(180)),
            CostItem("subscription", rial(320), recurring=True, escalation="0.35"),
            CostItem("administration", rial(100), recurring=True, escalation="0.30"),
        ],
        benefits=[
            BenefitStream(
                "gross margin on sales", rial(2000), [rial(2300), rial(3300), rial(4400)]
            ),
            BenefitStream("sales rep hours saved", rial(0), [rial(120), rial(380), rial(520)]),
        ],
    )


def demo_section() -> dict[str, Any]:
    """The ROI/CLV part of ``crmcore demo``: a Jalali-year ROI plan and a CLV table."""
    report = _demo_plan().report()
    purchases = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    customers = [
        CustomerSummary("C-101", frequency=12, recency=37.0, age=39.0, monetary_value="48.50"),
        CustomerSummary("C-102", frequency=12, recency=8.0, age=39.0, monetary_value="48.50"),
        CustomerSummary("C-103", frequency=3, recency=30.0, age=35.0, monetary_value="25.00"),
        CustomerSummary("C-104", frequency=1, recency=2.0, age=38.0, monetary_value="12.00"),
        CustomerSummary("C-105", frequency=0, recency=0, age=10.0),
    ]
    values = customer_lifetime_values(
        customers,
        purchases,
        spend,
        horizon=12,
        step=52 / 12,
        discount_rate="0.01",
        margin="0.3",
        currency="USD",
    )
    clv_rows = [
        (
            v.customer_id,
            f"{v.probability_alive:.2f}",
            f"{v.expected_transactions:.2f}",
            f"{v.expected_spend:.2f}",
            v.clv.amount,
        )
        for v in values
    ]
    text = "\n".join(
        [
            report_text(report),
            "",
            "Customer lifetime value, next 12 months (BG/NBD + Gamma-Gamma, 30 % margin):",
            table(clv_rows, ["customer", "P(alive)", "purchases", "spend", "CLV (USD)"]),
        ]
    )
    return {
        "title": "ROI and customer lifetime value",
        "text": text,
        "data": {
            "plan": report_json(report),
            "clv": [
                {
                    "customer_id": v.customer_id,
                    "probability_alive": round(v.probability_alive, 6),
                    "expected_transactions": round(v.expected_transactions, 6),
                    "expected_spend": round(v.expected_spend, 4),
                    "clv": str(v.clv.amount),
                }
                for v in values
            ],
        },
    }
