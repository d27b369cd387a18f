"""The private root isolator behind IRR and XIRR."""

from __future__ import annotations

import math

import pytest

from crmcore.roi._roots import exponential_sum_roots, sign_changes


def test_sign_changes() -> None:
    assert sign_changes([1, 0, -1, -2, 0, 3]) == 2
    assert sign_changes([0, 0]) == 0


def test_roots_of_a_product_of_exponential_factors() -> None:
    # (e^u − 2)(e^u − 3)(e^u − 5) = e^{3u} − 10e^{2u} + 31e^u − 30: roots ln 2, ln 3, ln 5
    roots = exponential_sum_roots([(-30.0, 0.0), (31.0, 1.0), (-10.0, 2.0), (1.0, 3.0)])
    assert roots == pytest.approx([math.log(2), math.log(3), math.log(5)], rel=1e-12)
