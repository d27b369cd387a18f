"""Report pages: charts as inline SVG beside their tables, one self-contained HTML file (private)."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

import attrs
from babel.numbers import format_decimal

from crmcore.clv import (
    BetaGeoFit,
    BetaGeoModel,
    CustomerLifetimeValue,
    CustomerSummary,
    GammaGammaModel,
    customer_lifetime_values,
    spend_customers,
)
from crmcore.errors import ValidationError
from crmcore.money import Money, to_persian_digits
from crmcore.plot import (
    ComplianceGrain,
    plot_calibration,
    plot_cash_flow,
    plot_clv_distribution,
    plot_gains,
    plot_lift,
    plot_probability_alive_matrix,
    plot_sla_compliance,
    sla_compliance,
)
from crmcore.report._html import page
from crmcore.roi import Rate, RoiReport
from crmcore.scoring.evaluation import evaluate
from crmcore.sla import SlaEvaluation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "clv_report_page",
    "figure_svg",
    "roi_report_page",
    "scoring_report_page",
    "sla_report_page",
]

_TEXT = {
    "en": {
        "roi": "ROI report: {name}",
        "clv": "Customer lifetime value",
        "scoring": "Lead scoring model evaluation",
        "sla": "SLA compliance",
        "summary": "Summary",
        "figure": "Figure",
        "total_cost": "Total cost of ownership",
        "total_gain": "Total gain",
        "net_gain": "Net gain",
        "roi_value": "ROI",
        "npv": "NPV",
        "irr": "IRR (rate of return)",
        "payback": "Payback (periods)",
        "discounted_payback": "Discounted payback (periods)",
        "never": "not within the plan",
        "periods": "Periods",
        "period": "Period",
        "cost": "Cost",
        "gain": "Gain",
        "net": "Net",
        "cumulative": "Cumulative",
        "discounted": "Discounted net",
        "customers": "Customers",
        "repeat": "Repeat buyers",
        "total_clv": "Total CLV",
        "mean_clv": "Mean CLV",
        "converged": "Fit converged",
        "yes": "yes",
        "no": "no",
        "top": "Most valuable customers",
        "customer": "Customer",
        "p_alive": "P(alive)",
        "expected": "Expected purchases",
        "value": "CLV",
        "leads": "Leads",
        "won": "Won",
        "auc": "ROC AUC",
        "ap": "Average precision",
        "log_loss": "Log loss",
        "brier": "Brier score",
        "ks": "KS statistic",
        "deciles": "Deciles",
        "decile": "Decile",
        "conversion": "Conversion",
        "lift": "Lift",
        "gains": "Cumulative gain",
        "met": "Met",
        "breached": "Breached",
        "open": "Open",
        "compliance": "Compliance",
        "kpis": "KPIs",
    },
    "fa": {
        "roi": "گزارش بازگشت سرمایه: {name}",
        "clv": "ارزش طول عمر مشتری",
        "scoring": "ارزیابی مدل امتیازدهی سرنخ",
        "sla": "رعایت توافق سطح خدمت",
        "summary": "خلاصه",
        "figure": "نمودار",
        "total_cost": "هزینه کل مالکیت",
        "total_gain": "کل منفعت",
        "net_gain": "منفعت خالص",
        "roi_value": "بازده سرمایه",
        "npv": "ارزش فعلی خالص",
        "irr": "نرخ بازده داخلی",
        "payback": "دوره بازگشت سرمایه",
        "discounted_payback": "دوره بازگشت تنزیلی",
        "never": "در افق طرح نیست",
        "periods": "دوره‌ها",
        "period": "دوره",
        "cost": "هزینه",
        "gain": "منفعت",
        "net": "خالص",
        "cumulative": "تجمعی",
        "discounted": "خالص تنزیل‌شده",
        "customers": "مشتریان",
        "repeat": "مشتریان با خرید مجدد",
        "total_clv": "جمع ارزش طول عمر",
        "mean_clv": "میانگین ارزش طول عمر",
        "converged": "همگرایی برازش",
        "yes": "بله",
        "no": "خیر",
        "top": "باارزش‌ترین مشتریان",
        "customer": "مشتری",
        "p_alive": "احتمال فعال بودن",
        "expected": "خریدهای مورد انتظار",
        "value": "ارزش طول عمر",
        "leads": "سرنخ‌ها",
        "won": "موفق",
        "auc": "سطح زیر منحنی ROC",
        "ap": "میانگین دقت",
        "log_loss": "زیان لگاریتمی",
        "brier": "امتیاز بریر",
        "ks": "آماره KS",
        "deciles": "دهک‌ها",
        "decile": "دهک",
        "conversion": "نرخ تبدیل",
        "lift": "بالابری",
        "gains": "دستاورد تجمعی",
        "met": "رعایت‌شده",
        "breached": "نقض‌شده",
        "open": "باز",
        "compliance": "درصد رعایت",
        "kpis": "شاخص‌ها",
    },
}

_PROLOG = re.compile(r"^.*?(?=<svg)", re.DOTALL)


def _figure_text(text: str) -> str:
    """A number or amount without Persian words is isolated left to right (``-۱۵٬۰۰۰ $``)."""
    if any(unicodedata.bidirectional(c) in ("R", "AL") for c in text):
        return escape(text)
    return f'<bdi dir="ltr">{escape(text)}</bdi>'


def figure_svg(figure: Figure) -> str:
    """The figure as an inline ``<svg>`` element: text drawn as paths, no date, nothing external."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return _PROLOG.sub("", buffer.getvalue(), count=1)


class _Page:
    """Formats numbers and builds the blocks of one report page in one language."""

    __slots__ = ("lang", "locale", "parts", "words")

    def __init__(self, locale: str) -> None:
        if not isinstance(locale, str) or not locale:
            raise ValidationError(
                obj="report page",
                field="locale",
                value=locale,
                expected="a locale such as en_US or fa_IR",
            )
        self.locale = locale.replace("-", "_")
        self.lang = "fa" if self.locale.split("_")[0].lower() == "fa" else "en"
        self.words = _TEXT[self.lang]
        self.parts: list[str] = []
        Money.zero("USD").format(self.locale)  # babel must know the locale

    def number(self, value: float | Decimal | int, places: int = 2) -> str:
        pattern = "#,##0" + ("." + "0" * places if places else "")
        system = "default" if self.lang == "fa" else "latn"
        text = format_decimal(value, format=pattern, locale=self.locale, numbering_system=system)
        return to_persian_digits(text) if self.lang == "fa" else text

    def percent(self, value: float | Decimal | None, places: int = 1) -> str:
        if value is None:
            return "—"
        sign = "٪" if self.lang == "fa" else "%"
        return f"{self.number(Decimal(str(value)) * 100, places)} {sign}"

    def money(self, value: Money) -> str:
        return value.format(self.locale, persian_digits=self.lang == "fa")

    def text(self, value: str) -> str:
        return to_persian_digits(value) if self.lang == "fa" else value

    def heading(self, key: str, **values: object) -> None:
        self.parts.append(f"<h1>{escape(self.words[key].format(**values))}</h1>")

    def section(self, figures: Iterable[Figure], table: str = "") -> None:
        charts = "".join(f'<figure class="chart">{figure_svg(f)}</figure>' for f in figures)
        self.parts.append(f'<div class="section">{charts}{table}</div>')

    def table(
        self,
        title: str,
        headers: Sequence[str],
        rows: Iterable[Sequence[str]],
        numeric_from: int = 1,
    ) -> str:
        head = "".join(f"<th>{escape(self.words.get(h, h))}</th>" for h in headers)
        body = "".join(
            "<tr>"
            + "".join(
                f'<td class="num">{_figure_text(c)}</td>'
                if i >= numeric_from
                else f"<td>{escape(c)}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        caption = f"<caption>{escape(self.words.get(title, title))}</caption>" if title else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def pairs(self, title: str, rows: Iterable[tuple[str, str]]) -> str:
        body = "".join(
            f'<tr><th>{escape(self.words[k])}</th><td class="num">{_figure_text(v)}</td></tr>'
            for k, v in rows
        )
        return f'<table class="totals"><caption>{escape(self.words[title])}</caption>{body}</table>'

    def html(self, title: str) -> str:
        return page(title, "\n".join(self.parts), lang=self.lang)


def roi_report_page(report: RoiReport, *, locale: str = "en_US") -> str:
    """One HTML page for a :class:`~crmcore.roi.RoiReport`: figures, cash-flow chart, period table."""
    if not isinstance(report, RoiReport):
        raise ValidationError(
            obj="roi_report_page", field="report", value=report, expected="a RoiReport"
        )
    p = _Page(locale)
    w = p.words

    def payback(value: Decimal | None) -> str:
        return w["never"] if value is None else p.number(value, 2)

    summary = p.pairs(
        "summary",
        [
            ("total_cost", p.money(report.total_cost)),
            ("total_gain", p.money(report.total_gain)),
            ("net_gain", p.money(report.net_gain)),
            ("roi_value", p.percent(report.roi)),
            ("npv", p.money(report.npv)),
            ("irr", p.percent(report.irr, 2) if report.irr is not None else report.irr_note),
            ("payback", payback(report.payback_periods)),
            ("discounted_payback", payback(report.discounted_payback_periods)),
        ],
    )
    p.heading("roi", name=report.plan)
    p.section([plot_cash_flow(report, locale=p.locale)], summary)
    rows = [
        [
            line.period.persian_label() if p.lang == "fa" else line.period.label,
            p.money(line.cost),
            p.money(line.gain),
            p.money(line.net),
            p.money(line.cumulative_net),
            p.money(line.discounted_net),
        ]
        for line in report.lines
    ]
    p.parts.append(
        p.table("periods", ["period", "cost", "gain", "net", "cumulative", "discounted"], rows)
    )
    return p.html(w["roi"].format(name=report.plan))


def _customers(customers: object) -> list[CustomerSummary]:
    items = list(customers) if isinstance(customers, Iterable) else None
    if not items or not all(isinstance(c, CustomerSummary) for c in items):
        raise ValidationError(
            obj="clv_report_page",
            field="customers",
            value=customers,
            expected="a non-empty sequence of CustomerSummary",
        )
    return [c for c in items if isinstance(c, CustomerSummary)]


@attrs.frozen(kw_only=True)
class _ClvFigures:
    """What a CLV page shows, however it was computed (whole, or a chunk at a time)."""

    customers: int
    repeat: int
    total: Money
    histogram: Sequence[CustomerLifetimeValue] | Sequence[float]
    """Every customer's CLV: the values themselves, or plain amounts (then ``currency``)."""
    currency: str | None
    purchases: BetaGeoFit
    converged: bool
    max_frequency: int
    max_age: float
    top: Sequence[CustomerLifetimeValue]


def clv_report_page(
    customers: Sequence[CustomerSummary],
    *,
    currency: str,
    horizon: int = 12,
    step: float = 1.0,
    discount_rate: Rate = Decimal(0),
    margin: Rate = Decimal(1),
    top: int = 20,
    locale: str = "en_US",
) -> str:
    """One HTML page for a customer base: BG/NBD + Gamma-Gamma fits, CLV histogram, P(alive) matrix.

    The models are fitted on ``customers`` (:meth:`BetaGeoModel.fit`,
    :meth:`GammaGammaModel.fit` on :func:`~crmcore.clv.spend_customers`) and CLV is
    :func:`~crmcore.clv.customer_lifetime_values` with ``horizon``, ``step``,
    ``discount_rate`` and ``margin``; the ``top`` most valuable customers are
    listed. :class:`ClvReportTally` makes the same page from customers added
    a chunk at a time.
    """
    people = _customers(customers)
    p = _Page(locale)
    purchases = BetaGeoModel.fit(people)
    spend = GammaGammaModel.fit(spend_customers(people))
    values = customer_lifetime_values(
        people,
        purchases.model,
        spend.model,
        horizon=horizon,
        step=step,
        discount_rate=discount_rate,
        currency=currency,
        margin=margin,
    )
    figures = _ClvFigures(
        customers=len(people),
        repeat=sum(1 for c in people if c.frequency > 0),
        total=sum((v.clv for v in values), Money.zero(currency)),
        histogram=values,
        currency=None,
        purchases=purchases,
        converged=purchases.converged and spend.converged,
        max_frequency=max(c.frequency for c in people),
        max_age=max(c.age for c in people),
        top=values[: max(0, top)],
    )
    return _clv_page(p, figures)


def _clv_page(p: _Page, figures: _ClvFigures) -> str:
    """The CLV page of :func:`clv_report_page` from what it shows."""
    w = p.words
    summary = p.pairs(
        "summary",
        [
            ("customers", p.number(figures.customers, 0)),
            ("repeat", p.number(figures.repeat, 0)),
            ("total_clv", p.money(figures.total)),
            ("mean_clv", p.money(figures.total / figures.customers)),
            ("converged", w["yes"] if figures.converged else w["no"]),
        ],
    )
    max_frequency = max(1, min(40, figures.max_frequency))
    max_recency = max(1, min(100, int(figures.max_age)))
    p.heading("clv")
    histogram = plot_clv_distribution(figures.histogram, locale=p.locale, currency=figures.currency)
    p.section([histogram], summary)
    purchases = figures.purchases
    matrix = plot_probability_alive_matrix(
        purchases, max_frequency=max_frequency, max_recency=max_recency, locale=p.locale
    )
    model = purchases.model
    parameters = p.table(
        "",
        ["BG/NBD r", "α", "a", "b"],
        [[p.number(v, 4) for v in (model.r, model.alpha, model.a, model.b)]],
        0,
    )
    p.section([matrix], parameters)
    rows = [
        [
            v.customer_id,
            p.number(v.probability_alive, 3),
            p.number(v.expected_transactions, 2),
            p.money(v.clv),
        ]
        for v in figures.top
    ]
    p.parts.append(p.table("top", ["customer", "p_alive", "expected", "value"], rows))
    return p.html(w["clv"])


def scoring_report_page(
    labels: Sequence[object],
    probabilities: Sequence[object],
    *,
    bins: int = 10,
    locale: str = "en_US",
) -> str:
    """One HTML page evaluating a scoring model: metrics, gains, lift and calibration, decile table.

    ``labels`` are the outcomes (won = 1/True) and ``probabilities`` the
    model's predictions in [0, 1] for the same leads
    (:func:`~crmcore.scoring.evaluation.evaluate`).
    """
    result = evaluate(labels, probabilities)
    p = _Page(locale)
    summary = p.pairs(
        "summary",
        [
            ("leads", p.number(result.examples, 0)),
            ("won", p.number(result.won, 0)),
            ("auc", p.number(result.roc_auc, 3)),
            ("ap", p.number(result.average_precision, 3)),
            ("log_loss", p.number(result.log_loss, 3)),
            ("brier", p.number(result.brier, 3)),
            ("ks", p.number(result.ks, 3)),
        ],
    )
    p.heading("scoring")
    p.section([plot_gains(result, locale=p.locale)], summary)
    p.section(
        [
            plot_lift(result, locale=p.locale),
            plot_calibration(labels, probabilities, bins=bins, locale=p.locale),
        ]
    )
    rows = [
        [
            p.number(d.index, 0),
            p.number(d.leads, 0),
            p.number(d.won, 0),
            p.percent(d.conversion),
            p.number(d.lift, 2),
            p.percent(d.gain),
        ]
        for d in result.deciles
    ]
    p.parts.append(
        p.table("deciles", ["decile", "leads", "won", "conversion", "lift", "gains"], rows, 0)
    )
    return p.html(p.words["scoring"])


def sla_report_page(
    evaluations: Iterable[SlaEvaluation],
    *,
    grain: ComplianceGrain | str = ComplianceGrain.MONTH,
    kpi: str | None = None,
    locale: str = "en_US",
) -> str:
    """One HTML page of SLA compliance over time: chart and per-period table.

    Rows come from :func:`crmcore.plot.sla_compliance` (KPIs grouped by the
    period they started in; ``grain="jalali_month"`` for Jalali months).
    """
    rows = sla_compliance(evaluations, grain=grain, kpi=kpi)
    p = _Page(locale)
    met = sum(r.met for r in rows)
    breached = sum(r.breached for r in rows)
    summary = p.pairs(
        "summary",
        [
            ("kpis", p.number(sum(r.met + r.breached + r.open for r in rows), 0)),
            ("met", p.number(met, 0)),
            ("breached", p.number(breached, 0)),
            (
                "compliance",
                p.percent(Decimal(met) / Decimal(met + breached) if met + breached else None),
            ),
        ],
    )
    p.heading("sla")
    p.section([plot_sla_compliance(rows, locale=p.locale)], summary)
    table = [
        [
            r.persian_label() if p.lang == "fa" else r.label,
            p.number(r.met, 0),
            p.number(r.breached, 0),
            p.number(r.open, 0),
            p.percent(r.compliance),
        ]
        for r in rows
    ]
    p.parts.append(p.table("periods", ["period", "met", "breached", "open", "compliance"], table))
    return p.html(p.words["sla"])
