"""The CLV run's rules: the spend model's customers, the purchase model, fit and predict."""

from __future__ import annotations

from datetime import date

import pytest

from crmcore.clv import (
    BetaGeoFit,
    BetaGeoModel,
    CustomerSummary,
    GammaGammaModel,
    ParetoNbdFit,
    ParetoNbdModel,
    Purchase,
    PurchaseModelKind,
    customer_lifetime_values,
    fit_clv,
    last_purchase_day,
    predict_clv,
    rfm_segments,
    spend_customers,
    summarize_transactions,
)
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.money import Money
from tests.clv.conftest import needs_cdnow


def row(cid: str, x: int, t_x: float, age: float, spend: str = "0") -> CustomerSummary:
    return CustomerSummary(cid, frequency=x, recency=t_x, age=age, monetary_value=spend)


def test_spend_customers_are_repeat_buyers_with_a_positive_spend() -> None:
    rows = [
        row("one-time", 0, 0.0, 10.0),
        row("repeat", 3, 8.0, 10.0, "25"),
        row("free repeats", 2, 5.0, 10.0, "0"),  # mean spend 0: outside the gamma's support
        row("repeat 2", 1, 2.0, 10.0, "4.5"),
    ]
    assert [c.customer_id for c in spend_customers(rows)] == ["repeat", "repeat 2"]
    with pytest.raises(ValidationError, match=r"customers\[0\]"):
        spend_customers(["not a summary"])  # type: ignore[list-item]


@needs_cdnow
def test_fit_clv_reproduces_the_published_cdnow_estimates(
    cdnow_summary: list[CustomerSummary],
) -> None:
    fit = fit_clv(cdnow_summary, compare=True, backend="python")
    assert isinstance(fit.purchases, BetaGeoFit)
    assert isinstance(fit.alternative, ParetoNbdFit)
    assert fit.bg_nbd is fit.purchases
    assert fit.pareto_nbd is fit.alternative
    bg = fit.purchases.model
    # Fader, Hardie & Lee (2005): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426
    assert (round(bg.r, 3), round(bg.alpha, 3), round(bg.a, 3), round(bg.b, 3)) == (
        0.243,
        4.414,
        0.793,
        2.426,
    )
    # Fader & Hardie (2013), Gamma-Gamma on the 946 CDNOW repeat buyers: p 6.25, q 3.74, γ 15.44
    assert fit.spend is not None
    assert fit.spend.n_customers == 946
    assert (round(fit.spend.model.p, 2), round(fit.spend.model.q, 2)) == (6.25, 3.74)
    # Pareto/NBD log-likelihood −9595.0 (FHL 2005, table 1)
    assert round(fit.alternative.log_likelihood, 1) == -9595.0
    assert fit.purchases.backend == "python"


def test_fit_clv_dispatches_on_the_model() -> None:
    rows = [row(str(i), i % 4, float(i % 4) * 3, 20.0 + i % 7, str(10 + i)) for i in range(40)]
    pareto = fit_clv(rows, model="pareto_nbd", backend="python")
    assert isinstance(pareto.purchases, ParetoNbdFit)
    assert pareto.bg_nbd is None
    assert pareto.alternative is None
    assert fit_clv(rows, model=PurchaseModelKind.BG_NBD).pareto_nbd is None
    with pytest.raises(ValidationError, match="model"):
        fit_clv(rows, model="weibull")
    with pytest.raises(ValidationError, match="backend"):
        fit_clv(rows, backend="gpu")  # type: ignore[arg-type]


def test_predict_clv_is_fit_then_customer_lifetime_values() -> None:
    rows = [row(str(i), i % 5, float(i % 5) * 2, 12.0 + i % 3, str(20 + i)) for i in range(30)]
    prediction = predict_clv(
        rows, horizon=6, discount_rate="0.01", currency="USD", margin="0.3", top=4
    )
    spend = prediction.fit.spend
    assert spend is not None
    expected = customer_lifetime_values(
        rows,
        prediction.fit.purchases.model,
        spend.model,
        horizon=6,
        discount_rate="0.01",
        currency="USD",
        margin="0.3",
    )
    assert prediction.values == expected[:4]
    with pytest.raises(ValidationError, match="top"):
        predict_clv(rows, horizon=6, discount_rate="0", currency="USD", top=0)


def test_predict_clv_needs_a_repeat_buyer_with_spend() -> None:
    rows = [row("a", 0, 0.0, 5.0), row("b", 0, 0.0, 3.0), row("c", 1, 1.0, 3.0, "0")]
    with pytest.raises(InsufficientDataError, match="repeat purchases"):
        predict_clv(rows, horizon=3, discount_rate="0", currency="USD")


def test_pareto_values_customers_too() -> None:
    # the same customer is worth something under either purchase model
    customer = row("c", 2, 30.43, 38.86, "22.35")
    spend = GammaGammaModel(p=6.25, q=3.74, gamma=15.44)
    for model in (
        BetaGeoModel(r=0.243, alpha=4.414, a=0.793, b=2.426),
        ParetoNbdModel(r=0.553, alpha=10.578, s=0.606, beta=11.669),
    ):
        (value,) = customer_lifetime_values(
            [customer], model, spend, horizon=3, discount_rate="0", currency="USD"
        )
        assert value.probability_alive == model.probability_alive(customer)
        assert value.clv.amount > 0


def test_the_default_cut_off_is_the_last_purchase_day() -> None:
    purchases = [
        Purchase("a", date(2026, 1, 5), Money(10, "USD")),
        Purchase("b", date(2026, 2, 1), Money(20, "USD")),
        Purchase("a", date(2026, 1, 19), Money(30, "USD")),
    ]
    assert last_purchase_day(purchases) == date(2026, 2, 1)
    assert summarize_transactions(purchases) == summarize_transactions(
        purchases, as_of=date(2026, 2, 1)
    )
    assert rfm_segments(purchases) == rfm_segments(purchases, as_of=date(2026, 2, 1))
    # a: first purchase 5 Jan, last 19 Jan, cut-off 1 Feb → t_x = 14/7 = 2 weeks, T = 27/7
    a = summarize_transactions(purchases)[0]
    assert (a.frequency, a.recency, a.age) == (1, 2.0, 27 / 7)
    with pytest.raises(InsufficientDataError):
        last_purchase_day([])
    with pytest.raises(ValidationError, match=r"purchases\[0\]"):
        last_purchase_day([date(2026, 1, 1)])  # type: ignore[list-item]


def test_one_purchase_type_with_shared_validators() -> None:
    with pytest.raises(ValidationError, match=r"Purchase\.customer_id"):
        Purchase("", date(2026, 1, 1), Money(1, "USD"))
    with pytest.raises(ValidationError, match=r"Purchase\.on"):
        Purchase("a", "2026-01-01", Money(1, "USD"))  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Purchase\.amount"):
        Purchase("a", date(2026, 1, 1), 1)  # type: ignore[arg-type]
