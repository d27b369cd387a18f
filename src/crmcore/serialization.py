"""Turn every public crmcore value into plain JSON-able data and back.

This is the only module that knows how crmcore types look as dicts, JSON or
TOML. :func:`make_converter` builds a fresh :mod:`cattrs` converter (there is
no module-level converter to mutate); :func:`to_dict`, :func:`from_dict`,
:func:`to_json`, :func:`from_json` and :func:`load_toml` are small shortcuts.

>>> from crmcore.money import Money
>>> to_dict(Money("12.50", "USD"))
{'amount': '12.50', 'currency': 'USD'}
>>> from_json('{"amount": "12.50", "currency": "USD"}', Money)
Money('12.50', 'USD')

Bad input raises one :class:`~crmcore.errors.ValidationError` whose
``errors`` hold one error per bad field, named by its path:

>>> from crmcore.models import Lead
>>> try:
...     from_dict({"id": "L1", "last_name": 7, "budget": {"amount": 1.5, "currency": "XXY"}}, Lead)
... except ValidationError as err:
...     print(err.paths)
('last_name', 'budget.amount', 'budget.currency')

How each type is written (the decisions behind them are in
``docs/serialization.md``):

============================  ==========================================================
type                          JSON form
============================  ==========================================================
``Decimal``                   string ``"12.50"`` (input: string or integer; floats refused)
``Money``                     ``{"amount": "12.50", "currency": "USD"}``
aware ``datetime``            ISO 8601 with offset, ``"2026-01-05T09:00:00+03:30"``;
                              a ``ZoneInfo`` zone is kept as an RFC 9557 suffix
                              ``"...+03:30[Asia/Tehran]"``; naive refused both ways
``date``                      ``"2026-01-05"``
``time``                      ``"09:30"``, ``"09:30:15"`` or ``"09:30:15.250000"``
``timedelta``                 ISO 8601 duration in days, hours, minutes and seconds:
                              ``"P1DT2H30M"``, ``"-PT0.000001S"``, ``"PT0S"``
``ZoneInfo``                  its IANA key, ``"Asia/Tehran"``
typed ids (``EntityId``)      plain string, read back as the declared id type
``LeadSource``                its code, ``"trade_show"``
enums                         their value
tuples                        lists
``FrozenMap``                 JSON object
attrs classes                 objects with every field (defaults are not omitted);
                              unknown keys are refused
unions of attrs classes       the member's object plus ``"type": "<ClassName>"``
Protocol / abstract class     the same tagged object; the candidates are the attrs
                              classes crmcore exports that implement it, plus any
                              explicit subclass (e.g. ``HolidaySource`` fields)
============================  ==========================================================
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import pkgutil
import re
import sys
import tomllib
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar, cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn

from crmcore.errors import MISSING, ValidationError
from crmcore.models import EntityId, FrozenMap, LeadSource
from crmcore.money import Money, is_currency, to_decimal

__all__ = [
    "MAX_NESTING",
    "check_nesting",
    "from_dict",
    "from_json",
    "from_rows",
    "load_toml",
    "make_converter",
    "to_dict",
    "to_json",
]

T = TypeVar("T")

MAX_NESTING: typing.Final = 64
"""Deepest nesting of objects and arrays accepted in JSON and TOML documents.

crmcore's deepest type (a scorecard rule's nested ``all``/``any``/``not``
conditions) needs far less; a deeper document is refused before it is
structured, so it can neither exhaust the stack nor cost time.
"""

_TAG: typing.Final = "type"
"""Key naming the member class of a union of attrs classes."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$")
_DATETIME_ZONE = re.compile(r"^(?P<stamp>[^\[\]]+)(?:\[(?P<zone>[^\[\]]+)\])?$")
_DURATION = re.compile(
    r"^(?P<sign>-)?P(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?"
    r"(?:(?P<seconds>\d+)(?:\.(?P<fraction>\d{1,6}))?S)?)?$"
)
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _bad(value: Any, expected: str) -> ValidationError:
    """A leaf error; its path is added by whoever knows where the value sits."""
    return ValidationError(value=value, expected=expected)


# -- scalar hooks ----------------------------------------------------------------------------


def _structure_str(value: Any, cl: type[Any]) -> Any:
    if isinstance(cl, type) and issubclass(cl, enum.Enum):
        return _structure_enum(value, cl)
    if not isinstance(value, str):
        raise _bad(value, "a string")
    return value


def _unstructure_str(value: str) -> str:
    # An enum that mixes in str without being a StrEnum still writes its value.
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


def _structure_int(value: Any, cl: type[Any]) -> Any:
    if isinstance(cl, type) and issubclass(cl, enum.Enum):
        return _structure_enum(value, cl)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _bad(value, "an integer")
    return value


def _structure_float(value: Any, _cl: type[Any]) -> float:
    # Floats exist only in statistical models; a Decimal comes from TOML.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise _bad(value, "a number")
    return float(value)


def _structure_bool(value: Any, _cl: type[Any]) -> bool:
    if not isinstance(value, bool):
        raise _bad(value, "true or false")
    return value


_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬", "01234567890123456789.,")
"""Persian and Arabic-Indic digits (and the Arabic decimal and thousands signs) to ASCII."""

_TRUE = frozenset({"true", "yes", "1", "t", "y"})
_FALSE = frozenset({"false", "no", "0", "f", "n"})


def _cell(value: Any, *, flags: bool = True) -> Any:
    """A CSV cell as the number or flag it spells, digits of any script accepted.

    With ``flags=False`` (an int or float field) "1" and "0" are numbers, not flags.
    """
    if not isinstance(value, str):
        return value
    text = value.strip().translate(_DIGITS).replace(",", "").replace("_", "")
    lowered = text.lower()
    if flags and (lowered in _TRUE or lowered in _FALSE):
        return lowered in _TRUE
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return Decimal(text) if text.lower() not in ("nan", "inf", "-inf", "infinity") else value
    except ArithmeticError:
        return value


def _text_int(value: Any, cl: type[Any]) -> Any:
    cell = _cell(value, flags=False)
    return _structure_int(value if isinstance(cell, bool) else cell, cl)


def _text_float(value: Any, cl: type[Any]) -> float:
    cell = _cell(value, flags=False)
    return _structure_float(value if isinstance(cell, bool) else cell, cl)


def _text_bool(value: Any, cl: type[Any]) -> bool:
    cell = _cell(value)
    return _structure_bool(cell if isinstance(cell, bool) else value, cl)


def _text_decimal(value: Any, cl: type[Any]) -> Decimal:
    if isinstance(value, str):
        value = value.strip().translate(_DIGITS).replace(",", "").replace("_", "")
    return _structure_decimal(value, cl)


def _structure_decimal(value: Any, _cl: type[Any]) -> Decimal:
    if isinstance(value, float):
        raise _bad(value, "a decimal string such as '12.50' or an integer (floats are inexact)")
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise _bad(value, "a decimal string such as '12.50' or an integer")
    try:
        return to_decimal(value)
    except ValidationError:
        raise _bad(value, "a finite decimal number such as '12.50'") from None


def _structure_enum(value: Any, cl: type[enum.Enum]) -> enum.Enum:
    try:
        return cl(value)
    except (ValueError, TypeError):
        allowed = ", ".join(repr(m.value) for m in cl)
        raise _bad(value, f"one of {allowed}") from None


def _unstructure_datetime(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(
            obj="datetime", value=value, expected="a timezone-aware datetime (naive is ambiguous)"
        )
    text = value.isoformat()
    if isinstance(value.tzinfo, ZoneInfo) and value.tzinfo.key:
        text += f"[{value.tzinfo.key}]"
    return text


def _structure_datetime(value: Any, _cl: type[Any]) -> datetime:
    expected = "an ISO 8601 date-time with a UTC offset, e.g. '2026-01-05T09:00:00+03:30'"
    if isinstance(value, datetime):  # TOML has native date-times
        result = value
    elif isinstance(value, str) and (match := _DATETIME_ZONE.match(value.strip())):
        try:
            result = datetime.fromisoformat(match["stamp"])
        except ValueError:
            raise _bad(value, expected) from None
        if match["zone"] is not None:
            zone = _zone(match["zone"], value)
            offset = result.utcoffset()
            if offset is None:
                raise _bad(value, expected)
            # Keep the written wall time with the fold whose offset matches, so
            # that even a time in a DST gap or overlap comes back identical.
            for fold in (0, 1):
                local = result.replace(tzinfo=zone, fold=fold)
                if local.utcoffset() == offset:
                    return local
            return result.astimezone(zone)  # offset and zone disagree: the offset wins
    else:
        raise _bad(value, expected)
    if result.tzinfo is None or result.utcoffset() is None:
        raise _bad(value, expected + " (naive date-times are ambiguous)")
    return result


def _structure_date(value: Any, _cl: type[Any]) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(value, "a date 'YYYY-MM-DD'")


def _unstructure_time(value: time) -> str:
    if value.microsecond:
        return value.isoformat(timespec="microseconds")
    if value.second:
        return value.isoformat(timespec="seconds")
    return value.isoformat(timespec="minutes")


def _structure_time(value: Any, _cl: type[Any]) -> time:
    if isinstance(value, time):
        return value
    if isinstance(value, str) and _TIME.match(value):
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(value, "a time of day 'HH:MM' or 'HH:MM:SS'")


def _unstructure_timedelta(value: timedelta) -> str:
    sign = "-" if value < timedelta(0) else ""
    value = abs(value)
    hours, rest = divmod(value.seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    text = "P"
    if value.days:
        text += f"{value.days}D"
    clock = ""
    if hours:
        clock += f"{hours}H"
    if minutes:
        clock += f"{minutes}M"
    if seconds or value.microseconds:
        clock += f"{seconds}"
        if value.microseconds:
            clock += f".{value.microseconds:06d}".rstrip("0")
        clock += "S"
    if clock or not value.days:
        text += "T" + (clock or "0S")
    return sign + text


def _structure_timedelta(value: Any, _cl: type[Any]) -> timedelta:
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value.rstrip("T").endswith("P") or value.endswith("T"):
        raise _bad(value, "an ISO 8601 duration such as 'PT1H30M' or 'P2DT4H' (no years/months)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v and k not in ("sign", "fraction")}
    micro = int((match["fraction"] or "0").ljust(6, "0"))
    try:
        result = timedelta(
            weeks=parts.get("weeks", 0),
            days=parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
            microseconds=micro,
        )
    except OverflowError:
        raise _bad(value, "a duration within ±999999999 days") from None
    return -result if match["sign"] else result


def _zone(key: Any, value: Any) -> ZoneInfo:
    if not isinstance(key, str) or not key.strip():
        raise _bad(value, "an IANA time zone name such as 'Asia/Tehran'")
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise _bad(value, "an IANA time zone name such as 'Asia/Tehran'") from None


def _unstructure_zone(value: ZoneInfo) -> str:
    if not value.key:
        raise ValidationError(
            obj="ZoneInfo", value=value, expected="a zone with an IANA key (not from a file)"
        )
    return value.key


def _structure_zone(value: Any, _cl: type[Any]) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    return _zone(value, value)


def _structure_entity_id(value: Any, cl: type[EntityId]) -> EntityId:
    if not isinstance(value, str) or not value.strip() or len(value) > 200:
        raise _bad(value, f"a {cl.__name__}: a non-blank string of at most 200 characters")
    return cl(value)


def _structure_lead_source(value: Any, _cl: type[Any]) -> LeadSource:
    if isinstance(value, LeadSource):
        return value
    try:
        return LeadSource(value)
    except ValidationError as err:
        raise _bad(value, err.expected or "a lead source code") from None


def _unstructure_money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def _structure_money(value: Any, _cl: type[Any]) -> Money:
    if isinstance(value, Money):
        return value
    if not isinstance(value, Mapping):
        raise _bad(value, 'an object {"amount": "12.50", "currency": "USD"}')
    problems: list[ValidationError] = []
    amount: Decimal | None = None
    if "amount" not in value:
        problems.append(ValidationError(field="amount", expected="a value (required)"))
    else:
        try:
            amount = _structure_decimal(value["amount"], Decimal)
        except ValidationError as err:
            problems.append(_at(err, "amount"))
    currency = value.get("currency", MISSING)
    if currency is MISSING:
        problems.append(ValidationError(field="currency", expected="a value (required)"))
    elif not isinstance(currency, str) or not is_currency(currency):
        problems.append(
            ValidationError(
                field="currency",
                value=currency,
                expected="an ISO 4217 currency code such as 'USD', 'EUR' or 'IRR'",
            )
        )
    for key in value:
        if key not in ("amount", "currency"):
            problems.append(ValidationError(field=str(key), expected="no such field (unknown key)"))
    if problems or amount is None:
        raise ValidationError(obj="Money", errors=problems)
    return Money(amount, cast(str, currency))


def _at(err: ValidationError, field: str) -> ValidationError:
    return ValidationError(field=field, value=err.value, expected=err.expected or err.message)


# -- type predicates -------------------------------------------------------------------------


def _union_members(cl: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(cl)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(cl)
    return None


def _is_attrs_union(cl: Any) -> bool:
    members = _union_members(cl)
    if members is None:
        return False
    classes = [m for m in members if m is not type(None)]
    return len(classes) >= 2 and all(isinstance(m, type) and attrs.has(m) for m in classes)


def _is_sequence(cl: Any) -> bool:
    return cl in (tuple, list) or typing.get_origin(cl) in (tuple, list)


def _is_list(cl: Any) -> bool:
    return cl is list or typing.get_origin(cl) is list


def _is_frozen_map(cl: Any) -> bool:
    return cl is FrozenMap or typing.get_origin(cl) is FrozenMap


def _is_plain_attrs(cl: Any) -> bool:
    return (
        isinstance(cl, type)
        and attrs.has(cl)
        and cl not in (Money, LeadSource)
        and not inspect.isabstract(cl)
    )


def _is_interface(cl: Any) -> bool:
    # A Protocol or abstract class used as a field type; its implementations
    # are attrs classes, written with a type tag like union members.
    if not isinstance(cl, type) or (attrs.has(cl) and not inspect.isabstract(cl)):
        return False
    if cl.__module__.lstrip("_").split(".")[0] in sys.stdlib_module_names:
        return False  # Mapping, Iterable and friends are not field types of ours
    return bool(getattr(cl, "_is_protocol", False)) or inspect.isabstract(cl)


@cache
def _public_attrs_classes() -> tuple[type[Any], ...]:
    """Every attrs class exported by a public crmcore module (imported on first use)."""
    import crmcore  # noqa: PLC0415 - the engines import this module; look them up lazily

    names = ["crmcore"] + [
        info.name
        for info in pkgutil.walk_packages(crmcore.__path__, "crmcore.")
        if not any(part.startswith("_") for part in info.name.split("."))
        and not info.name.startswith(("crmcore.cli", "crmcore.testing"))
    ]
    found: dict[int, type[Any]] = {}
    for name in names:
        module = importlib.import_module(name)
        for export in getattr(module, "__all__", ()):
            obj = getattr(module, export, None)
            if isinstance(obj, type) and attrs.has(obj):
                found[id(obj)] = obj
    return tuple(found.values())


def _implementations(cl: type[Any]) -> tuple[type[Any], ...]:
    """The attrs classes that implement the Protocol or abstract class ``cl``."""
    candidates: dict[int, type[Any]] = {id(c): c for c in _public_attrs_classes()}
    pending = list(cl.__subclasses__())  # explicit implementations anywhere
    while pending:
        sub = pending.pop()
        pending.extend(sub.__subclasses__())
        if attrs.has(sub):
            candidates[id(sub)] = sub
    found = []
    for candidate in candidates.values():
        try:
            if issubclass(candidate, cl) and not inspect.isabstract(candidate):
                found.append(candidate)
        except TypeError:  # a Protocol that is not runtime-checkable
            return ()
    return tuple(sorted(found, key=lambda c: c.__name__))


def _tag(cl: type[Any]) -> str:
    return cl.__name__


def _key_path(key: Any) -> str:
    if isinstance(key, str) and _IDENTIFIER.match(key):
        return f".{key}"
    return f"[{key!r}]"


# -- the converter ---------------------------------------------------------------------------


class _Converter(cattrs.Converter):
    """A cattrs converter whose ``structure`` raises crmcore's ValidationError."""

    def structure(self, obj: Any, cl: Any) -> Any:
        try:
            return super().structure(obj, cl)
        except (ClassValidationError, IterableValidationError, ValidationError) as err:
            name = _type_name(cl)
            errors = [
                ValidationError(obj=name, field=e.field, value=e.value, expected=e.expected)
                for e in _flatten(err, "")
            ]
            raise ValidationError(obj=name, errors=errors) from None


def _type_name(cl: Any) -> str:
    args = typing.get_args(cl)
    origin = typing.get_origin(cl)
    if args and origin is not None:
        inner = ", ".join("..." if a is Ellipsis else _type_name(a) for a in args)
        if origin is typing.Union or origin is types.UnionType:
            return inner.replace(", ", " | ")
        return f"{_type_name(origin)}[{inner}]"
    if cl is type(None):
        return "None"
    return getattr(cl, "__name__", None) or str(cl)


def make_converter(*, text_cells: bool = False) -> cattrs.Converter:
    """A new converter for every crmcore type (and attrs classes built from them).

    ``converter.unstructure(value)`` gives JSON-able data;
    ``converter.structure(data, Type)`` parses it and raises
    :class:`~crmcore.errors.ValidationError` naming every bad field's path.
    Each call returns an independent converter you may extend with hooks.
    ``text_cells=True`` reads integers, numbers and flags written as text
    (a CSV cell: ``"5"``, ``"۱۲"``, ``"yes"``), as :func:`from_rows` does;
    JSON keeps its types strict.

    >>> from datetime import timedelta
    >>> conv = make_converter()
    >>> conv.unstructure(timedelta(hours=1, minutes=30))
    'PT1H30M'
    >>> conv.structure("-P1DT0.5S", timedelta)
    datetime.timedelta(days=-2, seconds=86399, microseconds=500000)
    """
    conv = _Converter(forbid_extra_keys=True, detailed_validation=True)

    # Scalars (singledispatch: subclasses follow their base unless more specific).
    conv.register_structure_hook(str, _structure_str)
    conv.register_unstructure_hook(str, _unstructure_str)
    conv.register_structure_hook(int, _text_int if text_cells else _structure_int)
    conv.register_structure_hook(float, _text_float if text_cells else _structure_float)
    conv.register_structure_hook(bool, _text_bool if text_cells else _structure_bool)
    conv.register_structure_hook(Decimal, _text_decimal if text_cells else _structure_decimal)
    conv.register_unstructure_hook(Decimal, str)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, _unstructure_datetime)
    conv.register_structure_hook(date, _structure_date)
    conv.register_unstructure_hook(date, date.isoformat)
    conv.register_structure_hook(time, _structure_time)
    conv.register_unstructure_hook(time, _unstructure_time)
    conv.register_structure_hook(timedelta, _structure_timedelta)
    conv.register_unstructure_hook(timedelta, _unstructure_timedelta)
    conv.register_structure_hook(ZoneInfo, _structure_zone)
    conv.register_unstructure_hook(ZoneInfo, _unstructure_zone)
    for base in (enum.Enum, enum.StrEnum, enum.IntEnum):
        conv.register_structure_hook(base, _structure_enum)
        conv.register_unstructure_hook(base, lambda member: member.value)
    conv.register_structure_hook(EntityId, _structure_entity_id)
    conv.register_unstructure_hook(EntityId, str)
    conv.register_structure_hook(LeadSource, _structure_lead_source)
    conv.register_unstructure_hook(LeadSource, lambda source: source.code)
    conv.register_structure_hook(Money, _structure_money)
    conv.register_unstructure_hook(Money, _unstructure_money)

    # Containers and classes (function dispatch: later registrations win).
    conv.register_structure_hook_factory(_is_sequence, lambda cl: _sequence_structure(conv, cl))
    conv.register_unstructure_hook_factory(_is_sequence, lambda cl: _sequence_unstructure(conv, cl))
    conv.register_structure_hook_factory(_is_frozen_map, lambda cl: _map_structure(conv, cl))
    conv.register_unstructure_hook_factory(_is_frozen_map, lambda cl: _map_unstructure(conv, cl))
    conv.register_structure_hook_factory(_is_plain_attrs, lambda cl: _attrs_structure(conv, cl))
    conv.register_unstructure_hook_factory(_is_plain_attrs, lambda cl: _attrs_unstructure(conv, cl))
    conv.register_structure_hook_factory(_is_attrs_union, lambda cl: _union_structure(conv, cl))
    conv.register_unstructure_hook_factory(
        _is_attrs_union, lambda cl: _tagged_unstructure(conv, cl)
    )
    conv.register_structure_hook_factory(_is_interface, lambda cl: _interface_structure(conv, cl))
    conv.register_unstructure_hook_factory(_is_interface, lambda cl: _tagged_unstructure(conv, cl))
    return conv


# -- container hooks -------------------------------------------------------------------------


def _sequence(value: Any) -> Sequence[Any]:
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise _bad(value, "a list")
    return value


def _homogeneous(cl: Any) -> bool:
    args = typing.get_args(cl)
    return _is_list(cl) or not args or (len(args) == 2 and args[1] is Ellipsis)


def _sequence_structure(conv: cattrs.Converter, cl: Any) -> Callable[[Any, Any], Any]:
    """Tuples and lists from JSON lists only (a string is not a list of characters)."""
    args = typing.get_args(cl)
    homogeneous = _homogeneous(cl)
    item_types: Any = args[0] if args else Any
    make: Callable[[list[Any]], Any] = list if _is_list(cl) else tuple

    def hook(value: Any, _cl: Any) -> Any:
        items = _sequence(value)
        if not homogeneous and len(items) != len(args):
            raise _bad(value, f"a list of exactly {len(args)} items")
        result: list[Any] = []
        errors: list[Exception] = []
        for index, item in enumerate(items):
            kind = item_types if homogeneous else args[index]
            try:
                result.append(item if kind is Any else conv.get_structure_hook(kind)(item, kind))
            except Exception as err:  # every failure is reported with its path
                err.__notes__ = [
                    *getattr(err, "__notes__", []),
                    IterableValidationNote(f"Structuring item @ index {index}", index, kind),
                ]
                errors.append(err)
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        return make(result)

    return hook


def _sequence_unstructure(conv: cattrs.Converter, cl: Any) -> Callable[[Any], list[Any]]:
    args = typing.get_args(cl)
    homogeneous = _homogeneous(cl)

    def hook(value: Any) -> list[Any]:
        if homogeneous and args and args[0] is not Any:
            item = conv.get_unstructure_hook(args[0])
            return [item(v) for v in value]
        return [conv.unstructure(v) for v in value]

    return hook


def _map_structure(conv: cattrs.Converter, cl: Any) -> Callable[[Any, Any], FrozenMap[Any, Any]]:
    args = typing.get_args(cl)
    key_type, value_type = args if len(args) == 2 else (str, Any)

    def hook(value: Any, _cl: Any) -> FrozenMap[Any, Any]:
        if isinstance(value, FrozenMap):
            return value
        if not isinstance(value, Mapping):
            raise _bad(value, "an object (mapping)")
        result: dict[Any, Any] = {}
        errors: list[Exception] = []
        for key, item in value.items():
            try:
                k = conv.get_structure_hook(key_type)(key, key_type)
                v = (
                    item
                    if value_type is Any
                    else conv.get_structure_hook(value_type)(item, value_type)
                )
                result[k] = v
            except Exception as err:  # every failure is reported with its path
                err.__notes__ = [
                    *getattr(err, "__notes__", []),
                    IterableValidationNote(
                        f"Structuring mapping value @ key {key!r}", key, value_type
                    ),
                ]
                errors.append(err)
        if errors:
            raise IterableValidationError(f"While structuring {cl!r}", errors, cl)
        return FrozenMap(result)

    return hook


def _map_unstructure(conv: cattrs.Converter, cl: Any) -> Callable[[Any], dict[Any, Any]]:
    def hook(value: Any) -> dict[Any, Any]:
        return {conv.unstructure(k): conv.unstructure(v) for k, v in value.items()}

    return hook


def _interface_structure(conv: cattrs.Converter, cl: Any) -> Callable[[Any, Any], Any]:
    members = _implementations(cl)
    if not members:
        msg = f"no attrs class implements {cl.__qualname__}: cannot structure it"
        raise TypeError(msg)
    return _tagged_structure(conv, members, cl)


def _union_structure(conv: cattrs.Converter, cl: Any) -> Callable[[Any, Any], Any]:
    return _tagged_structure(conv, _union_members(cl) or (), cl)


def _tagged_structure(
    conv: cattrs.Converter, members: tuple[Any, ...], cl: Any
) -> Callable[[Any, Any], Any]:
    optional = type(None) in members
    by_tag = {_tag(m): m for m in members if m is not type(None)}
    if len(by_tag) != len([m for m in members if m is not type(None)]):
        msg = f"two members of {cl!r} share a class name, which the union tag needs"
        raise TypeError(msg)
    for member in by_tag.values():
        if _TAG in attrs.fields_dict(member):
            msg = f"{member.__name__} has a field named {_TAG!r}, which the union tag needs"
            raise TypeError(msg)
    choices = ", ".join(repr(t) for t in by_tag)

    def hook(value: Any, _cl: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, tuple(by_tag.values())):
            return value
        if not isinstance(value, Mapping):
            raise _bad(value, f"an object with {_TAG!r} one of {choices}")
        tag = value.get(_TAG)
        member = by_tag.get(tag) if isinstance(tag, str) else None
        if member is None:
            raise ValidationError(
                field=_TAG, value=tag if _TAG in value else MISSING, expected=f"one of {choices}"
            )
        data = {k: v for k, v in value.items() if k != _TAG}
        return conv.get_structure_hook(member)(data, member)

    return hook


def _tagged_unstructure(conv: cattrs.Converter, cl: Any) -> Callable[[Any], Any]:
    def hook(value: Any) -> Any:
        if value is None:
            return None
        data = conv.unstructure(value, type(value))
        if not isinstance(data, dict) or _TAG in data:
            msg = (
                f"{type(value).__name__} in {cl!r} must be an attrs class without a {_TAG!r} field"
            )
            raise TypeError(msg)
        return {_TAG: _tag(type(value)), **data}

    return hook


# -- attrs classes ---------------------------------------------------------------------------


def _attrs_unstructure(conv: cattrs.Converter, cl: type[Any]) -> Callable[[Any], Any]:
    generated = make_dict_unstructure_fn(cl, conv)

    def hook(value: Any) -> Any:
        if type(value) is not cl and attrs.has(type(value)):
            # Writing a subclass with its base's fields would drop data silently.
            msg = (
                f"a {type(value).__name__} where {cl.__name__} is declared: declare a union"
                " or an abstract base class so that the type is written"
            )
            raise TypeError(msg)
        return generated(value)

    return hook


class _Probe:
    """Stands in for the instance when a field validator is run on its own."""


def _field_error(
    conv: cattrs.Converter, field: attrs.Attribute[Any], kind: Any, raw: Any
) -> Exception | None:
    """The validator's complaint about one field that parses on its own, if any."""
    try:
        item = conv.get_structure_hook(kind)(raw, kind)
    except Exception:
        return None  # reported by the generated hook already
    try:
        converter: Any = field.converter
        if callable(converter) and not isinstance(converter, attrs.Converter):
            item = converter(item)
        if field.validator is not None:
            field.validator(_Probe(), field, item)
    except ValidationError as err:
        # A validator names the field relative to the object (``events[2].at``).
        return ValidationError(
            field=err.field or field.name, value=err.value, expected=err.expected or err.message
        )
    except Exception:
        return None  # validators that need the whole object
    return None


def _attrs_structure(conv: cattrs.Converter, cl: type[Any]) -> Callable[[Any, Any], Any]:
    generated = make_dict_structure_fn(
        cl, conv, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True
    )
    fields = attrs.fields(cl)
    hints: dict[str, Any] = {}

    def field_errors(value: Mapping[str, Any], skip: set[str]) -> list[Exception]:
        # Check every field that parses on its own against its validator, so one
        # report lists every bad field rather than stopping at the first.
        if not hints:
            hints.update(typing.get_type_hints(cl))
        found = (
            _field_error(conv, field, hints.get(field.name, field.type), value[field.name])
            for field in fields
            if field.name in value and field.init and field.name not in skip
        )
        return [err for err in found if err is not None]

    def hook(value: Any, _cl: Any) -> Any:
        if isinstance(value, cl):
            return value
        if not isinstance(value, Mapping):
            raise _bad(value, f"an object with the fields of {cl.__name__}")
        try:
            return generated(value, cl)
        except ClassValidationError as err:
            noted, other = err.group_exceptions()
            extra = field_errors(value, {note.name for _, note in noted})
            if extra:
                # attrs runs field validators before __attrs_post_init__, so an
                # error from __init__ is one of the field errors found again.
                other = [e for e in other if not isinstance(e, ValidationError)]
            excs = [e for e, _ in noted] + other + extra
            raise ClassValidationError(err.message, excs, cl) from None
        except ValidationError:
            # Raised by the class's own validators inside __init__.
            extra = field_errors(value, set())
            if extra:
                raise ClassValidationError(f"While structuring {cl.__name__}", extra, cl) from None
            raise

    return hook


# -- error flattening ------------------------------------------------------------------------


def _join(path: str, field: str | None) -> str:
    if not field:
        return path
    if not path or field.startswith("["):
        return path + field
    return f"{path}.{field}"


def _in_field_order(errors: list[ValidationError], cl: Any, path: str) -> list[ValidationError]:
    """Sort one object's errors by its fields' declaration order (unknown keys last)."""
    if not (isinstance(cl, type) and attrs.has(cl)):
        return errors
    order = {a.name: i for i, a in enumerate(attrs.fields(cl))}

    def position(err: ValidationError) -> int:
        rest = (err.field or "")[len(path) :].lstrip(".")
        return order.get(re.split(r"[.\[]", rest, maxsplit=1)[0], len(order))

    return sorted(errors, key=position)


def _flatten(err: BaseException, path: str) -> list[ValidationError]:
    if isinstance(err, ClassValidationError):
        noted, other = err.group_exceptions()
        out: list[ValidationError] = []
        for inner, note in noted:
            out += _flatten(inner, _join(path, note.name))
        for inner in other:
            out += _flatten(inner, path)
        return _in_field_order(out, err.cl, path)
    if isinstance(err, IterableValidationError):
        noted_items, other_items = err.group_exceptions()
        out = []
        for inner, item_note in noted_items:
            index = item_note.index
            step = f"[{index}]" if isinstance(index, int) else _key_path(index)
            out += _flatten(inner, path + step)
        for inner in other_items:
            out += _flatten(inner, path)
        return out
    if isinstance(err, ForbiddenExtraKeysError):
        return [
            ValidationError(field=_join(path, key), expected="no such field (unknown key)")
            for key in sorted(err.extra_fields)
        ]
    if isinstance(err, ValidationError):
        if err.errors:
            out = []
            for child in err.errors:
                out += _flatten(child, path)
            return out
        where = _join(path, err.field) or None
        return [ValidationError(field=where, value=err.value, expected=err.expected or err.message)]
    if isinstance(err, KeyError):
        return [ValidationError(field=path or None, expected="a value (required field missing)")]
    return [ValidationError(field=path or None, expected=f"valid input ({err})")]


# -- shortcuts -------------------------------------------------------------------------------


@cache
def _shared() -> cattrs.Converter:
    # Private and built once: the shortcuts need a converter, callers who
    # want to add hooks use make_converter() and their own instance.
    return make_converter()


@cache
def _shared_cells() -> cattrs.Converter:
    return make_converter(text_cells=True)


def to_dict(value: Any, *, converter: cattrs.Converter | None = None) -> Any:
    """Plain JSON-able data (dicts, lists, strings, numbers) for ``value``.

    >>> from crmcore.models import LeadSource
    >>> to_dict(LeadSource.TRADE_SHOW)
    'trade_show'
    """
    return (converter or _shared()).unstructure(value)


def from_dict(data: Any, cl: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Build a ``cl`` from plain data; raises ValidationError naming every bad field.

    >>> from datetime import date
    >>> from_dict("2026-03-21", date)
    datetime.date(2026, 3, 21)
    """
    check_nesting(data, obj=_type_name(cl))
    try:
        result: T = (converter or _shared()).structure(data, cl)
    except RecursionError:  # pragma: no cover - check_nesting stops this first
        raise ValidationError(
            obj=_type_name(cl), expected=f"at most {MAX_NESTING} levels of nesting"
        ) from None
    return result


def to_json(
    value: Any, *, converter: cattrs.Converter | None = None, indent: int | None = None
) -> str:
    """``value`` as JSON text (UTF-8 characters kept, not escaped).

    >>> to_json(Money("1200000", "IRR"))
    '{"amount": "1200000", "currency": "IRR"}'
    """
    data = to_dict(value, converter=converter)
    try:
        return json.dumps(data, ensure_ascii=False, allow_nan=False, indent=indent)
    except ValueError as err:
        raise ValidationError(obj=_type_name(type(value)), value=value, expected=str(err)) from None


def from_json(text: str | bytes, cl: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Parse JSON text into a ``cl``; malformed JSON is a ValidationError too.

    Numbers with a fraction are read as floats, so a money amount must be a
    string (``"12.50"``): a float would be refused.

    >>> from_json('{"amount": "12.50", "currency": ', Money)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: Money: got '{"amount": "12.50", "currency": '; expected well-formed JSON (Expecting value at line 1 column 33)
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as err:
        # also an integer past sys.get_int_max_str_digits() or nesting past the stack
        raise ValidationError(
            obj=_type_name(cl), value=text, expected=f"well-formed JSON ({_json_problem(err)})"
        ) from None
    check_nesting(data, obj=_type_name(cl))
    return from_dict(data, cl, converter=converter)


def from_rows(
    rows: Iterable[Mapping[str, str | None]],
    cl: type[T],
    *,
    converter: cattrs.Converter | None = None,
    start: int = 2,
) -> Iterator[T]:
    """Build one ``cl`` per flat row (a CSV row read by :class:`csv.DictReader`).

    An empty cell means "not given" (the field's default applies); a dotted
    column name nests (``amount.amount`` and ``amount.currency`` build a
    :class:`~crmcore.money.Money`); integers, numbers and flags are read
    from their text, in any digit script (``"۱۲"`` is 12). A bad row raises
    ValidationError whose ``obj`` names the row (``row 6``, counting the
    header as row 1).

    >>> from crmcore.pricing import Unit
    >>> list(from_rows([{"name": "box", "quantity": "۱۲", "of": "piece"}], Unit))
    [Unit(name='box', quantity=Decimal('12'), of='piece')]
    >>> rows = [{"amount": "12.50", "currency": "EUR"}, {"amount": "x", "currency": "EUR"}]
    >>> list(from_rows(rows[:1], Money))
    [Money('12.50', 'EUR')]
    >>> list(from_rows(rows, Money))
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: row 3: 1 invalid field(s)
      - Money.amount: got 'x'; expected a finite decimal number such as '12.50'
    """
    for number, row in enumerate(rows, start=start):
        data: dict[str, Any] = {}
        for key, cell in row.items():
            if key is None or cell is None or cell == "":
                continue
            *parents, leaf = str(key).split(".")
            target = data
            for part in parents:
                target = target.setdefault(part, {})
            target[leaf] = cell
        try:
            yield from_dict(data, cl, converter=converter or _shared_cells())
        except ValidationError as err:
            raise ValidationError(obj=f"row {number}", errors=err.errors or (err,)) from None


def check_nesting(data: Any, *, obj: str = "document", limit: int = MAX_NESTING) -> None:
    """Refuse ``data`` (parsed JSON/TOML) nested deeper than ``limit`` levels.

    Iterative, so the check itself cannot exhaust the stack.

    >>> check_nesting([[[]]], limit=2)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: document: nested more than 2 levels deep; expected at most 2 (crmcore.serialization.MAX_NESTING)
    """
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            children: Iterable[Any] = item.values()
        elif isinstance(item, list | tuple):
            children = item
        else:
            continue
        if depth > limit:
            raise ValidationError(
                f"{obj}: nested more than {limit} levels deep; expected at most {limit} "
                "(crmcore.serialization.MAX_NESTING)",
                obj=obj,
                value=depth,
                expected=f"at most {limit} levels of nesting",
            )
        stack.extend((child, depth + 1) for child in children)


def _json_problem(err: Exception) -> str:
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} at line {err.lineno} column {err.colno}"
    if isinstance(err, RecursionError):
        return f"nested deeper than {MAX_NESTING} levels (crmcore.serialization.MAX_NESTING)"
    return str(err).split("; use sys.set_int_max_str_digits", 1)[0]


def load_toml(text: str, cl: type[T], *, converter: cattrs.Converter | None = None) -> T:
    """Parse TOML text (e.g. a scorecard) into a ``cl``.

    TOML is written by hand, so its fractional numbers are read exactly as
    Decimals (``points = 2.5`` is ``Decimal('2.5')``), never as floats.

    >>> load_toml('amount = 2.5\\ncurrency = "EUR"', Money)
    Money('2.5', 'EUR')
    """
    if not isinstance(text, str):
        raise ValidationError(obj=_type_name(cl), value=text, expected="TOML text (a str)")
    try:
        data = tomllib.loads(text, parse_float=Decimal)
    except (ValueError, RecursionError) as err:  # TOMLDecodeError is a ValueError
        raise ValidationError(
            obj=_type_name(cl), value=text, expected=f"well-formed TOML ({_json_problem(err)})"
        ) from None
    check_nesting(data, obj=_type_name(cl))
    return from_dict(data, cl, converter=converter)
