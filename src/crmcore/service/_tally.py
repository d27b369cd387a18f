"""Survey answers counted a batch at a time (private; see ``crmcore.service``).

CSAT, NPS and CES depend only on how many answers of each score a group has,
so a large survey can be read in chunks: :class:`SurveyTally` counts each
chunk's answers per (group, score), tallies merge exactly, and
:meth:`SurveyTally.result` is what :func:`~crmcore.service.summarize` gives
for all the answers at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.service._satisfaction import (
    _KEYS,
    NPS_SCALE,
    RatingScale,
    SurveyResponse,
    _z,
    ces_from_counts,
    csat_from_counts,
    nps_from_counts,
    period_key,
)

__all__ = ["SurveyTally"]

_DEFAULT_SCALES = {"csat": RatingScale(), "nps": NPS_SCALE, "ces": RatingScale(1, 7)}
_BY = (*_KEYS, "period")


def _check_settings(tally: SurveyTally) -> None:
    if tally.metric not in _DEFAULT_SCALES:
        raise ValidationError(
            obj="SurveyTally", field="metric", value=tally.metric, expected="csat, nps or ces"
        )
    if tally.by is not None and tally.by not in _BY:
        raise ValidationError(
            obj="SurveyTally", field="by", value=tally.by, expected=", ".join(_BY)
        )
    period_key(datetime(2000, 1, 1, tzinfo=UTC), tally.period)  # refuse a bad period up front
    if tally.scale is not None and not isinstance(tally.scale, RatingScale):
        raise ValidationError(
            obj="SurveyTally", field="scale", value=tally.scale, expected="a RatingScale"
        )
    _z(tally.confidence, tally.metric)


@attrs.define(eq=False)
class SurveyTally:
    """Answers of one survey metric counted per (group, score), fed a batch at a time.

    The settings are :func:`~crmcore.service.summarize`'s. :meth:`add` checks
    and counts a batch of responses, :meth:`merge` gives a new tally of
    both tallies' counts (exact: counts are integers), :meth:`result` gives one
    :class:`CsatResult`, :class:`NpsResult` or :class:`CesResult` per group,
    equal to ``summarize`` over every response added.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> tally = SurveyTally(by="agent")
    >>> tally.add([SurveyResponse(score=5, at=t, agent="ali"), SurveyResponse(score=2, at=t, agent="ali")])
    >>> tally.add([SurveyResponse(score=4, at=t, agent="sara")])
    >>> tally.counts()
    {'ali': {2: 1, 5: 1}, 'sara': {4: 1}}
    >>> {k: r.rate for k, r in tally.result().items()}
    {'ali': 0.5, 'sara': 1.0}
    """

    metric: str = "csat"
    by: str | None = None
    period: str = "month"
    jalali: bool = False
    scale: RatingScale | None = None
    confidence: float = 0.95
    _groups: dict[str, dict[int, int]] = attrs.field(factory=dict, init=False, repr=False)
    _periods: dict[date, str] = attrs.field(factory=dict, init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        _check_settings(self)

    @property
    def _scale(self) -> RatingScale:
        if self.metric == "nps" or self.scale is None:
            return _DEFAULT_SCALES[self.metric]
        return self.scale

    def _key(self) -> Callable[[SurveyResponse], str | None]:
        if self.by is None:
            return lambda r: "all"
        if self.by != "period":
            return _KEYS[self.by]
        cache, period, jalali = self._periods, self.period, self.jalali

        def by_period(r: SurveyResponse) -> str:
            day = r.at.date()  # the label depends on the local date only
            label = cache.get(day)
            if label is None:
                label = cache[day] = period_key(r.at, period, jalali=jalali)
            return label

        return by_period

    def add(self, responses: Iterable[SurveyResponse]) -> None:
        """Check and count ``responses``; a bad score raises before anything is counted.

        A bad score is named as :func:`~crmcore.service.summarize` names it:
        ``responses[i].score`` of the metric, ``i`` its place in its group.
        """
        items = check.require_items(responses, SurveyResponse, obj="SurveyTally", field="responses")
        key, scale, metric = self._key(), self._scale, self.metric
        low, high = scale.low, scale.high
        batch: dict[str, dict[int, int]] = {}
        for r in items:
            name = key(r) or "(none)"
            counts = batch.setdefault(name, {})
            score = r.score
            if type(score) is not int or not low <= score <= high:
                done = sum(self._groups.get(name, {}).values()) + sum(counts.values())
                scale.check(score, obj=metric, field=f"responses[{done}].score")
            counts[score] = counts.get(score, 0) + 1
        self._absorb(batch)

    def _absorb(self, groups: dict[str, dict[int, int]]) -> None:
        for name, counts in groups.items():
            mine = self._groups.setdefault(name, {})
            for score, count in counts.items():
                mine[score] = mine.get(score, 0) + count

    def merge(self, other: SurveyTally) -> SurveyTally:
        """A new tally of both tallies' counts (same settings, else ValidationError).

        Neither tally changes, as with every ``...Tally`` of the library.
        """
        if not isinstance(other, SurveyTally):
            raise ValidationError(
                obj="SurveyTally", field="other", value=other, expected="a SurveyTally"
            )
        mine = (self.metric, self.by, self.period, self.jalali, self._scale, self.confidence)
        theirs = (
            other.metric,
            other.by,
            other.period,
            other.jalali,
            other._scale,
            other.confidence,
        )
        if mine != theirs:
            raise ValidationError(
                obj="SurveyTally", field="other", value=theirs, expected=f"the settings {mine}"
            )
        out = SurveyTally(
            self.metric, self.by, self.period, self.jalali, self.scale, self.confidence
        )
        out._absorb(self._groups)
        out._absorb(other._groups)
        return out

    def counts(self) -> dict[str, dict[int, int]]:
        """Group → score → number of answers, groups and scores sorted (a copy)."""
        return {
            name: {s: self._groups[name][s] for s in sorted(self._groups[name])}
            for name in sorted(self._groups)
        }

    def result(self) -> dict[str, Any]:
        """One result per group, as :func:`~crmcore.service.summarize` gives.

        Without ``by`` there is one group, ``"all"``, and no answer at all
        raises ValidationError (as ``summarize`` does).
        """
        groups = self.counts()
        if self.by is None:
            groups = {"all": groups.get("all", {})}
        z = _z(self.confidence, self.metric)
        scale = self._scale
        if self.metric == "csat":
            return {k: csat_from_counts(c, scale, self.confidence, z) for k, c in groups.items()}
        if self.metric == "nps":
            return {k: nps_from_counts(c, self.confidence, z) for k, c in groups.items()}
        return {k: ces_from_counts(c, self.confidence, z) for k, c in groups.items()}
