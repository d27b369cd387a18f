"""DataFrame adapter for columnar pricing (private; see ``crmcore.frames``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from crmcore._backend import Backend
from crmcore.errors import ValidationError
from crmcore.frames._common import (
    MoneyDtype,
    column,
    decimal_cell,
    frame_of,
    money_kind,
    require_columns,
    require_frame,
)
from crmcore.money import currency_places
from crmcore.pricing import (
    Catalog,
    PriceList,
    PricingContext,
    PricingOptions,
    PricingRules,
    price_columns,
)

__all__ = ["price_frame"]

_OBJ = "price_frame"
_MAX_PLACES = 12
_OUT = (
    ("price_per_unit", "unit_prices"),
    ("gross_amount", "gross_amounts"),
    ("volume_discount_total", "volume_discounts"),
    ("amount", "amounts"),
    ("manual_discount", "manual_discounts"),
    ("net_amount", "net_amounts"),
    ("header_discount_share", "header_discount_shares"),
    ("tax", "taxes"),
    ("extended_amount", "extended_amounts"),
)


def _scaled(frame: Any, name: str, *, least: int, missing: int | None) -> tuple[Any, int]:
    """An exact number column as integers over ``10^places`` (integer dtypes as they are)."""
    series = frame[name]
    if least == 0 and series.dtype.kind in "iu":
        return series.to_numpy(), 0
    numbers: list[Decimal] = []
    for index, cell in enumerate(column(frame, name)):
        exact = decimal_cell(cell, obj=_OBJ, field=f"{name}[{index}]")
        if exact is None:
            if missing is None:
                raise ValidationError(
                    obj=_OBJ, field=f"{name}[{index}]", value=cell, expected="a number"
                )
            exact = Decimal(missing)
        numbers.append(exact)
    exponents = [n.as_tuple().exponent for n in numbers]
    places = max([least, *(-e for e in exponents if isinstance(e, int))])
    if places > _MAX_PLACES:
        index = next(i for i, e in enumerate(exponents) if isinstance(e, int) and -e == places)
        raise ValidationError(
            obj=_OBJ,
            field=f"{name}[{index}]",
            value=str(numbers[index]),
            expected=f"at most {_MAX_PLACES} decimal places",
        )
    return [int(n.scaleb(places)) for n in numbers], places


def price_frame(
    frame: Any,
    catalog: Catalog,
    price_list: PriceList,
    *,
    options: PricingOptions | None = None,
    header_discount_percent: Mapping[str, Decimal | int | str] | None = None,
    header_discount_amount: Mapping[str, int] | None = None,
    freight: Mapping[str, int] | None = None,
    rules: PricingRules | None = None,
    context: PricingContext | None = None,
    on: date | None = None,
    money: MoneyDtype = "decimal",
    backend: Backend = "auto",
) -> Any:
    """Price a table of lines through :func:`crmcore.pricing.price_columns`.

    ``frame`` has the columns ``product_id`` and ``quantity`` (exact: ints,
    Decimals, numeric text, floats by their shortest repr) and optionally
    ``unit``, ``manual_discount`` (an amount in the price list's currency,
    empty for none) and ``document_id`` (then header discounts by document id,
    in minor units for amounts and freight, as ``price_columns`` takes them);
    ``rules``, ``context`` and ``on`` are ``price_columns``'s.
    The result has the frame's index, the ``product_id`` and ``quantity``
    columns, one column per figure named as on
    :class:`~crmcore.pricing.PricedLine` (exact ``Decimal``, or float64 with
    ``money="float"``) and ``currency``; every row equals ``price_document``'s
    line.

    >>> import pandas as pd
    >>> from crmcore.money import Money
    >>> from crmcore.pricing import Catalog, PriceList, PriceListItem, Product, UnitGroup
    >>> catalog = Catalog((Product("P1", "Pen", UnitGroup("each", "each"), "each"),))
    >>> plist = PriceList("pl", "USD", (PriceListItem("P1", "each", amount=Money("1.25", "USD")),))
    >>> lines = pd.DataFrame({"product_id": ["P1", "P1"], "quantity": ["3", "0.5"],
    ...                       "manual_discount": [None, "0.10"]})
    >>> price_frame(lines, catalog, plist)[["quantity", "amount", "extended_amount"]]
      quantity amount extended_amount
    0        3   3.75            3.75
    1      0.5   0.63            0.53
    """
    require_frame(frame, obj=_OBJ)
    require_columns(frame, ["product_id", "quantity"], obj=_OBJ)
    kind = money_kind(money, obj=_OBJ)
    if not isinstance(price_list, PriceList):
        raise ValidationError(
            obj=_OBJ, field="price_list", value=price_list, expected="a PriceList"
        )
    places = currency_places(price_list.currency)
    quantities, quantity_places = _scaled(frame, "quantity", least=0, missing=None)
    manual, discount_places = None, places
    if "manual_discount" in frame.columns:
        manual, discount_places = _scaled(frame, "manual_discount", least=places, missing=0)
    optional = {
        "units": column(frame, "unit") if "unit" in frame.columns else None,
        "document_ids": column(frame, "document_id") if "document_id" in frame.columns else None,
    }
    priced = price_columns(
        catalog,
        price_list,
        column(frame, "product_id"),  # type: ignore[arg-type]
        quantities,
        quantity_places=quantity_places,
        manual_discounts=manual,
        discount_places=discount_places,
        options=options,
        header_discount_percent=header_discount_percent,
        header_discount_amount=header_discount_amount,
        freight=freight,
        rules=rules,
        context=context,
        on=on,
        backend=backend,
        **optional,  # type: ignore[arg-type]
    )
    return _result(frame, priced, money=kind, places=places, currency=price_list.currency)


def _result(frame: Any, priced: Any, *, money: MoneyDtype, places: int, currency: str) -> Any:
    out: dict[str, Any] = {
        "product_id": frame["product_id"].to_numpy(),
        "quantity": frame["quantity"].to_numpy(),
    }
    for name, source in _OUT:
        values = getattr(priced, source)
        scale = priced.price_places if source == "unit_prices" else places
        cells = values.tolist() if hasattr(values, "tolist") else list(values)
        if money == "float":
            out[name] = [v / 10**scale for v in cells]
        else:
            out[name] = [Decimal(v).scaleb(-scale) for v in cells]
    out["currency"] = [currency] * len(frame)
    return frame_of(out, index=frame.index, obj=_OBJ)
