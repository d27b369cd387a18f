"""Engagement events as columns, for the batch path (private; see ``crmcore.scoring``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from crmcore import _checks as check
from crmcore.errors import ScoringError
from crmcore.scoring._conditions import EngagementEvent

__all__ = ["EventColumns"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class EventColumns:
    """Many leads' engagement events as four columns: lead id, kind, instant and detail.

    What :func:`~crmcore.scoring.score_columns` reads instead of a mapping
    of :class:`EngagementEvent` objects when the events come as a table
    (``crmcore.frames.score_frame`` builds one from an events DataFrame):
    no object per event is made on the numpy path. ``at`` holds aware
    datetimes, or a numpy ``datetime64`` array of UTC instants (what a
    tz-aware pandas column's ``to_numpy()`` gives). Scores are those of the
    same events as :class:`EngagementEvent` records (:meth:`grouped`).
    ``rows`` may give each event's row among the scored leads (−1 for
    none), as a join on unique lead ids already made (``crmcore.frames``
    makes it with a pandas index); the ids are then not looked up again.

    >>> from datetime import UTC, datetime
    >>> events = EventColumns(["L1", "L1"], ["page_view", "form_submit"],
    ...                       [datetime(2026, 1, 1, tzinfo=UTC)] * 2)
    >>> len(events), [e.kind for e in events.grouped()["L1"]]
    (2, ['page_view', 'form_submit'])
    """

    __slots__ = ("at", "detail", "kind", "lead_id", "rows")

    def __init__(
        self,
        lead_id: Sequence[object],
        kind: Sequence[object],
        at: Sequence[object],
        detail: Sequence[object] | None = None,
        *,
        rows: Sequence[int] | None = None,
    ) -> None:
        sizes = {len(lead_id), len(kind), len(at), *([len(detail)] if detail is not None else [])}
        if len(sizes) != 1:
            raise ScoringError(
                obj="EventColumns", field="columns", value=sorted(sizes), expected="equal lengths"
            )
        self.lead_id = lead_id
        self.kind = kind
        self.at = at
        self.detail = detail
        self.rows = rows
        """Optional: each event's row among the leads (−1: none), when the caller joined them."""

    def __len__(self) -> int:
        return len(self.kind)

    def kinds(self, np: Any) -> Any:
        """The kinds as a numpy string array; a blank or missing kind is refused."""
        if set(map(type, self.kind)) <= {str}:
            out = np.array(self.kind, dtype=str)
        else:
            cells = ["" if (p := check.plain_scalar(k)) is None else str(p) for k in self.kind]
            out = np.array(cells, dtype=str)
        blank = np.flatnonzero(np.char.strip(out) == "") if out.size else []
        if len(blank):
            index = int(blank[0])
            raise ScoringError(
                obj="EventColumns",
                field=f"kind[{index}]",
                value=self.kind[index],
                expected="a non-blank event kind",
            )
        return out

    def ages_us(self, np: Any, now: datetime) -> Any:
        """``now − at`` of every event in whole microseconds (int64)."""
        at: Any = self.at
        if isinstance(at, np.ndarray) and at.dtype.kind == "M":
            if np.isnat(at).any():
                index = int(np.flatnonzero(np.isnat(at))[0])
                raise ScoringError(
                    obj="EventColumns", field=f"at[{index}]", value=None, expected="an instant"
                )
            now_us = (now - _EPOCH) // _MICROSECOND
            return now_us - at.astype("datetime64[us]").astype(np.int64)
        ages = []
        for index, value in enumerate(at):
            instant = check.require_aware(value, obj="EventColumns", field=f"at[{index}]")
            ages.append((now - instant) // _MICROSECOND)
        return np.array(ages, dtype=np.int64)

    def details(self) -> list[str | None]:
        """The details (None where absent)."""
        if self.detail is None:
            return [None] * len(self)
        return [None if (p := check.plain_scalar(d)) is None else str(p) for d in self.detail]

    def grouped(self) -> Mapping[str, tuple[EngagementEvent, ...]]:
        """The same events as :class:`EngagementEvent` records by lead id (as ``group_events``)."""
        at: Any = self.at
        if type(at).__module__ == "numpy" and at.dtype.kind == "M":  # no numpy import otherwise
            at = [
                _EPOCH + timedelta(microseconds=int(v))
                for v in at.astype("datetime64[us]").astype("int64")
            ]
        out: dict[str, list[EngagementEvent]] = {}
        for index, (lead, kind, instant, detail) in enumerate(
            zip(self.lead_id, self.kind, at, self.details(), strict=True)
        ):
            key = check.plain_scalar(lead)
            if key is None or key == "":
                raise ScoringError(
                    obj="EventColumns", field=f"lead_id[{index}]", value=lead, expected="a lead id"
                )
            event = EngagementEvent(kind=check.plain_scalar(kind), at=instant, detail=detail)
            out.setdefault(str(key), []).append(event)
        return {lead: tuple(found) for lead, found in out.items()}
