"""The integer largest-remainder split behind Money.allocate and pricing's header shares."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore._allocation import allocate_units
from crmcore.errors import ValidationError


def hamilton_reference(total: int, weights: list[int]) -> list[int]:
    """Hamilton's method written from its definition with exact fractions."""
    whole = sum(weights)
    shares = [Fraction(total * w, whole) for w in weights]
    parts = [int(share) for share in shares]  # floor: shares are non-negative
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for index in by_remainder[: total - sum(parts)]:
        parts[index] += 1
    return parts


@given(st.lists(st.integers(0, 10**9), min_size=1, max_size=40), st.integers(0, 10**8))
@settings(max_examples=200)
def test_matches_the_definition_and_conserves_the_total(weights: list[int], total: int) -> None:
    if not any(weights):
        weights = [*weights, 1]
    parts = allocate_units(total, weights)
    assert parts == hamilton_reference(total, weights)
    assert sum(parts) == total
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(total * weight, whole)) < 1


def test_hand_checked_splits() -> None:
    # 100 over three equal weights: 33 each and one left over, to the first part.
    assert allocate_units(100, [1, 1, 1]) == [34, 33, 33]
    # 710 over 5997:1100: exact shares 599.957... and 110.042..., floors 599 + 110 = 709;
    # the leftover unit goes to the larger remainder (0.957), so 600 and 110.
    assert allocate_units(710, [5997, 1100]) == [600, 110]
    # A zero weight gets nothing, even when remainders are left.
    assert allocate_units(5, [0, 1, 1]) == [0, 3, 2]


@pytest.mark.parametrize(("total", "weights"), [(-1, [1]), (10, [0, 0]), (10, [1, -1]), (10, [])])
def test_refuses_bad_input(total: int, weights: list[int]) -> None:
    with pytest.raises(ValidationError):
        allocate_units(total, weights)
