"""SLA compliance and breaches per period (private)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs

from crmcore.calendars import jalali_month_range, to_jalali
from crmcore.errors import ValidationError
from crmcore.money import to_persian_digits
from crmcore.plot._base import label, language, new_figure, title
from crmcore.sla import KpiState, SlaEvaluation

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["ComplianceGrain", "SlaPeriodCompliance", "plot_sla_compliance", "sla_compliance"]


class ComplianceGrain(enum.StrEnum):
    """How KPIs are grouped in time: by the local day, Gregorian month or Jalali month they started."""

    DAY = "day"
    MONTH = "month"
    JALALI_MONTH = "jalali_month"


@attrs.frozen
class SlaPeriodCompliance:
    """KPIs that started in one period: met, breached and still open.

    ``compliance`` is ``met / (met + breached)`` (None when nothing was
    decided yet); KPIs still running, paused or cancelled count as ``open``.
    """

    label: str
    """``2025-01-06`` (day), ``2025-01`` (month) or ``1403-10`` (Jalali month)."""
    start: date
    """First day of the period."""
    met: int
    breached: int
    open: int

    @property
    def compliance(self) -> Decimal | None:
        """Share of decided KPIs that met their target (exact quotient, 28 digits)."""
        decided = self.met + self.breached
        return None if decided == 0 else Decimal(self.met) / Decimal(decided)

    def persian_label(self) -> str:
        """The label in Persian digits."""
        return to_persian_digits(self.label)


def _period(day: date, grain: ComplianceGrain) -> tuple[str, date]:
    if grain is ComplianceGrain.DAY:
        return day.isoformat(), day
    if grain is ComplianceGrain.MONTH:
        return f"{day.year:04d}-{day.month:02d}", day.replace(day=1)
    year, month, _ = to_jalali(day)
    return f"{year:04d}-{month:02d}", jalali_month_range(year, month)[0]


class _Tally:
    __slots__ = ("breached", "label", "met", "open")

    def __init__(self, label: str) -> None:
        self.label = label
        self.met = 0
        self.breached = 0
        self.open = 0


def _grain(value: Any) -> ComplianceGrain:
    try:
        return ComplianceGrain(value)
    except ValueError:
        raise ValidationError(
            obj="sla_compliance",
            field="grain",
            value=value,
            expected="one of " + ", ".join(g.value for g in ComplianceGrain),
        ) from None


def sla_compliance(
    evaluations: Iterable[SlaEvaluation],
    *,
    grain: ComplianceGrain | str = ComplianceGrain.MONTH,
    kpi: str | None = None,
) -> tuple[SlaPeriodCompliance, ...]:
    """Met, breached and open KPIs per period in which they started, oldest period first.

    A KPI belongs to the local date of its ``started_at`` (in the offset the
    engine reported it in); KPIs never started are left out. ``kpi`` keeps
    only the KPIs of that name (e.g. ``"resolve"``). A KPI is met when its
    state is ``succeeded`` and breached when ``breached`` (also one closed
    late): the states :func:`crmcore.sla.evaluate` decided.
    """
    chosen = _grain(grain)
    counts: dict[date, _Tally] = {}
    for index, evaluation in enumerate(evaluations):
        if not isinstance(evaluation, SlaEvaluation):
            raise ValidationError(
                obj="sla_compliance",
                field=f"evaluations[{index}]",
                value=evaluation,
                expected="an SlaEvaluation",
            )
        for instance in evaluation.kpis:
            if instance.started_at is None or (kpi is not None and instance.name != kpi):
                continue
            name, start = _period(instance.started_at.date(), chosen)
            tally = counts.get(start)
            if tally is None:
                tally = counts[start] = _Tally(name)
            if instance.state is KpiState.SUCCEEDED:
                tally.met += 1
            elif instance.state is KpiState.BREACHED:
                tally.breached += 1
            else:
                tally.open += 1
    return tuple(
        SlaPeriodCompliance(label=t.label, start=start, met=t.met, breached=t.breached, open=t.open)
        for start, t in sorted(counts.items())
    )


def plot_sla_compliance(
    source: Iterable[SlaEvaluation] | Sequence[SlaPeriodCompliance],
    *,
    grain: ComplianceGrain | str = ComplianceGrain.MONTH,
    kpi: str | None = None,
    locale: str = "en",
) -> Figure:
    """Breaches per period (bars, gid ``"breaches"``) and compliance in % (line, gid ``"compliance"``).

    ``source`` is SLA evaluations (grouped with :func:`sla_compliance`) or
    its rows. Periods where nothing was decided have no compliance point.
    """
    lang = language(locale)
    items = list(source)
    if items and all(isinstance(r, SlaPeriodCompliance) for r in items):
        rows = tuple(r for r in items if isinstance(r, SlaPeriodCompliance))
    else:
        rows = sla_compliance(items, grain=grain, kpi=kpi)  # type: ignore[arg-type]
    figure, axes = new_figure(lang)
    xs = list(range(len(rows)))
    axes.bar(
        xs,
        [r.breached for r in rows],
        color="#fc9272",
        gid="breaches",
        label=label("breaches", lang),
    )
    axes.set_ylabel(label("breaches", lang))
    share = figure.axes[0].twinx()
    points = [
        (x, float(r.compliance) * 100)
        for x, r in zip(xs, rows, strict=True)
        if r.compliance is not None
    ]
    share.plot(
        [p[0] for p in points],
        [p[1] for p in points],
        color="#31a354",
        marker="o",
        gid="compliance",
        label=label("compliance", lang),
    )
    share.set_ylim(0, 105)
    share.set_ylabel(label("compliance", lang))
    if lang == "fa":
        from crmcore.plot._base import persian_ticks  # noqa: PLC0415

        persian_ticks(share)
    axes.set_xticks(xs, [r.persian_label() if lang == "fa" else r.label for r in rows])
    title(axes, label("sla_title", lang), lang)
    return figure
