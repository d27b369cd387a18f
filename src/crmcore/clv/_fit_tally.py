"""The CLV fit fed customer summaries a chunk at a time (private; see ``crmcore.clv``).

Every model :func:`~crmcore.clv.fit_clv` fits learns from counts: BG/NBD and
Pareto/NBD from how many customers share each (x, t_x, T), Gamma-Gamma from
how many repeat buyers share each (x, m̄). :class:`FitTally` keeps only those
counts, so a summary file of any length is fitted without holding a
:class:`~crmcore.clv.CustomerSummary` per customer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from crmcore import _checks as check
from crmcore._backend import Backend
from crmcore.clv._bgnbd import BetaGeoFit, BetaGeoModel
from crmcore.clv._gammagamma import GammaGammaModel
from crmcore.clv._pareto import ParetoNbdFit, ParetoNbdModel
from crmcore.clv._pipeline import ClvFit, PurchaseModelKind, _kind
from crmcore.clv._summary import CustomerSummary
from crmcore.errors import ValidationError

__all__ = ["FitTally"]


class FitTally:
    """:func:`~crmcore.clv.fit_clv` fed customer summaries a chunk at a time.

    ``add(customers)`` counts each summary's (frequency, recency, age) and,
    for a repeat buyer with a positive mean spend (:func:`spend_customers`),
    its (frequency, mean spend); :meth:`result` fits on those counts and
    equals ``fit_clv(every customer added, model=..., compare=...,
    backend=...)``, whatever the split and order (the fits sort the distinct
    rows). Memory grows with the distinct rows, not the customers;
    :meth:`merge` combines tallies of separate parts.

    >>> rows = [CustomerSummary(str(i), frequency=f, recency=r, age=30.0, monetary_value=m)
    ...         for i, (f, r, m) in enumerate([(0, 0.0, 0), (1, 5.0, "20"), (3, 25.0, "35"),
    ...                                         (0, 0.0, 0), (2, 12.0, "15"), (6, 29.0, "40")])]
    >>> from crmcore.clv import fit_clv
    >>> tally = FitTally(backend="python")
    >>> tally.add(rows[3:])
    >>> tally.add(rows[:3])
    >>> tally.result() == fit_clv(rows, backend="python")
    True
    >>> len(tally), tally.distinct()
    (6, 5)
    """

    __slots__ = ("_backend", "_compare", "_customers", "_kind", "_spends", "_triples")

    def __init__(
        self,
        *,
        model: PurchaseModelKind | str = PurchaseModelKind.BG_NBD,
        compare: bool = False,
        backend: Backend = "auto",
    ) -> None:
        self._kind = _kind(model, "FitTally")
        self._compare = bool(compare)
        self._backend: Backend = backend
        self._triples: Counter[tuple[int, float, float]] = Counter()
        self._spends: Counter[tuple[int, float]] = Counter()
        self._customers = 0

    def add(self, customers: Iterable[CustomerSummary]) -> None:
        """Count the next chunk of customer summaries."""
        check.refuse_frame(customers, obj="FitTally", use="crmcore.frames.fit_clv_frame")
        items = check.require_items(customers, CustomerSummary, obj="FitTally", field="customers")
        triples, spends = self._triples, self._spends
        for c in items:
            triples[c.frequency, c.recency, c.age] += 1
            if c.frequency > 0 and c.monetary_value > 0:
                spends[c.frequency, float(c.monetary_value)] += 1
        self._customers += len(items)

    def merge(self, other: FitTally) -> FitTally:
        """A new tally of both tallies' customers (same settings); neither changes."""
        mine = (self._kind, self._compare, self._backend)
        if not isinstance(other, FitTally) or (other._kind, other._compare, other._backend) != mine:
            raise ValidationError(
                obj="FitTally",
                field="other",
                value=type(other).__name__,
                expected=f"a FitTally with the settings {mine}",
            )
        out = FitTally(model=self._kind, compare=self._compare, backend=self._backend)
        out._triples = self._triples + other._triples
        out._spends = self._spends + other._spends
        out._customers = self._customers + other._customers
        return out

    def __len__(self) -> int:
        """The number of customers added."""
        return self._customers

    def distinct(self) -> int:
        """The distinct (frequency, recency, age) rows counted: what the memory grows with."""
        return len(self._triples)

    def _purchases(self, kind: PurchaseModelKind) -> BetaGeoFit | ParetoNbdFit:
        if not self._triples:
            # the one-shot fit's own refusal of an empty customer base
            return (ParetoNbdModel if kind is PurchaseModelKind.PARETO_NBD else BetaGeoModel).fit(
                ()
            )
        keys = list(self._triples)
        columns = (
            [k[0] for k in keys],
            [k[1] for k in keys],
            [k[2] for k in keys],
            [self._triples[k] for k in keys],
        )
        if kind is PurchaseModelKind.PARETO_NBD:
            return ParetoNbdModel.fit_counts(*columns, backend=self._backend)
        return BetaGeoModel.fit_counts(*columns, backend=self._backend)

    def result(self) -> ClvFit:
        """The :class:`ClvFit` of every customer added (as :func:`fit_clv` gives it)."""
        purchases = self._purchases(self._kind)
        alternative = None
        if self._compare:
            other = next(k for k in PurchaseModelKind if k is not self._kind)
            alternative = self._purchases(other)
        spend = None
        if self._spends:
            keys = list(self._spends)
            spend = GammaGammaModel.fit_counts(
                [k[0] for k in keys], [k[1] for k in keys], [self._spends[k] for k in keys]
            )
        return ClvFit(purchases=purchases, spend=spend, alternative=alternative)
