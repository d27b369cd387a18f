"""``FitTally``: the CLV fit from counts equals ``fit_clv`` on every customer."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import CustomerSummary, FitTally, fit_clv
from crmcore.errors import ValidationError


@st.composite
def customer_bases(draw: st.DrawFn) -> list[CustomerSummary]:
    """Small bases with repeated (x, t_x, T) rows, one-time buyers and zero spends."""
    rows = []
    for i in range(draw(st.integers(4, 14))):
        age = float(draw(st.sampled_from([20, 30, 39])))
        x = draw(st.integers(0, 6))
        recency = 0.0 if x == 0 else float(draw(st.integers(1, int(age))))
        spend = "0" if x == 0 else draw(st.sampled_from(["0", "12.5", "20", "35", "41.25"]))
        rows.append(
            CustomerSummary(f"c{i}", frequency=x, recency=recency, age=age, monetary_value=spend)
        )
    return rows


def _parts(rows: list[CustomerSummary], cuts: list[int]) -> list[list[CustomerSummary]]:
    edges = [0, *sorted(min(c, len(rows)) for c in cuts), len(rows)]
    return [rows[a:b] for a, b in itertools.pairwise(edges)]


def _outcome(make: object) -> object:
    try:
        return make()  # type: ignore[operator]
    except ValidationError as err:
        return type(err), err.field


@settings(max_examples=25, deadline=None)
@given(
    customer_bases(),
    st.lists(st.integers(0, 14), max_size=3),
    st.permutations(range(14)),
    st.sampled_from(["bg_nbd", "pareto_nbd"]),
    st.booleans(),
)
def test_any_split_added_or_merged_equals_fit_clv(
    rows: list[CustomerSummary], cuts: list[int], order: list[int], model: str, compare: bool
) -> None:
    shuffled = [rows[i] for i in order if i < len(rows)]
    settings_ = {"model": model, "compare": compare, "backend": "python"}
    expected = _outcome(lambda: fit_clv(rows, **settings_))  # type: ignore[arg-type]
    added = FitTally(**settings_)  # type: ignore[arg-type]
    parts = []
    for part in _parts(shuffled, cuts):
        added.add(part)
        parts.append(FitTally(**settings_))  # type: ignore[arg-type]
        parts[-1].add(part)
    merged = parts[0]
    for other in parts[1:]:
        merged = merged.merge(other)
    assert _outcome(added.result) == expected
    assert _outcome(merged.result) == expected
    assert len(added) == len(merged) == len(rows)


def test_cdnow_in_chunks_gives_the_published_parameters(
    cdnow_summary: list[CustomerSummary],
) -> None:
    # Fader, Hardie & Lee (2005), CDNOW 2,357 customers: r = 0.243, α = 4.414,
    # a = 0.793, b = 2.426; and the fit of all customers at once, exactly.
    tally = FitTally(backend="python")
    for begin in range(0, len(cdnow_summary), 500):
        tally.add(cdnow_summary[begin : begin + 500])
    fit = tally.result()
    assert fit == fit_clv(cdnow_summary, backend="python")
    model = fit.purchases.model
    assert [round(v, 3) for v in (model.r, model.alpha, model.a, model.b)] == [  # type: ignore[union-attr]
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    assert tally.distinct() < len(tally) == 2357


def test_merge_refuses_other_settings_and_changes_no_part() -> None:
    row = CustomerSummary("a", frequency=1, recency=2.0, age=3.0, monetary_value="5")
    one, two = FitTally(), FitTally()
    one.add([row])
    both = one.merge(two)
    assert (len(one), len(two), len(both)) == (1, 0, 1)
    with pytest.raises(ValidationError, match="settings"):
        one.merge(FitTally(model="pareto_nbd"))
    with pytest.raises(ValidationError, match="other"):
        one.merge([row])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="customers"):
        FitTally().add(["not a summary"])  # type: ignore[list-item]
