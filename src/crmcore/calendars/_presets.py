"""Ready-made calendars: Iran and any country the holidays package knows (private)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from crmcore.calendars._calendar import BusinessCalendar
from crmcore.calendars._holidays import CountryHolidays, DayOverride, HolidaySource, JalaliHoliday
from crmcore.calendars._schedule import TimeSpan, WeeklySchedule, parse_spans
from crmcore.errors import ValidationError

__all__ = ["calendar_preset", "from_country", "iran", "iran_solar_holidays"]

_IRAN_SOLAR: tuple[JalaliHoliday, ...] = (
    JalaliHoliday(1, 1, "Nowruz"),
    JalaliHoliday(1, 2, "Nowruz Holiday"),
    JalaliHoliday(1, 3, "Nowruz Holiday"),
    JalaliHoliday(1, 4, "Nowruz Holiday"),
    JalaliHoliday(1, 12, "Islamic Republic Day"),
    JalaliHoliday(1, 13, "Nature's Day"),
    JalaliHoliday(3, 14, "Death of Imam Khomeini"),
    JalaliHoliday(3, 15, "15 Khordad Uprising"),
    JalaliHoliday(11, 22, "Islamic Revolution Day"),
    JalaliHoliday(12, 29, "Iranian Oil Industry Nationalization Day"),
    JalaliHoliday(12, 30, "Last Day of Year"),
)


def iran_solar_holidays() -> tuple[JalaliHoliday, ...]:
    """The official fixed solar holidays of Iran; 30 Esfand applies only in leap years.

    Source: ``shared/reference/sla.md`` (Iran): 1-4, 12, 13 Farvardin; 14, 15
    Khordad; 22 Bahman; 29 Esfand; 30 Esfand. Names as in ``holidays.IR``.

    >>> [(h.month, h.day) for h in iran_solar_holidays()][-2:]
    [(12, 29), (12, 30)]
    """
    return _IRAN_SOLAR


_THURSDAY = ("off", "half", "full")


def iran(
    *,
    thursday: str = "off",
    hours: str | Iterable[TimeSpan | str] = "08:00-16:00",
    half_day: str | Iterable[TimeSpan | str] = "08:00-12:00",
    breaks: str | Iterable[TimeSpan | str] = (),
    lunar: bool = True,
    extra_holidays: Iterable[HolidaySource] = (),
    overrides: Iterable[DayOverride] = (),
    name: str = "iran",
) -> BusinessCalendar:
    """An Iranian calendar in Asia/Tehran.

    Saturday to Wednesday work ``hours``; Thursday is ``"off"``, ``"half"``
    (``half_day``) or ``"full"``; Friday is off. Holidays: the fixed solar
    ones (:func:`iran_solar_holidays`, 30 Esfand in leap years) and, with
    ``lunar=True``, every holiday of ``holidays.IR`` (the lunar dates it has
    not confirmed are flagged ``estimated``). Coinciding holidays count once.

    >>> from datetime import datetime, timedelta
    >>> cal = iran(thursday="half")
    >>> start = datetime(2025, 3, 18, 15, 0, tzinfo=cal.timezone)  # Tuesday 28 Esfand 1403
    >>> # 1 h on Tuesday; 29 and 30 Esfand, Nowruz (Fri-Mon) closed; 1 h on Tue 5 Farvardin
    >>> cal.add(start, timedelta(hours=2)).isoformat()
    '2025-03-25T09:00:00+03:30'
    """
    if thursday not in _THURSDAY:
        raise ValidationError(
            obj="iran", field="thursday", value=thursday, expected="'off', 'half' or 'full'"
        )
    week: dict[int | str, str | Iterable[TimeSpan | str]] = {"sat-wed": parse_spans(hours)}
    if thursday == "full":
        week["thu"] = parse_spans(hours)
    elif thursday == "half":
        week["thu"] = parse_spans(half_day)
    schedule = WeeklySchedule.from_mapping(week, breaks=breaks)
    sources: list[HolidaySource] = list(_IRAN_SOLAR)
    if lunar:
        sources.append(CountryHolidays("IR"))
    sources.extend(extra_holidays)
    return BusinessCalendar(
        schedule,
        holidays=sources,
        timezone=ZoneInfo("Asia/Tehran"),
        overrides=overrides,
        name=name,
    )


def from_country(
    country: str,
    *,
    timezone: ZoneInfo | str,
    hours: Mapping[int | str, str | Iterable[TimeSpan | str]] | None = None,
    breaks: str | Iterable[TimeSpan | str] = (),
    subdivision: str | None = None,
    extra_holidays: Iterable[HolidaySource] = (),
    name: str | None = None,
) -> BusinessCalendar:
    """A calendar with ``country``'s public holidays (``holidays`` package).

    ``hours`` defaults to Monday–Friday 09:00–17:00.

    >>> from datetime import date
    >>> cal = from_country("US", timezone="America/New_York", subdivision="NY")
    >>> cal.is_working_day(date(2025, 7, 4)), cal.is_working_day(date(2025, 7, 7))
    (False, True)
    """
    schedule = WeeklySchedule.from_mapping(hours or {"mon-fri": "09:00-17:00"}, breaks=breaks)
    sources: tuple[HolidaySource, ...] = (
        CountryHolidays(country, subdivision),
        *extra_holidays,
    )
    return BusinessCalendar(
        schedule,
        holidays=sources,
        timezone=timezone,
        name=name or country.lower(),
    )


def _always(*, timezone: ZoneInfo | str = "UTC", name: str = "24x7") -> BusinessCalendar:
    return BusinessCalendar.always(timezone, name=name)


_PRESETS: dict[str, Callable[..., BusinessCalendar]] = {
    "24x7": _always,
    "country": from_country,
    "iran": iran,
}


def calendar_preset(preset: str, **options: Any) -> BusinessCalendar:
    """A ready-made calendar by name, as calendar files and the CLI spell it.

    ``"iran"`` takes the options of :func:`iran`, ``"country"`` those of
    :func:`from_country` (``country`` and ``timezone`` required), and
    ``"24x7"`` a ``timezone`` (UTC by default). An unknown preset, an
    unknown option or a missing one is a ValidationError naming it.

    >>> calendar_preset("iran", thursday="half").name
    'iran'
    >>> calendar_preset("24x7", timezone="Asia/Tehran").timezone
    zoneinfo.ZoneInfo(key='Asia/Tehran')
    >>> calendar_preset("country", country="US")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: calendar_preset.timezone: got None; expected the options of the 'country' preset (missing a required argument: 'timezone'): country, timezone, hours, breaks, subdivision, extra_holidays, name
    """
    factory = _PRESETS.get(preset) if isinstance(preset, str) else None
    if factory is None:
        raise ValidationError(
            obj="calendar_preset",
            field="preset",
            value=preset,
            expected="one of " + ", ".join(repr(name) for name in _PRESETS),
        )
    signature = inspect.signature(factory)
    try:
        signature.bind(**options)
    except TypeError as err:
        unknown = sorted(set(options) - set(signature.parameters))
        missing = [
            name
            for name, p in signature.parameters.items()
            if p.default is p.empty and name not in options
        ]
        field = (unknown or missing or ["options"])[0]
        raise ValidationError(
            obj="calendar_preset",
            field=field,
            value=options.get(field),
            expected=f"the options of the {preset!r} preset ({err}): "
            + ", ".join(signature.parameters),
        ) from None
    return factory(**options)
