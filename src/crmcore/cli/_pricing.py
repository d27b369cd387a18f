"""The ``crmcore price`` subcommand (private).

Input is JSON parsed with :func:`crmcore.serialization.make_converter`::

    {
      "catalog": {"products": [...]},            # a Catalog
      "price_lists": [{...}, ...],               # PriceList objects
      "default_price_list": "base",              # optional
      "on": "2026-05-05",                        # optional: the day for list selection
      "options": {...},                          # optional PricingOptions
      "rules": {"rules": [...]},                 # optional PricingRules (promotions)
      "document": {...}                          # a SalesDocument
    }

``--catalog FILE`` supplies the catalog/price-list/options keys from a second
file, so one catalog can price many documents; ``--rules FILE`` supplies the
``rules`` (a PricingRules object, or a list of PricingRule objects).

``--format html`` writes the priced document as a printable page
(:func:`crmcore.report.render_document_html`: right to left for ``fa``,
product names, Jalali date, ``--toman``); ``--number-format PATTERN`` numbers
it first from a gap-free sequence (:func:`crmcore.report.number_document`),
kept in ``--sequence-store FILE`` (SQLite) when given.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from crmcore.cli._common import CliError, Subparsers, output, table
from crmcore.cli._io import FORMATS, add_io, emit, read_json

if TYPE_CHECKING:
    import cattrs

    from crmcore.money import Money
    from crmcore.pricing import PricedDocument

_KINDS = [
    "quote",
    "order",
    "invoice",
    "opportunity",
]  # crmcore.pricing.DocumentKind (a test checks)


def register(subparsers: Subparsers) -> None:
    """Add the ``price`` subcommand to the ``crmcore`` parser."""
    parser = subparsers.add_parser(
        "price",
        help="price a quote, order, invoice or opportunity lines from a JSON document",
        description=(
            "Price a document: every line and total, with the steps that explain each figure."
        ),
    )
    parser.add_argument(
        "kind", nargs="?", choices=_KINDS, help="the document kind (default: as in the file)"
    )
    parser.add_argument(
        "file", nargs="?", help="JSON file with catalog, price lists and document ('-' for stdin)"
    )
    parser.add_argument("--document", help="the document JSON file (instead of FILE)")
    parser.add_argument("--catalog", help="JSON file with catalog, price_lists and options")
    parser.add_argument("--rules", help="JSON file with pricing rules (promotions)")
    add_io(
        parser,
        example=(
            "crmcore price invoice invoice.json --number-format 'INV-{jyear}-{seq:05}' "
            "--toman --locale fa_IR --format html -o invoice.html"
        ),
        formats=(*FORMATS, "html"),
    )
    parser.add_argument("--locale", default="en_US", help="locale of the table (en_US, fa_IR, ...)")
    parser.add_argument("--persian-digits", action="store_true", help="Persian digits in the table")
    parser.add_argument("--toman", action="store_true", help="rial amounts shown in tomans (html)")
    parser.add_argument(
        "--number-format", help="number the document first, e.g. 'INV-{jyear}-{seq:05}'"
    )
    parser.add_argument(
        "--sequence-store", help="SQLite file holding the numbering sequence (default: start at 1)"
    )
    parser.set_defaults(handler=run)


def _merge(args: argparse.Namespace) -> dict[str, Any]:
    path = args.document or args.file
    if path is None:
        raise CliError("give the document file: crmcore price quote quote.json")
    if args.document and args.file:
        raise CliError("give the document either as FILE or with --document, not both")
    data: dict[str, Any] = {}
    if args.catalog:
        base = read_json(args.catalog)
        if not isinstance(base, dict):
            raise CliError(f"{args.catalog}: expected a JSON object")
        data.update(base)
    given = read_json(path)
    if not isinstance(given, dict):
        raise CliError(f"{path}: expected a JSON object")
    if "document" in given:
        data.update(given)
    else:
        data["document"] = given
    if args.rules:
        rules = read_json(args.rules)
        data["rules"] = {"rules": rules} if isinstance(rules, list) else rules
    return data


def price_input(data: Mapping[str, Any], kind: str | None = None) -> PricedDocument:
    """Price the JSON input described in this module's docstring."""
    from crmcore.errors import ValidationError  # noqa: PLC0415  (engines load on demand)
    from crmcore.pricing import (  # noqa: PLC0415
        Catalog,
        PriceList,
        PricingOptions,
        PricingRules,
        SalesDocument,
        price_from_lists,
    )
    from crmcore.serialization import make_converter  # noqa: PLC0415

    conv = make_converter()
    for key in ("catalog", "document"):
        if key not in data:
            raise ValidationError(obj="input", field=key, value=None, expected=f"a {key!r} object")
    unknown = set(data) - {
        "catalog",
        "price_lists",
        "price_list",
        "default_price_list",
        "on",
        "options",
        "rules",
        "document",
    }
    if unknown:
        raise ValidationError(
            obj="input", field=sorted(unknown)[0], value=sorted(unknown), expected="no other keys"
        )
    if not isinstance(data["document"], Mapping):
        raise ValidationError(
            obj="input", field="document", value=data["document"], expected="a JSON object"
        )
    raw_doc = dict(data["document"])
    if kind is not None and raw_doc.setdefault("kind", kind) != kind:
        raise ValidationError(
            obj="input", field="document.kind", value=raw_doc["kind"], expected=kind
        )
    catalog: Catalog = _structure(conv, data["catalog"], Catalog, "catalog")
    document: SalesDocument = _structure(conv, raw_doc, SalesDocument, "document")
    raw_lists = data.get("price_lists") or ([data["price_list"]] if "price_list" in data else [])
    lists: list[PriceList] = _structure(conv, raw_lists, list[PriceList], "price_lists")
    options: PricingOptions = _structure(conv, data.get("options") or {}, PricingOptions, "options")
    day: date | None = _structure(conv, data["on"], date, "on") if "on" in data else None
    default: str | None = _structure(
        conv, data.get("default_price_list"), str | None, "default_price_list"
    )
    rules: PricingRules | None = None
    if "rules" in data:
        rules = _structure(conv, data["rules"], PricingRules, "rules")
    return price_from_lists(document, catalog, lists, options, on=day, default=default, rules=rules)


def _structure(conv: cattrs.Converter, value: Any, kind: Any, where: str) -> Any:
    from crmcore.errors import ValidationError  # noqa: PLC0415

    try:
        return conv.structure(value, kind)
    except ValidationError as err:
        raise ValidationError(
            obj=where, field=err.field, value=err.value, expected=err.expected, errors=err.errors
        ) from None


def priced_to_json(priced: PricedDocument) -> dict[str, Any]:
    """The priced document as JSON-able data: lines with explanations, totals, steps."""
    from crmcore.serialization import make_converter  # noqa: PLC0415  (engines load on demand)

    conv = make_converter()
    lines = []
    for line in priced.lines:
        item = conv.unstructure(line)
        item["volume_discount_per_unit"] = conv.unstructure(line.volume_discount_per_unit)
        item["explanation"] = list(line.explain())
        lines.append(item)
    totals = {
        name: conv.unstructure(getattr(priced, name))
        for name in (
            "detail_amount",
            "header_discount",
            "pre_freight_amount",
            "freight",
            "total_tax",
            "total_amount",
        )
    }
    return {
        "document": conv.unstructure(priced.document),
        "price_list": priced.price_list,
        "options": conv.unstructure(priced.options),
        "lines": lines,
        "totals": totals,
        "explanation": list(priced.explain(lines=False)),
    }


def _fmt(money: Money, locale: str, persian: bool) -> str:
    return money.format(locale, persian_digits=persian)


def render_table(
    priced: PricedDocument, locale: str = "en_US", persian_digits: bool = False
) -> str:
    """A human table of the lines, then the totals."""
    from crmcore.calendars import format_jalali  # noqa: PLC0415  (engines load on demand)
    from crmcore.money import to_persian_digits  # noqa: PLC0415

    doc = priced.document
    persian = persian_digits

    def num(value: Decimal) -> str:
        # never an exponent (issue 15 item 7): 4E+6 is 4000000, 1E-7 is 0.0000001
        text = f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"
        return to_persian_digits(text) if persian else text

    rows = [
        [
            num(Decimal(line.number)),
            line.product_id,
            num(line.quantity),
            line.unit,
            _fmt(line.price_per_unit, locale, persian),
            _fmt(line.volume_discount_total, locale, persian),
            _fmt(line.amount, locale, persian),
            _fmt(line.manual_discount, locale, persian),
            _fmt(line.tax, locale, persian),
            _fmt(line.extended_amount, locale, persian),
        ]
        for line in priced.lines
    ]
    fa = locale.startswith("fa")
    headers = (
        ["ردیف", "کالا", "تعداد", "واحد", "فی", "تخفیف حجمی", "مبلغ", "تخفیف", "مالیات", "جمع"]
        if fa
        else [
            "#",
            "product",
            "qty",
            "unit",
            "price",
            "volume disc.",
            "amount",
            "discount",
            "tax",
            "extended",
        ]
    )
    title = f"{doc.kind} {doc.number or doc.id}"
    if doc.issued_on is not None:
        jalali = format_jalali(doc.issued_on, persian_digits=persian).replace("-", "/")
        title += f"  {doc.issued_on.isoformat()} ({jalali})"
    labels = (
        ["جمع جزء", "تخفیف کل", "پیش از حمل", "هزینه حمل", "مالیات", "مبلغ کل"]
        if fa
        else [
            "detail amount",
            "header discount",
            "pre-freight",
            "freight",
            "total tax",
            "total amount",
        ]
    )
    figures = [
        priced.detail_amount,
        priced.header_discount,
        priced.pre_freight_amount,
        priced.freight,
        priced.total_tax,
        priced.total_amount,
    ]
    width = max(len(label) for label in labels)
    totals = [
        f"{label.ljust(width)}  {_fmt(m, locale, persian)}"
        for label, m in zip(labels, figures, strict=True)
    ]
    return "\n".join([title, "", table(rows, headers), "", *totals])


def _numbered(priced: PricedDocument, args: argparse.Namespace) -> PricedDocument:
    """The priced document with its number drawn from the sequence (``--number-format``)."""
    import attrs  # noqa: PLC0415  (kept off the start-up path)

    from crmcore.pricing import NumberFormat  # noqa: PLC0415  (engines load on demand)
    from crmcore.report import number_document  # noqa: PLC0415
    from crmcore.repositories import InMemoryStore, SqliteStore, Store  # noqa: PLC0415

    fmt = NumberFormat(args.number_format)
    store: Store = SqliteStore(args.sequence_store) if args.sequence_store else InMemoryStore()
    try:
        with store.unit_of_work() as uow:
            document = number_document(priced.document, fmt, uow.sequences)
    finally:
        if isinstance(store, SqliteStore):
            store.close()
    return attrs.evolve(priced, document=document)


def _html(priced: PricedDocument, data: Mapping[str, Any], args: argparse.Namespace) -> int:
    from crmcore.report import DocumentLayout, render_document_html  # noqa: PLC0415

    products = (data.get("catalog") or {}).get("products") or []
    names = {str(p["id"]): str(p.get("name") or p["id"]) for p in products if "id" in p}
    layout = DocumentLayout(
        locale=args.locale.replace("-", "_"),
        toman=args.toman,
        persian_digits=True if args.persian_digits else None,
    )
    page = render_document_html(priced, catalog=names, layout=layout)
    with output(args.output) as out:
        out.write(page)
    return 0


def run(args: argparse.Namespace) -> int:
    """Handler of ``crmcore price``."""
    data = _merge(args)
    priced = price_input(data, args.kind)
    if args.number_format:
        priced = _numbered(priced, args)
    if args.format == "html":
        return _html(priced, data, args)
    document = priced_to_json(priced)
    rows = [
        {k: v for k, v in line.items() if k != "explanation"}
        | {"explanation": " | ".join(line["explanation"])}
        for line in document["lines"]
    ]
    return emit(
        args,
        document,
        rows,
        text=lambda: render_table(priced, args.locale, args.persian_digits),
    )
