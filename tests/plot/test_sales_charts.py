"""The funnel and target charts draw exactly the engine's figures (issue 15 item 5)."""

from __future__ import annotations

from datetime import date

import pytest

from crmcore.errors import ValidationError
from crmcore.plot import plot_funnel, plot_target_attainment
from crmcore.sales import TeamHierarchy, attainment, funnel
from tests.sales.test_funnel import CAL, LEADS, deals
from tests.sales.test_targets import _deals, _targets


def _bars(figure, gid_prefix: str) -> dict[str, float]:
    return {
        patch.get_gid(): patch.get_width()
        for patch in figure.axes[0].patches
        if (patch.get_gid() or "").startswith(gid_prefix)
    }


def test_funnel_bars_are_the_funnels_counts() -> None:
    # tests/sales/test_funnel.py: open E in qualify and C in propose; won A and D; lost B.
    f = funnel(deals(), as_of=date(2026, 1, 31), calendar=CAL, leads=LEADS)
    figure = plot_funnel(f)
    assert _bars(figure, "stage:") == {
        "stage:qualify": 1,
        "stage:develop": 0,
        "stage:propose": 1,
        "stage:close": 0,
    }
    assert (_bars(figure, "won"), _bars(figure, "lost")) == ({"won": 2}, {"lost": 1})
    persian = plot_funnel(f, locale="fa_IR")
    axes = persian.axes[0]
    at = dict(zip(axes.get_yticks(), (t.get_text() for t in axes.get_yticklabels()), strict=True))
    assert at[max(at)] == "ارزیابی"  # qualify: the first stage is drawn on top
    assert at[min(at)] == "بازنده"  # lost closes the funnel at the bottom
    assert persian.axes[0].get_title(loc="right").startswith("قیف فروش")


def test_target_bars_are_the_attainment_rows() -> None:
    # tests/sales/test_targets.py, by hand: Sara's Farvardin target 30M and actual 40M,
    # Ordibehesht actual 15M; the stretch line is 40 % of 120M = 48M in Khordad.
    result = attainment(
        _targets(),
        opportunities=_deals(),
        teams=TeamHierarchy({"sara": "north", "ali": "north"}),
        splits={"o2": {"sara": 50, "ali": 50}},
    )
    figure = plot_target_attainment(result, "sara")
    axes = figure.axes[0]
    periods = [t.get_text() for t in axes.get_xticklabels()]
    heights = {
        gid: [p.get_height() for p in axes.patches if p.get_gid() == gid]
        for gid in ("target", "actual")
    }
    rows = {r.period: r for r in result.rows if r.owner == "sara" and r.period != "total"}
    assert heights["target"] == [float(rows[p].target) for p in periods]
    assert heights["actual"] == [float(rows[p].actual) for p in periods]
    assert heights["target"][periods.index("1405-01")] == 30_000_000
    assert heights["actual"][periods.index("1405-01")] == 40_000_000
    stretch = next(line for line in axes.lines if line.get_gid() == "stretch")
    assert stretch.get_ydata()[periods.index("1405-03")] == 48_000_000


def test_bad_input_names_the_field() -> None:
    with pytest.raises(ValidationError, match="funnel"):
        plot_funnel("funnel")  # type: ignore[arg-type]
    result = attainment(_targets(), opportunities=_deals())
    with pytest.raises(ValidationError, match="owner"):
        plot_target_attainment(result, "nobody")
