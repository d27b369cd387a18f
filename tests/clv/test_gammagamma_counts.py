"""Gamma-Gamma from weighted (x, m̄) counts: exactly the fit of the customers they count."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from crmcore.clv import CustomerSummary, GammaGammaModel, spend_customers
from crmcore.errors import CrmError, ValidationError
from tests.clv.conftest import needs_cdnow
from tests.strategies.clv import customer_summaries


def pairs_of(customers: list[CustomerSummary]) -> tuple[list[int], list[float], list[int]]:
    """What a GROUP BY x, m̄ with COUNT(*) hands over (one-time buyers included)."""
    groups = Counter((c.frequency, float(c.monetary_value)) for c in customers)
    return [k[0] for k in groups], [k[1] for k in groups], list(groups.values())


@needs_cdnow
def test_fit_counts_is_the_fit_of_the_cdnow_customers(
    cdnow_summary: list[CustomerSummary],
) -> None:
    x, m, weight = pairs_of(cdnow_summary)
    assert len(x) < len(cdnow_summary)  # the group-by shrinks the data
    # a repeated row adds its weight, a zero weight drops a row: the same sufficient data
    x, m, weight = x + x[:3] + [4], m + m[:3] + [0.0], [*weight, 0, 0, 0, 0]
    by_counts = GammaGammaModel.fit_counts(np.array(x), np.array(m), np.array(weight))
    by_customers = GammaGammaModel.fit(cdnow_summary)
    assert by_counts == by_customers
    # Fader & Hardie (2013): p = 6.25, q = 3.74 on the 946 CDNOW repeat buyers
    assert by_counts.n_customers == 946
    assert (round(by_counts.model.p, 2), round(by_counts.model.q, 2)) == (6.25, 3.74)


@settings(max_examples=25, deadline=None)
@given(st.lists(customer_summaries(), min_size=1, max_size=30))
def test_fit_counts_equals_the_fit_on_any_customers(customers: list[CustomerSummary]) -> None:
    buyers = spend_customers(customers)
    assume(buyers)
    x, m, weight = pairs_of(list(buyers))
    assert _outcome(GammaGammaModel.fit_counts, x, m, weight) == _outcome(
        GammaGammaModel.fit, buyers
    )


def _outcome(fit: Any, *args: Any) -> Any:
    """The fit, or the error it raised (a degenerate sample can overflow either way)."""
    try:
        return fit(*args)
    except CrmError as err:  # the same refusal; ``obj`` names the method called
        return type(err), err.field, err.value
    except (ArithmeticError, ValueError) as err:
        return type(err), str(err)


def test_fit_counts_skips_one_time_buyers_and_refuses_bad_rows() -> None:
    # one-time buyers (x = 0) carry no spend information, whatever their mean spend column says
    with_once = GammaGammaModel.fit_counts([0, 2, 3], [9.0, 30.0, 22.5], [40, 25, 15])
    without = GammaGammaModel.fit_counts([2, 3], [30.0, 22.5], [25, 15])
    assert with_once == without
    assert without.n_customers == 40
    with pytest.raises(ValidationError, match=r"mean_spend\[1\]"):
        GammaGammaModel.fit_counts([2, 1], [30.0, 0.0], [1, 1])  # a repeat buyer spent nothing
    with pytest.raises(ValidationError, match=r"weight\[0\]"):
        GammaGammaModel.fit_counts([2], [30.0], [-1])
    with pytest.raises(ValidationError, match=r"frequency\[0\]"):
        GammaGammaModel.fit_counts([1.5], [30.0], [1])
    with pytest.raises(ValidationError, match="one weight per row"):
        GammaGammaModel.fit_counts([2, 3], [30.0, 20.0], [1])
    with pytest.raises(ValidationError, match=r"GammaGammaModel\.fit_counts\.frequency"):
        GammaGammaModel.fit_counts([0, 2], [5.0, 30.0], [3, 0])  # nobody left to learn from
