"""Priced documents for people: a text table and an HTML page (private)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from html import escape

import attrs

from crmcore import _checks as check
from crmcore.calendars import format_jalali
from crmcore.errors import ValidationError
from crmcore.money import Money, to_persian_digits
from crmcore.pricing import (
    Catalog,
    DocumentKind,
    NumberFormat,
    NumberSequence,
    PricedDocument,
    SalesDocument,
)
from crmcore.report._html import page
from crmcore.report._text import optional, quantity_text, text_table

__all__ = [
    "DocumentLayout",
    "DocumentParty",
    "number_document",
    "render_document_html",
    "render_document_text",
    "total_in_words",
]

_WORDS = {
    "en": {
        DocumentKind.OPPORTUNITY: "Opportunity",
        DocumentKind.QUOTE: "Quote",
        DocumentKind.ORDER: "Order",
        DocumentKind.INVOICE: "Invoice",
        "number": "No.",
        "date": "Date",
        "seller": "Seller",
        "buyer": "Buyer",
        "tax_id": "Tax ID",
        "address": "Address",
        "phone": "Phone",
        "row": "#",
        "product": "Product",
        "quantity": "Quantity",
        "unit": "Unit",
        "price": "Unit price",
        "discount": "Discount",
        "tax": "Tax",
        "amount": "Amount",
        "detail": "Subtotal",
        "header_discount": "Document discount",
        "freight": "Freight",
        "total_tax": "Tax",
        "total": "Total",
        "words": "In words",
    },
    "fa": {
        DocumentKind.OPPORTUNITY: "فرصت فروش",
        DocumentKind.QUOTE: "پیش‌فاکتور",
        DocumentKind.ORDER: "سفارش فروش",
        DocumentKind.INVOICE: "صورتحساب فروش",
        "number": "شماره",
        "date": "تاریخ",
        "seller": "فروشنده",
        "buyer": "خریدار",
        "tax_id": "شناسه ملی / کد اقتصادی",
        "address": "نشانی",
        "phone": "تلفن",
        "row": "ردیف",
        "product": "شرح کالا یا خدمت",
        "quantity": "مقدار",
        "unit": "واحد",
        "price": "مبلغ واحد",
        "discount": "تخفیف",
        "tax": "مالیات و عوارض",
        "amount": "مبلغ کل",
        "detail": "جمع",
        "header_discount": "تخفیف کل سند",
        "freight": "هزینه حمل",
        "total_tax": "جمع مالیات و عوارض",
        "total": "مبلغ قابل پرداخت",
        "words": "به حروف",
    },
}


@attrs.frozen(kw_only=True)
class DocumentParty:
    """A seller or buyer block printed on a document.

    >>> DocumentParty(name="شرکت نمونه", tax_id="10100000000").name
    'شرکت نمونه'
    """

    name: str = attrs.field(validator=check.text(max_length=300))
    """Legal or trading name."""
    tax_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    """National ID / economic code (VAT number)."""
    address: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=500)
    )
    """Postal address."""
    phone: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    """Telephone number."""


def _language(locale: str) -> str:
    if not isinstance(locale, str) or not locale:
        raise ValidationError(
            obj="DocumentLayout",
            field="locale",
            value=locale,
            expected="a locale such as en_US or fa_IR",
        )
    return "fa" if locale.replace("-", "_").split("_")[0].lower() == "fa" else "en"


def _calendar(value: object) -> str:
    if value not in ("gregorian", "jalali"):
        raise ValidationError(
            obj="DocumentLayout", field="calendar", value=value, expected="'gregorian' or 'jalali'"
        )
    return str(value)


def _default_calendar(layout: DocumentLayout) -> str:
    return "jalali" if _language(layout.locale) == "fa" else "gregorian"


@attrs.frozen(kw_only=True)
class DocumentLayout:
    """How a priced document is shown: language, digits, currency unit, parties, calendar.

    Defaults follow the locale: for ``fa_IR`` Persian labels, Persian digits
    and the Jalali date; otherwise English, Latin digits, Gregorian date.
    ``toman`` shows IRR amounts in tomans (:meth:`Money.format`).
    """

    locale: str = attrs.field(default="en_US", validator=check.text(max_length=20))
    """A locale babel knows (``fa_IR``, ``en_US``, ``de_DE``)."""
    persian_digits: bool | None = None
    """Persian digits; None = yes for a Persian locale."""
    toman: bool = False
    """Show IRR amounts in tomans (1 toman = 10 rials)."""
    calendar: str = attrs.field(
        default=attrs.Factory(_default_calendar, takes_self=True), converter=_calendar
    )
    """``"jalali"`` or ``"gregorian"``; defaults to Jalali for Persian."""
    seller: DocumentParty | None = attrs.field(
        default=None, validator=check.instance_of(DocumentParty, optional=True)
    )
    """The seller block."""
    buyer: DocumentParty | None = attrs.field(
        default=None, validator=check.instance_of(DocumentParty, optional=True)
    )
    """The buyer block."""
    unit_names: Mapping[str, str] = attrs.field(factory=dict)
    """Display names of units (``{"can": "قوطی"}``); others are shown as they are."""
    total_in_words: bool = False
    """Add the total in words (needs ``num2words``, the ``report`` extra)."""
    title: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """Title instead of the kind's name (``Proforma invoice``)."""

    def __attrs_post_init__(self) -> None:
        _language(self.locale)
        Money.zero("USD").format(self.locale)  # babel must know the locale

    @property
    def language(self) -> str:
        """``"fa"`` or ``"en"``: the language of the labels."""
        return _language(self.locale)

    @property
    def digits(self) -> bool:
        """Whether numbers use Persian digits."""
        return self.language == "fa" if self.persian_digits is None else self.persian_digits


def number_document(
    document: SalesDocument,
    number_format: NumberFormat,
    sequence: NumberSequence,
    *,
    day: date | None = None,
) -> SalesDocument:
    """The document with its number drawn from ``sequence`` (call inside the unit of work).

    ``day`` (default: the document's ``issued_on``) fills the date parts of
    the number and becomes ``issued_on`` when that is unset. A document is
    numbered once: one that has a number is refused.

    >>> from crmcore.repositories import InMemoryStore
    >>> invoice = SalesDocument("I1", DocumentKind.INVOICE, "IRR", issued_on=date(2026, 5, 5))
    >>> with InMemoryStore().unit_of_work() as uow:
    ...     number_document(invoice, NumberFormat("INV-{jyear}-{seq:04}"), uow.sequences).number
    'INV-1405-0001'
    """
    where = f"SalesDocument {getattr(document, 'id', '?')!r}"
    if not isinstance(document, SalesDocument):
        raise ValidationError(
            obj="number_document", field="document", value=document, expected="a SalesDocument"
        )
    if not isinstance(number_format, NumberFormat):
        raise ValidationError(
            obj="number_document",
            field="number_format",
            value=number_format,
            expected="a NumberFormat",
        )
    if document.number is not None:
        raise ValidationError(
            obj=where,
            field="number",
            value=document.number,
            expected="None: a document is numbered once",
        )
    when = day if day is not None else document.issued_on
    if when is None:
        raise ValidationError(
            obj=where, field="issued_on", value=None, expected="a date, or pass day="
        )
    check.require_date(when, obj="number_document", field="day")
    number = number_format.next_number(sequence, when)
    return attrs.evolve(document, number=number, issued_on=document.issued_on or when)


def total_in_words(amount: Money, layout: DocumentLayout | None = None) -> str:
    """The amount in words in the layout's language (``num2words``), with the currency's name.

    >>> total_in_words(Money(1250000, "IRR"), DocumentLayout(locale="fa_IR", toman=True))
    'صد و بیست و پنج هزار تومان'
    """
    layout = layout or DocumentLayout()
    num2words = optional("num2words")
    value: Decimal = amount.amount
    unit = amount.currency
    if layout.toman and amount.currency == "IRR":
        value, unit = value.scaleb(-1), "toman"
    if layout.language == "fa":
        unit = {"IRR": "ریال", "toman": "تومان"}.get(unit, unit)
    number = value.normalize()
    words = num2words.num2words(
        int(number) if number == number.to_integral_value() else number, lang=layout.language
    )
    return f"{words} {unit}"


class _Labels:
    """Every string a document shows, formatted once for one layout."""

    __slots__ = ("layout", "words")

    def __init__(self, layout: DocumentLayout) -> None:
        self.layout = layout
        self.words = _WORDS[layout.language]

    def money(self, value: Money) -> str:
        toman = self.layout.toman and value.currency == "IRR"
        return value.format(self.layout.locale, persian_digits=self.layout.digits, toman=toman)

    def digits(self, text: str) -> str:
        return to_persian_digits(text) if self.layout.digits else text

    def date(self, day: date) -> str:
        if self.layout.calendar == "jalali":
            return format_jalali(day, persian_digits=self.layout.digits).replace("-", "/")
        return self.digits(day.isoformat())


def _names(catalog: Catalog | Mapping[str, str] | None) -> Mapping[str, str]:
    if catalog is None:
        return {}
    if isinstance(catalog, Catalog):
        return {p.id: p.name for p in catalog.products}
    if isinstance(catalog, Mapping):
        return catalog
    raise ValidationError(
        obj="render_document",
        field="catalog",
        value=catalog,
        expected="a Catalog, a mapping of product id to name, or None",
    )


def _check(priced: object) -> PricedDocument:
    if not isinstance(priced, PricedDocument):
        raise ValidationError(
            obj="render_document", field="priced", value=priced, expected="a PricedDocument"
        )
    return priced


def _line_rows(
    priced: PricedDocument, names: Mapping[str, str], labels: _Labels
) -> list[list[str]]:
    units = labels.layout.unit_names
    return [
        [
            labels.digits(str(line.number)),
            names.get(line.product_id, line.product_id),
            quantity_text(line.quantity, labels.layout.locale, persian_digits=labels.layout.digits),
            units.get(line.unit, line.unit),
            labels.money(line.price_per_unit),
            labels.money(line.volume_discount_total + line.manual_discount),
            labels.money(line.tax),
            labels.money(line.extended_amount),
        ]
        for line in priced.lines
    ]


def _headers(labels: _Labels) -> list[str]:
    keys = ("row", "product", "quantity", "unit", "price", "discount", "tax", "amount")
    return [labels.words[k] for k in keys]


def _totals(priced: PricedDocument, labels: _Labels) -> list[tuple[str, str]]:
    rows = [("detail", priced.detail_amount)]
    if priced.header_discount:
        rows.append(("header_discount", priced.header_discount))
    if priced.freight:
        rows.append(("freight", priced.freight))
    rows += [("total_tax", priced.total_tax), ("total", priced.total_amount)]
    return [(labels.words[key], labels.money(value)) for key, value in rows]


class _Field:
    """One ``label: value`` pair; ``ltr`` values (numbers, codes, phones) keep their order in RTL."""

    __slots__ = ("label", "ltr", "value")

    def __init__(self, label: str, value: str, *, ltr: bool = False) -> None:
        self.label = label
        self.value = value
        self.ltr = ltr

    def text(self) -> str:
        return f"{self.label}: {self.value}" if self.label else self.value

    def html(self) -> str:
        value = escape(self.value)
        if self.ltr:
            value = f'<bdi dir="ltr">{value}</bdi>'
        return f"{escape(self.label)}: {value}" if self.label else value


def _heading(priced: PricedDocument, labels: _Labels) -> tuple[str, list[_Field]]:
    document = priced.document
    title = labels.layout.title or labels.words[document.kind]
    meta = []
    if document.number:
        meta.append(_Field(labels.words["number"], labels.digits(document.number), ltr=True))
    if document.issued_on:
        meta.append(_Field(labels.words["date"], labels.date(document.issued_on)))
    return title, meta


def _party_lines(party: DocumentParty, labels: _Labels) -> list[_Field]:
    lines = [_Field("", party.name)]
    if party.tax_id:
        lines.append(_Field(labels.words["tax_id"], labels.digits(party.tax_id), ltr=True))
    if party.address:
        lines.append(_Field(labels.words["address"], party.address))
    if party.phone:
        lines.append(_Field(labels.words["phone"], labels.digits(party.phone), ltr=True))
    return lines


def render_document_text(
    priced: PricedDocument,
    *,
    catalog: Catalog | Mapping[str, str] | None = None,
    layout: DocumentLayout | None = None,
) -> str:
    """The document as plain text: heading, parties, lines and totals, aligned by display width.

    Product names come from ``catalog`` (a :class:`~crmcore.pricing.Catalog`
    or an id → name mapping); amounts are :meth:`Money.format` in the
    layout's locale. Columns are aligned with :func:`display_width`, so
    Persian text with ZWNJ and wide characters line up.
    """
    document = _check(priced)
    labels = _Labels(layout or DocumentLayout())
    title, meta = _heading(document, labels)
    out = [title, *(m.text() for m in meta)]
    for key in ("seller", "buyer"):
        party = getattr(labels.layout, key)
        if party is not None:
            out.append(
                f"{labels.words[key]}: " + " | ".join(f.text() for f in _party_lines(party, labels))
            )
    out.append("")
    rows = _line_rows(document, _names(catalog), labels)
    numeric = [True, False, True, False, True, True, True, True]
    out.append(
        text_table(
            rows, _headers(labels), numeric=numeric, right_to_left=labels.layout.language == "fa"
        )
    )
    out.append("")
    totals = _totals(document, labels)
    out.append(
        text_table([list(t) for t in totals], ["", ""], numeric=[False, True]).split("\n", 2)[2]
    )
    if labels.layout.total_in_words:
        out.append(
            f"{labels.words['words']}: {total_in_words(document.total_amount, labels.layout)}"
        )
    return "\n".join(out) + "\n"


def _html_party(key: str, party: DocumentParty, labels: _Labels) -> str:
    lines = _party_lines(party, labels)
    rest = "".join(f"<div>{line.html()}</div>" for line in lines[1:])
    return (
        f'<div class="party"><h2>{escape(labels.words[key])}</h2>'
        f"<div><strong>{lines[0].html()}</strong></div>{rest}</div>"
    )


def document_body(priced: PricedDocument, names: Mapping[str, str], labels: _Labels) -> str:
    """The HTML inside ``<body>`` for a priced document."""
    title, meta = _heading(priced, labels)
    parts = [f"<h1>{escape(title)}</h1>"]
    parts += [f'<p class="meta">{m.html()}</p>' for m in meta]
    parties = [
        _html_party(key, party, labels)
        for key in ("seller", "buyer")
        if (party := getattr(labels.layout, key)) is not None
    ]
    if parties:
        parts.append('<div class="parties">' + "".join(parties) + "</div>")
    head = "".join(f"<th>{escape(h)}</th>" for h in _headers(labels))
    body = []
    for row in _line_rows(priced, names, labels):
        cells = [
            f'<td class="num">{escape(c)}</td>' if i not in (1, 3) else f"<td>{escape(c)}</td>"
            for i, c in enumerate(row)
        ]
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts.append(
        f'<table class="lines"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )
    totals = _totals(priced, labels)
    last = len(totals) - 1
    rows = "".join(
        ('<tr class="total">' if i == last else "<tr>")
        + f'<th>{escape(k)}</th><td class="num">{escape(v)}</td></tr>'
        for i, (k, v) in enumerate(totals)
    )
    parts.append(f'<table class="totals">{rows}</table>')
    if labels.layout.total_in_words:
        words = total_in_words(priced.total_amount, labels.layout)
        parts.append(f'<p class="words">{escape(labels.words["words"])}: {escape(words)}</p>')
    return "\n".join(parts)


def render_document_html(
    priced: PricedDocument,
    *,
    catalog: Catalog | Mapping[str, str] | None = None,
    layout: DocumentLayout | None = None,
) -> str:
    """The document as one self-contained HTML page (no script, no link, no font fetched).

    A Persian layout gives ``<html lang="fa" dir="rtl">``, Persian labels
    and digits and the Jalali date; every text is HTML-escaped.
    """
    document = _check(priced)
    labels = _Labels(layout or DocumentLayout())
    title, meta = _heading(document, labels)
    heading = " ".join([title, *(m.value for m in meta[:1])])
    return page(
        heading, document_body(document, _names(catalog), labels), lang=labels.layout.language
    )
