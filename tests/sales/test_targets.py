"""Targets: exact distribution (ERPNext Monthly Distribution), attainment, roll-ups, splits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import (
    AccountId,
    Activity,
    ActivityId,
    ActivityKind,
    Opportunity,
    OpportunityId,
    UserId,
)
from crmcore.money import Money
from crmcore.sales import SalesTarget, TeamHierarchy, attainment

Y1405 = (date(2026, 3, 21), date(2027, 3, 21))  # 1 Farvardin 1405 → 1 Farvardin 1406
SPRING = (date(2026, 3, 21), date(2026, 6, 22))  # Farvardin-Khordad 1405 (31 days each)


def test_erpnext_style_monthly_distribution_of_a_yearly_target() -> None:
    # A yearly target of 1,000,000,000 IRR over the months of 1405 with ERPNext-style
    # percentages: each month gets amount × pct / 100 (6% = 60,000,000 IRR ...).
    pcts = [6, 6, 7, 8, 8, 9, 9, 9, 9, 9, 10, 10]
    t = SalesTarget(
        owner="sara",
        metric="won_revenue",
        amount=1_000_000_000,
        currency="IRR",
        start=Y1405[0],
        end=Y1405[1],
        sub_unit="jalali_month",
        distribution=pcts,
    )
    parts = t.allocation()
    assert [p.label for p, _ in parts][:2] == ["1405-01", "1405-02"]
    assert [v for _, v in parts] == [Decimal(p * 10_000_000) for p in pcts]
    # Equal shares when no distribution is given: 1000 / 3 = 333.33 each, the one left
    # over goes to the first part (largest remainder, earlier first on ties).
    even = SalesTarget(
        owner="sara",
        metric="won_count",
        amount=1000,
        start=SPRING[0],
        end=SPRING[1],
        sub_unit="jalali_month",
    )
    assert [v for _, v in even.allocation()] == [334, 333, 333]


def _won(i: int, owner: str, value: int, day: date, account: str | None = None) -> Opportunity:
    opp = Opportunity(
        id=OpportunityId(f"o{i}"),
        name="x",
        owner=UserId(owner),
        account_id=AccountId(account) if account else None,
        estimated_revenue=Money(value, "IRR"),
    )
    return opp.win(Money(value, "IRR"), day).opportunity


def _deals() -> list[Opportunity]:
    open_deal = Opportunity(
        id=OpportunityId("o3"),
        name="x",
        owner=UserId("sara"),
        estimated_revenue=Money(50_000_000, "IRR"),
        estimated_close_date=date(2026, 6, 1),  # 11 Khordad 1405
        probability=40,
    )
    return [
        _won(1, "sara", 40_000_000, date(2026, 4, 1), "acme"),  # 12 Farvardin
        _won(2, "sara", 30_000_000, date(2026, 5, 10), "acme"),  # 20 Ordibehesht, split
        open_deal,
    ]


def _targets() -> list[SalesTarget]:
    return [
        SalesTarget(
            owner="sara",
            metric="won_revenue",
            amount=100_000_000,
            currency="IRR",
            start=SPRING[0],
            end=SPRING[1],
            sub_unit="jalali_month",
            distribution=[30, 30, 40],
            stretch=120_000_000,
        ),
        SalesTarget(
            owner="ali",
            metric="won_revenue",
            amount=50_000_000,
            currency="IRR",
            start=SPRING[0],
            end=SPRING[1],
        ),
    ]


def test_attainment_by_hand_with_split_credit_and_team_roll_up() -> None:
    teams = TeamHierarchy({"sara": "north", "ali": "north"})
    result = attainment(
        _targets(), opportunities=_deals(), teams=teams, splits={"o2": {"sara": 50, "ali": 50}}
    )
    rows = {(r.owner, r.period): r for r in result.rows}
    # Sara: 40M + half of 30M = 55M of 100M → 55.00 %, variance −45M; in progress
    # 50M × 40 % = 20M (Odoo's prorated revenue).
    sara = rows[("sara", "total")]
    assert (sara.target, sara.actual, sara.variance, sara.percentage, sara.in_progress) == (
        100_000_000,
        55_000_000,
        -45_000_000,
        Decimal("55.00"),
        20_000_000,
    )
    # Farvardin: target 30 % = 30M, actual 40M; Ordibehesht: 30M target, 15M actual.
    assert (rows[("sara", "1405-01")].target, rows[("sara", "1405-01")].actual) == (
        30_000_000,
        40_000_000,
    )
    assert rows[("sara", "1405-02")].actual == 15_000_000
    assert rows[("sara", "1405-03")].stretch == 48_000_000  # 40 % of the 120M stretch
    ali = rows[("ali", "total")]
    assert (ali.actual, ali.percentage) == (15_000_000, Decimal("30.00"))
    # Team north = sara + ali: 150M target, 70M actual → 46.67 %.
    north = rows[("north", "total")]
    assert (north.target, north.actual, north.in_progress, north.percentage, north.team) == (
        150_000_000,
        70_000_000,
        20_000_000,
        Decimal("46.67"),
        True,
    )
    assert result.explain()


def test_split_credit_is_exact() -> None:
    deal = _won(9, "sara", 100, date(2026, 4, 1))

    def target(owner: str) -> SalesTarget:
        return SalesTarget(
            owner=owner,
            metric="won_revenue",
            amount=100,
            currency="IRR",
            start=SPRING[0],
            end=SPRING[1],
        )

    split = {"o9": {"a": "33.33", "b": "33.33", "c": "33.34"}}
    rows = attainment(
        [target("a"), target("b"), target("c")], opportunities=[deal], splits=split
    ).rows
    # 100 IRR by 33.33/33.33/33.34: floors 33, 33, 33; the unit left goes to c (.34).
    assert [r.actual for r in rows] == [33, 33, 34]


def test_activities_and_new_customers() -> None:
    t0 = datetime(2026, 4, 1, 9, tzinfo=UTC)
    acts = [
        Activity(id=ActivityId(f"a{i}"), kind=kind, subject="s", owner=UserId("sara")).complete(t0)
        for i, kind in enumerate(
            [ActivityKind.PHONE_CALL, ActivityKind.PHONE_CALL, ActivityKind.EMAIL]
        )
    ]
    calls = SalesTarget(
        owner="sara",
        metric="activities",
        amount=10,
        activity_kind="phone_call",
        start=SPRING[0],
        end=SPRING[1],
    )
    new = SalesTarget(
        owner="sara", metric="new_customers", amount=2, start=SPRING[0], end=SPRING[1]
    )
    rows = attainment([calls, new], opportunities=_deals(), activities=acts).rows
    # Two completed calls; acme's first win is o1 (o2 is a repeat win): one new customer.
    assert [(r.metric.value, r.actual) for r in rows] == [("activities", 2), ("new_customers", 1)]
    custom = SalesTarget(
        owner="sara",
        metric="custom",
        custom_metric="demos",
        amount=5,
        start=SPRING[0],
        end=SPRING[1],
    )
    rows = attainment([custom], custom_metrics={"demos": lambda owner, s, e: 3}).rows
    assert rows[0].percentage == Decimal("60.00")


def test_bad_targets_name_field_and_value() -> None:
    base = {
        "owner": "sara",
        "metric": "won_count",
        "amount": 12,
        "start": SPRING[0],
        "end": SPRING[1],
        "sub_unit": "jalali_month",
    }
    with pytest.raises(ValidationError) as caught:
        SalesTarget(**base, distribution=[30, 30, 39])  # type: ignore[arg-type]
    assert (caught.value.field, caught.value.value) == ("distribution", "99")
    with pytest.raises(ValidationError) as caught:
        SalesTarget(**base, distribution=[50, 50])  # type: ignore[arg-type]
    assert caught.value.field == "distribution"
    with pytest.raises(ValidationError) as caught:
        SalesTarget(owner="sara", metric="won_revenue", amount=1, start=SPRING[0], end=SPRING[1])
    assert caught.value.field == "currency"
    with pytest.raises(ValidationError) as caught:
        attainment(_targets(), teams=TeamHierarchy({"sara": "north"}))
    assert (caught.value.field, caught.value.value) == ("targets[ali].owner", "ali")
    with pytest.raises(ValidationError) as caught:
        attainment(_targets(), opportunities=_deals(), splits={"o2": {"sara": 50, "ali": 40}})
    assert (caught.value.field, caught.value.value) == ("splits[o2]", "90")


@settings(max_examples=50)
@given(
    amount=st.integers(0, 10**15),
    weights=st.lists(st.integers(0, 1000), min_size=12, max_size=12).filter(lambda w: sum(w) > 0),
)
def test_distributed_parts_sum_exactly_to_the_whole(amount: int, weights: list[int]) -> None:
    total = sum(weights)
    # Percentages with up to 2 decimals that sum to exactly 100.
    pcts = [Decimal(w * 10000 // total) / 100 for w in weights]
    pcts[-1] += 100 - sum(pcts)
    if pcts[-1] < 0:
        return
    for currency, metric in (("IRR", "won_revenue"), (None, "won_count")):
        t = SalesTarget(
            owner="x",
            metric=metric,
            amount=amount,
            currency=currency,
            start=Y1405[0],
            end=Y1405[1],
            sub_unit="jalali_month",
            distribution=pcts,
        )
        assert sum(v for _, v in t.allocation()) == amount


@settings(max_examples=30)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["sara", "ali", "reza"]), st.integers(0, 10**9), st.integers(0, 60)
        ),
        max_size=12,
    )
)
def test_team_roll_ups_equal_the_sum_of_members(deals: list[tuple[str, int, int]]) -> None:
    teams = TeamHierarchy(
        {"sara": "north", "ali": "north", "reza": "south", "north": "iran", "south": "iran"}
    )
    opps = [_won(i, o, v, SPRING[0] + timedelta(days=d)) for i, (o, v, d) in enumerate(deals)]
    targets = [
        SalesTarget(
            owner=o,
            metric="won_revenue",
            amount=1000,
            currency="IRR",
            start=SPRING[0],
            end=SPRING[1],
            sub_unit="jalali_month",
        )
        for o in ("sara", "ali", "reza")
    ]
    rows = {
        (r.owner, r.period): r for r in attainment(targets, opportunities=opps, teams=teams).rows
    }
    for period in ("total", "1405-01", "1405-02", "1405-03"):
        for team, members in (
            ("north", ["sara", "ali"]),
            ("south", ["reza"]),
            ("iran", ["sara", "ali", "reza"]),
        ):
            assert rows[(team, period)].actual == sum(rows[(m, period)].actual for m in members)
            assert rows[(team, period)].target == sum(rows[(m, period)].target for m in members)
    assert rows[("iran", "total")].actual == sum(v for _, v, _ in deals)
    # Input order does not matter.
    again = attainment(targets[::-1], opportunities=opps[::-1], teams=teams).rows
    assert sorted(again, key=repr) == sorted(rows.values(), key=repr)
