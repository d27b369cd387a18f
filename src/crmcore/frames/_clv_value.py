"""CLV predictions over a summary frame (private; see ``crmcore.frames``)."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from crmcore import _checks as check
from crmcore._backend import Backend, resolve_backend
from crmcore.clv import BetaGeoModel, GammaGammaModel, ParetoNbdModel, rounded_amounts
from crmcore.errors import ValidationError
from crmcore.frames._clv import customers_of
from crmcore.frames._common import (
    MoneyDtype,
    decimal_cell,
    money_kind,
    pandas,
    require_columns,
    require_frame,
)
from crmcore.money import Money

__all__ = ["predict_clv_frame"]

_OBJ = "predict_clv_frame"


def _expected(
    model: BetaGeoModel | ParetoNbdModel, frame: Any, times: list[float], engine: Backend
) -> tuple[Any, list[Any]]:
    """P(alive) and E[Y(t)] for each t, as float64 arrays (columns for BG/NBD + numpy)."""
    import numpy as np  # noqa: PLC0415  (pandas brings numpy)

    if isinstance(model, BetaGeoModel):
        x = frame["frequency"].to_numpy(dtype="float64")
        t_x = frame["recency"].to_numpy(dtype="float64")
        age = frame["age"].to_numpy(dtype="float64")
        if engine == "python":
            x, t_x, age = x.tolist(), t_x.tolist(), age.tolist()
        alive: Any = np.asarray(
            model.probability_alive_columns(x, t_x, age, backend=engine), dtype="float64"
        )
        by_time: list[Any] = [
            np.asarray(
                model.conditional_expected_transactions_columns(t, x, t_x, age, backend=engine),
                dtype="float64",
            )
            for t in times
        ]
        return alive, by_time
    rows = customers_of(frame, obj=_OBJ)
    alive = np.asarray([model.probability_alive(c) for c in rows], dtype="float64")
    by_time = [
        np.asarray([model.conditional_expected_transactions(c, t) for c in rows], dtype="float64")
        for t in times
    ]
    return alive, by_time


def _bg_numpy(
    model: BetaGeoModel, frame: Any, horizon: int, step: float, d: float
) -> tuple[Any, Any, Any]:
    """P(alive), E[Y(horizon·step)] and the discounted sum, by whole arrays (no per-row Python)."""
    import numpy as np  # noqa: PLC0415  (pandas brings numpy)

    columns = [frame[n].to_numpy(dtype="float64") for n in ("frequency", "recency", "age")]
    alive = np.asarray(model.probability_alive_columns(*columns, backend="numpy"))
    total, discounted = model.discounted_expected_transactions_columns(
        *columns, horizon=horizon, step=step, discount_rate=d
    )
    return alive, total, discounted


def _spend(spend: GammaGammaModel, frame: Any) -> Any:
    """E[Z | x, m̄] = p(γ + x·m̄)/(px + q − 1) per row (Fader & Hardie 2013, eq. 5), as floats."""
    import numpy as np  # noqa: PLC0415

    x = frame["frequency"].to_numpy(dtype="float64")
    means = frame["monetary_value"]
    if means.dtype == object:
        m = np.asarray(
            [float(decimal_cell(v, obj=_OBJ, field="monetary_value") or 0) for v in means.tolist()]
        )
    else:
        m = means.to_numpy(dtype="float64", na_value=0.0)
    value = spend.p * (spend.gamma + x * m) / (spend.p * x + spend.q - 1.0)
    return np.where(x == 0, spend.mean_spend() if spend.q > 1 else math.inf, value)


def _check_options(horizon: int, step: float, margin: object) -> Decimal:
    if not isinstance(horizon, int) or isinstance(horizon, bool) or horizon < 1:
        raise ValidationError(obj=_OBJ, field="horizon", value=horizon, expected="an int >= 1")
    if isinstance(step, bool) or not isinstance(step, (int, float)) or not step > 0:
        raise ValidationError(obj=_OBJ, field="step", value=step, expected="a number > 0")
    m = decimal_cell(margin, obj=_OBJ, field="margin")
    if m is None:
        raise ValidationError(obj=_OBJ, field="margin", value=margin, expected="a number")
    return m


def predict_clv_frame(
    frame: Any,
    purchases: BetaGeoModel | ParetoNbdModel,
    spend: GammaGammaModel | None = None,
    *,
    horizon: int,
    step: float = 1.0,
    discount_rate: object = 0,
    margin: object = 1,
    currency: str | None = None,
    money: MoneyDtype = "decimal",
    backend: Backend = "auto",
) -> Any:
    """P(alive), expected purchases over the horizon and, with ``spend``, CLV per customer row.

    ``frame`` is a summary frame (``frequency``, ``recency``, ``age`` and,
    for CLV, ``monetary_value``; any other columns are ignored) in any
    order, e.g. one partition of a distributed table. Columns out (on the
    frame's index): ``probability_alive`` and ``expected_transactions``
    (float64; expected purchases in the next ``horizon · step``), and with
    ``spend``: ``expected_spend`` (float64) and ``clv``, exact Decimal
    rounded to ``currency`` as :func:`crmcore.clv.customer_lifetime_values`
    gives it (``money="decimal"``) or its unrounded float64
    (``money="float"``). With ``backend="python"`` (and for Pareto/NBD)
    the numbers are that function's, customer by customer; with BG/NBD on
    numpy (``"auto"``) the horizon runs by whole arrays
    (:meth:`~crmcore.clv.BetaGeoModel.discounted_expected_transactions_columns`)
    and agrees within 1e-12 relative (a CLV may then differ by one minor
    unit where the exact value sits on a rounding half).
    """
    require_frame(frame, obj=_OBJ)
    require_columns(frame, ["frequency", "recency", "age"], obj=_OBJ)
    kind = money_kind(money, obj=_OBJ)
    m = _check_options(horizon, step, margin)
    d = float(check.require_rate(discount_rate, obj=_OBJ, field="discount_rate"))
    engine = resolve_backend(backend, obj=_OBJ)
    pd = pandas(_OBJ)
    if engine == "numpy" and isinstance(purchases, BetaGeoModel):
        alive, previous, discounted = _bg_numpy(purchases, frame, horizon, float(step), d)
    else:
        alive, cumulative = _expected(
            purchases, frame, [k * step for k in range(1, horizon + 1)], engine
        )
        previous = cumulative[0] * 0.0
        discounted = cumulative[0] * 0.0
        for k, current in enumerate(cumulative, start=1):
            discounted = discounted + (current - previous) / (1.0 + d) ** k
            previous = current
    out: dict[str, Any] = {"probability_alive": alive, "expected_transactions": previous}
    if spend is not None:
        require_columns(frame, ["monetary_value"], obj=_OBJ)
        if currency is None:
            raise ValidationError(
                obj=_OBJ, field="currency", value=None, expected="a currency code"
            )
        Money.zero(currency)
        value = _spend(spend, frame)
        out["expected_spend"] = value
        raw = value * discounted
        if kind == "float":
            out["clv"] = raw * float(m)
        else:
            out["clv"] = pd.array(rounded_amounts(raw.tolist(), currency, margin=m), dtype=object)
    return pd.DataFrame(out, index=frame.index)
