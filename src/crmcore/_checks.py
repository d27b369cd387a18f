"""Small validators shared by every layer (private).

Each raises :class:`~crmcore.errors.ValidationError` naming the object, the
field and the bad value. attrs validators are built with :func:`attr_check`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs

from crmcore.errors import ValidationError

T = TypeVar("T")

Check = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def require_aware(value: object, *, obj: str, field: str) -> datetime:
    """Return ``value`` if it is a timezone-aware datetime, else raise."""
    if not isinstance(value, datetime):
        raise ValidationError(
            obj=obj, field=field, value=value, expected="a timezone-aware datetime"
        )
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            obj=obj,
            field=field,
            value=value,
            expected="a timezone-aware datetime (naive datetimes are ambiguous: attach a tzinfo)",
        )
    return value


def require_rate(value: object, *, obj: str, field: str) -> Decimal:
    """A rate (per period) as Decimal > -1; floats go through their shortest repr."""
    from crmcore.money import to_decimal  # noqa: PLC0415  (money imports this module)

    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(obj=obj, field=field, value=value, expected="a finite rate")
        rate = Decimal(repr(value))
    else:
        rate = to_decimal(value, obj=obj, field=field)
    if rate <= -1:
        raise ValidationError(obj=obj, field=field, value=value, expected="a rate > -1")
    return rate


def require_date(value: object, *, obj: str, field: str) -> date:
    """Return ``value`` if it is a ``date`` (and not a ``datetime``), else raise."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ValidationError(obj=obj, field=field, value=value, expected="a date")
    return value


def _owner(instance: object) -> str:
    return type(instance).__name__


def aware() -> Check:
    """attrs validator: a timezone-aware datetime."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_aware(value, obj=_owner(instance), field=attribute.name)

    return check


def optional_aware() -> Check:
    """attrs validator: ``None`` or a timezone-aware datetime."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            require_aware(value, obj=_owner(instance), field=attribute.name)

    return check


def optional_date() -> Check:
    """attrs validator: ``None`` or a date."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            require_date(value, obj=_owner(instance), field=attribute.name)

    return check


def text(*, optional: bool = False, max_length: int = 500) -> Check:
    """attrs validator: a non-blank string (or ``None`` when optional)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected=f"a non-blank string of at most {max_length} characters"
                + (" or None" if optional else ""),
            )

    return check


def instance_of(kind: type[Any] | tuple[type[Any], ...], *, optional: bool = False) -> Check:
    """attrs validator: an instance of ``kind`` (or ``None`` when optional)."""
    names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, kind) or (
            isinstance(value, bool) and bool not in (kind if isinstance(kind, tuple) else (kind,))
        ):
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected=f"a {names}" + (" or None" if optional else ""),
            )

    return check


def in_range(
    low: Decimal | int | None = None, high: Decimal | int | None = None, *, optional: bool = False
) -> Check:
    """attrs validator: a number within ``[low, high]``."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        ok = isinstance(value, (int, Decimal)) and not isinstance(value, bool)
        if ok and low is not None and value < low:  # type: ignore[operator]
            ok = False
        if ok and high is not None and value > high:  # type: ignore[operator]
            ok = False
        if not ok:
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected=f"a number {bounds}",
            )

    return check


def non_negative_int() -> Check:
    """attrs validator: an ``int`` >= 0."""
    return in_range(0)


# --- converters in the style of attrs.validators: factories returning callables ---


def _decimal_of(value: object, instance: object, field: attrs.Attribute[Any]) -> Decimal:
    from crmcore.money import MAX_AMOUNT, MAX_PLACES, to_decimal  # noqa: PLC0415  (money imports this)

    number = to_decimal(value, obj=_owner(instance), field=field.name)
    exponent = number.as_tuple().exponent
    # The bounds of money apply to every decimal field (quantities, percentages, rounding
    # amounts): checked here, before any arithmetic can overflow or run for long.
    if abs(number) > MAX_AMOUNT or (
        isinstance(exponent, int) and exponent < -MAX_PLACES and number
    ):
        raise ValidationError(
            obj=_owner(instance),
            field=field.name,
            value=value,
            expected=f"a number of at most {MAX_AMOUNT:.0E} in size and {MAX_PLACES} decimal places",
        )
    return number


def decimal() -> attrs.Converter[Any, Decimal]:
    """attrs converter: a finite Decimal from a Decimal, int or numeric string.

    Floats are refused (inexact); the error names the class and the field.
    """
    converter: attrs.Converter[Any, Decimal] = attrs.Converter(
        _decimal_of, takes_self=True, takes_field=True
    )
    return converter


def optional_decimal() -> attrs.Converter[Any, Decimal | None]:
    """attrs converter: like :func:`decimal`, ``None`` kept as ``None``."""

    def convert(value: object, instance: object, field: attrs.Attribute[Any]) -> Decimal | None:
        return None if value is None else _decimal_of(value, instance, field)

    converter: attrs.Converter[Any, Decimal | None] = attrs.Converter(
        convert, takes_self=True, takes_field=True
    )
    return converter


def money(*, optional: bool = False, non_negative: bool = False) -> Check:
    """attrs validator: a :class:`~crmcore.money.Money` (or ``None`` when optional)."""
    from crmcore.money import Money  # noqa: PLC0415  (money imports this module)

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, Money) or (non_negative and value.amount < 0):
            kind = "a non-negative Money" if non_negative else "a Money"
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected=kind + (" or None" if optional else ""),
            )

    return check


def optional_money(*, non_negative: bool = False) -> Check:
    """attrs validator: ``None`` or a :class:`~crmcore.money.Money`."""
    return money(optional=True, non_negative=non_negative)


def items_of(kind: type[Any] | tuple[type[Any], ...], *, min_items: int = 0) -> Check:
    """attrs validator: a tuple whose every item is an instance of ``kind``.

    Pair it with ``converter=tuple`` so any iterable is accepted.
    """
    names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or len(value) < min_items:
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected=f"at least {min_items} item(s), each a {names}",
            )
        for index, item in enumerate(value):
            if not isinstance(item, kind):
                raise ValidationError(
                    obj=_owner(instance),
                    field=f"{attribute.name}[{index}]",
                    value=item,
                    expected=f"a {names}",
                )

    return check


def require_items(
    values: object, kind: type[T] | tuple[type[Any], ...], *, obj: str, field: str
) -> tuple[T, ...]:
    """Return ``values`` as a tuple if every item is a ``kind``, else raise naming the item.

    The function form of :func:`items_of`, for engine arguments.
    """
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise ValidationError(obj=obj, field=field, value=values, expected="an iterable of items")
    result = tuple(values)
    for index, item in enumerate(result):
        if not isinstance(item, kind):
            names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
            raise ValidationError(
                obj=obj, field=f"{field}[{index}]", value=item, expected=f"a {names}"
            )
    return result


def required_date() -> Check:
    """attrs validator: a date (not a datetime)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        require_date(value, obj=_owner(instance), field=attribute.name)

    return check


def plain_scalar(value: object) -> object:
    """``value`` as a plain Python scalar, with missing values as ``None``.

    numpy scalars (``np.bool_``, ``np.int64``, ``np.float64``, ...) become the
    Python ``bool``/``int``/``float`` they hold; a float NaN, pandas' ``NA`` and
    ``NaT`` become ``None``. Anything else is returned unchanged. Neither numpy
    nor pandas is imported: the type's module tells them apart.

    >>> plain_scalar(float("nan")) is None, plain_scalar("x"), plain_scalar(3)
    (True, 'x', 3)
    """
    kind = type(value)
    if kind is str or kind is int or value is None:
        return value
    if kind is float:
        return None if math.isnan(value) else value  # type: ignore[arg-type]
    module = kind.__module__
    if module == "numpy" or module.startswith("numpy."):
        item = value.item() if hasattr(value, "item") else value
        return None if isinstance(item, float) and math.isnan(item) else item
    if module.startswith("pandas.") and kind.__name__ in {"NAType", "NaTType"}:
        return None
    return value


def positive_timedelta(*, optional: bool = False) -> Check:
    """attrs validator: a ``timedelta`` greater than zero (or ``None`` when optional)."""

    def check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is None and optional:
            return
        if not isinstance(value, timedelta) or value <= timedelta(0):
            raise ValidationError(
                obj=_owner(instance),
                field=attribute.name,
                value=value,
                expected="a positive timedelta" + (" or None" if optional else ""),
            )

    return check


def refuse_frame(value: object, *, obj: str, use: str) -> None:
    """Raise if ``value`` is a pandas (or Dask, Polars) DataFrame or Series.

    Record-based functions call this first, so a table passed where records
    are expected is refused with the name of the ``crmcore.frames`` function
    that takes it, instead of failing deep inside on a column name. The type's
    module and name tell a frame apart; pandas is never imported.
    """
    kind = type(value)
    module = kind.__module__.split(".", 1)[0]
    if module in {"pandas", "dask", "polars", "modin", "pyspark"} and kind.__name__ in {
        "DataFrame",
        "Series",
    }:
        raise ValidationError(
            obj=obj,
            field="records",
            value=f"a {module} {kind.__name__}",
            expected=f"records (mappings or typed objects); for a DataFrame use {use}",
        )
