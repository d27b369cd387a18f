"""DataFrame adapters for customer lifetime value (private; see ``crmcore.frames``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from crmcore._backend import Backend
from crmcore.clv import (
    BetaGeoFit,
    BetaGeoModel,
    CustomerSummary,
    ParetoNbdFit,
    ParetoNbdModel,
    Purchase,
    PurchaseModelKind,
    TimeUnit,
    rfm_segments,
    summarize_transactions,
)
from crmcore.errors import ValidationError
from crmcore.frames._common import (
    MoneyDtype,
    column,
    date_cell,
    decimal_cell,
    money_kind,
    pandas,
    records_frame,
    require_columns,
    require_frame,
)
from crmcore.money import Money

__all__ = [
    "SUMMARY_COLUMNS",
    "count_frame",
    "customers_of",
    "fit_clv_frame",
    "purchases_of",
    "rfm_frame",
    "summarize_frame",
]

SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "age", "monetary_value")
"""The columns of a summary frame: :class:`~crmcore.clv.CustomerSummary`'s fields."""


def purchases_of(
    frame: Any,
    *,
    customer: str = "customer_id",
    on: str = "date",
    amount: str = "amount",
    currency: str | None = None,
) -> list[Purchase]:
    """:class:`~crmcore.clv.Purchase` records from a transactions table (a row per purchase).

    The currency comes from a ``currency`` column, else the ``currency``
    code given. Dates may be dates, datetimes/Timestamps (their local day) or
    ISO text; amounts are exact (a float cell is read by its shortest repr).
    """
    obj = "purchases_of"
    require_frame(frame, obj=obj)
    require_columns(frame, [customer, on, amount], obj=obj)
    if "currency" in frame.columns:
        currencies = [str(c) for c in column(frame, "currency")]
    elif currency is not None:
        currencies = [currency] * len(frame)
    else:
        raise ValidationError(
            obj=obj, field="currency", value=None, expected="a currency column or currency='USD'"
        )
    ids, days, amounts = column(frame, customer), column(frame, on), column(frame, amount)
    out = []
    for i, (who, day, value, code) in enumerate(zip(ids, days, amounts, currencies, strict=True)):
        exact = decimal_cell(value, obj=obj, field=f"{amount}[{i}]")
        if exact is None:
            raise ValidationError(
                obj=obj, field=f"{amount}[{i}]", value=value, expected="an amount"
            )
        out.append(
            Purchase(
                "" if who is None else str(who),
                date_cell(day, obj=obj, field=f"{on}[{i}]"),
                Money(exact, code),
            )
        )
    return out


def summarize_frame(
    frame: Any,
    *,
    customer: str = "customer_id",
    on: str = "date",
    amount: str = "amount",
    currency: str | None = None,
    as_of: date | None = None,
    unit: TimeUnit | str = TimeUnit.WEEK,
    money: MoneyDtype = "decimal",
) -> Any:
    """Transaction summaries (x, t_x, T, mean spend) of a transactions table, one row per customer.

    Equal to :func:`crmcore.clv.summarize_transactions` on
    :func:`purchases_of` the rows; columns :data:`SUMMARY_COLUMNS`.
    ``monetary_value`` is exact Decimal (``money="decimal"``) or float64.
    """
    kind = money_kind(money, obj="summarize_frame")
    rows = purchases_of(frame, customer=customer, on=on, amount=amount, currency=currency)
    summaries = summarize_transactions(rows, as_of=as_of, unit=unit)
    if not summaries:
        pd = pandas("summarize_frame")
        return pd.DataFrame({name: [] for name in SUMMARY_COLUMNS})
    return records_frame(summaries, money=kind)


def rfm_frame(
    frame: Any,
    *,
    customer: str = "customer_id",
    on: str = "date",
    amount: str = "amount",
    currency: str | None = None,
    as_of: date | None = None,
    money: MoneyDtype = "decimal",
) -> Any:
    """RFM scores and segments of a transactions table: :func:`crmcore.clv.rfm_segments` as a frame.

    One row per customer with :class:`~crmcore.clv.RfmScore`'s fields (``monetary``
    exact or float, with ``monetary_currency``) and the three-digit ``code``.
    """
    kind = money_kind(money, obj="rfm_frame")
    rows = purchases_of(frame, customer=customer, on=on, amount=amount, currency=currency)
    scores = rfm_segments(rows, as_of=as_of)
    if not scores:
        return pandas("rfm_frame").DataFrame()
    frame = records_frame(scores, money=kind)
    return frame.assign(code=pandas("rfm_frame").array([s.code for s in scores], dtype="string"))


def customers_of(frame: Any, *, obj: str = "customers_of") -> list[CustomerSummary]:
    """:class:`~crmcore.clv.CustomerSummary` records from a summary frame (:data:`SUMMARY_COLUMNS`)."""
    require_frame(frame, obj=obj)
    require_columns(frame, SUMMARY_COLUMNS[:4], obj=obj)
    ids, x, t_x, age = (column(frame, n) for n in SUMMARY_COLUMNS[:4])
    spend = column(frame, "monetary_value") if "monetary_value" in frame.columns else [0] * len(ids)
    return [
        CustomerSummary(
            str(i),
            frequency=int(f) if isinstance(f, float) and f == int(f) else f,  # type: ignore[arg-type]
            recency=r,
            age=a,
            monetary_value=decimal_cell(m, obj=obj, field="monetary_value") or Decimal(0),
        )
        for i, f, r, a, m in zip(ids, x, t_x, age, spend, strict=True)
    ]


def count_frame(frame: Any, *, weight: str | None = None) -> Any:
    """Distinct (frequency, recency, age) rows with how many customers share each (``count``).

    From a summary frame (a row per customer) or, with ``weight="count"``,
    from count frames to combine (e.g. the concatenated counts of every
    partition). The input of :func:`fit_clv_frame`; rows sorted by the triple.
    """
    obj = "count_frame"
    require_frame(frame, obj=obj)
    keys = ["frequency", "recency", "age"]
    require_columns(frame, [*keys, *([weight] if weight else [])], obj=obj)
    pd = pandas(obj)
    data = frame[keys].astype({"frequency": "int64", "recency": "float64", "age": "float64"})
    data = data.assign(count=frame[weight].astype("int64") if weight else 1)
    counts = data.groupby(keys, sort=True, as_index=False)["count"].sum()
    return pd.DataFrame(counts).reset_index(drop=True)


def fit_clv_frame(
    frame: Any,
    *,
    model: PurchaseModelKind | str = "bg_nbd",
    backend: Backend = "auto",
    strict: bool = False,
) -> BetaGeoFit | ParetoNbdFit:
    """Fit BG/NBD (``model="bg_nbd"``) or Pareto/NBD on a summary or count frame.

    A frame with a ``count`` column is taken as counts (:func:`count_frame`);
    otherwise it is counted first. Equal to ``BetaGeoModel.fit`` (or
    ``ParetoNbdModel.fit``) on the same customers.
    """
    obj = "fit_clv_frame"
    require_frame(frame, obj=obj)
    counts = count_frame(frame, weight="count" if "count" in frame.columns else None)
    columns = [counts[n].to_numpy() for n in ("frequency", "recency", "age", "count")]
    if str(model) == "bg_nbd":
        return BetaGeoModel.fit_counts(*columns, backend=backend, strict=strict)
    if str(model) == "pareto_nbd":
        return ParetoNbdModel.fit_counts(*columns, backend=backend, strict=strict)
    raise ValidationError(obj=obj, field="model", value=model, expected="'bg_nbd' or 'pareto_nbd'")
