"""The sales funnel as of a date (private; see ``crmcore.sales``).

Formulas (reference: docs/sales.md):

- win rate by count = won ÷ (won + lost); by value = won actual revenue ÷
  (won actual revenue + lost estimated revenue)
- average deal size = won actual revenue ÷ won count
- stage conversion = deals that reached the next stage ÷ deals that reached this one
- pipeline velocity = open deals × win rate × average deal size ÷ mean
  sales-cycle length (revenue per day; per business day with a calendar)
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from typing import Any

import attrs

from crmcore._checks import require_date
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ValidationError
from crmcore.models import (
    Lead,
    Opportunity,
    OpportunityStatus,
    SalesStage,
    StageEvent,
    StageEventKind,
)
from crmcore.money import Money
from crmcore.pricing import ExchangeRates
from crmcore.sales._common import CurrencyBook, opportunity_list, ratio

_Q2 = Decimal("0.01")
# Module constants: attribute lookups on an Enum class and Enum hashing run Python code,
# which shows at a million deals; ranks are looked up by the member's plain value.
_OPEN, _WON, _LOST = OpportunityStatus.OPEN, OpportunityStatus.WON, OpportunityStatus.LOST
_RANK = {stage.value: rank for rank, stage in enumerate(SalesStage)}
_LAST = len(SalesStage) - 1
_ZERO = Decimal(0)


@attrs.frozen
class StageCount:
    """Open deals in one stage as of the date."""

    stage: SalesStage
    count: int
    value: Money


@attrs.frozen
class StageConversion:
    """How many deals that reached ``stage`` went on to ``next_stage`` (``won`` after close)."""

    stage: str
    next_stage: str
    reached: int
    advanced: int
    rate: Decimal | None


@attrs.frozen
class StageDuration:
    """Completed stays in a stage (or whole sales cycles), in calendar and business days."""

    stage: str
    stays: int
    mean_days: Decimal | None
    median_days: Decimal | None
    mean_business_days: Decimal | None
    median_business_days: Decimal | None


@attrs.frozen
class LostBreakdown:
    """Lost deals sharing a competitor or a reason."""

    key: str
    count: int
    value: Money


@attrs.frozen
class SourceConversion:
    """Lead → opportunity → won for one lead source."""

    source: str
    leads: int
    opportunities: int
    won: int
    lead_to_opportunity: Decimal | None
    opportunity_to_won: Decimal | None


@attrs.frozen
class Funnel:
    """Where deals stand and flow as of a date. Amounts in ``currency``."""

    as_of: date
    currency: str
    stages: tuple[StageCount, ...]
    conversions: tuple[StageConversion, ...]
    won: int
    lost: int
    open: int
    won_value: Money
    lost_value: Money
    win_rate: Decimal | None
    win_rate_by_value: Decimal | None
    average_deal_size: Money | None
    time_in_stage: tuple[StageDuration, ...]
    cycle: StageDuration
    velocity: Money | None
    """Revenue per calendar day."""
    velocity_per_business_day: Money | None
    lost_by_competitor: tuple[LostBreakdown, ...]
    lost_by_reason: tuple[LostBreakdown, ...]
    by_source: tuple[SourceConversion, ...]

    def explain(self) -> tuple[str, ...]:
        """Each headline figure with its formula and inputs."""
        cycle = self.cycle.mean_days
        return (
            f"as of {self.as_of.isoformat()}: {self.open} open, {self.won} won, {self.lost} lost",
            f"win rate = won / (won + lost) = {self.won} / {self.won + self.lost} = {self.win_rate}",
            f"win rate by value = {self.won_value} / ({self.won_value} + {self.lost_value})"
            f" = {self.win_rate_by_value}",
            f"average deal size = won revenue / won = {self.won_value} / {self.won}"
            f" = {self.average_deal_size}",
            f"sales cycle = created → won, mean {cycle} days over {self.cycle.stays} won deals",
            f"velocity = open × win rate × average deal size / cycle = {self.open} ×"
            f" {self.win_rate} × {self.average_deal_size} / {cycle} = {self.velocity} per day",
        )


class _State:
    """One opportunity as of the date (a plain slotted row, dropped once counted)."""

    __slots__ = ("events", "opp", "stage", "status")

    def __init__(
        self,
        opp: Opportunity,
        stage: SalesStage,
        status: OpportunityStatus,
        events: tuple[StageEvent, ...],
    ) -> None:
        self.opp = opp
        self.stage = stage
        self.status = status
        self.events = events


def _local(moment: datetime, zone: tzinfo) -> date:
    return moment.astimezone(zone).date()


def _as_of_state(opp: Opportunity, as_of: date, moment: datetime) -> _State | None:
    """``moment``: the last instant of ``as_of`` in the reporting zone."""
    if opp.created_at is not None and opp.created_at > moment:
        return None
    if opp.stage_history:
        replayed = opp.stage_at(moment)
        if replayed is None:
            return None
        seen = tuple(e for e in opp.stage_history if e.at <= moment)
        return _State(opp, replayed[0], replayed[1], seen)
    if (
        opp.status is not _OPEN
        and opp.actual_close_date is not None
        and opp.actual_close_date > as_of
    ):
        return _State(opp, opp.stage, _OPEN, ())
    return _State(opp, opp.stage, opp.status, ())


def _reached(state: _State) -> int:
    if state.status is _WON:
        return _LAST
    if state.events:
        return max(_RANK[e.stage._value_] for e in state.events)
    return _RANK[state.stage._value_]


def _stays(events: tuple[StageEvent, ...], zone: tzinfo) -> Iterator[tuple[int, date, date]]:
    """Completed stays (stage rank, entered, left): from entering a stage to the next
    event that leaves it."""
    current: tuple[SalesStage, date] | None = None
    for event in events:
        day = _local(event.at, zone)
        closing = event.kind in (StageEventKind.WON, StageEventKind.LOST)
        if current is not None and (closing or event.stage is not current[0]):
            yield _RANK[current[0]._value_], current[1], day
            current = None
        if not closing and current is None:
            current = (event.stage, day)


def _cycle(state: _State, zone: tzinfo) -> tuple[date, date] | None:
    """Created → won, for a deal won as of the date."""
    if state.status is not _WON or state.opp.created_at is None:
        return None
    won_at = next((e.at for e in reversed(state.events) if e.kind is StageEventKind.WON), None)
    end = _local(won_at, zone) if won_at is not None else state.opp.actual_close_date
    if end is None:
        return None
    return (_local(state.opp.created_at, zone), end)


class _Spans:
    """Durations of one kind (a stage's stays, or the cycle) as counts per whole day:
    a histogram in calendar days and one in business days, so exact means and
    medians need memory per distinct length, not per deal."""

    __slots__ = ("business", "days")

    def __init__(self) -> None:
        self.days: dict[int, int] = {}
        self.business: dict[int, int] = {}

    def add(self, start: date, end: date, calendar: BusinessCalendar | None) -> None:
        days = (end - start).days
        self.days[days] = self.days.get(days, 0) + 1
        if calendar is not None:
            business = calendar.business_days_between(start, end)
            self.business[business] = self.business.get(business, 0) + 1

    def merged(self, other: _Spans) -> _Spans:
        out = _Spans()
        out.days = _sum_counts(self.days, other.days)
        out.business = _sum_counts(self.business, other.business)
        return out

    def result(self, label: str, calendar: BusinessCalendar | None) -> StageDuration:
        stays = sum(self.days.values())
        if not stays:
            return StageDuration(label, 0, None, None, None, None)
        if calendar is None:
            return StageDuration(label, stays, _mean(self.days), _median(self.days), None, None)
        return StageDuration(
            label,
            stays,
            _mean(self.days),
            _median(self.days),
            _mean(self.business),
            _median(self.business),
        )


def _sum_counts(a: Mapping[Any, int], b: Mapping[Any, int]) -> dict[Any, int]:
    out = dict(a)
    for key, count in b.items():
        out[key] = out.get(key, 0) + count
    return out


def _mean(counts: dict[int, int]) -> Decimal:
    total = sum(value * count for value, count in counts.items())
    return (Decimal(total) / sum(counts.values())).quantize(_Q2)


def _median(counts: dict[int, int]) -> Decimal:
    """``statistics.median`` of the values ``counts`` stands for, as it computes it."""
    size = sum(counts.values())
    wanted = (size // 2,) if size % 2 else (size // 2 - 1, size // 2)
    found: list[int] = []
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        while len(found) < len(wanted) and wanted[len(found)] < seen:
            found.append(value)
    middle: float = found[0] if len(found) == 1 else (found[0] + found[1]) / 2
    return Decimal(str(middle)).quantize(_Q2)


_Offender = tuple[str, str, Money]
"""(opportunity id, field, amount): the first deal, by id, with an amount in a currency."""

_ValueKey = tuple[str, str, str]
"""(section, key, currency) of a running sum: ``won``/``lost`` (key ""), ``stage`` (its
rank), ``competitor`` and ``reason`` (the lost deal's, or ``(none)``)."""


def _earlier(found: _Offender | None, opp_id: str) -> bool:
    """Whether ``opp_id`` sorts before ``found``'s (ties: the one added first stays)."""
    return found is None or opp_id < found[0]


class FunnelTally:
    """:func:`funnel` a part at a time: each deal is reduced, as it is added, to
    counts and exact sums (per stage, status, competitor, reason, lead source
    and currency) and to whole-day durations counted per length; :meth:`merge`
    combines two parts and :meth:`result` gives the :class:`Funnel` of everything.

    No opportunity is kept after :meth:`add` returns: memory grows with the
    distinct competitors, reasons, sources and durations (and, for deals with
    a ``lead_id`` but no ``source``, one count per lead id), not the deals.
    :meth:`add_leads` counts leads per source for ``by_source`` and keeps a
    map lead id → source code. Deals may come in any order and any split:
    the reporting currency is the one given, else that of the deal with the
    smallest id that has an amount (as :func:`funnel` always did); amounts
    in other currencies are summed per currency and converted once with
    ``rates`` at :meth:`result` (exact, like the sums, while a figure fits
    Decimal's 28 significant digits).

    >>> from crmcore.models import OpportunityId
    >>> from crmcore.money import Money
    >>> def deal(i, amount):
    ...     opp = Opportunity(id=OpportunityId(f"o{i}"), name="x", estimated_revenue=Money(amount, "IRR"))
    ...     return opp.win(Money(amount, "IRR"), date(2026, 1, 9)).opportunity if i % 2 else opp
    >>> first, second = FunnelTally(as_of=date(2026, 2, 1)), FunnelTally(as_of=date(2026, 2, 1))
    >>> first.add([deal(0, 100), deal(1, 300)]); second.add([deal(2, 500), deal(3, 700)])
    >>> both = first.merge(second).result()
    >>> both.open, both.won, str(both.won_value), str(both.average_deal_size)
    (2, 2, '1000 IRR', '500 IRR')
    >>> both == funnel([deal(i, a) for i, a in enumerate([100, 300, 500, 700])], as_of=date(2026, 2, 1))
    True
    """

    def __init__(
        self,
        *,
        as_of: date,
        calendar: BusinessCalendar | None = None,
        currency: str | None = None,
        rates: ExchangeRates | None = None,
    ) -> None:
        require_date(as_of, obj="funnel", field="as_of")
        if calendar is not None and not isinstance(calendar, BusinessCalendar):
            raise ValidationError(
                obj="funnel",
                field="calendar",
                value=calendar,
                expected="a BusinessCalendar or None",
            )
        self.as_of = as_of
        self.calendar = calendar
        self._settings = (as_of, calendar, currency, rates)
        self._currency = currency
        self._rates = rates
        self._zone: tzinfo = calendar.timezone if calendar is not None else UTC
        self._moment = datetime.combine(as_of, time.max, tzinfo=self._zone)
        self.open = self.won = self.lost = 0
        self._first: _Offender | None = None
        self._stages = [0] * len(SalesStage)
        self._furthest = [0] * len(SalesStage)
        self._values: dict[_ValueKey, Decimal] = {}
        self._offenders: dict[tuple[bool, str], _Offender] = {}
        self._lost_counts: dict[tuple[str, str], int] = {}
        self._stays = [_Spans() for _ in SalesStage]
        self._cycle = _Spans()
        self._sources: dict[str, list[int]] = {}
        self._by_lead: dict[str, list[int]] = {}
        self._lead_source: dict[str, str] = {}
        self._lead_count: dict[str, int] = {}

    def add(self, opportunities: Iterable[Opportunity]) -> None:
        """Count more opportunities (stage histories attached), as of the date."""
        as_of, moment = self.as_of, self._moment
        for opp in opportunity_list(opportunities, obj="funnel"):
            state = _as_of_state(opp, as_of, moment)
            if state is not None:
                self._count(state)

    def _count(self, state: _State) -> None:
        opp, status = state.opp, state.status
        opp_id = str(opp.id)
        money = opp.estimated_revenue or opp.actual_revenue
        if money is not None and _earlier(self._first, opp_id):
            self._first = (opp_id, "", money)
        if status is _WON:
            self.won += 1
            self._sum(("won", ""), opp_id, "actual_revenue", opp.actual_revenue)
        elif status is _LOST:
            self.lost += 1
            self._sum(("lost", ""), opp_id, "estimated_revenue", opp.estimated_revenue)
            for section, key in (("competitor", opp.competitor), ("reason", opp.close_reason)):
                counted = (section, key or "(none)")
                self._lost_counts[counted] = self._lost_counts.get(counted, 0) + 1
                self._sum(counted, opp_id, "", opp.estimated_revenue)
        else:
            self.open += 1
            rank = _RANK[state.stage._value_]
            self._stages[rank] += 1
            self._sum(("stage", str(rank)), opp_id, "estimated_revenue", opp.estimated_revenue)
        self._furthest[_reached(state)] += 1
        zone, calendar = self._zone, self.calendar
        for rank, start, end in _stays(state.events, zone):
            self._stays[rank].add(start, end, calendar)
        cycle = _cycle(state, zone)
        if cycle is not None:
            self._cycle.add(*cycle, calendar)
        self._source(opp, status is _WON)

    def _sum(self, where: tuple[str, str], opp_id: str, field: str, money: Money | None) -> None:
        """Add ``money`` to a running sum; ``field`` "": already checked for this deal."""
        if money is None:
            return
        currency = money.currency
        key = (*where, currency)
        self._values[key] = self._values.get(key, _ZERO) + money.amount
        if field:
            slot = (where[0] == "stage", currency)
            if _earlier(self._offenders.get(slot), opp_id):
                self._offenders[slot] = (opp_id, field, money)

    def _source(self, opp: Opportunity, won: bool) -> None:
        if opp.source is not None:
            cell = self._sources.setdefault(opp.source.code, [0, 0])
        elif opp.lead_id is not None:
            cell = self._by_lead.setdefault(str(opp.lead_id), [0, 0])
        else:
            cell = self._sources.setdefault("(none)", [0, 0])
        cell[0] += 1
        cell[1] += won

    def add_leads(self, leads: Iterable[Lead]) -> None:
        """Count leads per source (``by_source``) and note each lead's source for the
        deals that name a ``lead_id`` but no source (a later lead with the same id wins)."""
        for lead in leads:
            if not isinstance(lead, Lead):
                raise ValidationError(
                    obj="funnel", field="leads", value=lead, expected="Lead records"
                )
            code = sys.intern(lead.source.code)  # a few sources, a million leads
            self._lead_source[str(lead.id)] = code
            self._lead_count[code] = self._lead_count.get(code, 0) + 1

    def merge(self, other: FunnelTally) -> FunnelTally:
        """A new tally of both parts (the same settings), ``other`` counted after this one."""
        if not isinstance(other, FunnelTally) or other._settings != self._settings:
            raise ValidationError(
                obj="FunnelTally",
                field="other",
                value=type(other).__name__,
                expected="a FunnelTally with the same settings",
            )
        out = FunnelTally(
            as_of=self.as_of, calendar=self.calendar, currency=self._currency, rates=self._rates
        )
        out.open, out.won, out.lost = (a + b for a, b in _pairs(self, other, "open", "won", "lost"))
        out._first = self._first if not other._first else _first_of(self._first, other._first)
        out._stages = [a + b for a, b in zip(self._stages, other._stages, strict=True)]
        out._furthest = [a + b for a, b in zip(self._furthest, other._furthest, strict=True)]
        out._values = dict(self._values)
        for key, amount in other._values.items():
            out._values[key] = out._values.get(key, _ZERO) + amount
        out._offenders = dict(self._offenders)
        for slot, found in other._offenders.items():
            out._offenders[slot] = _first_of(out._offenders.get(slot), found)
        out._lost_counts = _sum_counts(self._lost_counts, other._lost_counts)
        out._stays = [a.merged(b) for a, b in zip(self._stays, other._stays, strict=True)]
        out._cycle = self._cycle.merged(other._cycle)
        out._sources = _sum_pairs(self._sources, other._sources)
        out._by_lead = _sum_pairs(self._by_lead, other._by_lead)
        out._lead_source = {**self._lead_source, **other._lead_source}
        out._lead_count = _sum_counts(self._lead_count, other._lead_count)
        return out

    def reporting_currency(self) -> str:
        """The reporting currency so far; ValidationError naming the first deal, by id,
        whose amount cannot be converted into it (closed deals before open ones)."""
        return self._book().currency

    def _book(self) -> CurrencyBook:
        found = self._first
        currency = self._currency or (found[2].currency if found is not None else "IRR")
        book = CurrencyBook(currency, self._rates, self.as_of)
        for stage in (False, True):
            offenders = sorted(
                (
                    found
                    for (open_deal, code), found in self._offenders.items()
                    if open_deal is stage and code != currency
                ),
                key=_id_of,
            )
            for opp_id, field, money in offenders:
                book.amount(money, obj="funnel", field=f"{opp_id}.{field}")
        return book

    def result(self) -> Funnel:
        """The :class:`Funnel` of every opportunity (and lead) added."""
        book = self._book()
        totals = self._totals(book)
        won, lost, open_count = self.won, self.lost, self.open
        won_value, lost_value = totals.get(("won", ""), _ZERO), totals.get(("lost", ""), _ZERO)
        cycle = self._cycle.result("cycle", self.calendar)
        win_rate = ratio(won, won + lost)
        average = book.money(won_value / won) if won else None
        return Funnel(
            as_of=self.as_of,
            currency=book.currency,
            stages=tuple(
                StageCount(st, self._stages[r], book.money(totals.get(("stage", str(r)), _ZERO)))
                for r, st in enumerate(SalesStage)
            ),
            conversions=_conversions(self._furthest, won),
            won=won,
            lost=lost,
            open=open_count,
            won_value=book.money(won_value),
            lost_value=book.money(lost_value),
            win_rate=win_rate,
            win_rate_by_value=ratio(won_value, won_value + lost_value),
            average_deal_size=average,
            time_in_stage=tuple(
                self._stays[r].result(st.value, self.calendar) for r, st in enumerate(SalesStage)
            ),
            cycle=cycle,
            velocity=_velocity(open_count, win_rate, average, cycle.mean_days, book),
            velocity_per_business_day=_velocity(
                open_count, win_rate, average, cycle.mean_business_days, book
            ),
            lost_by_competitor=self._lost_by("competitor", totals, book),
            lost_by_reason=self._lost_by("reason", totals, book),
            by_source=self._by_source(),
        )

    def _totals(self, book: CurrencyBook) -> dict[tuple[str, str], Decimal]:
        """Every running sum in the reporting currency (a currency converted once)."""
        out: dict[tuple[str, str], Decimal] = {}
        for (section, key, currency), total in self._values.items():
            amount = total
            if currency != book.currency:  # refused already by _book() if it cannot be
                amount = book.amount(Money.of_decimal(total, currency), obj="funnel", field=key)
            out[(section, key)] = out.get((section, key), _ZERO) + amount
        return out

    def _lost_by(
        self, section: str, totals: dict[tuple[str, str], Decimal], book: CurrencyBook
    ) -> tuple[LostBreakdown, ...]:
        counts = {k: n for (s, k), n in self._lost_counts.items() if s == section}
        values = {k: totals.get((section, k), _ZERO) for k in counts}
        return tuple(
            LostBreakdown(k, counts[k], book.money(values[k]))
            for k in sorted(counts, key=lambda k: (-values[k], k))
        )

    def _by_source(self) -> tuple[SourceConversion, ...]:
        cells = {key: list(cell) for key, cell in self._sources.items()}
        for lead_id, (opps, won) in self._by_lead.items():
            cell = cells.setdefault(self._lead_source.get(lead_id) or "(none)", [0, 0])
            cell[0] += opps
            cell[1] += won
        leads = self._lead_count
        out = []
        for key in sorted(set(leads) | set(cells)):
            opps, won = cells.get(key, (0, 0))
            count = leads.get(key, 0)
            out.append(
                SourceConversion(key, count, opps, won, ratio(opps, count), ratio(won, opps))
            )
        return tuple(out)


def _id_of(found: _Offender) -> str:
    return found[0]


def _pairs(a: FunnelTally, b: FunnelTally, *names: str) -> Iterator[tuple[int, int]]:
    return ((getattr(a, n), getattr(b, n)) for n in names)


def _first_of(mine: _Offender | None, theirs: _Offender) -> _Offender:
    """The offender of the smaller id (``mine``, counted first, on a tie)."""
    return mine if mine is not None and mine[0] <= theirs[0] else theirs


def _sum_pairs(a: dict[str, list[int]], b: dict[str, list[int]]) -> dict[str, list[int]]:
    out = {key: list(cell) for key, cell in a.items()}
    for key, (opps, won) in b.items():
        cell = out.setdefault(key, [0, 0])
        cell[0] += opps
        cell[1] += won
    return out


def _conversions(furthest: list[int], won: int) -> tuple[StageConversion, ...]:
    # Reached stage r = deals whose furthest stage is r or later; the last slot: won.
    reached = [sum(furthest[r:]) for r in range(len(SalesStage))] + [won]
    names = [st.value for st in SalesStage] + ["won"]
    return tuple(
        StageConversion(
            names[i], names[i + 1], reached[i], reached[i + 1], ratio(reached[i + 1], reached[i])
        )
        for i in range(len(SalesStage))
    )


def _velocity(
    open_count: int,
    win_rate: Decimal | None,
    average: Money | None,
    cycle_days: Decimal | None,
    book: CurrencyBook,
) -> Money | None:
    if win_rate is None or average is None or not cycle_days:
        return None
    return book.money(open_count * win_rate * average.amount / cycle_days)


def funnel(
    opportunities: Iterable[Opportunity],
    *,
    as_of: date,
    calendar: BusinessCalendar | None = None,
    leads: Iterable[Lead] = (),
    currency: str | None = None,
    rates: ExchangeRates | None = None,
) -> Funnel:
    """The funnel as of ``as_of``: nothing created, moved or closed after it is seen.

    Deals with a stage history are replayed up to the date (local dates in
    the calendar's time zone, UTC without one); deals without one use their
    current stage, counted open if they closed after the date. Durations
    (time in stage from histories, the created → won cycle) are in calendar
    days and, with ``calendar``, in business days (working days in between).
    :class:`FunnelTally` gives the same a part at a time.
    """
    tally = FunnelTally(as_of=as_of, calendar=calendar, currency=currency, rates=rates)
    tally.add(opportunities)
    tally.reporting_currency()  # an amount that cannot be converted is refused before the leads are read
    tally.add_leads(leads)
    return tally.result()
