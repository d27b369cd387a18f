"""Duplicate detection: candidate pairs, scores, clusters (private; see ``crmcore.matching``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import groupby
from typing import Any, cast

import attrs

from crmcore._backend import Backend, resolve_backend
from crmcore.errors import ValidationError
from crmcore.matching import _optional
from crmcore.matching._blocking import (
    check_row_fields,
    field_value,
    key_of,
    record_id,
    rule_blocking_keys,
    value_folder,
)
from crmcore.matching._rules import (
    BlockingMethod,
    FieldRule,
    MatchMethod,
    MatchRule,
    MatchRuleSet,
    Normalizer,
    RecordType,
    as_rules,
)


def _record_type(value: RecordType | str) -> RecordType:
    return value if isinstance(value, RecordType) else RecordType(value)


@attrs.frozen(order=True)
class RecordKey:
    """Which record: its type and id (ordered by type, then id).

    >>> str(RecordKey(RecordType.LEAD, "L1"))
    'lead L1'
    """

    type: RecordType = attrs.field(converter=_record_type)
    id: str

    def __str__(self) -> str:
        return f"{self.type.value} {self.id}"


def _match_method(value: MatchMethod | str) -> MatchMethod:
    return value if isinstance(value, MatchMethod) else MatchMethod(value)


@attrs.frozen(kw_only=True)
class FieldScore:
    """How one comparison of a rule scored a pair.

    ``similarity`` is ``None`` when either value was blank (the comparison
    then did not count); ``matched`` says whether it reached the cutoff
    (for the exact methods: whether the values agreed).
    """

    field: str
    other_field: str
    method: MatchMethod = attrs.field(converter=_match_method)
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

SIMILARITY_DIGITS = 9
"""Similarities are rounded to this many decimals, so every backend gives the same scores."""


_SCALE = 10.0**SIMILARITY_DIGITS


def _rounded(similarity: float) -> float:
    # round(x·1e9)/1e9, half to even: the numpy path computes the very same
    # bits with rint, so both backends agree exactly.
    return round(similarity * _SCALE) / _SCALE


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


def _raw_scorer(method: MatchMethod) -> Callable[[str, str], float]:
    if method is MatchMethod.JARO_WINKLER:
        return _optional.rapidfuzz_distance().JaroWinkler.normalized_similarity  # type: ignore[no-any-return]
    return _optional.rapidfuzz_fuzz().token_set_ratio  # type: ignore[no-any-return]


def comparator(item: FieldRule) -> Callable[[str, str], float]:
    """The function scoring two normalised values of ``item`` in [0, 1].

    Jaro-Winkler is rapidfuzz's ``JaroWinkler.normalized_similarity``
    (prefix weight 0.1); the token-set ratio is ``fuzz.token_set_ratio / 100``;
    both rounded to :data:`SIMILARITY_DIGITS` decimals.

    >>> comparator(FieldRule(field="x", method="token_set"))("reza karimi", "karimi reza")
    1.0
    >>> comparator(FieldRule(field="x", method="jaro_winkler"))("martha", "marhta")
    0.961111111
    """
    method = item.method
    if method.is_similarity:
        scorer = _raw_scorer(method)
        scale = 100.0 if method is MatchMethod.TOKEN_SET else 1.0
        return lambda a, b: _rounded(float(scorer(a, b)) / scale)
    if method is MatchMethod.SAME_FIRST:
        return _same_first(item.length or 1)
    if method is MatchMethod.SAME_LAST:
        return _same_last(item.length or 1)
    return _exact


class _Side:
    """The prepared records of one side of a rule: keys, value columns and, per
    blocking key, each record's block (``None``: none)."""

    __slots__ = ("blocks", "columns", "keys")

    def __init__(self, width: int) -> None:
        self.keys: Sequence[RecordKey] = []
        self.columns: list[list[str | None]] = [[] for _ in range(width)]
        self.blocks: list[Sequence[str | None]] = []

    def row(self, index: int) -> tuple[str | None, ...]:
        """The values of record ``index``, one per comparison."""
        return tuple(column[index] for column in self.columns)


class _Scored:
    """A pair that reached the threshold: indexes, score, similarities (a named row)."""

    __slots__ = ("i", "j", "score", "sims")

    def __init__(self, i: int, j: int, score: float, sims: list[float | None]) -> None:
        self.i = i
        self.j = j
        self.score = score
        self.sims = sims


class _Plan:
    """A rule ready to score: comparators, weights, cutoffs."""

    __slots__ = ("binary", "compare", "cutoffs", "required", "rule", "weights")

    def __init__(self, rule: MatchRule) -> None:
        self.rule = rule
        self.binary = tuple(c.binary for c in rule.comparisons)
        self.compare = tuple(comparator(c) for c in rule.comparisons)
        self.weights = tuple(c.weight for c in rule.comparisons)
        self.cutoffs = tuple(c.cutoff for c in rule.comparisons)
        self.required = tuple(c.required for c in rule.comparisons)

    def similarities(
        self, left: tuple[str | None, ...], right: tuple[str | None, ...]
    ) -> tuple[float, list[float | None]] | None:
        """(score, per-comparison similarity) or ``None`` when not a duplicate."""
        sims: list[float | None] = [
            None if a is None or b is None else compare(a, b)
            for compare, a, b in zip(self.compare, left, right, strict=True)
        ]
        return self.verdict(sims)

    def verdict(self, sims: list[float | None]) -> tuple[float, list[float | None]] | None:
        """The score of these similarities, or ``None`` when not a duplicate."""
        total = weight_sum = 0.0
        for sim, weight, cutoff, required, binary in zip(
            sims, self.weights, self.cutoffs, self.required, self.binary, strict=True
        ):
            if sim is None:
                if required:
                    return None
                continue
            counted = 1.0 if binary else sim
            if sim < cutoff or sim == 0.0:
                if required:
                    return None
                counted = 0.0
            total += weight * counted
            weight_sum += weight
        if weight_sum <= 0.0:
            return None
        score = total / weight_sum
        return (score, sims) if score >= self.rule.threshold else None

    def pair(self, left: _Side, right: _Side, scored: _Scored) -> DuplicatePair:
        """The public pair, with one :class:`FieldScore` per comparison."""
        sims = scored.sims
        fields = tuple(
            FieldScore(
                field=c.field,
                other_field=c.matched_field,
                method=c.method,
                left=left.columns[k][scored.i],
                right=right.columns[k][scored.j],
                similarity=sims[k],
                weight=c.weight,
                matched=_matched(sims[k], c.cutoff),
            )
            for k, c in enumerate(self.rule.comparisons)
        )
        return DuplicatePair(
            rule=self.rule.name,
            left=left.keys[scored.i],
            right=right.keys[scored.j],
            score=round(scored.score, 12),
            threshold=self.rule.threshold,
            fields=fields,
        )


def _matched(sim: float | None, cutoff: float) -> bool:
    return sim is not None and sim >= cutoff and sim > 0.0


def _score_python(
    plan: _Plan, left: _Side, right: _Side, lefts: Sequence[int], rights: Sequence[int]
) -> list[_Scored]:
    found: list[_Scored] = []
    for i, j in zip(lefts, rights, strict=True):
        result = plan.similarities(left.row(i), right.row(j))
        if result is not None:
            found.append(_Scored(i, j, result[0], result[1]))
    return found


def _none_mask(np: Any, column: list[str | None]) -> Any:
    return np.fromiter((v is None for v in column), dtype=bool, count=len(column))


def _score_numpy(
    plan: _Plan, left: _Side, right: _Side, lefts: Sequence[int], rights: Sequence[int]
) -> list[_Scored]:
    """The numpy path: a column at a time (rapidfuzz ``cpdist``); the same pairs and scores."""
    import numpy as np  # noqa: PLC0415 - optional accelerator

    process = _optional.rapidfuzz_process()
    count = len(lefts)
    li = np.asarray(lefts, dtype=np.intp)
    ri = np.asarray(rights, dtype=np.intp)
    weights = np.zeros(count)
    total = np.zeros(count)
    refused = np.zeros(count, dtype=bool)
    sims_of: list[Any] = []
    blanks: list[Any] = []
    for k, item in enumerate(plan.rule.comparisons):
        lcol, rcol = left.columns[k], right.columns[k]
        blank = _none_mask(np, lcol)[li] | _none_mask(np, rcol)[ri]
        a = np.asarray([v or "" for v in lcol], dtype=object)[li]
        b = np.asarray([v or "" for v in rcol], dtype=object)[ri]
        if item.method.is_similarity:
            raw = process.cpdist(a, b, scorer=_raw_scorer(item.method), dtype=np.float64, workers=1)
            if item.method is MatchMethod.TOKEN_SET:
                raw = raw / 100.0
            value = np.rint(raw * _SCALE) / _SCALE
        elif item.method is MatchMethod.EXACT:
            value = np.equal(a, b).astype(np.float64)
        else:
            compare = plan.compare[k]
            value = np.fromiter(map(compare, a, b), dtype=np.float64, count=count)
        value = np.where(blank, 0.0, value)
        counted = np.where(
            (value < plan.cutoffs[k]) | (value == 0.0), 0.0, 1.0 if plan.binary[k] else value
        )
        if plan.required[k]:
            refused |= blank | (counted == 0.0)
        total += np.where(blank, 0.0, plan.weights[k] * counted)
        weights += np.where(blank, 0.0, plan.weights[k])
        sims_of.append(value)
        blanks.append(blank)
    positive = weights > 0.0
    score = total / np.where(positive, weights, 1.0)
    keep = np.nonzero(~refused & positive & (score >= plan.rule.threshold))[0]
    # Plain lists from here: indexing numpy scalars one by one is slow.
    columns = [
        [None if b else v for v, b in zip(value[keep].tolist(), blank[keep].tolist(), strict=True)]
        for value, blank in zip(sims_of, blanks, strict=True)
    ]
    kept_left = np.asarray(lefts)[keep].tolist()
    kept_right = np.asarray(rights)[keep].tolist()
    return [
        _Scored(i, j, total_score, [column[n] for column in columns])
        for n, (i, j, total_score) in enumerate(
            zip(kept_left, kept_right, score[keep].tolist(), strict=True)
        )
    ]


_UNSEEN = object()
"""Marks a raw value not folded yet (``None`` is a folded value)."""


class _Column:
    """How one field is read and folded on one side, with its memo (a named row)."""

    __slots__ = ("field", "fold", "memo")

    def __init__(
        self, field: str, fold: Callable[[object], str | None], memo: dict[object, str | None]
    ) -> None:
        self.field = field
        self.fold = fold
        self.memo = memo

    def values(
        self, records: Sequence[object], rows: Sequence[dict[str, object] | None]
    ) -> list[str | None]:
        """The folded value of every record, one fold per distinct text value.

        Only plain strings share the memo: equal values of other types can
        fold apart (``True == 1``, ``Decimal("1.0") == Decimal("1")``, one
        instant at two offsets), so they are folded one by one.

        A value the fold refuses (strict rules) raises ValidationError naming
        the record by its position (the caller turns it into the record key).
        """
        field, memo, fold = self.field, self.memo, self.fold
        out: list[str | None] = []
        append = out.append
        get = memo.get
        for index, (record, row) in enumerate(zip(records, rows, strict=True)):
            raw = row.get(field) if row is not None else field_value(record, field)
            if type(raw) is not str:  # equal values of other types may fold apart
                append(self._fold(fold, raw, index))
                continue
            value = get(raw, _UNSEEN)
            if value is _UNSEEN:
                value = memo[raw] = self._fold(fold, raw, index)
            append(value)  # type: ignore[arg-type]
        return out

    def _fold(self, fold: Callable[[object], str | None], raw: object, index: int) -> str | None:
        try:
            return fold(raw)
        except ValidationError as err:
            raise _RefusedError(index, self.field, err) from None


class _RefusedError(Exception):
    """A strict fold refused the value of ``field`` in record ``index``."""

    def __init__(self, index: int, field: str, error: ValidationError) -> None:
        super().__init__(index, field)
        self.index = index
        self.field = field
        self.error = error


def _folder(rule: MatchRule, normalizer: Normalizer) -> Callable[[object], str | None]:
    return value_folder(normalizer, region=rule.region, strict=rule.strict)


def side_columns(rule: MatchRule, *, matched: bool) -> tuple[tuple[str, Normalizer], ...]:
    """The (field, normaliser) columns one side of ``rule`` folds, each once, in the
    order they are folded: the comparisons', then the blocking keys'."""
    found: dict[tuple[str, Normalizer], None] = {}
    for c in rule.comparisons:
        normalizer = Normalizer.DATE if c.method is MatchMethod.SAME_DATE else c.normalizer
        found[c.matched_field if matched else c.field, normalizer] = None
    for key in rule_blocking_keys(rule):
        found[key.matched_field if matched else key.field, key.normalizer] = None
    return tuple(found)


def fill_side(
    side: _Side,
    rule: MatchRule,
    column: Callable[[str, Normalizer], list[str | None]],
    *,
    matched: bool,
) -> None:
    """Set the comparison columns and the blocks of ``side`` from ``column(field, normaliser)``
    (the folded values of its records, in their order)."""
    for k, c in enumerate(rule.comparisons):
        normalizer = Normalizer.DATE if c.method is MatchMethod.SAME_DATE else c.normalizer
        side.columns[k] = column(c.matched_field if matched else c.field, normalizer)
    for key in rule_blocking_keys(rule):
        values = column(key.matched_field if matched else key.field, key.normalizer)
        if key.method is not BlockingMethod.EXACT:
            values = [key_of(value, key.method, key.length) for value in values]
        side.blocks.append(values)


def _runs(blocks: Sequence[str | None]) -> Iterator[tuple[str, list[int]]]:
    """(block, its records' indexes ascending) for every block, by block.

    Sorting the indexes once keeps memory to a list of them: no dict entry and
    list per block (most blocks hold one record)."""
    key = cast("Callable[[int], str]", blocks.__getitem__)  # only indexes of blocks
    ranked = sorted((i for i, block in enumerate(blocks) if block), key=key)
    for block, run in groupby(ranked, key=key):
        yield block, list(run)


def _shared(left: _Side, right: _Side, same: bool) -> Iterator[tuple[list[int], list[int]]]:
    """(left indexes, right indexes) of every block both sides have, per blocking key;
    with ``same``, only blocks holding two records or more on the right."""
    for mine, theirs in zip(left.blocks, right.blocks, strict=True):
        if mine is theirs:
            yield from ((run, run) for _, run in _runs(mine) if len(run) > 1)
            continue
        others = _runs(theirs)
        other = next(others, None)
        for block, lefts in _runs(mine):
            while other is not None and other[0] < block:
                other = next(others, None)
            if other is None:
                break
            if other[0] == block and not (same and len(other[1]) < 2):
                yield lefts, other[1]


def _prepare(
    records: Sequence[tuple[RecordKey, object]], rule: MatchRule, *, matched: bool
) -> _Side:
    side = _Side(len(rule.comparisons))
    if records:
        check_row_fields(rule, records[0][1], matched=matched)
    side.keys = [key for key, _ in records]
    entries = [record for _, record in records]
    # One plain dict per row makes every field read a C-level dict lookup.
    rows = [r if type(r) is dict else dict(r) if isinstance(r, Mapping) else None for r in entries]
    memos: dict[Normalizer, dict[object, str | None]] = {}  # one fold per value and normaliser
    folded: dict[tuple[str, Normalizer], list[str | None]] = {}

    def column(field: str, normalizer: Normalizer) -> list[str | None]:
        if (field, normalizer) not in folded:
            spec = _Column(field, _folder(rule, normalizer), memos.setdefault(normalizer, {}))
            folded[field, normalizer] = spec.values(entries, rows)
        return folded[field, normalizer]

    try:
        fill_side(side, rule, column, matched=matched)
    except _RefusedError as refused:  # strict rules: name the record, the field and the value
        raise ValidationError(
            obj=str(side.keys[refused.index]),
            field=refused.field,
            value=refused.error.value,
            expected=refused.error.expected,
        ) from None
    return side


def _keyed(records: Iterable[object]) -> list[tuple[RecordKey, object]]:
    """Records with their keys, sorted by key (so the input order does not matter)."""
    keyed: dict[RecordKey, object] = {}
    kinds: dict[type[Any], RecordType] = {}
    for index, record in enumerate(records):
        kind = kinds.get(type(record))
        if kind is None:
            kind = kinds[type(record)] = RecordType.of(record)
        key = RecordKey(kind, record_id(record))
        if key in keyed:
            raise ValidationError(
                obj="find_duplicates",
                field=f"records[{index}].id",
                value=key.id,
                expected=f"ids unique per record type ({key.type.value} {key.id!r} appears twice)",
            )
        keyed[key] = record
    order = {kind: kind.value for kind in RecordType}
    items = list(keyed.items())
    # Sort plain (type, id, position) tuples: no key function call per record.
    ranked = sorted((order[key.type], key.id, n) for n, (key, _) in enumerate(items))
    return [items[n] for _, _, n in ranked]


def _candidates(
    left: _Side,
    right: _Side,
    same: bool,
    engine: str = "python",
    new: tuple[set[int], set[int]] | None = None,
) -> tuple[Sequence[int], Sequence[int]]:
    """Pairs sharing a block, each once, in index order, as (left indexes, right indexes).

    With ``new`` (the indexes of new records on each side), just the pairs
    with at least one new record.
    """
    width = max(len(right.keys), 1)
    if engine == "numpy" and new is None:
        return _candidates_numpy(left, right, same, width)
    new_left, new_right = new if new is not None else (None, None)
    seen: set[int] = set()
    for lefts, rights in _shared(left, right, same):
        if new_left is not None and new_right is not None:
            if new_left.isdisjoint(lefts) and new_right.isdisjoint(rights):
                continue
            pairs = (
                (i, j)
                for i in lefts
                for j in rights
                if (i in new_left or j in new_right) and not (same and j <= i)
            )
            seen.update(i * width + j for i, j in pairs)
            continue
        for i in lefts:
            for j in rights:
                if same and j <= i:
                    continue
                seen.add(i * width + j)
    codes = sorted(seen)
    return [code // width for code in codes], [code % width for code in codes]


def _candidates_numpy(left: _Side, right: _Side, same: bool, width: int) -> tuple[Any, Any]:
    import numpy as np  # noqa: PLC0415 - optional accelerator

    chunks: list[Any] = []
    small: list[int] = []
    for lefts, rights in _shared(left, right, same):
        if len(lefts) * len(rights) <= 256:  # numpy's per-call cost outweighs small blocks
            small += [i * width + j for i in lefts for j in rights if not same or j > i]
            continue
        a = np.asarray(lefts, dtype=np.int64)
        b = np.asarray(rights, dtype=np.int64)
        codes = (a[:, None] * width + b[None, :]).ravel()
        if same:  # keep j > i: each unordered pair once
            codes = codes[(codes % width) > (codes // width)]
        chunks.append(codes)
    chunks.append(np.asarray(small, dtype=np.int64))
    if not chunks:
        return [], []
    codes = np.sort(np.concatenate(chunks))
    unique = codes[np.concatenate(([True], codes[1:] != codes[:-1]))] if len(codes) else codes
    return unique // width, unique % width


def _sides(rule: MatchRule, keyed: list[tuple[RecordKey, object]]) -> tuple[_Side, _Side]:
    left_records = [item for item in keyed if item[0].type is rule.record_type]
    left = _prepare(left_records, rule, matched=False)
    if not rule.same_type:
        right_records = [item for item in keyed if item[0].type is rule.target_type]
        return left, _prepare(right_records, rule, matched=True)
    return left, (_prepare(left_records, rule, matched=True) if asymmetric(rule) else left)


def asymmetric(rule: MatchRule) -> bool:
    """Whether a rule reads other fields on its matching side (then a same-type
    rule prepares its records twice: once per side)."""
    return any(c.other_field and c.other_field != c.field for c in rule.comparisons) or any(
        k.other_field and k.other_field != k.field for k in rule.blocking
    )


def score_sides(
    rule: MatchRule,
    left: _Side,
    right: _Side,
    engine: str,
    new: tuple[set[int], set[int]] | None = None,
) -> list[DuplicatePair]:
    """The pairs of two prepared sides that ``rule`` calls duplicates, in index order
    (with ``new``: only those with a new record)."""
    plan = _Plan(rule)
    lefts, rights = _candidates(left, right, rule.same_type, engine, new)
    score = _score_numpy if engine == "numpy" and len(lefts) else _score_python
    found = score(plan, left, right, lefts, rights)
    return [plan.pair(left, right, scored) for scored in found]


def _run_rule(
    rule: MatchRule,
    keyed: list[tuple[RecordKey, object]],
    engine: str,
    only: frozenset[RecordKey] | None = None,
) -> list[DuplicatePair]:
    left, right = _sides(rule, keyed)
    new = None
    if only is not None:
        new = (
            {n for n, key in enumerate(left.keys) if key in only},
            {n for n, key in enumerate(right.keys) if key in only},
        )
    return score_sides(rule, left, right, engine, new)


def find_duplicates(
    records: Iterable[object],
    rules: MatchRule | MatchRuleSet | Iterable[MatchRule],
    *,
    backend: Backend = "auto",
) -> tuple[DuplicatePair, ...]:
    """Every pair of ``records`` that a rule calls duplicates, scored and explained.

    Records are leads, contacts, accounts or rows (mappings with an
    ``id``), mixed freely; each rule reads the types it names. Only pairs
    sharing a blocking key (:func:`rule_blocking_keys`) are compared. Pairs
    come sorted by rule, then left and right record; for one record type
    the left record is the one with the smaller id. The result does not
    depend on the order of ``records``. ``backend="numpy"`` (or ``"auto"``
    with numpy installed) scores the candidates a column at a time with
    rapidfuzz's ``cpdist``; the pairs and scores are the same.

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
    engine = resolve_backend(backend, obj="find_duplicates")
    keyed = _keyed(records)
    found: list[DuplicatePair] = []
    for rule in as_rules(rules):
        found.extend(_run_rule(rule, keyed, engine))
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
        total += len(_candidates(left, right, rule.same_type)[0])
    return total


def check_records(
    records: Iterable[object],
    existing: Iterable[object],
    rules: MatchRule | MatchRuleSet | Iterable[MatchRule],
    *,
    backend: Backend = "auto",
) -> tuple[DuplicatePair, ...]:
    """The duplicate pairs that involve a new record ("warn before save", batch import).

    The pairs :func:`find_duplicates` would report on ``existing`` plus
    ``records`` that have at least one record of ``records``: new against
    existing and new against new; existing records are never compared with
    each other. A record of ``existing`` with the key of a new one is the
    stored copy of it and is left out. For a large store, pass as
    ``existing`` only the records that share a blocking key with the new
    ones (:func:`record_blocking_keys`, computable in SQL).

    >>> rule = MatchRule(name="email", record_type="row", threshold=1,
    ...     comparisons=[FieldRule(field="email", method="exact", normalizer="email")])
    >>> old = [{"id": "1", "email": "Sara@Pars.ir"}, {"id": "2", "email": "reza@pars.ir"},
    ...        {"id": "3", "email": "REZA@pars.ir"}]
    >>> new = [{"id": "9", "email": "sara@pars.ir"}]
    >>> [f"{p.left.id}~{p.right.id}" for p in check_records(new, old, rule)]
    ['1~9']
    """
    engine = resolve_backend(backend, obj="check_records")
    fresh = _keyed(records)
    only = frozenset(key for key, _ in fresh)
    others = [(key, record) for key, record in _keyed(existing) if key not in only]
    keyed = sorted([*others, *fresh], key=lambda item: (item[0].type.value, item[0].id))
    found: list[DuplicatePair] = []
    for rule in as_rules(rules):
        found.extend(_run_rule(rule, keyed, engine, only))
    return tuple(found)


def check_record(
    record: object,
    existing: Iterable[object],
    rules: MatchRule | MatchRuleSet | Iterable[MatchRule],
    *,
    backend: Backend = "auto",
) -> tuple[DuplicatePair, ...]:
    """The duplicates of one new ``record`` among ``existing`` ("warn before save").

    :func:`check_records` for one record.

    >>> rule = MatchRule(name="email", record_type="row", threshold=1,
    ...     comparisons=[FieldRule(field="email", method="exact", normalizer="email")])
    >>> old = [{"id": "1", "email": "Sara@Pars.ir"}, {"id": "2", "email": "reza@pars.ir"}]
    >>> [str(p.left) for p in check_record({"id": "9", "email": "sara@pars.ir"}, old, rule)]
    ['row 1']
    """
    return check_records([record], existing, rules, backend=backend)


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
