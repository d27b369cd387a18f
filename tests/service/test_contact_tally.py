"""ContactCentreTally: any split of an event log, added or merged, gives the one-shot result.

The oracle is the previous whole-log engine (``_reference`` below: every event
replayed in log order, then every interaction grouped at once), kept here
verbatim in its logic; the tally and ``contact_centre_metrics`` (which now runs
the tally) must equal it, result for result (``==``) and error for error.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ServiceError, ValidationError
from crmcore.service import (
    ContactCentreMetrics,
    ContactCentreTally,
    Interaction,
    InteractionEvent,
    contact_centre_metrics,
    interactions_from_events,
)
from crmcore.service._contact import (
    _K,
    _aggregate,
    _apply,
    _Build,
    _days,
    _grouper,
    _options,
    _Row,
    _window_end,
    _zone,
)
from tests.chunked_cli import chunk_rows as _chunk_rows
from tests.chunked_cli import run_cli as _run

T0 = datetime(2026, 1, 5, 20, 30, tzinfo=UTC)  # a Monday evening: local days differ by zone
S = timedelta(seconds=1)
ZONES = [UTC, timezone(timedelta(hours=3, minutes=30)), timezone(timedelta(hours=-5))]
OFFICE = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone="UTC")


# -- the oracle: the previous engine ----------------------------------------------------------


def _reference_replay(items: Sequence[InteractionEvent]) -> list[Interaction]:
    states: dict[str, _Build] = {}
    for index, event in enumerate(items):
        state = states.get(event.interaction_id)
        if state is None:
            if event.kind is not _K.OFFERED:
                raise ServiceError(
                    obj="interactions_from_events",
                    field=f"events[{index}].interaction_id",
                    value=event.interaction_id,
                    expected="an interaction offered earlier in the log (its first event is 'offered')",
                )
            states[event.interaction_id] = _Build(event)
            continue
        if event.kind is _K.OFFERED:
            raise ServiceError(
                obj="interactions_from_events",
                field=f"events[{index}].kind",
                value=event.kind.value,
                expected=f"'offered' once per interaction ({event.interaction_id!r} was offered already)",
            )
        if event.at < state.last:
            raise ServiceError(
                obj="interactions_from_events",
                field=f"events[{index}].at",
                value=event.at,
                expected=f"a time at or after the previous event of {event.interaction_id!r} "
                f"({state.last.isoformat()})",
            )
        state.last = event.at
        _apply(state, event, index)
    return sorted((s.freeze() for s in states.values()), key=lambda i: (i.offered_at, i.id))


def _reference_fcr(
    items: Sequence[Interaction], days: int, calendar: BusinessCalendar | None
) -> dict[str, bool]:
    by_topic: dict[tuple[str, str], list[Interaction]] = {}
    for i in items:
        if i.customer is not None and i.subject is not None:
            by_topic.setdefault((i.customer, i.subject), []).append(i)
    result: dict[str, bool] = {}
    for contacts in by_topic.values():
        contacts.sort(key=lambda i: i.offered_at)
        for k, first in enumerate(contacts):
            if first.answered_at is None:
                continue
            limit = _window_end(first.offered_at.date(), days, calendar)
            later = contacts[k + 1] if k + 1 < len(contacts) else None
            result[first.id] = later is None or later.offered_at.date() > limit
    return result


def _row(group: str, i: Interaction) -> _Row:
    wait, handle = i.wait, i.handle
    return _Row(
        group, i.answered_at is not None, i.abandoned_at is not None,
        0.0 if wait is None else wait.total_seconds(),
        None if handle is None else handle.total_seconds(), i.transfers > 0,
    )  # fmt: skip


def _reference(given: Sequence[Any], **kw: Any) -> tuple[ContactCentreMetrics, ...]:
    """``contact_centre_metrics`` as it was before the tally (events or Interaction records)."""
    if given and all(isinstance(x, InteractionEvent) for x in given):
        items: Sequence[Interaction] = _reference_replay(given)
    else:
        items = given
    opt = _options(
        kw.get("answer_within", 20 * S), kw.get("abandon_treatment", "failed"),
        kw.get("short_abandon", timedelta(0)), kw.get("percentile", 0.9),
    )  # fmt: skip
    zone = _zone(kw.get("timezone", "UTC"))
    by = kw.get("by", "all")
    key = _grouper(by, kw.get("interval", timedelta(minutes=30)), zone)
    fcr_days, calendar = kw.get("fcr_days"), kw.get("calendar")
    fcr = _reference_fcr(items, _days(fcr_days), calendar) if fcr_days is not None else None
    logged_in = kw.get("logged_in") if by == "agent" else None
    groups: dict[str, list[Interaction]] = {}
    for i in items:
        groups.setdefault(key(i), []).append(i)
    result = []
    for name in sorted(groups):
        members = groups[name]
        metrics = _aggregate(name, [_row(name, i) for i in members], opt)
        changes: dict[str, Any] = {}
        if fcr is not None:
            flags = [fcr[i.id] for i in members if i.id in fcr]
            changes["fcr"] = None if not flags else sum(flags) / len(flags)
        if logged_in is not None and name in logged_in:
            handled = math.fsum(h.total_seconds() for i in members if (h := i.handle) is not None)
            changes["occupancy"] = handled / logged_in[name].total_seconds()
        result.append(attrs.evolve(metrics, **changes) if changes else metrics)
    return tuple(result)


# -- event logs -------------------------------------------------------------------------------


@st.composite
def _life(draw: st.DrawFn, iid: str) -> list[InteractionEvent]:
    """One interaction's events, in order (gaps of 0 s make ties)."""
    zone = draw(st.sampled_from(ZONES))
    clock = T0 + draw(st.integers(0, 3 * 86400)) * S

    def at() -> datetime:
        nonlocal clock
        clock += draw(st.sampled_from([0, 1, 4, 15, 25, 40, 3600])) * S
        return clock.astimezone(zone)

    def event(kind: str, **fields: Any) -> InteractionEvent:
        return InteractionEvent(interaction_id=iid, kind=kind, at=at(), **fields)

    offer = {
        "queue": draw(st.sampled_from([None, "sales", "support"])),
        "customer": draw(st.sampled_from([None, "k1", "k2", "مشتری"])),
        "subject": draw(st.sampled_from([None, "billing", "vpn"])),
        "channel": draw(st.sampled_from([None, "phone", "chat"])),
    }
    events = [event("offered", **offer)]
    end = draw(st.sampled_from(["queued", "abandoned", "talking", "ended", "wrapped"]))
    if end == "queued":
        return events
    if end == "abandoned":
        return [*events, event("abandoned")]
    events.append(event("answered", agent=draw(st.sampled_from([None, "A", "B"]))))
    for step in draw(st.lists(st.sampled_from(["hold", "transfer"]), max_size=3)):
        if step == "hold":
            events.append(event("held"))
            if draw(st.booleans()):
                events.append(event("resumed"))
            else:
                break  # ended while on hold (or still on hold)
        else:
            events.append(event("transferred", agent=draw(st.sampled_from([None, "B"]))))
    if end in ("ended", "wrapped"):
        events.append(event("ended"))
    if end == "wrapped":
        events.append(event("wrapup_ended"))
    return events


@st.composite
def logs(draw: st.DrawFn, max_calls: int = 8) -> list[InteractionEvent]:
    """A valid log: every interaction's events in order, the interactions interleaved."""
    n = draw(st.integers(0, max_calls))
    lives = [draw(_life(f"c{k}")) for k in range(n)]
    order = draw(st.permutations([k for k, life in enumerate(lives) for _ in life]))
    taken = [0] * n
    log = []
    for k in order:
        log.append(lives[k][taken[k]])
        taken[k] += 1
    return log


def _spoil(draw: st.DrawFn, log: list[InteractionEvent]) -> list[InteractionEvent]:
    """An event dropped, repeated, moved or made earlier."""
    i = draw(st.integers(0, len(log) - 1))
    action = draw(st.sampled_from(["drop", "repeat", "move", "earlier"]))
    if action == "drop":
        return log[:i] + log[i + 1 :]
    if action == "repeat":
        j = draw(st.integers(i, len(log)))
        return [*log[:j], log[i], *log[j:]]
    if action == "move":
        j = draw(st.integers(0, len(log) - 1))
        item = log.pop(i)
        return [*log[:j], item, *log[j:]]
    log[i] = attrs.evolve(log[i], at=log[i].at - timedelta(minutes=10))
    return log


@st.composite
def broken(draw: st.DrawFn) -> list[InteractionEvent]:
    """A log that may be refused: spoiled once or twice (two faults: which one is named)."""
    log = draw(logs())
    for _ in range(draw(st.integers(1, 2))):
        if log:
            log = _spoil(draw, log)
    return log


@st.composite
def splits(draw: st.DrawFn, items: list[Any]) -> list[list[Any]]:
    cuts = sorted(draw(st.lists(st.integers(0, len(items)), max_size=5)))
    bounds = [0, *cuts, len(items)]
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


def _settings(draw: st.DrawFn) -> dict[str, Any]:
    by = draw(st.sampled_from(["all", "queue", "agent", "channel", "day", "interval"]))
    kw: dict[str, Any] = {
        "by": by,
        "answer_within": draw(st.sampled_from([0, 5, 20])) * S,
        "abandon_treatment": draw(
            st.sampled_from(["failed", "ignored", "excluded_within_threshold"])
        ),
        "short_abandon": draw(st.sampled_from([0, 5])) * S,
        "percentile": draw(st.sampled_from([0.0, 0.5, 0.9, 1.0])),
        "interval": draw(st.sampled_from([15, 30, 60])) * timedelta(minutes=1),
        "timezone": draw(st.sampled_from(["UTC", "Asia/Tehran"])),
        "fcr_days": draw(st.sampled_from([None, 0, 1, 3])),
        "calendar": draw(st.sampled_from([None, OFFICE])),
    }
    if by == "agent" and draw(st.booleans()):
        kw["logged_in"] = {"A": timedelta(hours=1), "(none)": timedelta(minutes=20)}
    return kw


def _added(parts: list[list[Any]], kw: Mapping[str, Any]) -> ContactCentreTally:
    tally = ContactCentreTally(**kw)
    for part in parts:
        tally.add(part)
    return tally


def _merged(parts: list[list[Any]], kw: Mapping[str, Any], *, right: bool) -> ContactCentreTally:
    tallies = [_added([part], kw) for part in parts]
    if right:  # c.merge(d) first, then b.merge(cd), ...: merge is associative
        out = tallies[-1]
        for tally in reversed(tallies[:-1]):
            out = tally.merge(out)
        return out
    out = tallies[0]
    for tally in tallies[1:]:
        out = out.merge(tally)
    return out


@attrs.frozen
class _Refused:
    kind: type
    message: str
    field: str | None


def _outcome(run: Any) -> Any:
    """A result, or the error's class, message and field."""
    try:
        return run()
    except (ServiceError, ValidationError) as err:
        return _Refused(type(err), str(err), err.field)


# -- properties -------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_any_split_added_or_merged_equals_the_whole_log(data: st.DataObject) -> None:
    log = data.draw(logs())
    kw = _settings(data.draw)
    parts = data.draw(splits(log))
    expected = _reference(log, **kw)
    assert contact_centre_metrics(log, **kw) == expected
    assert _added(parts, kw).result() == expected
    assert _merged(parts, kw, right=False).result() == expected
    assert _merged(parts, kw, right=True).result() == expected
    assert interactions_from_events(log) == tuple(_reference_replay(log))


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_interaction_records_split_or_merged_equal_the_whole_list(data: st.DataObject) -> None:
    records = _reference_replay(data.draw(logs()))
    if records and data.draw(st.booleans()):  # a repeated id: FCR flags are kept per id
        records.append(attrs.evolve(records[0], queue="other"))
    records = data.draw(st.permutations(records))
    kw = _settings(data.draw)
    parts = data.draw(splits(records))
    expected = _reference(records, **kw)
    assert contact_centre_metrics(records, **kw) == expected
    assert _added(parts, kw).result() == expected
    assert _merged(parts, kw, right=False).result() == expected


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_refused_log_is_refused_alike(data: st.DataObject) -> None:
    log = data.draw(broken())
    kw = _settings(data.draw)
    parts = data.draw(splits(log))
    expected = _outcome(lambda: _reference(log, **kw))
    assert _outcome(lambda: contact_centre_metrics(log, **kw)) == expected
    assert _outcome(lambda: _added(parts, kw).result()) == expected
    assert _outcome(lambda: interactions_from_events(log)) == _outcome(
        lambda: tuple(_reference_replay(log))
    )
    merged = _outcome(lambda: _merged(parts, kw, right=False))
    if isinstance(merged, _Refused):  # an interaction offered in two parts: refused by merge
        assert isinstance(expected, _Refused)
        assert "offered in both merged parts" in merged.message
        return
    assert _outcome(merged.result) == expected


# -- hand-checked cases -----------------------------------------------------------------------


def ev(iid: str, kind: str, seconds: int, **fields: str) -> InteractionEvent:
    return InteractionEvent(interaction_id=iid, kind=kind, at=T0 + seconds * S, **fields)  # type: ignore[arg-type]


def test_an_interaction_straddling_two_merged_parts() -> None:
    first, second = ContactCentreTally(by="queue"), ContactCentreTally(by="queue")
    first.add([ev("x", "offered", 0, queue="q"), ev("x", "answered", 12, agent="A")])
    second.add([ev("x", "ended", 72), ev("x", "wrapup_ended", 102)])
    with pytest.raises(ServiceError) as info:  # alone, the second part starts mid-call
        second.result()
    assert info.value.field == "events[0].interaction_id"
    (m,) = first.merge(second).result()
    # wait 12 s (within 20 s): SL 1/1; AHT = wrap-up end 102 − answer 12 = 90 s
    assert (m.group, m.answered, m.service_level, m.asa, m.aht) == ("q", 1, 1.0, 12.0, 90.0)
    assert first.result()[0].aht is None  # merge changed neither tally
    assert first.result()[0].answered == 1


def test_a_late_event_of_a_finished_call_is_refused_by_its_place() -> None:
    tally = ContactCentreTally()
    tally.add([ev("x", "offered", 0), ev("x", "abandoned", 30)])
    tally.add([ev("y", "offered", 40), ev("x", "answered", 50)])
    with pytest.raises(ServiceError) as info:
        tally.result()
    # the 4th event (index 3) answers a call abandoned before, as the one-shot replay says
    assert (info.value.field, info.value.value) == ("events[3].kind", "answered")
    tally = ContactCentreTally()
    tally.add([ev("x", "offered", 0), ev("x", "abandoned", 30), ev("x", "offered", 31)])
    with pytest.raises(ServiceError, match="was offered already"):
        tally.result()


def test_settings_mix_and_merge_are_checked() -> None:
    with pytest.raises(ValidationError) as info:
        ContactCentreTally(by="week")
    assert info.value.field == "by"
    with pytest.raises(ValidationError) as info:
        ContactCentreTally(percentile=1.5)
    assert info.value.field == "percentile"
    tally = ContactCentreTally()
    tally.add([ev("x", "offered", 0)])
    with pytest.raises(ValidationError) as info:
        tally.add([Interaction(id="y", offered_at=T0)])
    assert info.value.field == "items[1]"
    with pytest.raises(ValidationError) as info:
        tally.merge(ContactCentreTally(by="queue"))
    assert info.value.field == "other"
    other = ContactCentreTally()
    other.add([ev("x", "offered", 5)])
    with pytest.raises(ServiceError, match="offered in both merged parts"):
        tally.merge(other)
    with pytest.raises(ValidationError) as info:
        ContactCentreTally(timezone="America")  # a folder of zones, not a zone
    assert info.value.field == "timezone"
    # a bad setting is named after a bad log, as before: the log's error comes first
    with pytest.raises(ServiceError):
        contact_centre_metrics([ev("x", "answered", 0)], by="week")


def test_fcr_ties_at_one_instant_follow_the_id_order() -> None:
    # Two contacts of k/billing offered at the same instant (different offsets): the replay
    # orders them by id, so "a" is followed by "b" (same day -> not resolved) and "b" is last.
    tehran = ZoneInfo("Asia/Tehran")
    log = [
        InteractionEvent(interaction_id="b", kind="offered", at=T0, customer="k", subject="billing"),
        InteractionEvent(interaction_id="a", kind="offered", at=T0.astimezone(tehran), customer="k",
                         subject="billing"),
        InteractionEvent(interaction_id="b", kind="answered", at=T0 + S),
        InteractionEvent(interaction_id="a", kind="answered", at=T0 + S),
    ]  # fmt: skip
    # "a" offered 20:30 UTC = 00:00 Tehran next day; its local date is 01-06, "b"'s 01-05:
    # a's window (0 days) ends 01-06, b (01-05) is not after it -> a unresolved; b resolved.
    tally = ContactCentreTally(fcr_days=0)
    tally.add(log[:2])
    tally.add(log[2:])
    assert tally.result()[0].fcr == 0.5
    assert tally.result() == _reference(log, fcr_days=0)


def test_the_earliest_bad_event_is_named_whatever_the_chunks() -> None:
    # x is answered (event 1) before any offer; y is offered twice later (event 3): the
    # one-shot replay stops at event 1, so every split names events[1].interaction_id.
    log = [ev("y", "offered", 0), ev("x", "answered", 1), ev("z", "offered", 2),
           ev("y", "offered", 3), ev("x", "offered", 4)]  # fmt: skip
    for cut in range(len(log) + 1):
        tally = ContactCentreTally()
        tally.add(log[:cut])
        tally.add(log[cut:])
        with pytest.raises(ServiceError) as info:
            tally.result()
        assert (info.value.field, info.value.value) == ("events[1].interaction_id", "x")
    with pytest.raises(ServiceError) as info:
        interactions_from_events(log)
    assert info.value.field == "events[1].interaction_id"


# -- the CLI reads the log in chunks ----------------------------------------------------------

HEADER = ["interaction_id", "kind", "at", "queue", "agent", "customer", "channel", "subject"]


def _write(path: Path, log: Sequence[InteractionEvent]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for e in log:
            cells = [e.interaction_id, e.kind.value, e.at.isoformat()]
            cells += [getattr(e, name) or "" for name in HEADER[3:]]
            writer.writerow(cells)


@settings(max_examples=60, deadline=None)
@given(
    log=st.one_of(logs(), broken()),
    size=st.integers(1, 7),
    by=st.sampled_from(["all", "queue", "agent", "channel", "day", "interval"]),
    fmt=st.sampled_from(["json", "csv", "table"]),
    fcr=st.sampled_from([None, "0", "1"]),
)
def test_cli_chunks_give_the_whole_file_output(
    log: list[InteractionEvent], size: int, by: str, fmt: str, fcr: str | None
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.csv"
        _write(path, log)
        argv = ["service", "contact-centre", "--input", str(path), "--by", by, "--format", fmt]
        argv += ["--short-abandon", "5", "--timezone", "Asia/Tehran"]
        argv += ["--fcr-days", fcr] if fcr else []
        with _chunk_rows(size):
            chunked = _run(*argv)
        with _chunk_rows(10_000):  # one chunk: the whole file at once
            whole = _run(*argv)
    assert chunked == whole
    kw: dict[str, Any] = {"by": by, "short_abandon": 5 * S, "timezone": "Asia/Tehran"}
    kw["fcr_days"] = int(fcr) if fcr else None
    expected = _outcome(lambda: _reference(log, **kw))
    if isinstance(expected, _Refused):
        assert chunked[0] == 1
        assert expected.message in chunked[2]  # the engine's words, naming events[i]
        assert "Traceback" not in chunked[2]
        return
    assert chunked[0] == 0
    if fmt == "json":
        rows = json.loads(chunked[1])
        assert [r["group"] for r in rows] == [m.group for m in expected]
        assert [r["asa_percentile"] for r in rows] == [m.asa_percentile for m in expected]
        assert [r["fcr"] for r in rows] == [m.fcr for m in expected]


def test_cli_a_log_refused_in_a_later_chunk_leaves_no_output(tmp_path: Path) -> None:
    log = [
        ev(f"c{k}", kind, 10 * k + s)
        for k in range(6)
        for kind, s in (("offered", 0), ("abandoned", 3))
    ]
    log.append(ev("c1", "answered", 200))  # the 13th event answers c1, abandoned before
    source, target = tmp_path / "events.csv", tmp_path / "cc.json"
    _write(source, log)
    argv = ["service", "contact-centre", "--input", str(source), "-o", str(target)]
    with _chunk_rows(3):
        code, out, err = _run(*argv)
    assert code == 1
    assert "events[12].kind" in err
    assert "Traceback" not in err
    assert out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.csv"]
    target.write_text("kept\n", encoding="utf-8")
    with _chunk_rows(3):
        assert _run(*argv)[0] == 1
    assert target.read_text(encoding="utf-8") == "kept\n"
    # a row that cannot be read is named by its line, before the log's own fault
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[13] = lines[13].replace("answered", "rang")
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with _chunk_rows(3):
        code, _, err = _run(*argv, "--percentile", "2")  # a bad setting is named last
    assert code == 1
    assert "row 14" in err
    assert target.read_text(encoding="utf-8") == "kept\n"
    source.write_text("\n".join(lines[:13]) + "\n", encoding="utf-8")  # the 12 good events
    with _chunk_rows(3):
        code, _, err = _run(*argv[:4], "--percentile", "2")
    assert code == 1
    assert "percentile" in err
    # six calls abandoned after 3 s each: 0 answered, abandon rate 6 / 6
    with _chunk_rows(5):
        assert _run(*argv[:4], "-o", str(target))[0] == 0
    (m,) = json.loads(target.read_text(encoding="utf-8"))
    assert (m["offered"], m["answered"], m["abandoned"], m["abandon_rate"]) == (6, 0, 6, 1.0)
