"""Pipeline forecast per period and group (private; see ``crmcore.sales``).

Figures (Dynamics 365 forecast categories; Odoo's prorated revenue):

- open pipeline  = Σ estimated revenue of open opportunities
- weighted       = Σ estimated revenue × probability / 100 (open only)
- pipeline, best case, committed, omitted = Σ estimated revenue of the open
  opportunities in that category (they partition the open pipeline)
- won            = Σ actual revenue of won opportunities; lost = Σ estimated
  revenue of lost ones
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal

import attrs

from crmcore._checks import require_date
from crmcore.calendars import CalendarPeriod, PeriodUnit, period_of
from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityStatus, SalesStage
from crmcore.money import Money
from crmcore.pricing import ExchangeRates
from crmcore.sales._common import (
    CurrencyBook,
    GroupBy,
    TeamHierarchy,
    group_keys,
    infer_currency,
)

_HUNDRED = Decimal(100)


class ForecastCategory(enum.StrEnum):
    """Dynamics 365's forecast categories."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMITTED = "committed"
    OMITTED = "omitted"
    WON = "won"
    LOST = "lost"


CATEGORY_FIELD = "forecast_category"
"""The ``Opportunity.custom`` key that sets a category explicitly."""

_OPEN_CATEGORIES = frozenset(
    {
        ForecastCategory.PIPELINE,
        ForecastCategory.BEST_CASE,
        ForecastCategory.COMMITTED,
        ForecastCategory.OMITTED,
    }
)


def forecast_category(opp: Opportunity) -> ForecastCategory:
    """The default category rule; pass another function as ``rule=`` to replace it.

    1. won → ``won``, lost → ``lost`` (always: the outcome is a fact);
    2. an explicit ``custom["forecast_category"]`` (pipeline, best_case,
       committed or omitted) wins over the derived rule;
    3. probability 0 → ``omitted``; the ``close`` stage or probability ≥ 80
       → ``committed``; probability ≥ 40 → ``best_case``; else ``pipeline``.

    >>> from crmcore.models import OpportunityId
    >>> opp = Opportunity(id=OpportunityId("o1"), name="x", probability=60)
    >>> forecast_category(opp).value
    'best_case'
    >>> forecast_category(opp.edit(custom={"forecast_category": "committed"})).value
    'committed'
    """
    if opp.status is OpportunityStatus.WON:
        return ForecastCategory.WON
    if opp.status is OpportunityStatus.LOST:
        return ForecastCategory.LOST
    explicit = opp.custom.get(CATEGORY_FIELD)
    if explicit is not None:
        try:
            category = ForecastCategory(explicit)
        except ValueError:
            category = ForecastCategory.WON  # refused below with the accepted values
        if category not in _OPEN_CATEGORIES:
            raise ValidationError(
                obj="Opportunity",
                field=f"{opp.id}.custom[{CATEGORY_FIELD!r}]",
                value=explicit,
                expected="pipeline, best_case, committed or omitted for an open opportunity",
            )
        return category
    p = opp.probability
    if p == 0:
        return ForecastCategory.OMITTED
    if p >= 80 or opp.stage is SalesStage.CLOSE:
        return ForecastCategory.COMMITTED
    return ForecastCategory.BEST_CASE if p >= 40 else ForecastCategory.PIPELINE


CategoryRule = Callable[[Opportunity], ForecastCategory]


class _Acc:
    """Running sums of one (period, group) cell, in the reporting currency."""

    __slots__ = (
        "best",
        "committed",
        "count",
        "lost",
        "omitted",
        "open",
        "pipeline",
        "weighted",
        "won",
    )

    def __init__(self) -> None:
        zero = Decimal(0)
        self.count = 0
        self.open = self.weighted = self.pipeline = self.best = zero
        self.committed = self.omitted = self.won = self.lost = zero


@attrs.frozen
class ForecastRow:
    """The figures of one group in one period (``period`` None: no close date)."""

    period: CalendarPeriod | None
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

    @property
    def label(self) -> str:
        """The period's label, or ``unscheduled``."""
        return self.period.label if self.period is not None else "unscheduled"


@attrs.frozen
class Forecast:
    """A forecast grid: one row per (period, group) that has opportunities."""

    rows: tuple[ForecastRow, ...]
    currency: str
    unit: PeriodUnit
    as_of: date
    count: int
    """Opportunities counted (created by ``as_of``)."""

    def total(self) -> ForecastRow:
        """All rows summed (groups of a team chain count each deal once per level)."""
        acc = {f: Decimal(0) for f in _MONEY_FIELDS}
        for row in self.rows:
            for name in _MONEY_FIELDS:
                acc[name] += getattr(row, name).amount
        book = CurrencyBook(self.currency)
        return ForecastRow(
            period=None,
            group="total",
            count=sum(r.count for r in self.rows),
            **{k: book.money(v) for k, v in acc.items()},
        )

    def explain(self) -> tuple[str, ...]:
        """How the figures were derived, one line per step."""
        return (
            f"{self.count} opportunities created by {self.as_of.isoformat()},"
            f" in {self.currency}, cut into {self.unit.value} periods",
            "open deals fall in the period of their estimated close date, closed ones"
            " in the period of their actual close date",
            "open = Σ estimated revenue of open deals; weighted = Σ estimated revenue ×"
            " probability / 100 (Odoo's prorated revenue)",
            "pipeline, best case, committed and omitted partition the open pipeline by"
            " forecast category (Dynamics 365)",
            "won = Σ actual revenue; lost = Σ estimated revenue of lost deals",
            "sums are exact; each figure is rounded half-even to the currency's minor unit once",
        )


_MONEY_FIELDS = (
    "open",
    "weighted",
    "pipeline",
    "best_case",
    "committed",
    "omitted",
    "won",
    "lost",
)


def _add(acc: _Acc, category: ForecastCategory, opp: Opportunity, book: CurrencyBook) -> None:
    acc.count += 1
    if category is ForecastCategory.WON:
        revenue = opp.actual_revenue
        if revenue is not None:
            acc.won += book.amount(revenue, obj="forecast", field=f"{opp.id}.actual_revenue")
        return
    estimate = opp.estimated_revenue
    if estimate is None:
        return
    amount = book.amount(estimate, obj="forecast", field=f"{opp.id}.estimated_revenue")
    if amount < 0:
        raise ValidationError(
            obj="forecast",
            field=f"{opp.id}.estimated_revenue",
            value=str(estimate),
            expected="an amount >= 0",
        )
    if category is ForecastCategory.LOST:
        acc.lost += amount
        return
    acc.open += amount
    acc.weighted += amount * opp.probability
    if category is ForecastCategory.PIPELINE:
        acc.pipeline += amount
    elif category is ForecastCategory.BEST_CASE:
        acc.best += amount
    elif category is ForecastCategory.COMMITTED:
        acc.committed += amount
    else:
        acc.omitted += amount


def _check_category(value: object, opp: Opportunity) -> ForecastCategory:
    if isinstance(value, ForecastCategory):
        outcome = {OpportunityStatus.WON: "won", OpportunityStatus.LOST: "lost"}.get(opp.status)
        if outcome is None and value in _OPEN_CATEGORIES:
            return value
        if outcome == value.value:
            return value
    raise ValidationError(
        obj="forecast",
        field="rule",
        value=value,
        expected=f"a ForecastCategory that fits {opp.id}'s status ({opp.status.value})",
    )


def forecast(
    opportunities: Iterable[Opportunity],
    *,
    as_of: date,
    unit: PeriodUnit | str = PeriodUnit.GREGORIAN_MONTH,
    by: GroupBy = "owner",
    teams: TeamHierarchy | None = None,
    currency: str | None = None,
    rates: ExchangeRates | None = None,
    rule: CategoryRule = forecast_category,
) -> Forecast:
    """Forecast figures per period of ``unit`` and per group (the per-record path).

    ``by``: ``"owner"``, ``"team"`` (every team above the owner in ``teams``
    gets the deal too, so a team's row is the sum of its members'), any
    field name, ``"custom.<key>"``, a function, or None. Amounts in other
    currencies are converted with ``rates`` on ``as_of``; without rates,
    mixed currencies are refused.

    >>> from crmcore.models import OpportunityId, UserId
    >>> from crmcore.money import Money
    >>> opp = Opportunity(id=OpportunityId("o1"), name="x", owner=UserId("sara"),
    ...     probability=25, estimated_revenue=Money(1000, "IRR"),
    ...     estimated_close_date=date(2026, 4, 2))
    >>> row = forecast([opp], as_of=date(2026, 3, 1), unit="jalali_month").rows[0]
    >>> row.label, row.group, str(row.open), str(row.weighted), str(row.pipeline)
    ('1405-01', 'sara', '1000 IRR', '250 IRR', '1000 IRR')
    """
    require_date(as_of, obj="forecast", field="as_of")
    grid = PeriodUnit.parse(unit)
    records = [o for o in opportunities if _seen(o, as_of)]
    book = CurrencyBook(
        infer_currency((o.estimated_revenue or o.actual_revenue for o in records), currency),
        rates,
        as_of,
    )
    cells: dict[tuple[CalendarPeriod | None, str], _Acc] = {}
    for opp in records:
        category = _check_category(rule(opp), opp)
        day = opp.estimated_close_date if opp.is_open else opp.actual_close_date
        period = period_of(day, grid) if day is not None else None
        for group in group_keys(opp, by, teams, obj="forecast"):
            acc = cells.get((period, group))
            if acc is None:
                acc = cells[(period, group)] = _Acc()
            _add(acc, category, opp, book)
    rows = [_row(period, group, acc, book) for (period, group), acc in cells.items()]
    rows.sort(key=lambda r: (r.period is None, r.period.start if r.period else date.min, r.group))
    return Forecast(
        rows=tuple(rows), currency=book.currency, unit=grid, as_of=as_of, count=len(records)
    )


def _seen(opp: Opportunity, as_of: date) -> bool:
    return opp.created_at is None or opp.created_at.date() <= as_of


def _row(period: CalendarPeriod | None, group: str, acc: _Acc, book: CurrencyBook) -> ForecastRow:
    money = book.money
    return ForecastRow(
        period=period,
        group=group,
        count=acc.count,
        open=money(acc.open),
        weighted=money(acc.weighted / _HUNDRED),
        pipeline=money(acc.pipeline),
        best_case=money(acc.best),
        committed=money(acc.committed),
        omitted=money(acc.omitted),
        won=money(acc.won),
        lost=money(acc.lost),
    )
