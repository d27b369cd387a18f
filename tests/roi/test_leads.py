"""Lead-source metrics and revenue attribution."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import LeadSource
from crmcore.money import Money
from crmcore.roi import (
    AttributionModel,
    LeadOutcome,
    Touch,
    attribute_revenue,
    source_metrics,
)


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def test_source_metrics_hand_checked() -> None:
    outcomes = (
        [LeadOutcome(LeadSource.TRADE_SHOW, True, usd(5000))] * 2
        + [LeadOutcome(LeadSource.TRADE_SHOW, False, usd(0))] * 8
        + [LeadOutcome(LeadSource.PAY_PER_CLICK, True, usd(300))]
        + [LeadOutcome(LeadSource.PAY_PER_CLICK, False, usd(0))] * 49
        + [LeadOutcome(LeadSource("podcast"), False, usd(0))]
    )
    costs = {
        LeadSource.TRADE_SHOW: usd(4000),
        LeadSource.PAY_PER_CLICK: usd(1000),
        LeadSource.PURCHASED_LIST: usd(700),
    }
    rows = {m.source: m for m in source_metrics(outcomes, costs, currency="USD")}
    show = rows[LeadSource.TRADE_SHOW]
    # 10 leads, 2 won, 10,000 revenue, 4,000 cost
    assert show.conversion_rate == Decimal("0.2")
    assert show.revenue_per_lead == usd(1000)
    assert show.cost_per_lead == usd(400)
    assert show.cost_per_acquisition == usd(2000)
    assert show.roi == Decimal("1.5")  # (10000 − 4000) / 4000
    ppc = rows[LeadSource.PAY_PER_CLICK]
    assert ppc.conversion_rate == Decimal("0.02")
    assert ppc.roi == Decimal("-0.7")  # (300 − 1000) / 1000
    bought = rows[LeadSource.PURCHASED_LIST]  # cost, no leads
    assert bought.leads == 0
    assert bought.conversion_rate is None
    assert bought.cost_per_lead is None
    podcast = rows[LeadSource("podcast")]  # leads, no cost
    assert podcast.roi is None
    assert podcast.cost_per_acquisition is None
    order = [m.source for m in source_metrics(outcomes, costs, currency="USD")]
    # standard sources in their standard order, custom ones after
    assert order == [
        LeadSource.TRADE_SHOW,
        LeadSource.PAY_PER_CLICK,
        LeadSource.PURCHASED_LIST,
        LeadSource("podcast"),
    ]


def _touches(days: list[int]) -> list[Touch]:
    sources = list(LeadSource.STANDARD)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    return [Touch(sources[i % len(sources)], start + timedelta(days=d)) for i, d in enumerate(days)]


def test_attribution_models_hand_checked() -> None:
    touches = _touches([0, 3, 7, 10, 14])
    revenue = usd(1000)

    def shares(model: str, **kw: object) -> list[Money]:
        return [t.amount for t in attribute_revenue(revenue, touches, model, **kw)]

    assert shares("first_touch") == [usd(1000)] + [usd(0)] * 4
    assert shares("last_touch") == [usd(0)] * 4 + [usd(1000)]
    assert shares("linear") == [usd(200)] * 5
    # U-shaped 40/20/40: 400 first, 400 last, 200 split over three middle touches
    # (66.67, 66.67, 66.66 by largest remainder, earlier first on ties)
    assert shares("u_shaped") == [usd(400), usd("66.67"), usd("66.67"), usd("66.66"), usd(400)]
    # time decay, half-life 7 days, ages 14, 11, 7, 4, 0 days: weights 1/4, 2^(-11/7), 1/2, 2^(-4/7), 1
    weights = [0.25, 2 ** (-11 / 7), 0.5, 2 ** (-4 / 7), 1.0]
    decay = shares("time_decay")
    for share, weight in zip(decay, weights, strict=True):
        assert float(share.amount) == pytest.approx(1000 * weight / sum(weights), abs=0.01)
    assert decay == sorted(decay, key=lambda m: m.amount)  # newer touches weigh more


def test_u_shaped_with_one_or_two_touches() -> None:
    assert [t.amount for t in attribute_revenue(usd(99), _touches([0]), "u_shaped")] == [usd(99)]
    assert [t.amount for t in attribute_revenue(usd("0.05"), _touches([0, 1]), "u_shaped")] == [
        usd("0.03"),
        usd("0.02"),
    ]


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 10**9),
    st.lists(st.integers(0, 60), min_size=1, max_size=12),
    st.sampled_from(list(AttributionModel)),
)
def test_attribution_conserves_revenue_exactly(
    cents: int, days: list[int], model: AttributionModel
) -> None:
    revenue = Money.from_minor_units(cents, "USD")
    result = attribute_revenue(revenue, _touches(days), model)
    assert sum((t.amount for t in result), usd(0)) == revenue
    assert all(t.amount.amount >= 0 for t in result)
    assert [t.touch.at for t in result] == sorted(t.touch.at for t in result)


def test_bad_input() -> None:
    touches = _touches([0, 1])
    with pytest.raises(ValidationError, match="model"):
        attribute_revenue(usd(1), touches, "w_shaped")
    with pytest.raises(ValidationError, match="touches"):
        attribute_revenue(usd(1), [], "linear")
    with pytest.raises(ValidationError, match="converted_at"):
        attribute_revenue(
            usd(1), touches, "time_decay", converted_at=datetime(2024, 1, 1, tzinfo=UTC)
        )
    with pytest.raises(ValidationError, match="half_life"):
        attribute_revenue(usd(1), touches, "time_decay", half_life=timedelta(0))
    with pytest.raises(ValidationError, match="at"):
        Touch(LeadSource.WEBSITE, datetime(2025, 1, 1))  # noqa: DTZ001  (naive on purpose)
    with pytest.raises(ValidationError, match="outcomes"):
        source_metrics([LeadOutcome(LeadSource.WEBSITE, True, Money(1, "EUR"))], {}, currency="USD")


def test_naive_converted_at_is_a_validation_error() -> None:
    # Regression: a naive converted_at used to escape as a bare TypeError from the comparison.
    with pytest.raises(ValidationError, match="converted_at") as info:
        attribute_revenue(
            usd(1),
            _touches([0, 1]),
            "time_decay",
            converted_at=datetime(2025, 2, 1),  # noqa: DTZ001  (naive on purpose)
        )
    assert info.value.field == "converted_at"


def test_time_decay_far_after_last_touch_does_not_underflow() -> None:
    # Regression: 2 ** -(elapsed / half_life) underflowed to 0.0 for every touch and the
    # allocation failed. Touches 1 and 2 days before the last, half-life 1 day: weights
    # 1/4, 1/2, 1 (sum 7/4) -> 1/7, 2/7, 4/7 of 7.00 USD = 1.00, 2.00, 4.00.
    touches = _touches([0, 1, 2])
    result = attribute_revenue(
        usd(7),
        touches,
        "time_decay",
        converted_at=datetime(2125, 1, 1, tzinfo=UTC),
        half_life=timedelta(days=1),
    )
    assert [t.amount for t in result] == [usd(1), usd(2), usd(4)]


def test_lead_outcome_revenue_must_be_money() -> None:
    # Regression: a float revenue was accepted and only failed later in source_metrics.
    with pytest.raises(ValidationError, match="revenue") as info:
        LeadOutcome(LeadSource.WEBSITE, True, 1.5)  # type: ignore[arg-type]
    assert info.value.obj == "LeadOutcome"
    with pytest.raises(ValidationError, match=r"Touch\.source"):
        Touch("website", datetime(2025, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
