"""price_frame: a table of lines priced through price_columns, equal to price_document."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from crmcore.errors import ValidationError
from crmcore.frames import price_frame
from crmcore.money import Money
from crmcore.pricing import (
    Catalog,
    DiscountBand,
    DiscountList,
    DocumentKind,
    IranianVat,
    LineItem,
    PriceList,
    PriceListItem,
    PricingOptions,
    PricingRule,
    PricingRules,
    Product,
    SalesDocument,
    Unit,
    UnitGroup,
    price_document,
)

D = Decimal
_GROUP = UnitGroup("g", "each", (Unit("box", 6, "each"),))
_CATALOG = Catalog((Product("A", "A", _GROUP, "each"), Product("B", "B", _GROUP, "box")))
_BULK = DiscountList("bulk", "percentage", (DiscountBand(10, None, D("7.5")),))
_LIST = PriceList(
    "pl",
    "USD",
    (
        PriceListItem("A", "each", amount=Money("12.34", "USD"), discount_list=_BULK),
        PriceListItem("A", "box", amount=Money("70", "USD")),
        PriceListItem("B", "box", amount=Money("0.125", "USD")),
    ),
)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_every_row_equals_price_document(backend: str) -> None:
    # Quantities as a CSV gives them (floats), a unit column with gaps, manual discounts
    # with gaps, two invoices with a 2 % header discount on the first and VAT after it.
    frame = pd.DataFrame(
        {
            "product_id": ["A", "A", "B", "A"],
            "quantity": [12.0, 0.5, 3.0, 2.0],
            "unit": ["each", "box", None, np.nan],
            "manual_discount": [1.0, np.nan, 0.05, None],
            "document_id": ["I1", "I1", "I2", "I1"],
        },
        index=[10, 11, 12, 13],
    )
    options = PricingOptions(tax_policy=IranianVat())
    priced = price_frame(
        frame, _CATALOG, _LIST, options=options, header_discount_percent={"I1": 2}, backend=backend
    )
    assert list(priced.index) == [10, 11, 12, 13]
    i1 = SalesDocument(
        "I1",
        DocumentKind.INVOICE,
        "USD",
        (
            LineItem("A", 12, unit="each", manual_discount=Money(1, "USD")),
            LineItem("A", D("0.5"), unit="box"),
            LineItem("A", 2),
        ),
        header_discount_percent=2,
    )
    i2 = SalesDocument(
        "I2", "invoice", "USD", (LineItem("B", 3, manual_discount=Money("0.05", "USD")),)
    )
    lines = price_document(i1, _CATALOG, _LIST, options).lines
    expected = [lines[0], lines[1], price_document(i2, _CATALOG, _LIST, options).lines[0], lines[2]]
    for row, line in zip(priced.itertuples(), expected, strict=True):
        for name in ("price_per_unit", "amount", "manual_discount", "tax", "extended_amount"):
            assert getattr(row, name) == getattr(line, name).amount, name
        assert row.header_discount_share == line.header_discount_share.amount
        assert row.currency == "USD"
    # By hand, row 10: 12 × 12.34 = 148.08, 7.5 % off = 136.974 → 136.97, less 1.00 = 135.97.
    assert priced.loc[10, "net_amount"] == D("135.97")


def test_float_money_and_integer_quantities() -> None:
    # 0.125 at the product's pricing precision 2 is 0.13 (half-up); 3 × 0.13 = 0.39.
    # money="float" gives float64 columns.
    frame = pd.DataFrame({"product_id": ["B"], "quantity": np.array([3], dtype=np.int64)})
    priced = price_frame(frame, _CATALOG, _LIST, money="float", backend="numpy")
    assert priced["amount"].dtype == np.float64
    assert priced.loc[0, "amount"] == 0.39
    assert priced.loc[0, "price_per_unit"] == 0.13


@pytest.mark.parametrize(
    ("frame", "where"),
    [
        (pd.DataFrame({"product_id": ["A"]}), r"quantity"),
        (pd.DataFrame({"product_id": ["A"], "quantity": ["x"]}), r"quantity\[0\]: got 'x'"),
        (pd.DataFrame({"product_id": ["A"], "quantity": [None]}), r"quantity\[0\]"),
        (pd.DataFrame({"product_id": ["A"], "quantity": ["1e-13"]}), r"at most 12 decimal"),
        (pd.DataFrame({"product_id": ["A"], "quantity": [0]}), r"quantities\[0\]: got 0"),
        (
            pd.DataFrame({"product_id": ["A"], "quantity": [1], "manual_discount": ["y"]}),
            r"manual_discount\[0\]",
        ),
    ],
)
def test_bad_tables_are_refused(frame: pd.DataFrame, where: str) -> None:
    with pytest.raises(ValidationError, match=where):
        price_frame(frame, _CATALOG, _LIST)


def test_not_a_frame() -> None:
    with pytest.raises(ValidationError, match="frame"):
        price_frame([{"product_id": "A", "quantity": 1}], _CATALOG, _LIST)


def test_rules_pass_through() -> None:
    # 10 % off A from 10 units: 12.34 × 0.9 = 11.106 → 11.11; 12 × 11.11 = 133.32, less the
    # 7.5 % band: 123.321 → 123.32. Equal to price_document with the same rules.
    rules = PricingRules((PricingRule("ten", "percent_off", percent=10, min_quantity=10),))
    frame = pd.DataFrame({"product_id": ["A", "A"], "quantity": [12, 2]})
    priced = price_frame(frame, _CATALOG, _LIST, rules=rules)
    assert list(priced["price_per_unit"]) == [D("11.11"), D("12.34")]
    assert priced.loc[0, "amount"] == D("123.32")
    quote = SalesDocument("Q", "quote", "USD", (LineItem("A", 12), LineItem("A", 2)))
    expected = price_document(quote, _CATALOG, _LIST, None, rules)
    assert list(priced["amount"]) == [line.amount.amount for line in expected.lines]
