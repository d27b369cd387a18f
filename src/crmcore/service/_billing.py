"""Billing of out-of-contract support, as Semin does it (private; see ``crmcore.service``).

A customer's :class:`~crmcore.sla.Entitlement` allows a number of cases or an
amount of worked time (Dynamics 365: allocation by cases or by time,
decremented on case creation or on resolution). Worked time comes from
:class:`TimeEntry` records (activity durations on the case). Time beyond the
allowance, and all time on cases no entitlement covers, is billed:

    billed time = ⌈billable / increment⌉ × increment   (rounding mode explicit)
    quantity    = billed time / unit length            (an exact decimal)
    amount      = quantity × rate                       (priced by crmcore.pricing)

A run marks every entry it accounts for (``TimeEntry.billed_in``); entries
already marked still consume the allowance but are never billed again, so a
second run over the marked records produces no lines.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.models import Activity, ActivityStatus, Case, CaseId, RecordKind
from crmcore.money import Money, RoundingMode
from crmcore.pricing import (
    Catalog,
    DocumentKind,
    LineItem,
    PricedDocument,
    PriceList,
    SalesDocument,
    price_document,
)
from crmcore.sla import Entitlement

__all__ = [
    "Allocation",
    "BillingLine",
    "BillingRun",
    "BillingTerms",
    "ConsumeOn",
    "TimeEntry",
    "bill_support",
]


class Allocation(enum.StrEnum):
    """What an entitlement allows: a number of cases or an amount of worked time."""

    CASES = "cases"
    TIME = "time"


class ConsumeOn(enum.StrEnum):
    """When a case consumes the entitlement: on creation or on resolution."""

    CREATION = "creation"
    RESOLUTION = "resolution"


def _positive_duration(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(
            obj=type(instance).__name__,
            field=attribute.name,
            value=value,
            expected="a positive timedelta",
        )


@attrs.frozen(kw_only=True)
class TimeEntry:
    """Time worked on a case; ``billed_in`` names the billing run that accounted for it."""

    id: str = attrs.field(validator=check.text(max_length=200))
    case_id: CaseId = attrs.field(converter=CaseId)
    duration: timedelta = attrs.field(validator=_positive_duration)
    at: datetime = attrs.field(validator=check.aware())
    billed_in: str | None = attrs.field(default=None, validator=check.text(optional=True))

    @classmethod
    def from_activity(cls, activity: Activity) -> TimeEntry:
        """The worked time of a completed activity regarding a case (its ``duration_minutes``)."""
        if not isinstance(activity, Activity) or activity.status is not ActivityStatus.COMPLETED:
            raise ValidationError(
                obj="TimeEntry", field="activity", value=activity, expected="a completed Activity"
            )
        if activity.regarding is None or activity.regarding.kind is not RecordKind.CASE:
            raise ValidationError(
                obj="TimeEntry",
                field="activity.regarding",
                value=activity.regarding,
                expected="a case",
            )
        if not activity.duration_minutes or activity.done_at is None:
            raise ValidationError(
                obj="TimeEntry",
                field="activity.duration_minutes",
                value=activity.duration_minutes,
                expected="a positive number of minutes",
            )
        return cls(
            id=str(activity.id),
            case_id=CaseId(activity.regarding.id),
            duration=timedelta(minutes=activity.duration_minutes),
            at=activity.done_at,
        )


def _rounding(value: object) -> RoundingMode:
    try:
        return RoundingMode(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError(
            obj="BillingTerms",
            field="rounding",
            value=value,
            expected=", ".join(m.value for m in RoundingMode),
        ) from None


def _terminating(fraction: Fraction) -> bool:
    d = fraction.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


@attrs.frozen(kw_only=True)
class BillingTerms:
    """How out-of-contract work is billed.

    ``rate_product`` is priced per ``unit`` (``unit_length`` of time, one
    hour by default) from the price list; billable time is rounded to
    ``increment`` with ``rounding`` (no default: say ``up``, ``half_up``, ...).

    >>> BillingTerms(rate_product="support-hour", rounding="up").increment
    datetime.timedelta(seconds=900)
    """

    rate_product: str = attrs.field(validator=check.text(max_length=100))
    rounding: RoundingMode = attrs.field(converter=_rounding)
    increment: timedelta = attrs.field(default=timedelta(minutes=15))
    unit: str = attrs.field(default="hour", validator=check.text(max_length=100))
    unit_length: timedelta = attrs.field(default=timedelta(hours=1), validator=_positive_duration)
    allocation: Allocation = attrs.field(default=Allocation.TIME, converter=Allocation)
    consume_on: ConsumeOn = attrs.field(default=ConsumeOn.CREATION, converter=ConsumeOn)

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.increment, timedelta) or self.increment <= timedelta(0):
            raise ValidationError(
                obj="BillingTerms",
                field="increment",
                value=self.increment,
                expected="a positive timedelta",
            )
        # The quantity of one increment must be an exact decimal (10 min of an hour is 1/6: refused).
        if not _terminating(Fraction(_us(self.increment), _us(self.unit_length))):
            raise ValidationError(
                obj="BillingTerms",
                field="increment",
                value=self.increment,
                expected=f"an increment that is an exact decimal part of the unit ({self.unit_length})",
            )

    def round(self, time: timedelta) -> timedelta:
        """``time`` rounded to a whole number of increments with the terms' rounding mode."""
        units = Decimal(_us(time)) / Decimal(_us(self.increment))
        whole = units.quantize(Decimal(1), rounding=self.rounding.decimal_mode)
        return self.increment * int(whole)

    def quantity(self, time: timedelta) -> Decimal:
        """``time`` in units of ``unit_length``, exactly."""
        fraction = Fraction(_us(time), _us(self.unit_length))
        return Decimal(fraction.numerator) / Decimal(fraction.denominator)


def _us(value: timedelta) -> int:
    return value // timedelta(microseconds=1)


@attrs.frozen
class BillingLine:
    """Billable work on one case in one run."""

    case_id: CaseId
    account_id: str
    reason: str
    worked: timedelta
    """Billable time before rounding."""
    billed: timedelta
    """Rounded to the increment."""
    quantity: Decimal
    amount: Money
    entries: tuple[str, ...]
    steps: tuple[str, ...]

    def explain(self) -> tuple[str, ...]:
        """How the line was reached."""
        return self.steps


@attrs.frozen
class BillingRun:
    """The result of a run: lines, one priced invoice per account, and the marked entries."""

    run_id: str
    lines: tuple[BillingLine, ...]
    invoices: tuple[PricedDocument, ...]
    entries: tuple[TimeEntry, ...]
    """Every entry given, those accounted for in this run marked ``billed_in=run_id``."""

    def explain(self) -> tuple[str, ...]:
        """Every line's derivation."""
        if not self.lines:
            return (f"run {self.run_id}: nothing to bill",)
        return tuple(step for line in self.lines for step in line.explain())


@attrs.frozen
class _Work:
    case: Case
    entitlement: Entitlement | None
    consumed_at: datetime


def _consumption(case: Case, terms: BillingTerms, now: datetime) -> datetime | None:
    if terms.consume_on is ConsumeOn.CREATION:
        return case.created_at if case.created_at <= now else None
    resolved = case.resolved_at
    return resolved if resolved is not None and resolved <= now else None


def _billable(
    works: Sequence[_Work], entries: dict[CaseId, list[TimeEntry]], terms: BillingTerms
) -> dict[CaseId, tuple[timedelta, list[TimeEntry], str]]:
    """Case → (billable time of unbilled entries, the unbilled entries, why)."""
    used_cases: dict[str, int] = {}
    used_time: dict[str, timedelta] = {}
    result: dict[CaseId, tuple[timedelta, list[TimeEntry], str]] = {}
    for work in works:
        ent = work.entitlement
        mine = entries.get(work.case.id, [])
        fresh = [e for e in mine if e.billed_in is None]
        if ent is None:
            result[work.case.id] = (
                sum((e.duration for e in fresh), timedelta(0)),
                fresh,
                "not covered by an entitlement",
            )
            continue
        if terms.allocation is Allocation.CASES:
            used_cases[ent.id] = count = used_cases.get(ent.id, 0) + 1
            over = ent.included_cases is not None and count > ent.included_cases
            time = sum((e.duration for e in fresh), timedelta(0)) if over else timedelta(0)
            why = f"case {count} of entitlement {ent.id} (allows {ent.included_cases})"
            result[work.case.id] = (time, fresh, why)
            continue
        billable = timedelta(0)
        for entry in mine:
            before = used_time.get(ent.id, timedelta(0))
            used_time[ent.id] = after = before + entry.duration
            allowed = ent.included_time  # None: unlimited time
            part = (
                timedelta(0) if allowed is None else max(timedelta(0), after - max(before, allowed))
            )
            if entry.billed_in is None:
                billable += part
        result[work.case.id] = (
            billable,
            fresh,
            f"time beyond entitlement {ent.id} ({ent.included_time} included)",
        )
    return result


def bill_support(
    cases: Iterable[Case],
    entries: Iterable[TimeEntry],
    *,
    entitlements: Iterable[Entitlement],
    terms: BillingTerms,
    catalog: Catalog,
    price_list: PriceList,
    run_id: str,
    now: datetime,
) -> BillingRun:
    """Bill worked time beyond each customer's entitlement, and on uncovered cases.

    Cases consume their entitlement in the order they were created (or
    resolved, per ``terms.consume_on``); a case that has not reached that
    point by ``now`` is left for a later run. Lines are priced from
    ``terms.rate_product`` in ``price_list`` into one invoice per account.
    """
    check.require_aware(now, obj="bill_support", field="now")
    all_cases = check.require_items(cases, Case, obj="bill_support", field="cases")
    all_entries = check.require_items(entries, TimeEntry, obj="bill_support", field="entries")
    ents = check.require_items(entitlements, Entitlement, obj="bill_support", field="entitlements")
    _require(terms, BillingTerms, "terms")
    _require(catalog, Catalog, "catalog")
    _require(price_list, PriceList, "price_list")
    if not isinstance(run_id, str) or not run_id.strip():
        raise ValidationError(
            obj="bill_support", field="run_id", value=run_id, expected="a non-blank run id"
        )
    works = []
    for case in all_cases:
        at = _consumption(case, terms, now)
        if at is not None:
            works.append(_Work(case, next((e for e in ents if e.covers(case)), None), at))
    works.sort(key=lambda w: (w.consumed_at, str(w.case.id)))
    known = {case.id for case in all_cases}
    for index, item in enumerate(all_entries):
        if item.case_id not in known:
            raise ValidationError(
                obj="bill_support", field=f"entries[{index}].case_id", value=str(item.case_id),
                expected="the id of one of the cases given",
            )  # fmt: skip
    by_case: dict[CaseId, list[TimeEntry]] = {}
    for entry in sorted(all_entries, key=lambda e: (e.at, e.id)):
        by_case.setdefault(entry.case_id, []).append(entry)
    billable = _billable(works, by_case, terms)
    lines, marked = _lines(works, billable, terms, price_list.currency)
    invoices = _invoices(lines, terms, catalog, price_list, run_id)
    priced = {(inv.document.id, pl.number): pl for inv in invoices for pl in inv.lines}
    final = _with_amounts(lines, priced, run_id)
    updated = tuple(attrs.evolve(e, billed_in=run_id) if e.id in marked else e for e in all_entries)
    return BillingRun(run_id, final, invoices, updated)


def _require(value: object, kind: type[Any], field: str) -> None:
    if not isinstance(value, kind):
        raise ValidationError(
            obj="bill_support", field=field, value=value, expected=f"a {kind.__name__}"
        )


def _lines(
    works: Sequence[_Work],
    billable: dict[CaseId, tuple[timedelta, list[TimeEntry], str]],
    terms: BillingTerms,
    currency: str,
) -> tuple[list[BillingLine], set[str]]:
    lines: list[BillingLine] = []
    marked: set[str] = set()
    for work in works:
        time, fresh, why = billable[work.case.id]
        marked.update(e.id for e in fresh)
        billed = terms.round(time)
        if billed <= timedelta(0):
            continue
        quantity = terms.quantity(billed)
        account = str(work.case.account_id or work.case.contact_id)
        steps = (
            f"case {work.case.id} ({account}): {why}",
            f"billable {time} rounded {terms.rounding.value} to {terms.increment} steps = {billed}",
            f"quantity = {billed} / {terms.unit_length} = {quantity} {terms.unit} of {terms.rate_product}",
        )
        lines.append(
            BillingLine(
                work.case.id, account, why, time, billed, quantity, Money.zero(currency),
                tuple(e.id for e in fresh), steps,
            )
        )  # fmt: skip
    return lines, marked


def _invoices(
    lines: Sequence[BillingLine],
    terms: BillingTerms,
    catalog: Catalog,
    price_list: PriceList,
    run_id: str,
) -> tuple[PricedDocument, ...]:
    accounts = sorted({line.account_id for line in lines})
    result = []
    for account in accounts:
        items = [
            LineItem(terms.rate_product, line.quantity, unit=terms.unit)
            for line in lines
            if line.account_id == account
        ]
        doc = SalesDocument(f"{run_id}/{account}", DocumentKind.INVOICE, price_list.currency, items)
        result.append(price_document(doc, catalog, price_list))
    return tuple(result)


def _with_amounts(
    lines: Sequence[BillingLine], priced: dict[tuple[str, int], Any], run_id: str
) -> tuple[BillingLine, ...]:
    counters: dict[str, int] = {}
    result = []
    for line in lines:
        counters[line.account_id] = number = counters.get(line.account_id, 0) + 1
        priced_line = priced[(f"{run_id}/{line.account_id}", number)]
        step = (
            f"amount = {line.quantity} × {priced_line.price_per_unit.amount} = "
            f"{priced_line.amount.amount} {priced_line.amount.currency} "
            f"(invoice {run_id}/{line.account_id}, line {number})"
        )
        result.append(attrs.evolve(line, amount=priced_line.amount, steps=(*line.steps, step)))
    return tuple(result)
