"""DataFrame adapters for pricing lines and cash-flow tables (private; see ``crmcore.frames``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from crmcore.errors import ValidationError
from crmcore.frames._common import (
    MoneyDtype,
    column,
    date_cell,
    decimal_cell,
    money_kind,
    records_frame,
    require_columns,
    require_frame,
    typed_frame,
)
from crmcore.money import Money
from crmcore.pricing import PricedDocument
from crmcore.roi import RoiReport

__all__ = ["dated_flows", "priced_lines_frame", "roi_lines_frame"]


def priced_lines_frame(document: PricedDocument, *, money: MoneyDtype = "decimal") -> Any:
    """The lines of a priced document as a table, one row per :class:`~crmcore.pricing.PricedLine`.

    Every field is a column (money exact Decimal with a ``<field>_currency``
    column, or float64 with ``money="float"``; ``price_steps`` as tuples).
    """
    if not isinstance(document, PricedDocument):
        raise ValidationError(
            obj="priced_lines_frame", field="document", value=document, expected="a PricedDocument"
        )
    return records_frame(document.lines, money=money_kind(money, obj="priced_lines_frame"))


def roi_lines_frame(report: RoiReport, *, money: MoneyDtype = "decimal") -> Any:
    """The per-period table of an ROI report: period label/start/end, cost, gain, net, cumulative, discounted."""
    obj = "roi_lines_frame"
    if not isinstance(report, RoiReport):
        raise ValidationError(obj=obj, field="report", value=report, expected="a RoiReport")
    kind = money_kind(money, obj=obj)
    lines = report.lines
    values: dict[str, list[object]] = {
        "period": [line.period.label for line in lines],
        "start": [line.period.start for line in lines],
        "end": [line.period.end for line in lines],
    }
    for name in ("cost", "gain", "net", "cumulative_net", "discounted_net"):
        values[name] = [getattr(line, name) for line in lines]
    return typed_frame(values, money=kind)


def dated_flows(
    frame: Any, *, on: str = "date", amount: str = "amount", currency: str | None = None
) -> list[tuple[date, Money]]:
    """Dated cash flows ``(day, Money)`` of a table, for :func:`crmcore.roi.xnpv` / ``xirr``.

    Amounts are exact (a float cell by its shortest repr); the currency comes
    from a ``currency`` column or the ``currency`` code given.

    >>> import pandas as pd
    >>> from crmcore.roi import xnpv
    >>> flows = dated_flows(pd.DataFrame({"date": ["2026-01-01", "2027-01-01"],
    ...                                   "amount": [-100, 110]}), currency="USD")
    >>> xnpv("0.1", flows).round()   # 110 a year later at 10 % is worth 100 today
    Money('0.00', 'USD')
    """
    obj = "dated_flows"
    require_frame(frame, obj=obj)
    require_columns(frame, [on, amount], obj=obj)
    codes = column(frame, "currency") if "currency" in frame.columns else [currency] * len(frame)
    out = []
    for i, (day, value, code) in enumerate(
        zip(column(frame, on), column(frame, amount), codes, strict=True)
    ):
        exact = decimal_cell(value, obj=obj, field=f"{amount}[{i}]")
        if exact is None or code is None:
            raise ValidationError(
                obj=obj,
                field=f"{amount}[{i}]",
                value=value,
                expected="an amount and a currency (column or currency=)",
            )
        out.append((date_cell(day, obj=obj, field=f"{on}[{i}]"), Money(exact, str(code))))
    return out
