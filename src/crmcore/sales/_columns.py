"""The columnar forecast path: one column per field, exact integer money (private)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import attrs

from crmcore._backend import resolve_backend
from crmcore.calendars import PeriodUnit, period_of
from crmcore.errors import ValidationError
from crmcore.models import Opportunity
from crmcore.money import Money, currency_places
from crmcore.sales._common import GroupBy, TeamHierarchy, group_keys
from crmcore.sales._forecast import CategoryRule, ForecastCategory, forecast_category

_CATEGORIES = tuple(ForecastCategory)
_CODE = {c.value: i for i, c in enumerate(_CATEGORIES)}
_OPEN = (0, 1, 2, 3)  # pipeline, best case, committed, omitted
_WON, _LOST = 4, 5


def _same_length(instance: ForecastColumns, _attribute: object, _value: object) -> None:
    n = len(instance.amounts)
    for name in ("probabilities", "categories", "periods", "groups"):
        if len(getattr(instance, name)) != n:
            raise ValidationError(
                obj="ForecastColumns",
                field=name,
                value=len(getattr(instance, name)),
                expected=f"one value per amount ({n})",
            )


@attrs.frozen
class ForecastColumns:
    """Opportunities as columns, for a million at a time (or one partition of a cluster).

    ``amounts`` are integer minor units in ``currency`` (the actual revenue
    of won deals, the estimate of the others); ``categories`` are
    :class:`ForecastCategory` values; ``periods`` and ``groups`` are labels.
    """

    currency: str
    amounts: Sequence[int]
    probabilities: Sequence[int]
    categories: Sequence[str]
    periods: Sequence[str]
    groups: Sequence[str] = attrs.field(validator=_same_length)


@attrs.frozen
class ForecastCell:
    """One (period, group) cell of a columnar forecast."""

    period: str
    group: str
    count: int
    open: Money
    weighted: Money
    pipeline: Money
    best_case: Money
    committed: Money
    omitted: Money
    won: Money
    lost: Money


@attrs.frozen
class ColumnForecast:
    """The cells of :func:`forecast_columns`, sorted by period then group."""

    cells: tuple[ForecastCell, ...]
    backend: str
    """The backend that ran: ``"python"`` or ``"numpy"``."""

    def explain(self) -> tuple[str, ...]:
        """How the cells were derived."""
        return (
            f"{sum(c.count for c in self.cells)} rows summed per (period, group, category)"
            f" on the {self.backend} backend",
            "sums are integer minor units (exact); weighted = Σ amount × probability / 100,"
            " rounded half-even once per cell",
        )


def opportunity_columns(
    opportunities: Iterable[Opportunity],
    *,
    currency: str,
    unit: PeriodUnit | str = PeriodUnit.GREGORIAN_MONTH,
    by: GroupBy = "owner",
    teams: TeamHierarchy | None = None,
    rule: CategoryRule = forecast_category,
) -> ForecastColumns:
    """Opportunities (all in ``currency``) as :class:`ForecastColumns`, one row per group."""
    grid = PeriodUnit.parse(unit)
    amounts: list[int] = []
    probabilities: list[int] = []
    categories: list[str] = []
    periods: list[str] = []
    groups: list[str] = []
    for opp in opportunities:
        category = rule(opp)
        money = opp.actual_revenue if category is ForecastCategory.WON else opp.estimated_revenue
        if money is not None and money.currency != currency:
            raise ValidationError(
                obj="opportunity_columns",
                field=f"{opp.id}.estimated_revenue",
                value=str(money),
                expected=f"an amount in {currency}",
            )
        day = opp.estimated_close_date if opp.is_open else opp.actual_close_date
        label = period_of(day, grid).label if day is not None else "unscheduled"
        for group in group_keys(opp, by, teams, obj="opportunity_columns"):
            amounts.append(money.minor_units() if money is not None else 0)
            probabilities.append(opp.probability)
            categories.append(category.value)
            periods.append(label)
            groups.append(group)
    return ForecastColumns(currency, amounts, probabilities, categories, periods, groups)


def _codes(values: Sequence[str]) -> tuple[list[int], list[str]]:
    """Factorize: C-level passes only (dict.fromkeys, map), as they dominate at a million rows."""
    labels = list(dict.fromkeys(values))
    index = {label: code for code, label in enumerate(labels)}
    return list(map(index.__getitem__, values)), labels


def _category_codes(values: Sequence[str]) -> list[int]:
    try:
        return list(map(_CODE.__getitem__, values))
    except (KeyError, TypeError):
        bad = next(v for v in values if v not in _CODE)
        raise ValidationError(
            obj="ForecastColumns",
            field="categories",
            value=bad,
            expected="one of " + ", ".join(_CODE),
        ) from None


def _check_values(columns: ForecastColumns) -> None:
    for index, (amount, p) in enumerate(zip(columns.amounts, columns.probabilities, strict=True)):
        if not 0 <= p <= 100 or amount < 0:
            field, value = ("probabilities", p) if not 0 <= p <= 100 else ("amounts", amount)
            raise ValidationError(
                obj="ForecastColumns",
                field=f"{field}[{index}]",
                value=value,
                expected="a probability 0-100" if field == "probabilities" else "an amount >= 0",
            )


def forecast_columns(columns: ForecastColumns, *, backend: str = "auto") -> ColumnForecast:
    """Sum the forecast figures per (period, group): the columnar path.

    Equal to :func:`forecast` on the same opportunities in one currency.
    Bad probabilities (outside 0-100) or negative amounts are refused.

    >>> cols = ForecastColumns("IRR", [1000, 500], [25, 100], ["pipeline", "won"],
    ...                        ["1405-01", "1405-01"], ["sara", "sara"])
    >>> cell = forecast_columns(cols, backend="python").cells[0]
    >>> str(cell.open), str(cell.weighted), str(cell.won)
    ('1000 IRR', '250 IRR', '500 IRR')
    """
    engine = resolve_backend(backend, obj="forecast_columns")
    if not isinstance(columns, ForecastColumns):
        raise ValidationError(
            obj="forecast_columns", field="columns", value=columns, expected="ForecastColumns"
        )
    cats = _category_codes(columns.categories)
    pcodes, plabels = _codes(columns.periods)
    gcodes, glabels = _codes(columns.groups)
    if engine == "numpy":
        sums = _sums_numpy(pcodes, gcodes, cats, columns, len(glabels))
    else:
        _check_values(columns)
        width = len(glabels)
        keys = [p * width + g for p, g in zip(pcodes, gcodes, strict=True)]
        sums = _sums_python(keys, cats, columns, len(plabels) * width)
    return ColumnForecast(cells=_cells(sums, plabels, glabels, columns.currency), backend=engine)


def _sums_python(
    keys: list[int], cats: list[int], columns: ForecastColumns, cells: int
) -> list[list[int]]:
    # Per cell: count, 6 category sums, weighted (× 100).
    sums = [[0] * 8 for _ in range(cells)]
    for key, cat, amount, p in zip(keys, cats, columns.amounts, columns.probabilities, strict=True):
        row = sums[key]
        row[0] += 1
        row[1 + cat] += amount
        if cat < _WON:
            row[7] += amount * p
    return sums


def _exact_bincount(np: Any, keys: Any, values: Any, cells: int) -> list[int]:
    """Σ values per key in exact integers: float64 bincount on 26-bit halves."""
    lo = values & ((1 << 26) - 1)
    hi = values >> 26
    low = np.bincount(keys, weights=lo, minlength=cells).astype(np.int64)
    high = np.bincount(keys, weights=hi, minlength=cells).astype(np.int64)
    return [int(h) * (1 << 26) + int(lw) for h, lw in zip(high.tolist(), low.tolist(), strict=True)]


def _sums_numpy(
    pcodes: list[int], gcodes: list[int], cats: list[int], columns: ForecastColumns, width: int
) -> list[list[int]]:
    import numpy as np  # noqa: PLC0415 - optional accelerator

    k = np.asarray(pcodes, dtype=np.int64) * width + np.asarray(gcodes, dtype=np.int64)
    cells = (int(k.max()) + 1) if k.size else 0
    cells = max(cells, (max(pcodes, default=-1) + 1) * width)
    c = np.asarray(cats, dtype=np.int64)
    a = np.asarray(columns.amounts, dtype=np.int64)
    p = np.asarray(columns.probabilities, dtype=np.int64)
    bad_p = (p < 0) | (p > 100)
    if a.size and (bool(bad_p.any()) or int(a.min()) < 0):
        _check_values(columns)  # names the first bad row
    if a.size and int(a.max()) >= 1 << 52:
        keys = k.tolist()
        return _sums_python(keys, cats, columns, cells)  # beyond exact float halves
    wide = k * 6 + c
    counts = np.bincount(k, minlength=cells).tolist()
    by_cat = _exact_bincount(np, wide, a, cells * 6)
    open_mask = c < _WON
    weighted = _exact_bincount(np, k[open_mask], a[open_mask] * p[open_mask], cells)
    return [[counts[i], *by_cat[i * 6 : i * 6 + 6], weighted[i]] for i in range(cells)]


def _cells(
    sums: list[list[int]], plabels: list[str], glabels: list[str], currency: str
) -> tuple[ForecastCell, ...]:
    places = currency_places(currency)
    unit = Decimal(1).scaleb(-places)

    def money(units: int, scale: int = 1) -> Money:
        amount = (Decimal(units) / scale).scaleb(-places).quantize(unit, rounding=ROUND_HALF_EVEN)
        return Money(amount, currency)

    out = []
    width = len(glabels)
    for index, row in enumerate(sums):
        if not row[0]:
            continue
        out.append(
            ForecastCell(
                period=plabels[index // width],
                group=glabels[index % width],
                count=row[0],
                open=money(sum(row[1 + i] for i in _OPEN)),
                weighted=money(row[7], 100),
                pipeline=money(row[1]),
                best_case=money(row[2]),
                committed=money(row[3]),
                omitted=money(row[4]),
                won=money(row[1 + _WON]),
                lost=money(row[1 + _LOST]),
            )
        )
    out.sort(key=lambda cell: (cell.period, cell.group))
    return tuple(out)
