"""Duplicate detection and merging for leads, contacts and accounts, Persian-aware.

- **Normalisation** (pure, composable, idempotent): :func:`normalize_text`
  (Persian/Arabic letter variants, diacritics, tatweel, zero-width
  non-joiner, digits of every script, punctuation), :func:`normalize_person_name`,
  :func:`normalize_company_name`, :func:`normalize_email`,
  :func:`normalize_phone` (E.164 through ``phonenumbers``),
  :func:`normalize_national_id` and :func:`normalize_company_id` with their
  check digits.
- **Rules** as data (:class:`MatchRule` of :class:`FieldRule` comparisons,
  a :class:`MatchRuleSet` per file): Dynamics 365's conditions (exact, same
  first/last characters, same date) and similarities (Jaro-Winkler,
  token-set ratio) with weights and a threshold, across record types.
- **Blocking**: :func:`rule_blocking_keys`, :func:`record_blocking_keys`,
  :func:`blocking_key` and :func:`key_of` (simple enough to compute in SQL).
- **Detection**: :func:`find_duplicates` (scored, explained pairs),
  :func:`cluster_duplicates` (union-find), :func:`check_record` and
  :func:`check_records` (new records against a set);
  :class:`DuplicateTally` (the same, fed a chunk of records at a time,
  holding only the folded values the rules compare).
- **Merging**: :func:`plan_merge` (pure: survivor, field sources,
  references to re-point under a :class:`SurvivorshipRule`),
  :func:`related_records` and :func:`apply_merge` (one unit of work: all
  or nothing).
- **Quality**: :func:`synthetic_customers` (a seeded, labelled Persian
  customer list) and :func:`match_quality` (precision, recall, F1).

The optional extra ``matching`` (rapidfuzz, phonenumbers) is imported on
first use; without it those functions raise :class:`~crmcore.errors.MatchingError`.

>>> normalize_person_name("آقاي علي كريمي") == normalize_person_name("علی کریمی")
True
>>> normalize_phone("۰۹۱۲۱۲۳۴۵۶۷") == normalize_phone("+98 912 123 4567")
True
"""

from crmcore.matching._blocking import (
    blocking_key,
    field_value,
    key_of,
    normalizer_function,
    record_blocking_keys,
    rule_blocking_keys,
)
from crmcore.matching._detect import (
    DuplicateCluster,
    DuplicatePair,
    FieldScore,
    RecordKey,
    check_record,
    check_records,
    cluster_duplicates,
    comparator,
    count_candidates,
    find_duplicates,
)
from crmcore.matching._identifiers import (
    is_valid_company_id,
    is_valid_national_id,
    normalize_company_id,
    normalize_national_id,
    normalize_phone,
)
from crmcore.matching._merge import (
    MergePlan,
    Party,
    Repoint,
    Survivorship,
    SurvivorshipRule,
    apply_merge,
    plan_merge,
    related_records,
)
from crmcore.matching._normalize import (
    LEGAL_FORMS,
    ascii_digits,
    compact,
    normalize_company_name,
    normalize_email,
    normalize_person_name,
    normalize_text,
)
from crmcore.matching._rules import (
    BlockingKey,
    BlockingMethod,
    FieldRule,
    MatchMethod,
    MatchRule,
    MatchRuleSet,
    Normalizer,
    RecordType,
    known_fields,
)
from crmcore.matching._synthetic import (
    VARIANTS,
    MatchQuality,
    SyntheticCustomers,
    match_quality,
    synthetic_customers,
)
from crmcore.matching._tally import DuplicateTally

__all__ = [
    "LEGAL_FORMS",
    "VARIANTS",
    "BlockingKey",
    "BlockingMethod",
    "DuplicateCluster",
    "DuplicatePair",
    "DuplicateTally",
    "FieldRule",
    "FieldScore",
    "MatchMethod",
    "MatchQuality",
    "MatchRule",
    "MatchRuleSet",
    "MergePlan",
    "Normalizer",
    "Party",
    "RecordKey",
    "RecordType",
    "Repoint",
    "Survivorship",
    "SurvivorshipRule",
    "SyntheticCustomers",
    "apply_merge",
    "ascii_digits",
    "blocking_key",
    "check_record",
    "check_records",
    "cluster_duplicates",
    "compact",
    "comparator",
    "count_candidates",
    "field_value",
    "find_duplicates",
    "is_valid_company_id",
    "is_valid_national_id",
    "key_of",
    "known_fields",
    "match_quality",
    "normalize_company_id",
    "normalize_company_name",
    "normalize_email",
    "normalize_national_id",
    "normalize_person_name",
    "normalize_phone",
    "normalize_text",
    "normalizer_function",
    "plan_merge",
    "record_blocking_keys",
    "related_records",
    "rule_blocking_keys",
    "synthetic_customers",
]
