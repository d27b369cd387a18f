"""``plot_clv_distribution`` over plain amounts (a list, ``array('d')``, numpy) with a currency."""

from __future__ import annotations

from array import array

import matplotlib
import numpy as np
import pytest

from crmcore.errors import ValidationError
from crmcore.money import Money
from crmcore.plot import plot_clv_distribution
from crmcore.report import figure_svg


def test_amounts_draw_the_chart_of_the_money_values_in_any_order() -> None:
    money = [Money(100, "USD"), Money(20, "USD"), Money(10, "USD")]
    with matplotlib.rc_context({"svg.hashsalt": "crmcore-test"}):
        expected = figure_svg(plot_clv_distribution(money, bins=3))
        for amounts in ([10.0, 100.0, 20.0], array("d", [20, 10, 100]), np.array([100, 10, 20.0])):
            figure = plot_clv_distribution(amounts, bins=3, currency="USD")
            # bins [10, 40), [40, 70), [70, 100]: 10 and 20, none, 100; mean 130 / 3
            assert [p.get_height() for p in figure.axes[0].patches] == [2, 0, 1]
            assert figure_svg(figure) == expected


def test_amounts_are_refused_when_not_finite_numbers() -> None:
    for values, field in (
        ([], "values"),
        ("12", "values"),
        ([1.0, float("nan")], r"values\[1\]"),
        ([1.0, True], r"values\[1\]"),
        ([Money(1, "USD")], r"values\[0\]"),
    ):
        with pytest.raises(ValidationError, match=field):
            plot_clv_distribution(values, currency="USD")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="currency"):
        plot_clv_distribution([1.0], currency="XXY")
