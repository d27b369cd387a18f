"""crmcore.plot: the figures show what the engines computed."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from crmcore.clv import BetaGeoModel, CustomerLifetimeValue, CustomerSummary
from crmcore.errors import ValidationError
from crmcore.models import CaseId, CasePriority
from crmcore.money import Money
from crmcore.plot import (
    ComplianceGrain,
    plot_calibration,
    plot_cash_flow,
    plot_clv_distribution,
    plot_gains,
    plot_lift,
    plot_probability_alive_matrix,
    plot_sla_compliance,
    probability_alive_matrix,
    sla_compliance,
)
from crmcore.plot._base import shape
from crmcore.roi import (
    BenefitStream,
    CostItem,
    RoiPlan,
    discounted_payback_period,
    periods,
)
from crmcore.scoring.evaluation import calibration_table, evaluate
from crmcore.sla import KpiInstance, KpiKind, KpiState, SlaEvaluation


def _gid(figure, gid, axes=0):
    return next(a for a in figure.axes[axes].get_children() if a.get_gid() == gid)


def _bars(figure, gid, axes=0):
    return [p.get_height() for p in figure.axes[axes].patches if p.get_gid() == gid]


def _png(figure) -> bytes:
    # Warnings are errors in this suite: a glyph missing from the font fails here.
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _zero_crossing(xs, ys):
    for (x0, y0), (x1, y1) in zip(
        zip(xs, ys, strict=True), zip(xs[1:], ys[1:], strict=True), strict=False
    ):
        if y0 < 0 <= y1:
            return x0 + (x1 - x0) * (-y0) / (y1 - y0)
    return None


def test_payback_marker_sits_where_the_engine_put_it() -> None:
    # 700 recovered after 2 periods, then 300 of the 500 of period 3: 2.6 (payback_period docstring)
    figure = plot_cash_flow([-1000, 300, 400, 500])
    assert float(_gid(figure, "payback").get_xdata()[0]) == pytest.approx(2.6)
    assert float(_gid(figure, "payback").get_ydata()[0]) == 0.0
    cumulative = _gid(figure, "cumulative")
    assert list(cumulative.get_ydata()) == [-1000, -700, -300, 200]
    assert _bars(figure, "net") == [-1000, 300, 400, 500]


def test_discounted_payback_marker_and_curve_agree() -> None:
    # Discounted at 10 %: -1000, 454.55, 413.22, 375.66; cumulative -545.45, -132.23, +243.43,
    # so payback = 2 + 132.23 / 375.66 = 2.352 (hand calculation).
    flows = [-1000, 500, 500, 500]
    figure = plot_cash_flow(flows, rate="0.1")
    marker = float(_gid(figure, "discounted_payback").get_xdata()[0])
    assert marker == pytest.approx(2.352, abs=1e-3)
    assert marker == pytest.approx(float(discounted_payback_period("0.1", flows)))
    curve = _gid(figure, "discounted")
    assert _zero_crossing(list(curve.get_xdata()), list(curve.get_ydata())) == pytest.approx(marker)


def test_cash_flow_from_a_roi_report() -> None:
    plan = RoiPlan(
        name="CRM",
        currency="USD",
        periods=periods("gregorian_year", date(2025, 1, 1), 3),
        costs=[
            CostItem("implementation", Money(10000, "USD")),
            CostItem("subscription", Money(5000, "USD"), recurring=True),
        ],
        benefits=[
            BenefitStream(
                "revenue",
                Money(0, "USD"),
                [Money(0, "USD"), Money(15000, "USD"), Money(15000, "USD")],
            )
        ],
    )
    # nets -15000, 10000, 10000 (RoiPlan docstring): -5000 after period 1, half of period 2 → 1.5
    figure = plot_cash_flow(plan.report())
    assert float(_gid(figure, "payback").get_xdata()[0]) == 1.5
    assert list(_gid(figure, "cumulative").get_ydata()) == [-15000, -5000, 5000]
    ticks = [t.get_text() for t in figure.axes[0].get_xticklabels()]
    assert ticks == ["2025", "2026", "2027"]
    persian = plot_cash_flow(plan.report(), locale="fa_IR")
    assert [t.get_text() for t in persian.axes[0].get_xticklabels()] == ["۲۰۲۵", "۲۰۲۶", "۲۰۲۷"]
    assert _png(persian).startswith(b"\x89PNG")


def test_no_payback_no_marker() -> None:
    figure = plot_cash_flow([-100, 10, 10])
    assert all(a.get_gid() != "payback" for a in figure.axes[0].get_children())


def test_bad_cash_flow_input_is_refused() -> None:
    with pytest.raises(ValidationError, match="source"):
        plot_cash_flow([])
    with pytest.raises(ValidationError, match="locale"):
        plot_cash_flow([-1, 2], locale="")


CDNOW = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)  # Fader, Hardie & Lee 2005


def test_probability_alive_matrix_cells_are_the_models_p_alive() -> None:
    figure = plot_probability_alive_matrix(CDNOW, max_frequency=5, max_recency=10, age=12.0)
    image = _gid(figure, "p_alive")
    cells = image.get_array()
    assert cells.shape == (11, 6)
    for recency in range(11):
        assert cells[recency][0] == 1.0
        for frequency in range(1, 6):
            summary = CustomerSummary("c", frequency=frequency, recency=recency, age=12.0)
            assert cells[recency][frequency] == CDNOW.probability_alive(summary)
    # More recent buyers are likelier alive (FHL 2005, fig. on P(alive)); frequent but silent less.
    assert all(cells[r][3] < cells[r + 1][3] for r in range(10))
    assert cells[0][5] < cells[0][1]


def test_probability_alive_matrix_refuses_a_bad_grid() -> None:
    with pytest.raises(ValidationError, match="max_frequency"):
        probability_alive_matrix(CDNOW, max_frequency=0, max_recency=3)
    with pytest.raises(ValidationError, match="age"):
        probability_alive_matrix(CDNOW, max_frequency=2, max_recency=3, age=2.0)


def test_clv_histogram_counts_every_customer() -> None:
    values = [
        CustomerLifetimeValue("c1", 0.9, 2.0, 10.0, Money("100.00", "USD")),
        CustomerLifetimeValue("c2", 0.5, 1.0, 10.0, Money("20.00", "USD")),
        CustomerLifetimeValue("c3", 0.2, 0.1, 10.0, Money("10.00", "USD")),
    ]
    figure = plot_clv_distribution(values, bins=3)
    heights = [p.get_height() for p in figure.axes[0].patches]
    assert sum(heights) == 3
    assert heights == [2, 0, 1]  # bins [10, 40), [40, 70), [70, 100]: 10 and 20, none, 100
    mean = _gid(figure, "mean")
    assert float(mean.get_xdata()[0]) == pytest.approx(130 / 3)  # (100 + 20 + 10) / 3
    with pytest.raises(ValidationError, match="one currency"):
        plot_clv_distribution([Money(1, "USD"), Money(1, "EUR")])
    _png(plot_clv_distribution(values, locale="fa_IR"))


LABELS = [1, 0, 1, 0, 1]
SCORES = [0.9, 0.8, 0.7, 0.3, 0.3]


def test_gains_curve_runs_from_origin_to_one_one() -> None:
    figure = plot_gains(LABELS, SCORES, bins=5)
    gains = _gid(figure, "gains")
    # Ranked labels 1, 0, 1, 0, 1 (ties keep input order): captured 1/3, 1/3, 2/3, 2/3, 1.
    assert list(gains.get_xdata()) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    assert list(gains.get_ydata()) == pytest.approx([0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1.0])
    from_evaluation = plot_gains(
        evaluate([1, 0, 1, 0, 1, 0, 1, 0, 0, 0], [i / 10 for i in range(10, 0, -1)])
    )
    curve = _gid(from_evaluation, "gains")
    assert (curve.get_xdata()[-1], curve.get_ydata()[-1]) == (1.0, 1.0)


def test_lift_bars_are_win_rate_over_overall_rate() -> None:
    figure = plot_lift(LABELS, SCORES, bins=5)
    # overall 3/5; groups of one lead: 1/0.6, 0, 1/0.6, 0, 1/0.6
    lifts = _bars(figure, "lift")
    assert lifts == pytest.approx([5 / 3, 0, 5 / 3, 0, 5 / 3])


def test_calibration_points_are_bin_means() -> None:
    labels, probabilities = [0, 1, 1, 0], [0.1, 0.15, 0.8, 0.9]
    # bin [0, .5): mean .125, won 1 of 2; bin [.5, 1]: mean .85, won 1 of 2
    for figure in (
        plot_calibration(labels, probabilities, bins=2),
        plot_calibration(calibration_table(labels, probabilities, bins=2)),
    ):
        points = _gid(figure, "calibration")
        assert list(points.get_xdata()) == pytest.approx([0.125, 0.85])
        assert list(points.get_ydata()) == pytest.approx([0.5, 0.5])
    with pytest.raises(ValidationError, match="source"):
        plot_calibration([])


def _kpi(name, state, started):
    return KpiInstance(
        name=name,
        kind=KpiKind.RESOLUTION,
        state=state,
        target=timedelta(hours=8),
        elapsed=timedelta(hours=1),
        paused=timedelta(0),
        remaining=timedelta(hours=7),
        calendar="office",
        started_at=started,
    )


def _evaluation(case, *kpis):
    return SlaEvaluation(
        case_id=CaseId(case),
        now=datetime(2025, 3, 1, tzinfo=UTC),
        priority=CasePriority.NORMAL,
        policy="standard",
        entitlement=None,
        kpis=kpis,
    )


EVALUATIONS = [
    _evaluation("C1", _kpi("resolve", KpiState.SUCCEEDED, datetime(2025, 1, 19, 9, tzinfo=UTC))),
    _evaluation("C2", _kpi("resolve", KpiState.SUCCEEDED, datetime(2025, 1, 20, 9, tzinfo=UTC))),
    _evaluation("C3", _kpi("resolve", KpiState.BREACHED, datetime(2025, 1, 25, 9, tzinfo=UTC))),
    _evaluation(
        "C4",
        _kpi("resolve", KpiState.BREACHED, datetime(2025, 2, 3, 9, tzinfo=UTC)),
        _kpi("respond", KpiState.SUCCEEDED, datetime(2025, 2, 3, 9, tzinfo=UTC)),
    ),
    _evaluation("C5", _kpi("resolve", KpiState.IN_PROGRESS, datetime(2025, 2, 4, 9, tzinfo=UTC))),
]


def test_sla_compliance_per_month() -> None:
    rows = sla_compliance(EVALUATIONS, kpi="resolve")
    assert [(r.label, r.met, r.breached, r.open) for r in rows] == [
        ("2025-01", 2, 1, 0),
        ("2025-02", 0, 1, 1),
    ]
    assert rows[0].compliance == Decimal(2) / Decimal(3)
    assert rows[1].compliance == 0


def test_sla_compliance_per_jalali_month() -> None:
    # 1 Bahman 1403 = 20 January 2025 (1 Dey = 21 December 2024, Dey has 30 days)
    rows = sla_compliance(EVALUATIONS, grain=ComplianceGrain.JALALI_MONTH, kpi="resolve")
    assert [(r.label, r.start, r.met, r.breached) for r in rows] == [
        ("1403-10", date(2024, 12, 21), 1, 0),
        ("1403-11", date(2025, 1, 20), 1, 2),
    ]
    with pytest.raises(ValidationError, match="grain"):
        sla_compliance(EVALUATIONS, grain="week")


def test_sla_chart_shows_breaches_and_compliance() -> None:
    figure = plot_sla_compliance(EVALUATIONS, kpi="resolve")
    assert _bars(figure, "breaches") == [1, 1]
    line = _gid(figure, "compliance", axes=1)
    assert list(line.get_ydata()) == pytest.approx([200 / 3, 0.0])
    persian = plot_sla_compliance(sla_compliance(EVALUATIONS), locale="fa")
    assert [t.get_text() for t in persian.axes[0].get_xticklabels()] == ["۲۰۲۵-۰۱", "۲۰۲۵-۰۲"]
    _png(persian)


def test_persian_labels_are_shaped_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import matplotlib.ft2font

    from crmcore.plot import _base

    word = "بازگشت"
    if getattr(matplotlib.ft2font, "__libraqm_version__", ""):
        # matplotlib 3.11+ shapes and reorders itself: shaping again would reverse the word
        assert shape(word) == word
    # Without libraqm: by hand, ﺑ initial beh, ﺎ final alef, ﺯ isolated zain, ﮔ initial gaf,
    # ﺸ medial sheen, ﺖ final teh, written in visual (left-to-right) order.
    monkeypatch.setattr(_base, "_matplotlib_shapes", lambda: False)
    assert shape(word) == "\ufe96\ufeb8\ufb94\ufeaf\ufe8e\ufe91"
    assert shape("payback 2.6") == "payback 2.6"


def test_persian_figure_renders_every_glyph_with_persian_digits() -> None:
    figure = plot_gains(LABELS, SCORES, locale="fa_IR")
    assert figure.axes[0].get_title(loc="right") == shape("منحنی دستاورد تجمعی")
    _png(figure)  # a glyph missing from DejaVu Sans would warn, and warnings are errors
    figure.canvas.draw()
    ticks = [t.get_text() for t in figure.axes[0].get_yticklabels() if t.get_text()]
    assert ticks
    assert all(set(t) <= set("۰۱۲۳۴۵۶۷۸۹٫٬-") for t in ticks)


def test_engines_and_plot_import_without_matplotlib() -> None:
    code = (
        "import sys\n"
        "sys.modules['matplotlib'] = None\n"
        "import crmcore, crmcore.roi, crmcore.sla, crmcore.scoring, crmcore.pricing, crmcore.plot\n"
        "try:\n"
        "    crmcore.plot.plot_cash_flow([-1, 2])\n"
        "except ModuleNotFoundError as err:\n"
        "    print(err)\n"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert "crmcore[plot]" in result.stdout
