"""Base-currency figures through an exchange-rate source (private)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

import attrs

from crmcore.errors import PricingError, ValidationError
from crmcore.models import FrozenMap
from crmcore.money import Money, RoundingMode, is_currency, to_decimal
from crmcore.pricing._documents import PricedDocument


class ExchangeRates(Protocol):
    """Rates the caller supplies: how many units of ``base`` one unit of ``currency`` is worth."""

    def rate(self, currency: str, base: str, on: date, /) -> Decimal:
        """The rate from ``currency`` to ``base`` on ``on``; PricingError when unknown."""
        ...


def _rates(value: object) -> FrozenMap[str, Decimal]:
    if not isinstance(value, dict | FrozenMap):
        raise ValidationError(
            obj="FixedRates", field="rates", value=value, expected="a mapping currency → rate"
        )
    out: dict[str, Decimal] = {}
    for code, raw in value.items():
        rate = to_decimal(raw, obj="FixedRates", field=f"rates[{code!r}]")
        if not is_currency(code) or rate <= 0:
            raise ValidationError(
                obj="FixedRates",
                field=f"rates[{code!r}]",
                value=raw,
                expected="a known currency code and a rate > 0",
            )
        out[code] = rate
    return FrozenMap(out)


@attrs.frozen
class FixedRates:
    """Constant rates into one base currency (for tests, demos and fixed-rate books).

    >>> FixedRates("IRR", {"USD": 600_000}).rate("USD", "IRR", date(2026, 1, 1))
    Decimal('600000')
    """

    base: str
    """The base currency."""
    rates: FrozenMap[str, Decimal] = attrs.field(converter=_rates)
    """Units of :attr:`base` per unit of each currency."""

    def rate(self, currency: str, base: str, on: date, /) -> Decimal:
        """The fixed rate (1 for the base itself); PricingError for other bases or currencies."""
        del on
        if base != self.base:
            raise PricingError(obj="FixedRates", field="base", value=base, expected=self.base)
        if currency == base:
            return Decimal(1)
        found = self.rates.get(currency)
        if found is None:
            raise PricingError(
                obj="FixedRates",
                field="currency",
                value=currency,
                expected="one of " + ", ".join(self.rates),
            )
        return found


@attrs.frozen
class BaseAmounts:
    """A priced document's totals in the base currency (Dynamics' ``_base`` fields)."""

    rate: Decimal
    """Units of base currency per unit of document currency."""
    detail_amount: Money
    """Detail amount in base currency."""
    header_discount: Money
    """Header discount in base currency."""
    freight: Money
    """Freight in base currency."""
    total_tax: Money
    """Total tax in base currency."""
    total_amount: Money
    """Total amount in base currency."""
    extended_amounts: tuple[Money, ...]
    """Each line's extended amount in base currency."""


def base_amounts(
    priced: PricedDocument,
    rates: ExchangeRates,
    base: str,
    on: date,
    mode: RoundingMode = RoundingMode.HALF_UP,
) -> BaseAmounts:
    """Convert a priced document's money figures to ``base`` (each rounded to its minor unit).

    Each figure is converted and rounded on its own, as Dynamics does, so
    base totals can differ by a minor unit from the sum of base line figures.

    >>> from crmcore.pricing import Catalog, DocumentKind, SalesDocument, price_document
    >>> doc = SalesDocument("Q", DocumentKind.QUOTE, "USD", freight=Money("12.5", "USD"))
    >>> priced = price_document(doc, Catalog(), None)
    >>> base_amounts(priced, FixedRates("IRR", {"USD": 600_000}), "IRR", date(2026, 1, 1)).freight
    Money('7500000', 'IRR')
    """
    rate = rates.rate(priced.currency, base, on)
    if not isinstance(rate, Decimal) or rate <= 0:
        raise PricingError(obj="ExchangeRates", field="rate", value=rate, expected="a Decimal > 0")

    def conv(m: Money) -> Money:
        return Money(m.amount * rate, base).round(mode=mode)

    return BaseAmounts(
        rate=rate,
        detail_amount=conv(priced.detail_amount),
        header_discount=conv(priced.header_discount),
        freight=conv(priced.freight),
        total_tax=conv(priced.total_tax),
        total_amount=conv(priced.total_amount),
        extended_amounts=tuple(conv(line.extended_amount) for line in priced.lines),
    )
