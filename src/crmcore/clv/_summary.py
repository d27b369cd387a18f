"""Purchases, and purchases summarised per customer into (x, t_x, T, mean spend) (private)."""

from __future__ import annotations

import enum
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.money import Money, to_decimal

__all__ = [
    "CalibrationHoldout",
    "CustomerSummary",
    "Purchase",
    "TimeUnit",
    "calibration_holdout",
    "last_purchase_day",
    "summarize_transactions",
]


class TimeUnit(enum.StrEnum):
    """The unit in which recency and age are counted, as fractional periods.

    A week is 7 days and a day is 1; a month is 365.25/12 days and a year
    365.25, so that frequencies scale consistently.
    """

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"

    @property
    def days(self) -> float:
        """Length of one unit in days."""
        return _UNIT_DAYS[self]


_UNIT_DAYS = {
    TimeUnit.DAY: 1.0,
    TimeUnit.WEEK: 7.0,
    TimeUnit.MONTH: 365.25 / 12.0,
    TimeUnit.YEAR: 365.25,
}


def _to_float(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValidationError(
            obj="CustomerSummary", field=field, value=value, expected="a number >= 0"
        )
    number = float(value)
    if not math.isfinite(number) or number < 0:
        raise ValidationError(
            obj="CustomerSummary", field=field, value=value, expected="a number >= 0"
        )
    return number


def _recency(value: object) -> float:
    return _to_float(value, "recency")


def _age(value: object) -> float:
    return _to_float(value, "age")


def _check_frequency(_instance: object, _attribute: object, value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(
            obj="CustomerSummary",
            field="frequency",
            value=value,
            expected="an int >= 0 (the number of repeat purchase days)",
        )


def _mean_spend(value: object) -> Decimal:
    number = to_decimal(value, obj="CustomerSummary", field="monetary_value")
    if number < 0:
        raise ValidationError(
            obj="CustomerSummary", field="monetary_value", value=value, expected="an amount >= 0"
        )
    return number


@attrs.frozen
class Purchase:
    """One purchase: who, on which (local) day, for how much.

    The one purchase record of crmcore: RFM segmentation, transaction
    summaries and CLV all read it.

    >>> from crmcore.money import Money
    >>> Purchase("c1", date(2026, 3, 21), Money("1500000", "IRR"))
    Purchase(customer_id='c1', on=datetime.date(2026, 3, 21), amount=Money('1500000', 'IRR'))
    """

    customer_id: str = attrs.field(validator=check.text(max_length=200))
    on: date = attrs.field(validator=check.required_date())
    amount: Money = attrs.field(validator=check.money())


@attrs.frozen
class CustomerSummary:
    """One customer's purchase history reduced to the BG/NBD inputs.

    In the literature's notation (Fader, Hardie & Lee 2005): ``frequency`` is
    x, the number of repeat purchases (purchase days after the first);
    ``recency`` is t_x, the time of the last purchase counted from the first;
    ``age`` is T, the time from the first purchase to the end of
    observation; ``monetary_value`` is the mean value of the repeat
    purchases (0 when there are none). Times are fractional periods
    (floats: these are inputs to a statistical model).

    >>> CustomerSummary("c1", frequency=2, recency=30.43, age=38.86, monetary_value="22.35")
    CustomerSummary(customer_id='c1', frequency=2, recency=30.43, age=38.86, monetary_value=Decimal('22.35'))
    >>> CustomerSummary("c2", frequency=1, recency=40.0, age=38.0)
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: CustomerSummary.recency: got 40.0 (float); expected a recency <= age (38.0)
    """

    customer_id: str = attrs.field(validator=check.text(max_length=200))
    frequency: int = attrs.field(validator=_check_frequency)
    recency: float = attrs.field(converter=_recency)
    age: float = attrs.field(converter=_age)
    monetary_value: Decimal = attrs.field(default=Decimal(0), converter=_mean_spend)

    def __attrs_post_init__(self) -> None:
        if self.recency > self.age:
            raise ValidationError(
                obj="CustomerSummary",
                field="recency",
                value=self.recency,
                expected=f"a recency <= age ({self.age})",
            )
        if self.frequency == 0 and self.recency != 0:
            raise ValidationError(
                obj="CustomerSummary",
                field="recency",
                value=self.recency,
                expected="0 for a customer without repeat purchases",
            )


@attrs.frozen
class CalibrationHoldout:
    """A customer's calibration summary and what they did in the holdout period."""

    calibration: CustomerSummary
    holdout_frequency: int
    """Purchase days in the holdout period (after the calibration end)."""
    holdout_duration: float
    """Length of the holdout period in time units."""
    holdout_monetary_value: Decimal
    """Mean value of the holdout purchase days (0 when there are none)."""


def _days_by_customer(
    purchases: Iterable[Purchase], end: date, obj: str
) -> dict[str, dict[date, Decimal]]:
    days: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    currency: str | None = None
    for index, tx in enumerate(purchases):
        if not isinstance(tx, Purchase):
            raise ValidationError(
                obj=obj, field=f"purchases[{index}]", value=tx, expected="a Purchase"
            )
        if currency is None:
            currency = tx.amount.currency
        elif tx.amount.currency != currency:
            raise ValidationError(
                obj=obj,
                field=f"purchases[{index}].amount",
                value=tx.amount,
                expected=f"an amount in {currency} like the others",
            )
        if tx.on <= end:
            # Same-day purchases are one purchase occasion: their amounts add up.
            days[tx.customer_id][tx.on] += tx.amount.amount
    return days


def _summary(
    customer: str, purchases: dict[date, Decimal], end: date, unit: float
) -> CustomerSummary:
    ordered = sorted(purchases)
    first = ordered[0]
    repeat = ordered[1:]
    mean = sum((purchases[d] for d in repeat), Decimal(0)) / len(repeat) if repeat else Decimal(0)
    return CustomerSummary(
        customer,
        frequency=len(repeat),
        recency=(ordered[-1] - first).days / unit,
        age=(end - first).days / unit,
        monetary_value=mean,
    )


def _unit(unit: TimeUnit | str, obj: str = "summarize_transactions") -> TimeUnit:
    try:
        return TimeUnit(unit)
    except ValueError:
        raise ValidationError(
            obj=obj,
            field="unit",
            value=unit,
            expected="one of " + ", ".join(u.value for u in TimeUnit),
        ) from None


def last_purchase_day(purchases: Iterable[Purchase]) -> date:
    """The day of the latest purchase: the default cut-off (``as_of``) of a purchase history.

    >>> from crmcore.money import Money
    >>> last_purchase_day([Purchase("a", date(2026, 1, 5), Money(1, "USD")),
    ...                    Purchase("b", date(2026, 2, 1), Money(2, "USD"))])
    datetime.date(2026, 2, 1)
    """
    items = check.require_items(purchases, Purchase, obj="last_purchase_day", field="purchases")
    if not items:
        raise InsufficientDataError(
            obj="last_purchase_day", field="purchases", value=0, expected="one or more purchases"
        )
    return max(p.on for p in items)


def summarize_transactions(
    purchases: Iterable[Purchase],
    *,
    as_of: date | None = None,
    unit: TimeUnit | str = TimeUnit.WEEK,
) -> tuple[CustomerSummary, ...]:
    """Summarise purchases up to ``as_of`` (inclusive), one row per customer.

    ``as_of`` is the end of observation: purchases after it are not seen;
    left out, it is the day of the last purchase (:func:`last_purchase_day`).
    Times are fractional units (days / 7 for weeks): rounding to whole
    periods changes the fitted parameters. Purchases on the same day count
    once, with their amounts added. Rows are sorted by customer id.

    >>> from datetime import date
    >>> from crmcore.money import Money
    >>> txs = [Purchase("a", date(1997, 1, 1), Money("29.33", "USD")),
    ...        Purchase("a", date(1997, 1, 18), Money("29.73", "USD")),
    ...        Purchase("a", date(1997, 8, 2), Money("14.96", "USD")),
    ...        Purchase("a", date(1997, 8, 2), Money("1.00", "USD"))]
    >>> s, = summarize_transactions(txs, as_of=date(1997, 9, 30))
    >>> s.frequency, round(s.recency, 2), round(s.age, 2), s.monetary_value
    (2, 30.43, 38.86, Decimal('22.845'))
    """
    check.refuse_frame(
        purchases, obj="summarize_transactions", use="crmcore.frames.summarize_frame"
    )
    obj = "summarize_transactions"
    items = check.require_items(purchases, Purchase, obj=obj, field="purchases")
    if as_of is None:
        end = last_purchase_day(items)
    else:
        end = check.require_date(as_of, obj=obj, field="as_of")
    width = _unit(unit).days
    days = _days_by_customer(items, end, obj)
    return tuple(_summary(c, days[c], end, width) for c in sorted(days))


def calibration_holdout(
    purchases: Iterable[Purchase],
    *,
    calibration_end: date,
    as_of: date,
    unit: TimeUnit | str = TimeUnit.WEEK,
) -> tuple[CalibrationHoldout, ...]:
    """Split purchases into a calibration summary and holdout counts per customer.

    Customers whose first purchase falls after ``calibration_end`` are left
    out (the model knows nothing of them). Holdout purchases are counted as
    purchase days in (calibration_end, as_of]; nothing after ``as_of`` is seen.
    """
    obj = "calibration_holdout"
    check.require_date(calibration_end, obj=obj, field="calibration_end")
    check.require_date(as_of, obj=obj, field="as_of")
    if as_of <= calibration_end:
        raise ValidationError(
            obj=obj,
            field="as_of",
            value=as_of,
            expected=f"a date after calibration_end ({calibration_end})",
        )
    width = _unit(unit).days
    everything = _days_by_customer(purchases, as_of, obj)
    result = []
    for customer in sorted(everything):
        purchases_of = everything[customer]
        before = {d: v for d, v in purchases_of.items() if d <= calibration_end}
        if not before:
            continue
        after = [v for d, v in purchases_of.items() if d > calibration_end]
        result.append(
            CalibrationHoldout(
                calibration=_summary(customer, before, calibration_end, width),
                holdout_frequency=len(after),
                holdout_duration=(as_of - calibration_end).days / width,
                holdout_monetary_value=sum(after, Decimal(0)) / len(after) if after else Decimal(0),
            )
        )
    return tuple(result)
