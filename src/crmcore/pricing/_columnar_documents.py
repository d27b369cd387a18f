"""Documents in a columnar batch: header discounts, their shares and the totals (private).

The lines of a batch may carry a document id; each document then gets
``price_document``'s totals: the detail amount ``Σ net``, the header
discount (a percentage of the detail, rounded, or an amount), each line's
share of it by largest remainder (earlier lines first on ties, as
:func:`crmcore._allocation.allocate_units` splits it), freight, the total
tax and the total. On numpy the shares are computed for every document at
once: floors by integer division, then one sort by (document, remainder,
line) hands out the units left over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import attrs

from crmcore._allocation import allocate_units
from crmcore.errors import ValidationError
from crmcore.money import MAX_PLACES, Money, to_decimal
from crmcore.pricing._columnar_kernels import div, div_np
from crmcore.pricing._columnar_tables import places_of

_OBJ = "price_columns"
_SAFE = float(2**62)
_HALF = 1 << 26  # exact float64 sums of int64 values below 2^52, on 26-bit halves


@attrs.frozen(eq=False)
class DocumentColumns:
    """The totals of each document of a :func:`price_columns` batch, as columns.

    Row ``j`` is the document ``ids[j]`` (in the order the batch first names
    them); every amount is in minor units and equals the
    :class:`~crmcore.pricing.PricedDocument` figure of the same name.
    """

    currency: str
    """Currency of every amount."""
    places: int
    """Minor-unit digits of :attr:`currency`."""
    ids: tuple[str, ...]
    """Document ids."""
    detail_amounts: Sequence[int]
    """``Σ (amount − manual discount)`` over the document's lines."""
    header_discounts: Sequence[int]
    """The header discount (a percentage of the detail, rounded, or the amount given)."""
    pre_freight_amounts: Sequence[int]
    """``detail − header discount``."""
    freights: Sequence[int]
    """Freight."""
    total_taxes: Sequence[int]
    """``Σ line tax``."""
    total_amounts: Sequence[int]
    """``pre-freight + freight + total tax``."""

    def __len__(self) -> int:
        return len(self.ids)

    def as_money(self, name: str) -> tuple[Money, ...]:
        """The column ``name`` (``"total_amounts"``, …) as :class:`Money` values."""
        names = (
            "detail_amounts",
            "header_discounts",
            "pre_freight_amounts",
            "freights",
            "total_taxes",
            "total_amounts",
        )
        if name not in names:
            raise ValidationError(
                obj="DocumentColumns",
                field="name",
                value=name,
                expected="one of " + ", ".join(names),
            )
        values = getattr(self, name)
        items = values.tolist() if hasattr(values, "tolist") else values
        return tuple(
            Money.of_decimal(Decimal(v).scaleb(-self.places), self.currency) for v in items
        )


class DocumentInput:
    """The batch's documents: each line's document code and each document's header inputs."""

    __slots__ = ("amounts", "codes", "freights", "ids", "percents", "scale")

    def __init__(self, codes: list[int], ids: list[str]) -> None:
        self.codes = codes
        self.ids = ids
        # Header percentages × 10^scale (None: no percentage); amounts and freight in minor units.
        self.percents: list[int | None] = [None] * len(ids)
        self.scale = 0
        self.amounts: list[int] = [0] * len(ids)
        self.freights: list[int] = [0] * len(ids)


def _mapping(values: object, field: str, index: dict[str, int]) -> list[tuple[int, Any]]:
    """``(document code, value)`` pairs of a mapping keyed by document id."""
    if values is None:
        return []
    if not isinstance(values, Mapping):
        raise ValidationError(
            obj=_OBJ, field=field, value=values, expected="a mapping of document id to value"
        )
    try:
        return [(index[key], value) for key, value in values.items()]
    except (KeyError, TypeError):
        bad = next(key for key in values if not isinstance(key, str) or key not in index)
        raise ValidationError(
            obj=_OBJ,
            field=field,
            value=bad,
            expected="a document id of the batch (one of document_ids)",
        ) from None


def _minor(pairs: list[tuple[int, Any]], field: str, ids: list[str], places: int) -> None:
    high = 10 ** (18 + places)  # crmcore.money.MAX_AMOUNT in minor units
    for code, value in pairs:
        if type(value) is not int or not 0 <= value <= high:
            raise ValidationError(
                obj=_OBJ,
                field=f"{field}[{ids[code]!r}]",
                value=value,
                expected=f"an int from 0 to 10^{18 + places} (minor units; MAX_AMOUNT)",
            )


def _percents(docs: DocumentInput, pairs: list[tuple[int, Any]]) -> None:
    """Each document's percentage as an integer over a common ``10^scale`` (checked once per value)."""
    exact: dict[Any, Decimal] = {}
    for code, value in pairs:
        try:
            if value in exact:
                continue
        except TypeError:  # unhashable, or a signalling NaN: to_decimal names it below
            pass
        field = f"header_discount_percent[{docs.ids[code]!r}]"
        pct = to_decimal(value, obj=_OBJ, field=field)
        if not 0 <= pct <= 100 or places_of(pct) > MAX_PLACES:
            raise ValidationError(
                obj=_OBJ,
                field=field,
                value=pct,
                expected=f"0-100 with at most {MAX_PLACES} decimal places",
            )
        exact[value] = pct
    docs.scale = max((places_of(pct) for pct in exact.values()), default=0)
    units = {value: int(pct.scaleb(docs.scale)) for value, pct in exact.items()}
    for code, value in pairs:
        docs.percents[code] = units[value]


def document_input(
    codes_ids: tuple[list[int], list[Any]] | None,
    n: int,
    *,
    percent: object,
    amount: object,
    freight: object,
    places: int,
) -> DocumentInput | None:
    """Check the header inputs against the batch's document ids."""
    if codes_ids is None:
        given = [
            name
            for name, v in (
                ("header_discount_percent", percent),
                ("header_discount_amount", amount),
                ("freight", freight),
            )
            if v is not None
        ]
        if given:
            raise ValidationError(
                obj=_OBJ, field=given[0], value="given", expected="document_ids to say which lines"
            )
        return None
    codes, ids = codes_ids
    if len(codes) != n:
        raise ValidationError(
            obj=_OBJ, field="document_ids", value=len(codes), expected=f"one per line ({n})"
        )
    docs = DocumentInput(codes, ids)
    index = {name: code for code, name in enumerate(ids)}
    _percents(docs, _mapping(percent, "header_discount_percent", index))
    amounts = _mapping(amount, "header_discount_amount", index)
    _minor(amounts, "header_discount_amount", ids, places)
    for code, value in amounts:
        if docs.percents[code] is not None:
            raise ValidationError(
                obj=_OBJ,
                field=f"header_discount_amount[{ids[code]!r}]",
                value=value,
                expected="no amount when header_discount_percent is set (one or the other)",
            )
        docs.amounts[code] = value
    freights = _mapping(freight, "freight", index)
    _minor(freights, "freight", ids, places)
    for code, value in freights:
        docs.freights[code] = value
    return docs


def _header_error(
    docs: DocumentInput, code: int, header: int, detail: int, t: Any
) -> ValidationError:
    unit = Decimal(1).scaleb(-t.places)
    return ValidationError(
        obj=f"price_columns document {docs.ids[code]!r}",
        field="header_discount_amount",
        value=f"{Decimal(header) * unit:f} {t.currency}",
        expected=f"at most the detail amount {Decimal(detail) * unit:f} {t.currency}",
    )


def headers(docs: DocumentInput, details: list[int], t: Any) -> list[int]:
    """Each document's header discount in minor units, refused above its detail amount."""
    out: list[int] = []
    divisor = 10 ** (docs.scale + 2)
    for code, detail in enumerate(details):
        pct = docs.percents[code]
        header = docs.amounts[code] if pct is None else div(detail * pct, divisor, t.rounding)
        if header > detail:
            raise _header_error(docs, code, header, detail, t)
        out.append(header)
    return out


def numpy_headers(np: Any, docs: DocumentInput, details: list[int], t: Any) -> list[int]:
    """:func:`headers` over int64 columns (Python ints beyond their range)."""
    pcts = [-1 if p is None else p for p in docs.percents]
    top = float(max(pcts + docs.amounts)) if details else 0.0
    if not details or docs.scale > 16 or float(max(details)) * top >= _SAFE or top >= _SAFE:
        return headers(docs, details, t)
    detail = np.array(details, dtype=np.int64)
    pct = np.array(pcts, dtype=np.int64)
    computed = div_np(np, detail * np.maximum(pct, 0), 10 ** (docs.scale + 2), t.rounding)
    header = np.where(pct >= 0, computed, np.array(docs.amounts, dtype=np.int64))
    over = header > detail
    if over.any():
        code = int(np.argmax(over))
        raise _header_error(docs, code, int(header[code]), details[code], t)
    out: list[int] = header.tolist()
    return out


def python_shares(docs: DocumentInput, net: list[int], header: list[int]) -> list[int]:
    """Each line's share of its document's header discount (Python ints)."""
    members: list[list[int]] = [[] for _ in docs.ids]
    for line, code in enumerate(docs.codes):
        members[code].append(line)
    shares = [0] * len(net)
    for code, lines in enumerate(members):
        if header[code]:
            for line, share in zip(
                lines, allocate_units(header[code], [net[i] for i in lines]), strict=True
            ):
                shares[line] = share
    return shares


def python_sums(codes: list[int], values: list[int], size: int) -> list[int]:
    """``Σ values`` per code (Python ints)."""
    sums = [0] * size
    for code, value in zip(codes, values, strict=True):
        sums[code] += value
    return sums


def numpy_sums(np: Any, codes: Any, values: Any, size: int) -> list[int]:
    """``Σ values`` per code, exact: float64 bincounts of 26-bit halves, else Python ints."""
    if values.size and (int(values.min()) < 0 or int(values.max()) >= 1 << 52):
        return python_sums(codes.tolist(), values.tolist(), size)
    low = np.bincount(codes, weights=values & (_HALF - 1), minlength=size).astype(np.int64)
    high = np.bincount(codes, weights=values >> 26, minlength=size).astype(np.int64)
    return [h * _HALF + lo for h, lo in zip(high.tolist(), low.tolist(), strict=True)]


def numpy_shares(
    np: Any, docs: DocumentInput, codes: Any, net: Any, *, header: list[int], details: list[int]
) -> Any:
    """:func:`python_shares` for every document at once (int64)."""
    if not any(header):
        return np.zeros(net.shape, dtype=np.int64)
    if float(max(header)) * float(net.max()) >= _SAFE:
        return np.array(python_shares(docs, net.tolist(), header), dtype=np.int64)
    h = np.array(header, dtype=np.int64)[codes]
    w = np.maximum(np.array(details, dtype=np.int64), 1)[codes]
    product = h * net
    shares = product // w
    remainder = product - shares * w
    left = np.array(header, dtype=np.int64) - np.array(numpy_sums(np, codes, shares, len(header)))
    if left.any():
        # Within each document: largest remainder first, earlier line first on ties.
        order = _by_remainder(np, codes, remainder, max(details))
        ranked = codes[order]
        first = np.searchsorted(ranked, np.arange(len(header)))
        rank = np.arange(net.size) - first[ranked]
        shares[order[rank < left[ranked]]] += 1
    return shares


def _by_remainder(np: Any, codes: Any, remainder: Any, top: int) -> Any:
    """Lines ordered by document, then largest remainder, then line (a stable sort)."""
    width = top + 1
    if float(width) * (float(codes.max()) + 1) < _SAFE:
        # One packed int64 key: a single stable sort instead of a three-key lexsort.
        return np.argsort(codes * width + (top - remainder), kind="stable")
    return np.lexsort((np.arange(codes.size), -remainder, codes))


def document_columns(
    docs: DocumentInput,
    details: list[int],
    header: list[int],
    taxes: list[int],
    *,
    currency: str,
    places: int,
) -> DocumentColumns:
    """The per-document totals."""
    pre = [d - h for d, h in zip(details, header, strict=True)]
    return DocumentColumns(
        currency=currency,
        places=places,
        ids=tuple(docs.ids),
        detail_amounts=details,
        header_discounts=header,
        pre_freight_amounts=pre,
        freights=list(docs.freights),
        total_taxes=taxes,
        total_amounts=[p + f + t for p, f, t in zip(pre, docs.freights, taxes, strict=True)],
    )
