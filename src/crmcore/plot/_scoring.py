"""Gains, lift and calibration charts of a scoring model (private)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from crmcore.errors import ValidationError
from crmcore.plot._base import label, language, new_figure, number_text, title
from crmcore.scoring.evaluation import (
    CalibrationBin,
    Decile,
    Evaluation,
    GainPoint,
    calibration_table,
    cumulative_gains,
    deciles,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_calibration", "plot_gains", "plot_lift"]

_Rows = (
    Evaluation
    | Sequence[Decile]
    | Sequence[GainPoint]
    | Sequence[CalibrationBin]
    | Sequence[object]
)


def _deciles(
    source: _Rows, scores: Sequence[object] | None, bins: int, obj: str
) -> tuple[Decile, ...]:
    if scores is not None:
        return deciles(source, scores, bins=bins)  # type: ignore[arg-type]
    if isinstance(source, Evaluation):
        return source.deciles
    if isinstance(source, Sequence) and source and all(isinstance(r, Decile) for r in source):
        return tuple(source)  # type: ignore[arg-type]
    raise ValidationError(
        obj=obj,
        field="source",
        value=source,
        expected="an Evaluation, a sequence of Decile, or labels with scores",
    )


def _gain_points(
    source: _Rows, scores: Sequence[object] | None, bins: int
) -> tuple[GainPoint, ...]:
    if scores is not None:
        return cumulative_gains(source, scores, bins=bins)  # type: ignore[arg-type]
    if isinstance(source, Sequence) and source and all(isinstance(r, GainPoint) for r in source):
        return tuple(source)  # type: ignore[arg-type]
    rows = _deciles(source, None, bins, "plot_gains")
    total = rows[-1].cumulative_leads
    return (GainPoint(0.0, 0.0), *(GainPoint(r.cumulative_leads / total, r.gain) for r in rows))


def plot_gains(
    source: _Rows, scores: Sequence[object] | None = None, *, bins: int = 10, locale: str = "en"
) -> Figure:
    """Cumulative gains: share of wins captured against share of leads contacted, best first.

    ``source`` is labels (with ``scores``), an :class:`~crmcore.scoring.evaluation.Evaluation`,
    its deciles or :func:`~crmcore.scoring.evaluation.cumulative_gains` points.
    The model's curve (gid ``"gains"``) runs from (0, 0) to (1, 1); the
    diagonal (gid ``"random"``) is contacting leads at random.
    """
    lang = language(locale)
    points = _gain_points(source, scores, bins)
    figure, axes = new_figure(lang, width=5.5, height=4.5)
    axes.plot(
        [0, 1], [0, 1], color="#999999", linestyle="--", gid="random", label=label("random", lang)
    )
    axes.plot(
        [p.fraction for p in points],
        [p.captured for p in points],
        color="#3182bd",
        marker="o",
        gid="gains",
        label=label("model", lang),
    )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.set_xlabel(label("contacted", lang))
    axes.set_ylabel(label("captured", lang))
    axes.legend(loc="lower right" if lang == "en" else "lower left", fontsize="small")
    title(axes, label("gains_title", lang), lang)
    return figure


def plot_lift(
    source: _Rows, scores: Sequence[object] | None = None, *, bins: int = 10, locale: str = "en"
) -> Figure:
    """Lift per decile (bars, gid ``"lift"``): each group's win rate over the overall rate.

    The line at 1 (gid ``"baseline"``) is a random ordering.
    """
    lang = language(locale)
    rows = _deciles(source, scores, bins, "plot_lift")
    figure, axes = new_figure(lang, width=5.5, height=4.5)
    xs = [r.index for r in rows]
    axes.bar(xs, [r.lift for r in rows], color="#6baed6", gid="lift")
    axes.axhline(1.0, color="#444444", linestyle="--", gid="baseline")
    axes.set_xticks(xs, [number_text(x, lang) for x in xs])
    axes.set_xlabel(label("decile", lang))
    axes.set_ylabel(label("lift", lang))
    title(axes, label("lift_title", lang), lang)
    return figure


def plot_calibration(
    source: _Rows,
    probabilities: Sequence[object] | None = None,
    *,
    bins: int = 10,
    locale: str = "en",
) -> Figure:
    """Reliability diagram: observed win rate against mean predicted probability per bin.

    ``source`` is labels (with ``probabilities``) or the rows of
    :func:`~crmcore.scoring.evaluation.calibration_table`. Points (gid
    ``"calibration"``) on the diagonal (gid ``"perfect"``) mean the
    probabilities can be taken at face value.
    """
    lang = language(locale)
    if probabilities is not None:
        rows = calibration_table(source, probabilities, bins=bins)  # type: ignore[arg-type]
    elif (
        isinstance(source, Sequence)
        and source
        and all(isinstance(r, CalibrationBin) for r in source)
    ):
        rows = tuple(source)  # type: ignore[arg-type]
    else:
        raise ValidationError(
            obj="plot_calibration",
            field="source",
            value=source,
            expected="labels with probabilities, or a sequence of CalibrationBin",
        )
    figure, axes = new_figure(lang, width=5.5, height=4.5)
    axes.plot(
        [0, 1], [0, 1], color="#999999", linestyle="--", gid="perfect", label=label("perfect", lang)
    )
    axes.plot(
        [r.mean_predicted for r in rows],
        [r.observed for r in rows],
        color="#de2d26",
        marker="o",
        gid="calibration",
        label=label("model", lang),
    )
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1)
    axes.set_xlabel(label("predicted", lang))
    axes.set_ylabel(label("observed", lang))
    axes.legend(loc="upper left" if lang == "en" else "upper right", fontsize="small")
    title(axes, label("calibration_title", lang), lang)
    return figure
