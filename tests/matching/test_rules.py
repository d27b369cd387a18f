"""Rules as data: validation naming field and value, JSON/TOML round trips, blocking keys."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ValidationError
from crmcore.matching import (
    BlockingKey,
    FieldRule,
    MatchRule,
    MatchRuleSet,
    RecordType,
    blocking_key,
    key_of,
    record_blocking_keys,
    rule_blocking_keys,
)
from crmcore.models import Account, AccountId, Lead, LeadId
from crmcore.serialization import from_dict, from_json, load_toml, to_dict, to_json


def _rule(**changes: object) -> MatchRule:
    data: dict[str, object] = {
        "name": "r",
        "record_type": "lead",
        "matching_type": "contact",
        "threshold": 0.8,
        "comparisons": [FieldRule(field="email", method="exact", normalizer="email")],
    }
    data.update(changes)
    return MatchRule(**data)  # type: ignore[arg-type]


def test_unknown_field_names_the_field_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        _rule(
            comparisons=[
                FieldRule(field="full_name", method="exact"),
                FieldRule(field="company", other_field="colour", method="exact"),
            ]
        )
    assert info.value.field == "comparisons[1].other_field"
    assert info.value.value == "colour"
    assert "mobile" in (info.value.expected or "")  # the accepted fields of a contact are listed


def test_lead_field_on_contact_side_is_refused() -> None:
    # A contact has no 'company': a lead-vs-contact rule on 'company' without other_field fails.
    with pytest.raises(ValidationError, match=r"comparisons\[0\]\.field: got 'company'"):
        _rule(comparisons=[FieldRule(field="company", method="exact")])


def test_custom_fields_are_accepted() -> None:
    assert _rule(comparisons=[FieldRule(field="custom.national_id", method="exact")])


@pytest.mark.parametrize("weight", [-0.5, -1, float("nan"), float("inf"), "2", True])
def test_bad_weight(weight: object) -> None:
    with pytest.raises(ValidationError) as info:
        FieldRule(field="email", method="exact", weight=weight)  # type: ignore[arg-type]
    assert info.value.field == "weight"
    assert repr(weight) in str(info.value)


@pytest.mark.parametrize("threshold", [-0.01, 1.01, 2, float("nan")])
def test_bad_threshold(threshold: float) -> None:
    with pytest.raises(ValidationError) as info:
        _rule(threshold=threshold)
    assert info.value.field == "threshold"


def test_bad_cutoff_and_length() -> None:
    with pytest.raises(ValidationError, match=r"FieldRule\.cutoff: got 1\.5"):
        FieldRule(field="email", method="jaro_winkler", cutoff=1.5)
    with pytest.raises(ValidationError, match=r"FieldRule\.length: got None; expected a count"):
        FieldRule(field="phone", method="same_last")
    with pytest.raises(ValidationError, match=r"FieldRule\.length: got 3; expected None"):
        FieldRule(field="phone", method="exact", length=3)


def test_unknown_method_lists_the_choices() -> None:
    with pytest.raises(ValidationError, match="'exact', 'same_first'"):
        FieldRule(field="email", method="soundex")


def test_rule_names_are_unique_in_a_set() -> None:
    with pytest.raises(ValidationError, match=r"rules\[1\]\.name: got 'r'"):
        MatchRuleSet(rules=[_rule(), _rule()])


def test_rules_from_json_report_every_bad_field_by_path() -> None:
    text = """{"rules": [{"name": "x", "record_type": "contact", "threshold": 1.5,
      "comparisons": [{"field": "email", "method": "exact", "weight": -2}]}]}"""
    with pytest.raises(ValidationError) as info:
        from_json(text, MatchRuleSet)
    paths = info.value.paths
    assert "rules[0].threshold" in paths
    assert "rules[0].comparisons[0].weight" in paths


def test_unknown_field_from_json() -> None:
    text = """{"rules": [{"name": "x", "record_type": "contact", "threshold": 0.5,
      "comparisons": [{"field": "emial", "method": "exact"}]}]}"""
    with pytest.raises(ValidationError, match="emial"):
        from_json(text, MatchRuleSet)


def test_toml_rules() -> None:
    text = """
[[rules]]
name = "lead vs account"
record_type = "lead"
matching_type = "account"
threshold = 0.85

[[rules.comparisons]]
field = "company"
other_field = "name"
method = "token_set"
normalizer = "company_name"
weight = 2

[[rules.comparisons]]
field = "phone"
method = "same_last"
length = 7
normalizer = "phone"
"""
    rules = load_toml(text, MatchRuleSet)
    rule = rules.rules[0]
    assert rule.threshold == 0.85
    assert isinstance(rule.threshold, float)
    assert rule.comparisons[0].matched_field == "name"
    assert from_dict(to_dict(rules), MatchRuleSet) == rules


comparisons = st.builds(
    FieldRule,
    field=st.sampled_from(["email", "phone", "full_name"]),
    method=st.sampled_from(["exact", "jaro_winkler", "token_set", "same_date"]),
    normalizer=st.sampled_from(["text", "email", "phone", "person_name"]),
    weight=st.floats(0, 10, allow_nan=False),
    cutoff=st.floats(0, 1, allow_nan=False),
    required=st.booleans(),
)
rules = st.builds(
    MatchRule,
    name=st.text(alphabet="abc ", min_size=1, max_size=8).filter(str.strip),
    record_type=st.sampled_from(["lead", "contact"]),
    threshold=st.floats(0, 1, allow_nan=False),
    comparisons=st.lists(comparisons, min_size=1, max_size=4),
)


@settings(max_examples=60)
@given(rules)
def test_json_round_trip(rule: MatchRule) -> None:
    assert from_json(to_json(MatchRuleSet(rules=[rule])), MatchRuleSet).rules == (rule,)


# -- blocking keys -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "method", "length", "expected"),
    [
        ("reza karimi", "exact", None, "reza karimi"),
        ("reza karimi", "prefix", 6, "rezaka"),  # spaces removed before cutting
        ("reza karimi", "suffix", 4, "rimi"),
        ("reza karimi", "sorted_prefix", 8, "karimire"),  # "karimi" < "reza"
        ("karimi reza", "sorted_prefix", 8, "karimire"),  # word order free
        ("ab", "prefix", 5, "ab"),  # shorter than the length: itself
        (None, "exact", None, None),
    ],
)
def test_key_of(value: str | None, method: str, length: int | None, expected: str | None) -> None:
    assert key_of(value, method, length) == expected


def test_blocking_key_normalises_first() -> None:
    key = BlockingKey(field="phone", method="suffix", length=7, normalizer="phone")
    # +98 912 123 4567 -> last 7 of "+989121234567" = "1234567"
    assert blocking_key("۰۹۱۲-۱۲۳-۴۵۶۷", key) == "1234567"
    name = BlockingKey(field="name", method="prefix", length=4, normalizer="company_name")
    assert blocking_key("شركت فولاد پارس", name) == blocking_key("فولاد پارس سهامی خاص", name)


def test_derived_keys() -> None:
    rule = MatchRule(
        name="r",
        record_type="contact",
        threshold=0.8,
        comparisons=[
            FieldRule(field="full_name", method="jaro_winkler", normalizer="person_name"),
            FieldRule(field="last_name", method="token_set"),
            FieldRule(field="mobile", method="same_last", length=7, normalizer="phone"),
            FieldRule(field="created_at", method="same_date"),
        ],
    )
    keys = [
        (k.field, k.method.value, k.length, k.normalizer.value) for k in rule_blocking_keys(rule)
    ]
    assert keys == [
        ("full_name", "prefix", 3, "person_name"),
        ("last_name", "sorted_prefix", 3, "text"),
        ("mobile", "suffix", 7, "phone"),
        ("created_at", "exact", None, "date"),
    ]


def test_explicit_blocking_wins_and_crosses_types() -> None:
    rule = MatchRule(
        name="lead vs account",
        record_type=RecordType.LEAD,
        matching_type=RecordType.ACCOUNT,
        threshold=0.8,
        comparisons=[
            FieldRule(
                field="company", other_field="name", method="token_set", normalizer="company_name"
            )
        ],
        blocking=[
            BlockingKey(
                field="company",
                other_field="name",
                method="prefix",
                length=4,
                normalizer="company_name",
            )
        ],
    )
    lead = Lead(id=LeadId("L1"), last_name="Karimi", company="شرکت فولاد پارس")
    account = Account(id=AccountId("A1"), name="فولاد پارس (سهامی خاص)")
    assert record_blocking_keys(lead, rule) == ("0:فولا",)
    assert record_blocking_keys(account, rule, matched=True) == ("0:فولا",)
