"""Hypothesis strategies for the public types of crmcore.matching."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from crmcore.matching import (
    BlockingKey,
    BlockingMethod,
    DuplicateCluster,
    DuplicatePair,
    FieldRule,
    FieldScore,
    MatchMethod,
    MatchQuality,
    MatchRule,
    MatchRuleSet,
    Normalizer,
    RecordKey,
    RecordType,
    Repoint,
    Survivorship,
    SurvivorshipRule,
)

__all__ = [
    "MATCHING_STRATEGIES",
    "blocking_keys",
    "clusters",
    "field_rules",
    "pairs",
    "record_keys",
    "rule_sets",
    "rules",
    "survivorship_rules",
]

_ROW_FIELDS = ("name", "email", "phone", "national_id", "company")
unit = st.floats(0, 1, allow_nan=False)
ids = st.text(alphabet="ABC0123456789", min_size=1, max_size=6)
values = st.one_of(st.none(), st.text(alphabet="abc علی۱2@.", max_size=10))


@st.composite
def field_rules(draw: st.DrawFn) -> FieldRule:
    method = draw(st.sampled_from(MatchMethod))
    needs_length = method in (MatchMethod.SAME_FIRST, MatchMethod.SAME_LAST)
    return FieldRule(
        field=draw(st.sampled_from(_ROW_FIELDS)),
        other_field=draw(st.none() | st.sampled_from(_ROW_FIELDS)),
        method=method,
        normalizer=draw(st.sampled_from(Normalizer)),
        length=draw(st.integers(1, 9)) if needs_length else None,
        weight=draw(st.floats(0, 10, allow_nan=False)),
        cutoff=draw(unit),
        required=draw(st.booleans()),
        binary=draw(st.booleans()),
    )


@st.composite
def blocking_keys(draw: st.DrawFn) -> BlockingKey:
    method = draw(st.sampled_from(BlockingMethod))
    return BlockingKey(
        field=draw(st.sampled_from(_ROW_FIELDS)),
        other_field=draw(st.none() | st.sampled_from(_ROW_FIELDS)),
        method=method,
        normalizer=draw(st.sampled_from(Normalizer)),
        length=None if method is BlockingMethod.EXACT else draw(st.integers(1, 9)),
    )


def rules() -> st.SearchStrategy[MatchRule]:
    return st.builds(
        MatchRule,
        name=st.text(alphabet="abc -", min_size=1, max_size=10).filter(str.strip),
        record_type=st.just(RecordType.ROW),
        comparisons=st.lists(field_rules(), min_size=1, max_size=4),
        threshold=unit,
        blocking=st.lists(blocking_keys(), max_size=3),
        region=st.sampled_from(["IR", "US"]),
        strict=st.booleans(),
        columns=st.just(()) | st.just(_ROW_FIELDS),
    )


def rule_sets() -> st.SearchStrategy[MatchRuleSet]:
    return st.lists(rules(), min_size=1, max_size=3, unique_by=lambda r: r.name).map(
        lambda items: MatchRuleSet(rules=items)
    )


def record_keys() -> st.SearchStrategy[RecordKey]:
    return st.builds(RecordKey, st.sampled_from(RecordType), ids)


def field_scores() -> st.SearchStrategy[FieldScore]:
    return st.builds(
        FieldScore,
        field=st.sampled_from(_ROW_FIELDS),
        other_field=st.sampled_from(_ROW_FIELDS),
        method=st.sampled_from(MatchMethod),
        left=values,
        right=values,
        similarity=st.none() | unit,
        weight=st.floats(0, 10, allow_nan=False),
        matched=st.booleans(),
    )


def pairs() -> st.SearchStrategy[DuplicatePair]:
    return st.builds(
        DuplicatePair,
        rule=st.text(min_size=1, max_size=8),
        left=record_keys(),
        right=record_keys(),
        score=unit,
        threshold=unit,
        fields=st.lists(field_scores(), max_size=3).map(tuple),
    )


def clusters() -> st.SearchStrategy[DuplicateCluster]:
    return st.builds(
        DuplicateCluster,
        members=st.lists(record_keys(), min_size=2, max_size=4).map(tuple),
        pairs=st.lists(pairs(), max_size=2).map(tuple),
    )


def survivorship_rules() -> st.SearchStrategy[SurvivorshipRule]:
    strategy = st.sampled_from(Survivorship)
    return st.builds(
        SurvivorshipRule,
        strategy=st.sampled_from([s for s in Survivorship if s is not Survivorship.MASTER]),
        master_id=st.none() | ids,
        fields=st.dictionaries(st.sampled_from(["email", "phone", "city"]), strategy, max_size=2),
        fill_blanks=st.booleans(),
    )


MATCHING_STRATEGIES: dict[type[Any], Any] = {
    BlockingKey: blocking_keys,
    DuplicateCluster: clusters,
    DuplicatePair: pairs,
    FieldRule: field_rules,
    FieldScore: field_scores,
    MatchQuality: lambda: st.builds(
        MatchQuality,
        true_positives=st.integers(0, 99),
        false_positives=st.integers(0, 99),
        false_negatives=st.integers(0, 99),
    ),
    MatchRule: rules,
    MatchRuleSet: rule_sets,
    RecordKey: record_keys,
    Repoint: lambda: st.builds(
        Repoint,
        st.sampled_from(["opportunity", "activity", "case"]),
        ids,
        st.sampled_from(["account_id", "regarding"]),
        ids,
        ids,
    ),
    SurvivorshipRule: survivorship_rules,
}
"""A strategy per serialisable public type of crmcore.matching."""
