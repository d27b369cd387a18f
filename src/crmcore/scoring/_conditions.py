"""Conditions on lead fields and engagement events (private; see ``crmcore.scoring``).

A condition is data, not code: an operator, a field name and operands. Nothing a
user writes is evaluated as Python; a ``matches`` pattern is compiled once with
:func:`re.compile`, its length is bounded, it must belong to the safe subset of
:mod:`crmcore.scoring._patterns` (no nested repetition, no backreference or
lookaround, few variable-width quantifiers) and the text it searches is at most
``MAX_MATCH_TEXT`` characters, so no pattern can backtrack catastrophically.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

import attrs

from crmcore import _checks as check
from crmcore.errors import ScoringError, ValidationError
from crmcore.models import Lead
from crmcore.money import Money
from crmcore.scoring._patterns import MAX_MATCH_TEXT, pattern_problem

__all__ = [
    "Condition",
    "EngagementEvent",
    "EventFilter",
    "EventKind",
    "LeadLike",
    "Op",
    "field_value",
]

LeadLike: TypeAlias = Lead | Mapping[str, Any]
"""A :class:`~crmcore.models.Lead`, or a plain mapping such as a CSV row."""

MAX_PATTERN_LENGTH = 200
"""Longest regular expression a ``matches`` condition accepts."""

_LEAD_FIELDS = frozenset(a.name for a in attrs.fields(Lead))


class EventKind(enum.StrEnum):
    """Standard engagement event kinds; any other non-blank string is accepted too."""

    PAGE_VIEW = "page_view"
    FORM_SUBMIT = "form_submit"
    EMAIL_OPEN = "email_open"
    EMAIL_CLICK = "email_click"
    EMAIL_BOUNCE = "email_bounce"
    UNSUBSCRIBE = "unsubscribe"
    CONTENT_DOWNLOAD = "content_download"
    WEBINAR_ATTENDED = "webinar_attended"
    MEETING_HELD = "meeting_held"
    CALL = "call"
    DEMO_REQUEST = "demo_request"
    OPPORTUNITY_LOST = "opportunity_lost"


def _kind(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(
            obj="EngagementEvent", field="kind", value=value, expected="a non-blank event kind"
        )
    return str(value) if not isinstance(value, enum.Enum) else str(value.value)


@attrs.frozen(kw_only=True)
class EngagementEvent:
    """Something a lead did, at an aware instant: a page view, a form submit, ...

    >>> from datetime import UTC
    >>> e = EngagementEvent(kind=EventKind.FORM_SUBMIT, at=datetime(2026, 3, 1, tzinfo=UTC))
    >>> e.kind
    'form_submit'
    """

    kind: str = attrs.field(converter=_kind)
    """An :class:`EventKind` value or any custom kind."""
    at: datetime = attrs.field(validator=check.aware())
    lead_id: str | None = attrs.field(default=None, validator=check.text(optional=True))
    detail: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """Free text such as the page URL or the form name; rules can filter on it."""


def _kinds(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(_kind(k) for k in value)


def _texts(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


def _subconditions(value: Iterable[Condition]) -> tuple[Condition, ...]:
    return tuple(value)


def _days() -> list[check.Check]:
    return [check.instance_of(int, optional=True), check.in_range(0, optional=True)]


def _conditions(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    check.items_of(Condition)(instance, attribute, value)


@attrs.frozen(kw_only=True)
class EventFilter:
    """Which events a rule counts: any of ``kinds``, optionally with a detail and a window.

    Events after ``now`` have not happened yet and never match; ``within_days``
    stops counting events older than that many days.
    """

    kinds: tuple[str, ...] = attrs.field(converter=_kinds)
    detail_contains: str | None = attrs.field(default=None, validator=check.text(optional=True))
    """Case-insensitive substring the event's ``detail`` must contain."""
    within_days: int | None = attrs.field(default=None, validator=_days())

    def __attrs_post_init__(self) -> None:
        if not self.kinds:
            raise ValidationError(
                obj="EventFilter", field="kinds", value=self.kinds, expected="at least one kind"
            )

    def accepts(self, event: EngagementEvent, now: datetime) -> bool:
        """Whether ``event`` counts at ``now``."""
        if event.kind not in self.kinds or event.at > now:
            return False
        if self.within_days is not None and now - event.at > timedelta(days=self.within_days):
            return False
        if self.detail_contains is not None:
            return event.detail is not None and self.detail_contains.casefold() in (
                event.detail.casefold()
            )
        return True


class Op(enum.StrEnum):
    """Condition operators."""

    EQUALS = "equals"
    IN = "in"
    RANGE = "range"
    EXISTS = "exists"
    CONTAINS = "contains"
    MATCHES = "matches"
    BEFORE = "before"
    AFTER = "after"
    WITHIN_DAYS = "within_days"
    HAS_EVENT = "has_event"
    ALL = "all"
    ANY = "any"
    NOT = "not"


_FIELD_OPS = frozenset(
    {
        Op.EQUALS,
        Op.IN,
        Op.RANGE,
        Op.EXISTS,
        Op.CONTAINS,
        Op.MATCHES,
        Op.BEFORE,
        Op.AFTER,
        Op.WITHIN_DAYS,
    }
)
_LOGIC_OPS = frozenset({Op.ALL, Op.ANY, Op.NOT})


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _search(pattern: str, text: str, *, rule: str, field: str) -> bool:
    if len(text) > MAX_MATCH_TEXT:
        # a bound on the text keeps every safe pattern's search short (see _patterns)
        raise ScoringError(
            obj=f"rule {rule!r}",
            field=field,
            value=text,
            expected=f"a text of at most {MAX_MATCH_TEXT} characters for 'matches'",
        )
    return _compile(pattern).search(text) is not None


def _bad(field: str, value: object, expected: str) -> ValidationError:
    return ValidationError(obj="Condition", field=field, value=value, expected=expected)


@attrs.frozen(kw_only=True)
class Condition:
    """A test on a lead's fields (and its events), combinable with all/any/not.

    Build conditions with the classmethods; each operator uses only its own
    operands (``value`` for equals/contains, ``values`` for in, ``low``/``high``
    for range (both inclusive), ``pattern`` for matches (``re.search``),
    ``on`` for before/after (strictly earlier/later day), ``days`` for
    within_days and for the window of has_event).

    >>> c = Condition.all_of(Condition.equals("industry", "retail"),
    ...                      Condition.between("employees", low=50))
    >>> c.test({"industry": "retail", "employees": "120"}, (), now=None)
    True
    >>> Condition.not_(c).test({"industry": "retail", "employees": "10"}, (), now=None)
    True
    """

    op: Op = attrs.field(converter=Op)
    field: str | None = attrs.field(default=None, validator=check.text(optional=True))
    value: str | None = attrs.field(default=None)
    values: tuple[str, ...] = attrs.field(
        default=(), converter=_texts, validator=check.items_of(str)
    )
    low: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    high: Decimal | None = attrs.field(default=None, converter=check.optional_decimal())  # type: ignore[misc]  # attrs plugin: factory converter
    pattern: str | None = attrs.field(default=None)
    on: date | None = attrs.field(default=None, validator=check.optional_date())
    days: int | None = attrs.field(default=None, validator=_days())
    event: str | None = attrs.field(default=None)
    min_count: int = attrs.field(default=1)
    ignore_case: bool = attrs.field(default=False)
    """For equals, in and contains: compare case-insensitively."""
    conditions: tuple[Condition, ...] = attrs.field(
        default=(), converter=_subconditions, validator=_conditions
    )

    def __attrs_post_init__(self) -> None:
        op = self.op
        if op in _FIELD_OPS and self.field is None:
            raise _bad("field", None, f"a field name for {op.value!r}")
        checker = _OPERANDS.get(op)
        if checker is not None:
            checker(self)

    # -- factories ------------------------------------------------------------------------

    @classmethod
    def equals(cls, field: str, value: str, *, ignore_case: bool = False) -> Condition:
        """The field's text equals ``value``."""
        return cls(op=Op.EQUALS, field=field, value=value, ignore_case=ignore_case)

    @classmethod
    def is_in(cls, field: str, values: Sequence[str], *, ignore_case: bool = False) -> Condition:
        """The field's text is one of ``values``."""
        return cls(op=Op.IN, field=field, values=tuple(values), ignore_case=ignore_case)

    @classmethod
    def between(
        cls,
        field: str,
        *,
        low: Decimal | int | str | None = None,
        high: Decimal | int | str | None = None,
    ) -> Condition:
        """The field's number is within ``[low, high]`` (either bound may be open)."""
        return cls(
            op=Op.RANGE,
            field=field,
            low=low,
            high=high,
        )

    @classmethod
    def exists(cls, field: str) -> Condition:
        """The field has a value (not ``None`` and not blank)."""
        return cls(op=Op.EXISTS, field=field)

    @classmethod
    def contains(cls, field: str, value: str, *, ignore_case: bool = True) -> Condition:
        """The field's text contains ``value``."""
        return cls(op=Op.CONTAINS, field=field, value=value, ignore_case=ignore_case)

    @classmethod
    def matches(cls, field: str, pattern: str) -> Condition:
        """``re.search(pattern, text)`` finds a match."""
        return cls(op=Op.MATCHES, field=field, pattern=pattern)

    @classmethod
    def before(cls, field: str, on: date) -> Condition:
        """The field's date is strictly before ``on``."""
        return cls(op=Op.BEFORE, field=field, on=on)

    @classmethod
    def after(cls, field: str, on: date) -> Condition:
        """The field's date is strictly after ``on``."""
        return cls(op=Op.AFTER, field=field, on=on)

    @classmethod
    def within_days(cls, field: str, days: int) -> Condition:
        """The field's date or datetime lies in the last ``days`` days up to ``now``."""
        return cls(op=Op.WITHIN_DAYS, field=field, days=days)

    @classmethod
    def has_event(cls, kind: str, *, min_count: int = 1, days: int | None = None) -> Condition:
        """At least ``min_count`` events of ``kind`` (in the last ``days`` days)."""
        return cls(op=Op.HAS_EVENT, event=_kind(kind), min_count=min_count, days=days)

    @classmethod
    def all_of(cls, *conditions: Condition) -> Condition:
        """Every condition holds."""
        return cls(op=Op.ALL, conditions=conditions)

    @classmethod
    def any_of(cls, *conditions: Condition) -> Condition:
        """At least one condition holds."""
        return cls(op=Op.ANY, conditions=conditions)

    @classmethod
    def not_(cls, condition: Condition) -> Condition:
        """The condition does not hold."""
        return cls(op=Op.NOT, conditions=(condition,))

    # -- evaluation -----------------------------------------------------------------------

    def fields(self) -> frozenset[str]:
        """Every field name this condition reads."""
        names = {self.field} if self.field else set()
        for sub in self.conditions:
            names |= sub.fields()
        return frozenset(names)

    def uses_events(self) -> bool:
        """Whether the condition (or a part of it) looks at events."""
        return self.op is Op.HAS_EVENT or any(c.uses_events() for c in self.conditions)

    def test(
        self,
        lead: LeadLike,
        events: Sequence[EngagementEvent],
        *,
        now: datetime | None,
        rule: str = "condition",
    ) -> bool:
        """Whether the condition holds for ``lead`` with ``events`` at ``now``.

        ``now`` is needed by ``within_days`` and ``has_event``. ``rule`` names
        the rule in errors.
        """
        op = self.op
        if op in _FIELD_OPS:
            raw = field_value(lead, self.field or "", rule=rule)
            return self.test_value(raw, now=now, rule=rule)
        if op is Op.ALL:
            return all(c.test(lead, events, now=now, rule=rule) for c in self.conditions)
        if op is Op.ANY:
            return any(c.test(lead, events, now=now, rule=rule) for c in self.conditions)
        if op is Op.NOT:
            return not self.conditions[0].test(lead, events, now=now, rule=rule)
        if op is Op.HAS_EVENT:
            moment = _need_now(now, rule)
            window = None if self.days is None else timedelta(days=self.days)
            count = sum(
                1
                for e in events
                if e.kind == self.event
                and e.at <= moment
                and (window is None or moment - e.at <= window)
            )
        return count >= self.min_count

    def test_value(self, raw: object, *, now: datetime | None, rule: str = "condition") -> bool:
        """Apply a field operator to one raw field value."""
        op = self.op
        if raw is None:
            return False
        if op is Op.EQUALS and type(raw) is str and not self.ignore_case:
            return raw.strip() == self.value  # the common case, kept short
        field = self.field or ""
        if op is Op.EXISTS:
            return True
        if op in (Op.EQUALS, Op.IN, Op.CONTAINS):
            return self._test_text(as_text(raw))
        if op is Op.MATCHES:
            return _search(self.pattern or "", as_text(raw), rule=rule, field=field)
        if op is Op.RANGE:
            number = as_number(raw, rule=rule, field=field)
            if self.low is not None and number < self.low:
                return False
            return not (self.high is not None and number > self.high)
        moment = as_moment(raw, rule=rule, field=field)
        if op is Op.BEFORE or op is Op.AFTER:
            day = moment.date() if isinstance(moment, datetime) else moment
            assert self.on is not None  # noqa: S101 - checked in __attrs_post_init__
            return day < self.on if op is Op.BEFORE else day > self.on
        # within_days
        current = _need_now(now, rule)
        span = timedelta(days=self.days or 0)
        if isinstance(moment, datetime):
            return timedelta(0) <= current - moment <= span
        return timedelta(0) <= current.date() - moment <= span

    def _test_text(self, text: str) -> bool:
        """equals, in or contains on a field's text."""
        op = self.op
        if self.ignore_case:
            text = text.casefold()
            if op is Op.IN:
                return text in [v.casefold() for v in self.values]
            target = (self.value or "").casefold()
        else:
            if op is Op.IN:
                return text in self.values
            target = self.value or ""
        return text == target if op is Op.EQUALS else target in text


def _check_logic(c: Condition) -> None:
    if not c.conditions:
        raise _bad("conditions", c.conditions, f"conditions for {c.op.value!r}")
    if c.op is Op.NOT and len(c.conditions) != 1:
        raise _bad("conditions", c.conditions, "exactly one condition for 'not'")


def _check_value(c: Condition) -> None:
    if not isinstance(c.value, str):
        raise _bad("value", c.value, f"a string for {c.op.value!r}")


def _check_values(c: Condition) -> None:
    if not c.values:
        raise _bad("values", c.values, "one or more strings for 'in'")


def _check_range(c: Condition) -> None:
    if c.low is None and c.high is None:
        raise _bad("low", None, "low or high (or both) for 'range'")
    if c.low is not None and c.high is not None and c.low > c.high:
        raise _bad("high", c.high, f"a bound >= low ({c.low})")


def _check_pattern(c: Condition) -> None:
    if not isinstance(c.pattern, str) or len(c.pattern) > MAX_PATTERN_LENGTH:
        raise _bad("pattern", c.pattern, f"a regular expression of <= {MAX_PATTERN_LENGTH} chars")
    try:
        _compile(c.pattern)
    except re.error as err:
        raise _bad("pattern", c.pattern, f"a valid regular expression ({err})") from None
    problem = pattern_problem(c.pattern)
    if problem is not None:
        raise _bad(
            "pattern",
            c.pattern,
            f"a pattern safe from catastrophic backtracking, not {problem} (docs/limits.md)",
        )


def _check_on(c: Condition) -> None:
    if c.on is None:
        raise _bad("on", None, f"a date for {c.op.value!r}")


def _check_days(c: Condition) -> None:
    if c.days is None:
        raise _bad("days", None, "a number of days for 'within_days'")


def _check_event(c: Condition) -> None:
    if not isinstance(c.event, str) or not c.event.strip():
        raise _bad("event", c.event, "an event kind for 'has_event'")
    if not isinstance(c.min_count, int) or isinstance(c.min_count, bool) or c.min_count < 1:
        raise _bad("min_count", c.min_count, "an int >= 1")


_OPERANDS = {
    Op.ALL: _check_logic,
    Op.ANY: _check_logic,
    Op.NOT: _check_logic,
    Op.EQUALS: _check_value,
    Op.CONTAINS: _check_value,
    Op.IN: _check_values,
    Op.RANGE: _check_range,
    Op.MATCHES: _check_pattern,
    Op.BEFORE: _check_on,
    Op.AFTER: _check_on,
    Op.WITHIN_DAYS: _check_days,
    Op.HAS_EVENT: _check_event,
}
"""The operand check of each operator (run after the attrs validators)."""


def _need_now(now: datetime | None, rule: str) -> datetime:
    if now is None:
        raise ScoringError(
            obj=f"rule {rule!r}", field="now", value=None, expected="an aware datetime"
        )
    return check.require_aware(now, obj="score", field="now")


def field_value(lead: LeadLike, name: str, *, rule: str = "condition") -> object:
    """The value of field ``name`` on ``lead``; ``None`` when empty.

    Empty means ``None``, a blank string or NaN (also pandas' ``NA``/``NaT``);
    numpy scalars come back as the Python values they hold.

    On a :class:`~crmcore.models.Lead`, ``name`` is an attribute or
    ``custom.<key>`` (a missing custom key is empty). On a mapping (a CSV
    row), a key absent from the mapping is an unknown field.

    >>> field_value({"industry": " "}, "industry") is None
    True
    >>> field_value({"industry": "retail"}, "size", rule="big")
    Traceback (most recent call last):
    ...
    crmcore.errors.ScoringError: rule 'big'.size: got {'industry': 'retail'} (dict); expected a field of the lead (known: industry)
    """
    if type(lead) is dict and name in lead:  # fast path: a plain row
        cell: object = lead[name]
        if type(cell) is str:
            return cell if cell.strip() else None
        cell = check.plain_scalar(cell)  # numpy scalars, NaN
        return None if isinstance(cell, str) and not cell.strip() else cell
    if isinstance(lead, Lead):
        if name.startswith("custom."):
            value: object = lead.custom.get(name[7:])
        elif name in _LEAD_FIELDS:
            value = getattr(lead, name)
        else:
            raise ScoringError(
                obj=f"rule {rule!r}",
                field=name,
                value=name,
                expected="a Lead attribute or custom.<key>",
            )
    else:
        try:
            value = lead[name]
        except KeyError:
            known = ", ".join(sorted(str(k) for k in lead)[:20])
            raise ScoringError(
                obj=f"rule {rule!r}",
                field=name,
                value=dict(lead),
                expected=f"a field of the lead (known: {known})",
            ) from None
    value = check.plain_scalar(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return value


def as_text(value: object) -> str:
    """The text a field value compares as (enum → value, Money → amount)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Money):
        return str(value.amount)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


def as_number(value: object, *, rule: str, field: str) -> Decimal:
    """A field value as a Decimal (Money → amount; numeric text parsed)."""
    if isinstance(value, Money):
        return value.amount
    if isinstance(value, bool):
        raise ScoringError(obj=f"rule {rule!r}", field=field, value=value, expected="a number")
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):  # rows parsed from JSON: use the shortest decimal repr
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if number.is_finite():
            return number
    raise ScoringError(obj=f"rule {rule!r}", field=field, value=value, expected="a number")


def as_moment(value: object, *, rule: str, field: str) -> date | datetime:
    """A field value as a date or an aware datetime (ISO 8601 text parsed)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ScoringError(
                obj=f"rule {rule!r}", field=field, value=value, expected="an aware datetime"
            )
        return value
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if len(text) == 10:
                return date.fromisoformat(text)
            parsed = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    raise ScoringError(
        obj=f"rule {rule!r}",
        field=field,
        value=value,
        expected="a date (YYYY-MM-DD) or an ISO 8601 datetime with offset",
    )
