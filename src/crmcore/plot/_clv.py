"""Charts of customer lifetime value and of the BG/NBD P(alive) matrix (private)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence, Sized
from typing import TYPE_CHECKING

from crmcore.clv import BetaGeoFit, BetaGeoModel, CustomerLifetimeValue, CustomerSummary
from crmcore.errors import ValidationError
from crmcore.money import Money
from crmcore.plot._base import label, language, new_figure, number_text, persian_ticks, title

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["plot_clv_distribution", "plot_probability_alive_matrix", "probability_alive_matrix"]


def _clv_values(values: object) -> tuple[list[float], str]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence) or not values:
        raise ValidationError(
            obj="plot_clv_distribution",
            field="values",
            value=values,
            expected="a non-empty sequence of CustomerLifetimeValue or Money",
        )
    amounts: list[float] = []
    currencies: set[str] = set()
    for index, item in enumerate(values):
        money = item.clv if isinstance(item, CustomerLifetimeValue) else item
        if not isinstance(money, Money):
            raise ValidationError(
                obj="plot_clv_distribution",
                field=f"values[{index}]",
                value=item,
                expected="a CustomerLifetimeValue or Money",
            )
        currencies.add(money.currency)
        amounts.append(float(money.amount))
    if len(currencies) > 1:
        raise ValidationError(
            obj="plot_clv_distribution",
            field="values",
            value=sorted(currencies),
            expected="amounts in one currency",
        )
    return amounts, currencies.pop()


def _plain_amounts(values: object, currency: str) -> Sequence[float]:
    """Plain amounts (floats, ``array('d')``, a numpy array) of one ``currency``."""
    Money.zero(currency)  # refuses an unknown currency
    sized = isinstance(values, Sized) and isinstance(values, Iterable)
    if isinstance(values, (str, bytes)) or not sized or not len(values):  # type: ignore[arg-type]
        raise ValidationError(
            obj="plot_clv_distribution",
            field="values",
            value=values,
            expected="a non-empty sequence of amounts (numbers) with currency",
        )
    amounts: Sequence[float] = values  # type: ignore[assignment]  # a list, array or ndarray
    for index, amount in enumerate(amounts):
        if isinstance(amount, bool) or not isinstance(amount, (int, float)):
            bad = True
        else:
            bad = not math.isfinite(amount)
        if bad:
            raise ValidationError(
                obj="plot_clv_distribution",
                field=f"values[{index}]",
                value=amount,
                expected="a finite number",
            )
    return amounts


def plot_clv_distribution(
    values: Sequence[CustomerLifetimeValue | Money] | Sequence[float],
    *,
    bins: int = 20,
    locale: str = "en",
    currency: str | None = None,
) -> Figure:
    """Histogram of customers' lifetime values with the mean marked.

    ``values`` is what :func:`crmcore.clv.customer_lifetime_values` returns
    (or plain :class:`~crmcore.money.Money` amounts in one currency); with
    ``currency``, plain amounts instead (numbers: a list, an ``array('d')``
    or a numpy array, a few bytes a customer where a million customers are
    drawn). The bars (gid ``"clv"``) count every customer once; the mean is
    the vertical line with gid ``"mean"``. The chart is the same whichever
    order the values come in.
    """
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValidationError(
            obj="plot_clv_distribution", field="bins", value=bins, expected="an int >= 1"
        )
    lang = language(locale)
    amounts: Sequence[float]
    if currency is None:
        amounts, currency = _clv_values(values)
    else:
        amounts = _plain_amounts(values, currency)
    figure, axes = new_figure(lang)
    import numpy as np  # noqa: PLC0415 - matplotlib's own dependency, loaded with it

    # one float64 array: a list would be split into a 0-d array per value (~100 bytes each)
    data = np.asarray(amounts, dtype=float)
    axes.hist(data, bins=bins, color="#74c476", edgecolor="white", gid="clv")
    mean = math.fsum(amounts) / len(amounts)
    axes.axvline(
        mean,
        color="#006d2c",
        linestyle="--",
        gid="mean",
        label=label("mean", lang, value=number_text(mean, lang, 2)),
    )
    axes.set_xlabel(label("clv", lang, currency=currency))
    axes.set_ylabel(label("customers", lang))
    axes.legend(loc="upper right" if lang == "en" else "upper left", fontsize="small")
    title(axes, label("clv_title", lang), lang)
    return figure


def _model(model: BetaGeoModel | BetaGeoFit) -> BetaGeoModel:
    if isinstance(model, BetaGeoFit):
        return model.model
    if not isinstance(model, BetaGeoModel):
        raise ValidationError(
            obj="plot_probability_alive_matrix",
            field="model",
            value=model,
            expected="a BetaGeoModel or BetaGeoFit",
        )
    return model


def probability_alive_matrix(
    model: BetaGeoModel | BetaGeoFit,
    *,
    max_frequency: int,
    max_recency: int,
    age: float | None = None,
) -> tuple[tuple[float, ...], ...]:
    """P(alive) on the grid recency 0..max_recency (rows) × frequency 0..max_frequency (columns).

    Every cell is :meth:`BetaGeoModel.probability_alive` of a customer with
    that frequency and recency observed for ``age`` time units (default
    ``max_recency``), as ``lifetimes.plotting.plot_probability_alive_matrix``
    draws it. A customer with no repeat purchase (column 0) is alive with
    probability 1 whatever the row, as in the model.
    """
    fitted = _model(model)
    for name, value in (("max_frequency", max_frequency), ("max_recency", max_recency)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValidationError(
                obj="probability_alive_matrix", field=name, value=value, expected="an int >= 1"
            )
    horizon = float(max_recency) if age is None else age
    if isinstance(horizon, bool) or not isinstance(horizon, (int, float)) or horizon < max_recency:
        raise ValidationError(
            obj="probability_alive_matrix",
            field="age",
            value=age,
            expected=f"a number >= max_recency ({max_recency})",
        )
    rows = []
    for recency in range(max_recency + 1):
        row = [1.0]
        for frequency in range(1, max_frequency + 1):
            customer = CustomerSummary(
                "grid", frequency=frequency, recency=float(recency), age=float(horizon)
            )
            row.append(fitted.probability_alive(customer))
        rows.append(tuple(row))
    return tuple(rows)


def plot_probability_alive_matrix(
    model: BetaGeoModel | BetaGeoFit,
    *,
    max_frequency: int,
    max_recency: int,
    age: float | None = None,
    locale: str = "en",
) -> Figure:
    """Heat map of :func:`probability_alive_matrix` (recency up, frequency across).

    The image (gid ``"p_alive"``) holds the matrix itself: cell (row r,
    column x) is P(alive) of a customer with x repeat purchases, the last
    one at r. Recent, frequent buyers are likely alive; frequent buyers
    silent for long are not.
    """
    lang = language(locale)
    matrix = probability_alive_matrix(
        model, max_frequency=max_frequency, max_recency=max_recency, age=age
    )
    horizon = float(max_recency) if age is None else float(age)
    figure, axes = new_figure(lang, width=6.0, height=5.0)
    image = axes.imshow(
        [list(row) for row in matrix],
        origin="lower",
        aspect="auto",
        cmap="RdYlGn",
        vmin=0.0,
        vmax=1.0,
        interpolation="nearest",
    )
    image.set_gid("p_alive")
    bar = figure.colorbar(image, ax=axes)
    if lang == "fa":
        persian_ticks(bar.ax)
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415 - matplotlib is imported lazily

    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel(label("frequency", lang))
    axes.set_ylabel(label("recency", lang, age=number_text(horizon, lang, 1)))
    title(axes, label("alive_title", lang), lang)
    return figure
