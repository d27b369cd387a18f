"""Cash flows: Excel's documented examples, numpy-financial where it is right, and properties."""

from __future__ import annotations

import math
import warnings
from datetime import date, timedelta
from decimal import Decimal

import numpy_financial as npf
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError, NoSolutionError, ValidationError
from crmcore.money import Money
from crmcore.roi import (
    Convention,
    discounted_payback_period,
    irr,
    irr_roots,
    mirr,
    npv,
    payback_period,
    xirr,
    xirr_roots,
    xnpv,
)

# Microsoft's XNPV / XIRR documentation example (reference doc roi.md).
MS_FLOWS = [
    (date(2008, 1, 1), -10000),
    (date(2008, 3, 1), 2750),
    (date(2008, 10, 30), 4250),
    (date(2009, 2, 15), 3250),
    (date(2009, 4, 1), 2750),
]


# -- NPV ------------------------------------------------------------------------------------


def test_npv_conventions_from_the_reference() -> None:
    # numpy-financial npv(0.1, [-100, 60, 60]) = 4.1322 (t = 0); Excel NPV = 3.7566 (t = 1)
    assert round(npv("0.1", [-100, 60, 60]), 4) == Decimal("4.1322")
    assert round(npv(0.1, [-100, 60, 60], convention=Convention.T1), 4) == Decimal("3.7566")
    assert round(npv(0.1, [-100, 60, 60], convention="t1"), 4) == Decimal("3.7566")


def test_excel_npv_documentation_examples() -> None:
    # Excel NPV help, example 1: NPV(10%, -10000, 3000, 4200, 6800) = 1,188.44
    assert round(npv("0.10", [-10000, 3000, 4200, 6800], convention="t1"), 2) == Decimal("1188.44")
    # example 2: NPV(8%, 8000, 9200, 10000, 12000, 14500) + (-40000) = 1,922.06
    returns = [8000, 9200, 10000, 12000, 14500]
    assert round(npv("0.08", [-40000, *returns]), 2) == Decimal("1922.06")
    # ... and with a 9,000 loss in year 6: -3,749.47
    assert round(npv("0.08", [-40000, *returns, -9000]), 2) == Decimal("-3749.47")


def test_npv_keeps_money_exact() -> None:
    result = npv("0.1", [Money("-100", "USD"), Money("110", "USD")])
    assert result == Money(0, "USD")
    assert npv(0, [Money("0.10", "USD"), Money("0.20", "USD")]) == Money("0.30", "USD")


@settings(max_examples=60, deadline=None)
@given(
    st.floats(-0.9, 2.0),
    st.lists(st.integers(-(10**6), 10**6), min_size=1, max_size=20),
)
def test_npv_agrees_with_numpy_financial(rate: float, flows: list[int]) -> None:
    ours = float(npv(rate, flows))
    theirs = float(npf.npv(rate, flows))
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-6 * max(1, *map(abs, flows)))
    # t=1 convention is the t=0 value discounted one more period
    assert float(npv(rate, flows, convention="t1")) == pytest.approx(
        ours / (1 + rate), rel=1e-9, abs=1e-6
    )


# -- XNPV / XIRR ------------------------------------------------------------------------------


def test_microsoft_xnpv_and_xirr_example() -> None:
    assert round(xnpv("0.09", MS_FLOWS), 4) == Decimal("2086.6476")
    # Microsoft: 0.373362535; the reference doc: 0.373362534 (Excel stops Newton near 1e-8)
    assert float(xirr(MS_FLOWS)) == pytest.approx(0.373362534, abs=1.5e-9)
    assert xirr_roots(MS_FLOWS) == (xirr(MS_FLOWS),)
    assert abs(xnpv(xirr(MS_FLOWS), MS_FLOWS)) < Decimal("1e-9")


def test_xnpv_later_dates_may_come_in_any_order_but_none_before_the_first() -> None:
    shuffled = [MS_FLOWS[0], MS_FLOWS[3], MS_FLOWS[1], MS_FLOWS[4], MS_FLOWS[2]]
    assert xnpv("0.09", shuffled) == xnpv("0.09", MS_FLOWS)
    with pytest.raises(ValidationError, match=r"flows\[1\]\.date"):
        xnpv("0.09", [MS_FLOWS[1], MS_FLOWS[0]])
    with pytest.raises(ValidationError, match=r"flows\[1\]\.date"):
        xirr([MS_FLOWS[1], MS_FLOWS[0]])


def test_xnpv_with_yearly_dates_equals_npv_on_365_day_years() -> None:
    start = date(2021, 1, 1)
    flows = [(start + timedelta(days=365 * t), v) for t, v in enumerate([-100, 30, 40, 50])]
    assert xnpv("0.07", flows) == pytest.approx(
        npv("0.07", [-100, 30, 40, 50]), abs=Decimal("1e-20")
    )


# -- IRR ------------------------------------------------------------------------------------

EXCEL_IRR = [-70000, 12000, 15000, 18000, 21000, 26000]


def test_excel_irr_documentation_examples() -> None:
    # Excel IRR help: after 4 years -2.1 %, after 5 years 8.7 %, after 2 years -44.4 %
    assert round(irr(EXCEL_IRR[:5]), 3) == Decimal("-0.021")
    assert round(irr(EXCEL_IRR), 3) == Decimal("0.087")
    assert round(irr(EXCEL_IRR[:3], guess="-0.1"), 3) == Decimal("-0.444")


def test_several_roots_are_all_reported_and_irr_refuses_to_pick_one() -> None:
    flows = [-50, -100, 600, 300, -100]  # reference doc: npf gives -0.7689, Excel 1.85
    roots = irr_roots(flows)
    # hand check of 1.8544 (Excel's 1.85): v = 1/2.8544 = 0.350336;
    # -50 - 100v + 600v² + 300v³ - 100v⁴ = -50 - 35.034 + 73.641 + 12.900 - 1.506 ≈ 0
    assert [round(r, 4) for r in roots] == [Decimal("-0.7689"), Decimal("1.8544")]
    for r in roots:
        assert abs(npv(r, flows)) < Decimal("1e-9")
    with pytest.raises(NoSolutionError, match="2 rates of return") as info:
        irr(flows)
    assert info.value.value == roots
    # guess= takes the root nearest to it (not Newton's basin, as Excel does)
    assert round(irr(flows, guess="0.1"), 4) == Decimal("-0.7689")
    assert round(irr(flows, guess=1.5), 4) == Decimal("1.8544")
    # two roots at exactly 10 % and 20 %: -100 + 230/(1+r) - 132/(1+r)^2 = -(1.1-v)(1.2-v)... (hand)
    assert [round(r, 12) for r in irr_roots([-100, 230, -132])] == [Decimal("0.1"), Decimal("0.2")]


def test_double_root_is_found() -> None:
    # 1 - 2v + v² = (1 - v)² vanishes only at v = 1, i.e. r = 0, without changing sign
    assert irr_roots([1, -2, 1]) == (Decimal(0),)


def test_no_sign_change_is_a_clear_error_not_nan() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert math.isnan(npf.irr([100, 50, 20]))  # what numpy-financial does
    with pytest.raises(NoSolutionError, match="sign change"):
        irr([100, 50, 20])
    with pytest.raises(NoSolutionError):
        xirr([(date(2020, 1, 1), 5), (date(2020, 6, 1), 5)])


def test_sign_changes_but_no_root() -> None:
    # NPV = 1 - 1.5v + v² > 0 for every v (discriminant 2.25 - 4 < 0): two sign changes, no root
    with pytest.raises(NoSolutionError):
        irr([1, "-1.5", 1])


_conventional = st.tuples(
    st.integers(1, 10**6), st.lists(st.integers(0, 10**6), min_size=1, max_size=15)
).map(lambda p: [-p[0], *p[1]])


@settings(max_examples=80, deadline=None)
@given(_conventional)
def test_irr_agrees_with_numpy_financial_on_conventional_flows(flows: list[int]) -> None:
    # one sign change: exactly one IRR (Descartes), and numpy-financial finds it
    assume(sum(flows[1:]) > 0)
    theirs = npf.irr(flows)
    ours = irr(flows)
    assert float(ours) == pytest.approx(theirs, rel=1e-7, abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=10))
def test_every_root_zeroes_npv_and_numpy_financial_finds_one_of_ours(flows: list[int]) -> None:
    try:
        roots = irr_roots(flows)
    except NoSolutionError:
        roots = ()
    scale = sum(abs(f) for f in flows)
    for r in roots:
        assert r > -1
        v = 1 / (1 + float(r))
        size = sum(abs(c) * v**t for t, c in enumerate(flows))  # residual scale at that rate
        assert abs(float(npv(r, flows))) <= 1e-9 * size
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = npf.irr(flows)
    if (
        not math.isnan(theirs)
        and -0.99 < theirs < 10
        and abs(npf.npv(theirs, flows)) < 1e-6 * scale
    ):
        # numpy-financial returned a genuine root: it must be among ours
        assert any(abs(float(r) - theirs) < 1e-6 * max(1, abs(theirs)) for r in roots)


def test_numpy_financial_failure_modes_documented() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # reference doc: npf.irr picks -0.7689 where Excel's answer is 1.85; both are roots
        assert npf.irr([-50, -100, 600, 300, -100]) == pytest.approx(-0.7689, abs=1e-4)
        # mirr returns nan without a negative flow; crmcore raises
        assert math.isnan(npf.mirr([100, 200], 0.1, 0.1))
    with pytest.raises(NoSolutionError, match="negative"):
        mirr([100, 200], "0.1", "0.1")


# -- MIRR -----------------------------------------------------------------------------------


def test_excel_mirr_documentation_examples() -> None:
    flows = [-120000, 39000, 30000, 21000, 37000, 46000]
    # Excel MIRR help: 12.6 % over five years; -4.8 % after three; 13.5 % at 14 % reinvestment
    assert round(mirr(flows, "0.10", "0.12"), 3) == Decimal("0.126")
    assert round(mirr(flows[:4], "0.10", "0.12"), 3) == Decimal("-0.048")
    assert round(mirr(flows, "0.10", "0.14"), 3) == Decimal("0.135")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=10),
    st.floats(0.0, 0.5),
    st.floats(0.0, 0.5),
)
def test_mirr_agrees_with_numpy_financial(
    flows: list[int], finance: float, reinvest: float
) -> None:
    assume(any(f > 0 for f in flows) and any(f < 0 for f in flows))
    assert float(mirr(flows, finance, reinvest)) == pytest.approx(
        npf.mirr(flows, finance, reinvest), rel=1e-9, abs=1e-12
    )


# -- payback --------------------------------------------------------------------------------


def test_payback_periods_hand_checked() -> None:
    # cumulative -1000, -700, -300, +200: 300 of the third year's 500 → 2.6 years
    assert payback_period([-1000, 300, 400, 500]) == Decimal("2.6")
    assert payback_period([-1000, 100]) is None
    assert payback_period([0, 10]) == 0
    # discounted at 10 %: -1000, 272.73, 330.58, 375.66 → cumulative -396.69 after 2;
    # 2 + 396.69/375.66 = 3.056 > 3 → never within the flows
    assert discounted_payback_period("0.1", [-1000, 300, 400, 500]) is None
    # -100, 110/1.1 = 100 → exactly 1 period
    assert discounted_payback_period("0.1", [-100, 110]) == 1


@settings(max_examples=50, deadline=None)
@given(_conventional, st.floats(0.0, 0.5))
def test_discounted_payback_is_never_sooner(flows: list[int], rate: float) -> None:
    plain = payback_period(flows)
    discounted = discounted_payback_period(rate, flows)
    if discounted is not None:
        assert plain is not None
        assert plain <= discounted


# -- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: npv("0.1", []), "flows"),
        (lambda: irr([]), "flows"),
        (lambda: npv("-1", [1, 2]), "rate"),
        (lambda: npv(float("nan"), [1, 2]), "rate"),
        (lambda: npv("x", [1, 2]), "rate"),
        (lambda: npv("0.1", [1, 2.5]), r"flows\[1\]"),
        (lambda: npv("0.1", [Money(1, "USD"), Money(1, "EUR")]), r"flows\[1\]"),
        (lambda: npv("0.1", [Money(1, "USD"), 1]), r"flows\[1\]"),
        (lambda: npv("0.1", [1, 2], convention="t2"), "convention"),
        (lambda: xnpv("0.1", [("2020-01-01", 1)]), "date"),
        (lambda: xnpv("0.1", [(date(2020, 1, 1),)]), r"flows\[0\]"),
        (lambda: mirr([-1, 2], "-2", "0.1"), "finance_rate"),
    ],
)
def test_bad_input_names_the_field(call, field: str) -> None:
    with pytest.raises(CrmError, match=field):
        call()


def test_a_bad_guess_is_refused_even_when_there_is_one_root() -> None:
    # Regression: guess="x" passed silently when the flows had a single root.
    with pytest.raises(ValidationError, match="guess"):
        irr([-100, 110], guess="x")
    with pytest.raises(ValidationError, match="guess"):
        xirr([(date(2025, 1, 1), -100), (date(2026, 1, 1), 110)], guess="x")
    # -100 + 110/(1+r) = 0 -> r = 0.1, with or without a (valid) guess
    assert irr([-100, 110], guess="0.5") == irr([-100, 110])
    assert round(irr([-100, 110]), 12) == Decimal("0.1")


def test_payback_at_rate_zero_equals_plain_payback_exactly() -> None:
    # Regression (found by hypothesis): plain payback rounded twice at 28 digits and came
    # out 1 ulp above the discounted one at rate 0. 1 + 82337/330460 = 1.24915874841...
    flows = [-82337, 0, 330460]
    assert payback_period(flows) == discounted_payback_period(0, flows)
    assert round(payback_period(flows) or 0, 10) == Decimal("1.2491587484")
