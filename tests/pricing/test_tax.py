"""Tax policies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmcore.errors import ValidationError
from crmcore.pricing import FlatRateTax, IranianVat, NoTax, TaxPolicy


def test_policies_compute_and_describe() -> None:
    # 15 % of 8,900 = 1,335 (reference example); VAT 10 % of 1,000,000 = 100,000.
    assert FlatRateTax(Decimal(15)).line_tax("P", Decimal(8900)) == 1335
    assert FlatRateTax(Decimal(15), exempt=("P",)).line_tax("P", Decimal(8900)) == 0
    assert FlatRateTax(Decimal(15), name="GST").describe("Q") == "GST 15 %"
    assert IranianVat().line_tax("P", Decimal(1_000_000)) == 100_000
    assert IranianVat(exempt=("bread",)).describe("bread") == "VAT exempt"
    assert NoTax().describe("P") == "no tax"
    for policy in (NoTax(), FlatRateTax(Decimal(1)), IranianVat()):
        assert isinstance(policy, TaxPolicy)


@pytest.mark.parametrize("rate", [-1, 101, "x"])
def test_bad_rates_are_refused(rate: object) -> None:
    with pytest.raises(ValidationError) as info:
        FlatRateTax(rate)
    assert info.value.field == "rate"


def test_iranian_vat_years() -> None:
    assert IranianVat.for_year(1400).rate == 9
    assert IranianVat.for_year(1403).rate == 10
    with pytest.raises(ValidationError):
        IranianVat.for_year(1380)
