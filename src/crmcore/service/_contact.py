"""Contact-centre metrics from an interaction event log (private; see ``crmcore.service``).

Definitions (reference ``sales-service-matching.md``, contact-centre terms):

- service level = answered within T ÷ a denominator set by :class:`AbandonTreatment`;
- ASA = mean wait of answered interactions (and a percentile, linear interpolation
  between closest ranks as numpy's and pandas' default);
- abandon rate = abandoned ÷ offered, short abandons (wait < ``short_abandon``)
  removed from both when asked;
- AHT = mean of talk + hold + wrap-up = (wrap-up end, else end) − answer;
- transfer rate = answered interactions transferred at least once ÷ answered;
- FCR = answered interactions with a customer and subject and no later contact
  from the same customer on the same subject within N business days ÷ those answered;
- occupancy = handle time ÷ logged-in time (per agent, when logged-in time is given).
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmcore import _checks as check
from crmcore._backend import resolve_backend
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ServiceError, ValidationError

__all__ = [
    "AbandonTreatment",
    "ContactCentreMetrics",
    "Interaction",
    "InteractionEvent",
    "InteractionEventKind",
    "contact_centre_columns",
    "contact_centre_metrics",
    "interactions_from_events",
]


class InteractionEventKind(enum.StrEnum):
    """What happened to an interaction (a call, chat or other contact) in the queue."""

    OFFERED = "offered"
    """Entered the queue; always the first event of an interaction."""
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    """The customer left the queue before an answer."""
    HELD = "held"
    """Put on hold (ended by ``resumed``, or by ``ended``)."""
    RESUMED = "resumed"
    TRANSFERRED = "transferred"
    ENDED = "ended"
    """Conversation over; wrap-up (after-call work) starts."""
    WRAPUP_ENDED = "wrapup_ended"


_K = InteractionEventKind


@attrs.frozen(kw_only=True)
class InteractionEvent:
    """One line of an interaction event log."""

    interaction_id: str = attrs.field(validator=check.text(max_length=200))
    kind: InteractionEventKind = attrs.field(converter=InteractionEventKind)
    at: datetime = attrs.field(validator=check.aware())
    queue: str | None = attrs.field(default=None, validator=check.text(optional=True))
    agent: str | None = attrs.field(default=None, validator=check.text(optional=True))
    customer: str | None = attrs.field(default=None, validator=check.text(optional=True))
    channel: str | None = attrs.field(default=None, validator=check.text(optional=True))
    subject: str | None = attrs.field(default=None, validator=check.text(optional=True))


@attrs.frozen(kw_only=True)
class Interaction:
    """One interaction reduced from its events: when it was offered, answered, ended."""

    id: str = attrs.field(validator=check.text(max_length=200))
    offered_at: datetime = attrs.field(validator=check.aware())
    queue: str | None = attrs.field(default=None, validator=check.text(optional=True))
    channel: str | None = attrs.field(default=None, validator=check.text(optional=True))
    customer: str | None = attrs.field(default=None, validator=check.text(optional=True))
    subject: str | None = attrs.field(default=None, validator=check.text(optional=True))
    agent: str | None = attrs.field(default=None, validator=check.text(optional=True))
    answered_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    abandoned_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    ended_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    wrapup_ended_at: datetime | None = attrs.field(default=None, validator=check.optional_aware())
    hold: timedelta = attrs.field(default=timedelta(0), validator=check.instance_of(timedelta))
    transfers: int = attrs.field(default=0, validator=check.in_range(0))

    def __attrs_post_init__(self) -> None:
        if self.answered_at is not None and self.abandoned_at is not None:
            raise ValidationError(
                obj="Interaction", field="abandoned_at", value=self.abandoned_at,
                expected="None for an answered interaction (answered or abandoned, not both)",
            )  # fmt: skip
        previous, previous_name = self.offered_at, "offered_at"
        for name in ("answered_at", "abandoned_at", "ended_at", "wrapup_ended_at"):
            moment = getattr(self, name)
            if moment is None:
                continue
            if moment < previous:
                raise ValidationError(
                    obj="Interaction", field=name, value=moment,
                    expected=f"a time at or after {previous_name} ({previous.isoformat()})",
                )  # fmt: skip
            previous, previous_name = moment, name
        if self.hold < timedelta(0):
            raise ValidationError(
                obj="Interaction", field="hold", value=self.hold, expected="a timedelta >= 0"
            )

    @property
    def wait(self) -> timedelta | None:
        """Time in queue until answered or abandoned (``None`` while still queued)."""
        done = self.answered_at or self.abandoned_at
        return None if done is None else done - self.offered_at

    @property
    def handle(self) -> timedelta | None:
        """Talk + hold + wrap-up: from answer to wrap-up end (or end); ``None`` until ended."""
        finish = self.wrapup_ended_at or self.ended_at
        if self.answered_at is None or finish is None:
            return None
        return finish - self.answered_at


class _Build:
    """Mutable per-interaction state while replaying the log."""

    __slots__ = (
        "abandoned", "agent", "answered", "channel", "customer", "ended", "held_since", "hold",
        "id", "last", "offered", "queue", "subject", "transfers", "wrapped",
    )  # fmt: skip

    def __init__(self, event: InteractionEvent) -> None:
        self.id = event.interaction_id
        self.offered = self.last = event.at
        self.queue, self.channel = event.queue, event.channel
        self.customer, self.subject, self.agent = event.customer, event.subject, event.agent
        self.answered: datetime | None = None
        self.abandoned: datetime | None = None
        self.ended: datetime | None = None
        self.wrapped: datetime | None = None
        self.held_since: datetime | None = None
        self.hold = timedelta(0)
        self.transfers = 0

    def freeze(self) -> Interaction:
        return Interaction(
            id=self.id, offered_at=self.offered, queue=self.queue, channel=self.channel,
            customer=self.customer, subject=self.subject, agent=self.agent,
            answered_at=self.answered, abandoned_at=self.abandoned, ended_at=self.ended,
            wrapup_ended_at=self.wrapped, hold=self.hold, transfers=self.transfers,
        )  # fmt: skip


# Which earlier state each event needs: (field that must be set, field that must not be set).
_NEEDS: dict[InteractionEventKind, tuple[str | None, tuple[str, ...]]] = {
    _K.ANSWERED: (None, ("answered", "abandoned", "ended")),
    _K.ABANDONED: (None, ("answered", "abandoned", "ended")),
    _K.HELD: ("answered", ("held_since", "ended")),
    _K.RESUMED: ("held_since", ("ended",)),
    _K.TRANSFERRED: ("answered", ("ended",)),
    _K.ENDED: ("answered", ("ended",)),
    _K.WRAPUP_ENDED: ("ended", ("wrapped",)),
}


def _apply(state: _Build, event: InteractionEvent, index: int) -> None:
    need, refuse = _NEEDS[event.kind]
    if (need is not None and getattr(state, need) is None) or any(
        getattr(state, f) is not None for f in refuse
    ):
        raise ServiceError(
            obj="interactions_from_events",
            field=f"events[{index}].kind",
            value=event.kind.value,
            expected=f"an event that may follow the earlier events of interaction {state.id!r}",
        )
    kind, at = event.kind, event.at
    if kind is _K.ANSWERED:
        state.answered = at
        state.agent = event.agent or state.agent
    elif kind is _K.ABANDONED:
        state.abandoned = at
    elif kind is _K.HELD:
        state.held_since = at
    elif kind is _K.RESUMED:
        state.hold += at - (state.held_since or at)
        state.held_since = None
    elif kind is _K.TRANSFERRED:
        state.transfers += 1  # the answering agent keeps the interaction in per-agent figures
    elif kind is _K.ENDED:
        if state.held_since is not None:  # ended while on hold: the hold lasted until the end
            state.hold += at - state.held_since
            state.held_since = None
        state.ended = at
    else:
        state.wrapped = at


def interactions_from_events(events: Iterable[InteractionEvent]) -> tuple[Interaction, ...]:
    """Replay an event log into one :class:`Interaction` per id, in order of first offer.

    Each interaction must start with ``offered``; its events must not go back
    in time and must follow the life of a contact (answered or abandoned once;
    hold, transfer and end only after the answer; wrap-up end after the end).
    Anything else raises :class:`~crmcore.errors.ServiceError` naming the event.
    """
    items = check.require_items(
        events, InteractionEvent, obj="interactions_from_events", field="events"
    )
    from crmcore.service._contact_tally import replay  # noqa: PLC0415  (it imports this module)

    return replay(items)


class AbandonTreatment(enum.StrEnum):
    """How abandoned interactions enter the service level (the industry uses all three).

    - ``failed``: SL = answered within T ÷ (answered + abandoned): every abandon is a miss.
    - ``ignored``: SL = answered within T ÷ answered.
    - ``excluded_within_threshold``: SL = answered within T ÷ (answered + abandoned
      after T): a customer who gave up before T is not held against the desk.
    """

    FAILED = "failed"
    IGNORED = "ignored"
    EXCLUDED_WITHIN_THRESHOLD = "excluded_within_threshold"


@attrs.frozen
class ContactCentreMetrics:
    """The contact-centre figures of one group (a queue, agent, channel, day or interval).

    Times are seconds (floats); rates are in [0, 1] or ``None`` when their
    denominator is zero or their input (customers, logged-in time) was not given.
    """

    group: str
    offered: int
    answered: int
    abandoned: int
    """Abandoned, short abandons excluded."""
    short_abandons: int
    answered_within: int
    service_level: float | None
    asa: float | None
    asa_percentile: float | None
    abandon_rate: float | None
    aht: float | None
    transfer_rate: float | None
    fcr: float | None = None
    occupancy: float | None = None
    settings: tuple[str, ...] = ()

    def explain(self) -> tuple[str, ...]:
        """How each figure was derived."""
        lines = [
            f"{self.group}: offered {self.offered}, answered {self.answered}, abandoned "
            f"{self.abandoned} (+{self.short_abandons} short abandons excluded)",
            *self.settings,
            f"service level = {self.answered_within} answered within threshold / denominator "
            f"= {_fmt(self.service_level)}",
            f"ASA = {_fmt(self.asa)} s; percentile = {_fmt(self.asa_percentile)} s",
            f"abandon rate = {self.abandoned} / {self.offered - self.short_abandons} "
            f"= {_fmt(self.abandon_rate)}",
            f"AHT (talk + hold + wrap-up) = {_fmt(self.aht)} s; transfer rate = {_fmt(self.transfer_rate)}",
        ]
        if self.fcr is not None:
            lines.append(f"first-contact resolution = {_fmt(self.fcr)}")
        if self.occupancy is not None:
            lines.append(f"occupancy = handle time / logged-in time = {_fmt(self.occupancy)}")
        return tuple(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _quantile(sorted_values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy/pandas default, Hyndman–Fan type 7)."""
    n = len(sorted_values)
    if n == 0:
        return None
    h = (n - 1) * q
    lo = math.floor(h)
    hi = min(lo + 1, n - 1)
    return sorted_values[lo] + (h - lo) * (sorted_values[hi] - sorted_values[lo])


@attrs.frozen
class _Options:
    within: float
    treatment: AbandonTreatment
    short: float
    percentile: float

    def describe(self) -> tuple[str, ...]:
        return (
            f"threshold T = {self.within:g} s; abandons {self.treatment.value}; "
            f"short abandons under {self.short:g} s excluded; percentile {self.percentile:g}",
        )


def _options(
    answer_within: object, treatment: object, short: object, percentile: object
) -> _Options:
    obj = "contact_centre_metrics"
    values = {"answer_within": answer_within, "short_abandon": short}
    for name, value in values.items():
        if not isinstance(value, timedelta) or value < timedelta(0):
            raise ValidationError(obj=obj, field=name, value=value, expected="a timedelta >= 0")
    try:
        mode = AbandonTreatment(treatment)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError(
            obj=obj,
            field="abandon_treatment",
            value=treatment,
            expected=", ".join(m.value for m in AbandonTreatment),
        ) from None
    if not isinstance(percentile, float) or not 0 <= percentile <= 1:
        raise ValidationError(
            obj=obj, field="percentile", value=percentile, expected="a float in [0, 1]"
        )
    return _Options(
        answer_within.total_seconds(),  # type: ignore[attr-defined]
        mode,
        short.total_seconds(),  # type: ignore[attr-defined]
        percentile,
    )


def _ratio(top: float, bottom: float) -> float | None:
    return top / bottom if bottom else None


@attrs.frozen
class _Row:
    """One interaction as numbers: the aggregation's input on both paths."""

    group: str
    answered: bool
    abandoned: bool
    wait: float
    handle: float | None
    transferred: bool


def _aggregate(group: str, rows: Sequence[_Row], opt: _Options) -> ContactCentreMetrics:
    offered = len(rows)
    waits = sorted(r.wait for r in rows if r.answered)
    answered = len(waits)
    within = sum(1 for w in waits if w <= opt.within)
    short = sum(1 for r in rows if r.abandoned and r.wait < opt.short)
    abandoned = sum(1 for r in rows if r.abandoned) - short
    late_abandons = sum(
        1 for r in rows if r.abandoned and r.wait >= opt.short and r.wait > opt.within
    )
    handles = [r.handle for r in rows if r.answered and r.handle is not None]
    transferred = sum(1 for r in rows if r.answered and r.transferred)
    return ContactCentreMetrics(
        group=group, offered=offered, answered=answered, abandoned=abandoned, short_abandons=short,
        answered_within=within,
        service_level=_service_level(opt.treatment, within, answered, abandoned, late_abandons),
        asa=_ratio(math.fsum(waits), answered),
        asa_percentile=_quantile(waits, opt.percentile),
        abandon_rate=_ratio(abandoned, offered - short),
        aht=_ratio(math.fsum(handles), len(handles)),
        transfer_rate=_ratio(transferred, answered),
        settings=opt.describe(),
    )  # fmt: skip


def _service_level(
    treatment: AbandonTreatment, within: int, answered: int, abandoned: int, late: int
) -> float | None:
    if treatment is AbandonTreatment.FAILED:
        return _ratio(within, answered + abandoned)
    if treatment is AbandonTreatment.IGNORED:
        return _ratio(within, answered)
    return _ratio(within, answered + late)


_GROUPS = ("all", "queue", "agent", "channel", "day", "interval")


def _grouper(by: str, interval: timedelta, zone: ZoneInfo) -> Callable[[Interaction], str]:
    if by not in _GROUPS:
        raise ValidationError(
            obj="contact_centre_metrics", field="by", value=by, expected=", ".join(_GROUPS)
        )
    if by == "interval":
        if interval not in (timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=60)):
            raise ValidationError(
                obj="contact_centre_metrics",
                field="interval",
                value=interval,
                expected="15, 30 or 60 minutes",
            )
        step = int(interval.total_seconds() // 60)

        def slot(i: Interaction) -> str:
            local = i.offered_at.astimezone(zone)
            return local.replace(
                minute=local.minute // step * step, second=0, microsecond=0
            ).strftime("%Y-%m-%dT%H:%M")

        return slot
    if by == "day":
        return lambda i: i.offered_at.astimezone(zone).date().isoformat()
    if by == "all":
        return lambda _i: "all"
    return lambda i: getattr(i, by) or "(none)"


def _window_end(day: date, days: int, calendar: BusinessCalendar | None) -> date:
    if calendar is None:
        return day + timedelta(days=days)
    return calendar.add_days(day, days)


def contact_centre_metrics(
    interactions: Iterable[Interaction] | Iterable[InteractionEvent],
    *,
    by: str = "all",
    answer_within: timedelta = timedelta(seconds=20),
    abandon_treatment: AbandonTreatment | str = AbandonTreatment.FAILED,
    short_abandon: timedelta = timedelta(0),
    percentile: float = 0.9,
    interval: timedelta = timedelta(minutes=30),
    timezone: ZoneInfo | str = "UTC",
    fcr_days: int | None = None,
    calendar: BusinessCalendar | None = None,
    logged_in: Mapping[str, timedelta] | None = None,
) -> tuple[ContactCentreMetrics, ...]:
    """Contact-centre figures per group (``by``: all, queue, agent, channel, day, interval).

    ``interactions`` are :class:`Interaction` records or an event log of
    :class:`InteractionEvent` (replayed with :func:`interactions_from_events`).

    ``interval`` (15, 30 or 60 minutes) and ``day`` are local to ``timezone``.
    ``fcr_days`` turns on first-contact resolution: no repeat contact from the
    same customer on the same subject within that many business days of
    ``calendar`` (calendar days without one). ``logged_in`` (agent → time)
    gives each agent's occupancy when grouping by agent. Groups are sorted.

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> calls = [Interaction(id="1", offered_at=t, answered_at=t + timedelta(seconds=10)),
    ...          Interaction(id="2", offered_at=t, answered_at=t + timedelta(seconds=40)),
    ...          Interaction(id="3", offered_at=t, abandoned_at=t + timedelta(seconds=30))]
    >>> m = contact_centre_metrics(calls)[0]
    >>> m.service_level, m.asa, m.abandon_rate   # 1 of (2 + 1); (10 + 40) / 2; 1 / 3
    (0.3333333333333333, 25.0, 0.3333333333333333)
    """
    from crmcore.service._contact_tally import ContactCentreTally  # noqa: PLC0415

    given: tuple[Any, ...] = check.require_items(
        interactions,
        (Interaction, InteractionEvent),
        obj="contact_centre_metrics",
        field="interactions",
    )
    _check_kinds(given)
    try:
        tally = ContactCentreTally(
            by=by, answer_within=answer_within, abandon_treatment=abandon_treatment,
            short_abandon=short_abandon, percentile=percentile, interval=interval,
            timezone=timezone, fcr_days=fcr_days, calendar=calendar, logged_in=logged_in,
        )  # fmt: skip
    except ValidationError:
        if given and isinstance(given[0], InteractionEvent):
            interactions_from_events(given)  # a bad event log is named before a bad setting
        raise
    tally.add(given)
    return tally.result()


def _check_kinds(given: tuple[Any, ...]) -> None:
    """Interaction records or an event log, not a mix of the two."""
    if given and all(isinstance(item, InteractionEvent) for item in given):
        return
    for index, item in enumerate(given):
        if not isinstance(item, Interaction):
            raise ValidationError(
                obj="contact_centre_metrics",
                field=f"interactions[{index}]",
                value=item,
                expected="Interaction records or InteractionEvent records, not a mix",
            )


def _days(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(
            obj="contact_centre_metrics", field="fcr_days", value=value, expected="an int >= 0"
        )
    return value


def _zone(name: object) -> ZoneInfo:
    try:
        return ZoneInfo(str(name))
    except (ValueError, LookupError, OSError):  # OSError: "America" is a folder of zones
        raise ValidationError(
            obj="contact_centre_metrics",
            field="timezone",
            value=name,
            expected="an IANA time zone name",
        ) from None


_COLUMNS = ("group", "answered", "abandoned", "wait", "handle", "transferred")


def contact_centre_columns(
    columns: Mapping[str, Sequence[Any]],
    *,
    answer_within: timedelta = timedelta(seconds=20),
    abandon_treatment: AbandonTreatment | str = AbandonTreatment.FAILED,
    short_abandon: timedelta = timedelta(0),
    percentile: float = 0.9,
    backend: str = "auto",
) -> tuple[ContactCentreMetrics, ...]:
    """The columnar path: the same figures from one column per field, one row per interaction.

    Columns: ``group`` (labels), ``answered`` and ``abandoned`` (bools),
    ``wait`` (seconds to answer or abandon), ``handle`` (seconds of talk +
    hold + wrap-up, NaN when not handled), ``transferred`` (bools); numpy
    arrays or sequences. Results equal :func:`contact_centre_metrics` on the
    same interactions (sums to floating-point rounding).
    """
    engine = resolve_backend(backend, obj="contact_centre_columns")
    opt = _options(answer_within, abandon_treatment, short_abandon, percentile)
    if not isinstance(columns, Mapping) or any(c not in columns for c in _COLUMNS):
        raise ValidationError(
            obj="contact_centre_columns", field="columns", value=sorted(columns) if isinstance(columns, Mapping) else columns,
            expected="a mapping with the columns " + ", ".join(_COLUMNS),
        )  # fmt: skip
    for name in _COLUMNS:
        if isinstance(columns[name], (str, bytes)) or not hasattr(columns[name], "__len__"):
            raise ValidationError(
                obj="contact_centre_columns", field=f"columns[{name!r}]", value=columns[name],
                expected="a sequence or array with one value per interaction",
            )  # fmt: skip
    sizes = {len(columns[c]) for c in _COLUMNS}
    if len(sizes) != 1:
        raise ValidationError(
            obj="contact_centre_columns",
            field="columns",
            value=sizes,
            expected="columns of one length",
        )
    try:
        return _columns_on(engine, columns, opt)
    except (TypeError, ValueError) as err:
        if isinstance(err, ValidationError):
            raise
        raise ValidationError(
            obj="contact_centre_columns", field="columns", value=str(err),
            expected="numbers in wait and handle (NaN for no handle), booleans elsewhere",
        ) from None  # fmt: skip


def _columns_on(
    engine: str, columns: Mapping[str, Sequence[Any]], opt: _Options
) -> tuple[ContactCentreMetrics, ...]:
    if engine == "numpy":
        from crmcore.service._columns import aggregate_numpy  # noqa: PLC0415  # numpy is optional

        return aggregate_numpy(columns, opt)
    rows: dict[str, list[_Row]] = {}
    for g, ans, ab, w, h, tr in zip(*(columns[c] for c in _COLUMNS), strict=True):
        handle = None if h is None or math.isnan(float(h)) else float(h)
        rows.setdefault(str(g), []).append(
            _Row(str(g), bool(ans), bool(ab), float(w), handle, bool(tr))
        )
    return tuple(_aggregate(g, rows[g], opt) for g in sorted(rows))
