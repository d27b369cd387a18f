"""Width-aware plain-text tables and locale-aware numbers (private)."""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from decimal import Decimal
from types import ModuleType

from babel.numbers import format_decimal

from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits

__all__ = ["display_width", "optional", "quantity_text", "text_table"]


def optional(name: str) -> ModuleType:
    """Import an optional dependency of the ``report`` extra, naming the extra when missing."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        raise ModuleNotFoundError(
            f"crmcore.report needs {name!r}: pip install 'crmcore[report]'", name=name
        ) from err


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK) characters 2, joiners such as ZWNJ 0.

    >>> display_width("abc"), display_width("می‌خواهم"), display_width("漢字")
    (3, 7, 4)
    """
    wcwidth = optional("wcwidth")
    width = int(wcwidth.wcswidth(text))
    if width >= 0:
        return width
    # A control character makes wcswidth give up: count the printable ones.
    return sum(max(0, int(wcwidth.wcwidth(c))) for c in text)


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - display_width(text))
    return gap + text if right else text + gap


def text_table(
    rows: Sequence[Sequence[str]],
    headers: Sequence[str],
    *,
    numeric: Sequence[bool] | None = None,
    right_to_left: bool = False,
) -> str:
    """A plain-text table aligned by display width (not ``len``).

    Columns flagged in ``numeric`` are right-aligned; the others are
    left-aligned, or right-aligned when ``right_to_left``.

    >>> print(text_table([["چای", "12"], ["漢字", "3"]], ["name", "qty"], numeric=[False, True]))
    name  qty
    ----  ---
    چای    12
    漢字    3
    """
    flags = list(numeric) if numeric is not None else [False] * len(headers)
    if len(flags) != len(headers) or any(len(row) != len(headers) for row in rows):
        raise ValidationError(
            obj="text_table",
            field="rows",
            value=len(headers),
            expected="one cell per header in every row",
        )
    cells = [list(headers), *[list(row) for row in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = [_pad(cell, widths[c], flags[c] or right_to_left) for c, cell in enumerate(row)]
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def quantity_text(value: Decimal, locale: str, *, persian_digits: bool) -> str:
    """A quantity in ``locale``'s separators, trailing zeros dropped (``86٫4`` in Persian digits).

    >>> quantity_text(Decimal("86.40"), "fa_IR", persian_digits=True), quantity_text(Decimal("1200"), "en_US", persian_digits=False)
    ('۸۶٫۴', '1,200')
    """
    normal = value.normalize()
    places = max(0, -int(normal.as_tuple().exponent))
    pattern = "#,##0" + ("." + "0" * places if places else "")
    text = format_decimal(
        normal,
        format=pattern,
        locale=locale,
        numbering_system="default" if persian_digits else "latn",
    )
    return to_persian_digits(text) if persian_digits else text
