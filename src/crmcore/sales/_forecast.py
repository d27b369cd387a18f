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

import copy
import enum
from collections.abc import Callable, Iterable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore._checks import require_date
from crmcore.calendars import CalendarPeriod, PeriodUnit, period_of
from crmcore.errors import ValidationError
from crmcore.models import Opportunity, OpportunityStatus, SalesStage
from crmcore.money import Money
from crmcore.pricing import ExchangeRates
from crmcore.sales._calibration import StageWinRates
from crmcore.sales._common import (
    CurrencyBook,
    GroupBy,
    TeamHierarchy,
    grouper,
    infer_currency,
    opportunity_list,
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
    status = opp.status
    if status is not OpportunityStatus.OPEN:
        return ForecastCategory.WON if status is OpportunityStatus.WON else ForecastCategory.LOST
    explicit = opp.custom.get(CATEGORY_FIELD) if opp.custom else None
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
        "calibrated",
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
        self.committed = self.omitted = self.won = self.lost = self.calibrated = zero


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
    calibrated: Money | None = None
    """Σ estimated revenue × the stage's calibrated win rate (open deals), when rates are given."""

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
        calibrated = [r.calibrated.amount for r in self.rows if r.calibrated is not None]
        return ForecastRow(
            period=None,
            group="total",
            count=sum(r.count for r in self.rows),
            **{k: book.money(v) for k, v in acc.items()},
            calibrated=book.money(sum(calibrated, Decimal(0))) if calibrated else None,
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


_ZERO = Decimal(0)


def _converted(
    opp: Opportunity, money: Money, category: ForecastCategory, book: CurrencyBook
) -> Decimal:
    """``money`` in the reporting currency; a negative estimate is refused."""
    field = "actual_revenue" if category is ForecastCategory.WON else "estimated_revenue"
    amount = book.amount(money, obj="forecast", field=f"{opp.id}.{field}")
    if amount < 0:
        raise ValidationError(
            obj="forecast", field=f"{opp.id}.{field}", value=str(money), expected="an amount >= 0"
        )
    return amount


def _fold(
    acc: _Acc, category: ForecastCategory, p: int, count: int, total: Decimal, *, rate: Decimal
) -> None:
    acc.count += count
    if category is ForecastCategory.WON:
        acc.won += total
        return
    if category is ForecastCategory.LOST:
        acc.lost += total
        return
    acc.open += total
    acc.weighted += total * p
    acc.calibrated += total * rate
    if category is ForecastCategory.PIPELINE:
        acc.pipeline += total
    elif category is ForecastCategory.BEST_CASE:
        acc.best += total
    elif category is ForecastCategory.COMMITTED:
        acc.committed += total
    else:
        acc.omitted += total


_BY_VALUE = {c.value: c for c in ForecastCategory}

_OPEN_ORDER = (
    ForecastCategory.PIPELINE,
    ForecastCategory.BEST_CASE,
    ForecastCategory.COMMITTED,
    ForecastCategory.OMITTED,
)

_ALLOWED = {
    OpportunityStatus.OPEN: _OPEN_CATEGORIES,
    OpportunityStatus.WON: frozenset({ForecastCategory.WON}),
    OpportunityStatus.LOST: frozenset({ForecastCategory.LOST}),
}


def _check_category(value: object, opp: Opportunity) -> ForecastCategory:
    if isinstance(value, ForecastCategory) and value in _ALLOWED[opp.status]:
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
    win_rates: StageWinRates | None = None,
) -> Forecast:
    """Forecast figures per period of ``unit`` and per group (the per-record path).

    ``by``: ``"owner"``, ``"team"`` (every team above the owner in ``teams``
    gets the deal too, so a team's row is the sum of its members'), any
    field name, ``"custom.<key>"``, a function, or None. Amounts in other
    currencies are converted with ``rates`` on ``as_of``; without rates,
    mixed currencies are refused. With ``win_rates`` (from
    :func:`calibrate_stage_win_rates`) each row also has ``calibrated``:
    the open pipeline weighted by the stage's empirical win rate, beside the
    reps' ``weighted``.

    >>> from crmcore.models import OpportunityId, UserId
    >>> from crmcore.money import Money
    >>> opp = Opportunity(id=OpportunityId("o1"), name="x", owner=UserId("sara"),
    ...     probability=25, estimated_revenue=Money(1000, "IRR"),
    ...     estimated_close_date=date(2026, 4, 2))
    >>> row = forecast([opp], as_of=date(2026, 3, 1), unit="jalali_month").rows[0]
    >>> row.label, row.group, str(row.open), str(row.weighted), str(row.pipeline)
    ('1405-01', 'sara', '1000 IRR', '250 IRR', '1000 IRR')
    """
    tally = ForecastTally(
        as_of=as_of,
        unit=unit,
        by=by,
        teams=teams,
        currency=currency,
        rates=rates,
        rule=rule,
        win_rates=win_rates,
    )
    tally.add(opportunities)
    return tally.result()


_Key = tuple[date | None, str, str, int, str]


class ForecastTally:
    """:func:`forecast` a part at a time: partial sums that :meth:`add` grows and
    :meth:`merge` combines, and the :class:`Forecast` of everything at :meth:`result`.

    Memory is one entry per (period, group, category, probability, stage), not
    per opportunity, so a file of millions of deals can be read in chunks.
    Adding every chunk in order gives exactly ``forecast(all deals)``: the
    reporting currency is the one given, else the first amount's (found in
    the first chunk that has one). Two tallies with the same settings and
    the same reporting currency :meth:`merge` into the tally of both parts.

    >>> from crmcore.models import OpportunityId
    >>> from crmcore.money import Money
    >>> deals = [Opportunity(id=OpportunityId(f"o{i}"), name="x", probability=50,
    ...     estimated_revenue=Money(v, "IRR"), estimated_close_date=date(2026, 4, 2))
    ...     for i, v in enumerate([100, 300])]
    >>> first, second = ForecastTally(as_of=date(2026, 3, 1)), ForecastTally(as_of=date(2026, 3, 1))
    >>> first.add(deals[:1]); second.add(deals[1:])
    >>> row = first.merge(second).result().rows[0]
    >>> row.count, str(row.open), str(row.weighted)
    (2, '400 IRR', '200 IRR')
    """

    def __init__(
        self,
        *,
        as_of: date,
        unit: PeriodUnit | str = PeriodUnit.GREGORIAN_MONTH,
        by: GroupBy = "owner",
        teams: TeamHierarchy | None = None,
        currency: str | None = None,
        rates: ExchangeRates | None = None,
        rule: CategoryRule = forecast_category,
        win_rates: StageWinRates | None = None,
    ) -> None:
        require_date(as_of, obj="forecast", field="as_of")
        self.as_of = as_of
        self.grid = PeriodUnit.parse(unit)
        self._settings = (as_of, self.grid, by, teams, currency, rates, rule, win_rates)
        self.book = CurrencyBook(currency, rates, as_of) if currency is not None else None
        self._groups = grouper(by, teams, obj="forecast")
        self._rates = rates
        self._rule = rule
        self._win_rates = win_rates
        self._rate_of = _rates_by_stage(win_rates)
        self.count = 0
        self.sums: dict[_Key, list[Any]] = {}
        self.starts: dict[date | None, CalendarPeriod | None] = {None: None}

    def add(self, opportunities: Iterable[Opportunity]) -> None:
        """Count and sum more opportunities (those created after ``as_of`` are skipped)."""
        as_of = self.as_of
        records = [
            o
            for o in opportunity_list(opportunities, obj="forecast")
            if o.created_at is None or o.created_at.date() <= as_of
        ]
        if self.book is None:
            amounts = (o.estimated_revenue or o.actual_revenue for o in records)
            found = next((m for m in amounts if m is not None), None)
            if found is not None:
                self.book = CurrencyBook(found.currency, self._rates, as_of)
        # before any amount is seen every deal sums 0 in no currency: a placeholder book
        book = self.book or CurrencyBook("IRR", self._rates, as_of)
        _accumulate(
            records, self._rule, self.grid, self._groups, book, sums=self.sums, starts=self.starts
        )
        self.count += len(records)

    def merge(self, other: ForecastTally) -> ForecastTally:
        """A new tally of both parts (same settings; same reporting currency when both
        have seen an amount, else ValidationError: give ``currency=``)."""
        if not isinstance(other, ForecastTally) or other._settings != self._settings:
            raise ValidationError(
                obj="ForecastTally",
                field="other",
                value=type(other).__name__,
                expected="a ForecastTally with the same settings",
            )
        if self.book is not None and other.book is not None and self.book != other.book:
            raise ValidationError(
                obj="ForecastTally",
                field="currency",
                value=other.book.currency,
                expected=f"the same reporting currency ({self.book.currency}); pass currency=",
            )
        out = copy.copy(self)
        out.book = self.book or other.book
        out.count = self.count + other.count
        out.starts = {**self.starts, **other.starts}
        out.sums = {key: list(cell) for key, cell in self.sums.items()}
        for key, (count, total) in other.sums.items():
            cell = out.sums.get(key)
            if cell is None:
                out.sums[key] = [count, total]
            else:
                cell[0] += count
                cell[1] += total
        return out

    def result(self) -> Forecast:
        """The :class:`Forecast` of every opportunity added."""
        book = self.book or CurrencyBook(infer_currency((), None), self._rates, self.as_of)
        cells: dict[tuple[date | None, str], _Acc] = {}
        rate_of = self._rate_of
        for (start, group, key, p, stage), (count, total) in self.sums.items():
            acc = cells.get((start, group))
            if acc is None:
                acc = cells[(start, group)] = _Acc()
            _fold(acc, _BY_VALUE[key], p, count, total, rate=rate_of[stage])
        by_start = {p.start: p for p in self.starts.values() if p is not None}
        calibrated = self._win_rates is not None
        rows = [
            _row(by_start[start] if start is not None else None, group, acc, book, calibrated)
            for (start, group), acc in cells.items()
        ]
        rows.sort(
            key=lambda r: (r.period is None, r.period.start if r.period else date.min, r.group)
        )
        return Forecast(
            rows=tuple(rows),
            currency=book.currency,
            unit=self.grid,
            as_of=self.as_of,
            count=self.count,
        )


def _accumulate(
    records: list[Opportunity],
    rule: CategoryRule,
    grid: PeriodUnit,
    groups_of: Callable[[Opportunity], tuple[str, ...]],
    book: CurrencyBook,
    *,
    sums: dict[_Key, list[Any]],
    starts: dict[date | None, CalendarPeriod | None],
) -> None:
    """Count and sum every deal into (period start, group, category value, probability)."""
    # Hot loop: one Decimal add per deal into (period start, group, category, probability);
    # the weighted sums are folded in once per key afterwards (Σ_p p × Σ amount).
    # Keys hold the category's plain str value: hashing an Enum member runs Python code.
    open_status, won_status = OpportunityStatus.OPEN, OpportunityStatus.WON
    won, lost = ForecastCategory.WON, ForecastCategory.LOST
    currency = book.currency
    for opp in records:
        category = rule(opp)
        status = opp.status
        if status is open_status:
            if category not in _OPEN_ORDER:
                _check_category(category, opp)
            day = opp.estimated_close_date
        else:
            if category is not (won if status is won_status else lost):
                _check_category(category, opp)
            day = opp.actual_close_date
        if day not in starts:
            starts[day] = period_of(day, grid)  # type: ignore[arg-type]  # None is pre-seeded
        period = starts[day]
        start = period.start if period is not None else None
        money = opp.actual_revenue if category is won else opp.estimated_revenue
        if money is None:
            amount = _ZERO
        elif money.currency == currency and money.amount >= _ZERO:
            amount = money.amount
        else:
            amount = _converted(opp, money, category, book)
        key = category._value_
        p = opp.probability
        stage = opp.stage._value_
        for group in groups_of(opp):
            cell = sums.get((start, group, key, p, stage))
            if cell is None:
                sums[(start, group, key, p, stage)] = [1, amount]
            else:
                cell[0] += 1
                cell[1] += amount


def _rates_by_stage(win_rates: StageWinRates | None) -> dict[str, Decimal]:
    if win_rates is None:
        return {stage.value: _ZERO for stage in SalesStage}
    if not isinstance(win_rates, StageWinRates):
        raise ValidationError(
            obj="forecast", field="win_rates", value=win_rates, expected="StageWinRates or None"
        )
    return {stage.value: win_rates.rate(stage) for stage in SalesStage}


def _row(
    period: CalendarPeriod | None,
    group: str,
    acc: _Acc,
    book: CurrencyBook,
    calibrated: bool,
) -> ForecastRow:
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
        calibrated=money(acc.calibrated) if calibrated else None,
    )
