"""Typed batch records (DeadlineQuery, IntervalQuery), deadlines/business_times and presets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import (
    BusinessCalendar,
    DeadlineQuery,
    IntervalQuery,
    WeeklySchedule,
    business_times,
    calendar_preset,
    deadlines,
    from_country,
    iran,
)
from crmcore.errors import ValidationError
from crmcore.serialization import from_rows, make_converter
from tests.strategies.calendars import deadline_queries, interval_queries

NY_OFFICE = BusinessCalendar(
    WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}), timezone="America/New_York"
)


@settings(max_examples=30, deadline=None)
@given(
    queries=st.lists(deadline_queries(), max_size=20), backend=st.sampled_from(["python", "numpy"])
)
def test_deadlines_equal_scalar_add(queries: list[DeadlineQuery], backend: str) -> None:
    expected = [NY_OFFICE.add(q.start, q.duration) for q in queries]
    assert deadlines(NY_OFFICE, queries, backend=backend) == expected  # type: ignore[arg-type]


@settings(max_examples=30, deadline=None)
@given(
    queries=st.lists(interval_queries(), max_size=20), backend=st.sampled_from(["python", "numpy"])
)
def test_business_times_equal_scalar_between(queries: list[IntervalQuery], backend: str) -> None:
    expected = [NY_OFFICE.between(q.start, q.end) for q in queries]
    assert business_times(NY_OFFICE, queries, backend=backend) == expected  # type: ignore[arg-type]


@settings(max_examples=20, deadline=None)
@given(query=deadline_queries(), interval=interval_queries())
def test_queries_round_trip(query: DeadlineQuery, interval: IntervalQuery) -> None:
    conv = make_converter()
    assert conv.structure(conv.unstructure(query), DeadlineQuery) == query
    assert conv.structure(conv.unstructure(interval), IntervalQuery) == interval


def test_csv_rows_become_queries() -> None:
    rows = [
        {"start": "2025-01-03T15:00:00+00:00", "duration": "PT4H"},
        {"start": "2025-01-03T15:00:00", "duration": "PT4H"},
    ]
    (first,) = from_rows(rows[:1], DeadlineQuery)
    assert first == DeadlineQuery(datetime(2025, 1, 3, 15, tzinfo=UTC), timedelta(hours=4))
    with pytest.raises(ValidationError) as info:
        list(from_rows(rows, DeadlineQuery))
    assert info.value.obj == "row 3"  # the header is row 1
    assert "DeadlineQuery.start" in str(info.value)


def test_bad_queries_are_validation_errors() -> None:
    with pytest.raises(ValidationError) as info:
        DeadlineQuery(datetime(2025, 1, 3, 15), timedelta(hours=1))  # noqa: DTZ001
    assert info.value.field == "start"
    with pytest.raises(ValidationError) as info:
        DeadlineQuery(datetime(2025, 1, 3, 15, tzinfo=UTC), 4)  # type: ignore[arg-type]
    assert info.value.field == "duration"
    with pytest.raises(ValidationError) as info:
        deadlines(NY_OFFICE, [object()])  # type: ignore[list-item]
    assert info.value.field == "queries[0]"
    with pytest.raises(ValidationError) as info:
        business_times(NY_OFFICE, None)  # type: ignore[arg-type]
    assert info.value.field == "queries"


def test_presets_by_name_equal_their_factories() -> None:
    assert calendar_preset("iran", thursday="half") == iran(thursday="half")
    assert calendar_preset("24x7") == BusinessCalendar.always("UTC")
    assert calendar_preset("country", country="DE", timezone="Europe/Berlin") == from_country(
        "DE", timezone="Europe/Berlin"
    )


@pytest.mark.parametrize(
    ("preset", "options", "field"),
    [
        ("mars", {}, "preset"),
        ("iran", {"thursdays": "half"}, "thursdays"),
        ("country", {"country": "US"}, "timezone"),
        ("24x7", {"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_presets_name_the_field(preset: str, options: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        calendar_preset(preset, **options)
    assert info.value.field == field
