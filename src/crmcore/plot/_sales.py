"""The sales funnel and forecast-versus-target charts (private)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmcore.errors import ValidationError
from crmcore.plot._base import label, language, new_figure, number_text, shape, title
from crmcore.sales import Attainment, Funnel

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_funnel", "plot_target_attainment"]


def plot_funnel(funnel: Funnel, *, locale: str = "en") -> Figure:
    """Open deals per stage as horizontal bars (first stage on top), won and lost beside.

    Each stage's bar (gid ``"stage:<name>"``) has the stage's open count as
    its width; the won and lost bars (gids ``"won"``, ``"lost"``) close the
    funnel. Values in the labels are the stage's open value.
    """
    if not isinstance(funnel, Funnel):
        raise ValidationError(obj="plot_funnel", field="funnel", value=funnel, expected="a Funnel")
    lang = language(locale)
    figure, axes = new_figure(lang, height=3.6)
    names = [s.stage.value for s in funnel.stages] + ["won", "lost"]
    counts = [s.count for s in funnel.stages] + [funnel.won, funnel.lost]
    colours = ["#4c72b0"] * len(funnel.stages) + ["#55a868", "#c44e52"]
    positions = list(range(len(names)))[::-1]
    for position, name, count, colour in zip(positions, names, counts, colours, strict=True):
        gid = name if name in ("won", "lost") else f"stage:{name}"
        axes.barh(position, count, color=colour, gid=gid)
        axes.text(count, position, " " + number_text(count, lang), va="center")
    axes.set_yticks(positions, [_stage_label(n, lang) for n in names])
    axes.set_xlabel(label("deals", lang))
    title(axes, label("funnel_title", lang, date=funnel.as_of.isoformat()), lang)
    return figure


def _stage_label(name: str, lang: str) -> str:
    try:
        return label(f"stage_{name}", lang)
    except KeyError:  # a stage without a translated label keeps its own name
        return shape(name)


def plot_target_attainment(attainment: Attainment, owner: str, *, locale: str = "en") -> Figure:
    """Target, actual and in-progress per sub-period for one owner (or team).

    Bars: the target (gid ``"target"``), the actual (gid ``"actual"``) and the
    open weighted pipeline stacked on it (gid ``"in_progress"``); a stretch
    target, when set, is a dashed line (gid ``"stretch"``). Periods are the
    attainment's own labels (Jalali months when it was computed on them).
    """
    if not isinstance(attainment, Attainment):
        raise ValidationError(
            obj="plot_target_attainment",
            field="attainment",
            value=attainment,
            expected="an Attainment",
        )
    rows = [r for r in attainment.rows if r.owner == owner and r.period != "total"]
    if not rows:
        raise ValidationError(
            obj="plot_target_attainment",
            field="owner",
            value=owner,
            expected="an owner or team with sub-period rows: "
            + ", ".join(sorted({r.owner for r in attainment.rows})),
        )
    lang = language(locale)
    figure, axes = new_figure(lang)
    xs = list(range(len(rows)))
    width = 0.38
    axes.bar(
        [x - width / 2 for x in xs],
        [float(r.target) for r in rows],
        width,
        color="#bbbbbb",
        gid="target",
        label=label("target", lang),
    )
    actual = [float(r.actual) for r in rows]
    axes.bar(
        [x + width / 2 for x in xs],
        actual,
        width,
        color="#4c72b0",
        gid="actual",
        label=label("actual", lang),
    )
    axes.bar(
        [x + width / 2 for x in xs],
        [float(r.in_progress) for r in rows],
        width,
        bottom=actual,
        color="#a1c9f4",
        gid="in_progress",
        label=label("in_progress", lang),
    )
    stretch = [float(r.stretch) for r in rows if r.stretch is not None]
    if len(stretch) == len(rows):
        axes.plot(
            xs,
            stretch,
            linestyle="--",
            color="#dd8452",
            gid="stretch",
            label=label("stretch", lang),
        )
    axes.set_xticks(xs, [shape(r.period) for r in rows])
    axes.legend(loc="upper left" if lang == "en" else "upper right")
    title(axes, label("target_title", lang, owner=owner), lang)
    return figure
