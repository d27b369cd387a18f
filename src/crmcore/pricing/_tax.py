"""Tax policies: how a line's tax is computed from its taxable amount (private)."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol, runtime_checkable

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.pricing._catalog import as_tuple

_HUNDRED = Decimal(100)


@runtime_checkable
class TaxPolicy(Protocol):
    """Computes a line's tax (exact, unrounded) and names it.

    The pricing engine rounds the result to the currency's minor unit. Any
    attrs class with these two methods can be passed as a policy. A policy
    may also carry a bool ``after_header_discount`` (read with ``getattr``,
    False when absent): whether lines are taxed after the header discount
    when :class:`~crmcore.pricing.PricingOptions` leaves it unset.
    """

    def line_tax(self, product_id: str, taxable: Decimal) -> Decimal:
        """Exact tax on ``taxable`` (in the document's currency) for ``product_id``."""
        ...

    def describe(self, product_id: str) -> str:
        """A short label for the explanation, such as ``"VAT 10 %"``."""
        ...


@attrs.frozen
class NoTax:
    """No tax on any line.

    >>> NoTax().line_tax("P1", Decimal(100))
    Decimal('0')
    """

    def line_tax(self, product_id: str, taxable: Decimal) -> Decimal:
        """Always zero."""
        del product_id, taxable
        return Decimal(0)

    def describe(self, product_id: str) -> str:
        """``"no tax"``."""
        del product_id
        return "no tax"


@attrs.frozen
class FlatRateTax:
    """One rate on every product except the exempt ones.

    >>> FlatRateTax(Decimal(15)).line_tax("P1", Decimal(8900))
    Decimal('1335')
    """

    rate: Decimal = attrs.field(converter=check.decimal(), validator=check.in_range(0, 100))  # type: ignore[misc]  # attrs plugin: factory converter
    """Percentage, 0-100."""
    name: str = attrs.field(default="tax", validator=check.text(max_length=100))
    """Label in explanations."""
    exempt: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str)
    )
    """Product ids that carry no tax."""
    after_header_discount: bool = attrs.field(default=False, validator=check.instance_of(bool))
    """Tax lines after the header discount unless the pricing options say otherwise
    (Dynamics: before)."""

    def line_tax(self, product_id: str, taxable: Decimal) -> Decimal:
        """``taxable × rate / 100``, zero for exempt products."""
        if product_id in self.exempt:
            return Decimal(0)
        return taxable * self.rate / _HUNDRED

    def describe(self, product_id: str) -> str:
        """The name and rate, or that the product is exempt."""
        if product_id in self.exempt:
            return f"{self.name} exempt"
        return f"{self.name} {self.rate} %"


@attrs.frozen
class IranianVat:
    """Iranian value added tax (مالیات بر ارزش افزوده) on the taxable amount.

    The rate is set by the annual budget law: 9 % from 1393 through
    1402 (2023/24) and 10 % from 1403 (2024/25) on; :meth:`for_year` picks it
    by Jalali year. Goods exempt under the VAT law (article 12: e.g. basic
    foodstuffs, medicine) are listed by product id in ``exempt``.

    >>> vat = IranianVat.for_year(1405)
    >>> vat.rate, vat.line_tax("P1", Decimal(1_000_000))
    (Decimal('10'), Decimal('100000'))
    """

    rate: Decimal = attrs.field(
        default=Decimal(10),
        converter=check.decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, 100),
    )
    """Percentage (10 from 1403)."""
    exempt: tuple[str, ...] = attrs.field(
        default=(), converter=as_tuple, validator=check.items_of(str)
    )
    """Product ids exempt from VAT."""
    after_header_discount: bool = attrs.field(default=True, validator=check.instance_of(bool))
    """Tax lines after the header discount (the default: the VAT law taxes the price after
    granted discounts, see ``docs/pricing.md``), unless the pricing options say otherwise."""

    @classmethod
    def for_year(cls, jalali_year: int, exempt: tuple[str, ...] = ()) -> IranianVat:
        """The policy with the rate of ``jalali_year`` (9 % up to 1402, 10 % after)."""
        if not isinstance(jalali_year, int) or not 1393 <= jalali_year <= 1500:
            raise ValidationError(
                obj="IranianVat",
                field="jalali_year",
                value=jalali_year,
                expected="a Jalali year from 1393 (when the 9 % rate began) to 1500",
            )
        return cls(Decimal(9) if jalali_year <= 1402 else Decimal(10), exempt)

    def line_tax(self, product_id: str, taxable: Decimal) -> Decimal:
        """``taxable × rate / 100``, zero for exempt products."""
        if product_id in self.exempt:
            return Decimal(0)
        return taxable * self.rate / _HUNDRED

    def describe(self, product_id: str) -> str:
        """``"VAT 10 %"`` or ``"VAT exempt"``."""
        if product_id in self.exempt:
            return "VAT exempt"
        return f"VAT {self.rate} %"
