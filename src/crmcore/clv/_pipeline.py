"""Fit-and-predict pipelines: which model, which customers feed it (private).

The rules a CLV run decides are here, public and tested, so that a command
line, a notebook and a distributed job make the same choices:

- the purchase model is BG/NBD or Pareto/NBD (:class:`PurchaseModelKind`);
- the Gamma-Gamma spend model is fitted on repeat buyers with a positive
  mean spend (:func:`spend_customers`);
- predictions rank customers by discounted CLV (:func:`predict_clv`).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal

import attrs

from crmcore import _checks as check
from crmcore._backend import Backend
from crmcore.clv._bgnbd import BetaGeoFit, BetaGeoModel
from crmcore.clv._clv import CustomerLifetimeValue, customer_lifetime_values
from crmcore.clv._gammagamma import GammaGammaFit, GammaGammaModel
from crmcore.clv._pareto import ParetoNbdFit, ParetoNbdModel
from crmcore.clv._summary import CustomerSummary
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.roi import Rate

__all__ = [
    "ClvFit",
    "ClvPrediction",
    "PurchaseModelKind",
    "fit_clv",
    "predict_clv",
    "spend_customers",
]


class PurchaseModelKind(enum.StrEnum):
    """The model of the purchase process a CLV run uses."""

    BG_NBD = "bg_nbd"
    """Beta-geometric/NBD (Fader, Hardie & Lee 2005): :class:`BetaGeoModel`."""
    PARETO_NBD = "pareto_nbd"
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): :class:`ParetoNbdModel`."""


def _kind(value: PurchaseModelKind | str, obj: str) -> PurchaseModelKind:
    try:
        return PurchaseModelKind(value)
    except ValueError:
        raise ValidationError(
            obj=obj,
            field="model",
            value=value,
            expected="one of " + ", ".join(k.value for k in PurchaseModelKind),
        ) from None


def spend_customers(customers: Iterable[CustomerSummary]) -> tuple[CustomerSummary, ...]:
    """The customers a Gamma-Gamma fit learns from: repeat buyers with a positive mean spend.

    A one-time buyer has no repeat purchase to average (the summary's
    ``monetary_value`` is the mean of the *repeat* purchases), and a zero
    mean spend is outside the gamma distribution's support.

    >>> rows = [CustomerSummary("a", frequency=2, recency=5.0, age=9.0, monetary_value="20"),
    ...         CustomerSummary("b", frequency=0, recency=0.0, age=9.0),
    ...         CustomerSummary("c", frequency=1, recency=2.0, age=9.0, monetary_value="0")]
    >>> [c.customer_id for c in spend_customers(rows)]
    ['a']
    """
    items = check.require_items(
        customers, CustomerSummary, obj="spend_customers", field="customers"
    )
    return tuple(c for c in items if c.frequency > 0 and c.monetary_value > 0)


@attrs.frozen(kw_only=True)
class ClvFit:
    """The fitted models of a CLV run.

    ``purchases`` is the purchase model predictions use; ``alternative`` the
    other purchase model when both were asked for (to compare their fit);
    ``spend`` the Gamma-Gamma fit, ``None`` when no customer has repeat
    purchases with a spend.
    """

    purchases: BetaGeoFit | ParetoNbdFit
    spend: GammaGammaFit | None
    alternative: BetaGeoFit | ParetoNbdFit | None = None

    @property
    def bg_nbd(self) -> BetaGeoFit | None:
        """The BG/NBD fit, if one was made."""
        for fit in (self.purchases, self.alternative):
            if isinstance(fit, BetaGeoFit):
                return fit
        return None

    @property
    def pareto_nbd(self) -> ParetoNbdFit | None:
        """The Pareto/NBD fit, if one was made."""
        for fit in (self.purchases, self.alternative):
            if isinstance(fit, ParetoNbdFit):
                return fit
        return None


def _fit_purchases(
    kind: PurchaseModelKind, customers: tuple[CustomerSummary, ...], backend: Backend
) -> BetaGeoFit | ParetoNbdFit:
    if kind is PurchaseModelKind.PARETO_NBD:
        return ParetoNbdModel.fit(customers, backend=backend)
    return BetaGeoModel.fit(customers, backend=backend)


def fit_clv(
    customers: Iterable[CustomerSummary],
    *,
    model: PurchaseModelKind | str = PurchaseModelKind.BG_NBD,
    compare: bool = False,
    backend: Backend = "auto",
) -> ClvFit:
    """Fit the purchase ``model`` on every customer and Gamma-Gamma on :func:`spend_customers`.

    With ``compare`` the other purchase model is fitted too (as
    :attr:`ClvFit.alternative`). ``backend`` is the accelerator switch of the
    purchase-model fits; each fit reports the one that ran.

    >>> rows = [CustomerSummary(str(i), frequency=f, recency=r, age=30.0, monetary_value=m)
    ...         for i, (f, r, m) in enumerate([(0, 0.0, 0), (1, 5.0, "20"), (3, 25.0, "35"),
    ...                                         (0, 0.0, 0), (2, 12.0, "15"), (6, 29.0, "40")])]
    >>> fit = fit_clv(rows, backend="python")
    >>> fit.purchases.n_customers, fit.spend.n_customers, fit.purchases.backend
    (6, 4, 'python')
    """
    check.refuse_frame(customers, obj="fit_clv", use="crmcore.frames.fit_clv_frame")
    kind = _kind(model, "fit_clv")
    rows = check.require_items(customers, CustomerSummary, obj="fit_clv", field="customers")
    purchases = _fit_purchases(kind, rows, backend)
    alternative = None
    if compare:
        other = next(k for k in PurchaseModelKind if k is not kind)
        alternative = _fit_purchases(other, rows, backend)
    buyers = spend_customers(rows)
    spend = GammaGammaModel.fit(buyers) if buyers else None
    return ClvFit(purchases=purchases, spend=spend, alternative=alternative)


@attrs.frozen(kw_only=True)
class ClvPrediction:
    """The models of a CLV run and the customers they value, most valuable first."""

    fit: ClvFit
    values: tuple[CustomerLifetimeValue, ...]


def predict_clv(
    customers: Iterable[CustomerSummary],
    *,
    horizon: int,
    discount_rate: Rate,
    currency: str,
    margin: Rate = Decimal(1),
    step: float = 1.0,
    model: PurchaseModelKind | str = PurchaseModelKind.BG_NBD,
    top: int | None = None,
    backend: Backend = "auto",
) -> ClvPrediction:
    """Fit (:func:`fit_clv`) and value every customer (:func:`customer_lifetime_values`).

    ``top`` keeps only the most valuable customers. A history where no
    customer bought twice with a positive spend has no spend model to fit
    and raises :class:`~crmcore.errors.InsufficientDataError`.
    """
    check.refuse_frame(customers, obj="predict_clv", use="crmcore.frames.predict_clv_frame")
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise ValidationError(
            obj="predict_clv", field="top", value=top, expected="None or an int >= 1"
        )
    rows = check.require_items(customers, CustomerSummary, obj="predict_clv", field="customers")
    fit = fit_clv(rows, model=model, backend=backend)
    if fit.spend is None:
        raise InsufficientDataError(
            obj="predict_clv",
            field="customers",
            value=len(rows),
            expected="a customer with repeat purchases and a positive spend to model",
        )
    values = customer_lifetime_values(
        rows,
        fit.purchases.model,
        fit.spend.model,
        horizon=horizon,
        step=step,
        discount_rate=discount_rate,
        margin=margin,
        currency=currency,
    )
    return ClvPrediction(fit=fit, values=values[:top] if top is not None else values)
