"""Declarative scorecards and the explained score of a lead (private; see ``crmcore.scoring``)."""

from __future__ import annotations

import enum
import functools
import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext

import attrs

from crmcore import _checks as check
from crmcore.errors import ScoringError, ValidationError
from crmcore.models import FrozenMap, Lead, to_frozen_map
from crmcore.money import to_decimal
from crmcore.scoring._conditions import (
    Condition,
    EngagementEvent,
    EventFilter,
    LeadLike,
    as_text,
    field_value,
)

__all__ = [
    "GRADE_LETTERS",
    "CategoryMap",
    "Decay",
    "DecayKind",
    "DecayStep",
    "Frequency",
    "GradeCriterion",
    "Grading",
    "RatingBand",
    "RollUp",
    "Rule",
    "RuleGroup",
    "RuleKind",
    "ScoreChange",
    "ScoreLine",
    "ScoreResult",
    "Scorecard",
    "account_scores",
    "diff_scores",
    "group_events",
    "priority_cell",
    "rank",
    "roll_up",
    "score_cards",
    "score_lead",
    "score_leads",
]

GRADE_LETTERS: tuple[str, ...] = (
    "F",
    "D-",
    "D",
    "D+",
    "C-",
    "C",
    "C+",
    "B-",
    "B",
    "B+",
    "A-",
    "A",
    "A+",
)
"""Grades from worst to best, one third of a letter apart (Pardot's scale)."""


def _steps(value: Iterable[DecayStep]) -> tuple[DecayStep, ...]:
    return tuple(value)


def _rules(value: Iterable[Rule]) -> tuple[Rule, ...]:
    return tuple(value)


def _criteria(value: Iterable[GradeCriterion]) -> tuple[GradeCriterion, ...]:
    return tuple(value)


def _groups(value: Iterable[RuleGroup]) -> tuple[RuleGroup, ...]:
    return tuple(value)


def _bands(value: Iterable[RatingBand]) -> tuple[RatingBand, ...]:
    return tuple(value)


class Frequency(enum.StrEnum):
    """How often an event rule awards its points (Dynamics 365's frequencies)."""

    EACH = "each"
    """For every matching event."""
    ONCE = "once"
    """Once when at least one matching event happened (decayed by the newest one)."""
    NONE = "none"
    """When no matching event happened (a rule on absence; never decays)."""


class RuleKind(enum.StrEnum):
    """Fit (who the lead is: field rules, never decay) or engagement (events, decay)."""

    FIT = "fit"
    ENGAGEMENT = "engagement"


class DecayKind(enum.StrEnum):
    """Half-life (continuous) or step (a factor after each age threshold)."""

    HALF_LIFE = "half_life"
    STEP = "step"


@attrs.frozen
class DecayStep:
    """From ``after_days`` of age on, points are multiplied by ``factor``."""

    after_days: int = attrs.field(validator=check.non_negative_int())
    factor: Decimal = attrs.field(converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter

    def __attrs_post_init__(self) -> None:
        if not Decimal(0) <= self.factor <= Decimal(1):
            raise ValidationError(
                obj="DecayStep", field="factor", value=self.factor, expected="between 0 and 1"
            )


@attrs.frozen(kw_only=True)
class Decay:
    """How engagement points fade with the age of the event.

    Half-life: ``factor = 0.5 ** (age_days / half_life_days)``. Step: the factor
    of the last step whose ``after_days`` the age has reached (1 before the
    first step), e.g. HubSpot's "−50 % after a month" is
    ``Decay.step((30, "0.5"))``. Factors never increase with age.

    >>> Decay.half_life(30).factor(timedelta(days=60))
    Decimal('0.25')
    >>> Decay.step((30, "0.5"), (90, "0")).factor(timedelta(days=45))
    Decimal('0.5')
    """

    kind: DecayKind = attrs.field(converter=DecayKind)
    half_life_days: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    steps: tuple[DecayStep, ...] = attrs.field(
        default=(), converter=_steps, validator=check.items_of(DecayStep)
    )

    def __attrs_post_init__(self) -> None:
        if self.kind is DecayKind.HALF_LIFE:
            if self.half_life_days is None or self.half_life_days <= 0:
                raise ValidationError(
                    obj="Decay",
                    field="half_life_days",
                    value=self.half_life_days,
                    expected="a number of days > 0",
                )
            return
        if not self.steps:
            raise ValidationError(
                obj="Decay", field="steps", value=self.steps, expected="one or more steps"
            )
        for before, after in itertools.pairwise(self.steps):
            if after.after_days <= before.after_days or after.factor > before.factor:
                raise ValidationError(
                    obj="Decay",
                    field="steps",
                    value=self.steps,
                    expected="steps by increasing after_days with non-increasing factors",
                )

    @classmethod
    def half_life(cls, days: Decimal | int | str) -> Decay:
        """Continuous decay halving every ``days`` days."""
        return cls(kind=DecayKind.HALF_LIFE, half_life_days=days)

    @classmethod
    def step(cls, *steps: tuple[int, Decimal | int | str]) -> Decay:
        """Step decay from ``(after_days, factor)`` pairs."""
        return cls(kind=DecayKind.STEP, steps=tuple(DecayStep(d, f) for d, f in steps))

    def factor(self, age: timedelta) -> Decimal:
        """The multiplier for an event ``age`` old (1 at age 0)."""
        if age <= timedelta(0):
            return Decimal(1)
        if self.kind is DecayKind.STEP:
            result = Decimal(1)
            for step in self.steps:
                if age >= timedelta(days=step.after_days):
                    result = step.factor
            return result
        assert self.half_life_days is not None  # noqa: S101 - checked in __attrs_post_init__
        seconds = Decimal(age.days * 86400 + age.seconds) + Decimal(age.microseconds).scaleb(-6)
        with localcontext() as ctx:
            ctx.prec = 28
            return +(Decimal("0.5") ** (seconds / (self.half_life_days * 86400)))


@attrs.frozen(kw_only=True)
class CategoryMap:
    """Points by the value of one field (e.g. interest: high 30, medium 15, low 0).

    Values not listed score ``default``.
    """

    field: str = attrs.field(validator=check.text())
    points: FrozenMap[str, Decimal] = attrs.field(converter=to_frozen_map)
    default: Decimal = attrs.field(default=Decimal(0), converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    ignore_case: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.points:
            raise ValidationError(
                obj="CategoryMap", field="points", value=self.points, expected="a non-empty map"
            )
        fixed = {}
        for key, value in self.points.items():
            if not isinstance(key, str):
                raise ValidationError(
                    obj="CategoryMap", field="points", value=key, expected="string keys"
                )
            fixed[key] = to_decimal(value, obj="CategoryMap", field=f"points[{key}]")
        object.__setattr__(self, "points", FrozenMap(fixed))

    def lookup(self, raw: object) -> Decimal:
        """Points for a raw field value."""
        if raw is None:
            return self.default
        text = as_text(raw)
        if self.ignore_case:
            text = text.casefold()
            for key, value in self.points.items():
                if key.casefold() == text:
                    return value
            return self.default
        return self.points.get(text, self.default)


@attrs.frozen(kw_only=True)
class Rule:
    """One scoring rule: a condition on fields, on events, or a category mapping.

    - fit rule: ``when`` only, awards ``points`` once when it holds;
    - category rule: ``mapping``, awards the mapped points (``when`` may gate it);
    - engagement rule: ``event`` (with ``frequency``), awards ``points`` per
      event, once, or when none happened; ``when`` may gate it on fields.
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    points: Decimal = attrs.field(default=Decimal(0), converter=check.decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    when: Condition | None = None
    event: EventFilter | None = None
    frequency: Frequency = attrs.field(default=Frequency.EACH, converter=Frequency)
    mapping: CategoryMap | None = None
    decay: Decay | None = None
    """This event rule's own decay, instead of the scorecard's (fit rules never decay)."""

    def __attrs_post_init__(self) -> None:
        where = f"Rule {self.name!r}"
        if self.mapping is not None and self.event is not None:
            raise ValidationError(
                obj=where,
                field="mapping",
                value=self.mapping,
                expected="no mapping on an event rule",
            )
        if self.mapping is None and self.event is None and self.when is None:
            raise ValidationError(
                obj=where, field="when", value=None, expected="a condition, an event or a mapping"
            )
        if self.event is None and self.decay is not None:
            raise ValidationError(
                obj=where, field="decay", value=self.decay, expected="None (fit rules never decay)"
            )
        if self.event is None and self.frequency is not Frequency.EACH:
            raise ValidationError(
                obj=where,
                field="frequency",
                value=self.frequency.value,
                expected="'each' (once/none apply to event rules)",
            )
        if self.mapping is not None and self.points != 0:
            raise ValidationError(
                obj=where,
                field="points",
                value=self.points,
                expected="0 (a category rule takes its points from the mapping)",
            )

    @property
    def kind(self) -> RuleKind:
        """Engagement for event rules, fit otherwise."""
        return RuleKind.ENGAGEMENT if self.event is not None else RuleKind.FIT

    def fields(self) -> frozenset[str]:
        """Field names the rule reads."""
        names = self.when.fields() if self.when else frozenset()
        return names | ({self.mapping.field} if self.mapping else frozenset())


@attrs.frozen(kw_only=True)
class RuleGroup:
    """Rules whose total is capped at ``cap`` (HubSpot's score groups)."""

    name: str = attrs.field(validator=check.text(max_length=200))
    rules: tuple[Rule, ...] = attrs.field(converter=_rules, validator=check.items_of(Rule))
    cap: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, optional=True),
    )


@attrs.frozen(kw_only=True)
class GradeCriterion:
    """A profile criterion: moves the grade by thirds of a letter (Pardot).

    ``match_steps`` thirds up when ``when`` holds, ``miss_steps`` thirds down
    when it does not (3 = a whole letter).
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    when: Condition
    match_steps: int = attrs.field(default=3, validator=check.in_range(0, 12))
    miss_steps: int = attrs.field(default=0, validator=check.in_range(0, 12))


@attrs.frozen(kw_only=True)
class Grading:
    """The fit grade: starts at ``start`` (Pardot: D) and moves per criterion.

    Grades from worst to best, a third of a letter apart (Pardot's scale):
    F, D-, D, D+, C-, C, C+, B-, B, B+, A-, A, A+ (clamped at both ends).
    """

    criteria: tuple[GradeCriterion, ...] = attrs.field(
        converter=_criteria, validator=check.items_of(GradeCriterion)
    )
    start: str = attrs.field(default="D")

    def __attrs_post_init__(self) -> None:
        if self.start not in GRADE_LETTERS:
            raise ValidationError(
                obj="Grading",
                field="start",
                value=self.start,
                expected="one of " + " ".join(GRADE_LETTERS),
            )

    def grade(self, lead: LeadLike, *, now: datetime | None = None) -> str:
        """The lead's grade letter."""
        index = GRADE_LETTERS.index(self.start)
        for criterion in self.criteria:
            if criterion.when.test(lead, (), now=now, rule=criterion.name):
                index += criterion.match_steps
            else:
                index -= criterion.miss_steps
        return GRADE_LETTERS[max(0, min(len(GRADE_LETTERS) - 1, index))]


@attrs.frozen(kw_only=True)
class RatingBand:
    """A named score band ``[low, high)``; ``None`` is unbounded on that side."""

    name: str = attrs.field(validator=check.text(max_length=100))
    low: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    high: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter

    def __attrs_post_init__(self) -> None:
        if self.low is not None and self.high is not None and self.low >= self.high:
            raise ValidationError(
                obj=f"RatingBand {self.name!r}",
                field="high",
                value=self.high,
                expected=f"> low ({self.low})",
            )

    def holds(self, score: Decimal) -> bool:
        """Whether ``score`` lies in the band."""
        return (self.low is None or score >= self.low) and (self.high is None or score < self.high)


def _check_bands(bands: tuple[RatingBand, ...]) -> None:
    ordered = sorted(bands, key=lambda b: (b.low is not None, b.low or Decimal(0)))
    names = [b.name for b in bands]
    if len(set(names)) != len(names):
        raise ValidationError(
            obj="Scorecard", field="bands", value=names, expected="distinct band names"
        )
    for lower, upper in itertools.pairwise(ordered):
        if lower.high is None or upper.low is None or lower.high != upper.low:
            raise ValidationError(
                obj="Scorecard",
                field="bands",
                value=f"{lower.name} [{lower.low}, {lower.high}) / {upper.name} [{upper.low}, {upper.high})",
                expected="continuous, non-overlapping bands (each band's high = the next band's low)",
            )


@attrs.frozen(kw_only=True)
class Scorecard:
    """A named, declarative scoring model.

    ``places`` is the number of decimal places decayed points are rounded to
    (half up, per event) before anything is summed; undecayed points are never
    rounded. Caps apply to the rounded values, so the explanation sums
    exactly to the score.
    """

    name: str = attrs.field(validator=check.text(max_length=200))
    groups: tuple[RuleGroup, ...] = attrs.field(
        converter=_groups, validator=check.items_of(RuleGroup)
    )
    total_cap: Decimal | None = attrs.field(
        default=None,
        converter=check.optional_decimal(),  # type: ignore[misc]  # attrs plugin: factory converter
        validator=check.in_range(0, optional=True),
    )
    decay: Decay | None = None
    grading: Grading | None = None
    bands: tuple[RatingBand, ...] = attrs.field(
        default=(), converter=_bands, validator=check.items_of(RatingBand)
    )
    sales_ready_at: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    places: int = attrs.field(default=2, validator=check.in_range(0, 10))

    def __attrs_post_init__(self) -> None:
        seen: set[str] = set()
        for group in self.groups:
            for rule in group.rules:
                if rule.name in seen:
                    raise ValidationError(
                        obj=f"Scorecard {self.name!r}",
                        field="rules",
                        value=rule.name,
                        expected="unique rule names",
                    )
                seen.add(rule.name)
        _check_bands(self.bands)

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule, in order."""
        return tuple(rule for group in self.groups for rule in group.rules)

    def fields(self) -> frozenset[str]:
        """Every field the scorecard reads (rules and grade criteria)."""
        return self._field_names

    @functools.cached_property
    def _field_names(self) -> frozenset[str]:
        # computed once per scorecard: score_lead checks a lead's fields on every call
        names: frozenset[str] = frozenset()
        for rule in self.rules:
            names |= rule.fields()
        if self.grading:
            for criterion in self.grading.criteria:
                names |= criterion.when.fields()
        return names

    def rating(self, score: Decimal) -> str | None:
        """The name of the band ``score`` falls in (``None`` if no band holds it)."""
        for band in self.bands:
            if band.holds(score):
                return band.name
        return None


@attrs.frozen(kw_only=True)
class ScoreLine:
    """One fired rule in an explanation.

    ``points`` is the undecayed total (points × occurrences), ``decayed`` the
    total after decay and rounding, ``cap_effect`` what group and total caps
    took away (<= 0), and ``value = decayed + cap_effect``.
    """

    rule: str
    group: str
    kind: RuleKind
    occurrences: int
    points: Decimal
    decayed: Decimal
    cap_effect: Decimal
    value: Decimal


@attrs.frozen(kw_only=True)
class ScoreResult:
    """A lead's score on one scorecard, with its explanation.

    ``score == sum(line.value for line in lines)``, always exactly.
    """

    scorecard: str
    lead_id: str | None
    score: Decimal
    fit: Decimal
    """Sum of the fit lines' values."""
    engagement: Decimal
    """Sum of the engagement lines' values."""
    grade: str | None
    rating: str | None
    sales_ready: bool
    lines: tuple[ScoreLine, ...]

    def explain(self) -> tuple[str, ...]:
        """One line per fired rule, e.g. ``"web visits x3 +2.75 (of 3) cap -1"``.

        A line names the rule, its occurrences (when more than one), the
        decayed points, the undecayed points when decay changed them and what
        a cap took away. Join with ``"; "`` for a one-line explanation.
        """
        return tuple(_explain_line(line) for line in self.lines)


def _explain_line(line: ScoreLine) -> str:
    text = line.rule + (f" x{line.occurrences}" if line.occurrences > 1 else "")
    text += f" {_signed(line.decayed)}"
    if line.decayed != line.points:
        text += f" (of {_signed(line.points)})"
    if line.cap_effect:
        text += f" cap {line.cap_effect}"
    return text


def priority_cell(
    result: ScoreResult,
    *,
    high: Decimal | int | str,
    low: Decimal | int | str,
) -> str:
    """HubSpot's combined fit × engagement cell, ``"A1"`` (best) to ``"C3"``.

    The letter is the fit grade's letter (A±, B± → A, B; anything lower → C);
    the number is 1 when ``result.engagement >= high``, 2 when ``>= low``,
    else 3. A scorecard without grading has no cell.

    >>> r = ScoreResult(scorecard="c", lead_id="L", score=Decimal(70), fit=Decimal(40),
    ...                 engagement=Decimal(30), grade="B+", rating=None, sales_ready=False, lines=())
    >>> priority_cell(r, high=25, low=10)
    'B1'
    """
    top = to_decimal(high, obj="priority_cell", field="high")
    bottom = to_decimal(low, obj="priority_cell", field="low")
    if bottom > top:
        raise ValidationError(
            obj="priority_cell", field="low", value=low, expected=f"<= high ({top})"
        )
    if result.grade is None:
        raise ScoringError(
            obj="priority_cell",
            field="grade",
            value=None,
            expected="a result of a scorecard with grading",
        )
    letter = result.grade[0] if result.grade[0] in "AB" else "C"
    number = 1 if result.engagement >= top else 2 if result.engagement >= bottom else 3
    return f"{letter}{number}"


def _signed(value: Decimal) -> str:
    return f"+{value}" if value >= 0 else str(value)


def _lead_id(lead: LeadLike) -> str | None:
    if isinstance(lead, Lead):
        return str(lead.id)
    raw = check.plain_scalar(lead.get("id"))
    return None if raw is None or raw == "" else str(raw)


def _cut(
    amounts: list[Decimal], effects: list[Decimal], indexes: Sequence[int], cap: Decimal
) -> None:
    """Take ``total - cap`` away from positive lines, the last ones first."""
    excess = sum((amounts[i] + effects[i] for i in indexes), Decimal(0)) - cap
    for i in reversed(indexes):
        if excess <= 0:
            break
        available = amounts[i] + effects[i]
        if available > 0:
            take = min(available, excess)
            effects[i] -= take
            excess -= take


def score_lead(
    card: Scorecard,
    lead: LeadLike,
    events: Sequence[EngagementEvent] = (),
    *,
    now: datetime,
    allow_missing: bool = False,
) -> ScoreResult:
    """Score ``lead`` with ``card`` at ``now``: a pure function of its arguments.

    Events after ``now`` are ignored. Caps cut positive points from the last
    fired rules first (rules are counted in the order listed). Rescoring after
    a scorecard change is simply calling this again (see :func:`diff_scores`).

    A lead given as a mapping (a CSV row, a DataFrame record) must have every
    field the scorecard reads; absent fields raise
    :class:`~crmcore.errors.ScoringError` naming all of them, unless
    ``allow_missing`` (then they are empty). Empty strings, ``None`` and NaN
    are empty values; numpy scalars count as the Python values they hold.

    >>> from datetime import UTC
    >>> card = Scorecard(name="demo", groups=[RuleGroup(name="fit", rules=[
    ...     Rule(name="retail", points=10, when=Condition.equals("industry", "retail"))])])
    >>> score_lead(card, {"industry": "retail"}, now=datetime(2026, 1, 1, tzinfo=UTC)).score
    Decimal('10')
    >>> score_lead(card, {"sector": "retail"}, now=datetime(2026, 1, 1, tzinfo=UTC))
    Traceback (most recent call last):
    ...
    crmcore.errors.ScoringError: rule 'retail'.industry: got ['sector'] (list); expected every field the scorecard reads (missing: industry, read by retail; pass allow_missing=True to score absent fields as empty)
    """
    check.refuse_frame(lead, obj="score_lead", use="crmcore.frames.score_frame")
    check.require_aware(now, obj="score_lead", field="now")
    complete = (
        lead
        if isinstance(lead, Lead)
        else _complete(card, lead, card.fields(), allow_missing=allow_missing)
    )
    return _score(card, complete, events, now)


def _missing_error(card: Scorecard, missing: Sequence[str], have: Iterable[str]) -> ScoringError:
    """The error for fields the scorecard reads but the input lacks (names every one)."""
    readers: dict[str, list[str]] = {name: [] for name in missing}
    for rule in card.rules:
        for name in rule.fields() & readers.keys():
            readers[name].append(rule.name)
    for criterion in card.grading.criteria if card.grading else ():
        for name in criterion.when.fields() & readers.keys():
            readers[name].append(criterion.name)
    listed = "; ".join(f"{name}, read by {', '.join(readers[name])}" for name in missing)
    first = readers[missing[0]][0] if readers[missing[0]] else card.name
    return ScoringError(
        obj=f"rule {first!r}",
        field=", ".join(missing),
        value=sorted(str(k) for k in have)[:20],
        expected=(
            f"every field the scorecard reads (missing: {listed}; "
            "pass allow_missing=True to score absent fields as empty)"
        ),
    )


def _complete(
    card: Scorecard, lead: LeadLike, fields: frozenset[str], *, allow_missing: bool
) -> LeadLike:
    """``lead`` with every field ``card`` reads (absent ones empty if allowed), or raise."""
    if isinstance(lead, Lead) or all(name in lead for name in fields):
        return lead
    missing = sorted(name for name in fields if name not in lead)
    if allow_missing:
        return {**lead, **dict.fromkeys(missing)}
    raise _missing_error(card, missing, lead)


class _Fired:
    """One rule that fired, before caps (a named row on the hot path)."""

    __slots__ = ("count", "decayed", "group", "points", "rule")

    def __init__(
        self, rule: Rule, group: str, count: int, points: Decimal, decayed: Decimal
    ) -> None:
        self.rule = rule
        self.group = group
        self.count = count
        self.points = points
        self.decayed = decayed


def _score(
    card: Scorecard, lead: LeadLike, events: Sequence[EngagementEvent], now: datetime
) -> ScoreResult:
    quantum = Decimal(1).scaleb(-card.places)
    fired: list[_Fired] = []
    group_rows: list[list[int]] = []
    for group in card.groups:
        indexes: list[int] = []
        for rule in group.rules:
            hit = _apply(rule, lead, events=events, now=now, decay=card.decay, quantum=quantum)
            if hit is not None:
                indexes.append(len(fired))
                fired.append(_Fired(rule, group.name, *hit))
        group_rows.append(indexes)
    amounts = [row.decayed for row in fired]
    effects = [Decimal(0)] * len(fired)
    for group, indexes in zip(card.groups, group_rows, strict=True):
        if group.cap is not None:
            _cut(amounts, effects, indexes, group.cap)
    if card.total_cap is not None:
        _cut(amounts, effects, range(len(fired)), card.total_cap)
    lines = tuple(
        ScoreLine(
            rule=row.rule.name,
            group=row.group,
            kind=row.rule.kind,
            occurrences=row.count,
            points=row.points,
            decayed=row.decayed,
            cap_effect=effect,
            value=row.decayed + effect,
        )
        for row, effect in zip(fired, effects, strict=True)
    )
    score = sum((line.value for line in lines), Decimal(0))
    fit = sum((line.value for line in lines if line.kind is RuleKind.FIT), Decimal(0))
    return ScoreResult(
        scorecard=card.name,
        lead_id=_lead_id(lead),
        score=score,
        fit=fit,
        engagement=score - fit,
        grade=card.grading.grade(lead, now=now) if card.grading else None,
        rating=card.rating(score),
        sales_ready=card.sales_ready_at is not None and score >= card.sales_ready_at,
        lines=lines,
    )


def _apply(
    rule: Rule,
    lead: LeadLike,
    *,
    events: Sequence[EngagementEvent],
    now: datetime,
    decay: Decay | None,
    quantum: Decimal,
) -> tuple[int, Decimal, Decimal] | None:
    """(occurrences, undecayed points, decayed points) if the rule fires."""
    if rule.when is not None and not rule.when.test(lead, events, now=now, rule=rule.name):
        return None
    if rule.mapping is not None:
        points = rule.mapping.lookup(field_value(lead, rule.mapping.field, rule=rule.name))
        return None if points == 0 else (1, points, points)
    if rule.event is None:
        return (1, rule.points, rule.points)
    matching = [e for e in events if rule.event.accepts(e, now)]
    if rule.frequency is Frequency.NONE:
        return None if matching else (0, rule.points, rule.points)
    if not matching:
        return None
    if rule.frequency is Frequency.ONCE:
        matching = [max(matching, key=lambda e: e.at)]
    decay = rule.decay or decay
    decayed = Decimal(0)
    for event in matching:
        if decay is None:
            decayed += rule.points
        else:
            decayed += (rule.points * decay.factor(now - event.at)).quantize(
                quantum, rounding=ROUND_HALF_UP
            )
    return (len(matching), rule.points * len(matching), decayed)


def score_leads(
    card: Scorecard,
    leads: Iterable[LeadLike],
    events: Mapping[str, Sequence[EngagementEvent]] | None = None,
    *,
    now: datetime,
    allow_missing: bool = False,
) -> tuple[ScoreResult, ...]:
    """Score many leads; ``events`` maps a lead id to its events (see :func:`group_events`).

    ``allow_missing`` as in :func:`score_lead`. A lead's events are found by
    its ``id`` field (empty: no events).
    """
    check.refuse_frame(leads, obj="score_leads", use="crmcore.frames.score_frame")
    check.require_aware(now, obj="score_leads", field="now")
    by_lead = events or {}
    fields = card.fields()
    return tuple(
        _score(
            card,
            _complete(card, lead, fields, allow_missing=allow_missing),
            by_lead.get(_lead_id(lead) or "", ()),
            now,
        )
        for lead in leads
    )


def group_events(
    events: Iterable[EngagementEvent],
) -> FrozenMap[str, tuple[EngagementEvent, ...]]:
    """Events by their ``lead_id``, each lead's in the order given (for :func:`score_leads`).

    An event without a ``lead_id`` belongs to no lead and is refused.

    >>> from datetime import UTC
    >>> at = datetime(2026, 1, 1, tzinfo=UTC)
    >>> grouped = group_events([EngagementEvent(kind="call", at=at, lead_id="L1")])
    >>> [(lead, len(found)) for lead, found in grouped.items()]
    [('L1', 1)]
    """
    grouped: dict[str, list[EngagementEvent]] = {}
    for index, event in enumerate(events):
        if not isinstance(event, EngagementEvent) or event.lead_id is None:
            raise ScoringError(
                obj="group_events",
                field=f"events[{index}]",
                value=event,
                expected="an EngagementEvent with a lead_id",
            )
        grouped.setdefault(event.lead_id, []).append(event)
    return FrozenMap({lead: tuple(found) for lead, found in grouped.items()})


def score_cards(
    cards: Iterable[Scorecard],
    lead: LeadLike,
    events: Sequence[EngagementEvent] = (),
    *,
    now: datetime,
) -> FrozenMap[str, ScoreResult]:
    """One lead's scores on several scorecards (per product line or team), by scorecard name."""
    results: dict[str, ScoreResult] = {}
    for card in cards:
        if card.name in results:
            raise ScoringError(
                obj="score_cards",
                field="cards",
                value=card.name,
                expected="distinct scorecard names",
            )
        results[card.name] = score_lead(card, lead, events, now=now)
    return FrozenMap(results)


def account_scores(
    results: Iterable[ScoreResult],
    account_of: Mapping[str, str],
    method: RollUp | str = "max",
    *,
    weights: Mapping[str, Decimal | int | str] | None = None,
    places: int = 2,
) -> FrozenMap[str, Decimal]:
    """Account scores rolled up from their leads' or contacts' results.

    ``account_of`` maps a lead id to its account id (leads without one are
    skipped); ``weights`` maps a lead id to its weight for ``"weighted"``
    (e.g. by the contact's role; missing weights count 1).
    """
    members: dict[str, list[ScoreResult]] = {}
    for result in results:
        account = account_of.get(result.lead_id or "")
        if account is not None:
            members.setdefault(account, []).append(result)
    out = {}
    for account, group in sorted(members.items()):
        ws = None
        if weights is not None:
            ws = [weights.get(r.lead_id or "", 1) for r in group]
        out[account] = roll_up([r.score for r in group], method, weights=ws, places=places)
    return FrozenMap(out)


def rank(results: Iterable[ScoreResult]) -> tuple[ScoreResult, ...]:
    """Highest score first; ties by lead id (stable and deterministic)."""
    return tuple(sorted(results, key=lambda r: (-r.score, r.lead_id or "")))


class RollUp(enum.StrEnum):
    """How an account's score is built from its contacts' or leads' scores."""

    MAX = "max"
    SUM = "sum"
    MEAN = "mean"
    WEIGHTED = "weighted"
    """Weighted mean ``Σ wᵢ sᵢ / Σ wᵢ``."""


def roll_up(
    scores: Sequence[Decimal],
    method: RollUp | str = RollUp.MAX,
    *,
    weights: Sequence[Decimal | int | str] | None = None,
    places: int = 2,
) -> Decimal:
    """An account score from its members' scores (0 when there are none).

    Means are rounded half up to ``places``.

    >>> roll_up([Decimal(40), Decimal(80)], "weighted", weights=[3, 1])
    Decimal('50.00')
    """
    how = RollUp(method)
    if not scores:
        return Decimal(0)
    values = [to_decimal(s, obj="roll_up", field="scores") for s in scores]
    quantum = Decimal(1).scaleb(-places)
    if how is RollUp.MAX:
        return max(values)
    if how is RollUp.SUM:
        return sum(values, Decimal(0))
    if how is RollUp.MEAN:
        return (sum(values, Decimal(0)) / len(values)).quantize(quantum, ROUND_HALF_UP)
    if weights is None or len(weights) != len(values):
        raise ScoringError(
            obj="roll_up", field="weights", value=weights, expected="one weight per score"
        )
    ws = [to_decimal(w, obj="roll_up", field="weights") for w in weights]
    if any(w < 0 for w in ws) or sum(ws) == 0:
        raise ScoringError(
            obj="roll_up",
            field="weights",
            value=weights,
            expected="weights >= 0 with a positive sum",
        )
    total = sum((w * s for w, s in zip(ws, values, strict=True)), Decimal(0))
    return (total / sum(ws)).quantize(quantum, ROUND_HALF_UP)


@attrs.frozen(kw_only=True)
class ScoreChange:
    """How one lead's score changed between two scorings (``None``: absent)."""

    lead_id: str
    old_score: Decimal | None
    new_score: Decimal | None
    delta: Decimal
    old_rating: str | None
    new_rating: str | None
    old_sales_ready: bool
    new_sales_ready: bool


def _index(results: Iterable[ScoreResult], side: str) -> dict[str, ScoreResult]:
    out: dict[str, ScoreResult] = {}
    for result in results:
        if result.lead_id is None or result.lead_id in out:
            raise ScoringError(
                obj="diff_scores",
                field=side,
                value=result.lead_id,
                expected="results with distinct, non-empty lead ids",
            )
        out[result.lead_id] = result
    return out


def diff_scores(
    old: Iterable[ScoreResult], new: Iterable[ScoreResult], *, include_unchanged: bool = False
) -> tuple[ScoreChange, ...]:
    """Compare two scorings (e.g. before and after a rule change), biggest change first."""
    before, after = _index(old, "old"), _index(new, "new")
    changes = []
    for lead_id in sorted(before.keys() | after.keys()):
        a, b = before.get(lead_id), after.get(lead_id)
        old_score = a.score if a else None
        new_score = b.score if b else None
        change = ScoreChange(
            lead_id=lead_id,
            old_score=old_score,
            new_score=new_score,
            delta=(new_score or Decimal(0)) - (old_score or Decimal(0)),
            old_rating=a.rating if a else None,
            new_rating=b.rating if b else None,
            old_sales_ready=a.sales_ready if a else False,
            new_sales_ready=b.sales_ready if b else False,
        )
        unchanged = (
            a is not None
            and b is not None
            and change.delta == 0
            and change.old_rating == change.new_rating
            and change.old_sales_ready == change.new_sales_ready
        )
        if include_unchanged or not unchanged:
            changes.append(change)
    return tuple(sorted(changes, key=lambda c: (-abs(c.delta), c.lead_id)))
