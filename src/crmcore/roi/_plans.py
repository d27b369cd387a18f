"""A plan written by hand: two shorthands expanded into the serialized form (private)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from crmcore.errors import ValidationError
from crmcore.roi._periods import periods

__all__ = ["expand_plan"]


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


def _expand_benefit(item: object, currency: object) -> object:
    if not isinstance(item, Mapping):
        return item
    entry = dict(item)
    entry["baseline"] = _money_dict(entry.get("baseline", "0"), currency)
    if isinstance(entry.get("values"), list):
        entry["values"] = [_money_dict(v, currency) for v in entry["values"]]
    return entry


def expand_plan(data: object) -> dict[str, Any]:
    """A hand-written plan (JSON data) in the form ``crmcore.serialization`` reads as a RoiPlan.

    Two shorthands are expanded: ``periods`` as ``{"kind", "first",
    "count"[, "fiscal_start_month"]}`` (see :func:`periods`), and amounts as
    bare strings or ints in the plan's ``currency``. The name defaults to
    ``"plan"``. Anything else is passed on untouched, so the serialized form
    of a plan is accepted as it is.

    >>> expand_plan({"currency": "IRR", "costs": [{"category": "training", "amount": "9000000"}],
    ...              "periods": {"kind": "jalali_year", "first": "2025-03-21", "count": 1}})
    ... # doctest: +NORMALIZE_WHITESPACE
    {'currency': 'IRR', 'costs': [{'category': 'training',
      'amount': {'amount': '9000000', 'currency': 'IRR'}}],
     'periods': [{'label': '1404', 'start': '2025-03-21', 'end': '2026-03-21'}], 'name': 'plan'}
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
        expanded["benefits"] = [_expand_benefit(item, currency) for item in data["benefits"]]
    expanded.setdefault("name", "plan")
    return expanded
