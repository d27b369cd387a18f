"""Shared DataFrame plumbing of the adapters (private).

pandas is imported here, inside functions, so ``import crmcore`` and
``import crmcore.frames`` work without it; the first adapter call raises a
:class:`~crmcore.errors.ValidationError` saying to install the ``pandas`` extra.
"""

from __future__ import annotations

import enum
import importlib
import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.money import Money

__all__ = [
    "MoneyDtype",
    "column",
    "decimal_cell",
    "frame_of",
    "money_kind",
    "pandas",
    "plain_cells",
    "records_frame",
    "require_columns",
    "require_frame",
    "typed_frame",
]

MoneyDtype = Literal["decimal", "float"]
"""How money and other exact amounts come back: ``Decimal`` objects or float64."""


def pandas(obj: str) -> Any:
    """The pandas module, or a ValidationError naming the extra to install."""
    try:
        # imported on first use (optional extra), as Any: pandas ships no stubs in the base install
        return importlib.import_module("pandas")
    except ImportError:  # pragma: no cover - the test environment has pandas
        raise ValidationError(
            obj=obj,
            field="pandas",
            value=None,
            expected="pandas installed (pip install 'crmcore[pandas]')",
        ) from None


def require_frame(value: object, *, obj: str, field: str = "frame") -> Any:
    """``value`` if it is a pandas DataFrame, else raise."""
    pd = pandas(obj)
    if not isinstance(value, pd.DataFrame):
        raise ValidationError(
            obj=obj, field=field, value=type(value).__name__, expected="a pandas DataFrame"
        )
    return value


def require_columns(frame: Any, names: Iterable[str], *, obj: str) -> None:
    """Raise naming every column of ``names`` the frame lacks."""
    missing = [n for n in names if n not in frame.columns]
    if missing:
        raise ValidationError(
            obj=obj,
            field=", ".join(missing),
            value=[str(c) for c in frame.columns][:20],
            expected="these columns in the frame (missing: " + ", ".join(missing) + ")",
        )


def money_kind(value: object, *, obj: str) -> MoneyDtype:
    """Check the ``money=`` option."""
    if value not in ("decimal", "float"):
        raise ValidationError(obj=obj, field="money", value=value, expected="'decimal' or 'float'")
    return "float" if value == "float" else "decimal"


def plain_cells(values: Iterable[object]) -> list[object]:
    """Cells as plain Python scalars; NaN, None, pd.NA and NaT become None."""
    return [_plain(v) for v in values]


def _plain(value: object) -> object:
    plain = check.plain_scalar(value)
    if type(plain).__name__ == "Timestamp":
        return plain.to_pydatetime()  # type: ignore[attr-defined]
    if type(plain).__name__ == "Timedelta":
        return plain.to_pytimedelta()  # type: ignore[attr-defined]
    return plain


def column(frame: Any, name: str) -> list[object]:
    """One column as plain Python cells (see :func:`plain_cells`)."""
    return plain_cells(frame[name].tolist())


def decimal_cell(value: object, *, obj: str, field: str) -> Decimal | None:
    """An exact amount from a cell: ints, Decimals, numeric text; floats by their shortest repr."""
    plain = _plain(value)
    if plain is None or (isinstance(plain, str) and not plain.strip()):
        return None
    if isinstance(plain, bool):
        raise ValidationError(obj=obj, field=field, value=value, expected="a number")
    if isinstance(plain, float):
        # a float64 column read from CSV: its shortest repr is the number that was written
        return Decimal(repr(plain)) if math.isfinite(plain) else _bad(value, obj, field)
    try:
        number = Decimal(str(plain).strip()) if isinstance(plain, str) else Decimal(plain)  # type: ignore[arg-type]
    except (ArithmeticError, TypeError, ValueError):
        return _bad(value, obj, field)
    return number if number.is_finite() else _bad(value, obj, field)


def _bad(value: object, obj: str, field: str) -> Decimal:
    raise ValidationError(obj=obj, field=field, value=value, expected="a finite number")


def frame_of(columns: dict[str, Any], *, index: Any = None, obj: str) -> Any:
    """A DataFrame from typed columns (already converted)."""
    return pandas(obj).DataFrame(columns, index=index)


def _series(values: Sequence[object], money: MoneyDtype, pd: Any) -> tuple[Any, Any]:
    """(column, currency column or None) with a useful dtype for these values."""
    kinds = {type(v) for v in values if v is not None}
    if not kinds:
        return pd.Series(values, dtype=object), None
    kind = kinds.pop() if len(kinds) == 1 else object
    if kind is Money:
        amounts = [None if v is None else v.amount for v in values]  # type: ignore[attr-defined]
        currency = pd.Series([None if v is None else v.currency for v in values], dtype="string")  # type: ignore[attr-defined]
        return _exact(amounts, money, pd), currency
    if kind is Decimal:
        return _exact(values, money, pd), None
    if kind is bool:
        return pd.Series(values, dtype="boolean"), None
    if kind is int:
        return pd.Series(values, dtype="Int64"), None
    if kind is float:
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64"), None
    if kind is datetime:
        try:
            return pd.Series(pd.to_datetime(values, utc=False)), None
        except (TypeError, ValueError):  # several timezones: the same instants in UTC
            return pd.Series(pd.to_datetime(values, utc=True)), None
    if kind is timedelta:
        return pd.Series(pd.to_timedelta(values)), None
    if isinstance(kind, type) and issubclass(kind, str):  # str and StrEnum
        return pd.Series([None if v is None else str(v) for v in values], dtype="string"), None
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return pd.Series(
            [None if v is None else str(getattr(v, "value", v)) for v in values], dtype="string"
        ), None
    return pd.Series(values, dtype=object), None


def _exact(values: Sequence[object], money: MoneyDtype, pd: Any) -> Any:
    if money == "float":
        return pd.Series([math.nan if v is None else float(v) for v in values], dtype="float64")  # type: ignore[arg-type]
    return pd.Series(values, dtype=object)


def records_frame(
    records: Iterable[object], *, money: MoneyDtype = "decimal", index: Any = None
) -> Any:
    """A DataFrame with one row per attrs record (a result of any engine), one column per field.

    Dtypes: float64 for floats, nullable ``Int64``/``boolean`` for ints and
    flags, ``string`` for text and enums, timezone-aware ``datetime64`` for
    aware datetimes (in UTC when the values carry several timezones),
    ``timedelta64`` for durations. Money and Decimal fields
    stay exact ``Decimal`` objects (``money="decimal"``, the default) or
    become float64 (``money="float"``, an explicit choice); a Money field
    ``f`` adds a ``f_currency`` string column. Tuples and nested objects are
    kept as objects. Dates stay ``datetime.date`` objects (a day is not an
    instant).

    >>> from crmcore.clv import CustomerSummary
    >>> frame = records_frame([CustomerSummary("c1", frequency=2, recency=3.0, age=5.0,
    ...                                        monetary_value="9.5")])
    >>> frame.dtypes.astype(str).to_dict()
    {'customer_id': 'string', 'frequency': 'Int64', 'recency': 'float64', 'age': 'float64', 'monetary_value': 'object'}
    """
    obj = "records_frame"
    pd = pandas(obj)
    kind = money_kind(money, obj=obj)
    rows = list(records)
    check.refuse_frame(rows[0] if rows else None, obj=obj, use="the frame itself")
    if not rows:
        return pd.DataFrame(index=index)
    first = type(rows[0])
    if not attrs.has(first) or any(type(r) is not first for r in rows):
        raise ValidationError(
            obj=obj, field="records", value=first.__name__, expected="attrs records of one type"
        )
    names = [field.name for field in attrs.fields(first)]
    return typed_frame({n: [getattr(r, n) for r in rows] for n in names}, money=kind, index=index)


def typed_frame(
    values: Mapping[str, Sequence[object]], *, money: MoneyDtype = "decimal", index: Any = None
) -> Any:
    """A DataFrame from Python value columns, each given the dtype :func:`records_frame` documents."""
    pd = pandas("typed_frame")
    columns: dict[str, Any] = {}
    for name, cells in values.items():
        series, currency = _series(list(cells), money, pd)
        columns[name] = series.array
        if currency is not None:
            columns[f"{name}_currency"] = currency.array
    return pd.DataFrame(columns, index=index)


def date_cell(value: object, *, obj: str, field: str) -> date:
    """A day from a cell: a date, a datetime/Timestamp (its own local day) or ISO text."""
    plain = _plain(value)
    if isinstance(plain, datetime):
        return plain.date()
    if isinstance(plain, date):
        return plain
    if isinstance(plain, str):
        try:
            return date.fromisoformat(plain.strip()[:10])
        except ValueError:
            pass
    raise ValidationError(obj=obj, field=field, value=value, expected="a date (or ISO text)")
