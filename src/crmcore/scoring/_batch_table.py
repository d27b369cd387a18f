"""Scores, grades, ratings and explanations of many leads as columns (private; see
``crmcore.scoring``).

:func:`score_table` gives, for leads given as columns, every figure of
:func:`~crmcore.scoring.score_leads` that a table of results shows: the score,
the grade, the rating, sales readiness and the explanation lines, each equal
to the scalar path's, row by row. With numpy the rules run over whole columns
(the batch path of :func:`~crmcore.scoring.score_columns`); caps are cut over
columns with the scalar path's rule (positive lines, the last fired first), and
each explanation is composed once per distinct pattern of fired lines.

Equal means equal as text too: a ``Decimal`` keeps the exponent the scalar
path's arithmetic gives it (``Decimal("2.5") + Decimal(0)`` is ``2.5``, a
decayed value has the scorecard's places), so the columns carry each value's
exponent beside its integer units and build each distinct ``Decimal`` once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore._backend import Backend, resolve_backend
from crmcore.scoring._batch import NumpyScorer, prepare_columns
from crmcore.scoring._conditions import EngagementEvent
from crmcore.scoring._event_columns import EventColumns
from crmcore.scoring._scorecard import (
    GRADE_LETTERS,
    Frequency,
    Rule,
    Scorecard,
    ScoreResult,
    score_leads,
)

__all__ = ["ScoreTable", "score_table"]


@attrs.frozen(kw_only=True)
class ScoreTable:
    """Many leads' results on one scorecard, as columns (one item per lead, in order).

    Row ``i`` holds what ``score_leads(...)[i]`` holds: ``scores[i]`` its
    ``score``, ``grades[i]`` its ``grade``, ``ratings[i]`` its ``rating``,
    ``sales_ready[i]`` its ``sales_ready`` and ``explanations[i]`` its
    ``explain()`` (``None`` when :func:`score_table` was asked for no
    explanations). Rows with the same explanation share one tuple.
    """

    scores: tuple[Decimal, ...]
    grades: tuple[str | None, ...]
    ratings: tuple[str | None, ...]
    sales_ready: tuple[bool, ...]
    explanations: tuple[tuple[str, ...], ...] | None = None

    def __len__(self) -> int:
        return len(self.scores)


def score_table(
    card: Scorecard,
    columns: Mapping[str, Sequence[object]],
    *,
    now: datetime,
    events: Mapping[str, Sequence[EngagementEvent]] | EventColumns | None = None,
    backend: Backend = "auto",
    allow_missing: bool = False,
    explain: bool = True,
) -> ScoreTable:
    """Score, grade, rating, sales readiness and explanation of many leads given as columns.

    The columns, ``events``, ``backend`` and ``allow_missing`` are those of
    :func:`score_columns`, and ``scores`` equals what it returns. Every column
    of the result equals, row by row, the field of
    ``score_leads(card, rows, events, now=now)`` it is named after, and
    ``explanations[i] == results[i].explain()``, the same text to the last
    digit. ``explain=False`` skips the explanations (``None``).

    >>> from datetime import UTC
    >>> from crmcore.scoring import Condition, RatingBand, RuleGroup
    >>> card = Scorecard(name="c", bands=[RatingBand(name="hot", low=10),
    ...     RatingBand(name="cold", high=10)], groups=[RuleGroup(name="g", cap=12, rules=[
    ...     Rule(name="big", points=10, when=Condition.between("employees", low=100)),
    ...     Rule(name="iran", points="2.5", when=Condition.equals("country", "IR"))])])
    >>> table = score_table(card, {"employees": ["150", "20"], "country": ["IR", "IR"]},
    ...                     now=datetime(2026, 1, 1, tzinfo=UTC))
    >>> table.scores, table.ratings
    ((Decimal('12.0'), Decimal('2.5')), ('hot', 'cold'))
    >>> table.explanations
    (('big +10', 'iran +2.5 cap -0.5'), ('iran +2.5',))
    """
    columns, n = prepare_columns(
        card, columns, events, allow_missing=allow_missing, obj="score_table"
    )
    check.require_aware(now, obj="score_table", field="now")
    if resolve_backend(backend, obj="score_table") == "python":
        names = list(columns)
        rows = ({k: columns[k][i] for k in names} for i in range(n))
        by_lead = events.grouped() if isinstance(events, EventColumns) else events
        return _from_results(score_leads(card, rows, by_lead, now=now), explain=explain)
    scorer = NumpyScorer(card, columns, n, now, events or {})
    return _TableScorer(scorer).run(explain=explain)


def _from_results(results: Sequence[ScoreResult], *, explain: bool) -> ScoreTable:
    return ScoreTable(
        scores=tuple(r.score for r in results),
        grades=tuple(r.grade for r in results),
        ratings=tuple(r.rating for r in results),
        sales_ready=tuple(r.sales_ready for r in results),
        explanations=tuple(r.explain() for r in results) if explain else None,
    )


class _Line:
    """One rule's line in every row: fired, occurrences, decayed value, cap effect.

    Values are integer units of the scorer's places with their Decimal
    exponents beside them (``*_exp``); the undecayed points follow from the
    rule and the occurrences (see ``_TableScorer._text``).
    """

    __slots__ = ("decayed", "decayed_exp", "effect", "effect_exp", "fired", "occurrences", "rule")

    def __init__(self, rule: Rule, fired: Any, occurrences: Any, decayed: Any, exp: Any) -> None:
        self.rule = rule
        self.fired = fired
        self.occurrences = occurrences
        self.decayed = decayed
        self.decayed_exp = exp
        self.effect = decayed * 0
        self.effect_exp = decayed * 0


def _exponent(value: Decimal) -> int:
    return int(value.as_tuple().exponent)


class _TableScorer:
    """The numpy path of :func:`score_table` over a :class:`NumpyScorer`'s columns."""

    def __init__(self, scorer: NumpyScorer) -> None:
        self.scorer = scorer
        self.np = scorer.np
        self.card = scorer.card
        self.n = scorer.n
        self.places = scorer.places
        self.decimals: dict[tuple[int, int], Decimal] = {}

    def decimal(self, units: int, exp: int) -> Decimal:
        """The Decimal of ``units`` (of the scorer's places) written with exponent ``exp``."""
        key = (units, exp)
        found = self.decimals.get(key)
        if found is None:
            found = Decimal(units // 10 ** (self.places + exp)).scaleb(exp)
            self.decimals[key] = found
        return found

    def _units(self, value: Decimal) -> int:
        return int(value.scaleb(self.places))

    def line(self, rule: Rule) -> _Line:
        """The line of ``rule`` in every row, before caps."""
        np = self.np
        scorer = self.scorer
        when = (
            scorer._mask(rule.when, rule.name)
            if rule.when is not None
            else np.ones(self.n, dtype=bool)
        )
        ones = np.ones(self.n, dtype=np.int64)
        if rule.mapping is not None:
            units, exps = self._mapping(rule)
            return _Line(rule, when & (units != 0), ones, units, exps)
        if rule.event is None:
            exp = np.full(self.n, _exponent(rule.points), dtype=np.int64)
            return _Line(rule, when, ones, ones * self._units(rule.points), exp)
        counts = scorer.events.rule_counts(rule)
        decay = rule.decay or self.card.decay
        if rule.frequency is Frequency.NONE:
            exp = np.full(self.n, _exponent(rule.points), dtype=np.int64)
            return _Line(rule, when & (counts == 0), ones * 0, ones * self._units(rule.points), exp)
        units = scorer.events.rule_units(rule, decay)
        # Decimal(0) + points per event, or points quantized to the card's places
        exponent = -self.card.places if decay is not None else min(0, _exponent(rule.points))
        occurrences = counts if rule.frequency is Frequency.EACH else ones
        exp = np.full(self.n, exponent, dtype=np.int64)
        return _Line(rule, when & (counts > 0), occurrences, units, exp)

    def _mapping(self, rule: Rule) -> tuple[Any, Any]:
        """Units and exponents of a category map's points (the first key that matches)."""
        np = self.np
        mapping = rule.mapping
        assert mapping is not None  # noqa: S101 - only category rules come here
        codes, distinct = self.scorer._codes(mapping.field, ignore_case=mapping.ignore_case)
        table: dict[str, Decimal] = {}
        for key, value in mapping.points.items():
            table.setdefault(key.casefold() if mapping.ignore_case else key, value)
        values = [table.get(t, mapping.default) if t else mapping.default for t in distinct]
        if not values:
            values, codes = [mapping.default], np.zeros(self.n, dtype=np.int64)
        units = np.array([self._units(v) for v in values], dtype=np.int64)[codes]
        exps = np.array([_exponent(v) for v in values], dtype=np.int64)[codes]
        return units, exps

    def cut(self, lines: Sequence[_Line], cap: Decimal) -> None:
        """Take ``total − cap`` from positive fired lines, the last first (as ``_cut``)."""
        np = self.np
        excess = -self._units(cap) + sum(np.where(x.fired, x.decayed + x.effect, 0) for x in lines)
        excess_exp = np.full(self.n, min(0, _exponent(cap)), dtype=np.int64)
        for x in lines:
            line_exp = np.minimum(x.decayed_exp, x.effect_exp)
            excess_exp = np.where(x.fired, np.minimum(excess_exp, line_exp), excess_exp)
        for x in reversed(lines):
            available = x.decayed + x.effect
            taking = x.fired & (excess > 0) & (available > 0)
            whole = excess >= available  # min(available, excess) is `available` then
            take = np.where(taking, np.where(whole, available, excess), 0)
            line_exp = np.minimum(x.decayed_exp, x.effect_exp)
            take_exp = np.where(whole, line_exp, excess_exp)
            x.effect = x.effect - take
            x.effect_exp = np.where(taking, np.minimum(x.effect_exp, take_exp), x.effect_exp)
            excess = excess - take
            excess_exp = np.where(taking, np.minimum(excess_exp, take_exp), excess_exp)

    def run(self, *, explain: bool) -> ScoreTable:
        np = self.np
        card = self.card
        lines: list[_Line] = []
        for group in card.groups:
            ours = [self.line(rule) for rule in group.rules]
            if group.cap is not None:
                self.cut(ours, group.cap)
            lines.extend(ours)
        if card.total_cap is not None:
            self.cut(lines, card.total_cap)
        total = np.zeros(self.n, dtype=np.int64)
        exp = np.zeros(self.n, dtype=np.int64)
        for x in lines:
            total += np.where(x.fired, x.decayed + x.effect, 0)
            value_exp = np.minimum(x.decayed_exp, x.effect_exp)
            exp = np.where(x.fired, np.minimum(exp, value_exp), exp)
        scores = self._decimals(total, exp)
        distinct = {
            s: (card.rating(s), card.sales_ready_at is not None and s >= card.sales_ready_at)
            for s in set(scores)
        }
        return ScoreTable(
            scores=tuple(scores),
            grades=self._grades(),
            ratings=tuple(distinct[s][0] for s in scores),
            sales_ready=tuple(distinct[s][1] for s in scores),
            explanations=self._explanations(lines) if explain else None,
        )

    def _combined(self, arrays: Sequence[Any]) -> Any:
        """A code per row for the distinct tuples of ``arrays`` (equal tuples, equal codes)."""
        np = self.np
        code = np.zeros(self.n, dtype=np.int64)
        span = 1
        for column in arrays:
            values = column.reshape(-1)
            low, high = int(values.min()), int(values.max())
            if low == high:
                continue
            if high - low >= self.n:  # a wide range: its distinct values are at most n
                _, values = np.unique(values, return_inverse=True)
                low, high = 0, int(values.max())
            width = high - low + 1
            if span * width >= 2**62:
                _, code = np.unique(code, return_inverse=True)
                span = int(code.max()) + 1
            code = code * width + (values - low)
            span *= width
        return code

    def _decimals(self, units: Any, exps: Any) -> list[Decimal]:
        np = self.np
        if not self.n:
            return []
        _, first, inverse = np.unique(
            self._combined([units, exps]), return_index=True, return_inverse=True
        )
        decimals = [self.decimal(int(units[i]), int(exps[i])) for i in first.tolist()]
        return [decimals[i] for i in inverse.reshape(-1).tolist()]

    def _grades(self) -> tuple[str | None, ...]:
        np = self.np
        grading = self.card.grading
        if grading is None:
            return (None,) * self.n
        index = np.full(self.n, GRADE_LETTERS.index(grading.start), dtype=np.int64)
        for criterion in grading.criteria:
            # Grading.grade tests criteria on fields alone (no events)
            hit = self.scorer._mask(criterion.when, criterion.name, events=False)
            index += np.where(hit, criterion.match_steps, -criterion.miss_steps)
        index = np.clip(index, 0, len(GRADE_LETTERS) - 1)
        letters = list(GRADE_LETTERS)
        return tuple(letters[i] for i in index.tolist())

    def _explanations(self, lines: Sequence[_Line]) -> tuple[tuple[str, ...], ...]:
        """Each row's explanation, composed once per distinct pattern of lines."""
        np = self.np
        if not self.n:
            return ()
        texts: list[list[str | None]] = []
        codes: list[Any] = []
        for x in lines:
            fired = x.fired
            parts = [x.occurrences, x.decayed, x.decayed_exp, x.effect, x.effect_exp]
            key = self._combined([fired.astype(np.int64)] + [np.where(fired, p, 0) for p in parts])
            _, first, code = np.unique(key, return_index=True, return_inverse=True)
            row_texts: list[str | None] = []
            for i in first.tolist():
                row = [int(p[i]) for p in parts]
                row_texts.append(self._text(x.rule, row) if fired[i] else None)
            texts.append(row_texts)
            codes.append(code.reshape(-1))
        _, firsts, order = np.unique(self._combined(codes), return_index=True, return_inverse=True)
        composed = []
        for first in firsts.tolist():
            found = (texts[i][codes[i][first]] for i in range(len(lines)))
            composed.append(tuple(t for t in found if t is not None))
        return tuple(composed[i] for i in order.reshape(-1).tolist())

    def _text(self, rule: Rule, row: Sequence[int]) -> str:
        """A line's explanation text, as ``ScoreResult.explain`` writes it, from its
        occurrences, decayed units and exponent, and cap effect units and exponent."""
        occurrences, decayed_units, decayed_exp, effect_units, effect_exp = row
        decayed = self.decimal(decayed_units, decayed_exp)
        if rule.mapping is not None or rule.event is None:
            points = decayed
        else:
            points = (
                rule.points * max(occurrences, 1)
                if rule.frequency is Frequency.EACH
                else rule.points
            )
        text = rule.name + (f" x{occurrences}" if occurrences > 1 else "")
        text += f" {_signed(decayed)}"
        if decayed != points:
            text += f" (of {_signed(points)})"
        if effect_units:
            text += f" cap {self.decimal(effect_units, effect_exp)}"
        return text


def _signed(value: Decimal) -> str:
    return f"+{value}" if value >= 0 else str(value)
