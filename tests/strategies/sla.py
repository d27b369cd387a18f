"""Hypothesis strategies for the public types of crmcore.sla."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import strategies as st

from crmcore.models import CasePriority, CaseStatus
from crmcore.sla import Entitlement, PolicyCondition, SlaPolicy, SlaTarget

__all__ = ["entitlements", "policy_conditions", "sla_policies", "sla_targets"]

_PAUSABLE = [CaseStatus.ON_HOLD, CaseStatus.WAITING_FOR_CUSTOMER, CaseStatus.RESEARCHING]


def policy_conditions() -> st.SearchStrategy[PolicyCondition]:
    """Policy conditions on priority and tier."""
    return st.builds(
        PolicyCondition,
        priorities=st.lists(st.sampled_from(list(CasePriority)), unique=True, max_size=2).map(
            tuple
        ),
        tiers=st.lists(st.sampled_from(["gold", "silver"]), unique=True, max_size=2).map(tuple),
    )


@st.composite
def sla_targets(draw: st.DrawFn, name: str | None = None) -> SlaTarget:
    """A first-response, next-response or resolution target."""
    minutes = draw(st.integers(1, 60 * 48))
    warning = draw(
        st.one_of(st.none(), st.integers(1, minutes).map(lambda m: timedelta(minutes=m)))
    )
    return SlaTarget(
        name or draw(st.sampled_from(["fr", "res", "nr"])),
        draw(st.sampled_from(["first_response", "resolution", "next_response"])),
        timedelta(minutes=minutes),
        warning=warning,
        warning_percent=draw(st.integers(1, 100)),
        business_hours=draw(st.booleans()),
        pause_statuses=tuple(draw(st.lists(st.sampled_from(_PAUSABLE), unique=True, max_size=2))),
    )


@st.composite
def sla_policies(draw: st.DrawFn) -> SlaPolicy:
    """A policy with one to three uniquely named targets."""
    count = draw(st.integers(1, 3))
    targets = [draw(sla_targets(name=f"t{k}")) for k in range(count)]
    return SlaPolicy(
        draw(st.sampled_from(["standard", "gold"])),
        targets,
        applies_when=draw(policy_conditions()),
        calendar=draw(st.one_of(st.none(), st.just("office"))),
    )


def entitlements() -> st.SearchStrategy[Entitlement]:
    """An entitlement with an allowance."""
    return st.builds(
        Entitlement,
        id=st.just("E1"),
        account_id=st.sampled_from(["acme", "tehran-steel"]),
        policy=st.just("standard"),
        valid_from=st.dates(date(2024, 1, 1), date(2025, 1, 1)),
        valid_until=st.one_of(st.none(), st.dates(date(2025, 1, 2), date(2026, 1, 1))),
        included_time=st.one_of(st.none(), st.integers(1, 100).map(lambda h: timedelta(hours=h))),
        included_cases=st.one_of(st.none(), st.integers(1, 50)),
    )
