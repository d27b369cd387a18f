"""Hypothesis strategies for the public types of crmcore.calendars."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from crmcore.calendars import (
    BusinessCalendar,
    DayOverride,
    DeadlineQuery,
    ExplicitHolidays,
    GregorianHoliday,
    Holiday,
    HolidaySource,
    IntervalQuery,
    JalaliHoliday,
    ScheduleChange,
    TimeSpan,
    WeeklySchedule,
)

__all__ = [
    "aware_datetimes",
    "business_calendars",
    "deadline_queries",
    "durations",
    "holidays",
    "interval_queries",
    "time_spans",
    "weekly_schedules",
]

NY = ZoneInfo("America/New_York")


def aware_datetimes(tz: ZoneInfo = NY) -> st.SearchStrategy[datetime]:
    """Aware datetimes in 2024-2026 (both DST changes in New York included)."""
    return st.datetimes(
        min_value=datetime(2024, 1, 1),  # noqa: DTZ001  # hypothesis bounds are naive
        max_value=datetime(2026, 12, 31),  # noqa: DTZ001
        timezones=st.just(tz),
    ).map(lambda d: d.astimezone(tz))


def durations(*, negative: bool = True) -> st.SearchStrategy[timedelta]:
    """Durations up to ±400 hours, to the second."""
    low = -400 * 3600 if negative else 0
    return st.integers(low, 400 * 3600).map(lambda s: timedelta(seconds=s))


def time_spans() -> st.SearchStrategy[TimeSpan]:
    """Spans on a quarter-hour grid (some overnight)."""
    quarter = st.integers(0, 95).map(lambda q: time(q // 4, q % 4 * 15))
    return st.builds(TimeSpan, quarter, quarter)


@st.composite
def weekly_schedules(draw: st.DrawFn) -> WeeklySchedule:
    """A schedule of one daytime span on some weekdays."""
    days: list[tuple[TimeSpan, ...]] = []
    for _ in range(7):
        if draw(st.booleans()):
            start = draw(st.integers(0, 11))
            end = draw(st.integers(start + 1, 23))
            days.append((TimeSpan(time(start), time(end)),))
        else:
            days.append(())
    return WeeklySchedule(tuple(days))


def holidays() -> st.SearchStrategy[Holiday]:
    """A full or partial holiday."""
    return st.builds(
        Holiday,
        st.dates(date(2024, 1, 1), date(2026, 12, 31)),
        st.sampled_from(["Closure", "Nowruz", "Eve"]),
        st.booleans(),
        st.one_of(st.none(), st.sampled_from([time(12), time(13, 30)])),
    )


@st.composite
def business_calendars(draw: st.DrawFn) -> BusinessCalendar:
    """A calendar with a schedule, some holiday sources and overrides."""
    sources: list[HolidaySource] = [
        ExplicitHolidays(draw(st.lists(holidays(), max_size=3))),
        GregorianHoliday(1, 1, "New Year"),
        JalaliHoliday(1, 1, "Nowruz"),
    ]
    overrides = draw(
        st.lists(
            st.builds(
                DayOverride,
                st.dates(date(2024, 1, 1), date(2026, 12, 31)),
                st.sampled_from([(), (TimeSpan(time(10), time(12)),)]),
                st.just("Override"),
            ),
            max_size=2,
        )
    )
    zone = draw(st.sampled_from(["UTC", "America/New_York", "Asia/Tehran"]))
    changes = draw(
        st.lists(
            st.builds(
                ScheduleChange, st.dates(date(2024, 1, 1), date(2026, 12, 31)), weekly_schedules()
            ),
            max_size=2,
        )
    )
    return BusinessCalendar(
        draw(weekly_schedules()),
        holidays=sources,
        timezone=zone,
        overrides=overrides,
        schedule_changes=changes,
    )


def deadline_queries() -> st.SearchStrategy[DeadlineQuery]:
    """A start and a (possibly negative) business duration."""
    return st.builds(DeadlineQuery, aware_datetimes(), durations())


def interval_queries() -> st.SearchStrategy[IntervalQuery]:
    """A start and an end (either order)."""
    return st.builds(IntervalQuery, aware_datetimes(), aware_datetimes())
