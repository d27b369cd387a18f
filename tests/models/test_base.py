"""Typed ids, FrozenMap, lead sources and record references."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from crmcore.errors import ValidationError
from crmcore.models import (
    AccountId,
    CaseId,
    ContactId,
    EntityId,
    FrozenMap,
    LeadId,
    LeadSource,
    OpportunityId,
    RecordKind,
    RecordRef,
    UserId,
)
from tests.strategies import entity_ids, frozen_maps


@pytest.mark.parametrize("value", ["", "   ", None, 7, "x" * 201])
def test_ids_refuse_blank_or_non_strings(value: object) -> None:
    with pytest.raises(ValidationError) as info:
        LeadId(value)  # type: ignore[arg-type]
    assert info.value.obj == "LeadId"


def test_ids_are_strings_of_their_own_type() -> None:
    lead = LeadId("L1")
    assert lead == "L1"
    assert isinstance(lead, str)
    assert type(lead) is LeadId
    assert repr(lead) == "LeadId('L1')"
    fresh = {AccountId.new() for _ in range(50)}
    assert len(fresh) == 50  # random ids do not repeat
    assert all(type(i) is AccountId and len(i) == 32 for i in fresh)


@settings(max_examples=50)
@given(entity_ids())
def test_ids_compare_as_their_text(value: EntityId) -> None:
    assert type(value)(str(value)) == value
    assert hash(type(value)(str(value))) == hash(value)


def test_frozen_map_is_immutable_and_hashable() -> None:
    m = FrozenMap({"industry": "retail"}, tier="gold")
    assert dict(m) == {"industry": "retail", "tier": "gold"}
    assert m == {"industry": "retail", "tier": "gold"}
    assert hash(m) == hash(FrozenMap(tier="gold", industry="retail"))
    changed = m.set("tier", "silver")
    assert m["tier"] == "gold"
    assert changed["tier"] == "silver"
    with pytest.raises(TypeError):
        m["tier"] = "x"  # type: ignore[index]
    assert repr(FrozenMap(a="b")) == "FrozenMap({'a': 'b'})"


@settings(max_examples=50)
@given(frozen_maps())
def test_frozen_map_equals_a_copy(value: FrozenMap[str, str]) -> None:
    copy = FrozenMap(dict(value))
    assert copy == value
    assert hash(copy) == hash(value)
    assert len(copy) == len(value)


def test_lead_sources_standard_and_custom() -> None:
    assert len(LeadSource.STANDARD) == 8
    assert {s.code for s in LeadSource.STANDARD} == {
        "website",
        "campaign",
        "trade_show",
        "social_media",
        "pay_per_click",
        "purchased_list",
        "referral",
        "other",
    }
    assert LeadSource("trade_show") == LeadSource.TRADE_SHOW
    assert LeadSource.TRADE_SHOW.is_standard
    podcast = LeadSource("podcast")
    assert not podcast.is_standard
    assert str(podcast) == "podcast"


@pytest.mark.parametrize("code", ["", "Trade Show", "-x", "x" * 65, 5])
def test_lead_source_codes_are_slugs(code: object) -> None:
    with pytest.raises(ValidationError) as info:
        LeadSource(code)  # type: ignore[arg-type]
    assert info.value.field == "code"


@pytest.mark.parametrize(
    ("entity_id", "kind"),
    [
        (AccountId("a"), RecordKind.ACCOUNT),
        (ContactId("c"), RecordKind.CONTACT),
        (LeadId("l"), RecordKind.LEAD),
        (OpportunityId("o"), RecordKind.OPPORTUNITY),
        (CaseId("k"), RecordKind.CASE),
    ],
)
def test_record_ref_from_typed_id(entity_id: EntityId, kind: RecordKind) -> None:
    assert RecordRef.to(entity_id) == RecordRef(kind, str(entity_id))


def test_record_ref_refuses_ids_that_name_no_record() -> None:
    with pytest.raises(ValidationError, match="UserId"):
        RecordRef.to(UserId("u"))
    with pytest.raises(ValidationError):
        RecordRef("planet", "x")
