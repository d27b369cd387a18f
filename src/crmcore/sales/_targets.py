"""Targets and attainment per owner, team and sub-period (private; see ``crmcore.sales``).

A target (Dynamics 365 goal; ERPNext target with a Monthly Distribution) is
an amount of a metric over ``[start, end)``, optionally distributed over
sub-periods by percentages that sum to exactly 100; the parts are allocated
exactly (largest remainder, :meth:`Money.allocate`), so they add up to the
whole. ``attainment`` reports target, stretch, actual, in progress (open
weighted pipeline), variance (actual − target) and percentage (actual ÷
target × 100) per owner and sub-period; a team's row is the sum of its
members' rows (its target too, unless the team has a target of its own).
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, tzinfo
from decimal import Decimal

import attrs

from crmcore import _checks as check
from crmcore._allocation import allocate_units
from crmcore.calendars import CalendarPeriod, PeriodUnit, period_grid
from crmcore.errors import ValidationError
from crmcore.models import Activity, ActivityKind, ActivityStatus, Opportunity, OpportunityStatus
from crmcore.money import Money, currency_places, is_currency, to_decimal
from crmcore.pricing import ExchangeRates
from crmcore.sales._common import (
    CurrencyBook,
    TeamHierarchy,
    checked_list,
    opportunity_list,
    percent,
)


class TargetMetric(enum.StrEnum):
    """What a target counts."""

    WON_REVENUE = "won_revenue"
    WON_COUNT = "won_count"
    NEW_CUSTOMERS = "new_customers"
    """Won deals with an account that had no earlier won deal."""
    ACTIVITIES = "activities"
    """Completed activities of ``activity_kind`` (any kind when None)."""
    CUSTOM = "custom"
    """A caller-defined metric named by ``custom_metric``."""


def _distribution(value: Iterable[object]) -> tuple[Decimal, ...]:
    return tuple(check_decimal(v, f"distribution[{i}]") for i, v in enumerate(value))


def check_decimal(value: object, field: str) -> Decimal:
    """A finite decimal >= 0, or ValidationError on ``SalesTarget.<field>``."""
    amount = to_decimal(value, obj="SalesTarget", field=field)
    if amount < 0:
        raise ValidationError(obj="SalesTarget", field=field, value=value, expected="a number >= 0")
    return amount


def _amount(value: object) -> Decimal:
    return check_decimal(value, "amount")


def _optional_unit(value: object) -> PeriodUnit | None:
    return None if value is None else PeriodUnit.parse(value)


def _optional_amount(value: object) -> Decimal | None:
    return None if value is None else check_decimal(value, "stretch")


@attrs.frozen(kw_only=True)
class SalesTarget:
    """A target for one owner (a salesperson or a team) over ``[start, end)``.

    ``amount`` is in ``currency`` for won revenue, a count otherwise.
    ``sub_unit`` cuts the span into sub-periods (which must tile it);
    ``distribution`` gives each one's percentage (default: equal shares).

    >>> t = SalesTarget(owner="sara", metric="won_revenue", amount=100, currency="IRR",
    ...                 start=date(2026, 3, 21), end=date(2026, 6, 22), sub_unit="jalali_month",
    ...                 distribution=["33.33", "33.33", "33.34"])
    >>> [(p.label, str(v)) for p, v in t.allocation()]
    [('1405-01', '33'), ('1405-02', '33'), ('1405-03', '34')]
    """

    owner: str = attrs.field(validator=check.text(max_length=200))
    metric: TargetMetric = attrs.field(converter=TargetMetric)
    amount: Decimal = attrs.field(converter=_amount)
    start: date = attrs.field(validator=check.instance_of(date))
    end: date = attrs.field(validator=check.instance_of(date))
    currency: str | None = attrs.field(default=None)
    sub_unit: PeriodUnit | None = attrs.field(default=None, converter=_optional_unit)
    distribution: tuple[Decimal, ...] = attrs.field(default=(), converter=_distribution)
    """Percentages per sub-period, summing to exactly 100."""
    stretch: Decimal | None = attrs.field(default=None, converter=_optional_amount)
    activity_kind: ActivityKind | None = attrs.field(
        default=None, converter=attrs.converters.optional(ActivityKind)
    )
    custom_metric: str | None = attrs.field(default=None, validator=check.text(optional=True))

    def __attrs_post_init__(self) -> None:
        if self.end <= self.start:
            raise ValidationError(
                obj="SalesTarget",
                field="end",
                value=self.end,
                expected=f"a date after {self.start}",
            )
        money = self.metric is TargetMetric.WON_REVENUE
        if money != (self.currency is not None) or (money and not is_currency(str(self.currency))):
            raise ValidationError(
                obj="SalesTarget",
                field="currency",
                value=self.currency,
                expected="an ISO 4217 code for won revenue, None for counts",
            )
        places = currency_places(str(self.currency)) if money else 0
        for name, value in (("amount", self.amount), ("stretch", self.stretch)):
            if value is not None and value != round(value, places):
                raise ValidationError(
                    obj="SalesTarget",
                    field=name,
                    value=value,
                    expected=f"a multiple of 10^-{places} ({self.currency or 'a whole count'})",
                )
        if self.metric is TargetMetric.CUSTOM and not self.custom_metric:
            raise ValidationError(
                obj="SalesTarget", field="custom_metric", value=None, expected="a metric name"
            )
        self._check_distribution()

    def _check_distribution(self) -> None:
        if not self.distribution:
            return
        total = sum(self.distribution, Decimal(0))
        if total != 100:
            raise ValidationError(
                obj="SalesTarget",
                field="distribution",
                value=str(total),
                expected="percentages that sum to exactly 100",
            )
        count = len(self.sub_periods())
        if len(self.distribution) != count:
            raise ValidationError(
                obj="SalesTarget",
                field="distribution",
                value=len(self.distribution),
                expected=f"one percentage per sub-period ({count})",
            )

    def sub_periods(self) -> tuple[CalendarPeriod, ...]:
        """The sub-periods (empty without ``sub_unit``); they must tile ``[start, end)``."""
        if self.sub_unit is None:
            return ()
        grid = period_grid(self.start, self.end, self.sub_unit)
        if grid[0].start != self.start or grid[-1].end != self.end:
            raise ValidationError(
                obj="SalesTarget",
                field="start",
                value=f"{self.start}..{self.end}",
                expected=f"a span made of whole {self.sub_unit.value} periods",
            )
        return grid

    def _split(self, whole: Decimal) -> list[Decimal]:
        periods = self.sub_periods()
        weights = list(self.distribution) or [Decimal(1)] * len(periods)
        if self.currency is not None:
            return [m.amount for m in Money(whole, self.currency).allocate(weights)]
        scale = 10 ** max((-w.as_tuple().exponent for w in weights), default=0)  # type: ignore[operator]
        return [Decimal(u) for u in allocate_units(int(whole), [int(w * scale) for w in weights])]

    def allocation(self) -> tuple[tuple[CalendarPeriod, Decimal], ...]:
        """Each sub-period's share of ``amount``, allocated exactly (largest remainder)."""
        periods = self.sub_periods()
        if not periods:
            return ()
        return tuple(zip(periods, self._split(self.amount), strict=True))

    def stretch_allocation(self) -> tuple[Decimal, ...]:
        """Each sub-period's share of ``stretch`` (empty without one)."""
        if self.stretch is None or not self.sub_periods():
            return ()
        return tuple(self._split(self.stretch))


@attrs.frozen
class AttainmentRow:
    """One owner's target against actual in one period (``period`` ``total`` for the whole span)."""

    owner: str
    metric: TargetMetric
    period: str
    start: date
    end: date
    unit: str
    """The currency of money figures, or ``count``."""
    target: Decimal
    stretch: Decimal | None
    actual: Decimal
    in_progress: Decimal
    variance: Decimal
    percentage: Decimal | None
    team: bool


@attrs.frozen
class Attainment:
    """Targets against actuals, one row per owner and period, members then teams."""

    rows: tuple[AttainmentRow, ...]

    def explain(self) -> tuple[str, ...]:
        """How each figure is defined."""
        return (
            "target: the amount, or its exact share of a sub-period (largest remainder)",
            "actual: won revenue (actual revenue) / won deals / new customers by close date,"
            " completed activities by completion date, or the caller's metric",
            "split credit: a deal's revenue allocated exactly by the split percentages",
            "in progress: open deals closing in the period, weighted by probability",
            "variance = actual − target; percentage = actual ÷ target × 100",
            "team rows: the sum of their members' rows (a team's own target replaces the sum)",
        )


CustomMetric = Callable[[str, date, date], Decimal | int]
"""(owner, start, end) → the owner's actual in ``[start, end)``."""

Splits = Mapping[str, Mapping[str, Decimal | int | str]]
"""Opportunity id → {owner: percentage}, each summing to 100."""


@attrs.frozen
class _Deal:
    """Credit for one owner from one deal."""

    owner: str
    day: date
    revenue: Decimal
    share: Decimal
    won: bool
    new_customer: bool
    weighted: Decimal


def _shares(opp: Opportunity, splits: Splits) -> list[tuple[str, Decimal]]:
    split = splits.get(str(opp.id))
    if split is None:
        return [(str(opp.owner), Decimal(1))] if opp.owner is not None else []
    pcts = {o: check_decimal(p, f"splits[{opp.id!s}][{o}]") for o, p in split.items()}
    if sum(pcts.values(), Decimal(0)) != 100:
        raise ValidationError(
            obj="attainment",
            field=f"splits[{opp.id!s}]",
            value=str(sum(pcts.values(), Decimal(0))),
            expected="percentages that sum to exactly 100",
        )
    return [(o, p / 100) for o, p in sorted(pcts.items())]


def _credit(
    opp: Opportunity, splits: Splits, book: CurrencyBook, first_win: set[str]
) -> list[_Deal]:
    shares = _shares(opp, splits)
    if not shares or opp.status is OpportunityStatus.LOST:
        return []
    won = opp.status is OpportunityStatus.WON
    day = opp.actual_close_date if won else opp.estimated_close_date
    money = opp.actual_revenue if won else opp.estimated_revenue
    if day is None:
        return []
    total = (
        Decimal(0)
        if money is None
        else book.amount(money, obj="attainment", field=f"{opp.id}.revenue")
    )
    parts = Money(total, book.currency).round().allocate([s for _, s in shares])
    new = won and opp.account_id is not None and str(opp.id) in first_win
    return [
        _Deal(owner, day, part.amount, share, won, new, part.amount * opp.probability / 100)
        for (owner, share), part in zip(shares, parts, strict=True)
    ]


def _first_wins(opportunities: list[Opportunity]) -> set[str]:
    """The ids of each account's first won deal (earliest close date, then id)."""
    first: dict[str, tuple[date, str]] = {}
    for opp in opportunities:
        if opp.status is OpportunityStatus.WON and opp.account_id and opp.actual_close_date:
            key = (opp.actual_close_date, str(opp.id))
            account = str(opp.account_id)
            if account not in first or key < first[account]:
                first[account] = key
    return {oid for _, oid in first.values()}


class _Actuals:
    """Actuals per owner from the records, for any span."""

    def __init__(
        self,
        deals: list[_Deal],
        activities: Iterable[Activity],
        custom: Mapping[str, CustomMetric],
        zone: tzinfo,
    ) -> None:
        self.deals: dict[str, list[_Deal]] = defaultdict(list)
        for deal in deals:
            self.deals[deal.owner].append(deal)
        # completed activities counted per owner, local day and kind (read once, not held)
        self.activities: dict[str, dict[tuple[date, ActivityKind], int]] = defaultdict(dict)
        for act in activities:
            if act.status is ActivityStatus.COMPLETED and act.owner and act.done_at:
                counts = self.activities[str(act.owner)]
                key = (act.done_at.astimezone(zone).date(), act.kind)
                counts[key] = counts.get(key, 0) + 1
        self.custom = custom

    def actual(
        self, target: SalesTarget, owner: str, start: date, end: date
    ) -> tuple[Decimal, Decimal]:
        """(actual, in progress) of ``owner`` in ``[start, end)``."""
        metric = target.metric
        if metric is TargetMetric.ACTIVITIES:
            kind = target.activity_kind
            return Decimal(
                sum(
                    n
                    for (d, k), n in self.activities[owner].items()
                    if start <= d < end and kind in (None, k)
                )
            ), Decimal(0)
        if metric is TargetMetric.CUSTOM:
            fn = self.custom.get(str(target.custom_metric))
            if fn is None:
                raise ValidationError(
                    obj="attainment",
                    field="custom_metrics",
                    value=target.custom_metric,
                    expected="a function for every custom metric a target names",
                )
            return Decimal(fn(owner, start, end)), Decimal(0)
        deals = [d for d in self.deals[owner] if start <= d.day < end]
        won = [d for d in deals if d.won]
        if metric is TargetMetric.WON_REVENUE:
            return sum((d.revenue for d in won), Decimal(0)), sum(
                (d.weighted for d in deals if not d.won), Decimal(0)
            )
        if metric is TargetMetric.WON_COUNT:
            return sum((d.share for d in won), Decimal(0)), sum(
                (d.share for d in deals if not d.won), Decimal(0)
            )
        return sum((d.share for d in won if d.new_customer), Decimal(0)), Decimal(0)


def attainment(
    targets: Iterable[SalesTarget],
    *,
    opportunities: Iterable[Opportunity] = (),
    activities: Iterable[Activity] = (),
    teams: TeamHierarchy | None = None,
    splits: Splits | None = None,
    custom_metrics: Mapping[str, CustomMetric] | None = None,
    rates: ExchangeRates | None = None,
    zone: tzinfo = UTC,
) -> Attainment:
    """Target vs actual per owner and sub-period, with team roll-ups.

    A salesperson's actual comes from the records they own (or their split
    share); a team's rows are the sums of its members' rows for every
    metric and period the members have targets for.
    """
    target_list = checked_list(targets, SalesTarget, obj="attainment", field="targets")
    opps = opportunity_list(opportunities, obj="attainment")
    book_currency = next((t.currency for t in target_list if t.currency), "IRR")
    book = CurrencyBook(book_currency, rates, max((t.start for t in target_list), default=None))
    firsts = _first_wins(opps)
    deals = [d for o in opps for d in _credit(o, splits or {}, book, firsts)]
    acts = checked_list(activities, Activity, obj="attainment", field="activities")
    actuals = _Actuals(deals, acts, custom_metrics or {}, zone)
    own: list[AttainmentRow] = []
    team_targets: list[SalesTarget] = []
    for target in target_list:
        if teams is not None and target.owner in teams.teams:
            team_targets.append(target)
            continue
        if teams is not None:
            teams.chain(target.owner, obj="attainment", field=f"targets[{target.owner}].owner")
        own.extend(_rows(target, actuals))
    return Attainment(tuple(own) + _roll_up(own, team_targets, teams))


def _row(
    target: SalesTarget,
    label: str,
    start: date,
    end: date,
    values: tuple[Decimal, Decimal | None, Decimal, Decimal],
) -> AttainmentRow:
    goal, stretch, actual, progress = values
    return AttainmentRow(
        owner=target.owner,
        metric=target.metric,
        period=label,
        start=start,
        end=end,
        unit=target.currency or "count",
        target=goal,
        stretch=stretch,
        actual=actual,
        in_progress=progress,
        variance=actual - goal,
        percentage=percent(actual, goal),
        team=False,
    )


def _rows(target: SalesTarget, actuals: _Actuals) -> list[AttainmentRow]:
    owner = target.owner
    actual, progress = actuals.actual(target, owner, target.start, target.end)
    rows = [
        _row(
            target,
            "total",
            target.start,
            target.end,
            (target.amount, target.stretch, actual, progress),
        )
    ]
    stretches = target.stretch_allocation()
    for index, (period, goal) in enumerate(target.allocation()):
        actual, progress = actuals.actual(target, owner, period.start, period.end)
        stretch = stretches[index] if stretches else None
        rows.append(
            _row(target, period.label, period.start, period.end, (goal, stretch, actual, progress))
        )
    return rows


def _roll_up(
    rows: list[AttainmentRow], team_targets: list[SalesTarget], teams: TeamHierarchy | None
) -> tuple[AttainmentRow, ...]:
    if teams is None:
        return ()
    sums: dict[tuple[str, TargetMetric, str, date, date, str], list[AttainmentRow]] = defaultdict(
        list
    )
    for row in rows:
        for team in teams.chain(row.owner)[1:]:
            sums[(team, row.metric, row.period, row.start, row.end, row.unit)].append(row)
    own = {(t.owner, t.metric): t for t in team_targets}
    out = []
    for (team, metric, label, start, end, unit), members in sorted(
        sums.items(), key=lambda kv: (*kv[0][:2], kv[0][2] != "total", kv[0][3])
    ):
        target = sum((m.target for m in members), Decimal(0))
        explicit = own.get((team, metric))
        if explicit is not None and label == "total":
            target = explicit.amount
        actual = sum((m.actual for m in members), Decimal(0))
        progress = sum((m.in_progress for m in members), Decimal(0))
        stretches = [m.stretch for m in members if m.stretch is not None]
        out.append(
            AttainmentRow(
                owner=team,
                metric=metric,
                period=label,
                start=start,
                end=end,
                unit=unit,
                target=target,
                # A team's stretch only when every member has one: a partial sum misleads.
                stretch=sum(stretches, Decimal(0)) if len(stretches) == len(members) else None,
                actual=actual,
                in_progress=progress,
                variance=actual - target,
                percentage=percent(actual, target),
                team=True,
            )
        )
    return tuple(out)
