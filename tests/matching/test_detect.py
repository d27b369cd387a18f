"""Detection: hand-checked scores, explanations, blocking, clusters, order independence."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.matching import (
    BlockingKey,
    FieldRule,
    MatchRule,
    RecordKey,
    RecordType,
    check_record,
    check_records,
    cluster_duplicates,
    count_candidates,
    find_duplicates,
)
from crmcore.models import Account, AccountId, Contact, ContactId, Lead, LeadId


def name_and_email(threshold: float = 0.9) -> MatchRule:
    return MatchRule(
        name="people",
        record_type="row",
        threshold=threshold,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler", normalizer="person_name"),
            FieldRule(field="email", method="exact", normalizer="email", weight=2),
        ],
    )


def test_hand_checked_weighted_score() -> None:
    # Jaro-Winkler("martha", "marhta"): m = 6, t = 1 -> Jaro = (1 + 1 + 5/6)/3 = 0.9444;
    # common prefix 3 -> 0.9444 + 3·0.1·(1 − 0.9444) = 0.9611 (Winkler 1990's textbook pair).
    # Score = (1·0.9611 + 2·1) / 3 = 0.9870.
    records = [
        {"id": "1", "name": "Martha", "email": "m@x.ir"},
        {"id": "2", "name": "Marhta", "email": "M@X.IR"},
    ]
    [pair] = find_duplicates(records, name_and_email())
    assert pair.score == pytest.approx((0.961111 + 2) / 3, abs=1e-5)
    assert [f.field for f in pair.fields] == ["name", "email"]
    lines = pair.explain()
    assert lines[0] == "row 1 ~ row 2: score 0.987 >= 0.900 (rule people)"
    assert lines[1] == "name (jaro_winkler): 'martha' vs 'marhta' -> 0.961 x weight 1 (match)"
    assert lines[2] == "email (exact): 'm@x.ir' vs 'm@x.ir' -> 1.000 x weight 2 (match)"


def test_blank_values_are_left_out_of_the_score() -> None:
    # No e-mail on one side: only the name counts, 0.9611 / 1 >= 0.9.
    records = [
        {"id": "1", "name": "Martha", "email": ""},
        {"id": "2", "name": "Marhta", "email": "m@x.ir"},
    ]
    [pair] = find_duplicates(records, name_and_email())
    assert pair.score == pytest.approx(0.961111, abs=1e-5)
    assert pair.fields[1].similarity is None
    assert pair.explain()[2] == "email (exact): blank, not counted"


def test_below_threshold_and_required() -> None:
    records = [
        {"id": "1", "name": "Martha", "email": "a@x.ir"},
        {"id": "2", "name": "Marhta", "email": "b@x.ir"},
    ]
    # (1·0.9611 + 2·0) / 3 = 0.3204: a pair at threshold 0.3, none at 0.5.
    assert len(find_duplicates(records, name_and_email(threshold=0.3))) == 1
    assert find_duplicates(records, name_and_email(threshold=0.5)) == ()
    required = MatchRule(
        name="r",
        record_type="row",
        threshold=0.0,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler"),
            FieldRule(field="email", method="exact", required=True),
        ],
    )
    assert find_duplicates(records, required) == ()


def test_dynamics_conditions() -> None:
    rule = MatchRule(
        name="dyn",
        record_type="row",
        threshold=1.0,
        comparisons=[
            FieldRule(field="name", method="same_first", length=4, required=True),
            FieldRule(
                field="phone", method="same_last", length=7, normalizer="phone", required=True
            ),
            FieldRule(field="created", method="same_date", required=True),
        ],
    )
    records = [
        {
            "id": "1",
            "name": "Karimi Trading",
            "phone": "021 8888 1234",
            "created": "2026-03-01T09:00:00+03:30",
        },
        {"id": "2", "name": "Karim & Sons", "phone": "+98 21 88881234", "created": "2026-03-01"},
        {"id": "3", "name": "Karimi", "phone": "021 8888 1234", "created": "2026-03-02"},
    ]
    # 1 and 2: "kari" = "kari", last 7 digits "8881234" equal, same day -> duplicates.
    # 3 is a day later than both.
    pairs = find_duplicates(records, rule)
    assert [(p.left.id, p.right.id) for p in pairs] == [("1", "2")]


def test_same_date_on_entities_uses_the_own_date() -> None:
    rule = MatchRule(
        name="d",
        record_type="account",
        threshold=1,
        comparisons=[
            FieldRule(field="created_at", method="same_date", required=True),
            FieldRule(field="name", method="exact", normalizer="company_name"),
        ],
    )
    a = Account(
        id=AccountId("A1"), name="Pars Co.", created_at=datetime(2026, 3, 1, 23, 0, tzinfo=UTC)
    )
    b = Account(
        id=AccountId("A2"), name="Pars Ltd", created_at=datetime(2026, 3, 1, 1, 0, tzinfo=UTC)
    )
    assert len(find_duplicates([a, b], rule)) == 1


def test_lead_against_contacts_and_accounts() -> None:
    lead_contact = MatchRule(
        name="lead~contact",
        record_type="lead",
        matching_type="contact",
        threshold=0.85,
        comparisons=[
            FieldRule(field="full_name", method="token_set", normalizer="person_name"),
            FieldRule(field="phone", other_field="mobile", method="exact", normalizer="phone"),
        ],
    )
    lead_account = MatchRule(
        name="lead~account",
        record_type="lead",
        matching_type="account",
        threshold=0.9,
        comparisons=[
            FieldRule(
                field="company", other_field="name", method="token_set", normalizer="company_name"
            ),
        ],
    )
    lead = Lead(
        id=LeadId("L1"),
        first_name="رضا",
        last_name="کريمي",
        phone="۰۹۱۲۱۲۳۴۵۶۷",
        company="شرکت فولاد پارس",
    )
    contact = Contact(
        id=ContactId("C1"), first_name="Reza", last_name="Karimi", mobile="+989121234567"
    )
    other = Contact(id=ContactId("C2"), first_name="کریمی", last_name="رضا", mobile="09350000000")
    account = Account(id=AccountId("A1"), name="Pars Steel Ltd")
    account_fa = Account(id=AccountId("A2"), name="فولاد پارس سهامی خاص")
    pairs = find_duplicates(
        [lead, contact, other, account, account_fa], [lead_contact, lead_account]
    )
    found = [(p.rule, str(p.left), str(p.right)) for p in pairs]
    # C1: names in two scripts (token set 0) but the same phone: (0 + 1) / 2 = 0.5 < 0.85.
    # C2: same words in another order (token set 1.0) and another phone: 0.5 as well.
    # A2: "فولاد پارس" both sides after legal forms -> 1.0.
    assert found == [("lead~account", "lead L1", "account A2")]
    # Contacts never pair with contacts under a lead~contact rule.
    assert all(p.left.type is RecordType.LEAD for p in pairs)


def test_duplicate_ids_and_missing_columns_are_refused() -> None:
    with pytest.raises(ValidationError, match=r"records\[1\]\.id: got '1'"):
        find_duplicates(
            [{"id": "1", "name": "a", "email": ""}, {"id": "1", "name": "b", "email": ""}],
            name_and_email(),
        )
    with pytest.raises(ValidationError, match="got 'email'"):
        find_duplicates([{"id": "1", "name": "a"}], name_and_email())
    with pytest.raises(ValidationError, match=r"record\.id"):
        find_duplicates([{"name": "a", "email": ""}], name_and_email())
    with pytest.raises(ValidationError, match=r"RecordType\.record"):
        find_duplicates([42], name_and_email())


def test_clusters_are_transitive() -> None:
    rule = MatchRule(
        name="phone",
        record_type="row",
        threshold=1,
        comparisons=[FieldRule(field="phone", method="same_last", length=4)],
    )
    records = [
        {"id": str(i), "phone": p}
        for i, p in enumerate(["x1111", "y1111", "z2222", "w2222", "v3333"])
    ]
    clusters = cluster_duplicates(find_duplicates(records, rule))
    assert [[m.id for m in c.members] for c in clusters] == [["0", "1"], ["2", "3"]]
    assert clusters[0].explain()[0] == "2 records: row 0, row 1"


# -- properties ------------------------------------------------------------------------------------

NAMES = [
    "Martha",
    "Marhta",
    "Reza Karimi",
    "Karimi Reza",
    "Sara Ahmadi",
    "Sarah Ahmadi",
    "علی رضایی",
    "علي رضائي",
]
EMAILS = ["", "a@x.ir", "A@x.ir", "b@x.ir"]

rows = st.lists(
    st.fixed_dictionaries({"name": st.sampled_from(NAMES), "email": st.sampled_from(EMAILS)}),
    min_size=2,
    max_size=12,
).map(lambda items: [{"id": f"r{i}", **item} for i, item in enumerate(items)])


@settings(max_examples=60)
@given(rows, st.randoms(use_true_random=False))
def test_results_do_not_depend_on_input_order(
    records: list[dict[str, str]], rnd: random.Random
) -> None:
    rule = name_and_email(threshold=0.8)
    shuffled = records[:]
    rnd.shuffle(shuffled)
    assert find_duplicates(shuffled, rule) == find_duplicates(records, rule)
    clusters = cluster_duplicates(find_duplicates(records, rule))
    assert cluster_duplicates(reversed(find_duplicates(records, rule))) == clusters


@settings(max_examples=60)
@given(rows)
def test_blocking_keeps_every_pair_that_shares_a_required_key(
    records: list[dict[str, str]],
) -> None:
    # A rule whose e-mail is required: every duplicate shares the normalised e-mail, so
    # blocking on it must find exactly the pairs a comparison of all pairs finds.
    rule = MatchRule(
        name="r",
        record_type="row",
        threshold=0.5,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler"),
            FieldRule(field="email", method="exact", normalizer="email", required=True),
        ],
    )
    everything = MatchRule(
        name="r",
        record_type="row",
        threshold=0.5,
        comparisons=rule.comparisons,
        blocking=[BlockingKey(field="id", method="prefix", length=1)],
    )
    assert find_duplicates(records, rule) == find_duplicates(records, everything)
    n = len(records)
    assert count_candidates(records, everything) == n * (n - 1) // 2


@settings(max_examples=40)
@given(rows)
def test_check_record_is_find_duplicates_for_one_record(records: list[dict[str, str]]) -> None:
    rule = name_and_email(threshold=0.8)
    *existing, new = records
    expected = tuple(
        p for p in find_duplicates(records, rule) if new["id"] in (p.left.id, p.right.id)
    )
    assert check_record(new, existing, rule) == expected


def test_record_key_order() -> None:
    assert sorted([RecordKey("lead", "2"), RecordKey("account", "9"), RecordKey("lead", "10")]) == [
        RecordKey("account", "9"),
        RecordKey("lead", "10"),
        RecordKey("lead", "2"),
    ]


@settings(max_examples=40)
@given(rows)
def test_numpy_and_python_backends_agree(records: list[dict[str, str]]) -> None:
    rule = MatchRule(
        name="r",
        record_type="row",
        threshold=0.5,
        comparisons=[
            FieldRule(field="name", method="jaro_winkler", cutoff=0.7),
            FieldRule(field="name", method="token_set", normalizer="person_name"),
            FieldRule(field="email", method="exact", normalizer="email", weight=2),
        ],
        blocking=[BlockingKey(field="id", method="prefix", length=1)],
    )
    assert find_duplicates(records, rule, backend="numpy") == find_duplicates(
        records, rule, backend="python"
    )


def test_bad_backend() -> None:
    with pytest.raises(ValidationError, match=r"find_duplicates\.backend: got 'gpu'"):
        find_duplicates([], name_and_email(), backend="gpu")  # type: ignore[arg-type]


def test_check_records_never_compares_existing_with_existing() -> None:
    rule = MatchRule(
        name="email",
        record_type="row",
        threshold=1,
        comparisons=[FieldRule(field="email", method="exact", normalizer="email")],
    )
    existing = [
        {"id": "1", "email": "a@x.ir"},
        {"id": "2", "email": "A@x.ir"},
        {"id": "3", "email": "b@x.ir"},
    ]
    new = [
        {"id": "8", "email": "b@X.ir"},
        {"id": "9", "email": "c@x.ir"},
        {"id": "7", "email": "C@x.ir"},
    ]
    found = [(p.left.id, p.right.id) for p in check_records(new, existing, rule)]
    # 1~2 share an address but are both existing: not reported. 3~8 new vs existing, 7~9 new vs new.
    assert found == [("3", "8"), ("7", "9")]
    # The stored copy of a new record is not its own duplicate.
    assert check_records([{"id": "1", "email": "a@x.ir"}], existing[:1], rule) == ()


def test_strict_rules_name_the_record_field_and_value() -> None:
    rule = MatchRule(
        name="phone",
        record_type="row",
        threshold=1,
        strict=True,
        comparisons=[FieldRule(field="phone", method="exact", normalizer="phone")],
    )
    records = [{"id": "1", "phone": "09121234567"}, {"id": "2", "phone": "0912"}]
    with pytest.raises(ValidationError, match=r"row 2\.phone: got '0912'; expected a valid phone"):
        find_duplicates(records, rule)
    lenient = attrs.evolve(rule, strict=False)
    assert find_duplicates(records, lenient) == ()
