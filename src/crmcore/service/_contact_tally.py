"""Contact-centre metrics a batch of events at a time (private; see ``crmcore.service``).

:class:`ContactCentreTally` replays an interaction event log as it arrives.
An interaction still open (queued, talking, in wrap-up) is kept as it is; once
it is complete (abandoned, or its wrap-up ended: no event may follow) it is
reduced at once into its group's compact state:

- exact counts (offered, answered, abandons, short and late abandons,
  answered within T, transferred, handled);
- the answered waits as ``array('d')`` (8 bytes each: the exact percentile
  and the correctly rounded ``fsum`` of the ASA);
- the handle times as Shewchuk partials (an exact running sum: a few floats
  per group, ``fsum`` of them is ``fsum`` of every handle time);
- for first-contact resolution, one small row per contact that has a
  customer and a subject (offer time, id, answered, group).

Every interaction id seen stays known with the time of its last event (a
later event of a finished interaction is refused as the one-shot replay
refuses it). :func:`~crmcore.service.contact_centre_metrics` and
:func:`~crmcore.service.interactions_from_events` run this code.
"""

from __future__ import annotations

import copy
import math
from array import array
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crmcore import _checks as check
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ServiceError, ValidationError
from crmcore.service._contact import (
    AbandonTreatment,
    ContactCentreMetrics,
    Interaction,
    InteractionEvent,
    InteractionEventKind,
    _apply,
    _Build,
    _days,
    _grouper,
    _Options,
    _options,
    _quantile,
    _ratio,
    _service_level,
    _window_end,
    _zone,
)

__all__ = ["ContactCentreTally"]

_OBJ = "interactions_from_events"
_OFFERED = InteractionEventKind.OFFERED


# -- the replay of the log --------------------------------------------------------------------


class _Held:
    """An event waiting for its interaction's offer (kept by a tally of a later part of a log)."""

    __slots__ = ("event", "index")

    def __init__(self, index: int, event: InteractionEvent) -> None:
        self.index, self.event = index, event


class _Bad:
    """A refused event: what is wrong with it, made into the replay's error on demand."""

    __slots__ = ("event", "index", "last", "reason")

    def __init__(
        self, index: int, event: InteractionEvent, reason: str, last: datetime | None = None
    ) -> None:
        self.index, self.event, self.reason, self.last = index, event, reason, last

    def moved(self, offset: int) -> _Bad:
        return _Bad(self.index + offset, self.event, self.reason, self.last)

    def error(self) -> ServiceError:
        """The :class:`ServiceError` the one-shot replay raises for this event."""
        event, where = self.event, f"events[{self.index}]"
        iid = event.interaction_id
        if self.reason == "unoffered":
            return ServiceError(
                obj=_OBJ, field=f"{where}.interaction_id", value=iid,
                expected="an interaction offered earlier in the log (its first event is 'offered')",
            )  # fmt: skip
        if self.reason == "twice":
            return ServiceError(
                obj=_OBJ, field=f"{where}.kind", value=event.kind.value,
                expected=f"'offered' once per interaction ({iid!r} was offered already)",
            )  # fmt: skip
        if self.reason == "early":
            last = self.last.isoformat() if self.last is not None else "?"
            return ServiceError(
                obj=_OBJ, field=f"{where}.at", value=event.at,
                expected=f"a time at or after the previous event of {iid!r} ({last})",
            )  # fmt: skip
        return ServiceError(
            obj=_OBJ, field=f"{where}.kind", value=event.kind.value,
            expected=f"an event that may follow the earlier events of interaction {iid!r}",
        )  # fmt: skip


class _Log:
    """The replay: open interactions, finished ids (→ last event time), held events.

    An error is kept, not raised, with the index of its event: the replay of
    the whole log raises the error of the earliest bad event, and a held event
    (no offer yet) is an error only if no earlier part of the log offers it.
    """

    __slots__ = ("count", "done", "error", "held", "open")

    def __init__(self) -> None:
        self.count = 0
        self.open: dict[str, _Build] = {}
        self.done: dict[str, datetime] = {}
        self.held: dict[str, list[_Held]] = {}
        self.error: _Bad | None = None

    def feed(
        self, events: tuple[InteractionEvent, ...], sink: Callable[[Interaction], None]
    ) -> None:
        """Replay ``events`` (the next part of the log); complete interactions go to ``sink``."""
        base = self.count
        self.count += len(events)
        if self.error is not None:
            return  # the log is refused already: later events cannot change the first error
        step = self.step
        for offset, event in enumerate(events):
            bad = step(base + offset, event, sink)
            if bad is not None:
                self.error = bad
                return

    def step(
        self, index: int, event: InteractionEvent, sink: Callable[[Interaction], None]
    ) -> _Bad | None:
        """One event; what is wrong with it, if anything."""
        iid = event.interaction_id
        state = self.open.get(iid)
        if state is None:
            return self._first(index, event)
        if event.kind is _OFFERED:
            return _Bad(index, event, "twice")
        if event.at < state.last:
            return _Bad(index, event, "early", state.last)
        state.last = event.at
        try:
            _apply(state, event, index)
        except ServiceError:
            return _Bad(index, event, "order")
        if state.abandoned is not None or state.wrapped is not None:  # nothing may follow
            del self.open[iid]
            self.done[iid] = state.last
            sink(state.freeze())
        return None

    def _first(self, index: int, event: InteractionEvent) -> _Bad | None:
        """An event of an interaction that is not open: held, refused or a new offer."""
        iid = event.interaction_id
        waiting = self.held.get(iid)
        if waiting is not None:
            waiting.append(_Held(index, event))
            return None
        last = self.done.get(iid)
        if last is not None:  # finished: every event after an abandon or a wrap-up end is refused
            if event.kind is _OFFERED:
                return _Bad(index, event, "twice")
            return (
                _Bad(index, event, "early", last)
                if event.at < last
                else _Bad(index, event, "order")
            )
        if event.kind is not _OFFERED:
            self.held[iid] = [_Held(index, event)]
            return None
        self.open[iid] = _Build(event)
        return None

    def first_error(self) -> ServiceError | None:
        """The error of the earliest bad event (a held event counts as unoffered)."""
        found = self.error
        for waiting in self.held.values():
            head = waiting[0]
            if found is None or head.index < found.index:
                found = _Bad(head.index, head.event, "unoffered")
        return None if found is None else found.error()

    def merged(self, other: _Log, sink: Callable[[Interaction], None]) -> _Log:
        """This log followed by ``other``: ``other``'s held events replayed onto this log's
        open interactions (completions to ``sink``); neither log is changed."""
        out = _Log()
        out.count = self.count + other.count
        out.open = {k: copy.copy(v) for k, v in self.open.items()}
        out.done = dict(self.done)
        out.held = {k: list(v) for k, v in self.held.items()}
        out.error = self.error
        if self.error is not None:
            return out
        offset = self.count
        twice = (other.open.keys() | other.done.keys()) & (out.open.keys() | out.done.keys())
        if twice:
            iid = min(twice)
            raise ServiceError(
                obj=_OBJ, field="interaction_id", value=iid,
                expected=f"'offered' once per interaction ({iid!r} is offered in both merged parts)",
            )  # fmt: skip
        replay = sorted(
            (h.index + offset, h.event) for waiting in other.held.values() for h in waiting
        )
        for index, event in replay:
            bad = out.step(index, event, sink)
            if bad is not None:
                out.error = bad
                break
        if other.error is not None:
            moved = other.error.moved(offset)
            if out.error is None or moved.index < out.error.index:
                out.error = moved
        out.open.update((k, copy.copy(v)) for k, v in other.open.items())
        out.done.update(other.done)
        return out


def replay(events: tuple[InteractionEvent, ...]) -> tuple[Interaction, ...]:
    """:func:`interactions_from_events` (events checked already)."""
    complete: list[Interaction] = []
    log = _Log()
    log.feed(events, complete.append)
    problem = log.first_error()
    if problem is not None:
        raise problem
    complete.extend(state.freeze() for state in log.open.values())
    return tuple(sorted(complete, key=lambda i: (i.offered_at, i.id)))


# -- the compact state of the groups ----------------------------------------------------------


def _grow(partials: list[float], x: float) -> None:
    """Add ``x`` to an exact sum kept as non-overlapping floats (Shewchuk; ``math.fsum``'s)."""
    i = 0
    for part in partials:
        y = part
        if abs(x) < abs(y):
            x, y = y, x
        hi = x + y
        lo = y - (hi - x)
        if lo:
            partials[i] = lo
            i += 1
        x = hi
    partials[i:] = [x]


class _Group:
    """One group's counts, answered waits and exact handle-time sum."""

    __slots__ = (
        "abandoned", "handle_sum", "handled", "late", "offered", "short", "transferred",
        "waits", "within",
    )  # fmt: skip

    def __init__(self) -> None:
        self.offered = self.abandoned = self.short = self.late = 0
        self.within = self.transferred = self.handled = 0
        self.waits = array("d")
        self.handle_sum: list[float] = []

    def copy(self) -> _Group:
        out = copy.copy(self)
        out.waits = array("d", self.waits)
        out.handle_sum = list(self.handle_sum)
        return out

    def absorb(self, other: _Group) -> None:
        self.offered += other.offered
        self.abandoned += other.abandoned
        self.short += other.short
        self.late += other.late
        self.within += other.within
        self.transferred += other.transferred
        self.handled += other.handled
        self.waits.extend(other.waits)
        for part in other.handle_sum:
            _grow(self.handle_sum, part)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_BIAS = 1 << 62
"""Added to microseconds since 1970 (any aware datetime's fit in 58 bits) to sort as unsigned."""


class _Contacts:
    """Contacts with a customer and a subject, for first-contact resolution, column-wise.

    Each contact is a few machine numbers: its (customer, subject) topic, offer
    instant in microseconds, offer date (in its own offset, as the replay reads
    it), answered flag and group, plus a reference to its id (held anyway);
    for Interaction records also its input position (ties keep input order).
    """

    __slots__ = (
        "answered",
        "at",
        "day",
        "group",
        "ids",
        "names",
        "order",
        "topic",
        "topics",
        "where",
    )

    def __init__(self) -> None:
        self.topics: dict[str, int] = {}  # "<len(customer)>:<customer><subject>" → number
        self.names: list[str] = []
        self.where: dict[str, int] = {}
        self.topic, self.at, self.order = array("q"), array("q"), array("q")
        self.day, self.group, self.answered = array("i"), array("i"), array("b")
        self.ids: list[str] = []

    def add(
        self, i: Interaction, group: str, customer: str, subject: str, order: int | None
    ) -> None:
        key = f"{len(customer)}:{customer}{subject}"  # one string, and no two pairs share it
        topic = self.topics.get(key)
        if topic is None:
            topic = self.topics[key] = len(self.topics)
        where = self.where.get(group)
        if where is None:
            where = self.where[group] = len(self.names)
            self.names.append(group)
        offered = i.offered_at
        self.topic.append(topic)
        self.at.append((offered - _EPOCH) // _US)
        self.day.append(offered.date().toordinal())
        self.answered.append(i.answered_at is not None)
        self.group.append(where)
        self.ids.append(i.id)
        if order is not None:
            self.order.append(order)

    def copy(self) -> _Contacts:
        out = copy.copy(self)
        out.topics, out.names, out.where = dict(self.topics), list(self.names), dict(self.where)
        for name in ("topic", "at", "order", "day", "group", "answered"):
            setattr(out, name, copy.copy(getattr(self, name)))
        out.ids = list(self.ids)
        return out

    def absorb(self, other: _Contacts, shift: int) -> None:
        """Append ``other``'s contacts (their topics and groups renumbered, positions shifted)."""
        topics = [0] * len(other.topics)
        for key, index in other.topics.items():
            topics[index] = self.topics.setdefault(key, len(self.topics))
        groups = []
        for name in other.names:
            if name not in self.where:
                self.where[name] = len(self.names)
                self.names.append(name)
            groups.append(self.where[name])
        self.topic.extend(topics[t] for t in other.topic)
        self.group.extend(groups[g] for g in other.group)
        self.at.extend(other.at)
        self.day.extend(other.day)
        self.answered.extend(other.answered)
        self.ids.extend(other.ids)
        self.order.extend(k + shift for k in other.order)

    def ordered(self) -> list[int]:
        """Contact positions by topic (first seen first), then offer instant, then the
        replay's tie order (the id for events, the input position for records)."""
        topic, at = self.topic, self.at
        order = sorted(range(len(topic)), key=lambda k: (topic[k] << 64) | (at[k] + _BIAS))
        tie: Callable[[int], Any] = self.order.__getitem__ if self.order else self.ids.__getitem__
        start = 0
        for end in range(1, len(order) + 1):
            if end == len(order) or (topic[order[end]], at[order[end]]) != (
                topic[order[start]],
                at[order[start]],
            ):
                if end - start > 1:
                    order[start:end] = sorted(order[start:end], key=tie)
                start = end
        return order


class _State:
    """Groups, contacts for FCR and, for Interaction records, id → groups."""

    __slots__ = ("contacts", "groups", "members")

    def __init__(self) -> None:
        self.groups: dict[str, _Group] = {}
        self.contacts = _Contacts()
        self.members: dict[str, list[str]] = {}

    def copy(self) -> _State:
        out = _State()
        out.groups = {k: g.copy() for k, g in self.groups.items()}
        out.contacts = self.contacts.copy()
        out.members = {k: list(v) for k, v in self.members.items()}
        return out

    def absorb(self, other: _State, shift: int) -> None:
        for name, group in other.groups.items():
            mine = self.groups.get(name)
            if mine is None:
                self.groups[name] = group.copy()
            else:
                mine.absorb(group)
        self.contacts.absorb(other.contacts, shift)
        for iid, names in other.members.items():
            self.members.setdefault(iid, []).extend(names)


# -- the tally --------------------------------------------------------------------------------


class ContactCentreTally:
    """:func:`contact_centre_metrics` a batch of events at a time, with bounded memory.

    The settings are ``contact_centre_metrics``'s (checked here, in its
    order). :meth:`add` replays the next part of an event log (or takes
    :class:`Interaction` records; one kind per tally); complete interactions
    are reduced at once into their group's counts, exact sums and waits, and
    only open ones are kept whole. :meth:`result` equals
    ``contact_centre_metrics`` over everything added, and
    :meth:`merge` combines the tally of one part of a log with the tally of
    the part that follows (an interaction may straddle the two).

    A bad event is found as the one-shot replay finds it and raised by
    :meth:`result` (the same :class:`~crmcore.errors.ServiceError`, naming
    ``events[i]``, ``i`` counted from the first event added): an event
    before its interaction's offer may still be answered by a part merged
    in front. An interaction offered in both parts of a merge is refused
    by :meth:`merge`.

    Memory grows with the interactions (each id with its last event time, to
    refuse a repeated or late event), 8 bytes per answered wait, and one
    small row per contact with a customer and a subject when ``fcr_days`` is
    given; not with the events.

    >>> from datetime import datetime, timedelta, timezone
    >>> t = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)
    >>> s = timedelta(seconds=1)
    >>> log = [InteractionEvent(interaction_id="1", kind="offered", at=t, queue="sales"),
    ...        InteractionEvent(interaction_id="2", kind="offered", at=t + s, queue="sales"),
    ...        InteractionEvent(interaction_id="1", kind="answered", at=t + 10 * s),
    ...        InteractionEvent(interaction_id="2", kind="abandoned", at=t + 31 * s)]
    >>> first, second = ContactCentreTally(by="queue"), ContactCentreTally(by="queue")
    >>> first.add(log[:3]); second.add(log[3:])
    >>> m = first.merge(second).result()[0]
    >>> m.group, m.offered, m.answered, m.abandoned, m.service_level   # 1 within 20 s of 2
    ('sales', 2, 1, 1, 0.5)
    >>> from crmcore.service import contact_centre_metrics
    >>> first.merge(second).result() == contact_centre_metrics(log, by="queue")
    True
    """

    def __init__(
        self,
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
    ) -> None:
        self._options: _Options = _options(
            answer_within, abandon_treatment, short_abandon, percentile
        )
        zone = timezone if isinstance(timezone, ZoneInfo) else _zone(timezone)
        self._key = _grouper(by, interval, zone)
        self._fcr_days = _days(fcr_days) if fcr_days is not None else None
        self.by = by
        self.calendar = calendar
        self.logged_in = logged_in
        self._settings = (self._options, by, interval, zone, self._fcr_days, calendar, logged_in)
        self._log = _Log()
        self._state = _State()
        self._kind: type | None = None
        self._records = 0

    def add(self, items: Iterable[InteractionEvent] | Iterable[Interaction]) -> None:
        """Replay the next events of the log (or take more :class:`Interaction` records)."""
        given: tuple[Any, ...] = check.require_items(
            items, (Interaction, InteractionEvent), obj="ContactCentreTally", field="items"
        )
        for index, item in enumerate(given):
            if self._kind is None:
                self._kind = InteractionEvent if isinstance(item, InteractionEvent) else Interaction
            elif not isinstance(item, self._kind):
                raise ValidationError(
                    obj="ContactCentreTally", field=f"items[{self._records + index}]", value=item,
                    expected=f"a {self._kind.__name__} like the items added before (not a mix)",
                )  # fmt: skip
        if self._kind is Interaction:
            sink = self._reducer(self._state)
            for i in given:
                sink(i)
        elif given:
            self._log.feed(given, self._reducer(self._state))
        self._records += len(given)

    def _reducer(self, state: _State) -> Callable[[Interaction], None]:
        """What reduces one complete interaction into ``state``."""
        opt, key, fcr = self._options, self._key, self._fcr_days is not None
        records = self._kind is Interaction
        counter = [self._records]

        def reduce(i: Interaction) -> None:
            name = key(i)
            group = state.groups.get(name)
            if group is None:
                group = state.groups[name] = _Group()
            _count(group, i, opt)
            if fcr:
                order = counter[0] if records else None
                counter[0] += 1
                if i.customer is not None and i.subject is not None:
                    state.contacts.add(i, name, i.customer, i.subject, order)
                if records:
                    state.members.setdefault(i.id, []).append(name)

        return reduce

    def merge(self, other: ContactCentreTally) -> ContactCentreTally:
        """A new tally of this part of the log followed by ``other``'s (same settings)."""
        if not isinstance(other, ContactCentreTally) or other._settings != self._settings:
            raise ValidationError(
                obj="ContactCentreTally", field="other", value=type(other).__name__,
                expected="a ContactCentreTally with the same settings",
            )  # fmt: skip
        if self._kind is not None and other._kind is not None and self._kind is not other._kind:
            raise ValidationError(
                obj="ContactCentreTally", field="other", value=other._kind.__name__,
                expected=f"a tally of {self._kind.__name__} records like this one",
            )  # fmt: skip
        out = copy.copy(self)
        out._kind = self._kind or other._kind
        out._state = self._state.copy()
        out._records = self._records + other._records
        out._state.absorb(other._state, self._records)
        out._log = self._log.merged(other._log, out._reducer(out._state))
        return out

    def result(self) -> tuple[ContactCentreMetrics, ...]:
        """One :class:`ContactCentreMetrics` per group, groups sorted (the tally is unchanged)."""
        problem = self._log.first_error()
        if problem is not None:
            raise problem
        state = self._state
        if self._log.open:
            state = state.copy()
            sink = self._reducer(state)
            for build in self._log.open.values():
                sink(build.freeze())
        fcr = (
            _fcr_rates(state, self._fcr_days, self.calendar) if self._fcr_days is not None else None
        )
        logged_in = self.logged_in if self.by == "agent" else None
        return tuple(
            _metrics(name, state.groups[name], self._options, fcr, logged_in)
            for name in sorted(state.groups)
        )


def _count(group: _Group, i: Interaction, opt: _Options) -> None:
    """One complete interaction into its group's counts and sums."""
    group.offered += 1
    done = i.answered_at or i.abandoned_at
    wait = 0.0 if done is None else (done - i.offered_at).total_seconds()
    if i.answered_at is not None:
        group.waits.append(wait)
        group.within += wait <= opt.within
        group.transferred += i.transfers > 0
        handle = i.handle
        if handle is not None:
            group.handled += 1
            _grow(group.handle_sum, handle.total_seconds())
    if i.abandoned_at is not None:
        if wait < opt.short:
            group.short += 1
        else:
            group.abandoned += 1
            group.late += wait > opt.within


def _metrics(
    name: str,
    g: _Group,
    opt: _Options,
    fcr: Mapping[str, list[int]] | None,
    logged_in: Mapping[str, timedelta] | None,
) -> ContactCentreMetrics:
    waits = sorted(g.waits)
    answered = len(waits)
    handled = math.fsum(g.handle_sum)
    fcr_rate = None
    if fcr is not None:
        resolved, flagged = fcr.get(name, [0, 0])
        fcr_rate = _ratio(resolved, flagged)
    occupancy = None
    if logged_in is not None and name in logged_in:
        time = logged_in[name]
        if not isinstance(time, timedelta) or time <= timedelta(0):
            raise ValidationError(
                obj="contact_centre_metrics", field=f"logged_in[{name!r}]", value=time,
                expected="a positive timedelta",
            )  # fmt: skip
        occupancy = handled / time.total_seconds()
    return ContactCentreMetrics(
        group=name, offered=g.offered, answered=answered, abandoned=g.abandoned,
        short_abandons=g.short, answered_within=g.within,
        service_level=_service_level(opt.treatment, g.within, answered, g.abandoned, g.late),
        asa=_ratio(math.fsum(waits), answered), asa_percentile=_quantile(waits, opt.percentile),
        abandon_rate=_ratio(g.abandoned, g.offered - g.short),
        aht=_ratio(handled, g.handled), transfer_rate=_ratio(g.transferred, answered),
        fcr=fcr_rate, occupancy=occupancy, settings=opt.describe(),
    )  # fmt: skip


def _fcr_rates(state: _State, days: int, calendar: BusinessCalendar | None) -> dict[str, list[int]]:
    """Group → [resolved, answered contacts judged]: no next contact on the same subject
    from the same customer within ``days`` of the offer's date (business days of
    ``calendar``); only the next contact counts, as in the whole-log path."""
    c = state.contacts
    ends: dict[int, int] = {}
    flags: dict[str, bool] = {}
    per_group: dict[str, list[int]] = {}
    order = c.ordered()
    for p, k in enumerate(order):
        if not c.answered[k]:
            continue
        day = c.day[k]
        limit = ends.get(day)
        if limit is None:
            limit = ends[day] = _window_end(date.fromordinal(day), days, calendar).toordinal()
        later = order[p + 1] if p + 1 < len(order) else None
        resolved = later is None or c.topic[later] != c.topic[k] or c.day[later] > limit
        if state.members:
            flags[c.ids[k]] = resolved  # Interaction records: one flag per id, the last
        else:
            cell = per_group.setdefault(c.names[c.group[k]], [0, 0])
            cell[0] += resolved
            cell[1] += 1
    for iid, names in state.members.items():
        if iid in flags:
            for name in names:
                cell = per_group.setdefault(name, [0, 0])
                cell[0] += flags[iid]
                cell[1] += 1
    return per_group
