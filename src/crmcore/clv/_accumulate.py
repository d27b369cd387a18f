"""Purchases summarised a chunk at a time, in memory bounded by customers (private).

:class:`SummaryTally` gives what :func:`summarize_transactions` gives and
:class:`RfmTally` what :func:`rfm_segments` gives, for purchases added in
any split and any order, without holding the purchases.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from crmcore import _checks as check
from crmcore.clv._rfm import RfmScore, scores_of
from crmcore.clv._summary import CustomerSummary, Purchase, TimeUnit, _unit
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.money import Money

__all__ = ["RfmTally", "SummaryTally"]


class _Days:
    """One customer's purchase days up to the cut-off, as a bit set, and their amounts."""

    __slots__ = ("bits", "first", "first_spend", "repeat_spend")

    def __init__(self, first: int, amount: Decimal) -> None:
        self.first = first  # ordinal of the first purchase day; bit 0 of ``bits``
        self.bits = 1  # bit k set: a purchase on day ``first + k``
        self.first_spend = Decimal() + amount  # as the day sums of summarize_transactions
        self.repeat_spend = Decimal()  # amounts on every later day

    def add(self, day: int, amount: Decimal) -> None:
        if day < self.first:
            # A new first day: nothing was bought on it before, and the old
            # first day's amounts become repeat spend.
            self.bits = (self.bits << (self.first - day)) | 1
            self.repeat_spend += self.first_spend
            self.first, self.first_spend = day, Decimal() + amount
        elif day == self.first:
            self.first_spend += amount
        else:
            self.bits |= 1 << (day - self.first)
            self.repeat_spend += amount

    def copied(self) -> _Days:
        out = _Days(self.first, self.first_spend)
        out.bits, out.repeat_spend = self.bits, self.repeat_spend
        return out

    def joined(self, other: _Days) -> _Days:
        """A new row of both rows' days and amounts (each row's days are distinct)."""
        early, late = (self, other) if self.first <= other.first else (other, self)
        out = _Days(early.first, early.first_spend)
        out.bits = early.bits | (late.bits << (late.first - early.first))
        if late.first == early.first:
            out.first_spend += late.first_spend
        else:
            out.repeat_spend += late.first_spend
        out.repeat_spend += early.repeat_spend + late.repeat_spend
        return out


class SummaryTally:
    """:func:`summarize_transactions` fed a chunk of purchases at a time.

    Keeps per customer only the first purchase day, a bit set of purchase
    days and two sums (the first day's and the later days'), so memory grows
    with customers (and the days their history spans), not with purchases.
    ``as_of`` is given up front because purchases after it are dropped as
    they come; left out, it is the last purchase day of everything added.
    :meth:`result` equals ``summarize_transactions(all purchases, as_of=...,
    unit=...)`` whatever the split and order of the chunks (purchases on the
    same day count once, amounts added; the mean spend is over repeat days).
    :meth:`merge` combines tallies of separate parts exactly.

    >>> from crmcore.money import Money
    >>> acc = SummaryTally(as_of=date(1997, 9, 30))
    >>> acc.add([Purchase("a", date(1997, 8, 2), Money("14.96", "USD"))])
    >>> acc.add([Purchase("a", date(1997, 1, 18), Money("29.73", "USD")),
    ...          Purchase("a", date(1997, 1, 1), Money("29.33", "USD")),
    ...          Purchase("a", date(1997, 8, 2), Money("1.00", "USD"))])
    >>> s, = acc.result()
    >>> s.frequency, round(s.recency, 2), round(s.age, 2), s.monetary_value
    (2, 30.43, 38.86, Decimal('22.845'))
    """

    __slots__ = ("_as_of", "_currency", "_customers", "_last", "_seen", "_unit")

    def __init__(self, *, as_of: date | None = None, unit: TimeUnit | str = TimeUnit.WEEK) -> None:
        obj = "SummaryTally"
        self._as_of = None if as_of is None else check.require_date(as_of, obj=obj, field="as_of")
        self._unit = _unit(unit, obj)
        self._customers: dict[str, _Days] = {}
        self._currency: str | None = None
        self._last: int | None = None  # ordinal of the latest purchase day added
        self._seen = 0  # purchases added so far: errors name the overall index

    def add(self, purchases: Iterable[Purchase]) -> None:
        """Take the next chunk of purchases; purchases after ``as_of`` are checked, then dropped."""
        check.refuse_frame(purchases, obj="SummaryTally", use="crmcore.frames.summarize_frame")
        items = check.require_items(purchases, Purchase, obj="SummaryTally", field="purchases")
        end = None if self._as_of is None else self._as_of.toordinal()
        customers = self._customers
        for index, tx in enumerate(items, start=self._seen):
            self._check_currency(tx, index)
            day = tx.on.toordinal()
            if self._last is None or day > self._last:
                self._last = day
            if end is not None and day > end:
                continue
            days = customers.get(tx.customer_id)
            if days is None:
                customers[tx.customer_id] = _Days(day, tx.amount.amount)
            else:
                days.add(day, tx.amount.amount)
        self._seen += len(items)

    def merge(self, other: SummaryTally) -> SummaryTally:
        """A new tally of both tallies' purchases; neither changes.

        Both need the same ``as_of`` and unit (else ValidationError), and
        amounts in one currency. ``merge`` lets separate processes or
        partitions each summarise a part of the purchases.
        """
        if not isinstance(other, SummaryTally) or (other._as_of, other._unit) != (
            self._as_of,
            self._unit,
        ):
            raise ValidationError(
                obj="SummaryTally",
                field="other",
                value=type(other).__name__,
                expected=f"a SummaryTally with as_of={self._as_of} and unit={self._unit.value}",
            )
        out = SummaryTally(as_of=self._as_of, unit=self._unit)
        out._currency = _one_currency(self._currency, other._currency, "SummaryTally")
        lasts = [d for d in (self._last, other._last) if d is not None]
        out._last = max(lasts) if lasts else None
        out._seen = self._seen + other._seen
        out._customers = {c: days.copied() for c, days in self._customers.items()}
        for customer, days in other._customers.items():
            mine = out._customers.get(customer)
            out._customers[customer] = days.copied() if mine is None else mine.joined(days)
        return out

    def _check_currency(self, tx: Purchase, index: int) -> None:
        if self._currency is None:
            self._currency = tx.amount.currency
        elif tx.amount.currency != self._currency:
            raise ValidationError(
                obj="SummaryTally",
                field=f"purchases[{index}].amount",
                value=tx.amount,
                expected=f"an amount in {self._currency} like the others",
            )

    def result(self) -> tuple[CustomerSummary, ...]:
        """One :class:`CustomerSummary` per customer seen up to ``as_of``, by customer id."""
        if self._as_of is not None:
            end = self._as_of.toordinal()
        elif self._last is not None:
            end = self._last
        else:
            raise InsufficientDataError(
                obj="SummaryTally",
                field="purchases",
                value=0,
                expected="one or more purchases (or an as_of)",
            )
        width = self._unit.days
        rows = []
        for customer in sorted(self._customers):
            days = self._customers[customer]
            repeat = days.bits.bit_count() - 1
            rows.append(
                CustomerSummary(
                    customer,
                    frequency=repeat,
                    recency=(days.bits.bit_length() - 1) / width,
                    age=(end - days.first) / width,
                    monetary_value=days.repeat_spend / repeat if repeat else Decimal(0),
                )
            )
        return tuple(rows)


def _one_currency(first: str | None, second: str | None, obj: str) -> str | None:
    if first is not None and second is not None and first != second:
        raise ValidationError(
            obj=obj, field="other", value=second, expected=f"amounts in {first} like the others"
        )
    return first or second


class _Spend:
    """One customer's last purchase day, purchase count and total spent."""

    __slots__ = ("count", "last", "spent")

    def __init__(self, last: date, amount: Money) -> None:
        self.last = last
        self.count = 1
        self.spent = amount

    def copied(self) -> _Spend:
        out = _Spend(self.last, self.spent)
        out.count = self.count
        return out


class RfmTally:
    """:func:`rfm_segments` fed a chunk of purchases at a time.

    Keeps per customer the last purchase day, the number of purchases and the
    total spent, so memory grows with customers, not purchases. With
    ``as_of`` given, a later purchase is refused as :func:`rfm_segments`
    refuses it; left out, ``as_of`` is the last purchase day of everything
    added. :meth:`result` equals ``rfm_segments(all purchases, as_of=...)``
    whatever the split and order of the chunks; :meth:`merge` combines
    tallies of separate parts exactly.

    >>> from crmcore.money import Money
    >>> acc = RfmTally(as_of=date(2026, 3, 1))
    >>> acc.add([Purchase("a", date(2026, 2, 1), Money(10, "USD"))])
    >>> acc.add([Purchase("a", date(2026, 2, 20), Money(5, "USD")),
    ...          Purchase("b", date(2026, 1, 1), Money(1, "USD"))])
    >>> [(s.customer_id, s.recency_days, s.frequency, str(s.monetary.amount)) for s in acc.result()]
    [('a', 9, 2, '15'), ('b', 59, 1, '1')]
    """

    __slots__ = ("_as_of", "_customers", "_last")

    def __init__(self, *, as_of: date | None = None) -> None:
        obj = "RfmTally"
        self._as_of = None if as_of is None else check.require_date(as_of, obj=obj, field="as_of")
        self._customers: dict[str, _Spend] = {}
        self._last: date | None = None

    def add(self, purchases: Iterable[Purchase]) -> None:
        """Take the next chunk of purchases (amounts in one currency, none after ``as_of``)."""
        check.refuse_frame(purchases, obj="RfmTally", use="crmcore.frames.rfm_frame")
        items = check.require_items(purchases, Purchase, obj="RfmTally", field="purchases")
        as_of = self._as_of
        customers = self._customers
        for purchase in items:
            if as_of is not None and purchase.on > as_of:
                raise ValidationError(
                    obj="RfmTally",
                    field="purchases.on",
                    value=purchase.on,
                    expected=f"a day on or before as_of ({as_of})",
                )
            if self._last is None or purchase.on > self._last:
                self._last = purchase.on
            row = customers.get(purchase.customer_id)
            if row is None:
                customers[purchase.customer_id] = _Spend(purchase.on, purchase.amount)
                continue
            row.last = max(row.last, purchase.on)
            row.count += 1
            row.spent += purchase.amount

    def merge(self, other: RfmTally) -> RfmTally:
        """A new tally of both tallies' purchases (same ``as_of``, one currency); neither changes."""
        if not isinstance(other, RfmTally) or other._as_of != self._as_of:
            raise ValidationError(
                obj="RfmTally",
                field="other",
                value=type(other).__name__,
                expected=f"an RfmTally with as_of={self._as_of}",
            )
        out = RfmTally(as_of=self._as_of)
        lasts = [d for d in (self._last, other._last) if d is not None]
        out._last = max(lasts) if lasts else None
        out._customers = {c: row.copied() for c, row in self._customers.items()}
        for customer, row in other._customers.items():
            mine = out._customers.get(customer)
            if mine is None:
                out._customers[customer] = row.copied()
                continue
            mine.last = max(mine.last, row.last)
            mine.count += row.count
            mine.spent += row.spent
        return out

    def result(self) -> tuple[RfmScore, ...]:
        """The :class:`RfmScore` of every customer added, by customer id."""
        as_of = self._as_of if self._as_of is not None else self._last
        if as_of is None:
            raise InsufficientDataError(
                obj="RfmTally", field="purchases", value=0, expected="one or more purchases"
            )
        rows = self._customers
        return scores_of(
            {c: r.last for c, r in rows.items()},
            {c: r.count for c, r in rows.items()},
            {c: r.spent for c, r in rows.items()},
            as_of=as_of,
            obj="RfmTally",
        )
