"""Typed batch records for business-time arithmetic (private).

A CSV row of deadlines (``start,duration``) or of intervals (``start,end``)
becomes one of these through :func:`crmcore.serialization.from_rows`; the
calendar then answers every record in one batch call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import attrs

from crmcore import _checks as check
from crmcore._backend import Backend
from crmcore.calendars._calendar import BusinessCalendar

__all__ = ["DeadlineQuery", "IntervalQuery", "business_times", "deadlines"]


@attrs.frozen
class DeadlineQuery:
    """``duration`` of working time from ``start``: one deadline to compute.

    >>> from datetime import UTC
    >>> DeadlineQuery(datetime(2025, 1, 3, 15, tzinfo=UTC), timedelta(hours=4)).duration
    datetime.timedelta(seconds=14400)
    """

    start: datetime = attrs.field(validator=check.aware())
    duration: timedelta = attrs.field(validator=check.instance_of(timedelta))


@attrs.frozen
class IntervalQuery:
    """The working time from ``start`` to ``end``: one interval to measure."""

    start: datetime = attrs.field(validator=check.aware())
    end: datetime = attrs.field(validator=check.aware())


def deadlines(
    calendar: BusinessCalendar, queries: Sequence[DeadlineQuery], *, backend: Backend = "auto"
) -> list[datetime]:
    """Every query's deadline on ``calendar`` in one :meth:`BusinessCalendar.add_many` call.

    >>> from datetime import UTC
    >>> from crmcore.calendars import WeeklySchedule
    >>> office = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}))
    >>> friday = datetime(2025, 1, 3, 15, tzinfo=UTC)
    >>> [d.isoformat() for d in deadlines(office, [DeadlineQuery(friday, timedelta(hours=4))])]
    ['2025-01-06T11:00:00+00:00']
    """
    items = check.require_items(queries, DeadlineQuery, obj="deadlines", field="queries")
    return calendar.add_many([q.start for q in items], [q.duration for q in items], backend=backend)


def business_times(
    calendar: BusinessCalendar, queries: Sequence[IntervalQuery], *, backend: Backend = "auto"
) -> list[timedelta]:
    """Every query's working time on ``calendar`` in one :meth:`BusinessCalendar.between_many` call.

    >>> from datetime import UTC
    >>> from crmcore.calendars import WeeklySchedule
    >>> office = BusinessCalendar(WeeklySchedule.from_mapping({"mon-fri": "09:00-17:00"}))
    >>> friday = datetime(2025, 1, 3, 15, tzinfo=UTC)
    >>> # Friday 15-17 (2 h) + Monday 09-15 (6 h):
    >>> business_times(office, [IntervalQuery(friday, friday + timedelta(days=3))])
    [datetime.timedelta(seconds=28800)]
    """
    items = check.require_items(queries, IntervalQuery, obj="business_times", field="queries")
    return calendar.between_many([q.start for q in items], [q.end for q in items], backend=backend)
