"""Report pages: the figures in the tables are the engines' figures; bad input is refused."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from crmcore.errors import CrmError, ValidationError
from crmcore.report import (
    clv_report_page,
    figure_svg,
    roi_report_page,
    scoring_report_page,
    sla_report_page,
)
from crmcore.scoring.evaluation import roc_auc
from tests.report.samples import simulated_customers, sla_evaluations

pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _report():
    from crmcore.cli._roi import plan_from_json

    return plan_from_json(json.loads((EXAMPLES / "plan.json").read_text(encoding="utf-8"))).report()


class _Cells(HTMLParser):
    """Texts of table cells, and every URL-bearing attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: list[str] = []
        self.urls: list[str] = []
        self._in_cell = False

    def handle_starttag(self, tag, attrs):
        self._in_cell = self._in_cell or tag in ("td", "th")
        if tag in ("td", "th"):
            self.cells.append("")
        self.urls += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self._in_cell = False

    def handle_data(self, data):
        if self._in_cell:
            self.cells[-1] += data


def _parse(page: str) -> _Cells:
    parser = _Cells()
    parser.feed(page)
    return parser


def test_roi_page_shows_the_reports_figures() -> None:
    # examples/plan.json: nets -15000, 10000, 10000 at 10 %: NPV = -15000 + 9090.91 + 8264.46
    page = roi_report_page(_report())
    cells = _parse(page).cells
    assert "$2,355.37" in cells
    assert "20.0 %" in cells  # ROI (30000 − 25000) / 25000
    assert "1.50" in cells  # payback: 5000 of the 10000 of the third year
    assert page.count("<svg") == 1


def test_pages_fetch_nothing() -> None:
    for page in (
        roi_report_page(_report(), locale="fa_IR"),
        sla_report_page(sla_evaluations(), locale="fa_IR"),
    ):
        parsed = _parse(page)
        assert all(url.startswith("#") for url in parsed.urls), parsed.urls
        assert "<script" not in page
        assert "<link" not in page


def test_scoring_page_metrics_match_the_engine() -> None:
    labels = [1, 0, 1, 0, 1, 0, 0, 1, 0, 0]
    probabilities = [0.9, 0.8, 0.7, 0.6, 0.55, 0.4, 0.3, 0.2, 0.1, 0.05]
    page = scoring_report_page(labels, probabilities, bins=5)
    cells = _parse(page).cells
    # won leads at ranks 1, 3, 5, 8 of 10: pairs ordered right = 6 + 5 + 4 + 2 = 17 of 24
    assert roc_auc(labels, probabilities) == pytest.approx(17 / 24)
    assert f"{17 / 24:.3f}" in cells
    assert page.count("<svg") == 3
    with pytest.raises(CrmError):
        scoring_report_page([1, 0], [0.5, 1.5])


def test_sla_page_compliance_per_jalali_month() -> None:
    page = sla_report_page(sla_evaluations(), grain="jalali_month", locale="fa_IR")
    cells = _parse(page).cells
    # Dey 1403 (to 19 Jan 2025): 6, 9 Jan met, 15 Jan breached; Bahman (20 Jan - 18 Feb):
    # 28 Jan and 11 Feb met, 3 and 4 Feb breached; Esfand (19 Feb - 20 Mar): 20 Feb, 2, 5, 9 Mar
    # met, 12 Mar breached; Farvardin 1404: 30 Mar still open. Overall 8 met of 12 decided.
    assert "۶۶٫۷ ٪" in cells
    assert "۵۰٫۰ ٪" in cells  # Bahman: 2 of 4
    assert "۱۴۰۳-۱۰" in cells
    assert "۱۴۰۴-۰۱" in cells


def test_clv_page_lists_the_top_customers() -> None:
    page = clv_report_page(simulated_customers(150), currency="EUR", top=3)
    cells = _parse(page).cells
    assert sum(1 for c in cells if c.startswith("c") and c[1:].isdigit()) == 3
    assert page.count("<svg") == 2


def test_pages_refuse_bad_input() -> None:
    with pytest.raises(ValidationError, match="report"):
        roi_report_page("not a report")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="customers"):
        clv_report_page([], currency="USD")
    with pytest.raises(ValidationError, match="evaluations"):
        sla_report_page(["x"])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match="locale"):
        roi_report_page(_report(), locale="")


def test_figure_svg_is_an_inline_svg_element() -> None:
    from crmcore.plot import plot_cash_flow

    svg = figure_svg(plot_cash_flow([-10, 6, 6]))
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
