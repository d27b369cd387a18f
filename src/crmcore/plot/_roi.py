"""The cash-flow chart with the payback points (private)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from crmcore.errors import ValidationError
from crmcore.money import Money, to_decimal
from crmcore.plot._base import label, language, new_figure, number_text, shape, title
from crmcore.roi import Amount, Rate, RoiReport, discounted_payback_period, payback_period

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_cash_flow"]


@attrs.frozen(kw_only=True)
class _Flows:
    """The series a cash-flow chart draws, from a report or from plain flows."""

    net: list[float]
    cumulative: list[float]
    discounted: list[float] | None
    payback: Decimal | None
    discounted_payback: Decimal | None
    ticks: list[str]
    currency: str


def _running(values: Sequence[float]) -> list[float]:
    total = 0.0
    out = []
    for value in values:
        total += value
        out.append(total)
    return out


def _from_report(report: RoiReport, lang: str) -> _Flows:
    lines = report.lines
    return _Flows(
        net=[float(line.net.amount) for line in lines],
        cumulative=[float(line.cumulative_net.amount) for line in lines],
        discounted=_running([float(line.discounted_net.amount) for line in lines]),
        payback=report.payback_periods,
        discounted_payback=report.discounted_payback_periods,
        ticks=[
            line.period.persian_label() if lang == "fa" else line.period.label for line in lines
        ],
        currency=report.total_cost.currency,
    )


def _from_flows(flows: Sequence[Amount | Money], rate: Rate | None, lang: str) -> _Flows:
    if isinstance(flows, (str, bytes)) or not isinstance(flows, Sequence) or not flows:
        raise ValidationError(
            obj="plot_cash_flow",
            field="source",
            value=flows,
            expected="a RoiReport or a non-empty sequence of amounts",
        )
    currencies = {f.currency for f in flows if isinstance(f, Money)}
    amounts = [f.amount if isinstance(f, Money) else f for f in flows]
    values = [
        to_decimal(a, obj="plot_cash_flow", field=f"source[{i}]") for i, a in enumerate(amounts)
    ]
    discounted = None
    discounted_payback = None
    if rate is not None:
        r = to_decimal(rate, obj="plot_cash_flow", field="rate")
        discounted = _running([float(v / (1 + r) ** t) for t, v in enumerate(values)])
        discounted_payback = discounted_payback_period(r, values)
    ticks = [str(t) for t in range(len(values))]
    return _Flows(
        net=[float(v) for v in values],
        cumulative=_running([float(v) for v in values]),
        discounted=discounted,
        payback=payback_period(values),
        discounted_payback=discounted_payback,
        ticks=[number_text(t, lang) for t in range(len(ticks))],
        currency=currencies.pop() if len(currencies) == 1 else "",
    )


def plot_cash_flow(
    source: RoiReport | Sequence[Amount | Money],
    *,
    rate: Rate | None = None,
    locale: str = "en",
) -> Figure:
    """Net flow per period (bars), cumulative and discounted cumulative flow, payback points.

    ``source`` is a :class:`~crmcore.roi.RoiReport` (its rounded lines and
    payback figures are drawn as they are) or a list of periodic flows with
    the first at t = 0 (then ``rate`` adds the discounted curve). Period t's
    cumulative value sits at x = t, so the curve crosses zero exactly at the
    payback period :func:`crmcore.roi.payback_period` computes; the payback
    points are drawn there (artists with gid ``"payback"`` and
    ``"discounted_payback"``). ``locale="fa_IR"`` gives Persian labels.
    """
    lang = language(locale)
    if isinstance(source, RoiReport):
        data = _from_report(source, lang)
    else:
        data = _from_flows(source, rate, lang)
    figure, axes = new_figure(lang)
    xs = list(range(len(data.net)))
    axes.bar(xs, data.net, color="#9ecae1", label=label("net", lang), gid="net")
    axes.plot(
        xs,
        data.cumulative,
        color="#08519c",
        marker=".",
        label=label("cumulative", lang),
        gid="cumulative",
    )
    if data.discounted is not None:
        axes.plot(
            xs,
            data.discounted,
            color="#e6550d",
            linestyle="--",
            label=label("discounted", lang),
            gid="discounted",
        )
    axes.axhline(0, color="#444444", linewidth=0.8)
    for key, value, color in (
        ("payback", data.payback, "#08519c"),
        ("discounted_payback", data.discounted_payback, "#e6550d"),
    ):
        if value is not None:
            text = label(key, lang, value=number_text(float(value), lang, 2))
            axes.plot(
                [float(value)], [0.0], marker="o", markersize=9, color=color, gid=key, label=text
            )
    axes.set_xticks(xs, data.ticks)
    axes.set_xlabel(label("period", lang))
    axes.set_ylabel(label("amount", lang, currency=data.currency) if data.currency else shape(""))
    axes.legend(loc="best", fontsize="small")
    title(axes, label("cash_flow_title", lang), lang)
    return figure
