"""Columnar pricing: many price-list lines in exact integer minor units (private).

:func:`price_columns` prices a batch of lines given as columns (product id,
quantity, optional unit and manual discount) with the arithmetic of
:func:`~crmcore.pricing.price_document`, equal to it to the minor unit on
every line. What does not depend on a line's own numbers (the price-list
price, the unit, the discount bands, the tax rate) is resolved once per
distinct (product, unit) key by the catalog's own methods
(:mod:`crmcore.pricing._columnar_tables`); the per-line arithmetic is integer
(:mod:`crmcore.pricing._columnar_kernels`), over numpy int64 columns when
numpy is installed.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore._backend import Backend, resolve_backend
from crmcore.errors import PricingError, ValidationError
from crmcore.money import Money, currency_places
from crmcore.pricing._catalog import Catalog, DiscountList, PriceList
from crmcore.pricing._columnar_documents import (
    DocumentColumns,
    DocumentInput,
    document_columns,
    document_input,
    headers,
    numpy_headers,
    numpy_shares,
    numpy_sums,
    python_shares,
    python_sums,
)
from crmcore.pricing._columnar_kernels import (
    Settings,
    numpy_amounts,
    numpy_taxes,
    python_amounts,
    python_taxes,
)
from crmcore.pricing._columnar_rules import RuleSetting, recode_numpy, recode_python
from crmcore.pricing._columnar_tables import (
    KeyFigures,
    Tables,
    build_segments,
    line_error,
    places_of,
    resolve_key,
    tax_rate,
)
from crmcore.pricing._documents import ManualDiscountMethod, PricingOptions, RoundingPoint
from crmcore.pricing._rules import PricingRules
from crmcore.pricing._selection import PricingContext

_OBJ = "price_columns"
_MAX_PLACES = 12
_INT64 = 2**63 - 1
_MAX_UNITS = 10**18  # crmcore.money.MAX_AMOUNT: the bound of every LineItem quantity and Money
_AMOUNTS = (
    "gross_amounts",
    "volume_discounts",
    "amounts",
    "manual_discounts",
    "header_discount_shares",
    "net_amounts",
    "taxes",
    "extended_amounts",
)


@attrs.frozen(eq=False)
class PricedColumns:
    """The figures of :func:`price_columns`: one column per figure, one row per line.

    Every amount column holds integers in minor units of :attr:`currency`
    (a numpy int64 array on the numpy backend, a list of ints on the Python
    one); :attr:`unit_prices` are in units of ``10^-price_places``. Row
    ``i`` equals the :class:`~crmcore.pricing.PricedLine` ``price_document``
    gives the same line: ``gross_amounts`` is its ``gross_amount``,
    ``volume_discounts`` its ``volume_discount_total``, ``amounts`` its
    ``amount``, ``net_amounts`` its ``net_amount``, ``extended_amounts``
    its ``extended_amount``. :meth:`as_money` turns a column into
    :class:`~crmcore.money.Money`.
    """

    currency: str
    """Currency of every amount (the price list's)."""
    places: int
    """Minor-unit digits of :attr:`currency` (IRR 0, USD 2)."""
    price_places: int
    """Decimal places of :attr:`unit_prices` (the largest pricing precision of the batch)."""
    backend: str
    """The backend that ran: ``"python"`` or ``"numpy"``."""
    unit_prices: Sequence[int]
    """Price per unit × ``10^price_places``."""
    gross_amounts: Sequence[int]
    """``quantity × price per unit``, rounded (before the volume discount)."""
    volume_discounts: Sequence[int]
    """The discount-list discount on the line: ``gross − amount``."""
    amounts: Sequence[int]
    """The amount after the volume discount, rounded."""
    manual_discounts: Sequence[int]
    """The manual discount taken off the line, rounded."""
    net_amounts: Sequence[int]
    """``amount − manual discount``: the line's part of a document's detail amount."""
    header_discount_shares: Sequence[int]
    """The line's share of its document's header discount (0 without ``document_ids``)."""
    taxes: Sequence[int]
    """The line's tax, rounded (on ``net − share`` when taxed after the header discount)."""
    extended_amounts: Sequence[int]
    """``net amount + tax``."""
    documents: DocumentColumns | None = None
    """Each document's totals, when the batch was given ``document_ids``."""

    def __len__(self) -> int:
        return len(self.amounts)

    def as_money(self, name: str) -> tuple[Money, ...]:
        """The column ``name`` (``"taxes"``, ``"unit_prices"``, …) as :class:`Money` values.

        >>> from crmcore.pricing import Catalog, PriceList, PriceListItem, Product, UnitGroup
        >>> catalog = Catalog((Product("P1", "Pen", UnitGroup("each", "each"), "each"),))
        >>> plist = PriceList("pl", "USD", (PriceListItem("P1", "each", amount=Money("1.25", "USD")),))
        >>> price_columns(catalog, plist, ["P1"], [3], backend="python").as_money("amounts")
        (Money('3.75', 'USD'),)
        """
        if name == "unit_prices":
            places = self.price_places
        elif name in _AMOUNTS:
            places = self.places
        else:
            raise ValidationError(
                obj="PricedColumns",
                field="name",
                value=name,
                expected="one of unit_prices, " + ", ".join(_AMOUNTS),
            )
        values = getattr(self, name)
        items = values.tolist() if hasattr(values, "tolist") else values
        return tuple(Money.of_decimal(Decimal(v).scaleb(-places), self.currency) for v in items)

    def explain(self) -> tuple[str, ...]:
        """How the columns were computed, one step per string."""
        steps = [
            f"{len(self)} lines priced on the {self.backend} backend in {self.currency} "
            f"minor units (10^-{self.places})",
            "per (product, unit): price-list price, unit, discount bands and tax rate "
            "resolved once, as price_document resolves them (pricing rules: once per quantity)",
            "per line, in integers: gross = rnd(quantity × price); amount = rnd(quantity × "
            "price − volume discount); net = amount − manual discount",
        ]
        if self.documents is not None:
            steps.append(
                f"{len(self.documents)} documents: header discount = rnd(detail × percent) or "
                "the amount, split over the lines by largest remainder"
            )
        steps.append(
            "tax = rnd(tax policy on the net amount (less the share when taxed after "
            "the header discount)); extended = net + tax"
        )
        return tuple(steps)


def _require(value: object, kind: type, field: str) -> None:
    if not isinstance(value, kind):
        raise ValidationError(obj=_OBJ, field=field, value=value, expected=f"a {kind.__name__}")


def _places(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _MAX_PLACES:
        raise ValidationError(
            obj=_OBJ, field=field, value=value, expected=f"an int from 0 to {_MAX_PLACES}"
        )
    return value


def _as_list(values: object, field: str) -> list[Any]:
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        raise ValidationError(
            obj=_OBJ, field=field, value=values, expected="a column: a list, tuple or numpy array"
        )
    tolist = getattr(values, "tolist", None)
    return list(tolist() if callable(tolist) else values)  # type: ignore[arg-type]


def _ints(values: object, field: str, n: int, *, positive: bool, places: int) -> list[int]:
    """A column of integers, each checked (bool, float and text refused; at most 10^18 units)."""
    items = _as_list(values, field)
    if len(items) != n:
        raise ValidationError(
            obj=_OBJ, field=field, value=len(items), expected=f"one value per line ({n})"
        )
    out: list[int] = []
    low = 1 if positive else 0
    high = _MAX_UNITS * 10**places
    for index, raw in enumerate(items):
        value: int | None = raw
        if type(raw) is not int:
            try:
                if isinstance(raw, bool):
                    raise TypeError
                value = operator.index(raw)
            except TypeError:
                value = None
        if value is None or not low <= value <= high:
            raise _range_error(field, index, raw, low, places)
        out.append(value)
    return out


def _range_error(field: str, index: int, value: object, low: int, places: int) -> ValidationError:
    return ValidationError(
        obj=_OBJ,
        field=f"{field}[{index}]",
        value=value,
        expected=(
            f"an int from {low} to 10^{18 + places} (units of 10^-{places}; at most 10^18, "
            "crmcore.money.MAX_AMOUNT)"
        ),
    )


def _factorize(values: list[Any], field: str) -> tuple[list[int], list[Any]]:
    """Codes and labels of a text column (None allowed only for units)."""
    try:
        labels = list(dict.fromkeys(values))
    except TypeError:  # an unhashable cell (a list, a signalling NaN)
        index, bad = next(
            (i, v) for i, v in enumerate(values) if not isinstance(v, (str, type(None)))
        )
        raise ValidationError(
            obj=_OBJ, field=f"{field}[{index}]", value=bad, expected="a non-empty text"
        ) from None
    for label in labels:
        if not (isinstance(label, str) and label) and not (label is None and field == "units"):
            index = values.index(label)
            raise ValidationError(
                obj=_OBJ,
                field=f"{field}[{index}]",
                value=label,
                expected="a non-empty text" + (" or None" if field == "units" else ""),
            )
    index_of = {label: code for code, label in enumerate(labels)}
    return list(map(index_of.__getitem__, values)), labels


def _keys(
    product_ids: object, units: object | None, n: int
) -> tuple[list[int], list[tuple[str, str | None]]]:
    ids = _as_list(product_ids, "product_ids")
    if len(ids) != n:
        raise ValidationError(
            obj=_OBJ, field="product_ids", value=len(ids), expected=f"one per quantity ({n})"
        )
    codes, labels = _factorize(ids, "product_ids")
    if units is None:
        return codes, [(label, None) for label in labels]
    unit_list = _as_list(units, "units")
    if len(unit_list) != n:
        raise ValidationError(
            obj=_OBJ, field="units", value=len(unit_list), expected=f"one per line ({n})"
        )
    ucodes, ulabels = _factorize(unit_list, "units")
    width = len(ulabels)
    combined = [p * width + u for p, u in zip(codes, ucodes, strict=True)]
    index_of = {label: code for code, label in enumerate(dict.fromkeys(combined))}
    pairs = list(map(index_of.__getitem__, combined))
    combined = list(index_of)
    return pairs, [(labels[c // width], ulabels[c % width]) for c in combined]


def _tables(
    catalog: Catalog,
    *,
    price_list: PriceList,
    options: PricingOptions,
    keys: list[tuple[str, str | None]],
    codes: list[int],
    quantity_places: int,
) -> tuple[Tables, list[DiscountList | None], Callable[[KeyFigures, DiscountList | None], None]]:
    """Every key's figures, each key's discount list, and the function that builds segments."""
    currency = price_list.currency
    places = currency_places(currency)
    rounding = options.rounding_mode.decimal_mode
    exponent = Decimal(1).scaleb(-places)
    tables = Tables(currency, places, quantity_places, rounding)
    at_unit = options.rounding_point is RoundingPoint.UNIT_PRICE

    def rnd(value: Decimal) -> Decimal:
        return value.quantize(exponent, rounding=rounding)

    def segmenter(key: KeyFigures, dl: DiscountList | None) -> None:
        build_segments(
            key, dl, at_unit=at_unit, rnd=rnd, quantity_places=quantity_places, places=places
        )

    lists: list[DiscountList | None] = []
    for code, (product_id, unit) in enumerate(keys):
        try:
            key, dl = resolve_key(
                catalog,
                price_list,
                product_id,
                unit,
                currency=currency,
                negative_price=options.negative_price,
            )
        except (ValidationError, PricingError) as exc:
            raise line_error(exc, "product_ids", codes.index(code)) from exc
        segmenter(key, dl)
        key.tax_rate = tax_rate(options.tax_policy, key.product.id)
        tables.keys.append(key)
        lists.append(dl)
    rates = [k.tax_rate for k in tables.keys if k.tax_rate is not None]
    tables.tax_places = max((places_of(r) for r in rates), default=0)
    return tables, lists, segmenter


def _whole_error(index: int, quantity: int, key: KeyFigures, places: int) -> ValidationError:
    return ValidationError(
        obj=_OBJ,
        field=f"quantities[{index}]",
        value=f"{Decimal(quantity).scaleb(-places):f}",
        expected=f"a whole number (product {key.product.id!r} is sold in whole units)",
    )


def _check_whole(keys: list[KeyFigures], codes: list[int], quantities: list[int], s: int) -> None:
    if not s or not any(k.whole for k in keys):
        return
    scale = 10**s
    for index, (code, q) in enumerate(zip(codes, quantities, strict=True)):
        if keys[code].whole and q % scale:
            raise _whole_error(index, q, keys[code], s)


def price_columns(
    catalog: Catalog,
    price_list: PriceList,
    product_ids: Sequence[str],
    quantities: Sequence[int],
    *,
    units: Sequence[str | None] | None = None,
    quantity_places: int = 0,
    manual_discounts: Sequence[int] | None = None,
    discount_places: int | None = None,
    options: PricingOptions | None = None,
    document_ids: Sequence[str] | None = None,
    header_discount_percent: Mapping[str, Decimal | int | str] | None = None,
    header_discount_amount: Mapping[str, int] | None = None,
    freight: Mapping[str, int] | None = None,
    rules: PricingRules | None = None,
    context: PricingContext | None = None,
    on: date | None = None,
    backend: Backend = "auto",
) -> PricedColumns:
    """Price many price-list lines given as columns, in exact integer minor units.

    Row ``i`` equals, to the minor unit, the line ``price_document`` prices
    from ``LineItem(product_ids[i], quantity, units[i], manual_discount=...)``
    with the same catalog, price list and ``options``. Quantities are
    integers in units of ``10^-quantity_places``; manual discounts in units
    of ``10^-discount_places`` (default: the currency's minor unit). With
    ``document_ids`` each document gets its header discount (percentage or
    minor units, by document id), each line its largest-remainder share and
    :attr:`PricedColumns.documents` the totals with ``freight``. ``rules``
    apply as for a document with ``pricing_context=context`` issued ``on``
    (a line earning free goods is refused). Price overrides, locked prices
    and tax overrides are not taken. See ``docs/pricing.md``.

    Tea in rials, 10 % off from 3 boxes, VAT 10 % (3 × 1,250,000 × 0.9 = 3,375,000):

    >>> from crmcore.pricing import (Catalog, DiscountBand, DiscountList, IranianVat,
    ...     PriceList, PriceListItem, Product, UnitGroup)
    >>> tea = Catalog((Product("TEA", "چای", UnitGroup("box", "box"), "box"),))
    >>> rials = PriceList("retail", "IRR", (PriceListItem("TEA", "box", amount=Money(1_250_000,
    ...     "IRR"), discount_list=DiscountList("bulk", "percentage", (DiscountBand(3, None, 10),))),))
    >>> priced = price_columns(tea, rials, ["TEA", "TEA"], [1, 3],
    ...     options=PricingOptions(tax_policy=IranianVat.for_year(1405)), backend="python")
    >>> priced.amounts, priced.taxes, priced.extended_amounts
    ([1250000, 3375000], [125000, 337500], [1375000, 3712500])
    """
    engine = resolve_backend(backend, obj=_OBJ)
    options = _checked(catalog, price_list, options)
    s = _places(quantity_places, "quantity_places")
    dp = currency_places(price_list.currency) if discount_places is None else discount_places
    n = _length(quantities)
    codes, keys = _keys(product_ids, units, n)
    tables, lists, segmenter = _tables(
        catalog, price_list=price_list, options=options, keys=keys, codes=codes, quantity_places=s
    )
    ruled = None
    if rules is not None:
        _require(rules, PricingRules, "rules")
        ruled = RuleSetting(
            rules, catalog, tables, context=context, on=on, lists=lists, segmenter=segmenter
        )
    settings = _settings(options, _places(dp, "discount_places"))
    ids = None if document_ids is None else _as_list(document_ids, "document_ids")
    docs = document_input(
        None if ids is None else _factorize(ids, "document_ids"),
        n,
        percent=header_discount_percent,
        amount=header_discount_amount,
        freight=freight,
        places=tables.places,
    )
    run = _run_numpy if engine == "numpy" else _run_python
    columns = run(tables, settings, codes, quantities, manual_discounts, docs, ruled)
    return PricedColumns(
        currency=price_list.currency,
        places=tables.places,
        price_places=tables.price_places,
        backend=engine,
        **columns,
    )


def _checked(catalog: object, price_list: object, options: object) -> PricingOptions:
    _require(catalog, Catalog, "catalog")
    _require(price_list, PriceList, "price_list")
    chosen = PricingOptions() if options is None else options
    _require(chosen, PricingOptions, "options")
    return chosen  # type: ignore[return-value]


def _settings(options: PricingOptions, discount_places: int) -> Settings:
    return Settings(
        discount_places=discount_places,
        per_unit=options.manual_discount_method is ManualDiscountMethod.PER_UNIT,
        policy=options.tax_policy,
        tax_after=options.taxes_after_header_discount,
    )


def _length(quantities: object) -> int:
    if hasattr(quantities, "shape") and hasattr(quantities, "__len__"):
        return len(quantities)
    return len(_as_list(quantities, "quantities"))


def _run_python(  # noqa: PLR0917 - the two runners share one signature
    t: Tables,
    s: Settings,
    codes: list[int],
    quantities: object,
    manuals: object,
    docs: DocumentInput | None,
    ruled: RuleSetting | None,
) -> dict[str, Any]:
    n = len(codes)
    qs = _ints(quantities, "quantities", n, positive=True, places=t.quantity_places)
    ms = None
    if manuals is not None:
        ms = _ints(manuals, "manual_discounts", n, positive=False, places=s.discount_places)
    _check_whole(t.keys, codes, qs, t.quantity_places)
    if ruled is not None and ruled.any:
        codes = recode_python(ruled, t, codes, qs)
    gross, amounts, manual = python_amounts(t, s, codes, qs, ms)
    net = [a - m for a, m in zip(amounts, manual, strict=True)]
    shares = [0] * n
    documents = None
    if docs is not None:
        size = len(docs.ids)
        details = python_sums(docs.codes, net, size)
        header = headers(docs, details, t)
        shares = python_shares(docs, net, header)
    taxable = [a - b for a, b in zip(net, shares, strict=True)] if s.tax_after else net
    taxes = python_taxes(t, s, codes, taxable)
    if docs is not None:
        total_tax = python_sums(docs.codes, taxes, size)
        documents = document_columns(
            docs, details, header, total_tax, currency=t.currency, places=t.places
        )
    prices = t.price_units()
    return {
        "unit_prices": [prices[c] for c in codes],
        "gross_amounts": gross,
        "volume_discounts": [g - a for g, a in zip(gross, amounts, strict=True)],
        "amounts": amounts,
        "manual_discounts": manual,
        "net_amounts": net,
        "header_discount_shares": shares,
        "taxes": taxes,
        "extended_amounts": [n + x for n, x in zip(net, taxes, strict=True)],
        "documents": documents,
    }


def _int64(np: Any, values: list[int], field: str) -> Any:
    try:
        return np.array(values, dtype=np.int64)
    except OverflowError:
        index = next(i for i, v in enumerate(values) if v > _INT64)
        raise ValidationError(
            obj=_OBJ,
            field=f"{field}[{index}]",
            value=values[index],
            expected="at most 2^63 − 1 on the numpy backend (use backend='python')",
        ) from None


def _int_array(np: Any, values: object, field: str, n: int, *, positive: bool, places: int) -> Any:
    """A column as int64, checked; a numpy integer array is taken without a Python loop."""
    if not (isinstance(values, np.ndarray) and values.ndim == 1 and values.dtype.kind in "iu"):
        return _int64(np, _ints(values, field, n, positive=positive, places=places), field)
    if len(values) != n:
        raise ValidationError(
            obj=_OBJ, field=field, value=len(values), expected=f"one value per line ({n})"
        )
    if values.dtype.kind == "u" and values.size and int(values.max()) > _INT64:
        index = int(np.argmax(values > _INT64))
        raise ValidationError(
            obj=_OBJ, field=f"{field}[{index}]", value=int(values[index]), expected="< 2^63"
        )
    array = values.astype(np.int64, copy=False)
    low = 1 if positive else 0
    bad = (array < low) | (array > min(_INT64, _MAX_UNITS * 10**places))
    if bad.any():
        index = int(np.argmax(bad))
        raise _range_error(field, index, int(array[index]), low, places)
    return array


def _check_whole_np(np: Any, t: Tables, codes: Any, quantities: Any) -> None:
    whole = [k.whole for k in t.keys]
    if not t.quantity_places or not any(whole):
        return
    bad = np.array(whole)[codes] & (quantities % 10**t.quantity_places != 0)
    if bad.any():
        index = int(np.argmax(bad))
        key = t.keys[int(codes[index])]
        raise _whole_error(index, int(quantities[index]), key, t.quantity_places)


def _run_numpy(  # noqa: PLR0917 - the two runners share one signature
    t: Tables,
    s: Settings,
    codes: list[int],
    quantities: object,
    manuals: object,
    docs: DocumentInput | None,
    ruled: RuleSetting | None,
) -> dict[str, Any]:
    import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

    n = len(codes)
    c = np.array(codes, dtype=np.int64)
    q = _int_array(np, quantities, "quantities", n, positive=True, places=t.quantity_places)
    m = None
    if manuals is not None:
        m = _int_array(np, manuals, "manual_discounts", n, positive=False, places=s.discount_places)
    _check_whole_np(np, t, c, q)
    if ruled is not None and ruled.any:
        c = recode_numpy(np, ruled, t, c, q)
    gross, amounts, manual = numpy_amounts(np, t, s, codes=c, quantities=q, manuals=m)
    net = amounts - manual
    shares = np.zeros(n, dtype=np.int64)
    documents = None
    if docs is not None:
        d = np.array(docs.codes, dtype=np.int64)
        details = numpy_sums(np, d, net, len(docs.ids))
        header = numpy_headers(np, docs, details, t)
        shares = numpy_shares(np, docs, d, net, header=header, details=details)
    taxes = numpy_taxes(np, t, s, c, net - shares if s.tax_after else net)
    if docs is not None:
        total_tax = numpy_sums(np, d, taxes, len(docs.ids))
        documents = document_columns(
            docs, details, header, total_tax, currency=t.currency, places=t.places
        )
    return {
        "unit_prices": np.array(t.price_units(), dtype=np.int64)[c],
        "gross_amounts": gross,
        "volume_discounts": gross - amounts,
        "amounts": amounts,
        "manual_discounts": manual,
        "net_amounts": net,
        "header_discount_shares": shares,
        "taxes": taxes,
        "extended_amounts": net + taxes,
        "documents": documents,
    }
