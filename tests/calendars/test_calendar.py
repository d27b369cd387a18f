"""BusinessCalendar: hand-checked arithmetic, DST, overnight shifts, errors, properties."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcore._backend import Backend
from crmcore.calendars import (
    BusinessCalendar,
    ExplicitHolidays,
    Holiday,
    WeeklySchedule,
)
from crmcore.errors import CalendarError, CrmError, ValidationError
from tests.strategies.calendars import aware_datetimes, business_calendars, durations

NY = ZoneInfo("America/New_York")
TEHRAN = ZoneInfo("Asia/Tehran")
H = timedelta(hours=1)

OFFICE = BusinessCalendar(
    WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}, breaks="12:00-13:00"),
    holidays=[
        ExplicitHolidays(
            [date(2025, 12, 25), Holiday(date(2025, 12, 24), "Eve", closes_at=time(12))]
        )
    ],
    timezone=NY,
)
NIGHT = BusinessCalendar(
    WeeklySchedule.from_mapping({"mon-fri": "22:00-06:00"}), timezone=ZoneInfo("UTC")
)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)  # type: ignore[misc, arg-type]


def test_add_within_a_day_skips_the_lunch_break() -> None:
    # Mon 2025-01-06 10:00 + 3 h: 10-12 (2 h), lunch, 13-14 (1 h) -> 14:00.
    assert OFFICE.add(ny(2025, 1, 6, 10), 3 * H) == ny(2025, 1, 6, 14)


def test_deadline_at_closing_time_is_the_closing_time() -> None:
    # Mon 13:00 + 4 h = exactly 17:00 (the convention: closing time, not next 09:00).
    assert OFFICE.add(ny(2025, 1, 6, 13), 4 * H) == ny(2025, 1, 6, 17)
    # Backwards, landing on an opening: Tue 10:00 - 1 h = Tue 09:00, not Mon 17:00.
    assert OFFICE.add(ny(2025, 1, 7, 10), -H) == ny(2025, 1, 7, 9)


def test_add_over_the_weekend() -> None:
    # Fri 2025-01-03 15:00 + 4 h: 2 h Friday (15-17), Monday 09-11 -> Mon 11:00.
    assert OFFICE.add(ny(2025, 1, 3, 15), 4 * H) == ny(2025, 1, 6, 11)
    assert OFFICE.between(ny(2025, 1, 3, 15), ny(2025, 1, 6, 11)) == 4 * H
    assert OFFICE.between(ny(2025, 1, 6, 11), ny(2025, 1, 3, 15)) == -4 * H


def test_holiday_and_early_close() -> None:
    # Tue 2025-12-23 16:00 + 3 h: 1 h Tue (16-17); Wed 24 closes at 12:00: 09-11 (2 h).
    assert OFFICE.add(ny(2025, 12, 23, 16), 3 * H) == ny(2025, 12, 24, 11)
    # + 5 h: 1 h Tue, 3 h Wed (09-12), Thu 25 closed, 1 h Fri 26 -> Fri 10:00.
    assert OFFICE.add(ny(2025, 12, 23, 16), 5 * H) == ny(2025, 12, 26, 10)
    assert not OFFICE.is_working(ny(2025, 12, 24, 12, 30))
    assert not OFFICE.is_working_day(date(2025, 12, 25))


def test_is_working_and_next_working_time() -> None:
    assert OFFICE.is_working(ny(2025, 1, 6, 9))
    assert not OFFICE.is_working(ny(2025, 1, 6, 17))  # closing instant is closed
    assert not OFFICE.is_working(ny(2025, 1, 6, 12, 30))
    assert OFFICE.next_working_time(ny(2025, 1, 6, 12, 30)) == ny(2025, 1, 6, 13)
    assert OFFICE.next_working_time(ny(2025, 1, 4, 8)) == ny(2025, 1, 6, 9)  # Saturday
    assert OFFICE.next_working_time(ny(2025, 1, 6, 10)) == ny(2025, 1, 6, 10)


def test_working_intervals() -> None:
    got = OFFICE.working_intervals(ny(2025, 1, 6, 11), ny(2025, 1, 7, 10))
    assert got == [
        (ny(2025, 1, 6, 11), ny(2025, 1, 6, 12)),
        (ny(2025, 1, 6, 13), ny(2025, 1, 6, 17)),
        (ny(2025, 1, 7, 9), ny(2025, 1, 7, 10)),
    ]


def test_business_days() -> None:
    # Mon 22 Dec .. Fri 2 Jan 2026: 24 (half day) counts, 25 Dec does not, 1 Jan is a
    # working day here (no holiday source for it).
    assert OFFICE.business_days_between(date(2025, 12, 22), date(2026, 1, 3)) == 9
    assert OFFICE.business_days_between(date(2026, 1, 3), date(2025, 12, 22)) == -9
    assert OFFICE.add_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    assert OFFICE.add_days(date(2025, 12, 26), -1) == date(2025, 12, 24)
    assert OFFICE.add_days(date(2025, 12, 27), 0) == date(2025, 12, 27)
    assert OFFICE.add_days(date(2025, 12, 31), 2) == date(2026, 1, 2)


def test_overnight_shift_belongs_to_the_day_it_starts() -> None:
    utc = ZoneInfo("UTC")
    # Friday 22:00 - Saturday 06:00 is worked (Friday's shift); Saturday 22:00 is not.
    assert NIGHT.is_working(datetime(2025, 1, 11, 3, tzinfo=utc))
    assert not NIGHT.is_working(datetime(2025, 1, 11, 23, tzinfo=utc))
    # Inside one shift: Mon 23:00 -> Tue 02:00 is 3 h (businesstimedelta returns 0 here).
    assert (
        NIGHT.between(datetime(2025, 1, 6, 23, tzinfo=utc), datetime(2025, 1, 7, 2, tzinfo=utc))
        == 3 * H
    )
    # Fri 2025-01-10 23:00 + 8 h: 7 h to Sat 06:00, next shift Mon 22:00 + 1 h.
    assert NIGHT.add(datetime(2025, 1, 10, 23, tzinfo=utc), 8 * H) == datetime(
        2025, 1, 13, 23, tzinfo=utc
    )


def test_overnight_shift_across_the_new_year() -> None:
    utc = ZoneInfo("UTC")
    # Wed 2025-12-31 22:00 shift runs into 2026: 31 Dec 23:00 -> 1 Jan 05:00 is 6 h.
    start = datetime(2025, 12, 31, 23, tzinfo=utc)
    assert NIGHT.between(start, datetime(2026, 1, 1, 5, tzinfo=utc)) == 6 * H
    fresh = BusinessCalendar(NIGHT.schedule, timezone="UTC")
    # Same answer when the index is first built from the later year.
    assert fresh.between(start, datetime(2026, 1, 1, 5, tzinfo=utc)) == 6 * H


def test_new_york_dst_spring_forward() -> None:
    always = BusinessCalendar.always(NY)
    # 2025-03-09 02:00 EST -> 03:00 EDT: the local day has 23 hours.
    assert always.between(ny(2025, 3, 9, 0), ny(2025, 3, 10, 0)) == 23 * H
    night = BusinessCalendar(WeeklySchedule.from_mapping({"sat": "22:00-06:00"}), timezone=NY)
    # Sat 22:00 EST to Sun 06:00 EDT is 7 real hours.
    assert night.between(ny(2025, 3, 8, 12), ny(2025, 3, 9, 12)) == 7 * H
    # A span starting in the gap (02:30 does not exist) starts at 03:30 EDT.
    gap = BusinessCalendar(WeeklySchedule.from_mapping({"sun": "02:30-04:00"}), timezone=NY)
    assert gap.between(ny(2025, 3, 9, 0), ny(2025, 3, 9, 12)) == timedelta(minutes=30)
    assert gap.next_working_time(ny(2025, 3, 9, 1)).isoformat() == "2025-03-09T03:30:00-04:00"


def test_new_york_dst_fall_back() -> None:
    always = BusinessCalendar.always(NY)
    # 2025-11-02 02:00 EDT -> 01:00 EST: 25 hours.
    assert always.between(ny(2025, 11, 2, 0), ny(2025, 11, 3, 0)) == 25 * H
    # Results are valid aware datetimes: 1 h after 01:30 EDT is 01:30 EST (fold=1).
    first = datetime(2025, 11, 2, 1, 30, tzinfo=NY)
    later = always.add(first, H)
    assert later.utcoffset() == timedelta(hours=-5)
    assert always.between(first, later) == H


def test_tehran_dst_2022() -> None:
    # Asia/Tehran observed DST in 2022 (+04:30 from 2022-03-22 00:00 to 2022-09-22).
    always = BusinessCalendar.always(TEHRAN)

    def tehran(*a: int) -> datetime:
        return datetime(*a, tzinfo=TEHRAN)  # type: ignore[misc, arg-type]

    assert always.between(tehran(2022, 3, 21, 12), tehran(2022, 3, 22, 12)) == 23 * H
    assert always.between(tehran(2022, 9, 21, 12), tehran(2022, 9, 22, 12)) == 25 * H
    # No DST since 2023: a local day is 24 h.
    assert always.between(tehran(2023, 3, 21, 12), tehran(2023, 3, 22, 12)) == 24 * H
    office = BusinessCalendar(
        WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00"}), timezone=TEHRAN
    )
    # Office hours are wall-clock hours: still 8 h on the day after the change.
    assert office.between(tehran(2022, 3, 22, 0, 30), tehran(2022, 3, 23, 0)) == 8 * H
    assert office.add(tehran(2022, 3, 21, 15), 2 * H).isoformat() == "2022-03-22T09:00:00+04:30"


def test_schedule_change_from_a_date() -> None:
    base = BusinessCalendar(
        WeeklySchedule.from_mapping({"sat-thu": "08:00-16:00"}), timezone=TEHRAN
    )
    new = WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00"})
    changed = base.with_schedule(new, effective=date(2025, 6, 1))
    thursday_before = date(2025, 5, 29)
    thursday_after = date(2025, 6, 5)
    assert changed.is_working_day(thursday_before)
    assert not changed.is_working_day(thursday_after)
    assert base.is_working_day(thursday_after)  # the original calendar is unchanged


def test_overrides_close_and_open() -> None:
    closed = OFFICE.close(date(2025, 1, 6), "Snow closure")
    assert not closed.is_working_day(date(2025, 1, 6))
    assert OFFICE.is_working_day(date(2025, 1, 6))
    opened = OFFICE.open(date(2025, 12, 25), "10:00-14:00", "Year-end push")
    assert opened.between(ny(2025, 12, 25, 0), ny(2025, 12, 26, 0)) == 4 * H
    assert "override: Year-end push" in opened.describe_day(date(2025, 12, 25))


def test_naive_datetimes_are_rejected() -> None:
    naive = datetime(2025, 1, 6, 10)  # noqa: DTZ001
    for call in (
        lambda: OFFICE.add(naive, H),
        lambda: OFFICE.between(naive, ny(2025, 1, 6)),
        lambda: OFFICE.is_working(naive),
        lambda: OFFICE.next_working_time(naive),
    ):
        with pytest.raises(ValidationError) as err:
            call()
        assert err.value.value == naive


def test_bad_inputs_name_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        BusinessCalendar(WeeklySchedule.always(), timezone="Mars/Olympus")
    assert err.value.field == "timezone"
    with pytest.raises(ValidationError):
        OFFICE.add(ny(2025, 1, 6), 3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        OFFICE.open(date(2025, 1, 1), "", "nothing")
    with pytest.raises(ValidationError):
        BusinessCalendar(WeeklySchedule.always(), holidays=[object()])  # type: ignore[list-item]


def test_a_calendar_without_working_time_raises() -> None:
    never = BusinessCalendar(WeeklySchedule(((),) * 7))
    with pytest.raises(CalendarError):
        never.add(datetime(2025, 1, 1, tzinfo=UTC), H)
    assert never.between(
        datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 6, 1, tzinfo=UTC)
    ) == timedelta(0)
    with pytest.raises(CrmError):
        OFFICE.add(datetime(1800, 1, 1, tzinfo=UTC), H)


def test_zero_and_microseconds() -> None:
    start = ny(2025, 1, 4, 10)  # Saturday: add 0 returns the start itself
    assert OFFICE.add(start, timedelta(0)) == start
    tiny = timedelta(microseconds=1)
    assert OFFICE.add(ny(2025, 1, 6, 9), tiny) == ny(2025, 1, 6, 9) + tiny


@pytest.mark.parametrize("backend", ["auto", "python", "numpy"])
def test_batch_equals_scalar_on_every_backend(backend: Backend) -> None:
    starts = [ny(2025, 1, 1) + timedelta(hours=7 * k) for k in range(200)]
    spans = [timedelta(minutes=37 * k - 3000) for k in range(200)]
    scalar = [OFFICE.add(s, d) for s, d in zip(starts, spans, strict=True)]
    assert OFFICE.add_many(starts, spans, backend=backend) == scalar
    # between(s, add(s, d)) == d for every d (the documented round trip), batch too.
    assert OFFICE.between_many(starts, scalar, backend=backend) == spans
    assert OFFICE.between_many([], [], backend=backend) == []


def test_a_bad_backend_is_a_validation_error_on_the_field_backend() -> None:
    start = ny(2025, 1, 6, 9)
    for call in (
        lambda: OFFICE.add_many([start], [timedelta(hours=1)], backend="fast"),  # type: ignore[arg-type]
        lambda: OFFICE.add_epochs([0], [1], backend=True),  # type: ignore[arg-type]
        lambda: OFFICE.between_many([start], [start], backend="gpu"),  # type: ignore[arg-type]
    ):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.field == "backend"
        assert "'auto', 'python' or 'numpy'" in str(info.value)


def test_results_do_not_depend_on_query_order() -> None:
    queries = [
        (ny(2020 + k % 7, 1 + k % 12, 1 + k % 27, 9 + k % 9), timedelta(hours=k)) for k in range(60)
    ]
    one = BusinessCalendar(OFFICE.schedule, OFFICE.holidays, NY)
    two = BusinessCalendar(OFFICE.schedule, OFFICE.holidays, NY)
    forward = [one.add(s, d) for s, d in queries]
    backward = [two.add(s, d) for s, d in reversed(queries)][::-1]
    assert forward == backward
    assert one == two  # the cache is not part of equality


def test_pickled_calendar_gives_the_same_answers() -> None:
    import pickle

    start = ny(2025, 12, 23, 16)
    expected = OFFICE.add(start, 5 * H)
    copy = pickle.loads(pickle.dumps(OFFICE))  # noqa: S301  # our own data
    assert copy == OFFICE
    assert copy.add(start, 5 * H) == expected


def test_threads_agree() -> None:
    cal = BusinessCalendar(OFFICE.schedule, OFFICE.holidays, NY)
    queries = [(ny(2015 + k % 15, 3, 1), timedelta(hours=k)) for k in range(50)]
    expected = [OFFICE.add(s, d) for s, d in queries]
    results: list[list[datetime]] = []

    def work() -> None:
        results.append([cal.add(s, d) for s, d in queries])

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected for r in results)


# -- properties --------------------------------------------------------------------------------

SHIFTS = BusinessCalendar(
    WeeklySchedule.from_mapping(
        {"mon-thu": "08:00-12:00, 13:00-17:30", "fri": "22:00-06:00", "sun": "10:00-10:15"}
    ),
    holidays=[
        ExplicitHolidays([date(2025, 7, 4), Holiday(date(2025, 12, 31), "NYE", closes_at=time(15))])
    ],
    timezone=NY,
)


@settings(max_examples=150, deadline=None)
@given(start=aware_datetimes(), d=durations())
def test_between_inverts_add(start: datetime, d: timedelta) -> None:
    end = SHIFTS.add(start, d)
    assert SHIFTS.between(start, end) == d
    assert end.tzinfo is NY


@settings(max_examples=100, deadline=None)
@given(start=aware_datetimes(), a=durations(negative=False), b=durations(negative=False))
def test_add_is_monotonic_and_additive(start: datetime, a: timedelta, b: timedelta) -> None:
    lo, hi = sorted((a, b))
    assert SHIFTS.add(start, lo) <= SHIFTS.add(start, hi)
    assert SHIFTS.add(SHIFTS.add(start, a), b) == SHIFTS.add(start, a + b)


@settings(max_examples=100, deadline=None)
@given(a=aware_datetimes(), b=aware_datetimes(), c=aware_datetimes())
def test_between_is_antisymmetric_and_additive(a: datetime, b: datetime, c: datetime) -> None:
    assert SHIFTS.between(a, b) == -SHIFTS.between(b, a)
    assert SHIFTS.between(a, b) + SHIFTS.between(b, c) == SHIFTS.between(a, c)


@settings(max_examples=100, deadline=None)
@given(start=aware_datetimes(), d=durations(negative=False))
def test_deadlines_are_never_inside_a_closed_period(start: datetime, d: timedelta) -> None:
    end = SHIFTS.add(start, d)
    if d > timedelta(0):
        # The instant just before the deadline is working time.
        assert SHIFTS.is_working(end - timedelta(microseconds=1))


@settings(max_examples=40, deadline=None)
@given(cal=business_calendars(), start=aware_datetimes(), d=durations())
def test_inverse_holds_on_random_calendars(
    cal: BusinessCalendar, start: datetime, d: timedelta
) -> None:
    # Every schedule in force must have some working time, or add() rightly raises.
    assume(cal.schedule.weekly_seconds > 0)
    assume(all(c.schedule.weekly_seconds > 0 for c in cal.schedule_changes))
    end = cal.add(start, d)
    assert cal.between(start, end) == d
    # Compared as instants: datetimes sharing a tzinfo compare by wall time, and a start
    # in a DST gap (2024-03-10 02:00 fold=1 New York, hypothesis) comes back as the same
    # instant on a real wall time (01:00 EST), which is earlier on the wall.
    end_utc, start_utc = end.astimezone(UTC), start.astimezone(UTC)
    assert (end_utc >= start_utc) if d >= timedelta(0) else (end_utc <= start_utc)


def test_year_boundary_instant_is_known() -> None:
    always = BusinessCalendar.always("UTC")
    always.is_working(datetime(2025, 6, 1, tzinfo=UTC))  # index covers 2025 only
    # 2026-01-01 00:00 is the edge of the index: it must still count as working.
    assert always.is_working(datetime(2026, 1, 1, tzinfo=UTC))
    assert OFFICE.next_working_time(ny(2026, 1, 1)) == ny(2026, 1, 1, 9)


def test_add_many_rejects_non_sequences() -> None:
    # Regression: a single timedelta for durations raised a bare TypeError from len().
    cal = BusinessCalendar.always()
    start = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
    with pytest.raises(ValidationError, match="durations") as info:
        cal.add_many([start], timedelta(hours=1))  # type: ignore[arg-type]
    assert info.value.field == "durations"
    assert cal.add_many([start], [timedelta(hours=1)]) == [start + timedelta(hours=1)]


# -- issue 14: no quadratic paths; the shortcuts must give the answers of a fresh build -------

NIGHTS = BusinessCalendar(
    WeeklySchedule.from_mapping({"mon-sun": "22:00-06:00"}),  # overnight: spills into 1 Jan
    timezone="America/New_York",
)


def _fresh(cal: BusinessCalendar) -> BusinessCalendar:
    """The same calendar with an empty index (equal by value, nothing shared)."""
    return BusinessCalendar(
        cal.schedule,
        holidays=cal.holidays,
        timezone=cal.timezone,
        overrides=cal.overrides,
        schedule_changes=cal.schedule_changes,
        name=cal.name,
    )


# Night shifts cross every year boundary; a 24x7 calendar's last interval of a year
# touches the first of the next, so extending the index must merge the two.
@pytest.mark.parametrize("base", [NIGHTS, BusinessCalendar.always("America/New_York")])
def test_an_index_grown_a_year_at_a_time_equals_one_built_at_once(
    base: BusinessCalendar,
) -> None:
    stepwise = _fresh(base)
    for year in range(2020, 2032):  # each query one year further: the index is extended
        stepwise.add(ny(year, 6, 1, 23), timedelta(hours=1))
    at_once = _fresh(base)
    start, end = ny(2020, 1, 1), ny(2032, 1, 1)
    assert stepwise.working_intervals(start, end) == at_once.working_intervals(start, end)
    # 31 Dec 22:00 -> 1 Jan 06:00 is 8 h of work on either calendar.
    assert stepwise.between(ny(2024, 12, 31, 22), ny(2025, 1, 1, 6)) == timedelta(hours=8)
    for k in range(0, 4000, 97):
        moment = start + timedelta(days=k, hours=k % 24)
        assert stepwise.add(moment, timedelta(hours=k)) == at_once.add(moment, timedelta(hours=k))


@settings(max_examples=25, deadline=None)
@given(days=st.lists(st.dates(date(2024, 1, 1), date(2026, 12, 31)), max_size=12))
def test_closures_one_at_a_time_equal_a_calendar_built_with_them(days: list[date]) -> None:
    chained = OFFICE
    chained.add(ny(2025, 3, 3, 10), timedelta(hours=1))  # build some years, to be reused
    for day in days:
        chained = chained.close(day, "closure")
        chained.add(ny(day.year, 6, 2, 10), timedelta(hours=3))  # rebuild that year only
    fresh = _fresh(chained)
    for k in range(0, 1100, 37):
        moment = ny(2024, 1, 1, 8) + timedelta(days=k, hours=k % 11)
        assert chained.add(moment, timedelta(hours=k % 50)) == fresh.add(
            moment, timedelta(hours=k % 50)
        )
        assert chained.is_working_day(moment.date()) == fresh.is_working_day(moment.date())
    for day in days:
        assert not chained.is_working_day(day)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_bad_epochs_are_validation_errors(backend: Backend) -> None:
    for call in (
        lambda: OFFICE.add_epochs(["x"], [1], backend=backend),  # type: ignore[list-item]
        lambda: OFFICE.between_epochs([0], [None], backend=backend),  # type: ignore[list-item]
        lambda: OFFICE.add_epochs([10**30], [1], backend=backend),
        lambda: OFFICE.add_epochs([0, 1], [1], backend=backend),
    ):
        with pytest.raises(ValidationError):
            call()


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_between_epochs_equals_between(backend: Backend) -> None:
    starts = [ny(2025, 1, 1) + timedelta(hours=7 * k) for k in range(150)]
    ends = [s + timedelta(minutes=53 * k - 2000) for k, s in enumerate(starts)]
    us = timedelta(microseconds=1)
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    got = OFFICE.between_epochs(
        [(s - epoch) // us for s in starts], [(e - epoch) // us for e in ends], backend=backend
    )
    assert got == [OFFICE.between(s, e) // us for s, e in zip(starts, ends, strict=True)]
