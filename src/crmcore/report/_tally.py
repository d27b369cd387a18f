"""The CLV report page from customers added a chunk at a time (private; see ``crmcore.report``).

:func:`~crmcore.report.clv_report_page` needs every customer twice: once to
fit the models, once to value each customer under them. :class:`ClvReportTally`
keeps what that needs of each customer as machine numbers (frequency, recency,
age and mean spend, and the id's UTF-8 bytes), fits BG/NBD and Gamma-Gamma on
the distinct (x, t_x, T) and (x, m̄) counts, values the customers a batch at a
time, and keeps every CLV as one float for the histogram, the exact total and
a bounded heap of the most valuable. The page is the one-shot page, byte for
byte.
"""

from __future__ import annotations

import heapq
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, MutableSequence
from decimal import Decimal
from typing import Any

from crmcore.clv import (
    BetaGeoFit,
    BetaGeoModel,
    CustomerLifetimeValue,
    CustomerSummary,
    GammaGammaFit,
    GammaGammaModel,
    customer_lifetime_values,
)
from crmcore.errors import ValidationError
from crmcore.money import Money
from crmcore.report._pages import _clv_page, _ClvFigures, _Page
from crmcore.roi import Rate

__all__ = ["ClvReportTally"]

BATCH = 10_000
"""Customers valued at a time when the page is made (their summaries are rebuilt)."""


class _Ranked:
    """A customer's place in the page's order: highest CLV, then id, then input order."""

    __slots__ = ("batch", "id", "negative", "place", "value")

    def __init__(self, value: CustomerLifetimeValue, batch: int, place: int) -> None:
        self.negative = -value.clv.amount
        self.id = value.customer_id
        self.batch = batch
        self.place = place
        self.value = value

    def key(self) -> tuple[Decimal, str, int, int]:
        return (self.negative, self.id, self.batch, self.place)


def _columns(counts: Counter[Any]) -> list[Any]:
    """The distinct keys of ``counts`` as columns, and their counts as the last column."""
    keys = list(counts)
    columns: list[Any] = [list(column) for column in zip(*keys, strict=True)] or [[]]
    columns.append([counts[key] for key in keys])
    counts.clear()  # the columns stand for it
    return columns


class ClvReportTally:
    """:func:`~crmcore.report.clv_report_page` fed customers a chunk at a time.

    The settings are the page's. :meth:`add` keeps each customer's
    frequency, recency, age and mean spend as machine numbers and its id as
    UTF-8 bytes (about 40 bytes and the id a customer), :meth:`merge` joins
    two tallies of the same settings into a new one (the first one's
    customers first), :meth:`result` is the page ``clv_report_page`` gives
    for every customer added, in the order added, byte for byte: the models
    are fitted on the distinct (x, t_x, T) and (x, m̄) counts
    (:meth:`~crmcore.clv.BetaGeoModel.fit_counts`,
    :meth:`~crmcore.clv.GammaGammaModel.fit_counts`), customers are valued
    :data:`BATCH` at a time by :func:`~crmcore.clv.customer_lifetime_values`,
    and only one float per customer (the histogram), the exact total and the
    ``top`` most valuable are kept.

    >>> from crmcore.clv import CustomerSummary
    >>> rows = [CustomerSummary(f"c{i}", frequency=f, recency=r, age=30.0, monetary_value=m)
    ...         for i, (f, r, m) in enumerate([(0, 0.0, 0), (1, 5.0, "20"), (3, 25.0, "35"),
    ...                                         (0, 0.0, 0), (2, 12.0, "15"), (6, 29.0, "40")])]
    >>> tally = ClvReportTally(currency="EUR", top=3)
    >>> tally.add(rows[:4]); tally.add(rows[4:])
    >>> len(tally), tally.result().count("<svg")
    (6, 2)
    """

    def __init__(
        self,
        *,
        currency: str,
        horizon: int = 12,
        step: float = 1.0,
        discount_rate: Rate = Decimal(0),
        margin: Rate = Decimal(1),
        top: int = 20,
        locale: str = "en_US",
    ) -> None:
        self.currency = currency
        self.horizon = horizon
        self.step = step
        self.discount_rate = discount_rate
        self.margin = margin
        self.top = top
        self.locale = locale
        self._ids = bytearray()
        self._ends = array("q")
        self._frequency: MutableSequence[int] = array("q")
        self._recency = array("d")
        self._age = array("d")
        self._spend = array("d")

    def _settings(self) -> tuple[Any, ...]:
        return (
            self.currency,
            self.horizon,
            self.step,
            self.discount_rate,
            self.margin,
            self.top,
            self.locale,
        )

    def __len__(self) -> int:
        """How many customers were added."""
        return len(self._ends)

    def add(self, customers: Iterable[CustomerSummary]) -> None:
        """Keep more customers (a chunk of the file), after those added before."""
        for index, customer in enumerate(customers):
            if not isinstance(customer, CustomerSummary):
                raise ValidationError(
                    obj="ClvReportTally.add",
                    field=f"customers[{index}]",
                    value=customer,
                    expected="a CustomerSummary",
                )
            self._append(
                customer.customer_id.encode(),
                customer.frequency,
                customer.recency,
                customer.age,
                float(customer.monetary_value),
            )

    def _append(self, ident: bytes, x: int, t_x: float, age: float, spend: float) -> None:
        try:
            self._frequency.append(x)
        except OverflowError:  # beyond 64 bits: that column is kept as Python ints
            self._frequency = [*self._frequency, x]
        self._ids += ident
        self._ends.append(len(self._ids))
        self._recency.append(t_x)
        self._age.append(age)
        self._spend.append(spend)

    def merge(self, other: ClvReportTally) -> ClvReportTally:
        """A new tally of this one's customers, then ``other``'s (neither is changed)."""
        if not isinstance(other, ClvReportTally) or other._settings() != self._settings():
            raise ValidationError(
                obj="ClvReportTally.merge",
                field="other",
                value=other,
                expected="a ClvReportTally with the same settings",
            )
        both = ClvReportTally(
            currency=self.currency,
            horizon=self.horizon,
            step=self.step,
            discount_rate=self.discount_rate,
            margin=self.margin,
            top=self.top,
            locale=self.locale,
        )
        for part in (self, other):
            for i in range(len(part)):
                both._append(part._id(i).encode(), *part._row(i))
        return both

    def _id(self, index: int) -> str:
        start = self._ends[index - 1] if index else 0
        return self._ids[start : self._ends[index]].decode()

    def _row(self, index: int) -> tuple[int, float, float, float]:
        return (
            self._frequency[index],
            self._recency[index],
            self._age[index],
            self._spend[index],
        )

    def _summaries(self, begin: int, end: int) -> list[CustomerSummary]:
        """Customers ``begin``..``end`` rebuilt: the CLV reads the mean spend as a float, kept."""
        return [
            CustomerSummary(
                self._id(i),
                frequency=self._frequency[i],
                recency=self._recency[i],
                age=self._age[i],
                # a one-time buyer's spend plays no part (and may be beyond a float)
                monetary_value=Decimal(repr(self._spend[i])) if self._frequency[i] else 0,
            )
            for i in range(begin, end)
        ]

    def _fits(self) -> tuple[BetaGeoFit, GammaGammaFit]:
        """BG/NBD on every customer, Gamma-Gamma on the repeat buyers with a spend > 0."""
        triples = _columns(Counter(zip(self._frequency, self._recency, self._age, strict=True)))
        purchases = BetaGeoModel.fit_counts(*triples)
        del triples
        pairs = _columns(
            Counter(
                (x, m) for x, m in zip(self._frequency, self._spend, strict=True) if x > 0 and m > 0
            )
        )
        if not pairs[0]:  # no repeat buyer with a spend: the one-shot page's own refusal
            return purchases, GammaGammaModel.fit(())
        return purchases, GammaGammaModel.fit_counts(*pairs)

    def result(self, *, progress: Callable[[int], object] | None = None) -> str:
        """The page of every customer added: :func:`~crmcore.report.clv_report_page`'s.

        ``progress``, if given, is called with the number of customers valued
        so far after each batch (a progress bar's ``update``).
        """
        if not len(self):
            raise ValidationError(
                obj="clv_report_page",
                field="customers",
                value=[],
                expected="a non-empty sequence of CustomerSummary",
            )
        p = _Page(self.locale)
        purchases, spend = self._fits()
        amounts = array("d")
        total: Money | None = None
        best: list[_Ranked] = []
        for batch, begin in enumerate(range(0, len(self), BATCH)):
            values = customer_lifetime_values(
                self._summaries(begin, min(begin + BATCH, len(self))),
                purchases.model,
                spend.model,
                horizon=self.horizon,
                step=self.step,
                discount_rate=self.discount_rate,
                currency=self.currency,
                margin=self.margin,
            )
            amounts.extend(float(v.clv.amount) for v in values)
            total = sum(
                (v.clv for v in values), Money.zero(self.currency) if total is None else total
            )
            ranked = [_Ranked(v, batch, place) for place, v in enumerate(values)]
            best = heapq.nsmallest(max(0, self.top), [*best, *ranked], key=_Ranked.key)
            if progress is not None:
                progress(len(amounts))
        assert total is not None  # noqa: S101 - one batch at least
        figures = _ClvFigures(
            customers=len(self),
            repeat=sum(1 for x in self._frequency if x > 0),
            total=total,
            histogram=amounts,
            currency=self.currency,
            purchases=purchases,
            converged=purchases.converged and spend.converged,
            max_frequency=max(self._frequency),
            max_age=max(self._age),
            top=[r.value for r in best],
        )
        return _clv_page(p, figures)
