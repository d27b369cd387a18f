"""The CRM domain: entities, typed ids and their state rules.

Entities are frozen attrs classes. Every change returns a new object
(``edit(...)``, or a transition method such as :meth:`Lead.qualify` or
:meth:`Opportunity.win`); a transition the entity's state does not allow
raises :class:`~crmcore.errors.InvalidTransitionError`.

>>> from datetime import date
>>> from crmcore.models import Lead, LeadId, LeadSource
>>> lead = Lead(id=LeadId("L1"), first_name="Reza", last_name="Tehrani",
...             company="Tehran Steel", source=LeadSource.TRADE_SHOW)
>>> q = lead.qualify(create_contact=False)
>>> q.lead.status.value, q.account.name, q.contact is None
('qualified', 'Tehran Steel', True)
>>> q.lead.qualify()
Traceback (most recent call last):
...
crmcore.errors.InvalidTransitionError: Lead 'L1' is qualified: cannot qualify (allowed from: new, contacted)
"""

from crmcore.models._activity import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Direction,
    RecordKind,
    RecordRef,
)
from crmcore.models._base import (
    AccountId,
    ActivityId,
    CaseId,
    ContactId,
    EntityId,
    FrozenMap,
    LeadId,
    OpportunityId,
    UserId,
    to_frozen_map,
)
from crmcore.models._case import (
    Case,
    CaseChannel,
    CaseEvent,
    CaseEventKind,
    CasePriority,
    CaseStatus,
    CaseType,
)
from crmcore.models._lead import DisqualifyReason, Lead, LeadStatus, Qualification
from crmcore.models._lead_source import LeadSource
from crmcore.models._opportunity import (
    Opportunity,
    OpportunityStatus,
    SalesStage,
    StageEvent,
    StageEventKind,
    WinResult,
)
from crmcore.models._party import Account, Contact, RelationshipType

__all__ = [
    "Account",
    "AccountId",
    "Activity",
    "ActivityId",
    "ActivityKind",
    "ActivityStatus",
    "Case",
    "CaseChannel",
    "CaseEvent",
    "CaseEventKind",
    "CaseId",
    "CasePriority",
    "CaseStatus",
    "CaseType",
    "Contact",
    "ContactId",
    "Direction",
    "DisqualifyReason",
    "EntityId",
    "FrozenMap",
    "Lead",
    "LeadId",
    "LeadSource",
    "LeadStatus",
    "Opportunity",
    "OpportunityId",
    "OpportunityStatus",
    "Qualification",
    "RecordKind",
    "RecordRef",
    "RelationshipType",
    "SalesStage",
    "StageEvent",
    "StageEventKind",
    "UserId",
    "WinResult",
    "to_frozen_map",
]
