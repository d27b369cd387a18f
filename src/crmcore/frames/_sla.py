"""DataFrame adapters for SLA deadlines and evaluations (private; see ``crmcore.frames``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from crmcore._backend import Backend
from crmcore.calendars import BusinessCalendar
from crmcore.errors import ValidationError
from crmcore.frames._common import column, pandas, require_columns, require_frame, typed_frame
from crmcore.models import Account, AccountId, Case
from crmcore.sla import Entitlement, SlaPolicy, evaluate_many

__all__ = ["deadlines_frame", "evaluate_frame"]


def deadlines_frame(
    calendar: BusinessCalendar,
    frame: Any,
    *,
    start: str = "opened_at",
    duration: str = "target",
    backend: Backend = "auto",
) -> Any:
    """The business-time deadline of every ticket row: ``start`` + ``duration`` on ``calendar``.

    ``start`` names a column of timezone-aware datetimes (a tz-aware
    ``datetime64`` column or aware datetime objects), ``duration`` a column
    of durations (``timedelta64`` or ``timedelta`` objects). The result has
    one column ``deadline``, tz-aware in the calendar's timezone, on the
    frame's index; equal to :meth:`BusinessCalendar.add_many
    <crmcore.calendars.BusinessCalendar.add_many>` (and
    :func:`crmcore.calendars.deadlines`) on the same values. A missing
    start or duration raises.
    """
    obj = "deadlines_frame"
    require_frame(frame, obj=obj)
    require_columns(frame, [start, duration], obj=obj)
    starts, durations = column(frame, start), column(frame, duration)
    for name, cells, kind in ((start, starts, datetime), (duration, durations, timedelta)):
        for i, cell in enumerate(cells):
            if not isinstance(cell, kind):
                raise ValidationError(
                    obj=obj, field=f"{name}[{i}]", value=cell, expected=f"a {kind.__name__}"
                )
    result = calendar.add_many(starts, durations, backend=backend)  # type: ignore[arg-type]
    pd = pandas(obj)
    stamps = pd.Series(pd.to_datetime(result)) if result else pd.Series([], dtype=object)
    return pd.DataFrame({"deadline": stamps.array}, index=frame.index)


_KPI_FIELDS = (
    "name",
    "kind",
    "state",
    "target",
    "elapsed",
    "paused",
    "remaining",
    "calendar",
    "started_at",
    "warning_at",
    "breach_at",
    "completed_at",
)


def evaluate_frame(
    cases: Iterable[Case],
    policies: Sequence[SlaPolicy],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar] | None = None,
    accounts: Mapping[AccountId, Account] | None = None,
    entitlements: Sequence[Entitlement] = (),
    backend: Backend = "auto",
) -> Any:
    """:func:`crmcore.sla.evaluate_many` as a table: one row per (case, KPI).

    Columns: ``case_id``, ``priority``, ``policy``, ``entitlement`` and the
    KPI's ``name``, ``kind``, ``state`` (strings), ``target``, ``elapsed``,
    ``paused``, ``remaining`` (timedelta64), ``calendar`` and
    ``started_at``, ``warning_at``, ``breach_at``, ``completed_at``
    (tz-aware datetimes, NaT when not set). A case no policy covers has one
    row with empty KPI columns.
    """
    evaluations = evaluate_many(
        cases,
        policies,
        now=now,
        calendars=calendars,
        accounts=accounts,
        entitlements=entitlements,
        backend=backend,
    )
    rows: dict[str, list[object]] = {
        n: [] for n in ("case_id", "priority", "policy", "entitlement", *_KPI_FIELDS)
    }
    for evaluation in evaluations:
        for kpi in evaluation.kpis or (None,):
            rows["case_id"].append(str(evaluation.case_id))
            rows["priority"].append(str(evaluation.priority))
            rows["policy"].append(evaluation.policy)
            rows["entitlement"].append(evaluation.entitlement)
            for name in _KPI_FIELDS:
                rows[name].append(None if kpi is None else getattr(kpi, name))
    if not evaluations:
        return pandas("evaluate_frame").DataFrame({n: [] for n in rows})
    return typed_frame(rows)
