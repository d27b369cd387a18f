"""Weekly schedules: spans, breaks, overnight shifts, validation."""

from __future__ import annotations

from datetime import time

import pytest

from crmcore.calendars import TimeSpan, WeeklySchedule
from crmcore.errors import ValidationError


def test_span_lengths() -> None:
    assert TimeSpan.parse("09:00-17:00").seconds == 8 * 3600
    night = TimeSpan.parse("22:00-06:00")
    assert night.overnight
    assert night.seconds == 8 * 3600
    assert TimeSpan(time(0), time(0)).seconds == 24 * 3600
    assert TimeSpan.parse("08:00-24:00").offsets == (8 * 3600, 24 * 3600)


@pytest.mark.parametrize("text", ["9-17", "25:00-26:00", "09:00", "", "09:61-10:00"])
def test_bad_spans(text: str) -> None:
    with pytest.raises(ValidationError):
        TimeSpan.parse(text)


@pytest.mark.parametrize("text", ["09:00-09:00", "22:30-22:30", "00:01-00:01"])
def test_zero_length_spans_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as err:
        TimeSpan.parse(text)
    assert err.value.field == "end"
    assert text[:5] in str(err.value)


def test_the_whole_day_is_midnight_to_midnight() -> None:
    assert (
        TimeSpan.parse("00:00-24:00") == TimeSpan.parse("00:00-00:00") == TimeSpan(time(0), time(0))
    )


def test_breaks_split_the_day() -> None:
    s = WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}, breaks="12:00-13:00")
    assert [str(x) for x in s.days[0]] == ["09:00-12:00", "13:00-17:00"]
    assert s.days[5] == ()
    assert s.days[6] == ()
    assert s.weekly_seconds == 5 * 7 * 3600


def test_range_keys_wrap_around_the_week() -> None:
    s = WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00"})
    assert [bool(d) for d in s.days] == [True, True, True, False, False, True, True]


def test_overlap_within_a_day_is_rejected() -> None:
    with pytest.raises(ValidationError) as err:
        WeeklySchedule.from_mapping({"mon": "09:00-12:00, 11:00-13:00"})
    assert err.value.field == "days[0][1]"


def test_overnight_shift_overlapping_next_day_is_rejected() -> None:
    with pytest.raises(ValidationError):
        WeeklySchedule.from_mapping({"mon": "22:00-06:00", "tue": "05:00-09:00"})
    # Sunday's night shift runs into Monday morning.
    with pytest.raises(ValidationError):
        WeeklySchedule.from_mapping({"sun": "22:00-06:00", "mon": "05:00-09:00"})
    ok = WeeklySchedule.from_mapping({"sun": "22:00-06:00", "mon": "06:00-09:00"})
    assert ok.weekly_seconds == 11 * 3600


def test_days_must_be_seven() -> None:
    with pytest.raises(ValidationError):
        WeeklySchedule(((),) * 6)
    with pytest.raises(ValidationError):
        WeeklySchedule.from_mapping({"funday": "09:00-17:00"})


def test_always() -> None:
    assert WeeklySchedule.always().weekly_seconds == 7 * 24 * 3600


def test_non_mapping_and_non_iterable_spans_are_validation_errors() -> None:
    # Regression: from_mapping(None) raised AttributeError, spans=None a TypeError.
    with pytest.raises(ValidationError, match="hours") as info:
        WeeklySchedule.from_mapping(None)  # type: ignore[arg-type]
    assert info.value.value is None
    with pytest.raises(ValidationError, match="spans"):
        WeeklySchedule.from_mapping({"mon": None})  # type: ignore[dict-item]
