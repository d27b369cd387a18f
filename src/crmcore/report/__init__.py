"""Documents and report pages for people: text tables and self-contained HTML.

- Priced documents (quote, order, invoice): :func:`render_document_text`
  (aligned by display width with ``wcwidth``) and :func:`render_document_html`
  (one page, ``dir="rtl"`` for Persian, Jalali date, Persian digits, tomans,
  seller and buyer blocks, total in words), laid out by a
  :class:`DocumentLayout`; :func:`number_document` numbers a document from a
  repositories ``Sequence``.
- Report pages, one self-contained HTML file each (charts as inline SVG
  beside their tables, Persian with ``locale="fa_IR"``):
  :func:`roi_report_page`, :func:`clv_report_page`,
  :func:`scoring_report_page`, :func:`sla_report_page`; :func:`figure_svg`
  turns any figure into inline SVG. They need the ``plot`` extra.
- A large customer base a chunk at a time: :class:`ClvReportTally`
  (``add(customers)`` per chunk, then ``result()``) makes the page
  :func:`clv_report_page` makes, holding a few machine numbers a customer.

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
from crmcore.report._pages import (
    clv_report_page,
    figure_svg,
    roi_report_page,
    scoring_report_page,
    sla_report_page,
)
from crmcore.report._tally import ClvReportTally
from crmcore.report._text import display_width, quantity_text, text_table

__all__ = [
    "ClvReportTally",
    "DocumentLayout",
    "DocumentParty",
    "clv_report_page",
    "display_width",
    "figure_svg",
    "number_document",
    "quantity_text",
    "render_document_html",
    "render_document_text",
    "roi_report_page",
    "scoring_report_page",
    "sla_report_page",
    "text_table",
    "total_in_words",
]
