"""Holiday sources and run-time day overrides (private).

Every source implements :class:`HolidaySource`: given a half-open date
range it yields :class:`Holiday` values. A calendar merges all its sources
into one set per date, so holidays that coincide count once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

import attrs
import holidays as holidays_lib
import jdatetime
from dateutil.rrule import rrulestr

from crmcore import _checks as check
from crmcore._checks import require_date
from crmcore.calendars._jalali import to_jalali
from crmcore.calendars._schedule import TimeSpan, parse_spans
from crmcore.errors import ValidationError

__all__ = [
    "CountryHolidays",
    "DayOverride",
    "ExplicitHolidays",
    "GregorianHoliday",
    "Holiday",
    "HolidaySource",
    "JalaliHoliday",
    "RRuleHoliday",
    "merge_holidays",
]


def _date_field(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    require_date(value, obj=type(instance).__name__, field=attribute.name)


def _optional_time(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, time) or value.tzinfo is not None):
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="None (closed all day) or a naive time (early close)",
        )


@attrs.frozen
class Holiday:
    """A closed day, or a partial day when ``closes_at`` is set (early close).

    ``closes_at`` removes the working time of that day's spans from that wall
    time on; ``estimated`` marks dates not yet officially confirmed (lunar
    holidays announced after moon sighting).
    """

    day: date = attrs.field(validator=_date_field)
    name: str = attrs.field(validator=check.text())
    estimated: bool = attrs.field(default=False, validator=check.instance_of(bool))
    closes_at: time | None = attrs.field(default=None, validator=_optional_time)

    @property
    def partial(self) -> bool:
        """True for an early close rather than a full closure."""
        return self.closes_at is not None


@runtime_checkable
class HolidaySource(Protocol):
    """Anything that lists holidays in a date range; implement it to plug in a source."""

    def holidays_between(self, start: date, end: date) -> Iterable[Holiday]:
        """The holidays ``h`` with ``start <= h.day < end``."""
        ...


def _to_holidays(value: Iterable[Holiday | date]) -> tuple[Holiday, ...]:
    raw: object = value  # typed as Iterable, but callers may pass anything
    if isinstance(raw, (str, bytes)) or not isinstance(raw, Iterable):
        raise ValidationError(
            obj="ExplicitHolidays",
            field="holidays",
            value=value,
            expected="an iterable of Holiday or date",
        )
    result: list[Any] = []
    for item in value:
        if isinstance(item, date) and not isinstance(item, datetime):
            result.append(Holiday(item, "Holiday"))
        else:
            result.append(item)
    return tuple(result)


def _check_holiday_items(instance: object, attribute: object, value: tuple[Any, ...]) -> None:
    for index, item in enumerate(value):
        if not isinstance(item, Holiday):
            raise ValidationError(
                obj="ExplicitHolidays",
                field=f"holidays[{index}]",
                value=item,
                expected="a Holiday or a date",
            )


@attrs.frozen
class ExplicitHolidays:
    """A fixed list of dated holidays (plain dates become closures named "Holiday").

    >>> src = ExplicitHolidays([date(2025, 12, 25), Holiday(date(2025, 12, 24), "Eve", closes_at=time(12))])
    >>> [(h.day.day, h.name, h.partial) for h in src.holidays_between(date(2025, 12, 1), date(2026, 1, 1))]
    [(24, 'Eve', True), (25, 'Holiday', False)]
    """

    holidays: tuple[Holiday, ...] = attrs.field(
        converter=_to_holidays, validator=_check_holiday_items
    )

    def holidays_between(self, start: date, end: date) -> Iterator[Holiday]:
        """The listed holidays in ``[start, end)``, by date."""
        for holiday in sorted(self.holidays, key=lambda h: h.day):
            if start <= holiday.day < end:
                yield holiday


def _month(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 12:
        raise ValidationError(
            obj=type(instance).__name__, field=attribute.name, value=value, expected="1..12"
        )


def _day_of_month(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 31:
        raise ValidationError(
            obj=type(instance).__name__, field=attribute.name, value=value, expected="1..31"
        )


@attrs.frozen
class GregorianHoliday:
    """The same Gregorian month and day every year (skipped in years without it).

    >>> [str(h.day) for h in GregorianHoliday(2, 29, "Leap day").holidays_between(date(2023, 1, 1), date(2025, 1, 1))]
    ['2024-02-29']
    """

    month: int = attrs.field(validator=_month)
    day: int = attrs.field(validator=_day_of_month)
    name: str = attrs.field(validator=check.text())
    closes_at: time | None = attrs.field(default=None, validator=_optional_time)

    def __attrs_post_init__(self) -> None:
        # A day no year has (30 February, 31 April) would silently never occur.
        limit = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[self.month - 1]
        if self.day > limit:
            raise ValidationError(
                obj="GregorianHoliday", field="day", value=self.day, expected=f"1..{limit}"
            )

    def holidays_between(self, start: date, end: date) -> Iterator[Holiday]:
        """This holiday in every year of ``[start, end)``."""
        for year in range(start.year, end.year + 1):
            try:
                day = date(year, self.month, self.day)
            except ValueError:
                continue
            if start <= day < end:
                yield Holiday(day, self.name, closes_at=self.closes_at)


@attrs.frozen
class JalaliHoliday:
    """The same Jalali month and day every year, e.g. 1 Farvardin (Nowruz).

    30 Esfand exists only in leap years (jdatetime's rule), so it is skipped
    in the others.

    >>> src = JalaliHoliday(12, 30, "Last day of the year")
    >>> [str(h.day) for h in src.holidays_between(date(2024, 1, 1), date(2027, 1, 1))]
    ['2025-03-20']
    """

    month: int = attrs.field(validator=_month)
    day: int = attrs.field(validator=_day_of_month)
    name: str = attrs.field(validator=check.text())
    closes_at: time | None = attrs.field(default=None, validator=_optional_time)

    def __attrs_post_init__(self) -> None:
        limit = 31 if self.month <= 6 else 30
        if self.day > limit:
            raise ValidationError(
                obj="JalaliHoliday", field="day", value=self.day, expected=f"1..{limit}"
            )

    def holidays_between(self, start: date, end: date) -> Iterator[Holiday]:
        """This holiday in every Jalali year that overlaps ``[start, end)``."""
        # to_jalali turns dates outside jdatetime's range into a ValidationError.
        first = to_jalali(start)[0]
        last = to_jalali(end)[0]
        for year in range(first, last + 1):
            try:
                day: date = jdatetime.date(year, self.month, self.day).togregorian()
            except ValueError:
                continue
            if start <= day < end:
                yield Holiday(day, self.name, closes_at=self.closes_at)


@lru_cache(maxsize=64)
def _parse_rule(rule: str, start: date) -> Any:
    return rrulestr(
        rule, dtstart=datetime.combine(start, time())
    )  # rrule works on naive local dates


@attrs.frozen
class RRuleHoliday:
    """Holidays from an RFC 5545 recurrence rule (``dateutil.rrule``), from ``start`` on.

    >>> src = RRuleHoliday("FREQ=YEARLY;BYMONTH=11;BYDAY=+4TH", "Thanksgiving", date(2020, 1, 1))
    >>> [str(h.day) for h in src.holidays_between(date(2025, 1, 1), date(2026, 1, 1))]
    ['2025-11-27']
    """

    rule: str = attrs.field(validator=check.text(max_length=2000))
    name: str = attrs.field(validator=check.text())
    start: date = attrs.field(validator=_date_field)
    closes_at: time | None = attrs.field(default=None, validator=_optional_time)

    def __attrs_post_init__(self) -> None:
        try:
            _parse_rule(self.rule, self.start)
        except (ValueError, TypeError) as err:
            raise ValidationError(
                obj="RRuleHoliday", field="rule", value=self.rule, expected=f"an RRULE ({err})"
            ) from None

    def holidays_between(self, start: date, end: date) -> Iterator[Holiday]:
        """The occurrences in ``[start, end)``."""
        rule = _parse_rule(self.rule, self.start)
        lo = datetime.combine(start, time())  # naive local dates, see _parse_rule
        hi = datetime.combine(end, time())
        for occurrence in rule.between(lo, hi, inc=True):
            if occurrence < hi:
                yield Holiday(occurrence.date(), self.name, closes_at=self.closes_at)


def _country(instance: CountryHolidays, attribute: object, value: Any) -> None:
    if not isinstance(value, str) or value not in holidays_lib.list_supported_countries():
        raise ValidationError(
            obj="CountryHolidays",
            field="country",
            value=value,
            expected="an ISO 3166 code known to the holidays package (e.g. 'IR', 'US', 'DE')",
        )


@lru_cache(maxsize=256)
def _country_year(
    country: str, subdivision: str | None, categories: tuple[str, ...], year: int
) -> tuple[tuple[date, str], ...]:
    kwargs: dict[str, Any] = {"years": year, "language": "en_US"}
    if subdivision is not None:
        kwargs["subdiv"] = subdivision
    if categories:
        kwargs["categories"] = categories
    table = holidays_lib.country_holidays(country, **kwargs)
    return tuple(sorted(table.items()))


@attrs.frozen
class CountryHolidays:
    """A country's public holidays from the ``holidays`` package.

    Names come in English; a name the package marks ``(estimated)`` (lunar
    dates not yet confirmed) yields ``estimated=True``.

    >>> src = CountryHolidays("IR")
    >>> [(str(h.day), h.name) for h in src.holidays_between(date(2025, 3, 21), date(2025, 3, 23))]
    [('2025-03-21', 'Nowruz'), ('2025-03-22', 'Martyrdom of Imam Ali; Nowruz Holiday')]
    """

    country: str = attrs.field(validator=_country)
    subdivision: str | None = attrs.field(default=None, validator=check.text(optional=True))
    categories: tuple[str, ...] = attrs.field(default=(), converter=tuple)

    def __attrs_post_init__(self) -> None:
        try:
            _country_year(self.country, self.subdivision, self.categories, 2020)
        # The package signals an unknown subdivision with a RuntimeError subclass.
        except (RuntimeError, ValueError, KeyError) as err:
            raise ValidationError(
                obj="CountryHolidays",
                field="subdivision" if self.subdivision else "categories",
                value=self.subdivision or self.categories,
                expected=f"a subdivision and categories the holidays package knows ({err})",
            ) from None

    def holidays_between(self, start: date, end: date) -> Iterator[Holiday]:
        """The package's holidays in ``[start, end)``."""
        for year in range(start.year, end.year + 1):
            for day, name in _country_year(self.country, self.subdivision, self.categories, year):
                if start <= day < end:
                    estimated = "(estimated)" in name
                    yield Holiday(day, name, estimated=estimated)


def _to_spans(value: str | Iterable[TimeSpan | str]) -> tuple[TimeSpan, ...]:
    return parse_spans(value)


@attrs.frozen
class DayOverride:
    """Run-time hours for one date that win over the schedule and the holidays.

    No spans: an ad-hoc closure (heat or pollution closure). Spans: an extra
    working day, or special hours that day.

    >>> DayOverride(date(2025, 7, 20), (), "Heat closure").closed
    True
    """

    day: date = attrs.field(validator=_date_field)
    spans: tuple[TimeSpan, ...] = attrs.field(converter=_to_spans)
    reason: str = attrs.field(validator=check.text())

    @property
    def closed(self) -> bool:
        """True if the override closes the day."""
        return not self.spans


def merge_holidays(sources: Iterable[HolidaySource], start: date, end: date) -> dict[date, Holiday]:
    """One :class:`Holiday` per date in ``[start, end)`` from every source.

    Coinciding holidays count once: the day is closed if any source closes
    it (otherwise it closes at the earliest early-close time), names are
    joined, and it is ``estimated`` only if every full closure is estimated.
    """
    merged: dict[date, list[Holiday]] = {}
    for index, source in enumerate(sources):
        if not callable(getattr(source, "holidays_between", None)):
            raise ValidationError(
                obj="merge_holidays",
                field=f"sources[{index}]",
                value=source,
                expected="a HolidaySource (an object with holidays_between(start, end))",
            )
        for holiday in source.holidays_between(start, end):
            merged.setdefault(holiday.day, []).append(holiday)
    result: dict[date, Holiday] = {}
    for day, items in merged.items():
        full = [h for h in items if h.closes_at is None]
        names: list[str] = []
        for h in items:
            for part in h.name.split("; "):
                if part not in names:
                    names.append(part)
        if full:
            closes_at = None
            estimated = all(h.estimated for h in full)
        else:
            closes_at = min(h.closes_at for h in items if h.closes_at is not None)
            estimated = all(h.estimated for h in items)
        result[day] = Holiday(day, "; ".join(names), estimated=estimated, closes_at=closes_at)
    return result
