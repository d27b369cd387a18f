"""Lifetime value formulas and the fitted-model CLV."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.clv import (
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    customer_lifetime_values,
    customer_npv,
    finite_horizon_clv,
    retention_clv,
    rounded_amounts,
    simple_clv,
)
from crmcore.errors import ValidationError
from crmcore.money import Money


def usd(amount: str | int) -> Money:
    return Money(amount, "USD")


def test_simple_clv_reference_example() -> None:
    # reference doc: 60 × 6/year × 3 years × 0.4 = 432
    assert simple_clv(usd(60), 6, 3, "0.4") == usd(432)


def test_retention_clv_gupta_lehmann() -> None:
    # reference doc: r = 0.8, i = 0.1 → margin multiple 0.8 / 0.3 = 2.67
    assert retention_clv(usd(1), "0.8", "0.1").amount.quantize(Decimal("0.01")) == Decimal("2.67")
    # counting the current period's margin: 1.1 / 0.3 = 3.67
    start = retention_clv(usd(1), "0.8", "0.1", timing="period_start")
    assert start.amount.quantize(Decimal("0.01")) == Decimal("3.67")
    # minus an acquisition cost of 50: 100 · 2.6667 − 50
    net = retention_clv(usd(100), "0.8", "0.1", acquisition_cost=usd(50))
    assert net.round() == usd("216.67")


@settings(max_examples=30, deadline=None)
@given(st.decimals("0.05", "0.95", places=2), st.decimals("0.01", "0.5", places=2))
def test_finite_sum_tends_to_the_closed_form(retention: Decimal, rate: Decimal) -> None:
    closed = retention_clv(usd(100), retention, rate)
    partial = [finite_horizon_clv([usd(100)] * n, retention, rate) for n in (5, 50, 400)]
    assert partial[0] < partial[1] <= partial[2] <= closed
    assert abs(partial[2] - closed).amount < Decimal("0.0001")


def test_finite_horizon_with_survival_curve() -> None:
    # 100 in year 1 (survival 0.9), 120 in year 2 (survival 0.7), 10 %: 90/1.1 + 84/1.21
    value = finite_horizon_clv(
        [usd(100), usd(120)], ["0.9", "0.7"], "0.1", acquisition_cost=usd(20)
    )
    assert value.round() == usd("131.24")  # 81.818 + 69.421 − 20


def test_customer_npv_is_xnpv_at_the_annual_rate() -> None:
    # 100 today and 110 in 365 days at 10 % a year: 100 + 100
    assert customer_npv([(date(2025, 1, 1), usd(100)), (date(2026, 1, 1), usd(110))], "0.1") == usd(
        200
    )


def test_customer_lifetime_values_rank_and_formula() -> None:
    purchases = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    customers = [
        CustomerSummary("loyal", frequency=10, recency=38.0, age=39.0, monetary_value="40"),
        CustomerSummary("lapsed", frequency=10, recency=5.0, age=39.0, monetary_value="40"),
        CustomerSummary("new", frequency=0, recency=0, age=2.0),
    ]
    values = customer_lifetime_values(
        customers, purchases, spend, horizon=4, discount_rate="0.01", currency="USD", margin="0.3"
    )
    assert values[0].customer_id == "loyal"
    by_id = {v.customer_id: v for v in values}
    assert by_id["lapsed"].probability_alive < by_id["loyal"].probability_alive
    # the formula, step by step, for "loyal"
    loyal = customers[0]
    cumulative = [purchases.conditional_expected_transactions(loyal, k) for k in range(5)]
    discounted = sum((cumulative[k] - cumulative[k - 1]) / 1.01**k for k in range(1, 5))
    expected = 0.3 * spend.conditional_expected_spend(10, 40.0) * discounted
    assert float(by_id["loyal"].clv.amount) == pytest.approx(expected, abs=0.005)
    assert by_id["loyal"].expected_transactions == pytest.approx(cumulative[4])
    assert by_id["new"].expected_spend == pytest.approx(spend.mean_spend())


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="retention"):
        retention_clv(usd(1), "1.2", "0.1")
    with pytest.raises(ValidationError, match="discount_rate"):
        retention_clv(usd(1), "1", "0")  # 1 + i − r = 0: no finite sum
    with pytest.raises(ValidationError, match="timing"):
        retention_clv(usd(1), "0.5", "0.1", timing="midyear")
    with pytest.raises(ValidationError, match="margins"):
        finite_horizon_clv([], "0.5", "0.1")
    with pytest.raises(ValidationError, match="retention"):
        finite_horizon_clv([usd(1)], ["0.5", "0.4"], "0.1")
    with pytest.raises(ValidationError, match="lifespan_years"):
        simple_clv(usd(1), 1, -1)
    with pytest.raises(ValidationError, match="horizon"):
        customer_lifetime_values(
            [],
            BetaGeoModel(r=1, alpha=1, a=2, b=1),
            GammaGammaModel(p=1, q=2, gamma=1),
            horizon=0,
            discount_rate=0,
            currency="USD",
        )


def test_a_horizon_beyond_the_bound_is_refused_before_work() -> None:
    # Issue 17: a horizon of 10^9 periods ran without end; the bound is 5,200 steps.
    from crmcore.clv import MAX_HORIZON

    purchases = BetaGeoModel(r=0.24, alpha=4.4, a=0.79, b=2.4)
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.4)
    customer = CustomerSummary("a", frequency=2, recency=10, age=20, monetary_value="30")
    for horizon in (10**9, MAX_HORIZON + 1):
        with pytest.raises(ValidationError, match="horizon"):
            customer_lifetime_values(
                [customer], purchases, spend, horizon=horizon, discount_rate="0.01", currency="USD"
            )
    with pytest.raises(ValidationError, match="margins"):
        finite_horizon_clv([Money(1, "USD")] * (MAX_HORIZON + 1), "0.9", "0.01")


def test_a_customer_almost_surely_gone_has_a_clv_of_zero() -> None:
    # 200 purchases in the first week, none in the 77 since: P(alive) ≈ 1e-231 under the
    # CDNOW parameters; its CLV used to be refused (Money cannot hold 1.2E-231 USD).
    model = BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426)
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    gone = CustomerSummary("gone", frequency=200, recency=1.0, age=78.0, monetary_value="30")
    assert model.probability_alive(gone) < 1e-200
    (value,) = customer_lifetime_values(
        [gone], model, spend, horizon=52, step=1.0, discount_rate="0.0019", currency="USD"
    )
    assert value.clv == Money("0.00", "USD")
    assert str(value.clv.amount) == "0.00"


def test_rounded_amounts_by_hand() -> None:
    # 12.345 is read as the decimal 12.345 (its shortest repr), so half-up gives 12.35,
    # where rounding the binary float (12.3449999…) would give 12.34.
    assert rounded_amounts([12.345, 0.005, 0.004999, -0.0, float("nan")], "USD") == [
        Decimal("12.35"),
        Decimal("0.01"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
    ]
    assert rounded_amounts([1234.5], "IRR", margin="0.3") == [Decimal(370)]  # 370.35 → 370
    assert rounded_amounts([2.5], "BHD") == [Decimal("2.500")]  # three-decimal dinar
    with pytest.raises(ValidationError, match="values"):
        rounded_amounts([1e19], "USD")


@settings(max_examples=200)
@given(
    st.floats(min_value=-1e15, max_value=1e15, allow_nan=False),
    st.decimals(min_value="0", max_value="5", places=3),
)
def test_rounded_amounts_equal_money_arithmetic(value: float, margin: Decimal) -> None:
    # The reference: Money of the float's repr, times the margin, rounded (half-up) —
    # how the CLV was computed before, wherever Money can hold the value.
    if value != 0 and abs(value) < 1e-80:  # Money holds at most 100 places
        return
    expected = (Money(Decimal(repr(value)), "USD") * margin).round().amount
    (got,) = rounded_amounts([value], "USD", margin=margin)
    assert got == expected
    assert got.as_tuple().exponent == -2
