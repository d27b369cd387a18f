"""Merge plans: survivorship, references to re-point, all-or-nothing application."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crmcore.errors import ConcurrencyError, NotFoundError, ValidationError
from crmcore.matching import SurvivorshipRule, apply_merge, plan_merge, related_records
from crmcore.models import (
    Account,
    AccountId,
    Activity,
    ActivityId,
    ActivityKind,
    Case,
    CaseId,
    Contact,
    ContactId,
    Lead,
    LeadId,
    Opportunity,
    OpportunityId,
    RecordRef,
)
from crmcore.money import Money
from crmcore.repositories import InMemoryStore, SqliteStore, Store


def at(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=UTC)


A1 = Account(id=AccountId("A1"), name="Pars Steel", phone="021 8888 1234", created_at=at(2024))
A2 = Account(
    id=AccountId("A2"),
    name="فولاد پارس",
    city="Tehran",
    website="pars.ir",
    industry="steel",
    created_at=at(2026),
    custom={"national_id": "10380284790"},
)
A3 = Account(id=AccountId("A3"), name="Pars Steel Co.", email="info@pars.ir", created_at=at(2025))


@pytest.mark.parametrize(
    ("rule", "survivor"),
    [
        (SurvivorshipRule(strategy="oldest"), "A1"),  # created 2024
        (SurvivorshipRule(strategy="most_recent"), "A2"),  # created 2026
        # Filled fields besides id/version/custom: A1 name, phone, created_at, relationship = 4;
        # A2 name, city, website, industry, created_at, relationship = 6; A3 = 4 -> A2.
        (SurvivorshipRule(strategy="most_complete"), "A2"),
        (SurvivorshipRule(strategy="master", master_id="A3"), "A3"),
    ],
)
def test_survivor_by_strategy(rule: SurvivorshipRule, survivor: str) -> None:
    plan = plan_merge([A3, A1, A2], rule)
    assert plan.survivor.id == survivor
    assert sorted(r.id for r in plan.removed) == sorted({"A1", "A2", "A3"} - {survivor})


def test_blanks_are_filled_in_rank_order_and_sources_named() -> None:
    plan = plan_merge([A1, A2, A3], SurvivorshipRule(strategy="oldest"))
    s = plan.survivor
    assert isinstance(s, Account)
    # Oldest first: A1 (2024), A3 (2025), A2 (2026). A1 keeps its name and phone; its blank
    # e-mail comes from A3, city/website/industry from A2 (A3 has none).
    assert (s.name, s.phone, s.email, s.city, s.website) == (
        "Pars Steel",
        "021 8888 1234",
        "info@pars.ir",
        "Tehran",
        "pars.ir",
    )
    assert dict(plan.sources) == {"email": "A3", "city": "A2", "website": "A2", "industry": "A2"}
    assert dict(s.custom) == {"national_id": "10380284790"}
    assert s.version == A1.version


def test_per_field_strategy_and_no_filling() -> None:
    rule = SurvivorshipRule(strategy="oldest", fields={"name": "most_recent"}, fill_blanks=False)
    s = plan_merge([A1, A2, A3], rule).survivor
    assert isinstance(s, Account)
    assert (s.name, s.city, s.email) == ("فولاد پارس", None, None)


def test_bad_clusters_and_rules() -> None:
    with pytest.raises(ValidationError, match="at least two records"):
        plan_merge([A1])
    contact = Contact(id=ContactId("C1"), last_name="Karimi")
    with pytest.raises(ValidationError, match="records of one type"):
        plan_merge([A1, contact])  # type: ignore[list-item]
    with pytest.raises(ValidationError, match=r"SurvivorshipRule\.master_id: got 'A9'"):
        plan_merge([A1, A2], SurvivorshipRule(strategy="master", master_id="A9"))
    with pytest.raises(ValidationError, match=r"SurvivorshipRule\.fields\.colour"):
        plan_merge([A1, A2], SurvivorshipRule(fields={"colour": "oldest"}))
    with pytest.raises(ValidationError, match="Survivorship: got 'newest'"):
        SurvivorshipRule(strategy="newest")


def _world() -> list[object]:
    return [
        A1,
        A2,
        A3,
        Account(id=AccountId("A9"), name="Pars Rebar", parent_id=AccountId("A2")),
        Contact(id=ContactId("C1"), last_name="Karimi", account_id=AccountId("A2")),
        Contact(id=ContactId("C2"), last_name="Ahmadi", account_id=AccountId("A1")),
        Lead(id=LeadId("L1"), last_name="Karimi", account_id=AccountId("A3")),
        Opportunity(id=OpportunityId("O1"), name="Rebar", account_id=AccountId("A2"),
                    estimated_revenue=Money("1000", "IRR")),
        Opportunity(id=OpportunityId("O2"), name="Wire", account_id=AccountId("A9")),
        Case.open(id=CaseId("K1"), title="Late delivery", account_id=AccountId("A3"),
                  created_at=at(2026)),
        Activity(id=ActivityId("T1"), kind=ActivityKind.PHONE_CALL, subject="Intro",
                 regarding=RecordRef.to(AccountId("A2"))),
        Activity(id=ActivityId("T2"), kind=ActivityKind.TASK, subject="Other",
                 regarding=RecordRef.to(AccountId("A9"))),
    ]  # fmt: skip


_REPOS = {
    Account: "accounts",
    Contact: "contacts",
    Lead: "leads",
    Opportunity: "opportunities",
    Case: "cases",
    Activity: "activities",
}


def _fill(store: Store) -> None:
    with store.unit_of_work() as uow:
        for record in _world():
            getattr(uow, _REPOS[type(record)]).add(record)


def _dump(store: Store) -> dict[str, list[object]]:
    with store.unit_of_work() as uow:
        return {name: getattr(uow, name).list() for name in _REPOS.values()}


def _plan(store: Store, rule: SurvivorshipRule):  # type: ignore[no-untyped-def]
    with store.unit_of_work() as uow:
        cluster = [uow.accounts.get(AccountId(i)) for i in ("A1", "A2", "A3")]
        related = related_records(uow, cluster)
    return plan_merge(cluster, rule, related=related)


@pytest.fixture(params=["memory", "sqlite"])
def store(request: pytest.FixtureRequest) -> Store:
    made: Store = InMemoryStore() if request.param == "memory" else SqliteStore()
    _fill(made)
    return made


def test_account_merge_repoints_everything(store: Store) -> None:
    plan = _plan(store, SurvivorshipRule(strategy="oldest"))
    moved = [(r.kind, r.record_id, r.field, r.old_id) for r in plan.repoints]
    # Everything that named A2 or A3 now names A1; A1's own contact C2 and the records
    # about A9 stay as they are.
    assert moved == [
        ("account", "A9", "parent_id", "A2"),
        ("activity", "T1", "regarding", "A2"),
        ("case", "K1", "account_id", "A3"),
        ("contact", "C1", "account_id", "A2"),
        ("lead", "L1", "account_id", "A3"),
        ("opportunity", "O1", "account_id", "A2"),
    ]
    survivor = apply_merge(plan, store)
    assert survivor.id == "A1"
    assert survivor.version == 2
    after = _dump(store)
    assert [a.id for a in after["accounts"]] == ["A1", "A9"]
    assert after["accounts"][1].parent_id == "A1"
    assert {c.id: c.account_id for c in after["contacts"]} == {"C1": "A1", "C2": "A1"}
    assert after["leads"][0].account_id == "A1"
    assert {o.id: o.account_id for o in after["opportunities"]} == {"O1": "A1", "O2": "A9"}
    assert after["cases"][0].account_id == "A1"
    assert {t.id: t.regarding.id for t in after["activities"]} == {"T1": "A1", "T2": "A9"}


def test_contact_and_lead_merges() -> None:
    c1 = Contact(id=ContactId("C1"), last_name="Karimi", email="r@pars.ir")
    c2 = Contact(id=ContactId("C2"), last_name="Karimi", mobile="09121234567")
    opp = Opportunity(id=OpportunityId("O1"), name="x", contact_id=ContactId("C2"))
    call = Activity(
        id=ActivityId("T1"), kind="phone_call", subject="x", regarding=RecordRef.to(ContactId("C2"))
    )
    plan = plan_merge(
        [c1, c2], SurvivorshipRule(strategy="master", master_id="C1"), related=[opp, call, c2]
    )
    assert [r.explain()[0] for r in plan.repoints] == [
        "activity T1.regarding: C2 -> C1",
        "opportunity O1.contact_id: C2 -> C1",
    ]
    assert plan.survivor.mobile == "09121234567"  # type: ignore[union-attr]
    l1 = Lead(id=LeadId("L1"), last_name="Karimi")
    l2 = Lead(id=LeadId("L2"), last_name="Karimi", company="Pars")
    won = (
        Opportunity(id=OpportunityId("O9"), name="y", lead_id=LeadId("L2"))
        .win(Money("5", "IRR"), at(2026).date())
        .opportunity
    )
    plan = plan_merge([l1, l2], SurvivorshipRule(strategy="master", master_id="L1"), related=[won])
    # A closed opportunity is re-pointed too: the reference is data, not an edit of the deal.
    assert plan.related[0].lead_id == "L1"
    assert plan.explain() == (
        "keep lead L1",
        "company from lead L2",
        "opportunity O9.lead_id: L2 -> L1",
        "delete lead L2",
    )


def test_a_failure_mid_way_leaves_the_sqlite_store_unchanged() -> None:
    store = SqliteStore()
    _fill(store)
    plan = _plan(store, SurvivorshipRule(strategy="oldest"))
    # After planning, someone deletes the opportunity O1 (the last related record the
    # merge updates) : the merge has already re-pointed A9, T1, K1, C1 and L1 when it fails.
    with store.unit_of_work() as uow:
        uow.opportunities.delete(OpportunityId("O1"))
    before = _dump(store)
    with pytest.raises(NotFoundError, match="O1"):
        apply_merge(plan, store)
    assert _dump(store) == before


def test_a_stale_survivor_rolls_everything_back() -> None:
    store = SqliteStore()
    _fill(store)
    plan = _plan(store, SurvivorshipRule(strategy="oldest"))
    with store.unit_of_work() as uow:  # the survivor is edited after planning: version 2
        uow.accounts.update(uow.accounts.get(AccountId("A1")).edit(tier="gold"))
    before = _dump(store)
    with pytest.raises(ConcurrencyError, match="A1"):
        apply_merge(plan, store)  # fails at the very last step, after the deletes
    assert _dump(store) == before


def test_related_must_be_crm_records() -> None:
    with pytest.raises(ValidationError, match=r"plan_merge\.related: got \{'id': 'x'\}"):
        plan_merge([A1, A2], related=[{"id": "x"}])  # type: ignore[list-item]


def test_merging_a_parent_into_its_child_drops_the_link() -> None:
    child = Account(id=AccountId("A5"), name="Pars Rebar", parent_id=AccountId("A6"))
    parent = Account(id=AccountId("A6"), name="Pars Rebar Co.")
    plan = plan_merge([child, parent], SurvivorshipRule(strategy="master", master_id="A5"))
    assert plan.survivor.parent_id is None  # type: ignore[union-attr]
