"""``evaluate_many``: many cases at one ``now`` (private)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from crmcore._backend import Backend, Engine, resolve_backend
from crmcore._checks import refuse_frame, require_aware, require_items
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ValidationError
from crmcore.models import Account, AccountId, Case
from crmcore.sla._columnar import evaluate_columns
from crmcore.sla._engine import SlaEvaluation, _prepare, _Prepared, _Setup
from crmcore.sla._policy import Entitlement, SlaPolicy

__all__ = ["evaluate_many"]


def evaluate_many(
    cases: Iterable[Case],
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    accounts: Mapping[AccountId, Account] | None = None,
    entitlements: Sequence[Entitlement] = (),
    backend: Backend = "auto",
    explain: bool = False,
) -> list[SlaEvaluation]:
    """:func:`evaluate` for many cases at one ``now`` (e.g. every open case).

    Explanations come on request only. By default (``explain=False``) the
    evaluation is columnar: each history becomes integer columns (event
    times, statuses), the business length of every piece is measured in one
    :meth:`BusinessCalendar.between_epochs` call per calendar and slice of
    64 cases and every crossing and future deadline added in one
    :meth:`BusinessCalendar.add_epochs` call, vectorised with numpy when
    ``backend`` is ``"auto"`` (and numpy is installed) or ``"numpy"``;
    ``steps`` and ``selection`` stay empty. With ``explain=True`` each
    history is replayed as in :func:`evaluate` and the lines are built.
    Either way the states, times and deadlines equal :func:`evaluate` case
    by case (a property test checks it).
    """
    refuse_frame(cases, obj="evaluate_many", use="crmcore.frames.evaluate_frame")
    engine = resolve_backend(backend, obj="evaluate_many")
    if not isinstance(explain, bool):
        raise ValidationError(
            obj="evaluate_many", field="explain", value=explain, expected="True or False"
        )
    require_aware(now, obj="evaluate_many", field="now")
    if accounts is not None and not isinstance(accounts, Mapping):
        raise ValidationError(
            obj="evaluate_many",
            field="accounts",
            value=accounts,
            expected="a mapping of AccountId to Account",
        )
    accounts = accounts or {}
    checked = require_items(cases, Case, obj="evaluate_many", field="cases")
    setup = _Setup("evaluate_many", policies, calendars, entitlements, explain=explain)
    if not explain:
        # The garbage collector is left alone (a library call must not change the
        # interpreter's global state); the columnar path works in slices instead, so
        # its working objects die young and the collector seldom walks the whole heap.
        return evaluate_columns(checked, setup, now=now, accounts=accounts, engine=engine)
    prepared = [
        _prepare(
            case,
            setup,
            now=now,
            account=accounts.get(case.account_id) if case.account_id else None,
        )
        for case in checked
    ]
    resolved = _add_deadlines(prepared, engine)
    return [
        item.assemble([p.finish(resolved.get((i, j), {})) for j, p in enumerate(item.parts)])
        for i, item in enumerate(prepared)
    ]


class _Request:
    """One future deadline to add: KPI ``part`` of case ``case``, ``amount`` after ``now``."""

    __slots__ = ("amount", "case", "field", "now", "part")

    def __init__(self, case: int, part: int, field: str, now: datetime, amount: timedelta) -> None:
        self.case = case
        self.part = part
        self.field = field
        self.now = now
        self.amount = amount


def _add_deadlines(
    prepared: Sequence[_Prepared], engine: Engine
) -> dict[tuple[int, int], dict[str, datetime]]:
    """Every pending deadline, one :meth:`BusinessCalendar.add_many` call per calendar."""
    groups: dict[int, tuple[BusinessCalendar, list[_Request]]] = {}
    for i, item in enumerate(prepared):
        for j, part in enumerate(item.parts):
            for field, amount in part.pending:
                entry = groups.setdefault(id(part.calendar), (part.calendar, []))
                entry[1].append(_Request(i, j, field, part.now, amount))
    resolved: dict[tuple[int, int], dict[str, datetime]] = {}
    for calendar, requests in groups.values():
        times = calendar.add_many(
            [r.now for r in requests], [r.amount for r in requests], backend=engine
        )
        for request, moment in zip(requests, times, strict=True):
            resolved.setdefault((request.case, request.part), {})[request.field] = moment
    return resolved
