"""The ``crmcore clv`` and ``crmcore segment rfm`` subcommands (private).

- ``clv fit --summary summary.csv`` or ``--transactions tx.csv --period week``:
  purchase-model and Gamma-Gamma parameters and log-likelihoods as JSON.
- ``clv predict``: the same inputs → customers ranked by discounted CLV.
- ``segment rfm tx.csv``: RFM quintiles and segments as CSV.

Transactions CSV: columns ``customer_id,date,amount[,currency]`` (``on``
may stand for ``date``). Summary CSV: ``ID,x,t_x,T[,zbar]`` (the CDNOW
file) or ``customer_id,frequency,recency,T[,monetary_value]``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from crmcore.cli._common import CliError, Subparsers, chunk_rows
from crmcore.cli._io import CsvTable, RowSink, add_io, day, emit, integer, number
from crmcore.cli._progress import chunks, progress_option

if TYPE_CHECKING:
    from crmcore.clv import (
        BetaGeoFit,
        ClvFit,
        CustomerSummary,
        GammaGammaFit,
        ParetoNbdFit,
        RfmScore,
        RfmTally,
        SummaryTally,
    )

__all__ = ["register"]

_SUMMARY_COLUMNS = (
    ("ID", "x", "t_x", "T", "zbar"),
    ("customer_id", "frequency", "recency", "T", "monetary_value"),
)
_MODELS = ["bg_nbd", "pareto_nbd"]  # crmcore.clv.PurchaseModelKind (a test checks)


def register(subparsers: Subparsers) -> None:
    """Add the ``clv`` and ``segment rfm`` commands to the ``crmcore`` parser."""
    clv = subparsers.add_parser("clv", help="customer lifetime value (BG/NBD + Gamma-Gamma)")
    commands = clv.add_subparsers(dest="clv_command", metavar="COMMAND", required=True)
    fit = _clv_parser(commands, "fit", "fit BG/NBD and Gamma-Gamma; print parameters as JSON")
    fit.add_argument("--pareto", action="store_true", help="also fit the Pareto/NBD model")
    add_io(fit, example="crmcore clv fit --summary cdnow_summary.csv --format table")
    fit.set_defaults(handler=_clv_fit)
    predict = _clv_parser(commands, "predict", "rank customers by discounted CLV")
    predict.add_argument("--model", choices=_MODELS, default="bg_nbd", help="purchase model")
    predict.add_argument(
        "--horizon", type=integer, default=12, help="discounting steps (default 12)"
    )
    predict.add_argument("--step", type=number, default=1.0, help="time units per step (default 1)")
    predict.add_argument("--discount-rate", default="0", help="discount rate per step")
    predict.add_argument("--margin", default="1", help="profit margin on spend (default 1)")
    predict.add_argument("--top", type=integer, default=0, help="only the N most valuable")
    add_io(
        predict,
        example="crmcore clv predict --transactions tx.csv --calendar jalali --top 10 --format csv",
    )
    predict.set_defaults(handler=_clv_predict)

    segment = subparsers.add_parser("segment", help="customer segmentation")
    kinds = segment.add_subparsers(dest="segment_kind", metavar="KIND")
    rfm = kinds.add_parser("rfm", help="RFM quintiles and segments from a transactions CSV")
    rfm.add_argument(
        "transactions", help="CSV with customer_id, date, amount[, currency] ('-' for stdin)"
    )
    rfm.add_argument("--as-of", help="reference day (default: the last purchase day)")
    rfm.add_argument("--currency", help="currency of the amounts when there is no column")
    progress_option(rfm)
    add_io(
        rfm,
        example="crmcore segment rfm tx.csv --calendar jalali --column date=tarikh -o rfm.csv",
        default="csv",
    )
    rfm.set_defaults(handler=_segment_rfm)
    segment.set_defaults(handler=_usage(segment))


def _clv_parser(commands: Subparsers, name: str, help_text: str) -> argparse.ArgumentParser:
    p = commands.add_parser(name, help=help_text, description=help_text)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--summary", help="CSV with columns ID,x,t_x,T[,zbar] (or customer_id,frequency,...)"
    )
    source.add_argument("--transactions", help="CSV with columns customer_id,date,amount")
    p.add_argument("--period", choices=["day", "week", "month", "year"], default="week")
    p.add_argument(
        "--as-of",
        "--end",
        dest="as_of",
        help="cut-off date, the end of observation (default: the last purchase day)",
    )
    p.add_argument("--currency", default="USD", help="currency of the amounts (default USD)")
    p.add_argument("--backend", choices=["auto", "python", "numpy"], default="auto")
    progress_option(p)
    return p


def _usage(parser: argparse.ArgumentParser) -> Any:
    def show(_args: argparse.Namespace) -> int:
        parser.print_help(sys.stderr)
        return 2

    return show


# -- reading ------------------------------------------------------------------------------------


def _summary_names(path: str, names: list[str]) -> tuple[str, ...]:
    found = next((n for n in _SUMMARY_COLUMNS if all(c in names for c in n[:4])), None)
    if found is None:
        raise CliError(
            f"{path}: needs columns ID,x,t_x,T[,zbar] "
            "or customer_id,frequency,recency,T[,monetary_value]"
        )
    return found


def _summary_rows(
    names: tuple[str, ...], rows: list[dict[str, str]]
) -> Iterator[dict[str, str | None]]:
    ident, freq, rec, age, spend = names
    for row in rows:
        yield {
            "customer_id": row[ident],
            "frequency": row[freq],
            "recency": row[rec],
            "age": row[age],
            "monetary_value": row.get(spend) or None,
        }


def summary_chunks(path: str, progress: str = "never") -> Iterator[list[CustomerSummary]]:
    """Customer summaries from a summary CSV, a chunk of rows at a time."""
    from crmcore.clv import CustomerSummary  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_rows  # noqa: PLC0415

    done = 0
    with CsvTable(path) as table:
        for chunk in chunks(table, progress):
            names = _summary_names(path, table.names)
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            yield list(from_rows(_summary_rows(names, rows), CustomerSummary, start=done + 2))
            done += len(chunk)
    if not done:
        raise CliError(f"{path}: no rows")


def read_summaries(path: str, progress: str = "never") -> list[CustomerSummary]:
    """Customer summaries from a summary CSV, a chunk of rows at a time (the summaries are
    held, not the rows)."""
    return [summary for chunk in summary_chunks(path, progress) for summary in chunk]


def _purchase_rows(
    path: str, rows: list[dict[str, str]], currency: str | None
) -> Iterator[dict[str, str | None]]:
    for row in rows:
        if "customer_id" not in row or "amount" not in row or not ({"date", "on"} & set(row)):
            raise CliError(f"{path}: needs columns customer_id,date,amount[,currency]")
        yield {
            "customer_id": row["customer_id"],
            "on": (row.get("date") or row.get("on") or "").strip(),
            "amount.amount": row["amount"],
            "amount.currency": row.get("currency") or currency,
        }


def add_purchases(
    path: str,
    currency: str | None,
    accumulator: SummaryTally | RfmTally,
    progress: str = "never",
) -> None:
    """Purchases from a transactions CSV, through :func:`crmcore.serialization.from_rows`,
    added to ``accumulator`` a chunk at a time: no purchase is held."""
    from crmcore.clv import Purchase  # noqa: PLC0415  (engines load on demand)
    from crmcore.serialization import from_rows  # noqa: PLC0415

    seen = 0
    with CsvTable(path) as table:
        for chunk in chunks(table, progress):
            rows = [dict(zip(table.names, row, strict=True)) for row in chunk]
            cells = _purchase_rows(path, rows, currency)
            accumulator.add(list(from_rows(cells, Purchase, start=seen + 2)))
            seen += len(chunk)
    if not seen:
        raise CliError(f"{path}: no transactions")


def _customers(args: argparse.Namespace) -> list[CustomerSummary]:
    from crmcore.clv import SummaryTally  # noqa: PLC0415  (engines load on demand)

    if args.summary is not None:
        return read_summaries(args.summary, args.progress)
    as_of = day(args.as_of, "--as-of")
    accumulator = SummaryTally(as_of=as_of, unit=args.period)
    add_purchases(args.transactions, args.currency, accumulator, args.progress)
    return list(accumulator.result())


# -- writing ------------------------------------------------------------------------------------


def _model_json(fit: BetaGeoFit | ParetoNbdFit | GammaGammaFit) -> dict[str, Any]:
    from crmcore.clv import GammaGammaFit  # noqa: PLC0415  (engines load on demand)

    parameters: Mapping[str, float] = {
        name: getattr(fit.model, name)
        for name in ("r", "alpha", "a", "b", "s", "beta", "p", "q", "gamma")
        if hasattr(fit.model, name)
    }
    result: dict[str, Any] = dict(parameters)
    result.update(
        log_likelihood=fit.log_likelihood,
        iterations=fit.iterations,
        converged=fit.converged,
        customers=fit.n_customers,
    )
    if not isinstance(fit, GammaGammaFit):
        result["backend"] = fit.backend
    return result


def _fit_json(fit: ClvFit) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if fit.bg_nbd is not None:
        result["bg_nbd"] = _model_json(fit.bg_nbd)
    if fit.spend is not None:
        result["gamma_gamma"] = _model_json(fit.spend)
    if fit.pareto_nbd is not None:
        result["pareto_nbd"] = _model_json(fit.pareto_nbd)
    return result


# -- commands -----------------------------------------------------------------------------------


def _clv_fit(args: argparse.Namespace) -> int:
    from crmcore.clv import FitTally, fit_clv  # noqa: PLC0415  (engines load on demand)

    if args.summary is not None:  # counted a chunk at a time: no summary is held
        tally = FitTally(compare=args.pareto, backend=args.backend)
        for chunk in summary_chunks(args.summary, args.progress):
            tally.add(chunk)
        fit = tally.result()
    else:
        fit = fit_clv(_customers(args), compare=args.pareto, backend=args.backend)
    data = _fit_json(fit)
    return emit(args, data, [{"model": name, **values} for name, values in data.items()])


def _clv_predict(args: argparse.Namespace) -> int:
    from crmcore.clv import predict_clv  # noqa: PLC0415  (engines load on demand)

    prediction = predict_clv(
        _customers(args),
        horizon=args.horizon,
        step=args.step,
        discount_rate=args.discount_rate,
        margin=args.margin,
        currency=args.currency,
        model=args.model,
        top=args.top or None,
        backend=args.backend,
    )
    rows = [
        {
            "customer_id": v.customer_id,
            "probability_alive": round(v.probability_alive, 6),
            "expected_transactions": round(v.expected_transactions, 6),
            "expected_spend": round(v.expected_spend, 4),
            "clv": v.clv.amount,
        }
        for v in prediction.values
    ]
    return emit(args, {"model": _fit_json(prediction.fit), "customers": rows}, rows)


_RFM_COLUMNS = (
    "customer_id",
    "last_purchase",
    "recency_days",
    "frequency",
    "monetary",
    "currency",
    "r",
    "f",
    "m",
    "rfm",
    "segment",
)


def _segment_rfm(args: argparse.Namespace) -> int:
    from crmcore.clv import RfmTally  # noqa: PLC0415  (engines load on demand)

    accumulator = RfmTally(as_of=day(args.as_of, "--as-of"))
    add_purchases(args.transactions, args.currency, accumulator, args.progress)
    scores = accumulator.result()
    size = chunk_rows()
    with RowSink(args) as sink:  # written a chunk at a time: no second copy of every row
        for begin in range(0, len(scores), size):
            sink.write([_rfm_row(s) for s in scores[begin : begin + size]])
        return sink.finish()


def _rfm_row(s: RfmScore) -> dict[str, Any]:
    return {
        "customer_id": s.customer_id,
        "last_purchase": s.last_purchase,
        "recency_days": s.recency_days,
        "frequency": s.frequency,
        "monetary": str(s.monetary.amount),
        "currency": s.monetary.currency,
        "r": s.r,
        "f": s.f,
        "m": s.m,
        "rfm": s.code,
        "segment": s.segment.value,
    }
