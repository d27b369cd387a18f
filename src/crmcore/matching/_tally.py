"""Duplicate detection fed a chunk of records at a time (private; see ``crmcore.matching``).

:func:`~crmcore.matching.find_duplicates` compares records by the values
its rules fold (normalise) and by the blocking keys cut from them: nothing
else of a record is read. :class:`DuplicateTally` folds each chunk as it
arrives and keeps only that compact form (per record: its id and one
folded value per column a rule reads); :meth:`DuplicateTally.result` sorts
it, blocks, scores and explains exactly as the one-shot functions do.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import groupby
from typing import Any, overload

from crmcore._backend import Backend, resolve_backend
from crmcore.errors import ValidationError
from crmcore.matching._blocking import check_row_fields, field_value, record_id, value_folder
from crmcore.matching._detect import (
    DuplicatePair,
    RecordKey,
    _Side,
    asymmetric,
    fill_side,
    score_sides,
    side_columns,
)
from crmcore.matching._rules import MatchRule, MatchRuleSet, Normalizer, RecordType, as_rules

_Spec = tuple[str, Normalizer, str, bool]
"""A column: (field, normaliser, region, strict): what one fold reads and how."""

_UNSEEN = object()

MEMO_SIZE = 2**15
"""Folded texts remembered per normaliser across chunks (names repeat; the memory stays
bounded: the memo is emptied when it grows past this)."""
_NEW, _EXISTING = 0, 1


class _Store:
    """The compact form of the records of one type, in the order they were added."""

    __slots__ = ("columns", "group", "ids", "positions", "refused", "shapes")

    def __init__(self, specs: Iterable[_Spec]) -> None:
        self.ids: list[str] = []
        self.group = bytearray()  # _NEW or _EXISTING per record
        self.positions = array("q")  # the record's place in the records of its group
        self.shapes = array("l")  # rows: which set of keys the row has (index into the tally's)
        self.columns: dict[_Spec, list[str | None]] = {spec: [] for spec in specs}
        self.refused: dict[_Spec, dict[int, ValidationError]] = {}


class _Group:
    """How many records a group (the new ones, the existing ones) has had, and the
    first refused record (its place and the error), a named row."""

    __slots__ = ("count", "error")

    def __init__(self) -> None:
        self.count = 0
        self.error: tuple[int, ValidationError] | None = None


class _Keys(Sequence[RecordKey]):
    """The keys of a side: built one by one when asked (no key object per record)."""

    __slots__ = ("ids", "kind")

    def __init__(self, kind: RecordType, ids: list[str]) -> None:
        self.kind = kind
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    @overload
    def __getitem__(self, index: int) -> RecordKey: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[RecordKey]: ...
    def __getitem__(self, index: int | slice) -> RecordKey | Sequence[RecordKey]:
        if isinstance(index, slice):
            return [RecordKey(self.kind, i) for i in self.ids[index]]
        return RecordKey(self.kind, self.ids[index])


def _needed(rules: Sequence[MatchRule]) -> dict[RecordType, tuple[_Spec, ...]]:
    """The columns each record type is folded into, for every rule reading it."""
    found: dict[RecordType, dict[_Spec, None]] = {}
    for rule in rules:
        sides = [(rule.record_type, False), (rule.target_type, True)]
        for kind, matched in sides:
            specs = found.setdefault(kind, {})
            for field, normalizer in side_columns(rule, matched=matched):
                specs[field, normalizer, rule.region, rule.strict] = None
    return {kind: tuple(specs) for kind, specs in found.items()}


def _fold_column(
    fold: Callable[[object], str | None],
    field: str,
    records: Sequence[object],
    rows: Sequence[dict[Any, Any] | None],
    memo: dict[str, str | None],
) -> tuple[list[str | None], dict[int, ValidationError]]:
    """The folded values of ``field`` (``None`` where the fold refused one) and the
    refusals by record index; plain strings are folded once each (``memo``)."""
    out: list[str | None] = []
    refused: dict[int, ValidationError] = {}
    append = out.append
    for index, (record, row) in enumerate(zip(records, rows, strict=True)):
        raw = row.get(field) if row is not None else field_value(record, field)
        text = type(raw) is str
        value = memo.get(raw, _UNSEEN) if text else _UNSEEN  # type: ignore[arg-type]
        if value is _UNSEEN:
            try:
                value = fold(raw)
            except ValidationError as err:
                refused[index] = err
                value = None
            else:
                if text:
                    memo[raw] = value  # type: ignore[index]
        append(value)  # type: ignore[arg-type]
    return out, refused


class DuplicateTally:
    """Duplicate detection fed a chunk of records at a time, holding a compact form.

    ``rules`` and ``backend`` are :func:`find_duplicates`'s. :meth:`add`
    folds a chunk of records (leads, contacts, accounts or rows) into what
    the rules compare and keeps, per record, only its id and those folded
    values; :meth:`add_existing` does the same for the existing records of
    :func:`check_records`. :meth:`result` is then exactly
    ``find_duplicates(every record added, rules)``, or, once
    :meth:`add_existing` was called, ``check_records(added, existing,
    rules)``: the same pairs, scores, explanations and order, and the same
    error for a refused record (a duplicate id, a missing column, a value a
    strict rule cannot read) whatever the chunks. :meth:`merge` combines two
    tallies exactly.

    >>> from crmcore.matching import FieldRule, MatchRule
    >>> rule = MatchRule(name="email", record_type="row", threshold=1,
    ...     comparisons=[FieldRule(field="email", method="exact", normalizer="email")])
    >>> tally = DuplicateTally(rule)
    >>> tally.add([{"id": "1", "email": "Sara@Pars.ir"}, {"id": "2", "email": "reza@pars.ir"}])
    >>> tally.add([{"id": "3", "email": "sara@pars.ir", "note": "کارت ویزیت"}])
    >>> len(tally)
    3
    >>> [f"{p.left.id}~{p.right.id}" for p in tally.result()]
    ['1~3']
    """

    def __init__(
        self,
        rules: MatchRule | MatchRuleSet | Iterable[MatchRule],
        *,
        backend: Backend = "auto",
    ) -> None:
        self.rules = as_rules(rules)
        self.backend: Backend = backend
        self._engine = resolve_backend(backend, obj="DuplicateTally")
        self._specs = _needed(self.rules)
        self._stores: dict[RecordType, _Store] = {}
        self._groups = (_Group(), _Group())
        self._checking = False
        self._shapes: list[tuple[Any, ...]] = []
        self._shape_of: dict[tuple[Any, ...], int] = {}
        self._memos: dict[tuple[Normalizer, str, bool], dict[str, str | None]] = {}

    def __len__(self) -> int:
        """How many records (new and existing) were added."""
        return sum(group.count for group in self._groups)

    def add(self, records: Iterable[object]) -> None:
        """Fold a chunk of records: the records checked among themselves."""
        self._add(records, _NEW)

    def add_existing(self, records: Iterable[object]) -> None:
        """Fold a chunk of existing records (:func:`check_records`' ``existing``):
        they are compared with the records of :meth:`add` only, never with each other."""
        self._checking = True
        self._add(records, _EXISTING)

    def _store(self, kind: RecordType) -> _Store:
        store = self._stores.get(kind)
        if store is None:
            store = self._stores[kind] = _Store(self._specs.get(kind, ()))
        return store

    def _add(self, records: Iterable[object], which: int) -> None:
        group = self._groups[which]
        try:
            items = list(records)
        except TypeError:
            raise ValidationError(
                obj="DuplicateTally",
                field="records",
                value=records,
                expected="an iterable of leads, contacts, accounts or rows",
            ) from None
        start = group.count
        group.count += len(items)
        if group.error is not None:
            return  # records after a refused one cannot change what result() raises
        by_kind: dict[RecordType, tuple[list[object], list[str], list[int]]] = {}
        kinds: dict[type[Any], RecordType] = {}
        for index, record in enumerate(items):
            try:
                kind = kinds.get(type(record))
                if kind is None:
                    kind = kinds[type(record)] = RecordType.of(record)
                ident = record_id(record)
            except ValidationError as err:
                group.error = (start + index, err)
                break
            entry = by_kind.setdefault(kind, ([], [], []))
            entry[0].append(record)
            entry[1].append(ident)
            entry[2].append(start + index)
        for kind, (chosen, ids, places) in by_kind.items():
            self._fold(self._store(kind), kind, chosen, ids, places=places, which=which)

    def _fold(
        self,
        store: _Store,
        kind: RecordType,
        records: list[object],
        ids: list[str],
        *,
        places: list[int],
        which: int,
    ) -> None:
        base = len(store.ids)
        store.ids.extend(ids)
        store.group.extend(bytes([which]) * len(ids))
        store.positions.extend(places)
        # One plain dict per row makes every field read a C-level dict lookup.
        rows = [
            r if type(r) is dict else dict(r) if isinstance(r, Mapping) else None for r in records
        ]
        if kind is RecordType.ROW:
            store.shapes.extend(self._shape(row) for row in rows)
        memos = self._memos
        for spec, column in store.columns.items():
            field, normalizer, region, strict = spec
            fold = value_folder(normalizer, region=region, strict=strict)
            memo = memos.setdefault((normalizer, region, strict), {})
            if len(memo) > MEMO_SIZE:  # a cache only: folding is pure, so any size is exact
                memo.clear()
            values, refused = _fold_column(fold, field, records, rows, memo)
            column.extend(values)
            if refused:
                mine = store.refused.setdefault(spec, {})
                mine.update((base + index, err) for index, err in refused.items())

    def _shape(self, row: Mapping[Any, Any] | None) -> int:
        shape = tuple(row or ())
        index = self._shape_of.get(shape)
        if index is None:
            index = self._shape_of[shape] = len(self._shapes)
            self._shapes.append(shape)
        return index

    def merge(self, other: DuplicateTally) -> DuplicateTally:
        """A new tally holding this one's records, then ``other``'s (same rules and
        backend); neither is changed. Its result is the one-shot result on both."""
        if not isinstance(other, DuplicateTally) or (other.rules, other.backend) != (
            self.rules,
            self.backend,
        ):
            raise ValidationError(
                obj="DuplicateTally",
                field="other",
                value=type(other).__name__,
                expected="a DuplicateTally with the same rules and backend",
            )
        out = DuplicateTally(self.rules, backend=self.backend)
        out._checking = self._checking or other._checking
        for mine, theirs, merged in zip(self._groups, other._groups, out._groups, strict=True):
            merged.count = mine.count + theirs.count
            merged.error = mine.error
            if mine.error is None and theirs.error is not None:
                merged.error = (mine.count + theirs.error[0], theirs.error[1])
        for tally in (self, other):
            offsets = (0, 0) if tally is self else (self._groups[0].count, self._groups[1].count)
            for kind, store in tally._stores.items():
                out._absorb(out._store(kind), store, tally._shapes, offsets)
        return out

    def _absorb(
        self, store: _Store, part: _Store, shapes: list[tuple[Any, ...]], offsets: tuple[int, int]
    ) -> None:
        base = len(store.ids)
        store.ids.extend(part.ids)
        store.group.extend(part.group)
        store.positions.extend(
            place + offsets[which] for place, which in zip(part.positions, part.group, strict=True)
        )
        store.shapes.extend(self._shape(dict.fromkeys(shapes[s])) for s in part.shapes)
        for spec, column in part.columns.items():
            store.columns[spec].extend(column)
        for spec, refused in part.refused.items():
            mine = store.refused.setdefault(spec, {})
            mine.update((base + index, err) for index, err in refused.items())

    def result(self) -> tuple[DuplicatePair, ...]:
        """The pairs :func:`find_duplicates` (or, after :meth:`add_existing`,
        :func:`check_records`) gives on every record added; the same error where it
        raises one."""
        orders = {kind: self._order(kind) for kind in self._stores}
        self._raise_refused(orders)
        found: list[DuplicatePair] = []
        for rule in self.rules:
            left = self._side(rule, rule.record_type, orders, matched=False)
            if not rule.same_type:
                right = self._side(rule, rule.target_type, orders, matched=True)
            elif asymmetric(rule):
                right = self._side(rule, rule.record_type, orders, matched=True)
            else:
                right = left
            new = None
            if self._checking:
                new = (self._new(rule.record_type, orders), self._new(rule.target_type, orders))
            found.extend(score_sides(rule, left, right, self._engine, new))
        return tuple(found)

    def _order(self, kind: RecordType) -> tuple[array[int], list[tuple[int, int, str]]]:
        """The records of ``kind`` sorted by id (an existing record with the id of a new
        one left out), and every (group, place, id) of a repeated id within a group."""
        store = self._stores[kind]
        ids, group, positions = store.ids, store.group, store.positions
        ranked = sorted(range(len(ids)), key=ids.__getitem__)  # stable: equal ids keep order
        order = array("q")
        repeats: list[tuple[int, int, str]] = []
        for _, same_id in groupby(ranked, key=ids.__getitem__):
            run = list(same_id)
            if len(run) == 1:  # the common case: an id seen once
                order.append(run[0])
                continue
            for which in (_NEW, _EXISTING):
                members = [i for i in run if group[i] == which]
                if len(members) > 1:  # the one-shot names the second occurrence
                    repeats.append((which, positions[members[1]], ids[members[1]]))
            fresh = [i for i in run if group[i] == _NEW]
            order.append(fresh[0] if fresh else run[0])
        return order, repeats

    def _raise_refused(
        self, orders: dict[RecordType, tuple[array[int], list[tuple[int, int, str]]]]
    ) -> None:
        """Raise what the one-shot raises first while keying: new records, then existing."""
        for which, group in enumerate(self._groups):
            repeated = [
                (place, kind, ident)
                for kind, (_, repeats) in orders.items()
                for g, place, ident in repeats
                if g == which
            ]
            first = min(repeated, default=None)
            if first is not None and (group.error is None or first[0] < group.error[0]):
                place, kind, ident = first
                raise ValidationError(
                    obj="find_duplicates",
                    field=f"records[{place}].id",
                    value=ident,
                    expected=f"ids unique per record type ({kind.value} {ident!r} appears twice)",
                )
            if group.error is not None:
                raise group.error[1]

    def _new(self, kind: RecordType, orders: dict[RecordType, tuple[array[int], Any]]) -> set[int]:
        if kind not in orders:
            return set()
        group = self._stores[kind].group
        return {n for n, i in enumerate(orders[kind][0]) if group[i] == _NEW}

    def _side(
        self,
        rule: MatchRule,
        kind: RecordType,
        orders: dict[RecordType, tuple[array[int], Any]],
        *,
        matched: bool,
    ) -> _Side:
        """One side of ``rule`` as the one-shot prepares it, from the folded columns."""
        side = _Side(len(rule.comparisons))
        if kind not in orders or not orders[kind][0]:  # no records: empty columns and blocks
            fill_side(side, rule, lambda field, normalizer: [], matched=matched)
            return side
        store, order = self._stores[kind], orders[kind][0]
        first = dict.fromkeys(self._shapes[store.shapes[order[0]]]) if store.shapes else None
        check_row_fields(rule, first, matched=matched)
        self._raise_strict(rule, kind, order, matched=matched)
        ids = store.ids
        side.keys = _Keys(kind, [ids[i] for i in order])
        taken: dict[tuple[str, Normalizer], list[str | None]] = {}

        def column(field: str, normalizer: Normalizer) -> list[str | None]:
            if (field, normalizer) not in taken:
                values = store.columns[field, normalizer, rule.region, rule.strict]
                taken[field, normalizer] = [values[i] for i in order]
            return taken[field, normalizer]

        fill_side(side, rule, column, matched=matched)
        return side

    def _raise_strict(
        self, rule: MatchRule, kind: RecordType, order: array[int], *, matched: bool
    ) -> None:
        """The refusal of a strict rule the one-shot meets first: column by column,
        then record by record in key order."""
        store = self._stores[kind]
        for field, normalizer in side_columns(rule, matched=matched):
            refused = store.refused.get((field, normalizer, rule.region, rule.strict))
            if not refused:
                continue
            index = next((i for i in order if i in refused), None)
            if index is None:
                continue
            err = refused[index]
            raise ValidationError(
                obj=str(RecordKey(kind, store.ids[index])),
                field=field,
                value=err.value,
                expected=err.expected,
            )
