"""crmcore.report documents: text and HTML renderings of a priced invoice."""

from __future__ import annotations

import html.parser
from datetime import date

import pytest

from crmcore.errors import ValidationError
from crmcore.money import Money
from crmcore.pricing import DocumentKind, NumberFormat, SalesDocument
from crmcore.report import (
    DocumentLayout,
    display_width,
    number_document,
    render_document_html,
    render_document_text,
    text_table,
    total_in_words,
)
from crmcore.repositories import InMemoryStore
from tests.report.samples import CATALOG, PERSIAN, PRICED

pytest.importorskip("num2words")


def test_the_sample_invoice_is_priced_as_computed_by_hand() -> None:
    assert PRICED.total_amount == Money(22_000_000, "IRR")
    assert PRICED.total_tax == Money(2_000_000, "IRR")


def test_persian_text_invoice() -> None:
    text = render_document_text(PRICED, catalog=CATALOG, layout=PERSIAN)
    lines = text.splitlines()
    assert lines[0] == "صورتحساب فروش"
    assert "شماره: INV-۱۴۰۵-۰۰۰۷" in lines
    assert "تاریخ: ۱۴۰۵/۰۲/۱۵" in lines  # 5 May 2026 = 15 Ordibehesht 1405
    assert "چای سیاه ۵۰۰ گرمی" in text
    assert "پشتیبانی نرم‌افزار" in text  # the name, not the code SUPPORT
    assert "SUPPORT" not in text
    assert "۲٫۵" in text  # the quantity with the Persian decimal separator, like money
    assert "۲٬۲۰۰٬۰۰۰ تومان" in text  # 22,000,000 rials
    assert "ساعت" in text
    assert "دو میلیون و دویست هزار تومان" in text


def test_text_columns_line_up_by_display_width() -> None:
    text = render_document_text(PRICED, catalog=CATALOG, layout=PERSIAN)
    table = [line for line in text.splitlines() if line.startswith(("ردیف", "---", " "))]
    _header, rule, *rows = table[:4]
    # every row of the lines table ends at the same display column as the rule under the header
    assert len(rows) == 2
    assert {display_width(r) for r in rows} == {display_width(rule)}


def test_width_counts_wide_and_joining_characters() -> None:
    table = text_table([["漢字", "1"], ["ab", "22"]], ["x", "n"], numeric=[False, True])
    rows = table.splitlines()
    # "漢字" takes 4 columns, so "ab" is padded with 2 spaces to line up
    assert rows[2] == "漢字   1"
    assert rows[3] == "ab    22"
    assert display_width("نرم‌افزار") == 8  # 9 code points, the ZWNJ is zero-width
    assert display_width("a\x07b") == 2  # a bell makes wcswidth give up; it takes no column
    with pytest.raises(ValidationError, match="one cell per header"):
        text_table([["a"]], ["x", "y"])


def test_english_text_keeps_rials_and_gregorian_date() -> None:
    text = render_document_text(PRICED, layout=DocumentLayout(locale="en_US"))
    assert text.startswith("Invoice\nNo.: INV-1405-0007\nDate: 2026-05-05\n")
    assert "TEA-500" in text  # no catalog: the code
    assert "IRR" in text
    assert "22,000,000" in text


class _Page(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_persian_html_invoice_is_rtl_and_self_contained() -> None:
    page = render_document_html(PRICED, catalog=CATALOG, layout=PERSIAN)
    parser = _Page()
    parser.feed(page)
    html_tag = dict(parser.tags)["html"]
    assert html_tag == {"lang": "fa", "dir": "rtl"}
    tags = {tag for tag, _ in parser.tags}
    assert not tags & {"script", "link", "img", "iframe"}
    assert "http" not in page
    text = "".join(parser.text)
    for expected in (
        "فروشنده",
        "شرکت بازرگانی نمونه",
        "خریدار",
        "فروشگاه ستاره",
        "۱۴۰۵/۰۲/۱۵",
        "۲٬۲۰۰٬۰۰۰ تومان",
    ):
        assert expected in text


def test_html_escapes_names() -> None:
    page = render_document_html(PRICED, catalog={"TEA-500": "<b>tea</b>"})
    assert "&lt;b&gt;tea&lt;/b&gt;" in page
    assert "<b>tea</b>" not in page


def test_total_in_words() -> None:
    assert total_in_words(Money(22_000_000, "IRR"), PERSIAN) == "دو میلیون و دویست هزار تومان"
    assert total_in_words(Money(1234, "USD")) == "one thousand, two hundred and thirty-four USD"


def test_layout_refuses_bad_values() -> None:
    with pytest.raises(ValidationError, match="calendar"):
        DocumentLayout(calendar="lunar")
    with pytest.raises(ValidationError, match="locale"):
        DocumentLayout(locale="xx_XX")
    with pytest.raises(ValidationError, match="priced"):
        render_document_text("not a document")  # type: ignore[arg-type]


def test_number_document_draws_from_the_sequence() -> None:
    invoice = SalesDocument("I9", DocumentKind.INVOICE, "IRR", issued_on=date(2026, 3, 20))
    store = InMemoryStore()
    fmt = NumberFormat("INV-{jyear}-{seq:04}")
    with store.unit_of_work() as uow:
        first = number_document(invoice, fmt, uow.sequences)
        # 20 March 2026 is 29 Esfand 1404; the next day is 1 Farvardin 1405: a new counter
        second = number_document(invoice, fmt, uow.sequences, day=date(2026, 3, 20))
        third = number_document(invoice, fmt, uow.sequences, day=date(2026, 3, 21))
        uow.commit()
    assert (first.number, second.number, third.number) == (
        "INV-1404-0001",
        "INV-1404-0002",
        "INV-1405-0001",
    )
    with pytest.raises(ValidationError, match="numbered once"):
        number_document(first, fmt, uow.sequences)
    undated = SalesDocument("I10", DocumentKind.INVOICE, "IRR")
    with store.unit_of_work() as uow, pytest.raises(ValidationError, match="issued_on"):
        number_document(undated, fmt, uow.sequences)
    with store.unit_of_work() as uow:
        dated = number_document(undated, fmt, uow.sequences, day=date(2026, 3, 21))
    assert dated.issued_on == date(2026, 3, 21)
    assert dated.number == "INV-1405-0002"
