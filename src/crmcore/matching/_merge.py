"""Merge plans: who survives, which value wins, what to re-point (private).

:func:`plan_merge` is pure: records in, a :class:`MergePlan` out.
:func:`related_records` reads what refers to a cluster through a unit of
work, and :func:`apply_merge` writes a plan in one unit of work, so a
failure anywhere leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

import attrs

from crmcore import _checks as check
from crmcore.errors import MatchingError, ValidationError
from crmcore.matching._rules import _Choice
from crmcore.models import (
    Account,
    Activity,
    Case,
    Contact,
    FrozenMap,
    Lead,
    Opportunity,
    RecordKind,
    RecordRef,
)
from crmcore.repositories import Store, UnitOfWork

Party = Account | Contact | Lead
"""A record that can be merged: an account, a contact or a lead."""


class Survivorship(_Choice):
    """How the surviving record, or one field's value, is chosen.

    - ``most_recent``: the record created last (``created_at``);
    - ``oldest``: the record created first;
    - ``most_complete``: the record with the most filled fields;
    - ``master``: the record named by ``master_id``.

    Ties (or missing ``created_at``) fall back to the smaller id.
    """

    MOST_RECENT = "most_recent"
    OLDEST = "oldest"
    MOST_COMPLETE = "most_complete"
    MASTER = "master"


def _field_strategies(value: Mapping[str, Any] | None) -> FrozenMap[str, Survivorship]:
    items = dict(value or {})
    return FrozenMap({str(k): Survivorship(v) for k, v in items.items()})


@attrs.frozen(kw_only=True)
class SurvivorshipRule:
    """Which record survives a merge and where each field's value comes from.

    ``strategy`` picks the master record; ``fields`` overrides single
    fields (``{"email": "most_recent"}``: the e-mail of the newest record
    that has one). With ``fill_blanks`` (default) a field blank on the
    master takes the first filled value of the other records, in the order
    the strategy ranks them.

    >>> SurvivorshipRule(strategy="master")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: SurvivorshipRule.master_id: got None; expected the id of the master record for strategy 'master'
    """

    strategy: Survivorship = attrs.field(default=Survivorship.MOST_COMPLETE, converter=Survivorship)
    master_id: str | None = attrs.field(default=None, validator=check.text(optional=True))
    fields: FrozenMap[str, Survivorship] = attrs.field(
        factory=FrozenMap, converter=_field_strategies
    )
    fill_blanks: bool = attrs.field(default=True, validator=check.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if self.strategy is Survivorship.MASTER and self.master_id is None:
            raise ValidationError(
                obj="SurvivorshipRule",
                field="master_id",
                value=None,
                expected="the id of the master record for strategy 'master'",
            )


@attrs.frozen
class Repoint:
    """One reference moved from a merged-away record to the survivor."""

    kind: str
    """The kind of record holding the reference: opportunity, activity, case, contact, ..."""
    record_id: str
    field: str
    old_id: str
    new_id: str

    def explain(self) -> tuple[str, ...]:
        """One line: which record's field moves from where to where."""
        return (f"{self.kind} {self.record_id}.{self.field}: {self.old_id} -> {self.new_id}",)


@attrs.frozen(kw_only=True)
class MergePlan:
    """What merging a cluster does, computed without touching any store.

    ``survivor`` is the master record with the chosen field values (its
    version is the master's, so applying the plan detects a concurrent
    change); ``removed`` are the other records as read; ``related`` are the
    referencing records with their references already moved; ``repoints``
    lists each moved reference; ``sources`` names, per field whose value
    did not come from the master, the id of the record it came from.
    """

    survivor: Party
    removed: tuple[Party, ...]
    related: tuple[Any, ...]
    repoints: tuple[Repoint, ...]
    sources: FrozenMap[str, str]

    def explain(self) -> tuple[str, ...]:
        """The survivor, each borrowed field, each re-pointed reference, each removal."""
        kind = _kind(self.survivor).value
        lines = [f"keep {kind} {self.survivor.id}"]
        lines += [f"{field} from {kind} {source}" for field, source in sorted(self.sources.items())]
        lines += [line for r in self.repoints for line in r.explain()]
        lines += [f"delete {kind} {r.id}" for r in self.removed]
        return tuple(lines)


# -- choosing ------------------------------------------------------------------------------------

_KEPT = frozenset(
    {"id", "version", "status", "disqualify_reason", "disqualify_note", "opportunity_id", "custom"}
)


def _kind(record: object) -> RecordKind:
    if isinstance(record, Account):
        return RecordKind.ACCOUNT
    if isinstance(record, Contact):
        return RecordKind.CONTACT
    if isinstance(record, Lead):
        return RecordKind.LEAD
    raise ValidationError(
        obj="plan_merge", field="records", value=record, expected="accounts, contacts or leads"
    )


def _filled(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _completeness(record: Party) -> int:
    return sum(
        1
        for a in attrs.fields(type(record))
        if a.name not in _KEPT and _filled(getattr(record, a.name))
    )


def _stamp(record: Party) -> float:
    created = record.created_at
    return created.timestamp() if isinstance(created, datetime) else float("-inf")


def _ranked(records: Sequence[Party], how: Survivorship, master_id: str | None) -> list[Party]:
    """The records best first under ``how`` (ties by id)."""
    by_id = sorted(records, key=lambda r: str(r.id))
    if how is Survivorship.MASTER:
        return sorted(by_id, key=lambda r: str(r.id) != master_id)
    if how is Survivorship.MOST_RECENT:
        return sorted(by_id, key=lambda r: -_stamp(r))
    if how is Survivorship.OLDEST:
        return sorted(by_id, key=lambda r: _stamp(r) if r.created_at is not None else float("inf"))
    return sorted(by_id, key=lambda r: -_completeness(r))


def _check_cluster(records: Sequence[object], rule: SurvivorshipRule) -> list[Party]:
    if len(records) < 2:
        raise ValidationError(
            obj="plan_merge", field="records", value=len(records), expected="at least two records"
        )
    kinds = {_kind(r) for r in records}
    if len(kinds) > 1:
        raise ValidationError(
            obj="plan_merge",
            field="records",
            value=sorted(k.value for k in kinds),
            expected="records of one type (merge accounts with accounts, ...)",
        )
    parties = cast(list[Party], list(records))
    ids = [str(r.id) for r in parties]
    if len(set(ids)) != len(ids):
        raise ValidationError(obj="plan_merge", field="records", value=ids, expected="distinct ids")
    if rule.master_id is not None and rule.master_id not in ids:
        raise ValidationError(
            obj="SurvivorshipRule",
            field="master_id",
            value=rule.master_id,
            expected="one of the cluster's ids: " + ", ".join(sorted(ids)),
        )
    names = {a.name for a in attrs.fields(type(parties[0]))}
    for field in rule.fields:
        if field not in names or field in _KEPT:
            raise ValidationError(
                obj="SurvivorshipRule",
                field=f"fields.{field}",
                value=field,
                expected="a mergeable field: " + ", ".join(sorted(names - _KEPT)),
            )
    return parties


def _survivor(parties: Sequence[Party], rule: SurvivorshipRule) -> tuple[Party, dict[str, str]]:
    ranked = _ranked(parties, rule.strategy, rule.master_id)
    master = ranked[0]
    changes: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for attribute in attrs.fields(type(master)):
        name = attribute.name
        if name in _KEPT:
            continue
        how = rule.fields.get(name)
        if how is not None:
            order = _ranked(parties, how, rule.master_id or str(master.id))
        elif rule.fill_blanks and not _filled(getattr(master, name)):
            order = ranked
        else:
            continue
        donor = next((r for r in order if _filled(getattr(r, name))), None)
        if donor is not None and donor is not master:
            changes[name] = getattr(donor, name)
            sources[name] = str(donor.id)
    merged_custom: dict[str, str] = {}
    for record in reversed(ranked):  # the master's own custom values win
        merged_custom.update(record.custom)
    changes["custom"] = FrozenMap(merged_custom)
    return cast(Party, attrs.evolve(cast(Any, master), **changes)), sources


# -- references ------------------------------------------------------------------------------------

_REFERENCES: dict[RecordKind, tuple[tuple[type[Any], str], ...]] = {
    RecordKind.ACCOUNT: (
        (Contact, "account_id"),
        (Lead, "account_id"),
        (Opportunity, "account_id"),
        (Case, "account_id"),
        (Account, "parent_id"),
    ),
    RecordKind.CONTACT: (
        (Lead, "contact_id"),
        (Opportunity, "contact_id"),
        (Case, "contact_id"),
    ),
    RecordKind.LEAD: ((Opportunity, "lead_id"),),
}

_KIND_NAMES: dict[type[Any], str] = {
    Account: "account",
    Contact: "contact",
    Lead: "lead",
    Opportunity: "opportunity",
    Case: "case",
    Activity: "activity",
}


def _kind_name(record: object) -> str:
    name = _KIND_NAMES.get(type(record))
    if name is None:
        raise ValidationError(
            obj="plan_merge",
            field="related",
            value=record,
            expected="accounts, contacts, leads, opportunities, cases or activities",
        )
    return name


def _repoint_one(
    record: Any, kind: RecordKind, old: set[str], new_id: Any
) -> tuple[Any, list[tuple[str, str]]]:
    moved: list[tuple[str, str]] = []
    changes: dict[str, Any] = {}
    if isinstance(record, Activity):
        ref = record.regarding
        if ref is not None and ref.kind is kind and ref.id in old:
            changes["regarding"] = RecordRef(kind, str(new_id))
            moved.append(("regarding", ref.id))
    for entity, field in _REFERENCES[kind]:
        if isinstance(record, entity):
            value = getattr(record, field)
            if value is not None and str(value) in old:
                changes[field] = new_id
                moved.append((field, str(value)))
    if not changes:
        return record, moved
    return attrs.evolve(record, **changes), moved


def plan_merge(
    records: Sequence[Party],
    rule: SurvivorshipRule | None = None,
    *,
    related: Iterable[object] = (),
) -> MergePlan:
    """The plan to merge ``records`` (one cluster of one type) into one.

    Pure: ``related`` are the records that may refer to the cluster
    (opportunities, activities, cases, and for accounts also contacts,
    leads and child accounts; :func:`related_records` reads them); those
    that do are returned with the reference moved to the survivor.

    >>> from datetime import UTC, datetime
    >>> from crmcore.models import AccountId, Opportunity, OpportunityId
    >>> old = Account(id=AccountId("A1"), name="Pars Steel", phone="021 8888 1234",
    ...               created_at=datetime(2025, 1, 1, tzinfo=UTC))
    >>> new = Account(id=AccountId("A2"), name="فولاد پارس", city="Tehran",
    ...               created_at=datetime(2026, 1, 1, tzinfo=UTC))
    >>> deal = Opportunity(id=OpportunityId("O1"), name="Rebar", account_id=AccountId("A2"))
    >>> plan = plan_merge([old, new], SurvivorshipRule(strategy="oldest"), related=[deal])
    >>> for line in plan.explain(): print(line)
    keep account A1
    city from account A2
    opportunity O1.account_id: A2 -> A1
    delete account A2
    """
    rule = rule or SurvivorshipRule()
    parties = _check_cluster(records, rule)
    survivor, sources = _survivor(parties, rule)
    kind = _kind(survivor)
    removed = tuple(sorted((r for r in parties if r.id != survivor.id), key=lambda r: str(r.id)))
    old = {str(r.id) for r in removed}
    members = {str(r.id) for r in parties}
    if isinstance(survivor, Account) and str(survivor.parent_id) in members:
        # it would point at itself or at a deleted record
        survivor = attrs.evolve(survivor, parent_id=None)
    changed: dict[tuple[str, str], Any] = {}
    repoints: list[Repoint] = []
    for record in related:
        name = _kind_name(record)
        identity = (name, str(getattr(record, "id", "")))
        if (name == kind.value and identity[1] in members) or identity in changed:
            continue  # cluster members are merged, not re-pointed; each record once
        moved_record, moved = _repoint_one(record, kind, old, survivor.id)
        if moved:
            changed[identity] = moved_record
            repoints += [
                Repoint(name, identity[1], f, old_id, str(survivor.id)) for f, old_id in moved
            ]
    return MergePlan(
        survivor=survivor,
        removed=removed,
        related=tuple(changed[key] for key in sorted(changed)),
        repoints=tuple(sorted(repoints, key=lambda r: (r.kind, r.record_id, r.field))),
        sources=FrozenMap(sources),
    )


_REPOSITORY = {
    "account": "accounts",
    "contact": "contacts",
    "lead": "leads",
    "opportunity": "opportunities",
    "case": "cases",
    "activity": "activities",
}


def related_records(uow: UnitOfWork, records: Sequence[Party]) -> tuple[object, ...]:
    """The records that refer to any of ``records``, read through ``uow``'s repositories.

    For accounts: contacts, leads, opportunities and cases by ``account_id``,
    child accounts by ``parent_id``; for contacts: leads, opportunities and
    cases by ``contact_id``; for leads: opportunities by ``lead_id``; and
    the activities regarding any of them. Only the repositories' public
    ``list`` is used, so any store implementing the protocols works.
    """
    found: list[object] = []
    for record in records:
        kind = _kind(record)
        for entity, field in _REFERENCES[kind]:
            repository = getattr(uow, _REPOSITORY[_KIND_NAMES[entity]])
            found.extend(repository.list(**{field: record.id}))
        found.extend(uow.activities.list(regarding=RecordRef(kind, str(record.id))))
    return tuple(found)


def apply_merge(plan: MergePlan, store: Store) -> Party:
    """Write ``plan`` in one unit of work of ``store``; return the stored survivor.

    Every related record is updated, every removed record deleted (at the
    version the plan read) and the survivor updated, or, if any step fails
    (a record changed or deleted since the plan was made raises
    :class:`~crmcore.errors.ConcurrencyError` or
    :class:`~crmcore.errors.NotFoundError`), nothing at all: the unit of
    work rolls back and the error propagates.
    """
    if not isinstance(plan, MergePlan):
        raise ValidationError(obj="apply_merge", field="plan", value=plan, expected="a MergePlan")
    with store.unit_of_work() as uow:
        for record in plan.related:
            getattr(uow, _REPOSITORY[_kind_name(record)]).update(record)
        repository = getattr(uow, _REPOSITORY[_kind(plan.survivor).value])
        for record in plan.removed:
            repository.delete(record.id, version=record.version)
        stored = repository.update(plan.survivor)
        if not isinstance(stored, type(plan.survivor)):
            raise MatchingError(
                obj="apply_merge", field="survivor", value=stored, expected="the stored survivor"
            )
    return stored
