"""Differential tests against pandas CustomBusinessHour and businesstimedelta.

Both peers are checked on a simple schedule where the semantics agree
(Monday-Friday 09:00-17:00, UTC, a few holidays; whole hours for pandas).
Documented differences:

- pandas returns the next opening when a deadline lands exactly at closing
  time (Mon 13:00 + 4 h = Tue 09:00); crmcore returns the closing time
  (Mon 17:00) so that ``between(s, add(s, d)) == d``.
- pandas ``CustomBusinessHour`` takes whole business hours (``n``) and has no
  "business time between" API; businesstimedelta is compared for ``between``.
- businesstimedelta cannot express overnight shifts (returns 0 inside one)
  and crashes with no holiday within five years; not exercised here.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

import businesstimedelta as btd
import pandas as pd  # type: ignore[import-untyped]
from pandas.tseries.offsets import CustomBusinessHour  # type: ignore[import-untyped]

from crmcore.calendars import BusinessCalendar, ExplicitHolidays, WeeklySchedule

# New Year's Day through 2035 as well: businesstimedelta crashes (TypeError) when no
# holiday falls after the date it looks at.
HOLIDAYS = sorted(
    {date(2025, 5, 26), date(2025, 7, 4), date(2025, 12, 25)}
    | {date(year, 1, 1) for year in range(2025, 2036)}
)
CAL = BusinessCalendar(
    WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}),
    holidays=[ExplicitHolidays(HOLIDAYS)],
    timezone="UTC",
)


def _starts(count: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    base = datetime(2025, 1, 1, tzinfo=UTC)
    return [base + timedelta(minutes=rng.randrange(0, 360 * 24 * 60)) for _ in range(count)]


def test_add_agrees_with_pandas_modulo_the_end_of_day_convention() -> None:
    rng = random.Random(7)
    disagreements = 0
    for start in _starts(3000, 1):
        hours = rng.randint(1, 60)
        offset = CustomBusinessHour(
            n=hours, start="09:00", end="17:00", weekmask="Mon Tue Wed Thu Fri", holidays=HOLIDAYS
        )
        theirs = (pd.Timestamp(start.replace(tzinfo=None)) + offset).to_pydatetime()
        ours = CAL.add(start, timedelta(hours=hours)).replace(tzinfo=None)
        if ours != theirs:
            # The only allowed difference: ours is a closing time, theirs the next opening.
            assert ours.time() == time(17), (start, hours, ours, theirs)
            nxt = CAL.next_working_time(ours.replace(tzinfo=UTC) + timedelta(microseconds=1))
            assert theirs == nxt.replace(tzinfo=None), (start, hours, ours, theirs)
            disagreements += 1
    assert disagreements > 0  # the convention difference does occur in the sample


def test_between_agrees_with_businesstimedelta() -> None:
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4]),
            btd.HolidayRule(HOLIDAYS),
        ]
    )
    starts = _starts(300, 2)
    ends = _starts(300, 3)
    for a, b in zip(starts, ends, strict=True):
        lo, hi = min(a, b), max(a, b)
        theirs = rules.difference(lo.replace(tzinfo=None), hi.replace(tzinfo=None))
        expected = timedelta(hours=theirs.hours, seconds=theirs.seconds)
        assert CAL.between(lo, hi) == expected, (lo, hi)


def test_add_agrees_with_businesstimedelta() -> None:
    rules = btd.Rules(
        [
            btd.WorkDayRule(start_time=time(9), end_time=time(17), working_days=[0, 1, 2, 3, 4]),
            btd.HolidayRule(HOLIDAYS),
        ]
    )
    rng = random.Random(11)
    for start in _starts(2000, 4):
        minutes = rng.randint(1, 60 * 40)
        theirs = start.replace(tzinfo=None) + btd.BusinessTimeDelta(rules, seconds=minutes * 60)
        ours = CAL.add(start, timedelta(minutes=minutes))
        assert ours == theirs.astimezone(UTC), (start, minutes)
