"""The numpy batch path of the contact-centre metrics (private; numpy is optional)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from crmcore.service._contact import ContactCentreMetrics, _service_level

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from crmcore.service._contact import _Options


def _factorize(values: Sequence[Any]) -> tuple[list[str], NDArray[np.intp]]:
    """Group labels (as text, sorted) and each row's group index."""
    array = np.asarray(values)
    if array.dtype.kind in "iub":
        uniques, inverse = np.unique(array, return_inverse=True)
        return [str(u) for u in uniques.tolist()], inverse.astype(np.intp)
    # Hashing is faster than np.unique's sort on strings; then renumber in label order.
    codes: dict[str, int] = {}
    raw = np.fromiter((codes.setdefault(str(v), len(codes)) for v in values), np.intp, len(values))
    labels = sorted(codes)
    rank = np.empty(len(labels), np.intp)
    for position, label in enumerate(labels):
        rank[codes[label]] = position
    return labels, rank[raw]


def _count(index: NDArray[np.intp], mask: NDArray[np.bool_], k: int) -> NDArray[np.intp]:
    return np.bincount(index[mask], minlength=k)


def aggregate_numpy(
    columns: Mapping[str, Sequence[Any]], opt: _Options
) -> tuple[ContactCentreMetrics, ...]:
    """:func:`~crmcore.service.contact_centre_columns` with numpy."""
    labels, inv = _factorize(columns["group"])
    k = len(labels)
    answered = np.asarray(columns["answered"], dtype=bool)
    abandoned = np.asarray(columns["abandoned"], dtype=bool)
    wait = np.asarray(columns["wait"], dtype=float)
    handle = np.asarray(columns["handle"], dtype=float)
    transferred = np.asarray(columns["transferred"], dtype=bool)
    offered = np.bincount(inv, minlength=k)
    n_answered = _count(inv, answered, k)
    within = _count(inv, answered & (wait <= opt.within), k)
    short = _count(inv, abandoned & (wait < opt.short), k)
    n_abandoned = _count(inv, abandoned, k) - short
    late = _count(inv, abandoned & (wait >= opt.short) & (wait > opt.within), k)
    handled = answered & ~np.isnan(handle)
    handle_sum = np.bincount(inv[handled], weights=handle[handled], minlength=k)
    n_handled = _count(inv, handled, k)
    n_transferred = _count(inv, answered & transferred, k)
    wait_answered, group_answered = wait[answered], inv[answered]
    wait_sum = np.bincount(group_answered, weights=wait_answered, minlength=k)
    quantiles = _quantiles(group_answered, wait_answered, n_answered, opt.percentile)
    result = []
    for g, label in enumerate(labels):
        a, o, s = int(n_answered[g]), int(offered[g]), int(short[g])
        ab = int(n_abandoned[g])
        result.append(
            ContactCentreMetrics(
                group=label, offered=o, answered=a, abandoned=ab, short_abandons=s,
                answered_within=int(within[g]),
                service_level=_service_level(opt.treatment, int(within[g]), a, ab, int(late[g])),
                asa=float(wait_sum[g]) / a if a else None,
                asa_percentile=float(quantiles[g]) if a else None,
                abandon_rate=ab / (o - s) if o - s else None,
                aht=float(handle_sum[g]) / int(n_handled[g]) if n_handled[g] else None,
                transfer_rate=int(n_transferred[g]) / a if a else None,
                settings=opt.describe(),
            )
        )  # fmt: skip
    return tuple(result)


def _quantiles(
    groups: NDArray[np.intp], values: NDArray[np.float64], counts: NDArray[np.intp], q: float
) -> NDArray[np.float64]:
    """Per-group type-7 quantile of ``values`` (0 for an empty group)."""
    if len(values) == 0:
        return np.zeros(len(counts))
    order = np.lexsort((values, groups))
    ordered = values[order]
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    h = np.maximum(counts - 1, 0) * q
    lo = np.floor(h).astype(np.intp)
    first = np.minimum(starts + lo, len(ordered) - 1)
    second = np.minimum(starts + np.minimum(lo + 1, np.maximum(counts - 1, 0)), len(ordered) - 1)
    result: NDArray[np.float64] = ordered[first] + (h - lo) * (ordered[second] - ordered[first])
    return result
