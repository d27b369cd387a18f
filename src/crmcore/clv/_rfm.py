"""RFM segmentation: recency, frequency and monetary quintiles (private; see ``crmcore.clv``)."""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

import attrs

from crmcore import _checks as check
from crmcore.clv._summary import Purchase, last_purchase_day
from crmcore.errors import InsufficientDataError, ValidationError
from crmcore.money import Money

__all__ = ["RfmScore", "RfmSegment", "quantile_scores", "rfm_segments", "segment_of"]


class RfmSegment(enum.StrEnum):
    """Named RFM segments, from the recency (R) and frequency (F) scores 1–5.

    The map (R across, F down) is the widely used 10-segment grid::

        F\\R   1             2             3               4                    5
        5     cannot_lose   cannot_lose   loyal           loyal                champions
        4     at_risk       at_risk       loyal           loyal                champions
        3     at_risk       at_risk       need_attention  potential_loyalist   potential_loyalist
        2     hibernating   hibernating   about_to_sleep  potential_loyalist   potential_loyalist
        1     hibernating   hibernating   about_to_sleep  promising            new_customer
    """

    CHAMPIONS = "champions"
    LOYAL = "loyal"
    POTENTIAL_LOYALIST = "potential_loyalist"
    NEW_CUSTOMER = "new_customer"
    PROMISING = "promising"
    NEED_ATTENTION = "need_attention"
    ABOUT_TO_SLEEP = "about_to_sleep"
    AT_RISK = "at_risk"
    CANNOT_LOSE = "cannot_lose"
    HIBERNATING = "hibernating"


def segment_of(r: int, f: int) -> RfmSegment:
    """The segment of recency score ``r`` and frequency score ``f`` (see :class:`RfmSegment`).

    >>> segment_of(5, 5), segment_of(1, 5), segment_of(3, 3)
    (<RfmSegment.CHAMPIONS: 'champions'>, <RfmSegment.CANNOT_LOSE: 'cannot_lose'>, <RfmSegment.NEED_ATTENTION: 'need_attention'>)
    """
    for name, value in (("r", r), ("f", f)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise ValidationError(obj="segment_of", field=name, value=value, expected="1 to 5")
    if r <= 2:
        if f == 5:
            return RfmSegment.CANNOT_LOSE
        return RfmSegment.AT_RISK if f >= 3 else RfmSegment.HIBERNATING
    if r == 3:
        if f >= 4:
            return RfmSegment.LOYAL
        return RfmSegment.NEED_ATTENTION if f == 3 else RfmSegment.ABOUT_TO_SLEEP
    if f >= 4:
        return RfmSegment.CHAMPIONS if r == 5 else RfmSegment.LOYAL
    if f >= 2:
        return RfmSegment.POTENTIAL_LOYALIST
    return RfmSegment.NEW_CUSTOMER if r == 5 else RfmSegment.PROMISING


def quantile_scores(values: Sequence[Decimal | int], *, buckets: int = 5) -> list[int]:
    """Score each value 1..``buckets`` by its rank: ``1 + ⌊buckets · (number of smaller values) / n⌋``.

    Equal values always get equal scores (no arbitrary tie breaking), and a
    larger value never scores lower.

    >>> quantile_scores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quantile_scores([7, 7, 7, 1])
    [2, 2, 2, 1]
    """
    ordered = sorted(values)
    n = len(ordered)
    return [1 + (buckets * bisect.bisect_left(ordered, v)) // n for v in values]


@attrs.frozen(kw_only=True)
class RfmScore:
    """A customer's RFM figures, quintile scores and segment."""

    customer_id: str
    last_purchase: date
    recency_days: int
    """Days from the last purchase to ``as_of``."""
    frequency: int
    """Number of purchases."""
    monetary: Money
    """Total spent, exact."""
    r: int
    f: int
    m: int
    segment: RfmSegment

    @property
    def code(self) -> str:
        """The three digits, e.g. ``"545"``."""
        return f"{self.r}{self.f}{self.m}"


def rfm_segments(
    purchases: Iterable[Purchase], *, as_of: date | None = None
) -> tuple[RfmScore, ...]:
    """RFM scores of every customer at ``as_of`` (no purchase may be later), by customer id.

    Recency scores 5 for the most recent fifth of customers; frequency and
    monetary 5 for the top fifth. All amounts must share one currency.
    Left out, ``as_of`` is the day of the last purchase (:func:`last_purchase_day`).
    """
    check.refuse_frame(purchases, obj="rfm_segments", use="crmcore.frames.rfm_frame")
    items = check.require_items(purchases, Purchase, obj="rfm_segments", field="purchases")
    if as_of is None:
        as_of = last_purchase_day(items)
    check.require_date(as_of, obj="rfm_segments", field="as_of")
    last: dict[str, date] = {}
    count: dict[str, int] = {}
    spent: dict[str, Money] = {}
    for purchase in items:
        if purchase.on > as_of:
            raise ValidationError(
                obj="rfm_segments",
                field="purchases.on",
                value=purchase.on,
                expected=f"a day on or before as_of ({as_of})",
            )
        key = purchase.customer_id
        last[key] = max(last.get(key, purchase.on), purchase.on)
        count[key] = count.get(key, 0) + 1
        spent[key] = spent[key] + purchase.amount if key in spent else purchase.amount
    return scores_of(last, count, spent, as_of=as_of, obj="rfm_segments")


def scores_of(
    last: dict[str, date],
    count: dict[str, int],
    spent: dict[str, Money],
    *,
    as_of: date,
    obj: str,
) -> tuple[RfmScore, ...]:
    """RFM scores from each customer's last purchase day, purchase count and total (private)."""
    if not last:
        raise InsufficientDataError(
            obj=obj, field="purchases", value=0, expected="one or more purchases"
        )
    ids = sorted(last)
    recency = [(as_of - last[c]).days for c in ids]
    r_scores = quantile_scores([-days for days in recency])
    f_scores = quantile_scores([count[c] for c in ids])
    m_scores = quantile_scores([spent[c].amount for c in ids])
    return tuple(
        RfmScore(
            customer_id=c,
            last_purchase=last[c],
            recency_days=days,
            frequency=count[c],
            monetary=spent[c],
            r=r,
            f=f,
            m=m,
            segment=segment_of(r, f),
        )
        for c, days, r, f, m in zip(ids, recency, r_scores, f_scores, m_scores, strict=True)
    )
