"""Attainment a chunk of opportunities at a time (private; see ``crmcore.sales``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import UTC, date, tzinfo
from decimal import Decimal

from crmcore.errors import ValidationError
from crmcore.models import Activity, Opportunity, OpportunityStatus
from crmcore.pricing import ExchangeRates
from crmcore.sales._common import (
    CurrencyBook,
    TeamHierarchy,
    checked_iter,
    checked_list,
    opportunity_list,
)
from crmcore.sales._targets import (
    Attainment,
    AttainmentRow,
    CustomMetric,
    SalesTarget,
    Splits,
    TargetMetric,
    _Actuals,
    _credit,
    _roll_up,
    _rows,
)

_DEAL_METRICS = (TargetMetric.WON_REVENUE, TargetMetric.WON_COUNT, TargetMetric.NEW_CUSTOMERS)


class _Sums:
    """Partial sums of one (owner, span): won revenue and share, open weighted and share."""

    __slots__ = ("new_share", "open_share", "open_weighted", "won_revenue", "won_share")

    def __init__(self) -> None:
        self.won_revenue = Decimal(0)
        self.won_share = Decimal(0)
        self.open_weighted = Decimal(0)
        self.open_share = Decimal(0)
        self.new_share = Decimal(0)

    def plus(self, other: _Sums) -> None:
        self.won_revenue += other.won_revenue
        self.won_share += other.won_share
        self.open_weighted += other.open_weighted
        self.open_share += other.open_share


class _FirstWin:
    """An account's earliest won deal so far: (close date, id) and its credits."""

    __slots__ = ("credits", "key")

    def __init__(self, key: tuple[date, str], credits: list[tuple[str, date, Decimal]]) -> None:
        self.key = key
        self.credits = credits


Span = tuple[str, date, date]


class _SumActuals(_Actuals):
    def __init__(
        self,
        sums: Mapping[Span, _Sums],
        activities: Iterable[Activity],
        custom: Mapping[str, CustomMetric],
        zone: tzinfo,
    ) -> None:
        super().__init__([], activities, custom, zone)
        self.sums = sums

    def actual(
        self, target: SalesTarget, owner: str, start: date, end: date
    ) -> tuple[Decimal, Decimal]:
        if target.metric not in _DEAL_METRICS:
            return super().actual(target, owner, start, end)
        cell = self.sums.get((owner, start, end), _Sums())
        if target.metric is TargetMetric.WON_REVENUE:
            return cell.won_revenue, cell.open_weighted
        if target.metric is TargetMetric.WON_COUNT:
            return cell.won_share, cell.open_share
        return cell.new_share, Decimal(0)


class TargetTally:
    """:func:`attainment` over opportunities a chunk at a time.

    Holds, per (owner, span) of the targets, the sums of won revenue, won
    and open split shares and open weighted revenue, plus, per account, its
    earliest won deal so far (close date, id and the split credits: the
    new-customers metric). Memory grows with targets and accounts, not with
    deals; ``splits`` (keyed by deal id) is held as given. ``result()``
    equals :func:`attainment` on all the opportunities added or merged.

    >>> from crmcore.models import Opportunity, OpportunityId, UserId, AccountId
    >>> from crmcore.money import Money
    >>> t = SalesTarget(owner="sara", metric="new_customers", amount=2,
    ...                 start=date(2026, 1, 1), end=date(2027, 1, 1))
    >>> def won(i, day):
    ...     return Opportunity(id=OpportunityId(f"o{i}"), name="x", owner=UserId("sara"),
    ...         status="won", account_id=AccountId("acme"), actual_close_date=day,
    ...         actual_revenue=Money(10, "IRR"))
    >>> a, b = TargetTally([t]), TargetTally([t])
    >>> a.add([won(1, date(2026, 5, 1))]); b.add([won(2, date(2026, 2, 1))])
    >>> str(a.merge(b).result().rows[0].actual)  # one account: one new customer
    '1'
    """

    def __init__(
        self,
        targets: Iterable[SalesTarget],
        *,
        teams: TeamHierarchy | None = None,
        splits: Splits | None = None,
        custom_metrics: Mapping[str, CustomMetric] | None = None,
        rates: ExchangeRates | None = None,
        zone: tzinfo = UTC,
    ) -> None:
        self.targets = tuple(checked_list(targets, SalesTarget, obj="TargetTally", field="targets"))
        self.teams, self.splits, self.rates, self.zone = teams, splits or {}, rates, zone
        self.custom_metrics = custom_metrics or {}
        currency = next((t.currency for t in self.targets if t.currency), "IRR")
        self._book = CurrencyBook(
            currency, rates, max((t.start for t in self.targets), default=None)
        )
        self._spans: dict[str, set[tuple[date, date]]] = defaultdict(set)
        for target in self.targets:
            if target.metric in _DEAL_METRICS:
                self._spans[target.owner].add((target.start, target.end))
                self._spans[target.owner].update((p.start, p.end) for p in target.sub_periods())
        self._sums: dict[Span, _Sums] = defaultdict(_Sums)
        self._firsts: dict[str, _FirstWin] = {}

    def add(self, opportunities: Iterable[Opportunity]) -> None:
        """Count a chunk of opportunities."""
        for opp in opportunity_list(opportunities, obj="TargetTally"):
            deals = _credit(opp, self.splits, self._book, set())
            for deal in deals:
                for start, end in self._spans.get(deal.owner, ()):
                    if start <= deal.day < end:
                        cell = self._sums[(deal.owner, start, end)]
                        if deal.won:
                            cell.won_revenue += deal.revenue
                            cell.won_share += deal.share
                        else:
                            cell.open_weighted += deal.weighted
                            cell.open_share += deal.share
            if opp.status is OpportunityStatus.WON and opp.account_id and opp.actual_close_date:
                credits = [(d.owner, d.day, d.share) for d in deals]
                self._first(str(opp.account_id), (opp.actual_close_date, str(opp.id)), credits)

    def _first(
        self, account: str, key: tuple[date, str], credits: list[tuple[str, date, Decimal]]
    ) -> None:
        known = self._firsts.get(account)
        if known is None or key < known.key:
            self._firsts[account] = _FirstWin(key, credits)

    def merge(self, other: TargetTally) -> TargetTally:
        """A new tally counting both (same targets, teams, splits, rates and zone)."""
        if not isinstance(other, TargetTally) or (
            other.targets,
            other.teams,
            other.splits,
            other.rates,
            other.zone,
        ) != (self.targets, self.teams, self.splits, self.rates, self.zone):
            raise ValidationError(
                obj="TargetTally",
                field="other",
                value=type(other).__name__,
                expected="a TargetTally with the same targets, teams, splits, rates and zone",
            )
        out = TargetTally(
            self.targets,
            teams=self.teams,
            splits=self.splits,
            custom_metrics=self.custom_metrics,
            rates=self.rates,
            zone=self.zone,
        )
        for tally in (self, other):
            for span, cell in tally._sums.items():
                out._sums[span].plus(cell)
            for account, first in tally._firsts.items():
                out._first(account, first.key, first.credits)
        return out

    def result(self, *, activities: Iterable[Activity] = ()) -> Attainment:
        """The attainment of everything added; ``activities`` are read once, one at a
        time (a stream of chunks is never held whole), and counted per owner, day and kind."""
        sums: dict[Span, _Sums] = defaultdict(_Sums)
        for span, cell in self._sums.items():
            sums[span].plus(cell)
        for first in sorted(self._firsts.values(), key=lambda f: f.key):
            for owner, day, share in first.credits:
                for start, end in self._spans.get(owner, ()):
                    if start <= day < end:
                        sums[(owner, start, end)].new_share += share
        acts = checked_iter(activities, Activity, obj="TargetTally", field="activities")
        actuals = _SumActuals(sums, acts, self.custom_metrics, self.zone)
        own: list[AttainmentRow] = []
        team_targets: list[SalesTarget] = []
        teams = self.teams
        for target in self.targets:
            if teams is not None and target.owner in teams.teams:
                team_targets.append(target)
                continue
            if teams is not None:
                teams.chain(target.owner, obj="attainment", field=f"targets[{target.owner}].owner")
            own.extend(_rows(target, actuals))
        return Attainment(tuple(own) + _roll_up(own, team_targets, teams))
