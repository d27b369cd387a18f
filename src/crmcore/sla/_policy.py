"""SLA policies, targets, conditions and entitlements (private)."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

import attrs

from crmcore import _checks as check
from crmcore.errors import ValidationError
from crmcore.models import (
    AccountId,
    Case,
    CaseChannel,
    CaseEventKind,
    CasePriority,
    CaseStatus,
    CaseType,
)

__all__ = [
    "Entitlement",
    "KpiKind",
    "PolicyCondition",
    "SlaPolicy",
    "SlaTarget",
]

DEFAULT_PAUSE = (CaseStatus.ON_HOLD, CaseStatus.WAITING_FOR_CUSTOMER)


class KpiKind(enum.StrEnum):
    """What a target measures.

    - ``first_response``: creation → first ``responded`` (or resolution).
    - ``next_response``: the latest response (or reopen) → the next response;
      the clock starts once the case has had a response.
    - ``resolution``: creation → resolution; time while resolved or
      cancelled does not count, and a reopen resumes the clock.
    - ``custom``: creation → ``success_event`` or ``success_status``.
    """

    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"
    CUSTOM = "custom"


def _enum_tuple(kind: type[enum.Enum]) -> Any:
    def convert(value: Iterable[Any]) -> tuple[Any, ...]:
        if isinstance(value, (str, kind)):
            value = (value,)
        try:
            return tuple(kind(v) for v in value)
        except (ValueError, TypeError):
            raise ValidationError(
                obj="PolicyCondition",
                field=kind.__name__,
                value=value,
                expected="values among " + ", ".join(str(m.value) for m in kind),
            ) from None

    return convert


def _priorities(value: Any) -> tuple[CasePriority, ...]:
    result: tuple[CasePriority, ...] = _enum_tuple(CasePriority)(value)
    return result


def _case_types(value: Any) -> tuple[CaseType, ...]:
    result: tuple[CaseType, ...] = _enum_tuple(CaseType)(value)
    return result


def _channels(value: Any) -> tuple[CaseChannel, ...]:
    result: tuple[CaseChannel, ...] = _enum_tuple(CaseChannel)(value)
    return result


def _statuses(value: Any) -> tuple[CaseStatus, ...]:
    result: tuple[CaseStatus, ...] = _enum_tuple(CaseStatus)(value)
    return result


def _require_iterable(value: object, field: str) -> None:
    if not isinstance(value, Iterable):
        raise ValidationError(
            obj="PolicyCondition",
            field=field,
            value=value,
            expected="a string or an iterable of strings",
        )


def _str_tuple(value: Iterable[str] | str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    _require_iterable(value, "tiers")
    return tuple(value)


def _account_ids(value: Iterable[str]) -> tuple[AccountId, ...]:
    if isinstance(value, str):
        value = (value,)
    _require_iterable(value, "accounts")
    return tuple(AccountId(v) for v in value)


@attrs.frozen
class PolicyCondition:
    """When a policy applies: every non-empty field must match (an empty field matches all).

    (``crmcore.scoring.Condition`` is a scorecard rule's test; this one
    chooses an SLA policy.)

    >>> from crmcore.models import CasePriority
    >>> PolicyCondition(priorities=("high", "critical")).priorities
    (<CasePriority.HIGH: 'high'>, <CasePriority.CRITICAL: 'critical'>)
    """

    priorities: tuple[CasePriority, ...] = attrs.field(default=(), converter=_priorities)
    case_types: tuple[CaseType, ...] = attrs.field(default=(), converter=_case_types)
    channels: tuple[CaseChannel, ...] = attrs.field(default=(), converter=_channels)
    tiers: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple)
    accounts: tuple[AccountId, ...] = attrs.field(default=(), converter=_account_ids)

    def matches(self, case: Case, priority: CasePriority, tier: str | None) -> bool:
        """True if ``case`` (with ``priority`` and customer ``tier``) satisfies every field."""
        return (
            (not self.priorities or priority in self.priorities)
            and (not self.case_types or case.case_type in self.case_types)
            and (not self.channels or case.channel in self.channels)
            and (not self.tiers or tier in self.tiers)
            and (not self.accounts or case.account_id in self.accounts)
        )


def _optional_status(value: object) -> CaseStatus | None:
    return None if value is None else CaseStatus(value)  # type: ignore[arg-type]


def _kpi_kind(value: object) -> KpiKind:
    try:
        return KpiKind(value)  # type: ignore[arg-type]
    except ValueError:
        raise ValidationError(
            obj="SlaTarget",
            field="kind",
            value=value,
            expected="one of " + ", ".join(k.value for k in KpiKind),
        ) from None


def _optional_event(value: object) -> CaseEventKind | None:
    return None if value is None else CaseEventKind(value)  # type: ignore[arg-type]


@attrs.frozen
class SlaTarget:
    """One KPI of a policy: measure ``kind`` against ``duration``.

    The warning comes at ``warning`` elapsed (a duration) or at
    ``warning_percent`` % of ``duration`` (default 80 %). ``business_hours``
    chooses the policy's (or entitlement's) calendar; ``False`` counts 24×7.
    The clock pauses while the case is in one of ``pause_statuses``.

    >>> from datetime import timedelta
    >>> t = SlaTarget("resolution", "resolution", timedelta(hours=8))
    >>> t.warning_after
    datetime.timedelta(seconds=23040)
    """

    name: str = attrs.field(validator=check.text(max_length=100))
    kind: KpiKind = attrs.field(converter=_kpi_kind)
    duration: timedelta = attrs.field(validator=check.positive_timedelta())
    warning: timedelta | None = attrs.field(
        default=None, validator=check.positive_timedelta(optional=True)
    )
    warning_percent: int = attrs.field(default=80, validator=check.in_range(1, 100))
    business_hours: bool = attrs.field(default=True, validator=check.instance_of(bool))
    pause_statuses: tuple[CaseStatus, ...] = attrs.field(default=DEFAULT_PAUSE, converter=_statuses)
    success_event: CaseEventKind | None = attrs.field(default=None, converter=_optional_event)
    success_status: CaseStatus | None = attrs.field(default=None, converter=_optional_status)

    def __attrs_post_init__(self) -> None:
        if self.warning is not None and self.warning > self.duration:
            raise ValidationError(
                obj="SlaTarget",
                field="warning",
                value=self.warning,
                expected=f"at most the target duration {self.duration}",
            )
        if (
            self.kind is KpiKind.CUSTOM
            and self.success_event is None
            and self.success_status is None
        ):
            raise ValidationError(
                obj="SlaTarget",
                field="success_event",
                value=None,
                expected="a success_event or success_status for a custom KPI",
            )
        if self.success_status is not None and self.success_status in self.pause_statuses:
            raise ValidationError(
                obj="SlaTarget",
                field="success_status",
                value=self.success_status.value,
                expected="a status that is not also a pause status",
            )

    @property
    def warning_after(self) -> timedelta:
        """Elapsed (business) time at which the warning starts."""
        if self.warning is not None:
            return self.warning
        micro = (self.duration // timedelta(microseconds=1)) * self.warning_percent // 100
        return timedelta(microseconds=micro)


def _targets(value: Iterable[SlaTarget]) -> Any:
    if isinstance(value, SlaTarget) or not isinstance(value, Iterable):
        raise ValidationError(
            obj="SlaPolicy", field="targets", value=value, expected="an iterable of SlaTarget"
        )
    return tuple(value)


def _unique_names(instance: SlaPolicy, attribute: object, value: tuple[SlaTarget, ...]) -> None:
    names: set[str] = set()
    for index, target in enumerate(value):
        if target.name in names:
            raise ValidationError(
                obj="SlaPolicy",
                field=f"targets[{index}].name",
                value=target.name,
                expected="a name unique within the policy",
            )
        names.add(target.name)


@attrs.frozen
class SlaPolicy:
    """Targets that apply to cases matching ``applies_when`` (first matching policy wins).

    ``calendar`` names the business calendar (looked up in the calendars
    passed to :func:`~crmcore.sla.evaluate`); ``None`` counts 24×7.
    """

    name: str = attrs.field(validator=check.text(max_length=100))
    targets: tuple[SlaTarget, ...] = attrs.field(
        converter=_targets, validator=[check.items_of(SlaTarget, min_items=1), _unique_names]
    )
    applies_when: PolicyCondition = attrs.field(
        factory=PolicyCondition, validator=check.instance_of(PolicyCondition)
    )
    calendar: str | None = attrs.field(default=None, validator=check.text(optional=True))


@attrs.frozen
class Entitlement:
    """A customer's contract: its own policy and calendar, and an allowance.

    Applies to the customer's cases created from ``valid_from`` to
    ``valid_until`` (inclusive; ``None`` = open-ended). ``included_time``
    (handling time) and ``included_cases`` bound the allowance; use beyond
    them is reported as billable overage by :func:`~crmcore.sla.entitlement_usage`.
    """

    id: str = attrs.field(validator=check.text(max_length=100))
    account_id: AccountId = attrs.field(converter=AccountId)
    policy: str = attrs.field(validator=check.text(max_length=100))
    valid_from: date = attrs.field(validator=check.required_date())
    valid_until: date | None = attrs.field(default=None, validator=check.optional_date())
    calendar: str | None = attrs.field(default=None, validator=check.text(optional=True))
    included_time: timedelta | None = attrs.field(
        default=None, validator=check.positive_timedelta(optional=True)
    )
    included_cases: int | None = attrs.field(
        default=None, validator=check.in_range(1, optional=True)
    )
    pause_statuses: tuple[CaseStatus, ...] = attrs.field(default=DEFAULT_PAUSE, converter=_statuses)

    def __attrs_post_init__(self) -> None:
        if self.valid_until is not None and self.valid_until < self.valid_from:
            raise ValidationError(
                obj="Entitlement",
                field="valid_until",
                value=self.valid_until,
                expected=f"on or after valid_from ({self.valid_from})",
            )

    def covers(self, case: Case) -> bool:
        """True if ``case`` is this customer's and was created within the validity."""
        created = case.created_at.date()
        return (
            case.account_id == self.account_id
            and self.valid_from <= created
            and (self.valid_until is None or created <= self.valid_until)
        )
