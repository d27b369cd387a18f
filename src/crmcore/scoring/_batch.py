"""Column-wise scoring of many leads (private; see ``crmcore.scoring``).

The batch path evaluates each condition over whole columns with numpy when it
is installed, and adds points as integers scaled to the scorecard's finest
decimal place, so totals are exact and equal to :func:`score_lead`'s. Event
rules, ``has_event`` conditions and decay run over the events flattened into
columns (:mod:`crmcore.scoring._batch_events`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from crmcore import _checks as check
from crmcore._backend import Backend, resolve_backend
from crmcore.errors import ScoringError
from crmcore.scoring._batch_events import EventTable
from crmcore.scoring._conditions import Condition, EngagementEvent, Op, as_number, as_text
from crmcore.scoring._event_columns import EventColumns
from crmcore.scoring._scorecard import Rule, Scorecard, _missing_error, score_leads

__all__ = ["score_columns"]


def _length(columns: Mapping[str, Sequence[object]], obj: str) -> int:
    sizes = {len(values) for values in columns.values()}
    if len(sizes) > 1:
        raise ScoringError(obj=obj, field="columns", value=sorted(sizes), expected="equal lengths")
    return sizes.pop() if sizes else 0


def score_columns(
    card: Scorecard,
    columns: Mapping[str, Sequence[object]],
    *,
    now: datetime,
    events: Mapping[str, Sequence[EngagementEvent]] | EventColumns | None = None,
    backend: Backend = "auto",
    allow_missing: bool = False,
) -> list[Decimal]:
    """Scores of many leads given as columns (field → values).

    Equal to ``[r.score for r in score_leads(card, rows, events, now=now)]``:
    ``events`` maps a lead id (the ``id`` column) to its events, as
    :func:`score_leads` takes them (see :func:`group_events`), or is an
    :class:`EventColumns` table of events (no object per event). With
    numpy (``backend="auto"`` or ``"numpy"``) the conditions run over whole
    columns (a list, a tuple or a 1-d numpy array per field). Empty strings,
    ``None`` and NaN are missing values; numpy scalars count as the Python
    values they hold. A field the scorecard reads must be a column, unless
    ``allow_missing`` (then it is empty for every lead). Number ranges
    compare as binary floats on this path, which differs from the exact
    Decimal comparison only for values closer than about 1e-15 relative.

    >>> from datetime import UTC
    >>> from crmcore.scoring import RuleGroup
    >>> card = Scorecard(name="c", groups=[RuleGroup(name="g", rules=[
    ...     Rule(name="big", points="2.5", when=Condition.between("employees", low=100))])])
    >>> score_columns(card, {"employees": ["150", "20", ""]}, now=datetime(2026, 1, 1, tzinfo=UTC))
    [Decimal('2.5'), Decimal('0.0'), Decimal('0.0')]
    """
    columns, n = prepare_columns(
        card, columns, events, allow_missing=allow_missing, obj="score_columns"
    )
    if resolve_backend(backend, obj="score_columns") == "python":
        names = list(columns)
        rows = ({k: columns[k][i] for k in names} for i in range(n))
        by_lead = events.grouped() if isinstance(events, EventColumns) else events
        return [r.score for r in score_leads(card, rows, by_lead, now=now)]
    return NumpyScorer(card, columns, n, now, events or {}).run()


def prepare_columns(
    card: Scorecard,
    columns: Mapping[str, Sequence[object]],
    events: object,
    *,
    allow_missing: bool,
    obj: str,
) -> tuple[Mapping[str, Sequence[object]], int]:
    """The columns with absent fields empty (if allowed) and the row count; else raise."""
    check.refuse_frame(columns, obj=obj, use="crmcore.frames.score_frame")
    n = _length(columns, obj)
    missing = sorted(card.fields() - set(columns))
    if missing and not allow_missing:
        raise _missing_error(card, missing, columns)
    if missing:
        columns = {**columns, **{name: [None] * n for name in missing}}
    if events and "id" not in columns:
        raise ScoringError(
            obj=obj,
            field="id",
            value=sorted(columns)[:20],
            expected="an 'id' column to find each lead's events by",
        )
    return columns, n


class NumpyScorer:
    def __init__(
        self,
        card: Scorecard,
        columns: Mapping[str, Sequence[object]],
        n: int,
        now: datetime,
        events: Mapping[str, Sequence[EngagementEvent]] | EventColumns,
    ) -> None:
        import numpy as np  # noqa: PLC0415 - optional accelerator, imported only on this path

        self.np = np
        self.card = card
        self.columns = columns
        self.n = n
        self.now = now
        self.texts: dict[tuple[str, bool], Any] = {}
        self.numbers: dict[str, Any] = {}
        self.empty: dict[str, Any] = {}
        self.strings: dict[tuple[str, bool], list[str]] = {}
        exponents = [0]
        for rule in card.rules:
            values = [rule.points]
            if rule.mapping is not None:
                values += [*rule.mapping.points.values(), rule.mapping.default]
            exponents += [-int(v.as_tuple().exponent) for v in values if v.is_finite()]
        exponents += [
            -int(c.as_tuple().exponent)
            for c in [g.cap for g in card.groups] + [card.total_cap]
            if c is not None
        ]
        decays = any(r.event is not None and (r.decay or card.decay) for r in card.rules)
        self.places = max([*exponents, card.places if decays else 0])
        self.scale = 10**self.places
        ids = columns["id"] if "id" in columns else [None] * n
        self.events = EventTable(
            np, ids, events, now=now, places=card.places, unit_places=self.places
        )

    def _units(self, value: Decimal) -> int:
        return int(value.scaleb(self.places))

    def _numeric_array(self, name: str) -> Any:
        """The column as float64 if it is a numeric numpy array (NaN for missing), else None."""
        raw: Any = self.columns[name]
        if type(raw) is self.np.ndarray and raw.ndim == 1 and raw.dtype.kind in "iuf":
            return raw.astype(float, copy=False)
        return None

    def _missing(self, name: str) -> Any:
        if name not in self.empty:
            numbers = self._numeric_array(name)
            if numbers is not None:  # NaN is missing; a number is never empty text
                self.empty[name] = self.np.isnan(numbers)
            else:
                self.empty[name] = self._text_hits(name, False, lambda text: text == "")
        return self.empty[name]

    def _strings(self, name: str, *, ignore_case: bool) -> list[str]:
        key = (name, ignore_case)
        if key not in self.strings:
            if ignore_case:
                out = [v.casefold() for v in self._strings(name, ignore_case=False)]
            else:
                raw = self.columns[name]
                if set(map(type, raw)) <= {str}:
                    out = [str(v).strip() for v in raw]  # the common case: CSV text
                else:
                    out = ["" if (p := check.plain_scalar(v)) is None else as_text(p) for v in raw]
            self.strings[key] = out
        return self.strings[key]

    def _codes(self, name: str, *, ignore_case: bool) -> tuple[Any, list[str]]:
        """The column dictionary-encoded: a code per row and the distinct texts (stripped).

        A test on text (equals, in, contains, a category map, empty) then runs
        once per distinct value and is spread to the rows by the codes.
        """
        key = (name, ignore_case)
        if key not in self.texts:
            np = self.np
            if ignore_case:
                codes, distinct = self._codes(name, ignore_case=False)
                folded: dict[str, int] = {}
                remap = [folded.setdefault(d.casefold(), len(folded)) for d in distinct]
                self.texts[key] = (np.array(remap, dtype=np.int64)[codes], list(folded))
            else:
                raw = self.columns[name]
                plain = set(map(type, raw)) <= {str}  # CSV text: strip the distinct values only
                cells: Sequence[Any] = raw if plain else self._strings(name, ignore_case=False)
                position = {t: i for i, t in enumerate(dict.fromkeys(cells))}
                codes = np.fromiter(map(position.__getitem__, cells), np.int64, self.n)
                index: dict[str, int] = {}
                remap = [index.setdefault(t.strip(), len(index)) for t in position]
                self.texts[key] = (np.array(remap, dtype=np.int64)[codes], list(index))
        result: tuple[Any, list[str]] = self.texts[key]
        return result

    def _text_hits(self, name: str, ignore_case: bool, test: Callable[[str], bool]) -> Any:
        """Which rows' text passes ``test`` (evaluated once per distinct text)."""
        codes, distinct = self._codes(name, ignore_case=ignore_case)
        hits = self.np.array([test(text) for text in distinct], dtype=bool)
        return hits[codes] if distinct else self.np.zeros(self.n, dtype=bool)

    def _number(self, name: str, rule: str) -> Any:
        key = name  # parsed once per column; errors name the first rule that reads it
        if key not in self.numbers:
            np = self.np
            raw = self.columns[name]
            missing = self._missing(name)
            fast = self._numeric_array(name)
            if fast is not None and np.isfinite(fast[~missing]).all():
                self.numbers[key] = fast
                return fast
            try:
                if set(map(type, raw)) <= {str}:
                    nan = float("nan")
                    strings = self._strings(name, ignore_case=False)
                    values = np.array([float(v) if v else nan for v in strings], dtype=float)
                else:
                    values = np.asarray(
                        [np.nan if v is None or v == "" else v for v in raw], dtype=float
                    )
                if values.ndim != 1 or not np.isfinite(values[~missing]).all():
                    raise ValueError(name)
            except (ValueError, TypeError):
                parsed = []
                for value, empty in zip(raw, missing, strict=True):
                    if empty:
                        parsed.append(np.nan)
                    else:
                        plain = check.plain_scalar(value)
                        parsed.append(float(as_number(plain, rule=rule, field=name)))
                values = np.asarray(parsed, dtype=float)
            self.numbers[key] = values
        return self.numbers[key]

    def _mask(self, condition: Condition, rule: str, *, events: bool = True) -> Any:
        """Which rows meet ``condition``; ``events=False`` tests as with no events (grading)."""
        op = condition.op
        if op in (Op.ALL, Op.ANY, Op.NOT):
            return self._logic_mask(condition, rule, events=events)
        if op is Op.HAS_EVENT:
            if not events:  # min_count >= 1: no event never meets it
                return self.np.zeros(self.n, dtype=bool)
            return self.events.has_event(condition)
        field = condition.field or ""
        present = ~self._missing(field)
        if op is Op.EXISTS:
            return present
        if op in (Op.EQUALS, Op.IN, Op.CONTAINS):
            return present & self._text_mask(condition)
        if op is Op.RANGE:
            return present & self._range_mask(condition, rule)
        # matches, before, after, within_days: per value, with the scalar semantics
        raw = self.columns[field]
        return self.np.fromiter(
            (
                bool(p) and condition.test_value(check.plain_scalar(v), now=self.now, rule=rule)
                for v, p in zip(raw, present, strict=True)
            ),
            dtype=bool,
            count=self.n,
        )

    def _logic_mask(self, condition: Condition, rule: str, *, events: bool) -> Any:
        np = self.np
        if condition.op is Op.NOT:
            return ~self._mask(condition.conditions[0], rule, events=events)
        if condition.op is Op.ALL:
            mask = np.ones(self.n, dtype=bool)
            for sub in condition.conditions:
                mask &= self._mask(sub, rule, events=events)
            return mask
        mask = np.zeros(self.n, dtype=bool)
        for sub in condition.conditions:
            mask |= self._mask(sub, rule, events=events)
        return mask

    def _text_mask(self, condition: Condition) -> Any:
        field = condition.field or ""
        ignore_case = condition.ignore_case

        def fold(value: str) -> str:
            return value.casefold() if ignore_case else value

        if condition.op is Op.EQUALS:
            wanted = fold(condition.value or "")
            return self._text_hits(field, ignore_case, lambda text: text == wanted)
        if condition.op is Op.IN:
            pool = {fold(v) for v in condition.values}
            return self._text_hits(field, ignore_case, pool.__contains__)
        needle = fold(condition.value or "")
        return self._text_hits(field, ignore_case, lambda text: needle in text)

    def _range_mask(self, condition: Condition, rule: str) -> Any:
        np = self.np
        numbers = self._number(condition.field or "", rule)
        mask = np.ones(self.n, dtype=bool)
        with np.errstate(invalid="ignore"):
            if condition.low is not None:
                mask &= numbers >= float(condition.low)
            if condition.high is not None:
                mask &= numbers <= float(condition.high)
        return mask

    def _rule_units(self, rule: Rule) -> Any:
        np = self.np
        if rule.mapping is not None:
            mapping = rule.mapping
            codes, distinct = self._codes(mapping.field, ignore_case=mapping.ignore_case)
            table = {
                (k.casefold() if mapping.ignore_case else k): self._units(v)
                for k, v in mapping.points.items()
            }
            default = self._units(mapping.default)
            per_text = [table.get(t, default) if t else default for t in distinct]
            units = (
                np.array(per_text, dtype=np.int64)[codes]
                if distinct
                else (np.full(self.n, default, dtype=np.int64))
            )
        elif rule.event is not None:
            units = self.events.rule_units(rule, rule.decay or self.card.decay)
        else:
            units = np.full(self.n, self._units(rule.points), dtype=np.int64)
        if rule.when is not None:
            units = np.where(self._mask(rule.when, rule.name), units, 0)
        return units

    def run(self) -> list[Decimal]:
        np = self.np
        total = np.zeros(self.n, dtype=np.int64)
        for group in self.card.groups:
            subtotal = np.zeros(self.n, dtype=np.int64)
            for rule in group.rules:
                subtotal += self._rule_units(rule)
            if group.cap is not None:
                # caps are >= 0, so cutting positive lines always reaches the cap exactly
                subtotal = np.minimum(subtotal, self._units(group.cap))
            total += subtotal
        if self.card.total_cap is not None:
            total = np.minimum(total, self._units(self.card.total_cap))
        exponent = -self.places
        # few distinct scores: build each Decimal once
        distinct, index = np.unique(total, return_inverse=True)
        decimals = [Decimal(int(v)).scaleb(exponent) for v in distinct.tolist()]
        return [decimals[i] for i in index.tolist()]
