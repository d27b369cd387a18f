"""Stage events kept apart from their opportunities (a CSV export) (private)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.models import (
    Opportunity,
    OpportunityId,
    SalesStage,
    StageEvent,
    StageEventKind,
)


@attrs.frozen(kw_only=True)
class StageChange:
    """One row of a stage-event file: which opportunity, when, what, and the stage after."""

    opportunity_id: OpportunityId = attrs.field(validator=check.instance_of(OpportunityId))
    at: datetime = attrs.field(validator=check.aware())
    kind: StageEventKind = attrs.field(converter=StageEventKind)
    stage: SalesStage = attrs.field(converter=SalesStage)
    note: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=10_000)
    )


def attach_stage_history(
    opportunities: Iterable[Opportunity], changes: Iterable[StageChange], *, start: int = 0
) -> tuple[Opportunity, ...]:
    """The opportunities with their stage histories from ``changes`` (in file order).

    Each opportunity's stage and status are then read from its history, so
    a history that is out of order, starts before ``created_at`` or
    contradicts itself raises ValidationError; a change for an unknown
    opportunity too, named ``changes[i]`` with ``i`` counted from ``start``
    (the place of the first change in a longer file read a part at a time:
    ``crmcore sales funnel --events`` brings each deal its changes so).

    >>> from datetime import timezone
    >>> opp = Opportunity(id=OpportunityId("o1"), name="x")
    >>> t = datetime(2026, 1, 5, tzinfo=timezone.utc)
    >>> rows = [StageChange(opportunity_id=OpportunityId("o1"), at=t, kind="created", stage="qualify"),
    ...         StageChange(opportunity_id=OpportunityId("o1"), at=t, kind="stage_changed", stage="propose")]
    >>> attach_stage_history([opp], rows)[0].stage.value
    'propose'
    """
    opps = list(opportunities)
    known = {o.id for o in opps}
    events: dict[OpportunityId, list[StageEvent]] = defaultdict(list)
    for index, change in enumerate(changes, start=start):
        if change.opportunity_id not in known:
            raise ValidationError(
                obj="attach_stage_history",
                field=f"changes[{index}].opportunity_id",
                value=str(change.opportunity_id),
                expected="the id of one of the opportunities",
            )
        events[change.opportunity_id].append(
            StageEvent(at=change.at, kind=change.kind, stage=change.stage, note=change.note)
        )
    out = []
    for opp in opps:
        history = events.get(opp.id)
        if history is None:
            out.append(opp)
            continue
        fields = {
            a.name: getattr(opp, a.name)
            for a in attrs.fields(Opportunity)
            if a.name not in ("stage", "status", "stage_history")
        }
        out.append(Opportunity.from_history(stage_history=history, **fields))
    return tuple(out)
