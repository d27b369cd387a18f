"""The numpy batch path of the contact-centre metrics (private; numpy is optional)."""

from __future__ import annotations

import math
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
    if array.dtype.kind in "iub" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low <= 4 * len(array) + 1024:
            # Small integer codes (queue or agent numbers): a counting pass instead of a sort.
            shifted = array.astype(np.intp) - low
            present = np.flatnonzero(np.bincount(shifted, minlength=high - low + 1))
            remap = np.zeros(high - low + 1, np.intp)
            remap[present] = np.arange(len(present))
            return [str(v + low) for v in present.tolist()], remap[shifted]
        uniques, inverse = np.unique(array, return_inverse=True)
        return [str(u) for u in uniques.tolist()], inverse.astype(np.intp)
    # Hashing is faster than np.unique's sort on strings; then renumber in label order.
    items = array.tolist() if array.ndim == 1 else list(values)
    codes: dict[Any, int] = {}
    setdefault = codes.setdefault
    raw = np.array([setdefault(v, len(codes)) for v in items], dtype=np.intp)
    texts = {str(key): code for key, code in codes.items()}
    if len(texts) != len(codes):  # two labels with one text (1 and "1"): group by text instead
        return _factorize([str(v) for v in items])
    labels = sorted(texts)
    rank = np.empty(len(labels), np.intp)
    for position, label in enumerate(labels):
        rank[texts[label]] = position
    return labels, rank[raw] if len(raw) else raw


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
    """Per-group type-7 quantile of ``values`` (0 for an empty group).

    One stable counting sort by group, then two order statistics per group with
    ``np.partition`` (linear time), instead of sorting every value.
    """
    result = np.zeros(len(counts))
    if len(values) == 0:
        return result
    narrow = np.uint16 if len(counts) <= 65_535 else np.intp  # radix sort for small codes
    order = np.argsort(groups.astype(narrow), kind="stable")
    ordered = values[order]
    ends = np.cumsum(counts)
    for g in np.flatnonzero(counts):
        n = int(counts[g])
        chunk = ordered[int(ends[g]) - n : int(ends[g])]
        h = (n - 1) * q
        lo = math.floor(h)
        hi = min(lo + 1, n - 1)
        part = np.partition(chunk, (lo, hi)) if hi != lo else np.partition(chunk, lo)
        result[g] = part[lo] + (h - lo) * (part[hi] - part[lo])
    return result
