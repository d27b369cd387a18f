"""Duplicate rules as data (private; see ``crmcore.matching``).

A :class:`MatchRule` is what Dynamics 365 calls a duplicate detection rule:
a base record type, a matching record type and field conditions; here each
condition also has a weight, and similarity methods (Jaro-Winkler,
token-set ratio) sit beside the exact ones. Rules are frozen attrs classes,
so :mod:`crmcore.serialization` reads and writes them as JSON or TOML; no
expression is ever evaluated.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.models import Account, Contact, Lead


class _Choice(enum.StrEnum):
    """Base of the matching enums: an unknown value raises ValidationError."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        raise ValidationError(
            obj=cls.__name__,
            value=value,
            expected="one of " + ", ".join(repr(member.value) for member in cls),
        )


class RecordType(_Choice):
    """The kind of record a rule reads: an entity of crmcore, or a plain row.

    ``row`` is any mapping with an ``id`` key (a CSV row, a dict from the
    caller's own store); its fields are its keys.
    """

    LEAD = "lead"
    CONTACT = "contact"
    ACCOUNT = "account"
    ROW = "row"

    @classmethod
    def of(cls, record: object) -> RecordType:
        """The type of ``record``; ValidationError for anything else.

        >>> from crmcore.models import AccountId
        >>> RecordType.of({"id": "1"}), RecordType.of(Account(id=AccountId("a"), name="Pars"))
        (<RecordType.ROW: 'row'>, <RecordType.ACCOUNT: 'account'>)
        """
        for kind, entity in _ENTITIES.items():
            if isinstance(record, entity):
                return kind
        if isinstance(record, Mapping):
            return cls.ROW
        raise ValidationError(
            obj="RecordType",
            field="record",
            value=record,
            expected="a Lead, Contact, Account or a mapping with an 'id'",
        )


_ENTITIES: dict[RecordType, type[Any]] = {
    RecordType.LEAD: Lead,
    RecordType.CONTACT: Contact,
    RecordType.ACCOUNT: Account,
}


class MatchMethod(_Choice):
    """How two field values are compared.

    The first four are Dynamics 365's duplicate-rule criteria (exact match,
    same first characters, same last characters, same date) and score 1 or
    0; the last two are similarities in [0, 1] computed by rapidfuzz.
    """

    EXACT = "exact"
    SAME_FIRST = "same_first"
    """The first ``length`` characters are equal (after normalisation)."""
    SAME_LAST = "same_last"
    """The last ``length`` characters are equal (phone numbers: the subscriber part)."""
    SAME_DATE = "same_date"
    """The same calendar day (a datetime's own date)."""
    JARO_WINKLER = "jaro_winkler"
    """Jaro-Winkler similarity (prefix weight 0.1), for names with typos."""
    TOKEN_SET = "token_set"  # noqa: S105 - a method name, not a password
    """Token-set ratio / 100: word order and repeated words do not matter."""

    @property
    def is_similarity(self) -> bool:
        """Whether the method gives a graded similarity (not 1 or 0)."""
        return self in (MatchMethod.JARO_WINKLER, MatchMethod.TOKEN_SET)


class Normalizer(_Choice):
    """Which normaliser prepares a field before it is compared."""

    NONE = "none"
    """The value as written (stripped)."""
    TEXT = "text"
    """:func:`~crmcore.matching.normalize_text`."""
    COMPACT = "compact"
    """:func:`~crmcore.matching.compact` (spaces removed)."""
    PERSON_NAME = "person_name"
    """:func:`~crmcore.matching.normalize_person_name`."""
    COMPANY_NAME = "company_name"
    """:func:`~crmcore.matching.normalize_company_name`."""
    EMAIL = "email"
    """:func:`~crmcore.matching.normalize_email`."""
    PHONE = "phone"
    """:func:`~crmcore.matching.normalize_phone` (region of the rule)."""
    NATIONAL_ID = "national_id"
    """:func:`~crmcore.matching.normalize_national_id` (invalid IDs are blank)."""
    COMPANY_ID = "company_id"
    """:func:`~crmcore.matching.normalize_company_id` (invalid IDs are blank)."""
    DATE = "date"
    """A date or datetime as its ISO day, ``YYYY-MM-DD``."""


class BlockingMethod(_Choice):
    """How a blocking key is made from a normalised value (see :func:`blocking_key`)."""

    EXACT = "exact"
    """The normalised value itself."""
    PREFIX = "prefix"
    """The first ``length`` characters, spaces removed."""
    SUFFIX = "suffix"
    """The last ``length`` characters, spaces removed."""
    SORTED_PREFIX = "sorted_prefix"
    """The first ``length`` characters of the words sorted and joined (word order free)."""


def _optional_record_type(value: object) -> RecordType | None:
    return None if value is None else RecordType(cast(str, value))


def _number(*, low: float, high: float | None = None) -> check.Check:
    """attrs validator: a finite float (or int) within ``[low, high]``."""

    def validate(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        ok = (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value >= low
            and (high is None or value <= high)
        )
        if not ok:
            bounds = f"between {low} and {high}" if high is not None else f">= {low}"
            raise ValidationError(
                obj=type(instance).__name__,
                field=attribute.name,
                value=value,
                expected=f"a number {bounds}",
            )

    return validate


def _to_float(value: Any) -> Any:
    # TOML writes 0.8 as a Decimal (crmcore.serialization reads exactly); rules hold floats.
    if isinstance(value, (int, float)) or not hasattr(value, "as_integer_ratio"):
        return value
    return float(value)


@attrs.frozen(kw_only=True)
class FieldRule:
    """One comparison of a :class:`MatchRule`: a field, a method, a weight.

    ``field`` is read on the rule's record type and ``other_field`` (default:
    the same name) on its matching type, both through ``normalizer``.
    ``length`` is the character count of ``same_first``/``same_last``.
    A similarity below ``cutoff`` counts as 0 (and, when ``binary``, one at
    or above it counts as 1). A ``required`` comparison
    must match (similarity >= ``cutoff``, or equal for the exact methods),
    else the pair is not a duplicate whatever its score: Dynamics 365's
    conditions are all required. A blank value on either side leaves the
    comparison out of the score (Dynamics' "ignore blank values"), and fails
    a required comparison.

    >>> FieldRule(field="email", method="exact", normalizer="email").weight
    1.0
    >>> FieldRule(field="email", method="exact", weight=-1)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: FieldRule.weight: got -1; expected a number >= 0
    """

    field: str = attrs.field(validator=check.text(max_length=100))
    method: MatchMethod = attrs.field(converter=MatchMethod)
    other_field: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    normalizer: Normalizer = attrs.field(default=Normalizer.TEXT, converter=Normalizer)
    length: int | None = attrs.field(default=None, validator=check.in_range(1, optional=True))
    weight: float = attrs.field(default=1.0, converter=_to_float, validator=_number(low=0))
    cutoff: float = attrs.field(default=0.0, converter=_to_float, validator=_number(low=0, high=1))
    required: bool = attrs.field(default=False, validator=check.instance_of(bool))
    binary: bool = attrs.field(default=False, validator=check.instance_of(bool))
    """Count a similarity at or above ``cutoff`` as 1 (recordlinkage's thresholded compare)."""

    def __attrs_post_init__(self) -> None:
        needs_length = self.method in (MatchMethod.SAME_FIRST, MatchMethod.SAME_LAST)
        if needs_length != (self.length is not None):
            raise ValidationError(
                obj="FieldRule",
                field="length",
                value=self.length,
                expected=f"{'a count >= 1' if needs_length else 'None'} for method "
                f"{self.method.value!r}",
            )

    @property
    def matched_field(self) -> str:
        """The field read on the matching record."""
        return self.other_field or self.field


@attrs.frozen(kw_only=True)
class BlockingKey:
    """A blocking key: records are compared only when they share a key.

    Built from ``field`` (on the record type) and ``other_field`` (on the
    matching type) through ``normalizer``, then ``method`` and ``length``;
    see :func:`~crmcore.matching.blocking_key` for the exact value, which a
    caller can compute in SQL on their own store.
    """

    field: str = attrs.field(validator=check.text(max_length=100))
    method: BlockingMethod = attrs.field(default=BlockingMethod.EXACT, converter=BlockingMethod)
    other_field: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=100)
    )
    normalizer: Normalizer = attrs.field(default=Normalizer.TEXT, converter=Normalizer)
    length: int | None = attrs.field(default=None, validator=check.in_range(1, optional=True))

    def __attrs_post_init__(self) -> None:
        needs_length = self.method is not BlockingMethod.EXACT
        if needs_length != (self.length is not None):
            raise ValidationError(
                obj="BlockingKey",
                field="length",
                value=self.length,
                expected=f"{'a count >= 1' if needs_length else 'None'} for method "
                f"{self.method.value!r}",
            )

    @property
    def matched_field(self) -> str:
        """The field read on the matching record."""
        return self.other_field or self.field


def _field_rules(value: Iterable[FieldRule]) -> tuple[FieldRule, ...]:
    return tuple(value)


def _blocking_keys(value: Iterable[BlockingKey]) -> tuple[BlockingKey, ...]:
    return tuple(value)


def _columns(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        raise ValidationError(
            obj="MatchRule", field="columns", value=value, expected="a list of column names"
        )
    return tuple(value)


_EXTRA_FIELDS = {
    RecordType.LEAD: frozenset({"full_name"}),
    RecordType.CONTACT: frozenset({"full_name"}),
    RecordType.ACCOUNT: frozenset(),
}


def known_fields(record_type: RecordType, columns: Iterable[str] = ()) -> frozenset[str] | None:
    """The field names a rule may read on ``record_type`` (``None``: any, for rows).

    Entities offer their attrs fields, ``full_name`` for leads and contacts,
    and ``custom.<key>`` for custom fields (not listed). Rows offer their
    ``columns`` when the rule names them, else any key.

    >>> sorted(known_fields(RecordType.CONTACT))[:4]
    ['account_id', 'created_at', 'custom', 'email']
    """
    record_type = RecordType(record_type)
    if record_type is RecordType.ROW:
        names = frozenset(columns)
        return names or None
    entity = _ENTITIES[record_type]
    return frozenset(a.name for a in attrs.fields(entity)) | _EXTRA_FIELDS[record_type]


def _check_field(name: str, allowed: frozenset[str] | None, path: str, rule: str) -> None:
    if allowed is None or name in allowed or name.startswith("custom."):
        return
    raise ValidationError(
        obj=f"MatchRule {rule!r}",
        field=path,
        value=name,
        expected="a field among: " + ", ".join(sorted(allowed)),
    )


@attrs.frozen(kw_only=True)
class MatchRule:
    """A duplicate rule: which records, which comparisons, what score is a duplicate.

    A pair's score is Σ weight·similarity / Σ weight over the comparisons
    whose values are not blank on either side; the pair is a duplicate when
    the score reaches ``threshold`` and every required comparison matched.
    ``record_type`` is the base type and ``matching_type`` (default: the
    same) the type it is checked against, so one rule finds a lead that is
    already a contact. ``blocking`` lists the keys that make candidate
    pairs; empty means keys derived from the comparisons
    (:func:`~crmcore.matching.rule_blocking_keys`). ``region`` is the
    default region of phone numbers. With ``strict``, a phone number,
    e-mail or ID that its normaliser cannot read is an error naming the
    record, field and value (else it counts as blank). For rows, ``columns`` names the
    fields that exist (empty: not checked before detection).

    Every field name is checked against the record types:

    >>> MatchRule(name="lead vs contact", record_type="lead", matching_type="contact",
    ...           threshold=0.9, comparisons=[FieldRule(field="emial", method="exact")])
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: MatchRule 'lead vs contact'.comparisons[0].field: got 'emial'; expected a field among: ...
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    record_type: RecordType = attrs.field(converter=RecordType)
    comparisons: tuple[FieldRule, ...] = attrs.field(
        converter=_field_rules, validator=check.items_of(FieldRule, min_items=1)
    )
    threshold: float = attrs.field(converter=_to_float, validator=_number(low=0, high=1))
    matching_type: RecordType | None = attrs.field(default=None, converter=_optional_record_type)
    blocking: tuple[BlockingKey, ...] = attrs.field(
        factory=tuple, converter=_blocking_keys, validator=check.items_of(BlockingKey)
    )
    region: str = attrs.field(default="IR", validator=check.text(max_length=2))
    strict: bool = attrs.field(default=False, validator=check.instance_of(bool))
    columns: tuple[str, ...] = attrs.field(factory=tuple, converter=_columns)

    def __attrs_post_init__(self) -> None:
        left = known_fields(self.record_type, self.columns)
        right = known_fields(self.target_type, self.columns)
        for index, item in enumerate(self.comparisons):
            _check_field(item.field, left, f"comparisons[{index}].field", self.name)
            _check_field(
                item.matched_field,
                right,
                f"comparisons[{index}].{'other_field' if item.other_field else 'field'}",
                self.name,
            )
        for index, key in enumerate(self.blocking):
            _check_field(key.field, left, f"blocking[{index}].field", self.name)
            _check_field(key.matched_field, right, f"blocking[{index}].other_field", self.name)

    @property
    def target_type(self) -> RecordType:
        """The type records are matched against (``matching_type`` or ``record_type``)."""
        return self.matching_type or self.record_type

    @property
    def same_type(self) -> bool:
        """Whether records are matched against records of their own type."""
        return self.target_type is self.record_type


def _match_rules(value: Iterable[MatchRule]) -> tuple[MatchRule, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class MatchRuleSet:
    """Several rules applied together (a rules file holds one of these).

    >>> from crmcore.serialization import from_json
    >>> rules = from_json('''{"rules": [{"name": "same email", "record_type": "contact",
    ...   "threshold": 1, "comparisons": [{"field": "email", "method": "exact",
    ...   "normalizer": "email"}]}]}''', MatchRuleSet)
    >>> rules.rules[0].comparisons[0].normalizer
    <Normalizer.EMAIL: 'email'>
    """

    rules: tuple[MatchRule, ...] = attrs.field(
        converter=_match_rules, validator=check.items_of(MatchRule, min_items=1)
    )

    def __attrs_post_init__(self) -> None:
        names = [rule.name for rule in self.rules]
        for index, name in enumerate(names):
            if names.index(name) != index:
                raise ValidationError(
                    obj="MatchRuleSet",
                    field=f"rules[{index}].name",
                    value=name,
                    expected="a name not used by another rule",
                )


def as_rules(rules: MatchRule | MatchRuleSet | Iterable[MatchRule]) -> tuple[MatchRule, ...]:
    """The rules of a rule, a rule set or an iterable of rules (validated)."""
    if isinstance(rules, MatchRule):
        return (rules,)
    if isinstance(rules, MatchRuleSet):
        return rules.rules
    return MatchRuleSet(rules=rules).rules


def date_key(value: object) -> str | None:
    """The ISO day of a date, a datetime (its own date) or a string's first 10 characters."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip()
    return text[:10] or None
