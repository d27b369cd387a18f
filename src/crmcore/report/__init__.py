"""Documents and report pages for people: text tables and self-contained HTML.

- Priced documents (quote, order, invoice): :func:`render_document_text`
  (aligned by display width with ``wcwidth``) and :func:`render_document_html`
  (one page, ``dir="rtl"`` for Persian, Jalali date, Persian digits, tomans,
  seller and buyer blocks, total in words), laid out by a
  :class:`DocumentLayout`; :func:`number_document` numbers a document from a
  repositories ``Sequence``.

>>> from crmcore.report import display_width
>>> display_width("فاکتور")
6
"""

from crmcore.report._document import (
    DocumentLayout,
    DocumentParty,
    number_document,
    render_document_html,
    render_document_text,
    total_in_words,
)
from crmcore.report._text import display_width, quantity_text, text_table

__all__ = [
    "DocumentLayout",
    "DocumentParty",
    "display_width",
    "number_document",
    "quantity_text",
    "render_document_html",
    "render_document_text",
    "text_table",
    "total_in_words",
]
