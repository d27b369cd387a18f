"""Event rules and decay over columns for the batch path (private; see ``score_columns``).

Every lead's events become flat numpy columns (row of the lead, kind, age in
microseconds, detail). An event rule is then a mask over those columns and a
sum per lead. Decayed points are rounded half up per event to the
scorecard's places exactly as :func:`~crmcore.scoring.score_lead` rounds them:
step factors are applied in Decimal (a handful of distinct factors); half-life
factors in binary floating point, and every product within 1e-6 of a rounding
boundary is recomputed in Decimal, so the results are equal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import repeat
from typing import Any

from crmcore import _checks as check
from crmcore.errors import ScoringError
from crmcore.scoring._conditions import Condition, EngagementEvent, EventFilter
from crmcore.scoring._event_columns import EventColumns
from crmcore.scoring._scorecard import Decay, DecayKind, Frequency, Rule

__all__: list[str] = []

_MICROSECOND = timedelta(microseconds=1)
_DAY_US = 86_400 * 1_000_000
_BOUNDARY = 1e-6
"""Products this close to a half unit are rounded again in Decimal."""


def _keys(values: Sequence[object]) -> Sequence[object]:
    """Lead ids as dictionary keys: plain str cells as they are ("" matches no row), else lead_key."""
    if set(map(type, values)) <= {str}:
        return values
    return [lead_key(v) for v in values]


def _unique_rows(ids: Sequence[object]) -> dict[object, int] | None:
    """Lead id → its row when no id repeats (None otherwise); empty ids are left out."""
    keys = _keys(ids)
    row_of = dict(zip(keys, range(len(keys)), strict=True))
    if len(row_of) != len(keys) and not _no_repeats(keys):
        return None
    row_of.pop(None, None)
    row_of.pop("", None)
    return row_of


def _no_repeats(keys: Sequence[object]) -> bool:
    """True when only empty ids repeat."""
    seen = [k for k in keys if k is not None and k != ""]
    return len(set(seen)) == len(seen)


def _rows_of(ids: Sequence[object]) -> dict[str, list[int]]:
    rows_of: dict[str, list[int]] = {}
    for row, raw in enumerate(ids):
        key = lead_key(raw)
        if key is not None:
            rows_of.setdefault(key, []).append(row)
    return rows_of


def lead_key(raw: object) -> str | None:
    """The id a row's events are found by (as ``score_lead`` reads ``id``)."""
    plain = check.plain_scalar(raw)
    return None if plain is None or plain == "" else str(plain)


class EventTable:
    """Every lead's events as flat columns, for many event rules at once."""

    def __init__(
        self,
        np: Any,
        ids: Sequence[object],
        by_lead: Mapping[str, Sequence[EngagementEvent]] | EventColumns,
        *,
        now: datetime,
        places: int,
        unit_places: int,
    ) -> None:
        """``places``: decayed points round to them; ``unit_places``: the units returned."""
        self.np = np
        self.n = len(ids)
        self.now = now
        self.places = places
        self.unit_places = unit_places
        self.quantum = Decimal(1).scaleb(-places)
        if isinstance(by_lead, EventColumns):
            self._from_columns(ids, by_lead)
            return
        rows_of = _rows_of(ids)
        rows: list[int] = []
        events: list[EngagementEvent] = []
        for lead_id, found in by_lead.items():
            for row in rows_of.get(lead_id, ()):
                rows.extend([row] * len(found))
                events.extend(found)
        self.row = np.array(rows, dtype=np.int64)
        self.kind = np.array([e.kind for e in events], dtype=str)
        self.age = np.array([(now - e.at) // _MICROSECOND for e in events], dtype=np.int64)
        self.details = [e.detail for e in events]

    def _from_columns(self, ids: Sequence[object], columns: EventColumns) -> None:
        """The flat columns from event columns: an event joins every row with its lead id."""
        np = self.np
        keys = _keys(columns.lead_id)
        row_of = None if columns.rows is not None else _unique_rows(ids)
        if columns.rows is not None:  # joined by the caller
            joined = np.asarray(columns.rows, dtype=np.int64)
            if joined.shape != (len(keys),) or ((joined < -1) | (joined >= self.n)).any():
                raise ScoringError(
                    obj="EventColumns",
                    field="rows",
                    value=joined.shape,
                    expected=f"one row in -1..{self.n - 1} per event",
                )
            take = np.flatnonzero(joined >= 0)
            rows = joined[take]
        elif row_of is not None:  # ids unique: at most one row per event, joined in C loops
            joined = np.fromiter(map(row_of.get, keys, repeat(-1)), np.int64, len(keys))
            take = np.flatnonzero(joined >= 0)
            rows = joined[take]
        else:
            rows_of = _rows_of(ids)
            pairs = [
                (r, j) for j, k in enumerate(keys) if k is not None for r in rows_of.get(str(k), ())
            ]
            rows = np.array([r for r, _ in pairs], dtype=np.int64)
            take = np.array([j for _, j in pairs], dtype=np.int64)
        self.row = rows
        self.kind = columns.kinds(np)[take]
        self.age = columns.ages_us(np, self.now)[take]
        details = columns.details()
        self.details = [details[j] for j in take.tolist()]

    def _window(self, kinds: Sequence[str], days: int | None) -> Any:
        np = self.np
        mask = np.isin(self.kind, np.array(list(kinds), dtype=str)) & (self.age >= 0)
        if days is not None:
            mask &= self.age <= days * _DAY_US
        return mask

    def matching(self, event: EventFilter) -> Any:
        """Which events the filter accepts at ``now`` (as ``EventFilter.accepts``)."""
        mask = self._window(event.kinds, event.within_days)
        if event.detail_contains is not None:
            needle = event.detail_contains.casefold()
            mask &= self.np.array(
                [d is not None and needle in d.casefold() for d in self.details], dtype=bool
            )
        return mask

    def has_event(self, condition: Condition) -> Any:
        """The ``has_event`` condition for every lead."""
        mask = self._window((condition.event or "",), condition.days)
        counts = self.np.bincount(self.row[mask], minlength=self.n)
        return counts >= condition.min_count

    def rule_units(self, rule: Rule, decay: Decay | None) -> Any:
        """Each lead's decayed points of an event rule, in units of the scorecard's places."""
        np = self.np
        assert rule.event is not None  # noqa: S101 - only event rules come here
        mask = self.matching(rule.event)
        rows, ages = self.row[mask], self.age[mask]
        if rule.frequency is Frequency.NONE:
            counts = np.bincount(rows, minlength=self.n)
            # never decayed, so never rounded (as score_lead): the points exactly
            return np.where(counts == 0, int(rule.points.scaleb(self.unit_places)), 0)
        if rule.frequency is Frequency.ONCE:
            newest = np.full(self.n, np.iinfo(np.int64).max, dtype=np.int64)
            np.minimum.at(newest, rows, ages)
            fired = np.flatnonzero(newest != np.iinfo(np.int64).max)
            out = np.zeros(self.n, dtype=np.int64)
            out[fired] = self.decayed(rule.points, decay, newest[fired])
            return out
        units = self.decayed(rule.points, decay, ages)
        sums = np.bincount(rows, weights=units.astype(float), minlength=self.n)
        return np.rint(sums).astype(np.int64)  # exact: integer sums far below 2**53

    def rule_counts(self, rule: Rule) -> Any:
        """How many of each lead's events an event rule's filter accepts."""
        assert rule.event is not None  # noqa: S101 - only event rules come here
        return self.np.bincount(self.row[self.matching(rule.event)], minlength=self.n)

    def _exact(self, points: Decimal, factor: Decimal, places: int | None = None) -> int:
        """``points × factor`` rounded half up to the quantum, in units of ``places``."""
        value = (points * factor).quantize(self.quantum, rounding=ROUND_HALF_UP)
        return int(value.scaleb(self.unit_places if places is None else places))

    def decayed(self, points: Decimal, decay: Decay | None, ages: Any) -> Any:
        """Points after decay for events of these ages, rounded half up per event."""
        np = self.np
        if decay is None:
            return np.full(len(ages), int(points.scaleb(self.unit_places)), dtype=np.int64)
        if decay.kind is DecayKind.STEP:
            return self._step_units(points, decay, ages)
        return self._half_life_units(points, decay, ages)

    def _step_units(self, points: Decimal, decay: Decay, ages: Any) -> Any:
        np = self.np
        out = np.full(len(ages), self._exact(points, Decimal(1)), dtype=np.int64)
        for step in decay.steps:  # later steps overwrite earlier ones, as Decay.factor
            reached = (ages > 0) & (ages >= step.after_days * _DAY_US)
            out[reached] = self._exact(points, step.factor)
        return out

    def _half_life_units(self, points: Decimal, decay: Decay, ages: Any) -> Any:
        np = self.np
        assert decay.half_life_days is not None  # noqa: S101 - checked by Decay
        seconds = ages / 1e6
        factor = np.where(ages > 0, 0.5 ** (seconds / (float(decay.half_life_days) * 86400.0)), 1.0)
        scaled = float(points.scaleb(self.places)) * factor
        size = np.abs(scaled)
        units = np.sign(scaled) * np.floor(size + 0.5)
        near = np.flatnonzero(np.abs(size - np.floor(size) - 0.5) < _BOUNDARY)
        for index in near.tolist():
            age = timedelta(microseconds=int(ages[index]))
            units[index] = self._exact(points, decay.factor(age), self.places)
        # rounded in units of `places`; `unit_places` >= `places` whenever a decay applies
        return units.astype(np.int64) * 10 ** (self.unit_places - self.places)
