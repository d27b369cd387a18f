"""Duplicate detection: candidate pairs, scores, clusters (private; see ``crmcore.matching``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

import attrs

from crmcore.errors import ValidationError
from crmcore.matching import _optional
from crmcore.matching._blocking import (
    check_row_fields,
    field_value,
    prepared_value,
    record_blocking_keys,
    record_id,
)
from crmcore.matching._rules import (
    FieldRule,
    MatchMethod,
    MatchRule,
    MatchRuleSet,
    RecordType,
    as_rules,
)


@attrs.frozen(order=True)
class RecordKey:
    """Which record: its type and id (ordered by type, then id).

    >>> str(RecordKey(RecordType.LEAD, "L1"))
    'lead L1'
    """

    type: RecordType = attrs.field(converter=RecordType)
    id: str

    def __str__(self) -> str:
        return f"{self.type.value} {self.id}"


@attrs.frozen(kw_only=True)
class FieldScore:
    """How one comparison of a rule scored a pair.

    ``similarity`` is ``None`` when either value was blank (the comparison
    then did not count); ``matched`` says whether it reached the cutoff
    (for the exact methods: whether the values agreed).
    """

    field: str
    other_field: str
    method: MatchMethod = attrs.field(converter=MatchMethod)
    left: str | None
    right: str | None
    similarity: float | None
    weight: float
    matched: bool

    def explain(self) -> tuple[str, ...]:
        """One line: the field, the two values, the similarity and its weight."""
        name = self.field if self.field == self.other_field else f"{self.field}/{self.other_field}"
        if self.similarity is None:
            return (f"{name} ({self.method.value}): blank, not counted",)
        verdict = "match" if self.matched else "no match"
        return (
            f"{name} ({self.method.value}): {self.left!r} vs {self.right!r} -> "
            f"{self.similarity:.3f} x weight {self.weight:g} ({verdict})",
        )


@attrs.frozen(kw_only=True)
class DuplicatePair:
    """Two records a rule found to be duplicates, with every comparison that scored them."""

    rule: str
    left: RecordKey
    right: RecordKey
    score: float
    threshold: float
    fields: tuple[FieldScore, ...]

    def explain(self) -> tuple[str, ...]:
        """The verdict, then one line per comparison in the rule's order.

        >>> pair = DuplicatePair(rule="email", left=RecordKey("lead", "L1"),
        ...     right=RecordKey("contact", "C1"), score=1.0, threshold=0.9, fields=(
        ...     FieldScore(field="email", other_field="email", method="exact",
        ...         left="a@b.ir", right="a@b.ir", similarity=1.0, weight=1.0, matched=True),))
        >>> pair.explain()
        ('lead L1 ~ contact C1: score 1.000 >= 0.900 (rule email)', "email (exact): 'a@b.ir' vs 'a@b.ir' -> 1.000 x weight 1 (match)")
        """
        head = (
            f"{self.left} ~ {self.right}: score {self.score:.3f} >= {self.threshold:.3f} "
            f"(rule {self.rule})"
        )
        return (head, *(line for f in self.fields for line in f.explain()))


@attrs.frozen(kw_only=True)
class DuplicateCluster:
    """Records linked by duplicate pairs, transitively (A~B and B~C: one cluster)."""

    members: tuple[RecordKey, ...]
    pairs: tuple[DuplicatePair, ...]

    def explain(self) -> tuple[str, ...]:
        """The members, then each pair's verdict line."""
        head = f"{len(self.members)} records: " + ", ".join(str(m) for m in self.members)
        return (head, *(p.explain()[0] for p in self.pairs))


# -- comparing values --------------------------------------------------------------------------


def _exact(a: str, b: str) -> float:
    return 1.0 if a == b else 0.0


def _same_first(length: int) -> Callable[[str, str], float]:
    def compare(a: str, b: str) -> float:
        return 1.0 if a.replace(" ", "")[:length] == b.replace(" ", "")[:length] else 0.0

    return compare


def _same_last(length: int) -> Callable[[str, str], float]:
    def compare(a: str, b: str) -> float:
        return 1.0 if a.replace(" ", "")[-length:] == b.replace(" ", "")[-length:] else 0.0

    return compare


def comparator(item: FieldRule) -> Callable[[str, str], float]:
    """The function scoring two normalised values of ``item`` in [0, 1].

    Jaro-Winkler is rapidfuzz's ``JaroWinkler.normalized_similarity``
    (prefix weight 0.1); the token-set ratio is ``fuzz.token_set_ratio / 100``.

    >>> comparator(FieldRule(field="x", method="token_set"))("reza karimi", "karimi reza")
    1.0
    >>> round(comparator(FieldRule(field="x", method="jaro_winkler"))("martha", "marhta"), 4)
    0.9611
    """
    method = item.method
    if method is MatchMethod.JARO_WINKLER:
        jaro_winkler = _optional.rapidfuzz_distance().JaroWinkler.normalized_similarity
        return lambda a, b: float(jaro_winkler(a, b))
    if method is MatchMethod.TOKEN_SET:
        token_set = _optional.rapidfuzz_fuzz().token_set_ratio
        return lambda a, b: float(token_set(a, b)) / 100.0
    if method is MatchMethod.SAME_FIRST:
        return _same_first(item.length or 1)
    if method is MatchMethod.SAME_LAST:
        return _same_last(item.length or 1)
    return _exact


class _Side:
    """The prepared records of one side of a rule: keys, values, blocks (a named row)."""

    __slots__ = ("blocks", "keys", "values")

    def __init__(self) -> None:
        self.keys: list[RecordKey] = []
        self.values: list[tuple[str | None, ...]] = []
        self.blocks: dict[str, list[int]] = defaultdict(list)


class _Plan:
    """A rule ready to score: comparators, weights, cutoffs (a named row)."""

    __slots__ = ("compare", "cutoffs", "required", "rule", "weights")

    def __init__(self, rule: MatchRule) -> None:
        self.rule = rule
        self.compare = tuple(comparator(c) for c in rule.comparisons)
        self.weights = tuple(c.weight for c in rule.comparisons)
        self.cutoffs = tuple(c.cutoff for c in rule.comparisons)
        self.required = tuple(c.required for c in rule.comparisons)

    def similarities(
        self, left: tuple[str | None, ...], right: tuple[str | None, ...]
    ) -> tuple[float, list[float | None]] | None:
        """(score, per-comparison similarity) or ``None`` when not a duplicate."""
        total = weight_sum = 0.0
        sims: list[float | None] = []
        for index, compare in enumerate(self.compare):
            a, b = left[index], right[index]
            if a is None or b is None:
                if self.required[index]:
                    return None
                sims.append(None)
                continue
            sim = compare(a, b)
            if sim < self.cutoffs[index] or (self.required[index] and sim == 0.0):
                if self.required[index]:
                    return None
                sim_counted = 0.0
            else:
                sim_counted = sim
            sims.append(sim)
            weight = self.weights[index]
            total += weight * sim_counted
            weight_sum += weight
        if weight_sum <= 0.0:
            return None
        score = total / weight_sum
        if score < self.rule.threshold:
            return None
        return score, sims

    def pair(
        self,
        left: RecordKey,
        right: RecordKey,
        values: tuple[tuple[str | None, ...], tuple[str | None, ...]],
        scored: tuple[float, list[float | None]],
    ) -> DuplicatePair:
        score, sims = scored
        fields = tuple(
            FieldScore(
                field=c.field,
                other_field=c.matched_field,
                method=c.method,
                left=values[0][i],
                right=values[1][i],
                similarity=sims[i],
                weight=c.weight,
                matched=sims[i] is not None
                and sims[i] >= c.cutoff  # type: ignore[operator]
                and sims[i] > 0.0,  # type: ignore[operator]
            )
            for i, c in enumerate(self.rule.comparisons)
        )
        return DuplicatePair(
            rule=self.rule.name,
            left=left,
            right=right,
            score=round(score, 12),
            threshold=self.rule.threshold,
            fields=fields,
        )


def _prepare(
    records: Iterable[tuple[RecordKey, object]], rule: MatchRule, *, matched: bool
) -> _Side:
    side = _Side()
    specs = [
        (c.matched_field if matched else c.field, c.normalizer, c.method) for c in rule.comparisons
    ]
    cache: dict[tuple[int, object], str | None] = {}
    checked = False
    for key, record in records:
        if not checked:
            check_row_fields(rule, record, matched=matched)
            checked = True
        values: list[str | None] = []
        for index, (field, normalizer, method) in enumerate(specs):
            raw = _raw(record, field)
            memo = (index, raw)
            if memo not in cache:
                cache[memo] = prepared_value(record, field, normalizer, method, rule.region)
            values.append(cache[memo])
        position = len(side.keys)
        side.keys.append(key)
        side.values.append(tuple(values))
        for block in record_blocking_keys(record, rule, matched=matched):
            side.blocks[block].append(position)
    return side


def _raw(record: object, field: str) -> object:
    value = field_value(record, field)
    try:
        hash(value)
    except TypeError:
        return id(value)
    return value


def _keyed(records: Iterable[object]) -> list[tuple[RecordKey, object]]:
    """Records with their keys, sorted by key (so the input order does not matter)."""
    keyed: dict[RecordKey, object] = {}
    for index, record in enumerate(records):
        key = RecordKey(RecordType.of(record), record_id(record))
        if key in keyed:
            raise ValidationError(
                obj="find_duplicates",
                field=f"records[{index}].id",
                value=key.id,
                expected=f"ids unique per record type ({key.type.value} {key.id!r} appears twice)",
            )
        keyed[key] = record
    return sorted(keyed.items(), key=lambda item: item[0])


def _candidates(left: _Side, right: _Side, same: bool) -> list[tuple[int, int]]:
    """Pairs (left index, right index) sharing a block, each once, in index order."""
    seen: set[int] = set()
    width = max(len(right.keys), 1)
    for block, lefts in left.blocks.items():
        rights = right.blocks.get(block)
        if not rights:
            continue
        for i in lefts:
            for j in rights:
                if same and j <= i:
                    continue
                seen.add(i * width + j)
    return [divmod(code, width) for code in sorted(seen)]


def _sides(rule: MatchRule, keyed: list[tuple[RecordKey, object]]) -> tuple[_Side, _Side]:
    left_records = [item for item in keyed if item[0].type is rule.record_type]
    left = _prepare(left_records, rule, matched=False)
    if not rule.same_type:
        right_records = [item for item in keyed if item[0].type is rule.target_type]
        return left, _prepare(right_records, rule, matched=True)
    asymmetric = any(c.other_field and c.other_field != c.field for c in rule.comparisons)
    asymmetric = asymmetric or any(
        k.other_field and k.other_field != k.field for k in rule.blocking
    )
    return left, (_prepare(left_records, rule, matched=True) if asymmetric else left)


def _run_rule(
    rule: MatchRule, keyed: list[tuple[RecordKey, object]]
) -> tuple[list[DuplicatePair], int]:
    plan = _Plan(rule)
    left, right = _sides(rule, keyed)
    candidates = _candidates(left, right, rule.same_type)
    found: list[DuplicatePair] = []
    for i, j in candidates:
        scored = plan.similarities(left.values[i], right.values[j])
        if scored is not None:
            values = (left.values[i], right.values[j])
            found.append(plan.pair(left.keys[i], right.keys[j], values, scored))
    return found, len(candidates)


def find_duplicates(
    records: Iterable[object], rules: MatchRule | MatchRuleSet | Iterable[MatchRule]
) -> tuple[DuplicatePair, ...]:
    """Every pair of ``records`` that a rule calls duplicates, scored and explained.

    Records are leads, contacts, accounts or rows (mappings with an
    ``id``), mixed freely; each rule reads the types it names. Only pairs
    sharing a blocking key (:func:`rule_blocking_keys`) are compared. Pairs
    come sorted by rule, then left and right record; for one record type
    the left record is the one with the smaller id. The result does not
    depend on the order of ``records``.

    >>> from crmcore.models import Contact, ContactId, Lead, LeadId
    >>> rule = MatchRule(name="lead is a contact", record_type="lead",
    ...     matching_type="contact", threshold=0.85, comparisons=[
    ...     FieldRule(field="full_name", method="jaro_winkler", normalizer="person_name"),
    ...     FieldRule(field="phone", other_field="mobile", method="exact",
    ...               normalizer="phone", weight=2)])
    >>> lead = Lead(id=LeadId("L1"), first_name="علي", last_name="رضائي", phone="۰۹۱۲۱۲۳۴۵۶۷")
    >>> contact = Contact(id=ContactId("C9"), first_name="علی", last_name="رضایی",
    ...                   mobile="+98 912 123 4567")
    >>> [pair] = find_duplicates([contact, lead], rule)
    >>> for line in pair.explain(): print(line)
    lead L1 ~ contact C9: score 1.000 >= 0.850 (rule lead is a contact)
    full_name (jaro_winkler): 'علی رضایی' vs 'علی رضایی' -> 1.000 x weight 1 (match)
    phone/mobile (exact): '+989121234567' vs '+989121234567' -> 1.000 x weight 2 (match)
    """
    keyed = _keyed(records)
    found: list[DuplicatePair] = []
    for rule in as_rules(rules):
        pairs, _ = _run_rule(rule, keyed)
        found.extend(pairs)
    return tuple(found)


def count_candidates(
    records: Iterable[object], rules: MatchRule | MatchRuleSet | Iterable[MatchRule]
) -> int:
    """How many pairs :func:`find_duplicates` compares (after blocking), summed over rules.

    Use it to size a run or to report pairs compared per second.
    """
    keyed = _keyed(records)
    total = 0
    for rule in as_rules(rules):
        left, right = _sides(rule, keyed)
        total += len(_candidates(left, right, rule.same_type))
    return total


def check_record(
    record: object,
    existing: Iterable[object],
    rules: MatchRule | MatchRuleSet | Iterable[MatchRule],
) -> tuple[DuplicatePair, ...]:
    """The duplicates of one new ``record`` among ``existing`` ("warn before save").

    The same pairs :func:`find_duplicates` would report for ``record`` on
    ``existing + [record]``, without comparing existing records with each
    other. For a large store, pass only the records sharing a blocking key
    (:func:`record_blocking_keys`, computable in SQL) as ``existing``.

    >>> rule = MatchRule(name="email", record_type="row", threshold=1,
    ...     comparisons=[FieldRule(field="email", method="exact", normalizer="email")])
    >>> old = [{"id": "1", "email": "Sara@Pars.ir"}, {"id": "2", "email": "reza@pars.ir"}]
    >>> [str(p.left) for p in check_record({"id": "9", "email": "sara@pars.ir"}, old, rule)]
    ['row 1']
    """
    new_key = RecordKey(RecordType.of(record), record_id(record))
    others = [r for r in existing if RecordKey(RecordType.of(r), record_id(r)) != new_key]
    found = find_duplicates([*others, record], rules)
    return tuple(p for p in found if new_key in (p.left, p.right))


def cluster_duplicates(pairs: Iterable[DuplicatePair]) -> tuple[DuplicateCluster, ...]:
    """Group pairs into clusters by union-find (transitive: A~B, B~C gives {A, B, C}).

    Clusters are sorted by their first member; members and pairs inside
    are sorted, so the result does not depend on the order of ``pairs``.

    >>> def pair(a, b):
    ...     return DuplicatePair(rule="r", left=RecordKey("row", a), right=RecordKey("row", b),
    ...                          score=1.0, threshold=1.0, fields=())
    >>> [[m.id for m in c.members] for c in cluster_duplicates([pair("3", "4"), pair("1", "2"),
    ...                                                          pair("2", "3"), pair("7", "8")])]
    [['1', '2', '3', '4'], ['7', '8']]
    """
    parent: dict[RecordKey, RecordKey] = {}

    def find(key: RecordKey) -> RecordKey:
        root = parent.setdefault(key, key)
        while root != parent[root]:
            root = parent[root]
        while key != root:  # path compression
            parent[key], key = root, parent[key]
        return root

    listed = list(pairs)
    for p in listed:
        a, b = find(p.left), find(p.right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    groups: dict[RecordKey, list[RecordKey]] = defaultdict(list)
    for key in parent:
        groups[find(key)].append(key)
    by_root: dict[RecordKey, list[DuplicatePair]] = defaultdict(list)
    for p in listed:
        by_root[find(p.left)].append(p)
    clusters = [
        DuplicateCluster(
            members=tuple(sorted(members)),
            pairs=tuple(sorted(by_root[root], key=_pair_order)),
        )
        for root, members in groups.items()
    ]
    return tuple(sorted(clusters, key=lambda c: c.members[0]))


def _pair_order(pair: DuplicatePair) -> tuple[str, RecordKey, RecordKey]:
    return (pair.rule, pair.left, pair.right)


def pairs_of(clusters: Sequence[DuplicateCluster]) -> tuple[DuplicatePair, ...]:
    """Every pair of the clusters, in cluster order."""
    return tuple(p for c in clusters for p in c.pairs)
