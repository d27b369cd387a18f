"""Contract billing: entitlement consumption, rounding, pricing in rials, idempotent runs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.models import AccountId, Activity, ActivityId, ActivityKind, Case, CaseId, RecordRef
from crmcore.money import Money
from crmcore.pricing import Catalog, PriceList, PriceListItem, Product, UnitGroup
from crmcore.service import BillingTerms, TimeEntry, bill_support
from crmcore.sla import Entitlement

M = timedelta(minutes=1)
RATE = Money(2_000_000, "IRR")  # rials per support hour
CATALOG = Catalog((Product("support-hour", "Support hour", UnitGroup("time", "hour"), "hour"),))
PRICES = PriceList("rates", "IRR", (PriceListItem("support-hour", "hour", amount=RATE),))
NOW = datetime(2026, 2, 1, tzinfo=UTC)


def day(d: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, d, hour, 0, tzinfo=UTC)


def case(cid: str, account: str, created: datetime, resolved: datetime | None = None) -> Case:
    c = Case.open(id=CaseId(cid), title="t", account_id=AccountId(account), created_at=created)
    return c.resolve(resolved) if resolved else c


def entry(eid: str, cid: str, minutes: int, at: datetime) -> TimeEntry:
    return TimeEntry(id=eid, case_id=cid, duration=minutes * M, at=at)


ACME = Entitlement(
    "E1", "acme", "std", valid_from=date(2026, 1, 1), included_time=timedelta(hours=2)
)
CASES = [case("C1", "acme", day(5)), case("C2", "acme", day(6)), case("C3", "other", day(7))]
ENTRIES = [
    entry("e1", "C1", 90, day(5, 11)),
    entry("e2", "C2", 40, day(6, 11)),
    entry("e3", "C2", 7, day(6, 12)),
    entry("e4", "C3", 20, day(7, 11)),
]


def run(entries: list[TimeEntry] | tuple[TimeEntry, ...], run_id: str, **terms: object):  # type: ignore[no-untyped-def]
    chosen = BillingTerms(rate_product="support-hour", **{"rounding": "up", **terms})  # type: ignore[arg-type]
    return bill_support(
        CASES, entries, entitlements=[ACME], terms=chosen, catalog=CATALOG, price_list=PRICES,
        run_id=run_id, now=NOW,
    )  # fmt: skip


def test_time_beyond_the_entitlement_and_uncovered_work() -> None:
    first = run(ENTRIES, "R1")
    lines = {str(line.case_id): line for line in first.lines}
    # acme allows 120 min: C1 uses 90; C2's 40 + 7 take it to 137: 17 min over -> up to 30 min.
    assert set(lines) == {"C2", "C3"}
    assert (lines["C2"].worked, lines["C2"].billed, lines["C2"].quantity) == (
        17 * M,
        30 * M,
        Decimal("0.5"),
    )
    # 0.5 h × 2,000,000 IRR = 1,000,000 IRR
    assert lines["C2"].amount == Money(1_000_000, "IRR")
    # C3 (account "other") has no entitlement: all 20 min -> 30 min -> 1,000,000 IRR.
    assert lines["C3"].amount == Money(1_000_000, "IRR")
    assert [inv.document.id for inv in first.invoices] == ["R1/acme", "R1/other"]
    assert first.invoices[0].total_amount == Money(1_000_000, "IRR")
    assert all(e.billed_in == "R1" for e in first.entries)
    assert any("rounded up" in step for step in lines["C2"].explain())
    # A second run over the marked records bills nothing.
    second = run(first.entries, "R2")
    assert second.lines == ()
    assert second.invoices == ()
    assert second.explain() == ("run R2: nothing to bill",)
    # New work on C2 is billed once: 10 min -> 15 min -> 0.25 h = 500,000 IRR.
    third = run([*second.entries, entry("e5", "C2", 10, day(9))], "R3")
    assert [(str(x.case_id), x.amount) for x in third.lines] == [("C2", Money(500_000, "IRR"))]


def test_half_up_rounding_is_explicit() -> None:
    lines = {str(x.case_id): x for x in run(ENTRIES, "R1", rounding="half_up").lines}
    # 17 / 15 = 1.13 -> 1 increment = 15 min = 0.25 h = 500,000; 20 / 15 = 1.33 -> 15 min.
    assert lines["C2"].billed == 15 * M
    assert lines["C3"].amount == Money(500_000, "IRR")


def test_cases_allocation_consumed_on_resolution() -> None:
    ent = Entitlement("E2", "acme", "std", valid_from=date(2026, 1, 1), included_cases=1)
    cases = [
        case("C1", "acme", day(5), resolved=day(8)),
        case(
            "C2", "acme", day(6), resolved=day(6, 15)
        ),  # resolved first: uses the one included case
        case("C4", "acme", day(7)),  # not resolved: not consumed yet, left for a later run
    ]
    entries = [
        entry("a", "C1", 90, day(5, 11)),
        entry("b", "C2", 30, day(6, 11)),
        entry("c", "C4", 60, day(7, 11)),
    ]
    terms = BillingTerms(
        rate_product="support-hour", rounding="up", allocation="cases", consume_on="resolution"
    )
    result = bill_support(
        cases,
        entries,
        entitlements=[ent],
        terms=terms,
        catalog=CATALOG,
        price_list=PRICES,
        run_id="R1",
        now=NOW,
    )
    # C1 is the second case consumed: all its 90 min are billable -> 1.5 h = 3,000,000 IRR.
    assert [(str(x.case_id), x.amount) for x in result.lines] == [("C1", Money(3_000_000, "IRR"))]
    marks = {e.id: e.billed_in for e in result.entries}
    assert marks == {"a": "R1", "b": "R1", "c": None}


def test_entry_from_activity() -> None:
    call = Activity(
        id=ActivityId("a1"),
        kind=ActivityKind.PHONE_CALL,
        subject="fix",
        regarding=RecordRef("case", "C1"),
    ).complete(day(5, 12), duration_minutes=25)
    made = TimeEntry.from_activity(call)
    assert (str(made.case_id), made.duration, made.at) == ("C1", 25 * M, day(5, 12))
    with pytest.raises(ValidationError):
        TimeEntry.from_activity(Activity(id=ActivityId("a2"), kind=ActivityKind.TASK, subject="x"))


@settings(max_examples=40)
@given(
    st.lists(st.integers(1, 300), min_size=1, max_size=8),
    st.sampled_from([3, 6, 15, 30, 45, 60]),
    st.sampled_from(["up", "half_up", "down", "half_even"]),
)
def test_amount_is_rounded_time_times_rate_and_runs_are_idempotent(
    minutes: list[int], increment: int, rounding: str
) -> None:
    entries = [entry(f"x{i}", "C3", m, day(7, 11)) for i, m in enumerate(minutes)]
    first = run(entries, "R1", increment=increment * M, rounding=rounding)
    for line in first.lines:
        # billed = a whole number of increments; amount = billed hours × rate, exactly
        assert line.billed % (increment * M) == timedelta(0)
        hours = Decimal(int(line.billed / M)) / 60
        assert line.quantity == hours
        assert line.amount == Money(hours * RATE.amount, "IRR")
    assert run(first.entries, "R2", increment=increment * M, rounding=rounding).lines == ()


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        BillingTerms(rate_product="support-hour", rounding="up", increment=-15 * M)
    assert info.value.field == "increment"
    with pytest.raises(ValidationError) as info:
        BillingTerms(rate_product="support-hour", rounding="up", increment=10 * M)  # 1/6 hour
    assert info.value.field == "increment"
    with pytest.raises(ValidationError) as info:
        BillingTerms(rate_product="support-hour", rounding="sideways")
    assert (info.value.field, info.value.value) == ("rounding", "sideways")
    with pytest.raises(ValidationError) as info:
        entry("z", "C1", 0, day(5))
    assert info.value.field == "duration"
    with pytest.raises(ValidationError) as info:
        run(ENTRIES, " ")
    assert info.value.field == "run_id"


def test_entries_for_unknown_cases_are_refused() -> None:
    with pytest.raises(ValidationError) as info:
        run([*ENTRIES, entry("e9", "C9", 10, day(9))], "R1")
    assert (info.value.field, info.value.value) == ("entries[4].case_id", "C9")
