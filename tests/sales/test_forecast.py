"""Forecast: hand-checked five-opportunity example, properties, bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityId, UserId
from crmcore.money import Money
from crmcore.pricing import FixedRates
from crmcore.sales import (
    ForecastCategory,
    TeamHierarchy,
    forecast,
    forecast_category,
    forecast_columns,
    opportunity_columns,
)
from tests.strategies.sales import TEAMS, pipelines

AS_OF = date(2026, 3, 15)


def _deal(i: int, owner: str, value: int, p: int, close: date) -> Opportunity:
    return Opportunity(
        id=OpportunityId(f"o{i}"),
        name=f"deal {i}",
        owner=UserId(owner),
        estimated_revenue=Money(value, "IRR"),
        estimated_close_date=close,
        probability=p,
    )


def five() -> list[Opportunity]:
    """The worked example of docs/sales.md."""
    return [
        _deal(1, "sara", 1_000_000, 20, date(2026, 4, 5)),  # 16 Farvardin 1405: pipeline
        _deal(2, "sara", 2_000_000, 60, date(2026, 4, 25)),  # 5 Ordibehesht: best case
        _deal(3, "ali", 3_000_000, 90, date(2026, 4, 10)),  # 21 Farvardin: committed
        _deal(4, "ali", 4_000_000, 50, date(2026, 4, 1))
        .win(Money(3_500_000, "IRR"), date(2026, 3, 25))  # 5 Farvardin
        .opportunity,
        _deal(5, "sara", 5_000_000, 30, date(2026, 4, 1)).lose(date(2026, 3, 30)),  # 10 Farvardin
    ]


def test_five_opportunity_forecast_by_hand() -> None:
    # 1 Farvardin 1405 = 2026-03-21 and Farvardin has 31 days, so 2026-04-21 is
    # 1 Ordibehesht. Weighted by hand: 1,000,000×20% = 200,000; 3,000,000×90% =
    # 2,700,000; 2,000,000×60% = 1,200,000 (Odoo's prorated revenue).
    result = forecast(five(), as_of=AS_OF, unit="jalali_month")
    got = {(r.label, r.group): (r.count, r.open, r.weighted, r.won, r.lost) for r in result.rows}
    irr = lambda v: Money(v, "IRR")  # noqa: E731
    assert got == {
        ("1405-01", "ali"): (2, irr(3_000_000), irr(2_700_000), irr(3_500_000), irr(0)),
        ("1405-01", "sara"): (2, irr(1_000_000), irr(200_000), irr(0), irr(5_000_000)),
        ("1405-02", "sara"): (1, irr(2_000_000), irr(1_200_000), irr(0), irr(0)),
    }
    total = result.total()
    assert (total.open, total.weighted) == (irr(6_000_000), irr(4_100_000))
    assert (total.pipeline, total.best_case, total.committed) == (
        irr(1_000_000),
        irr(2_000_000),
        irr(3_000_000),
    )
    assert [c.value for c in map(forecast_category, five())] == [
        "pipeline",
        "best_case",
        "committed",
        "won",
        "lost",
    ]
    assert result.explain()[0].startswith("5 opportunities")


def test_team_rows_and_field_grouping() -> None:
    teams = TeamHierarchy({"sara": "north", "ali": "north"})
    rows = forecast(five(), as_of=AS_OF, unit="jalali_year", by="team", teams=teams).rows
    north = next(r for r in rows if r.group == "north")
    assert (north.count, north.open, north.won) == (
        5,
        Money(6_000_000, "IRR"),
        Money(3_500_000, "IRR"),
    )
    by_status = forecast(five(), as_of=AS_OF, unit="gregorian_year", by="status").rows
    assert sorted(r.group for r in by_status) == ["lost", "open", "won"]


def test_converted_currency_with_rates() -> None:
    usd = Opportunity(
        id=OpportunityId("u"),
        name="x",
        owner=UserId("sara"),
        estimated_revenue=Money("10.00", "USD"),
        estimated_close_date=date(2026, 4, 5),
        probability=50,
    )
    rates = FixedRates("IRR", {"USD": Decimal(1_000_000)})
    rows = forecast([*five()[:1], usd], as_of=AS_OF, currency="IRR", rates=rates, by=None).rows
    # 1,000,000 IRR + 10 USD × 1,000,000 = 11,000,000 IRR open; weighted 200,000 + 5,000,000.
    assert (rows[0].open, rows[0].weighted) == (Money(11_000_000, "IRR"), Money(5_200_000, "IRR"))
    with pytest.raises(ValidationError) as caught:
        forecast([*five()[:1], usd], as_of=AS_OF, by=None)
    assert caught.value.field == "u.estimated_revenue"
    assert caught.value.value == "10.00 USD"


def test_bad_input_names_field_and_value() -> None:
    with pytest.raises(ValidationError) as caught:
        _deal(9, "sara", 1, 101, date(2026, 1, 1))
    assert (caught.value.field, caught.value.value) == ("probability", 101)
    with pytest.raises(ValidationError) as caught:
        forecast(five(), as_of=AS_OF, by="team", teams=TeamHierarchy({"sara": "north"}))
    assert (caught.value.field, caught.value.value) == ("o3.owner", "ali")
    bad = five()[0].edit(custom={"forecast_category": "won"})
    with pytest.raises(ValidationError) as caught:
        forecast([bad], as_of=AS_OF)
    assert caught.value.value == "won"
    with pytest.raises(ValidationError):
        forecast(five(), as_of=AS_OF, unit="week")


def test_a_replacement_rule() -> None:
    def everything_committed(opp: Opportunity) -> ForecastCategory:
        return forecast_category(opp) if not opp.is_open else ForecastCategory.COMMITTED

    total = forecast(five(), as_of=AS_OF, rule=everything_committed).total()
    assert total.committed == total.open == Money(6_000_000, "IRR")


@settings(max_examples=40)
@given(pipelines(), st.randoms())
def test_forecast_properties(opps: list[Opportunity], rnd: object) -> None:
    teams = TeamHierarchy(TEAMS)
    result = forecast(opps, as_of=date(2026, 1, 1), unit="jalali_month", by="team", teams=teams)
    for row in result.rows:
        assert row.weighted <= row.open
        parts = row.pipeline + row.best_case + row.committed + row.omitted
        assert parts == row.open
    # Team roll-ups equal the sum of their members, period by period.
    cells = {(r.label, r.group): r for r in result.rows}
    for (label, group), row in cells.items():
        members = [m for m, t in TEAMS.items() if t == group]
        if members:
            kids = [cells[(label, m)] for m in members if (label, m) in cells]
            assert row.open == sum((k.open for k in kids), Money(0, "IRR"))
            assert row.count == sum(k.count for k in kids)
    # Order does not matter.
    shuffled = list(opps)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    again = forecast(shuffled, as_of=date(2026, 1, 1), unit="jalali_month", by="team", teams=teams)
    assert again == result


@settings(max_examples=30)
@given(pipelines(), st.sampled_from(["jalali_season", "gregorian_quarter", "gregorian_month"]))
def test_columns_equal_records_on_both_backends(opps: list[Opportunity], unit: str) -> None:
    rows = forecast(opps, as_of=date(2026, 1, 1), unit=unit, currency="IRR").rows
    expected = sorted(
        (r.label, r.group, r.count, r.open, r.weighted, r.won, r.lost, r.omitted) for r in rows
    )
    cols = opportunity_columns(opps, currency="IRR", unit=unit)
    for backend in ("python", "numpy"):
        cells = forecast_columns(cols, backend=backend).cells
        got = sorted(
            (c.period, c.group, c.count, c.open, c.weighted, c.won, c.lost, c.omitted)
            for c in cells
        )
        assert got == expected


def test_team_hierarchy_refuses_cycles_and_bad_names() -> None:
    with pytest.raises(ValidationError) as caught:
        TeamHierarchy({"a": "b", "b": "a"})
    assert caught.value.field == "parents['a']"
    with pytest.raises(ValidationError):
        TeamHierarchy({"a": ""})
    teams = TeamHierarchy(TEAMS)
    assert teams.members_of("iran") == frozenset({"sara", "ali", "reza", "neda"})


def test_records_of_the_wrong_type_are_refused_by_name() -> None:
    from crmcore.sales import attainment, calibrate_stage_win_rates, funnel

    calls = [
        (lambda: forecast([five()[0], "o2"], as_of=AS_OF), "opportunities[1]"),  # type: ignore[list-item]
        (lambda: funnel([None], as_of=AS_OF), "opportunities[0]"),  # type: ignore[list-item]
        (lambda: attainment([object()]), "targets[0]"),  # type: ignore[list-item]
        (lambda: calibrate_stage_win_rates([1]), "history[0]"),  # type: ignore[list-item]
    ]
    for call, field in calls:
        with pytest.raises(ValidationError) as caught:
            call()
        assert caught.value.field == field
