"""The per-line integer arithmetic of the columnar pricing path (private).

Two kernels with one result: pure Python ints (any size) and numpy int64.
Every rounding is an integer division by a power of ten, in the document's
rounding mode; every numerator is ``>= 0`` (amounts, discounts and tax
bases never go below zero: the discount per unit is at most the price and a
manual discount at most the amount), so the modes reduce to floor divisions.
The numpy kernel bounds each line's largest product in float64 first and
hands the lines that could leave int64 to the Python kernel.
"""

from __future__ import annotations

import bisect
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_DOWN,
    ROUND_HALF_UP,
    ROUND_UP,
    Decimal,
)
from typing import Any

from crmcore.errors import ValidationError
from crmcore.pricing._columnar_tables import KeyFigures, Tables
from crmcore.pricing._tax import TaxPolicy

_OBJ_TAX = "price_columns tax policy"
_SAFE = float(2**62)  # a float estimate below this leaves a factor 2 of room to 2^63
_INT64 = 2**63 - 1
_QBITS = 41  # key code × 2^41 + quantity: one sorted search finds every line's segment
_QMAX = 2**40
_GRID = 1 << 20  # largest (key × quantity) lookup grid built instead of a search per line
_MAX_DIGITS = 18  # 10^18 < 2^63: the largest divisor the numpy kernel uses


def div(n: int, d: int, mode: str) -> int:
    """``n / d`` (``n >= 0``, ``d`` a power of ten) rounded to an integer in ``mode``."""
    if mode == ROUND_HALF_UP:
        return (n + d // 2) // d
    if mode in (ROUND_DOWN, ROUND_FLOOR):
        return n // d
    if mode in (ROUND_UP, ROUND_CEILING):
        return (n + d - 1) // d
    if mode == ROUND_HALF_DOWN:
        return (n + (d - 1) // 2) // d
    q, r = divmod(n, d)
    return q + (2 * r > d or (2 * r == d and q % 2 == 1))


def div_np(np: Any, n: Any, d: Any, mode: str) -> Any:
    """:func:`div` over int64 arrays (``d`` an array or an int)."""
    if isinstance(d, int) and d == 1:
        return n
    if mode == ROUND_HALF_UP:
        return (n + d // 2) // d
    if mode in (ROUND_DOWN, ROUND_FLOOR):
        return n // d
    if mode in (ROUND_UP, ROUND_CEILING):
        return (n + (d - 1)) // d
    if mode == ROUND_HALF_DOWN:
        return (n + (d - 1) // 2) // d
    q, r = np.divmod(n, d)
    twice = 2 * r
    return q + ((twice > d) | ((twice == d) & (q % 2 == 1)))


class Settings:
    """The batch-wide choices every line uses (named, not a tuple)."""

    __slots__ = ("discount_places", "per_unit", "policy", "tax_after")

    def __init__(
        self, *, discount_places: int, per_unit: bool, policy: TaxPolicy, tax_after: bool
    ) -> None:
        self.discount_places = discount_places
        self.per_unit = per_unit
        self.policy = policy
        self.tax_after = tax_after


def _scale(n: int, exponent: int, mode: str) -> int:
    """``n × 10^-exponent`` rounded (``exponent`` may be negative: an exact multiplication)."""
    return div(n, 10**exponent, mode) if exponent >= 0 else n * 10**-exponent


def line_amounts(t: Tables, s: Settings, key: KeyFigures, q: int, m: int) -> tuple[int, int, int]:
    """Gross amount, amount after volume discount and manual discount of one line."""
    seg = key.segments[bisect.bisect_right(key.breaks, q)]
    mode = t.rounding
    d = 10 ** (t.quantity_places + seg.exponent - t.places)
    gross = div(q * seg.gross, d, mode)
    amount = div(q * seg.net - seg.const * 10**t.quantity_places, d, mode)
    if not m:
        return gross, amount, 0
    if s.per_unit:
        manual = _scale(q * m, t.quantity_places + s.discount_places - t.places, mode)
    else:
        manual = _scale(m, s.discount_places - t.places, mode)
    return gross, amount, manual


def line_tax(t: Tables, s: Settings, key: KeyFigures, taxable: int) -> int:
    """The line's tax in minor units on a base of ``taxable`` minor units."""
    rate = key.tax_rate
    if rate is not None:
        if not rate:
            return 0
        return div(taxable * int(rate.scaleb(t.tax_places)), 10 ** (t.tax_places + 2), t.rounding)
    try:
        exact = s.policy.line_tax(key.product.id, Decimal(taxable).scaleb(-t.places))
        return int(exact.quantize(Decimal(1).scaleb(-t.places), t.rounding).scaleb(t.places))
    except ArithmeticError:  # beyond the Decimal context's 28 digits, as in price_document
        raise ValidationError(
            obj=_OBJ_TAX,
            field="taxable",
            value=f"{Decimal(taxable).scaleb(-t.places):f} {t.currency}",
            expected="a tax the policy computes within 28 significant digits",
        ) from None


def manual_error(index: int, manual: int, amount: int, t: Tables) -> ValidationError:
    """A manual discount larger than the line amount (``price_document`` refuses it too)."""
    return ValidationError(
        obj="price_columns",
        field=f"manual_discounts[{index}]",
        value=f"{Decimal(manual).scaleb(-t.places):f} {t.currency}",
        expected=f"at most the line amount {Decimal(amount).scaleb(-t.places):f} {t.currency}",
    )


def python_amounts(
    t: Tables, s: Settings, codes: list[int], quantities: list[int], manuals: list[int] | None
) -> tuple[list[int], list[int], list[int]]:
    """Gross, amount and manual discount columns (Python ints)."""
    keys = t.keys
    gross: list[int] = []
    amounts: list[int] = []
    manual: list[int] = []
    zeros = manuals if manuals is not None else [0] * len(codes)
    for index, (code, q, m) in enumerate(zip(codes, quantities, zeros, strict=True)):
        g, a, md = line_amounts(t, s, keys[code], q, m)
        if md > a:
            raise manual_error(index, md, a, t)
        gross.append(g)
        amounts.append(a)
        manual.append(md)
    return gross, amounts, manual


def python_taxes(t: Tables, s: Settings, codes: list[int], taxable: list[int]) -> list[int]:
    """The tax column (Python ints)."""
    keys = t.keys
    return [line_tax(t, s, keys[c], b) for c, b in zip(codes, taxable, strict=True)]


class SegmentTable:
    """Every segment of every key as numpy columns, and the global break search."""

    __slots__ = ("breaks", "const", "divisor", "gross", "limit", "net", "offsets", "starts")

    def __init__(self, np: Any, t: Tables) -> None:
        gross: list[int] = []
        net: list[int] = []
        const: list[int] = []
        divisor: list[int] = []
        limit: list[float] = []
        breaks: list[int] = []
        offsets: list[int] = []
        starts: list[int] = []
        for code, key in enumerate(t.keys):
            offsets.append(len(gross))
            starts.append(len(breaks))
            breaks.extend((code << _QBITS) + min(b, _QMAX) for b in key.breaks)
            for seg in key.segments:
                x = t.quantity_places + seg.exponent - t.places
                big = max(abs(seg.gross), abs(seg.net), abs(seg.const))
                fits = x <= _MAX_DIGITS and big <= _INT64
                gross.append(seg.gross if fits else 0)
                net.append(seg.net if fits else 0)
                const.append(seg.const if fits else 0)
                divisor.append(10 ** min(x, _MAX_DIGITS))
                limit.append(float(big) if fits else float("inf"))
        self.gross = np.array(gross, dtype=np.int64)
        self.net = np.array(net, dtype=np.int64)
        self.const = np.array(const, dtype=np.int64)
        self.divisor = np.array(divisor, dtype=np.int64)
        self.limit = np.array(limit, dtype=np.float64)
        self.breaks = np.array(breaks, dtype=np.int64)
        self.offsets = np.array(offsets, dtype=np.int64)
        self.starts = np.array(starts, dtype=np.int64)

    def segment_ids(self, np: Any, codes: Any, quantities: Any) -> Any:
        """Each line's global segment number."""
        if not self.breaks.size:
            return self.offsets[codes]
        top = int(quantities.max()) if quantities.size else 0
        width = top + 1
        keys = self.offsets.size
        if keys * width <= _GRID:
            # Small quantities: every (key, quantity) cell's segment once, then one gather.
            grid = self._search(
                np, np.repeat(np.arange(keys), width), np.tile(np.arange(width), keys)
            )
            return grid[codes * width + quantities]
        return self._search(np, codes, quantities)

    def _search(self, np: Any, codes: Any, quantities: Any) -> Any:
        probe = (codes << _QBITS) + np.minimum(quantities, _QMAX - 1)
        position = np.searchsorted(self.breaks, probe, side="right")
        return self.offsets[codes] + position - self.starts[codes]


def numpy_amounts(
    np: Any, t: Tables, s: Settings, *, codes: Any, quantities: Any, manuals: Any
) -> tuple[Any, Any, Any]:
    """Gross, amount and manual discount columns (int64), exact: big lines go to Python."""
    if not t.keys:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy()
    table = SegmentTable(np, t)
    seg = table.segment_ids(np, codes, quantities)
    scale = 10**t.quantity_places
    top = float(quantities.max()) if quantities.size else 0.0
    if (top + scale) * float(table.limit.max()) < _SAFE:
        big = np.zeros(quantities.shape, dtype=bool)  # one bound covers every line
    else:
        estimate = (quantities.astype(np.float64) + scale) * table.limit[seg]
        big = (estimate >= _SAFE) | (quantities >= _QMAX)
    mode = t.rounding
    divisors = table.divisor[seg] if np.unique(table.divisor).size > 1 else int(table.divisor[0])
    gross = div_np(np, quantities * table.gross[seg], divisors, mode)
    if not table.const.any():
        if np.array_equal(table.net, table.gross):
            amount = gross.copy()
        else:
            amount = div_np(np, quantities * table.net[seg], divisors, mode)
    else:
        amount = div_np(np, quantities * table.net[seg] - table.const[seg] * scale, divisors, mode)
    manual = _numpy_manual(np, t, s, quantities=quantities, manuals=manuals, big=big)
    flagged = np.flatnonzero(big)
    if flagged.size:
        _redo_amounts(
            t,
            s,
            flagged,
            codes=codes,
            quantities=quantities,
            manuals=manuals,
            out=(gross, amount, manual),
        )
    over = manual > amount
    if over.any():
        index = int(np.argmax(over))
        raise manual_error(index, int(manual[index]), int(amount[index]), t)
    return gross, amount, manual


def _numpy_manual(
    np: Any, t: Tables, s: Settings, *, quantities: Any, manuals: Any, big: Any
) -> Any:
    if manuals is None:
        return np.zeros(quantities.shape, dtype=np.int64)
    mode = t.rounding
    if s.per_unit:
        x = t.quantity_places + s.discount_places - t.places
        if quantities.size and float(quantities.max()) * float(manuals.max()) >= _SAFE:
            big |= quantities.astype(np.float64) * manuals.astype(np.float64) >= _SAFE
        product = quantities * manuals
    else:
        x = s.discount_places - t.places
        product = manuals
    if x >= 0:
        return div_np(np, product, 10**x, mode)
    big |= product.astype(np.float64) * 10.0**-x >= _SAFE
    return product * 10**-x


def _fit(value: int, field: str, index: int) -> int:
    if value > _INT64:
        raise ValidationError(
            obj="price_columns",
            field=f"{field}[{index}]",
            value=value,
            expected="at most 2^63 − 1 minor units on the numpy backend (use backend='python')",
        )
    return value


def _redo_amounts(
    t: Tables,
    s: Settings,
    flagged: Any,
    *,
    codes: Any,
    quantities: Any,
    manuals: Any,
    out: tuple[Any, Any, Any],
) -> None:
    """Lines whose products could leave int64, recomputed in Python ints."""
    gross, amount, manual = out
    for i in flagged.tolist():
        m = 0 if manuals is None else int(manuals[i])
        g, a, md = line_amounts(t, s, t.keys[int(codes[i])], int(quantities[i]), m)
        gross[i] = _fit(g, "gross_amounts", i)
        amount[i] = _fit(a, "amounts", i)
        manual[i] = _fit(md, "manual_discounts", i)


def numpy_taxes(np: Any, t: Tables, s: Settings, codes: Any, taxable: Any) -> Any:
    """The tax column (int64); a custom policy is called line by line."""
    rates = t.tax_units()
    if rates is None:
        values = python_taxes(t, s, codes.tolist(), taxable.tolist())
        return np.array([_fit(v, "taxes", i) for i, v in enumerate(values)], dtype=np.int64)
    if not any(rates):
        return np.zeros(taxable.shape, dtype=np.int64)
    if len(set(rates)) == 1:
        rate: Any = rates[0]
        limit = float(rates[0])
    else:
        rate = np.array(rates, dtype=np.int64)[codes]
        limit = float(max(rates))
    tax = div_np(np, taxable * rate, 10 ** (t.tax_places + 2), t.rounding)
    if taxable.size and float(taxable.max()) * limit >= _SAFE:
        big = np.flatnonzero(taxable.astype(np.float64) * limit >= _SAFE)
        for i in big.tolist():
            key = t.keys[int(codes[i])]
            tax[i] = _fit(line_tax(t, s, key, int(taxable[i])), "taxes", i)
    return tax
