"""Contact-centre metrics from an event log: hand-checked figures, properties, both paths."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, WeeklySchedule
from crmcore.errors import ServiceError, ValidationError
from crmcore.service import (
    Interaction,
    InteractionEvent,
    contact_centre_columns,
    contact_centre_metrics,
    interactions_from_events,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday
S = timedelta(seconds=1)


def ev(iid: str, kind: str, seconds: int, **fields: str) -> InteractionEvent:
    return InteractionEvent(interaction_id=iid, kind=kind, at=T0 + seconds * S, **fields)  # type: ignore[arg-type]


LOG = [
    ev("c1", "offered", 0, queue="sales", customer="k1", subject="billing"),
    ev("c1", "answered", 10, agent="A"),
    ev("c2", "offered", 60, queue="sales", customer="k2", subject="vpn"),
    ev("c2", "answered", 90, agent="B"),
    ev("c1", "held", 120),
    ev("c1", "resumed", 180),
    ev("c2", "transferred", 180, agent="A"),
    ev("c2", "ended", 270),
    ev("c2", "wrapup_ended", 300),
    ev("c1", "ended", 310),
    ev("c1", "wrapup_ended", 370),
    ev("c3", "offered", 600, queue="sales"),
    ev("c3", "abandoned", 603),
    ev("c4", "offered", 1200, queue="support"),
    ev("c4", "abandoned", 1245),
    ev("c5", "offered", 2100, queue="support", customer="k1", subject="billing"),
    ev("c5", "answered", 2105, agent="B"),
    ev("c5", "ended", 2345),
    ev("c6", "offered", 2400, queue="support"),
    ev("c6", "abandoned", 2415),
]


def test_replay_reduces_the_log() -> None:
    calls = {i.id: i for i in interactions_from_events(LOG)}
    c1, c2 = calls["c1"], calls["c2"]
    # c1: wait 10 s; hold 120 -> 180 = 60 s; handle = wrap-up end 370 − answer 10 = 360 s.
    assert (c1.wait, c1.hold, c1.handle) == (10 * S, 60 * S, 360 * S)
    # c2: answered by B (the answering agent keeps the interaction), transferred once; 300 − 90.
    assert (c2.agent, c2.transfers, c2.handle) == ("B", 1, 210 * S)
    assert calls["c5"].handle == 240 * S  # no wrap-up: end − answer = 2345 − 2105
    assert calls["c3"].handle is None


def test_hand_checked_metrics() -> None:
    calls = interactions_from_events(LOG)
    # Answered waits 10, 30, 5 (2 within T = 20 s); abandons after 3, 45, 15 s; short abandon < 5 s.
    m = contact_centre_metrics(calls, short_abandon=5 * S)[0]
    assert (m.offered, m.answered, m.abandoned, m.short_abandons, m.answered_within) == (
        6,
        3,
        2,
        1,
        2,
    )
    assert m.service_level == pytest.approx(2 / 5)  # failed: 2 / (3 answered + 2 abandoned)
    assert m.asa == pytest.approx(15.0)  # (10 + 30 + 5) / 3
    assert m.asa_percentile == pytest.approx(26.0)  # sorted 5, 10, 30; h = 1.8 -> 10 + 0.8 × 20
    assert m.abandon_rate == pytest.approx(2 / 5)  # 2 / (6 offered − 1 short)
    assert m.aht == pytest.approx(270.0)  # (360 + 210 + 240) / 3
    assert m.transfer_rate == pytest.approx(1 / 3)
    ignored = contact_centre_metrics(calls, short_abandon=5 * S, abandon_treatment="ignored")[0]
    assert ignored.service_level == pytest.approx(2 / 3)
    # excluded within T: only the 45 s abandon counts against -> 2 / (3 + 1)
    excluded = contact_centre_metrics(
        calls, short_abandon=5 * S, abandon_treatment="excluded_within_threshold"
    )[0]
    assert excluded.service_level == pytest.approx(0.5)
    plain = contact_centre_metrics(calls)[0]  # no short-abandon exclusion: 2 / 6
    assert plain.service_level == pytest.approx(1 / 3)
    assert plain.abandon_rate == pytest.approx(0.5)
    assert any("abandon rate" in line for line in m.explain())


def test_metrics_straight_from_the_event_log() -> None:
    assert contact_centre_metrics(LOG) == contact_centre_metrics(interactions_from_events(LOG))
    with pytest.raises(ValidationError) as info:
        contact_centre_metrics([*interactions_from_events(LOG)[:1], LOG[0]])
    assert info.value.field == "interactions[1]"


def test_groups_interval_queue_agent_occupancy_fcr() -> None:
    calls = interactions_from_events(LOG)
    slots = contact_centre_metrics(calls, by="interval", short_abandon=5 * S)
    assert [s.group for s in slots] == ["2026-01-05T09:00", "2026-01-05T09:30"]
    # 09:00: answered 10 s, 30 s (1 within), 1 counted abandon (45 s) -> 1 / 3; 09:30: 1 / 2
    assert slots[0].service_level == pytest.approx(1 / 3)
    assert slots[1].service_level == pytest.approx(1 / 2)
    assert [q.group for q in contact_centre_metrics(calls, by="queue")] == ["sales", "support"]
    agents = contact_centre_metrics(
        calls, by="agent", logged_in={"A": timedelta(hours=1), "B": timedelta(minutes=30)}
    )
    by_agent = {a.group: a for a in agents}
    assert by_agent["A"].occupancy == pytest.approx(360 / 3600)
    assert by_agent["B"].occupancy == pytest.approx((210 + 240) / 1800)
    assert by_agent["(none)"].occupancy is None
    # FCR: k1/billing called again the same day (c1 -> c5), so c1 is not resolved; c2, c5 are.
    assert contact_centre_metrics(calls, fcr_days=1)[0].fcr == pytest.approx(2 / 3)


def test_fcr_counts_business_days() -> None:
    friday = datetime(2026, 1, 9, 10, 0, tzinfo=UTC)
    monday = datetime(2026, 1, 12, 10, 0, tzinfo=UTC)
    calls = [
        Interaction(id="1", offered_at=friday, answered_at=friday + S, customer="k", subject="x"),
        Interaction(id="2", offered_at=monday, answered_at=monday + S, customer="k", subject="x"),
    ]
    office = BusinessCalendar(
        WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone="UTC"
    )
    # One business day after Friday is Monday: the repeat falls inside the window -> 1 of 2.
    assert contact_centre_metrics(calls, fcr_days=1, calendar=office)[0].fcr == pytest.approx(0.5)
    # One calendar day after Friday is Saturday: Monday's call is outside -> 2 of 2.
    assert contact_centre_metrics(calls, fcr_days=1)[0].fcr == pytest.approx(1.0)


interactions_strategy = st.lists(
    st.tuples(
        st.sampled_from(["q1", "q2", "q3"]),
        st.sampled_from(["answered", "abandoned", "queued"]),
        st.integers(0, 120),
        st.one_of(st.none(), st.integers(30, 900)),
        st.booleans(),
    ),
    min_size=1,
    max_size=40,
)


def _build(spec: list[tuple[str, str, int, int | None, bool]]) -> list[Interaction]:
    result = []
    for n, (queue, outcome, wait, handle, transferred) in enumerate(spec):
        offered = T0 + n * 7 * S
        done = offered + wait * S
        answered = done if outcome == "answered" else None
        result.append(
            Interaction(
                id=str(n), offered_at=offered, queue=queue, answered_at=answered,
                abandoned_at=done if outcome == "abandoned" else None,
                ended_at=done + handle * S if answered and handle is not None else None,
                transfers=int(transferred and answered is not None),
            )
        )  # fmt: skip
    return result


def _columns(calls: list[Interaction]) -> dict[str, list[object]]:
    return {
        "group": [c.queue for c in calls],
        "answered": [c.answered_at is not None for c in calls],
        "abandoned": [c.abandoned_at is not None for c in calls],
        "wait": [w.total_seconds() if (w := c.wait) is not None else 0.0 for c in calls],
        "handle": [h.total_seconds() if (h := c.handle) is not None else math.nan for c in calls],
        "transferred": [c.transfers > 0 for c in calls],
    }


@settings(max_examples=60)
@given(interactions_strategy, st.integers(0, 60), st.integers(0, 10))
def test_properties_and_columnar_paths_agree(
    spec: list[tuple[str, str, int, int | None, bool]], within: int, short: int
) -> None:
    calls = _build(spec)
    options = {"answer_within": within * S, "short_abandon": short * S}
    scalar = contact_centre_metrics(calls, by="queue", **options)  # type: ignore[arg-type]
    for backend in ("python", "numpy"):
        columnar = contact_centre_columns(_columns(calls), backend=backend, **options)  # type: ignore[arg-type]
        assert [m.group for m in columnar] == [m.group for m in scalar]
        for a, b in zip(scalar, columnar, strict=True):
            for field in ("offered", "answered", "abandoned", "short_abandons", "answered_within"):
                assert getattr(a, field) == getattr(b, field)
            for field in (
                "service_level",
                "asa",
                "asa_percentile",
                "abandon_rate",
                "aht",
                "transfer_rate",
            ):
                x, y = getattr(a, field), getattr(b, field)
                assert (x is None) == (y is None)
                if x is not None:
                    assert x == pytest.approx(y, rel=1e-12, abs=1e-9)
    for m in scalar:
        for rate in (m.service_level, m.abandon_rate, m.transfer_rate):
            assert rate is None or 0.0 <= rate <= 1.0
    later = contact_centre_metrics(
        calls, by="queue", answer_within=(within + 10) * S, short_abandon=short * S
    )
    for a, b in zip(scalar, later, strict=True):
        assert a.service_level is None or b.service_level is not None
        assert a.service_level is None or b.service_level >= a.service_level  # type: ignore[operator]


def test_columnar_matches_pandas() -> None:
    rng = np.random.default_rng(7)
    n = 5000
    frame = pd.DataFrame(
        {
            "group": rng.choice(["a", "b", "c"], n),
            "answered": rng.random(n) < 0.8,
            "wait": rng.exponential(25, n).round(),
            "handle": rng.exponential(300, n),
            "transferred": rng.random(n) < 0.1,
        }
    )
    frame["abandoned"] = ~frame["answered"]
    frame.loc[~frame["answered"], "handle"] = np.nan
    ours = {
        m.group: m
        for m in contact_centre_columns({c: frame[c].to_numpy() for c in frame}, backend="numpy")
    }
    answered = frame[frame["answered"]]
    grouped = answered.groupby("group")
    asa = grouped["wait"].mean()
    p90 = grouped["wait"].quantile(0.9)
    aht = grouped["handle"].mean()
    within = answered.assign(ok=answered["wait"] <= 20).groupby("group")["ok"].sum()
    total = frame.groupby("group").size()
    for g in "abc":
        assert ours[g].asa == pytest.approx(asa[g])
        assert ours[g].asa_percentile == pytest.approx(p90[g])
        assert ours[g].aht == pytest.approx(aht[g])
        assert ours[g].service_level == pytest.approx(within[g] / total[g])  # all finished calls


def test_bad_logs_are_refused() -> None:
    with pytest.raises(ServiceError) as info:
        interactions_from_events([ev("x", "answered", 0)])
    assert (info.value.field, info.value.value) == ("events[0].interaction_id", "x")
    with pytest.raises(ServiceError) as info:
        interactions_from_events([ev("x", "offered", 10), ev("x", "answered", 5)])
    assert info.value.field == "events[1].at"
    with pytest.raises(ServiceError) as info:
        interactions_from_events(
            [ev("x", "offered", 0), ev("x", "abandoned", 5), ev("x", "answered", 6)]
        )
    assert (info.value.field, info.value.value) == ("events[2].kind", "answered")
    with pytest.raises(ServiceError):
        interactions_from_events([ev("x", "offered", 0), ev("x", "offered", 1)])
    with pytest.raises(ValidationError) as info2:
        contact_centre_metrics([], by="week")
    assert info2.value.field == "by"
    with pytest.raises(ValidationError) as info2:
        contact_centre_metrics([], abandon_treatment="maybe")
    assert info2.value.field == "abandon_treatment"
    with pytest.raises(ValidationError) as info2:
        contact_centre_metrics([], by="interval", interval=timedelta(minutes=20))
    assert info2.value.field == "interval"
    with pytest.raises(ValidationError) as info2:
        contact_centre_columns({"group": []})
    assert info2.value.field == "columns"
    bad = {"group": ["a"], "answered": [True], "abandoned": [False], "wait": ["soon"], "handle": [1.0],
           "transferred": [False]}  # fmt: skip
    for backend in ("python", "numpy"):
        with pytest.raises(ValidationError) as info2:
            contact_centre_columns(bad, backend=backend)
        assert info2.value.field == "columns"
    with pytest.raises(ValidationError) as info2:
        contact_centre_columns({**bad, "wait": 5})
    assert info2.value.field == "columns['wait']"


def test_interaction_refuses_impossible_times() -> None:
    with pytest.raises(ValidationError) as info:
        Interaction(id="x", offered_at=T0, answered_at=T0 - S)
    assert info.value.field == "answered_at"
    with pytest.raises(ValidationError) as info:
        Interaction(id="x", offered_at=T0, answered_at=T0 + S, abandoned_at=T0 + S)
    assert info.value.field == "abandoned_at"
    with pytest.raises(ValidationError) as info:
        Interaction(id="x", offered_at=T0, answered_at=T0 + 9 * S, ended_at=T0 + 5 * S)
    assert info.value.field == "ended_at"
