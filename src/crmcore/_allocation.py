"""Largest-remainder splitting in integer arithmetic (private).

One mechanism for every exact split in crmcore: :meth:`Money.allocate` and the
pricing engine's header-discount shares both call :func:`allocate_units`.
"""

from __future__ import annotations

from collections.abc import Sequence

from crmcore.errors import ValidationError


def allocate_units(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` (>= 0) units in proportion to integer ``weights``.

    Hamilton's (largest remainder) method: every part gets the floor of its
    exact share, and the units left over go one each to the parts with the
    largest remainders, earlier parts first on ties. The parts add up to
    ``total`` exactly and each is within one unit of its exact share.

    >>> allocate_units(710, [5997, 1100])
    [600, 110]
    >>> allocate_units(100, [1, 1, 1])
    [34, 33, 33]
    """
    whole = sum(weights)
    if total < 0 or whole <= 0 or any(w < 0 for w in weights):
        raise ValidationError(
            obj="allocate_units",
            field="weights" if total >= 0 else "total",
            value=list(weights[:5]) if total >= 0 else total,
            expected="a total >= 0 and non-negative weights, not all 0",
        )
    floors: list[int] = []
    remainders: list[int] = []
    for weight in weights:
        share, rest = divmod(total * weight, whole)
        floors.append(share)
        remainders.append(rest)
    leftover = total - sum(floors)
    if leftover:
        order = sorted(range(len(floors)), key=lambda i: (-remainders[i], i))
        for index in order[:leftover]:
            floors[index] += 1
    return floors
