"""ForecastTally: forecast a part at a time; merged parts equal the whole."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityId
from crmcore.money import Money
from crmcore.sales import ForecastTally, TeamHierarchy, calibrate_stage_win_rates, forecast
from tests.strategies.sales import TEAMS, pipelines

AS_OF = date(2026, 1, 1)


def _closed(i: int, stage: str, won: bool) -> Opportunity:
    deal = Opportunity(id=OpportunityId(f"h{i}"), name="x", stage=stage)
    if won:
        return deal.win(Money(1, "IRR"), date(2025, 1, 1)).opportunity
    return deal.lose(date(2025, 1, 1))


HISTORY = [_closed(1, "propose", True), _closed(2, "propose", False), _closed(3, "qualify", False)]
SETTINGS = [
    {"unit": "jalali_month"},
    {"unit": "gregorian_quarter", "by": "team", "teams": TeamHierarchy(TEAMS)},
    {"by": None, "currency": "IRR"},
    {
        "by": "stage",
        "unit": "jalali_year",
        "win_rates": calibrate_stage_win_rates(HISTORY, min_count=1),
    },
]


@settings(max_examples=60, deadline=None)
@given(data=st.data(), deals=pipelines(), index=st.integers(0, len(SETTINGS) - 1))
def test_merged_parts_equal_the_whole(
    data: st.DataObject, deals: list[Opportunity], index: int
) -> None:
    options = SETTINGS[index]
    cuts = data.draw(st.lists(st.integers(0, len(deals)), max_size=3).map(sorted))
    bounds = [0, *cuts, len(deals)]
    parts = []
    sequential = ForecastTally(as_of=AS_OF, **options)  # type: ignore[arg-type]
    for low, high in itertools.pairwise(bounds):
        part = ForecastTally(as_of=AS_OF, **options)  # type: ignore[arg-type]
        part.add(deals[low:high])
        sequential.add(deals[low:high])
        parts.append(part)
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    whole = forecast(deals, as_of=AS_OF, **options)  # type: ignore[arg-type]
    # amounts up to 10**12 IRR, at most 25 deals: every sum fits 28 digits, so exact
    assert merged.result() == whole
    assert sequential.result() == whole
    # merging leaves the parts as they were
    assert parts[0].result() == forecast(deals[: bounds[1]], as_of=AS_OF, **options)  # type: ignore[arg-type]


def _deal(i: int, amount: Money | None) -> Opportunity:
    return Opportunity(
        id=OpportunityId(f"o{i}"),
        name="x",
        probability=30,
        estimated_revenue=amount,
        estimated_close_date=date(2026, 4, 2),
    )


def test_hand_checked_two_parts() -> None:
    # part 1: 1,000 IRR at 30 %; part 2: no amount, then 500 IRR at 30 %.
    # open = 1,500; weighted = 1,500 × 30 / 100 = 450; count 3 in 2026-04 (owner "(none)")
    first, second = ForecastTally(as_of=AS_OF), ForecastTally(as_of=AS_OF)
    first.add([_deal(1, Money(1000, "IRR"))])
    second.add([_deal(2, None), _deal(3, Money(500, "IRR"))])
    (row,) = first.merge(second).result().rows
    assert (row.label, row.group, row.count) == ("2026-04", "(none)", 3)
    assert (row.open, row.weighted) == (Money(1500, "IRR"), Money(450, "IRR"))


def test_a_part_without_amounts_takes_the_other_parts_currency() -> None:
    first, second = ForecastTally(as_of=AS_OF), ForecastTally(as_of=AS_OF)
    first.add([_deal(1, None)])
    second.add([_deal(2, Money(10, "USD"))])
    assert first.merge(second).result().currency == "USD"
    assert second.merge(first).result().currency == "USD"
    assert ForecastTally(as_of=AS_OF).result().currency == "IRR"  # forecast([]) says IRR too


def test_merge_refuses_other_settings_and_currencies() -> None:
    first = ForecastTally(as_of=AS_OF)
    first.add([_deal(1, Money(10, "IRR"))])
    usd = ForecastTally(as_of=AS_OF)
    usd.add([_deal(2, Money(10, "USD"))])
    with pytest.raises(ValidationError, match="same reporting currency"):
        first.merge(usd)
    with pytest.raises(ValidationError, match="same settings"):
        first.merge(ForecastTally(as_of=AS_OF, unit="jalali_month"))
    with pytest.raises(ValidationError, match="same settings"):
        first.merge("tally")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="as_of"):
        ForecastTally(as_of="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="opportunities"):
        first.add([object()])  # type: ignore[list-item]
