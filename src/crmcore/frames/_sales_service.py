"""DataFrame adapters for the sales forecast and contact-centre columns (private)."""

from __future__ import annotations

from typing import Any

from crmcore._backend import Backend
from crmcore.errors import ValidationError
from crmcore.frames._common import (
    MoneyDtype,
    column,
    decimal_cell,
    money_kind,
    pandas,
    records_frame,
    require_columns,
    require_frame,
)
from crmcore.money import Money
from crmcore.sales import ForecastColumns, forecast_columns
from crmcore.service import contact_centre_columns

__all__ = ["contact_centre_frame", "forecast_frame"]

_CONTACT = ("group", "answered", "abandoned", "wait", "handle", "transferred")


def forecast_frame(
    frame: Any,
    *,
    currency: str,
    money: MoneyDtype = "decimal",
    backend: Backend = "auto",
) -> Any:
    """The columnar sales forecast of an opportunities table: one row per (period, group).

    ``frame`` has one row per opportunity and group with the columns
    ``amount`` (exact, in ``currency``), ``probability`` (0–100),
    ``category`` (a forecast category), ``period`` and ``group`` (labels):
    the fields of :class:`~crmcore.sales.ForecastColumns`. Equal to
    :func:`crmcore.sales.forecast_columns` on the same columns; money
    columns exact unless ``money="float"``.
    """
    obj = "forecast_frame"
    require_frame(frame, obj=obj)
    names = ["amount", "probability", "category", "period", "group"]
    require_columns(frame, names, obj=obj)
    kind = money_kind(money, obj=obj)
    amounts = []
    for index, cell in enumerate(column(frame, "amount")):
        exact = decimal_cell(cell, obj=obj, field=f"amount[{index}]")
        amounts.append(0 if exact is None else Money(exact, currency).minor_units())
    probabilities = []
    for index, cell in enumerate(column(frame, "probability")):
        if isinstance(cell, bool) or not isinstance(cell, (int, float)) or cell != int(cell):
            raise ValidationError(
                obj=obj, field=f"probability[{index}]", value=cell, expected="a whole number 0-100"
            )
        probabilities.append(int(cell))
    labels = [[str(v) for v in column(frame, n)] for n in ("category", "period", "group")]
    columns = ForecastColumns(currency, amounts, probabilities, *labels)
    cells = forecast_columns(columns, backend=backend).cells
    if not cells:
        return pandas(obj).DataFrame()
    return records_frame(cells, money=kind)


def contact_centre_frame(frame: Any, **options: Any) -> Any:
    """Contact-centre figures per group from an interactions table (one row per interaction).

    Columns: ``group``, ``answered``, ``abandoned``, ``transferred`` (flags),
    ``wait`` and ``handle`` (seconds as numbers, or ``timedelta64``; NaN/NaT
    ``handle`` when not handled). ``options`` as
    :func:`crmcore.service.contact_centre_columns` (``answer_within``,
    ``abandon_treatment``, ...), whose figures this returns, one row per group.
    """
    obj = "contact_centre_frame"
    require_frame(frame, obj=obj)
    require_columns(frame, _CONTACT, obj=obj)
    pd = pandas(obj)
    columns: dict[str, Any] = {"group": [str(v) for v in column(frame, "group")]}
    for name in ("answered", "abandoned", "transferred"):
        columns[name] = frame[name].to_numpy(dtype=bool)
    for name in ("wait", "handle"):
        series = frame[name]
        if pd.api.types.is_timedelta64_dtype(series.dtype):
            series = series.dt.total_seconds()
        columns[name] = series.to_numpy(dtype="float64", na_value=float("nan"))
    metrics = contact_centre_columns(columns, **options)
    return records_frame(metrics) if metrics else pd.DataFrame()
