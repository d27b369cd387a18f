"""TargetTally: any split of the opportunities into chunks, added or merged, equals
attainment on them all (hypothesis), and the new-customers metric counts an account's
earliest win even when it arrives in a later chunk (hand-checked)."""

from __future__ import annotations

from datetime import date
from functools import reduce
from itertools import pairwise

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import AccountId, Opportunity, OpportunityId, UserId
from crmcore.money import Money
from crmcore.sales import SalesTarget, TargetTally, TeamHierarchy, attainment

TEAMS = TeamHierarchy({"sara": "east", "ali": "east", "reza": "west"})
SPLITS = {"o1": {"sara": 60, "ali": 40}, "o4": {"reza": "33.3", "sara": "66.7"}}


def _targets() -> list[SalesTarget]:
    span = {"start": date(2026, 1, 1), "end": date(2026, 7, 1), "sub_unit": "gregorian_quarter"}
    return [
        SalesTarget(owner=o, metric="won_revenue", amount=900, currency="IRR", stretch=1000, **span)
        for o in ("sara", "ali", "reza")
    ] + [
        SalesTarget(owner="sara", metric="won_count", amount=3, **span),
        SalesTarget(owner="ali", metric="new_customers", amount=2, **span),
        SalesTarget(owner="sara", metric="new_customers", amount=2, **span),
        SalesTarget(owner="east", metric="won_revenue", amount=5000, currency="IRR", **span),
    ]


@st.composite
def _deal(draw: st.DrawFn) -> Opportunity:
    status = draw(st.sampled_from(["open", "won", "lost"]))
    day = date(2026, draw(st.integers(1, 8)), draw(st.integers(1, 28)))
    money = Money(draw(st.integers(0, 10**6)), "IRR")
    return Opportunity(
        id=OpportunityId("o"),  # made unique by the test
        name="deal",
        owner=draw(st.sampled_from([UserId("sara"), UserId("ali"), UserId("reza"), None])),
        status=status,
        probability=draw(st.integers(0, 100)),
        account_id=draw(st.sampled_from([None, AccountId("acme"), AccountId("parsian")])),
        estimated_revenue=money,
        estimated_close_date=day,
        actual_revenue=money if status == "won" else None,
        actual_close_date=None if status == "open" else day,
    )


def _tally(deals: list[Opportunity]) -> TargetTally:
    tally = TargetTally(_targets(), teams=TEAMS, splits=SPLITS)
    tally.add(deals)
    return tally


@settings(max_examples=60, deadline=None)
@given(deals=st.lists(_deal(), max_size=12), cuts=st.lists(st.integers(0, 12), max_size=4))
def test_any_chunking_added_or_merged_equals_the_whole(
    deals: list[Opportunity], cuts: list[int]
) -> None:
    # Opportunity ids are unique in a CRM (o1 and o4 have split credit).
    deals = [attrs.evolve(d, id=OpportunityId(f"o{i}")) for i, d in enumerate(deals)]
    whole = attainment(_targets(), opportunities=deals, teams=TEAMS, splits=SPLITS)
    edges = [0, *sorted(c for c in cuts if c <= len(deals)), len(deals)]
    parts = [deals[a:b] for a, b in pairwise(edges)]
    added = TargetTally(_targets(), teams=TEAMS, splits=SPLITS)
    for part in parts:
        added.add(part)
    assert added.result() == whole
    merged = reduce(TargetTally.merge, [_tally(p) for p in reversed(parts)])
    assert merged.result() == whole


def _won(i: int, owner: str, account: str, day: date) -> Opportunity:
    return Opportunity(
        id=OpportunityId(f"o{i}"),
        name="deal",
        owner=UserId(owner),
        status="won",
        account_id=AccountId(account),
        actual_revenue=Money(100, "IRR"),
        actual_close_date=day,
    )


def test_an_earlier_win_in_a_later_chunk_takes_the_new_customer() -> None:
    # acme: ali wins on 2026-03-01 (chunk 1), sara on 2026-02-01 (chunk 2): acme's first win
    # is sara's, so sara has 1 new customer, ali 0. parsian: ali's only win, 1 for ali.
    target = {"metric": "new_customers", "amount": 2}
    span = {"start": date(2026, 1, 1), "end": date(2027, 1, 1)}
    targets = [SalesTarget(owner=o, **target, **span) for o in ("ali", "sara")]
    tally = TargetTally(targets)
    tally.add([_won(1, "ali", "acme", date(2026, 3, 1))])
    tally.add([_won(2, "sara", "acme", date(2026, 2, 1)), _won(3, "ali", "parsian", span["start"])])
    rows = {r.owner: str(r.actual) for r in tally.result().rows}
    assert rows == {"ali": "1", "sara": "1"}


def test_merging_a_differently_configured_tally_is_refused() -> None:
    with pytest.raises(ValidationError, match="TargetTally"):
        TargetTally(_targets()).merge(TargetTally(_targets(), splits=SPLITS))
