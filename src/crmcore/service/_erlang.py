"""Erlang C staffing (private; see ``crmcore.service``).

Erlang C (M/M/N queue): calls arrive at random (Poisson) at rate λ, handle
times are exponential with mean h, N agents serve one queue and nobody
hangs up. With traffic A = λ·h erlangs and N > A:

- P(wait) = C(N, A) = N·B / (N − A·(1 − B)), with B the Erlang B blocking
  probability from the recursion B₀ = 1, B_k = A·B_{k−1} / (k + A·B_{k−1})
  (no factorials, so no overflow at any traffic);
- service level within t = 1 − C·e^{−(N−A)·t/h};
- ASA = C·h / (N − A); occupancy = A / N;
- agents to schedule after shrinkage s: ⌈N / (1 − s)⌉ (computed exactly).

Source: A. K. Erlang (1917); the formulas as in ``sales-service-matching.md``
and in the ``pyworkforce`` package (``ErlangC``), which the tests use as the peer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import attrs

from crmcore._checks import require_aware
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ServiceError, ValidationError

__all__ = [
    "IntervalStaffing",
    "Staffing",
    "erlang_c",
    "erlang_service_level",
    "required_agents",
    "speed_of_answer",
    "staffing_plan",
]

_MAX_AGENTS = 1_000_000


def _positive(value: object, *, obj: str, field: str, allow_zero: bool = False) -> float:
    ok = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
    number = float(value) if ok else math.nan  # type: ignore[arg-type]
    if not ok or not math.isfinite(number) or number < 0 or (number == 0 and not allow_zero):
        raise ValidationError(
            obj=obj,
            field=field,
            value=value,
            expected="a finite number " + (">= 0" if allow_zero else "> 0"),
        )
    return number


def _seconds(value: object, *, obj: str, field: str, allow_zero: bool = False) -> float:
    if (
        not isinstance(value, timedelta)
        or value < timedelta(0)
        or (value == timedelta(0) and not allow_zero)
    ):
        raise ValidationError(
            obj=obj,
            field=field,
            value=value,
            expected="a timedelta " + (">= 0" if allow_zero else "> 0"),
        )
    return value.total_seconds()


def _fraction(value: object, *, obj: str, field: str, low_open: bool, high_open: bool) -> float:
    number = _positive(value, obj=obj, field=field, allow_zero=True)
    if (low_open and number <= 0) or (high_open and number >= 1) or number > 1:
        low = "(0" if low_open else "[0"
        high = "1)" if high_open else "1]"
        raise ValidationError(
            obj=obj, field=field, value=value, expected=f"a number in {low}, {high}"
        )
    return number


def _agents(value: object, *, obj: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_AGENTS:
        raise ValidationError(
            obj=obj, field="agents", value=value, expected=f"an int from 0 to {_MAX_AGENTS:,}"
        )
    return value


def _stable(traffic: float, agents: int, obj: str) -> None:
    if agents <= traffic:
        raise ServiceError(
            obj=obj,
            field="agents",
            value=agents,
            expected=f"more agents than the traffic ({traffic:.6g} erlangs): "
            "with fewer the queue grows without bound and no call is ever sure to be answered",
        )


def _erlang_b(traffic: float, agents: int) -> float:
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def _c_from_b(traffic: float, agents: int, blocking: float) -> float:
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def erlang_c(traffic: float, agents: int) -> float:
    """Probability that a call waits, C(N, A), for ``agents`` N and ``traffic`` A erlangs.

    Raises :class:`~crmcore.errors.ServiceError` when ``agents <= traffic``
    (the queue never empties). ``traffic == 0`` gives 0.

    >>> round(erlang_c(10.0, 14), 4)  # 100 calls / 30 min, AHT 180 s
    0.1741
    """
    a = _positive(traffic, obj="erlang_c", field="traffic", allow_zero=True)
    n = _agents(agents, obj="erlang_c")
    if a == 0:
        return 0.0
    _stable(a, n, "erlang_c")
    return _c_from_b(a, n, _erlang_b(a, n))


def erlang_service_level(
    traffic: float, agents: int, *, aht: timedelta, answer_within: timedelta
) -> float:
    """Share of calls answered within ``answer_within``: 1 − C·e^{−(N−A)·t/h}.

    >>> from datetime import timedelta
    >>> sl = erlang_service_level(10.0, 14, aht=timedelta(seconds=180),
    ...                           answer_within=timedelta(seconds=20))
    >>> round(sl, 4)
    0.8884
    """
    h = _seconds(aht, obj="erlang_service_level", field="aht")
    t = _seconds(answer_within, obj="erlang_service_level", field="answer_within", allow_zero=True)
    wait = erlang_c(traffic, agents)
    return 1.0 - wait * math.exp(-(agents - float(traffic)) * t / h) if wait else 1.0


def speed_of_answer(traffic: float, agents: int, *, aht: timedelta) -> timedelta:
    """Average speed of answer, ASA = C·h / (N − A).

    >>> from datetime import timedelta
    >>> speed_of_answer(10.0, 14, aht=timedelta(seconds=180)).total_seconds()
    7.835937
    """
    h = _seconds(aht, obj="speed_of_answer", field="aht")
    wait = erlang_c(traffic, agents)
    return timedelta(seconds=wait * h / (agents - float(traffic))) if wait else timedelta(0)


@attrs.frozen
class Staffing:
    """Agents needed for one interval's traffic, and what they achieve.

    ``agents`` answer calls (the Erlang C N); ``scheduled`` is
    ``⌈agents / (1 − shrinkage)⌉``, the head count to roster. Rates are floats
    (statistical output).
    """

    calls: float
    """Calls forecast in the interval."""
    traffic: float
    """Offered traffic A = calls × AHT / interval length, in erlangs."""
    agents: int
    """Productive agents N: the fewest meeting every target."""
    scheduled: int
    """Head count after shrinkage."""
    probability_of_waiting: float
    service_level: float
    """Share answered within ``answer_within``."""
    answer_within: timedelta
    speed_of_answer: timedelta
    """Average speed of answer (ASA)."""
    occupancy: float
    """A / N (0 when nobody is needed)."""
    binding: str
    """Which constraint set N: ``"service_level"``, ``"asa"``, ``"max_occupancy"``, ``"stability"`` or ``"no_calls"``."""
    steps: tuple[str, ...] = ()

    def explain(self) -> tuple[str, ...]:
        """How the figure was derived, one line per step."""
        return self.steps


@attrs.frozen
class _Targets:
    service_level: float | None
    answer_within: float
    asa: float | None
    shrinkage: Fraction
    max_occupancy: float
    occupancy_bound: Fraction
    max_agents: int


def _targets(  # noqa: PLR0917  # the keyword arguments of two public functions, passed on
    service_level: float | None,
    answer_within: timedelta,
    asa: timedelta | None,
    shrinkage: float,
    max_occupancy: float,
    max_agents: int,
) -> _Targets:
    obj = "required_agents"
    if service_level is None and asa is None:
        raise ValidationError(
            obj=obj,
            field="service_level",
            value=None,
            expected="a service level target, an asa target or both",
        )
    sl = None
    if service_level is not None:
        sl = _fraction(service_level, obj=obj, field="service_level", low_open=True, high_open=True)
    target_asa = None if asa is None else _seconds(asa, obj=obj, field="asa")
    within = _seconds(answer_within, obj=obj, field="answer_within", allow_zero=True)
    shrink = _fraction(shrinkage, obj=obj, field="shrinkage", low_open=False, high_open=True)
    occupancy = _fraction(
        max_occupancy, obj=obj, field="max_occupancy", low_open=True, high_open=False
    )
    if (
        not isinstance(max_agents, int)
        or isinstance(max_agents, bool)
        or not 1 <= max_agents <= _MAX_AGENTS
    ):
        raise ValidationError(
            obj=obj,
            field="max_agents",
            value=max_agents,
            expected=f"an int from 1 to {_MAX_AGENTS:,}",
        )
    # Exact shrinkage: 14 / (1 − 0.3) is 20, not 20.000000000000004 rounded up to 21.
    exact = Fraction(Decimal(str(shrink)))
    bound = Fraction(Decimal(str(occupancy)))
    return _Targets(sl, within, target_asa, exact, occupancy, bound, max_agents)


def _meets(t: _Targets, traffic: float, n: int, wait: float, h: float) -> tuple[bool, float, float]:
    sl = 1.0 - wait * math.exp(-(n - traffic) * t.answer_within / h)
    asa = wait * h / (n - traffic)
    ok = (t.service_level is None or sl >= t.service_level) and (t.asa is None or asa <= t.asa)
    return ok, sl, asa


def _solve(exact: Fraction, h: float, t: _Targets) -> tuple[int, str, float, float, float]:
    """The fewest agents meeting every target: (N, binding, C, SL, ASA).

    The two bounds (N > A, A / N ≤ max occupancy) are decided on the exact
    traffic: in floats 176.8 / 0.85 is 208.00000000000003, one agent too many.
    """
    traffic = float(exact)
    n_stable = math.floor(exact) + 1
    n_occ = max(1, math.ceil(exact / t.occupancy_bound))
    n = max(n_stable, n_occ)
    blocking = _erlang_b(traffic, n) if n <= t.max_agents else 0.0  # never loop past the cap
    first = n
    while True:
        if n > t.max_agents:
            raise ServiceError(
                obj="required_agents",
                field="calls",
                value=traffic,
                expected=f"traffic that at most max_agents={t.max_agents} agents can serve "
                "to the targets given",
            )
        wait = _c_from_b(traffic, n, blocking)
        ok, sl, asa = _meets(t, traffic, n, wait, h)
        if ok:
            break
        n += 1
        blocking = traffic * blocking / (n + traffic * blocking)
    if n > first:
        binding = (
            "service_level"
            if t.service_level is not None and _sl_short(t, traffic, n - 1, h)
            else "asa"
        )
    else:
        binding = "max_occupancy" if n_occ > n_stable else "stability"
    return n, binding, wait, sl, asa


def _sl_short(t: _Targets, traffic: float, n: int, h: float) -> bool:
    wait = _c_from_b(traffic, n, _erlang_b(traffic, n))
    sl = 1.0 - wait * math.exp(-(n - traffic) * t.answer_within / h)
    return t.service_level is not None and sl < t.service_level


def _staff(calls: float, interval: float, h: float, t: _Targets) -> Staffing:
    within = timedelta(seconds=t.answer_within)
    if calls == 0:
        return Staffing(
            calls,
            0.0,
            0,
            0,
            0.0,
            1.0,
            within,
            timedelta(0),
            0.0,
            "no_calls",
            ("no calls forecast: no agent needed",),
        )
    exact = Fraction(calls) * Fraction(h) / Fraction(interval)
    traffic = float(exact)
    n, binding, wait, sl, asa = _solve(exact, h, t)
    scheduled = math.ceil(Fraction(n) / (1 - t.shrinkage))
    steps = [
        f"traffic A = {calls:g} calls × {h:g} s / {interval:g} s = {traffic:.4f} erlangs",
        f"N = {n} agents ({binding} binds): P(wait) = {wait:.4f}, "
        f"service level within {t.answer_within:g} s = {sl:.4f}, ASA = {asa:.2f} s",
        f"occupancy = A / N = {traffic / n:.4f} (max {t.max_occupancy:g})",
        f"scheduled = ⌈{n} / (1 − {float(t.shrinkage):g})⌉ = {scheduled}",
    ]
    if t.service_level is not None:
        steps.insert(2, f"service-level target {t.service_level:g} within {t.answer_within:g} s")
    if t.asa is not None:
        steps.insert(2, f"ASA target {t.asa:g} s")
    return Staffing(
        calls, traffic, n, scheduled, wait, sl, within, timedelta(seconds=asa), traffic / n,
        binding, tuple(steps),
    )  # fmt: skip


def required_agents(
    calls: float,
    *,
    interval: timedelta,
    aht: timedelta,
    service_level: float | None = 0.8,
    answer_within: timedelta = timedelta(seconds=20),
    asa: timedelta | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    max_agents: int = _MAX_AGENTS,
) -> Staffing:
    """The fewest agents for ``calls`` per ``interval`` at handle time ``aht``.

    Targets: ``service_level`` (share answered within ``answer_within``), an
    average speed of answer ``asa``, or both; ``max_occupancy`` adds
    N ≥ A / max; ``shrinkage`` (breaks, training, absence) turns N into the
    head count to schedule. Traffic that more than ``max_agents`` agents
    would be needed for raises :class:`~crmcore.errors.ServiceError`.

    Worked example (callcentrehelper.com, "Erlang C Formula – Made Simple"):
    100 calls in 30 minutes, AHT 180 s, 80 % within 20 s, 30 % shrinkage.

    >>> from datetime import timedelta
    >>> s = required_agents(100, interval=timedelta(minutes=30), aht=timedelta(seconds=180),
    ...                     shrinkage=0.3)
    >>> s.agents, s.scheduled, round(s.service_level, 4), round(s.occupancy, 4)
    (14, 20, 0.8884, 0.7143)
    """
    obj = "required_agents"
    n_calls = _positive(calls, obj=obj, field="calls", allow_zero=True)
    length = _seconds(interval, obj=obj, field="interval")
    h = _seconds(aht, obj=obj, field="aht")
    t = _targets(service_level, answer_within, asa, shrinkage, max_occupancy, max_agents)
    return _staff(n_calls, length, h, t)


@attrs.frozen
class IntervalStaffing:
    """Staffing for one interval of a forecast; ``staffing`` is ``None`` while closed."""

    start: datetime
    end: datetime
    calls: float
    """Calls forecast (kept for a closed interval too: calls nobody will answer)."""
    open_time: timedelta
    """Business time of the interval on the calendar (the whole interval without one)."""
    staffing: Staffing | None

    @property
    def scheduled(self) -> int:
        """Head count to roster (0 while closed)."""
        return 0 if self.staffing is None else self.staffing.scheduled

    def explain(self) -> tuple[str, ...]:
        """Why this head count, one line per step."""
        when = f"{self.start.isoformat()} – {self.end.isoformat()}"
        if self.staffing is None:
            return (
                f"{when}: closed on the calendar, no agent needed ({self.calls:g} calls forecast)",
            )
        return (f"{when}: open {self.open_time}", *self.staffing.explain())


def staffing_plan(
    forecast: Mapping[datetime, float],
    *,
    interval: timedelta,
    aht: timedelta,
    calendar: BusinessCalendar | None = None,
    service_level: float | None = 0.8,
    answer_within: timedelta = timedelta(seconds=20),
    asa: timedelta | None = None,
    shrinkage: float = 0.0,
    max_occupancy: float = 1.0,
    max_agents: int = _MAX_AGENTS,
) -> tuple[IntervalStaffing, ...]:
    """Staffing per interval from an arrival ``forecast`` (interval start → calls).

    An interval with no business time on ``calendar`` needs no one; one
    partly open carries its calls in its open time (traffic = calls × AHT /
    open time). Intervals are returned in time order.

    >>> from datetime import datetime, timedelta, timezone
    >>> from crmcore.calendars import BusinessCalendar, WeeklySchedule
    >>> cal = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}),
    ...                        timezone="UTC")
    >>> monday = datetime(2026, 1, 5, 8, 30, tzinfo=timezone.utc)
    >>> plan = staffing_plan({monday: 5, monday + timedelta(minutes=30): 100},
    ...                      interval=timedelta(minutes=30), aht=timedelta(seconds=180),
    ...                      calendar=cal)
    >>> [p.scheduled for p in plan]
    [0, 14]
    """
    obj = "staffing_plan"
    if not isinstance(forecast, Mapping):
        raise ValidationError(
            obj=obj,
            field="forecast",
            value=forecast,
            expected="a mapping of interval start to calls",
        )
    _seconds(interval, obj=obj, field="interval")
    h = _seconds(aht, obj=obj, field="aht")
    if calendar is not None and not isinstance(calendar, BusinessCalendar):
        raise ValidationError(
            obj=obj, field="calendar", value=calendar, expected="a BusinessCalendar or None"
        )
    t = _targets(service_level, answer_within, asa, shrinkage, max_occupancy, max_agents)
    rows: list[IntervalStaffing] = []
    for start in sorted(forecast, key=lambda s: require_aware(s, obj=obj, field="forecast")):
        calls = _positive(
            forecast[start], obj=obj, field=f"forecast[{start.isoformat()}]", allow_zero=True
        )
        end = start + interval
        open_time = calendar.between(start, end) if calendar is not None else interval
        if open_time <= timedelta(0):
            rows.append(IntervalStaffing(start, end, calls, timedelta(0), None))
            continue
        rows.append(
            IntervalStaffing(
                start, end, calls, open_time, _staff(calls, open_time.total_seconds(), h, t)
            )
        )
    return tuple(rows)
