"""Round trips of the clv types through crmcore.serialization."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    ParetoNbdModel,
    Purchase,
    RfmScore,
    rfm_segments,
)
from crmcore.money import Money
from crmcore.serialization import from_json, make_converter, to_json
from tests.strategies.clv import customer_summaries, purchases

converter = make_converter()


def round_trip(value: object, cl: type) -> object:
    return converter.structure(converter.unstructure(value), cl)


@settings(max_examples=30, deadline=None)
@given(customer_summaries(), purchases())
def test_small_types_round_trip(summary: CustomerSummary, purchase: Purchase) -> None:
    assert round_trip(summary, CustomerSummary) == summary
    assert round_trip(purchase, Purchase) == purchase


@settings(max_examples=20, deadline=None)
@given(st.tuples(*[st.floats(0.01, 100.0)] * 4))
def test_models_round_trip(params: tuple[float, float, float, float]) -> None:
    bg = BetaGeoModel(*params)
    assert round_trip(bg, BetaGeoModel) == bg
    pareto = ParetoNbdModel(*params)
    assert round_trip(pareto, ParetoNbdModel) == pareto
    gg = GammaGammaModel(*params[:3])
    assert round_trip(gg, GammaGammaModel) == gg


@settings(max_examples=20, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from("abcde"), st.integers(0, 400), st.integers(1, 10**6)),
        min_size=1,
        max_size=20,
    )
)
def test_rfm_scores_round_trip(rows: Any) -> None:
    as_of = date(2026, 3, 20)
    purchases = [
        Purchase(c, as_of - timedelta(days=d), Money.from_minor_units(u, "IRR")) for c, d, u in rows
    ]
    for purchase in purchases:
        assert from_json(to_json(purchase), Purchase) == purchase
    for score in rfm_segments(purchases, as_of=as_of):
        assert from_json(to_json(score), RfmScore) == score
