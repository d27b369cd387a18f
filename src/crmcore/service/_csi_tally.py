"""The customer satisfaction index a batch of ratings at a time (private; see ``crmcore.service``).

A CSI needs, per criterion, only the number of ratings and their (integer)
sum, and the same for the importance ratings: :class:`CsiTally` keeps those,
so a ratings file of any size is read in chunks, and
:func:`~crmcore.service.csi` runs it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.service._satisfaction import (
    CsiCriterion,
    CsiResult,
    RatingScale,
    SurveyResponse,
    _nonempty,
    _weights,
)

__all__ = ["CsiTally"]


class _Refusal:
    """The first refused rating of a part: raised by ``result`` in ``csi``'s order."""

    __slots__ = ("field", "index", "value")

    def __init__(self, field: str, index: int, value: object) -> None:
        self.field, self.index, self.value = field, index, value  # field: "criterion" or "score"

    def raise_as(self, part: str, scale: RatingScale) -> None:
        where = f"{part}[{self.index}]"
        if self.field == "type":
            raise ValidationError(
                obj="csi", field=where, value=self.value, expected="a SurveyResponse"
            )
        if self.field == "criterion":
            raise ValidationError(
                obj="csi", field=f"{where}.criterion", value=None, expected="a criterion name"
            )
        scale.check(self.value, obj="csi", field=f"{where}.score")


class _Part:
    """Ratings of one kind (answers or importance): per criterion [sum, count]."""

    __slots__ = ("count", "mistyped", "refused", "sums")

    def __init__(self) -> None:
        self.count = 0
        self.sums: dict[str, list[int]] = {}
        self.refused: _Refusal | None = None
        self.mistyped: _Refusal | None = None  # an item not a SurveyResponse: named first

    def add(self, items: Iterable[object], scale: RatingScale) -> None:
        base = self.count
        for offset, r in enumerate(items):
            self.count += 1
            if not isinstance(r, SurveyResponse):
                if self.mistyped is None:
                    self.mistyped = _Refusal("type", base + offset, r)
            elif self.refused is not None:
                continue
            elif r.criterion is None:
                self.refused = _Refusal("criterion", base + offset, None)
            elif (
                not isinstance(r.score, int)
                or isinstance(r.score, bool)
                or not scale.low <= r.score <= scale.high
            ):  # RatingScale.check's test
                self.refused = _Refusal("score", base + offset, r.score)
            else:
                cell = self.sums.setdefault(r.criterion, [0, 0])
                cell[0] += r.score
                cell[1] += 1

    def merged(self, other: _Part) -> _Part:
        out = _Part()
        out.count = self.count + other.count
        out.sums = {k: list(v) for k, v in self.sums.items()}
        for name, (total, count) in other.sums.items():
            cell = out.sums.setdefault(name, [0, 0])
            cell[0] += total
            cell[1] += count
        out.refused = self.refused or _moved(other.refused, self.count)
        out.mistyped = self.mistyped or _moved(other.mistyped, self.count)
        return out

    def first(self) -> _Refusal | None:
        """The refusal ``csi`` names: an item of the wrong type first, then the first bad one."""
        return self.mistyped or self.refused


def _moved(refusal: _Refusal | None, shift: int) -> _Refusal | None:
    return (
        None if refusal is None else _Refusal(refusal.field, refusal.index + shift, refusal.value)
    )


class CsiTally:
    """:func:`~crmcore.service.csi` a batch of ratings at a time.

    :meth:`add` counts answers (``criterion`` and ``score``) per criterion,
    :meth:`add_importance` importance ratings (weights from their means);
    memory is two integers per criterion. :meth:`result` gives the
    :class:`CsiResult` that ``csi`` gives for everything added, and raises
    what ``csi`` raises, in its order (``responses[i]`` counted from the
    first answer added). :meth:`merge` gives a new tally of both parts.

    >>> from datetime import datetime, timezone
    >>> t = datetime(2026, 3, 1, tzinfo=timezone.utc)
    >>> def rating(criterion, score):
    ...     return SurveyResponse(score=score, at=t, criterion=criterion)
    >>> first, second = CsiTally(), CsiTally()
    >>> first.add([rating("سرعت", 5), rating("سرعت", 3)])
    >>> second.add([rating("ادب", 5)])
    >>> first.merge(second).result(weights={"سرعت": 3, "ادب": 1}).index   # 0.75 × 75 + 0.25 × 100
    81.25
    """

    def __init__(self, *, scale: RatingScale = RatingScale()) -> None:  # noqa: B008 (frozen)
        if not isinstance(scale, RatingScale):
            raise ValidationError(obj="csi", field="scale", value=scale, expected="a RatingScale")
        self.scale = scale
        self._answers = _Part()
        self._importance: _Part | None = None
        self._importance_refused: ValidationError | None = None

    def add(self, responses: Iterable[SurveyResponse]) -> None:
        """Count more answers (each needs a criterion and a score on the scale)."""
        items = check.require_items(responses, SurveyResponse, obj="csi", field="responses")
        self._answers.add(items, self.scale)

    def add_importance(self, ratings: Iterable[SurveyResponse]) -> None:
        """Count more importance ratings (weights from each criterion's mean rating)."""
        if self._importance is None:
            self._importance = _Part()
        given: object = ratings
        if isinstance(given, (str, bytes)) or not hasattr(given, "__iter__"):
            if self._importance_refused is None:
                self._importance_refused = ValidationError(
                    obj="csi", field="importance", value=ratings, expected="an iterable of items"
                )
            return
        self._importance.add(ratings, self.scale)

    def merge(self, other: CsiTally) -> CsiTally:
        """A new tally of both parts (the same scale)."""
        if not isinstance(other, CsiTally) or other.scale != self.scale:
            raise ValidationError(
                obj="CsiTally", field="other", value=type(other).__name__,
                expected="a CsiTally on the same scale",
            )  # fmt: skip
        out = CsiTally(scale=self.scale)
        out._answers = self._answers.merged(other._answers)
        if self._importance is not None or other._importance is not None:
            out._importance = (self._importance or _Part()).merged(other._importance or _Part())
        out._importance_refused = self._importance_refused or other._importance_refused
        return out

    def result(self, weights: Mapping[str, float] | None = None) -> CsiResult:
        """The CSI of everything added; ``weights`` (criterion → weight) or the
        importance ratings' means or equal weights, as in ``csi``."""
        scale, answers = self.scale, self._answers
        refused = answers.first()
        if refused is not None:
            refused.raise_as("responses", scale)
        _nonempty(len(answers.sums), "csi")
        rated = answers.sums
        importance = None
        if self._importance is not None:
            if weights is not None:
                _weights(rated, weights, {})  # refuses weights and importance together
            if self._importance_refused is not None:
                raise self._importance_refused
            refused = self._importance.first()
            if refused is not None:
                refused.raise_as("importance", scale)
            importance = self._importance.sums
        normal, source = _weights(rated, weights, importance)
        width = scale.high - scale.low
        criteria = []
        for name in sorted(rated):
            total, count = rated[name]
            mean = total / count
            score = 100 * (mean - scale.low) / width
            criteria.append(CsiCriterion(name, normal[name], mean, score, count))
        return CsiResult(sum(c.weight * c.score for c in criteria), tuple(criteria), source)
