"""Pricing rules on the columnar path: one outcome per (key, quantity) (private).

A rule changes a line's price per unit before the volume discount, and which
rules fit depends on the line's quantity. For each (product, unit) key that
has candidate rules, every distinct quantity of its lines gets the outcome
of :func:`~crmcore.pricing.apply_rules` (the public function the scalar
engine's rules follow), and each distinct resulting price becomes a
*derived key* with its own segments; the lines are re-coded to it. Free
goods would add lines, so a line that earns them is refused (price such
documents with ``price_document``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from crmcore.errors import PricingError
from crmcore.pricing._catalog import Catalog, DiscountList
from crmcore.pricing._columnar_tables import KeyFigures, Tables
from crmcore.pricing._rules import PricingRule, PricingRules, apply_rules
from crmcore.pricing._selection import PricingContext


class RuleSetting:
    """The rules of a batch and the customer context they are matched against."""

    __slots__ = ("candidates", "context", "derived", "limit", "lists", "segmenter")

    def __init__(
        self,
        rules: PricingRules,
        catalog: Catalog,
        tables: Tables,
        *,
        context: PricingContext | None,
        on: date | None,
        lists: list[DiscountList | None],
        segmenter: Callable[[KeyFigures, DiscountList | None], None],
    ) -> None:
        rules.check(catalog)
        self.context = context
        self.limit = rules.max_line_discount_percent
        self.lists = lists
        self.segmenter = segmenter
        self.candidates: list[tuple[PricingRule, ...]] = [
            rules.candidates(key.product, catalog, context, on) for key in tables.keys
        ]
        self.derived: dict[tuple[int, Decimal], int] = {}

    @property
    def any(self) -> bool:
        """Whether some key has a rule that may apply."""
        return any(self.candidates)

    def code_for(self, tables: Tables, code: int, quantity: int, index: int) -> int:
        """The (derived) key of a line of key ``code`` with ``quantity`` (scaled)."""
        candidates = self.candidates[code]
        if not candidates:
            return code
        key = tables.keys[code]
        q = Decimal(quantity).scaleb(-tables.quantity_places)
        outcome = apply_rules(
            candidates,
            key.price,
            q,
            product_id=key.product.id,
            exponent=Decimal(1).scaleb(-key.product.price_decimals),
            context=self.context,
            max_discount_percent=self.limit,
        )
        if outcome.free:
            rule = outcome.free[0][0]
            raise PricingError(
                obj="price_columns",
                field=f"quantities[{index}]",
                value=f"{q:f}",
                expected=(
                    f"a line that earns no free goods (rule {rule.name!r} adds a line): "
                    "price such documents with price_document"
                ),
            )
        if outcome.price == key.price:
            return code
        found = self.derived.get((code, outcome.price))
        if found is None:
            derived = KeyFigures(key.product, key.unit, outcome.price)
            derived.tax_rate = key.tax_rate
            self.segmenter(derived, self.lists[code])
            found = self.derived[(code, outcome.price)] = len(tables.keys)
            tables.keys.append(derived)
            self.lists.append(self.lists[code])
            self.candidates.append(())
        return found


def recode_python(
    setting: RuleSetting, tables: Tables, codes: list[int], quantities: list[int]
) -> list[int]:
    """Each line's key after the rules (Python lists); one outcome per (key, quantity)."""
    seen: dict[tuple[int, int], int] = {}
    out: list[int] = []
    for index, (code, q) in enumerate(zip(codes, quantities, strict=True)):
        found = seen.get((code, q))
        if found is None:
            found = seen[(code, q)] = setting.code_for(tables, code, q, index)
        out.append(found)
    return out


def recode_numpy(np: Any, setting: RuleSetting, tables: Tables, codes: Any, quantities: Any) -> Any:
    """Each line's key after the rules (int64); one outcome per distinct (key, quantity)."""
    ruled = np.array([bool(c) for c in setting.candidates], dtype=bool)
    lines = np.flatnonzero(ruled[codes])
    if not lines.size:
        return codes
    keys, qs = codes[lines], quantities[lines]
    width = int(qs.max()) + 1
    if float(width) * len(setting.candidates) < 2.0**62:
        # One packed int64 per line: a 1-d unique, far faster than unique rows.
        packed, first, inverse = np.unique(
            keys * width + qs, return_index=True, return_inverse=True
        )
        pairs = np.stack([packed // width, packed % width], axis=1)
    else:
        pairs, first, inverse = np.unique(
            np.stack([keys, qs], axis=1), axis=0, return_index=True, return_inverse=True
        )
    # Outcomes in line order, so that the first line refused is the one named.
    order = np.argsort(first, kind="stable")
    new = np.empty(len(pairs), dtype=np.int64)
    for j in order.tolist():
        code, q = (int(v) for v in pairs[j])
        new[j] = setting.code_for(tables, code, q, int(lines[first[j]]))
    out = codes.copy()
    out[lines] = new[inverse.reshape(-1)]
    return out
