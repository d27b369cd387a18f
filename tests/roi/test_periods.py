"""Reporting periods on the Gregorian and Jalali calendars."""

from __future__ import annotations

import itertools
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import PeriodUnit
from crmcore.errors import ValidationError
from crmcore.roi import Period, period_flows, periods, xnpv


def test_iranian_fiscal_years_start_on_1_farvardin() -> None:
    # 1 Farvardin 1403 = 2024-03-20, 1404 = 2025-03-21, 1405 = 2026-03-21 (Iranian calendar)
    years = periods(PeriodUnit.JALALI_YEAR, date(2024, 6, 1), 2)
    assert [(p.label, p.start, p.end) for p in years] == [
        ("1403", date(2024, 3, 20), date(2025, 3, 21)),
        ("1404", date(2025, 3, 21), date(2026, 3, 21)),
    ]
    assert years[0].days == 366  # 1403 is a leap year (30 Esfand 1403 = 2025-03-20)
    assert years[1].persian_label() == "۱۴۰۴"


def test_jalali_months() -> None:
    # Farvardin has 31 days, Mehr (month 7) 30, Esfand 29 in a common year
    months = periods("jalali_month", date(2025, 3, 21), 12)
    assert months[0].label == "1404-01"
    assert months[0].days == 31
    assert months[6].days == 30
    assert months[11].label == "1404-12"
    assert months[11].days == 29


def test_gregorian_months_and_fiscal_years() -> None:
    months = periods("gregorian_month", date(2024, 12, 5), 3)
    assert [p.label for p in months] == ["2024-12", "2025-01", "2025-02"]
    assert months[2].days == 28
    fiscal = periods("gregorian_year", date(2025, 2, 1), 1, fiscal_start_month=4)
    assert fiscal[0] == Period("FY2024", date(2024, 4, 1), date(2025, 4, 1))
    assert periods("gregorian_year", date(2025, 2, 1), 1)[0].label == "2025"


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(list(PeriodUnit)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2060, 1, 1)),
    st.integers(1, 30),
)
def test_periods_are_contiguous_and_contain_the_first_day(
    kind: PeriodUnit, first: date, count: int
) -> None:
    result = periods(kind, first, count)
    assert len(result) == count
    assert result[0].start <= first < result[0].end
    for before, after in itertools.pairwise(result):
        assert before.end == after.start
    assert len({p.label for p in result}) == count


def test_bad_input() -> None:
    with pytest.raises(ValidationError, match="unit"):
        periods("week", date(2025, 1, 1), 1)
    with pytest.raises(ValidationError, match="count"):
        periods("jalali_year", date(2025, 1, 1), 0)
    with pytest.raises(ValidationError, match="fiscal_start_month"):
        periods("gregorian_year", date(2025, 1, 1), 1, fiscal_start_month=13)
    with pytest.raises(ValidationError, match="end"):
        Period("x", date(2025, 1, 2), date(2025, 1, 1))


def test_period_flows_on_jalali_months_feed_xnpv() -> None:
    months = periods("jalali_month", date(2025, 3, 21), 3)  # Farvardin 31 days, Ordibehesht 31
    dated = period_flows(months, [-1000, 600, 600])
    assert [d for d, _ in dated] == [date(2025, 3, 21), date(2025, 4, 21), date(2025, 5, 22)]
    # hand: 600/1.12^(31/365) + 600/1.12^(62/365) - 1000
    expected = -1000 + 600 / 1.12 ** (31 / 365) + 600 / 1.12 ** (62 / 365)
    assert float(xnpv("0.12", dated)) == pytest.approx(expected, rel=1e-12)
    ends = period_flows(months, [1, 2, 3], at="end")
    assert ends[-1][0] == date(2025, 6, 22)
    with pytest.raises(ValidationError, match="amounts"):
        period_flows(months, [1, 2])
    with pytest.raises(ValidationError, match="at"):
        period_flows(months, [1, 2, 3], at="middle")


@pytest.mark.parametrize(("kind", "count"), [("gregorian_month", 200), ("gregorian_year", 20)])
def test_periods_past_year_9999_are_validation_errors(kind: str, count: int) -> None:
    # Regression: datetime.date's bare ValueError("year 10000 is out of range") escaped.
    with pytest.raises(ValidationError, match="count") as info:
        periods(kind, date(9990, 1, 1), count)
    assert info.value.value == count
    # Jalali years stop earlier (jalali_date's range): also a ValidationError, not a crash.
    with pytest.raises(ValidationError):
        periods("jalali_year", date(9990, 1, 1), count)
