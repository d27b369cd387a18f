"""The one-shot funnel as it was before FunnelTally (a frozen copy: a test oracle).

Formulas (reference: docs/sales.md):

- win rate by count = won ÷ (won + lost); by value = won actual revenue ÷
  (won actual revenue + lost estimated revenue)
- average deal size = won actual revenue ÷ won count
- stage conversion = deals that reached the next stage ÷ deals that reached this one
- pipeline velocity = open deals × win rate × average deal size ÷ mean
  sales-cycle length (revenue per day; per business day with a calendar)
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal

from crmcore._checks import require_date
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ValidationError
from crmcore.models import (
    Lead,
    LeadId,
    Opportunity,
    OpportunityStatus,
    SalesStage,
    StageEvent,
    StageEventKind,
)
from crmcore.money import Money
from crmcore.pricing import ExchangeRates
from crmcore.sales import (
    Funnel,
    LostBreakdown,
    SourceConversion,
    StageConversion,
    StageCount,
    StageDuration,
)
from crmcore.sales._common import CurrencyBook, infer_currency, opportunity_list, ratio

_Q2 = Decimal("0.01")
# Module constants: attribute lookups on an Enum class and Enum hashing run Python code,
# which shows at a million deals; ranks are looked up by the member's plain value.
_OPEN, _WON, _LOST = OpportunityStatus.OPEN, OpportunityStatus.WON, OpportunityStatus.LOST
_RANK = {stage.value: rank for rank, stage in enumerate(SalesStage)}
_LAST = len(SalesStage) - 1
_ZERO = Decimal(0)


class _State:
    """One opportunity as of the date (a plain slotted row: a million are made)."""

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


def _durations(
    pairs: list[tuple[date, date]], label: str, calendar: BusinessCalendar | None
) -> StageDuration:
    if not pairs:
        return StageDuration(label, 0, None, None, None, None)
    days = [(end - start).days for start, end in pairs]
    mean = (Decimal(sum(days)) / len(days)).quantize(_Q2)
    median = Decimal(str(statistics.median(days))).quantize(_Q2)
    if calendar is None:
        return StageDuration(label, len(days), mean, median, None, None)
    business = [calendar.business_days_between(start, end) for start, end in pairs]
    return StageDuration(
        label,
        len(days),
        mean,
        median,
        (Decimal(sum(business)) / len(business)).quantize(_Q2),
        Decimal(str(statistics.median(business))).quantize(_Q2),
    )


def _stays(states: list[_State], zone: tzinfo) -> dict[SalesStage, list[tuple[date, date]]]:
    """Completed stays per stage: from entering a stage to the next event that leaves it."""
    stays: dict[SalesStage, list[tuple[date, date]]] = defaultdict(list)
    for state in states:
        current: tuple[SalesStage, date] | None = None
        for event in state.events:
            day = _local(event.at, zone)
            closing = event.kind in (StageEventKind.WON, StageEventKind.LOST)
            if current is not None and (closing or event.stage is not current[0]):
                stays[current[0]].append((current[1], day))
                current = None
            if not closing and current is None:
                current = (event.stage, day)
    return stays


def _cycle(state: _State, zone: tzinfo) -> tuple[date, date] | None:
    """Created → won, for a deal won as of the date."""
    if state.status is not _WON or state.opp.created_at is None:
        return None
    won_at = next((e.at for e in reversed(state.events) if e.kind is StageEventKind.WON), None)
    end = _local(won_at, zone) if won_at is not None else state.opp.actual_close_date
    if end is None:
        return None
    return (_local(state.opp.created_at, zone), end)


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
    """
    require_date(as_of, obj="funnel", field="as_of")
    zone: tzinfo = calendar.timezone if calendar is not None else UTC
    moment = datetime.combine(as_of, time.max, tzinfo=zone)
    states = [
        s
        for o in opportunity_list(opportunities, obj="funnel")
        if (s := _as_of_state(o, as_of, moment)) is not None
    ]
    states.sort(key=lambda s: str(s.opp.id))
    book = CurrencyBook(
        infer_currency((s.opp.estimated_revenue or s.opp.actual_revenue for s in states), currency),
        rates,
        as_of,
    )
    totals = _totals(states, book)
    stays = _stays(states, zone)
    cycles = [c for s in states if (c := _cycle(s, zone)) is not None]
    cycle = _durations(cycles, "cycle", calendar)
    won, lost, won_value, lost_value = totals
    open_count = sum(1 for s in states if s.status is _OPEN)
    win_rate = ratio(won, won + lost)
    average = book.money(won_value / won) if won else None
    return Funnel(
        as_of=as_of,
        currency=book.currency,
        stages=_stage_counts(states, book),
        conversions=_conversions(states),
        won=won,
        lost=lost,
        open=open_count,
        won_value=book.money(won_value),
        lost_value=book.money(lost_value),
        win_rate=win_rate,
        win_rate_by_value=ratio(won_value, won_value + lost_value),
        average_deal_size=average,
        time_in_stage=tuple(_durations(stays.get(s, []), s.value, calendar) for s in SalesStage),
        cycle=cycle,
        velocity=_velocity(open_count, win_rate, average, cycle.mean_days, book),
        velocity_per_business_day=_velocity(
            open_count, win_rate, average, cycle.mean_business_days, book
        ),
        lost_by_competitor=_lost_by(states, "competitor", book),
        lost_by_reason=_lost_by(states, "close_reason", book),
        by_source=_by_source(states, tuple(leads)),
    )


def _amount(money: Money | None, book: CurrencyBook, opp: Opportunity, name: str) -> Decimal:
    if money is None:
        return _ZERO
    if money.currency == book.currency:
        return money.amount
    return book.amount(money, obj="funnel", field=f"{opp.id}.{name}")


def _totals(states: list[_State], book: CurrencyBook) -> tuple[int, int, Decimal, Decimal]:
    won = lost = 0
    won_value = lost_value = Decimal(0)
    for s in states:
        if s.status is _WON:
            won += 1
            won_value += _amount(s.opp.actual_revenue, book, s.opp, "actual_revenue")
        elif s.status is _LOST:
            lost += 1
            lost_value += _amount(s.opp.estimated_revenue, book, s.opp, "estimated_revenue")
    return won, lost, won_value, lost_value


def _stage_counts(states: list[_State], book: CurrencyBook) -> tuple[StageCount, ...]:
    counts = [0] * len(SalesStage)
    values = [_ZERO] * len(SalesStage)
    for s in states:
        if s.status is _OPEN:
            rank = _RANK[s.stage._value_]
            counts[rank] += 1
            values[rank] += _amount(s.opp.estimated_revenue, book, s.opp, "estimated_revenue")
    return tuple(
        StageCount(st, counts[rank], book.money(values[rank])) for rank, st in enumerate(SalesStage)
    )


def _conversions(states: list[_State]) -> tuple[StageConversion, ...]:
    furthest = [0] * len(SalesStage)
    won = 0
    for s in states:
        furthest[_reached(s)] += 1
        won += s.status is _WON
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


def _lost_by(states: list[_State], field: str, book: CurrencyBook) -> tuple[LostBreakdown, ...]:
    counts: dict[str, int] = defaultdict(int)
    values: dict[str, Decimal] = defaultdict(Decimal)
    for s in states:
        if s.status is _LOST:
            key = getattr(s.opp, field) or "(none)"
            counts[key] += 1
            values[key] += _amount(s.opp.estimated_revenue, book, s.opp, "estimated_revenue")
    return tuple(
        LostBreakdown(k, counts[k], book.money(values[k]))
        for k in sorted(counts, key=lambda k: (-values[k], k))
    )


def _by_source(states: list[_State], leads: tuple[Lead, ...]) -> tuple[SourceConversion, ...]:
    lead_source: dict[LeadId, str] = {}
    lead_count: dict[str, int] = defaultdict(int)
    for lead in leads:
        if not isinstance(lead, Lead):
            raise ValidationError(obj="funnel", field="leads", value=lead, expected="Lead records")
        lead_source[lead.id] = lead.source.code
        lead_count[lead.source.code] += 1
    opps: dict[str, int] = defaultdict(int)
    won: dict[str, int] = defaultdict(int)
    for s in states:
        source = s.opp.source.code if s.opp.source is not None else None
        if source is None and s.opp.lead_id is not None:
            source = lead_source.get(s.opp.lead_id)
        key = source or "(none)"
        opps[key] += 1
        won[key] += s.status is _WON
    keys = sorted(set(lead_count) | set(opps))
    return tuple(
        SourceConversion(
            k,
            lead_count.get(k, 0),
            opps.get(k, 0),
            won.get(k, 0),
            ratio(opps.get(k, 0), lead_count.get(k, 0)),
            ratio(won.get(k, 0), opps.get(k, 0)),
        )
        for k in keys
    )
