"""Field access, normalisers by name and blocking keys (private; see ``crmcore.matching``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import lru_cache, partial

from crmcore.errors import ValidationError
from crmcore.matching._identifiers import (
    normalize_company_id,
    normalize_national_id,
    normalize_phone,
)
from crmcore.matching._normalize import (
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
    Normalizer,
    date_key,
)


def _strip(value: str) -> str | None:
    return value.strip() or None


def _date(value: str) -> str | None:
    return date_key(ascii_digits(value))


@lru_cache(maxsize=256)
def normalizer_function(
    normalizer: Normalizer | str, *, region: str = "IR", strict: bool = False
) -> Callable[[str], str | None]:
    """The function behind a :class:`Normalizer` name (phones read in ``region``).

    With ``strict`` the e-mail, phone and ID normalisers raise
    ValidationError for a value they cannot read instead of giving ``None``.

    >>> normalizer_function("person_name")("Dr. Sara Ahmadi")
    'sara ahmadi'
    """
    table: dict[Normalizer, Callable[[str], str | None]] = {
        Normalizer.NONE: _strip,
        Normalizer.TEXT: normalize_text,
        Normalizer.COMPACT: compact,
        Normalizer.PERSON_NAME: normalize_person_name,
        Normalizer.COMPANY_NAME: normalize_company_name,
        Normalizer.EMAIL: partial(normalize_email, strict=strict),
        Normalizer.PHONE: partial(normalize_phone, region=region, strict=strict),
        Normalizer.NATIONAL_ID: partial(normalize_national_id, strict=strict),
        Normalizer.COMPANY_ID: partial(normalize_company_id, strict=strict),
        Normalizer.DATE: _date,
    }
    return table[Normalizer(normalizer)]


def field_value(record: object, field: str) -> object:
    """The raw value of ``field`` on a record: an attribute, ``custom.<key>`` or a row key.

    >>> field_value({"id": "1", "name": "Pars"}, "name"), field_value({"id": "1"}, "name")
    ('Pars', None)
    """
    if isinstance(record, Mapping):
        return record.get(field)
    if field.startswith("custom."):
        custom = getattr(record, "custom", None)
        return custom.get(field[7:]) if isinstance(custom, Mapping) else None
    return getattr(record, field, None)


def record_id(record: object) -> str:
    """The id of an entity, or the ``id`` key of a row (ValidationError if it has none)."""
    value = record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(
            obj="record", field="id", value=value, expected="a non-blank id on every record"
        )
    return str(value)


def value_folder(
    normalizer: Normalizer, *, region: str = "IR", strict: bool = False
) -> Callable[[object], str | None]:
    """A function folding one raw field value (any type) as a rule compares it.

    ``None`` stays ``None``; dates and datetimes (and, for the ``date``
    normaliser, strings) become their ISO day; enums their value; anything
    else its text, through ``normalizer``.
    """
    fold = normalizer_function(normalizer, region=region, strict=strict)
    is_date = normalizer is Normalizer.DATE

    def folder(raw: object) -> str | None:
        if raw is None:
            return None
        if is_date:
            return date_key(ascii_digits(raw) if isinstance(raw, str) else raw)
        if not isinstance(raw, str):
            raw = str(raw.value) if hasattr(raw, "value") else str(raw)
        return fold(raw)

    return folder


def key_of(normalized: str | None, method: BlockingMethod | str, length: int | None) -> str | None:
    """A blocking key from an already normalised value.

    - ``exact``: the value;
    - ``prefix``: its first ``length`` characters with spaces removed;
    - ``suffix``: its last ``length`` characters with spaces removed;
    - ``sorted_prefix``: the first ``length`` characters of its words
      sorted (by code point) and joined without spaces.

    A value shorter than ``length`` is its own key. In SQL, on a column
    that holds the normalised value: ``substr(replace(v, ' ', ''), 1, n)``
    for a prefix, ``substr(replace(v, ' ', ''), -n)`` for a suffix.

    >>> key_of("reza karimi", "prefix", 4), key_of("reza karimi", "sorted_prefix", 6)
    ('reza', 'karimi')
    >>> key_of("+989121234567", "suffix", 7)
    '1234567'
    """
    if not normalized:
        return None
    if not isinstance(method, BlockingMethod):
        method = BlockingMethod(method)
    if method is BlockingMethod.EXACT:
        return normalized
    size = length or 1
    if method is BlockingMethod.SORTED_PREFIX:
        return "".join(sorted(normalized.split(" ")))[:size]
    joined = normalized.replace(" ", "")
    return joined[:size] if method is BlockingMethod.PREFIX else joined[-size:]


def blocking_key(
    value: object, key: BlockingKey, *, region: str = "IR", matched: bool = False
) -> str | None:
    """The blocking key of one raw field value (``matched``: read as the matching side).

    The value is normalised by ``key.normalizer`` and cut by
    :func:`key_of`; the key does not depend on which side the field is
    on, so a lead's ``company`` and an account's ``name`` meet.

    >>> key = BlockingKey(field="phone", normalizer="phone", method="exact")
    >>> blocking_key("۰۹۱۲ ۱۲۳ ۴۵۶۷", key)
    '+989121234567'
    """
    del matched  # the same normaliser applies on both sides
    folded = value_folder(key.normalizer, region=region)(value)
    return key_of(folded, key.method, key.length)


_DERIVED: dict[MatchMethod, tuple[BlockingMethod, int | None]] = {
    MatchMethod.EXACT: (BlockingMethod.EXACT, None),
    MatchMethod.SAME_DATE: (BlockingMethod.EXACT, None),
    MatchMethod.JARO_WINKLER: (BlockingMethod.PREFIX, 3),
    MatchMethod.TOKEN_SET: (BlockingMethod.SORTED_PREFIX, 3),
}
_EXACTING = frozenset(
    {MatchMethod.EXACT, MatchMethod.SAME_FIRST, MatchMethod.SAME_LAST, MatchMethod.SAME_DATE}
)


def _derive(item: FieldRule) -> BlockingKey:
    if item.method is MatchMethod.SAME_FIRST:
        method, length = BlockingMethod.PREFIX, item.length
    elif item.method is MatchMethod.SAME_LAST:
        method, length = BlockingMethod.SUFFIX, item.length
    else:
        method, length = _DERIVED[item.method]
    normalizer = Normalizer.DATE if item.method is MatchMethod.SAME_DATE else item.normalizer
    return BlockingKey(
        field=item.field,
        other_field=item.other_field,
        method=method,
        normalizer=normalizer,
        length=length,
    )


def rule_blocking_keys(rule: MatchRule) -> tuple[BlockingKey, ...]:
    """The blocking keys of ``rule``: its own ``blocking``, else derived from its comparisons.

    Derived keys: ``exact`` and ``same_date`` block on the value,
    ``same_first``/``same_last`` on the prefix/suffix of their length,
    Jaro-Winkler on a 3-character prefix, token-set on the 3-character
    prefix of the sorted words. When the rule has required exact-type
    comparisons, only those give keys: every duplicate shares them, so
    recall is kept and far fewer pairs are compared.

    >>> rule = MatchRule(name="r", record_type="contact", threshold=0.8, comparisons=[
    ...     FieldRule(field="full_name", method="jaro_winkler", normalizer="person_name"),
    ...     FieldRule(field="mobile", method="exact", normalizer="phone", required=True)])
    >>> [(k.field, k.method.value) for k in rule_blocking_keys(rule)]
    [('mobile', 'exact')]
    """
    if rule.blocking:
        return rule.blocking
    required = [c for c in rule.comparisons if c.required and c.method in _EXACTING]
    chosen = required or list(rule.comparisons)
    keys: dict[BlockingKey, None] = {}
    for item in chosen:
        keys[_derive(item)] = None
    return tuple(keys)


def record_blocking_keys(
    record: object, rule: MatchRule, *, matched: bool = False
) -> tuple[str, ...]:
    """Every blocking key of ``record`` under ``rule``, tagged by the key's position.

    ``matched`` reads the record as the rule's matching type (its
    ``other_field``). Records sharing any key are compared.

    >>> rule = MatchRule(name="r", record_type="row", threshold=1, comparisons=[
    ...     FieldRule(field="phone", method="exact", normalizer="phone")])
    >>> record_blocking_keys({"id": "1", "phone": "0912 123 4567"}, rule)
    ('0:+989121234567',)
    """
    found: list[str] = []
    for index, key in enumerate(rule_blocking_keys(rule)):
        field = key.matched_field if matched else key.field
        value = blocking_key(field_value(record, field), key, region=rule.region)
        if value is not None:
            found.append(f"{index}:{value}")
    return tuple(found)


def check_row_fields(rule: MatchRule, record: object, *, matched: bool) -> None:
    """Refuse a rule naming a column that a row does not have."""
    if not isinstance(record, Mapping) or rule.columns:
        return
    names = [c.matched_field if matched else c.field for c in rule.comparisons]
    names += [k.matched_field if matched else k.field for k in rule.blocking]
    for name in names:
        if name not in record:
            raise ValidationError(
                obj=f"MatchRule {rule.name!r}",
                field="field",
                value=name,
                expected="a column of the records: " + ", ".join(sorted(map(str, record))),
            )
