"""Hypothesis strategies for the public types of crmcore.money and crmcore.models.

Entities come out in every valid state, reached by applying the entity's own
transitions (a lead contacted, disqualified, reactivated or qualified; an
opportunity won, lost or reopened; a case with a random valid history), so
the strategies never build a state the model could not reach itself.

:data:`CORE_STRATEGIES` maps each public type to its strategy; the tests use
it to check that every public type has one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

from crmcore import models as m
from crmcore.errors import InvalidTransitionError
from crmcore.money import Money, RoundingMode

__all__ = [
    "CORE_STRATEGIES",
    "account_ids",
    "accounts",
    "activities",
    "activity_ids",
    "amounts",
    "aware_datetimes",
    "case_events",
    "case_ids",
    "cases",
    "contact_ids",
    "contacts",
    "currencies",
    "dates",
    "entity_ids",
    "frozen_maps",
    "lead_ids",
    "lead_sources",
    "leads",
    "money",
    "opportunities",
    "opportunity_ids",
    "qualifications",
    "record_refs",
    "rounding_modes",
    "texts",
    "time_zones",
    "user_ids",
    "win_results",
]

# Minor units: 2 (USD, EUR, GBP), 0 (IRR, JPY, KRW), 3 (BHD, KWD, TND).
_CURRENCIES = ("USD", "EUR", "GBP", "IRR", "JPY", "KRW", "BHD", "KWD", "TND", "CHF", "AED")
_ZONES = (
    UTC,
    timezone(timedelta(hours=3, minutes=30)),
    timezone(timedelta(hours=-5)),
    ZoneInfo("Asia/Tehran"),
    ZoneInfo("Europe/Berlin"),
    ZoneInfo("America/New_York"),
)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes with 0, 2 and 3 minor-unit digits."""
    return st.sampled_from(_CURRENCIES)


def amounts(max_places: int = 6, limit: int = 10**12) -> st.SearchStrategy[Decimal]:
    """Exact decimals with up to ``max_places`` digits after the point, either sign."""
    return st.builds(
        lambda units, places: Decimal(units).scaleb(-places),
        st.integers(-limit, limit),
        st.integers(0, max_places),
    )


def money(currency: str | None = None, max_places: int = 6) -> st.SearchStrategy[Money]:
    """Money of a random (or the given) currency with exact random amounts."""
    codes = st.just(currency) if currency else currencies()
    return st.builds(Money, amounts(max_places), codes)


def rounding_modes() -> st.SearchStrategy[RoundingMode]:
    """Every rounding mode."""
    return st.sampled_from(RoundingMode)


def texts(max_size: int = 20) -> st.SearchStrategy[str]:
    """Non-blank text, Latin and Persian letters included."""
    alphabet = st.characters(categories=("L", "N", "Zs", "Pd"), include_characters="آابپتثجچ")
    return st.text(alphabet, min_size=1, max_size=max_size).filter(lambda s: bool(s.strip()))


def _optional_text() -> st.SearchStrategy[str | None]:
    return st.none() | texts()


def time_zones() -> st.SearchStrategy[Any]:
    """Fixed offsets and IANA zones (Tehran, Berlin, New York)."""
    return st.sampled_from(_ZONES)


def aware_datetimes(
    min_value: datetime = datetime(2000, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive
    max_value: datetime = datetime(2100, 1, 1),  # noqa: DTZ001
) -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes, including wall times in DST gaps and overlaps."""
    return st.datetimes(min_value, max_value, timezones=time_zones())


def dates() -> st.SearchStrategy[date]:
    """Dates between 1990 and 2100."""
    return st.dates(date(1990, 1, 1), date(2100, 12, 31))


def _ids(cls: type[m.EntityId]) -> st.SearchStrategy[Any]:
    return texts(30).map(cls)


def entity_ids() -> st.SearchStrategy[m.EntityId]:
    """Ids of any entity type."""
    return st.sampled_from(
        [
            m.EntityId,
            m.AccountId,
            m.ContactId,
            m.LeadId,
            m.OpportunityId,
            m.ActivityId,
            m.CaseId,
            m.UserId,
        ]
    ).flatmap(_ids)


def account_ids() -> st.SearchStrategy[m.AccountId]:
    """Account ids."""
    return _ids(m.AccountId)


def contact_ids() -> st.SearchStrategy[m.ContactId]:
    """Contact ids."""
    return _ids(m.ContactId)


def lead_ids() -> st.SearchStrategy[m.LeadId]:
    """Lead ids."""
    return _ids(m.LeadId)


def opportunity_ids() -> st.SearchStrategy[m.OpportunityId]:
    """Opportunity ids."""
    return _ids(m.OpportunityId)


def activity_ids() -> st.SearchStrategy[m.ActivityId]:
    """Activity ids."""
    return _ids(m.ActivityId)


def case_ids() -> st.SearchStrategy[m.CaseId]:
    """Case ids."""
    return _ids(m.CaseId)


def user_ids() -> st.SearchStrategy[m.UserId]:
    """User ids."""
    return _ids(m.UserId)


def frozen_maps() -> st.SearchStrategy[m.FrozenMap[str, str]]:
    """Small string-to-string custom-field maps."""
    return st.dictionaries(texts(10), texts(10), max_size=3).map(m.FrozenMap)


def lead_sources() -> st.SearchStrategy[m.LeadSource]:
    """Standard sources and custom codes."""
    custom = st.from_regex(r"[a-z0-9][a-z0-9_\-]{0,20}", fullmatch=True).map(m.LeadSource)
    return st.sampled_from(m.LeadSource.STANDARD) | custom


def _optional(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


def accounts() -> st.SearchStrategy[m.Account]:
    """Accounts of every relationship type."""
    return st.builds(
        m.Account,
        id=account_ids(),
        name=texts(),
        relationship=st.sampled_from(m.RelationshipType),
        industry=_optional_text(),
        tier=_optional(st.sampled_from(["gold", "silver", "bronze"])),
        email=_optional_text(),
        city=_optional_text(),
        country=_optional_text(),
        owner=_optional(user_ids()),
        parent_id=_optional(account_ids()),
        created_at=_optional(aware_datetimes()),
        custom=frozen_maps(),
        version=st.integers(0, 5),
    )


def contacts() -> st.SearchStrategy[m.Contact]:
    """Contacts, with or without an account."""
    return st.builds(
        m.Contact,
        id=contact_ids(),
        last_name=texts(),
        first_name=_optional_text(),
        account_id=_optional(account_ids()),
        job_title=_optional_text(),
        email=_optional_text(),
        mobile=_optional_text(),
        owner=_optional(user_ids()),
        created_at=_optional(aware_datetimes()),
        custom=frozen_maps(),
        version=st.integers(0, 5),
    )


def _new_leads() -> st.SearchStrategy[m.Lead]:
    return st.builds(
        m.Lead,
        id=lead_ids(),
        last_name=texts(),
        first_name=_optional_text(),
        company=_optional_text(),
        email=_optional_text(),
        employees=_optional(st.integers(0, 10**6)),
        annual_revenue=_optional(money()),
        budget=_optional(money()),
        estimated_value=_optional(money()),
        source=lead_sources(),
        campaign=_optional_text(),
        owner=_optional(user_ids()),
        created_at=_optional(aware_datetimes()),
        custom=frozen_maps(),
        version=st.integers(0, 5),
    )


@st.composite
def qualifications(draw: st.DrawFn) -> m.Qualification:
    """The result of qualifying a lead, with any choice of records created."""
    lead = draw(_new_leads())
    if draw(st.booleans()):
        lead = lead.contact()
    create_account = lead.company is not None and draw(st.booleans())
    return lead.qualify(
        create_account=create_account,
        create_contact=draw(st.booleans()),
        create_opportunity=draw(st.booleans()),
        close_date=draw(_optional(dates())),
        created_at=draw(_optional(aware_datetimes())),
        account_id=draw(account_ids()),
        contact_id=draw(contact_ids()),
        opportunity_id=draw(opportunity_ids()),
    )


@st.composite
def leads(draw: st.DrawFn) -> m.Lead:
    """Leads in every status, reached through the lead's own transitions."""
    lead = draw(_new_leads())
    path = draw(st.sampled_from(["new", "contacted", "disqualified", "reactivated", "qualified"]))
    if path == "contacted":
        return lead.contact()
    if path in ("disqualified", "reactivated"):
        lead = lead.disqualify(draw(st.sampled_from(m.DisqualifyReason)), draw(_optional_text()))
        return lead.reactivate() if path == "reactivated" else lead
    if path == "qualified":
        return draw(qualifications()).lead
    return lead


def _open_opportunities() -> st.SearchStrategy[m.Opportunity]:
    return st.builds(
        m.Opportunity,
        id=opportunity_ids(),
        name=texts(),
        account_id=_optional(account_ids()),
        contact_id=_optional(contact_ids()),
        owner=_optional(user_ids()),
        stage=st.sampled_from(m.SalesStage),
        estimated_revenue=_optional(money()),
        estimated_close_date=_optional(dates()),
        probability=st.integers(0, 100),
        source=_optional(lead_sources()),
        lead_id=_optional(lead_ids()),
        created_at=_optional(aware_datetimes()),
        custom=frozen_maps(),
        version=st.integers(0, 5),
    )


@st.composite
def opportunities(draw: st.DrawFn) -> m.Opportunity:
    """Opportunities open, won, lost or reopened."""
    opp = draw(_open_opportunities())
    clock: list[datetime] = []
    if draw(st.booleans()):  # with a stage history: every step a little later
        start = opp.created_at or draw(aware_datetimes(max_value=datetime(2090, 1, 1)))  # noqa: DTZ001
        opp = opp.start_history(start)
        clock.append(start.astimezone(UTC))  # UTC: adding wall time across DST could go back

    def at() -> datetime | None:
        if not clock:
            return None
        clock[0] += draw(st.timedeltas(timedelta(0), timedelta(days=400)))
        return clock[0]

    if clock and draw(st.booleans()):
        opp = opp.advance(draw(st.sampled_from(m.SalesStage)), at=at())
    path = draw(st.sampled_from(["open", "won", "lost", "reopened"]))
    if path in ("won", "reopened"):
        won = opp.win(draw(money()), draw(dates()), reason=draw(_optional_text()), at=at())
        opp = won.opportunity
    elif path == "lost":
        opp = opp.lose(
            draw(dates()), reason=draw(_optional_text()), competitor=draw(_optional_text()), at=at()
        )
    if path == "reopened":
        opp = opp.reopen(probability=draw(st.integers(0, 100)), at=at())
    return opp


def stage_events() -> st.SearchStrategy[m.StageEvent]:
    """Single stage events of every kind, taken from opportunity histories."""
    return (
        opportunities()
        .filter(lambda opp: bool(opp.stage_history))
        .flatmap(lambda opp: st.sampled_from(opp.stage_history))
    )


@st.composite
def win_results(draw: st.DrawFn) -> m.WinResult:
    """Winning an open opportunity, with or without its account."""
    opp = draw(_open_opportunities())
    account = None
    if opp.account_id is not None and draw(st.booleans()):
        account = draw(
            accounts().filter(lambda a: a.relationship is not m.RelationshipType.COMPETITOR)
        )
        account = m.Account(id=opp.account_id, name=account.name, relationship=account.relationship)
    return opp.win(draw(money()), draw(dates()), account=account)


def record_refs() -> st.SearchStrategy[m.RecordRef]:
    """References to records of every kind."""
    return st.builds(m.RecordRef, st.sampled_from(m.RecordKind), texts(30))


@st.composite
def activities(draw: st.DrawFn) -> m.Activity:
    """Activities open, completed or cancelled."""
    activity = draw(
        st.builds(
            m.Activity,
            id=activity_ids(),
            kind=st.sampled_from(m.ActivityKind),
            subject=texts(),
            owner=_optional(user_ids()),
            regarding=_optional(record_refs()),
            direction=_optional(st.sampled_from(m.Direction)),
            starts_at=_optional(aware_datetimes()),
            due_at=_optional(aware_datetimes()),
            duration_minutes=_optional(st.integers(0, 600)),
            description=_optional_text(),
            version=st.integers(0, 5),
        )
    )
    path = draw(st.sampled_from(["open", "completed", "cancelled"]))
    if path == "completed":
        minutes = draw(_optional(st.integers(0, 600)))
        return activity.complete(draw(aware_datetimes()), duration_minutes=minutes)
    if path == "cancelled":
        return activity.cancel()
    return activity


_CASE_ACTIONS = ("status", "respond", "priority", "resolve", "cancel", "reopen")


@st.composite
def cases(draw: st.DrawFn, max_events: int = 8) -> m.Case:
    """Cases with a random valid history: every event allowed, times never going back."""
    t = draw(aware_datetimes(max_value=datetime(2090, 1, 1)))  # noqa: DTZ001 - hypothesis bound
    customer = draw(st.sampled_from(["account", "contact", "both"]))
    case = m.Case.open(
        id=draw(case_ids()),
        title=draw(texts()),
        created_at=t,
        priority=draw(st.sampled_from(m.CasePriority)),
        account_id=draw(account_ids()) if customer != "contact" else None,
        contact_id=draw(contact_ids()) if customer != "account" else None,
        case_type=draw(st.sampled_from(m.CaseType)),
        channel=draw(st.sampled_from(m.CaseChannel)),
        owner=draw(_optional(user_ids())),
        custom=draw(frozen_maps()),
    )
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(_CASE_ACTIONS), st.integers(0, 3 * 24 * 60)),
            max_size=max_events,
        )
    )
    active = [s for s in m.CaseStatus if s.is_active]
    for action, minutes in steps:
        t = t + timedelta(minutes=minutes)
        try:
            if action == "status":
                case = case.change_status(draw(st.sampled_from(active)), t)
            elif action == "respond":
                case = case.respond(t, note=draw(_optional_text()))
            elif action == "priority":
                case = case.change_priority(draw(st.sampled_from(m.CasePriority)), t)
            elif action == "resolve":
                case = case.resolve(t)
            elif action == "cancel":
                case = case.cancel(t)
            else:
                case = case.reopen(t)
        except InvalidTransitionError:
            continue  # not allowed in the current status: the history stays valid
    return case


def case_events() -> st.SearchStrategy[m.CaseEvent]:
    """Single events of every kind, with status/priority exactly where required."""
    return cases().flatmap(lambda case: st.sampled_from(case.events))


CORE_STRATEGIES: dict[Any, Callable[[], st.SearchStrategy[Any]]] = {
    Money: money,
    RoundingMode: rounding_modes,
    m.Account: accounts,
    m.AccountId: account_ids,
    m.Activity: activities,
    m.ActivityId: activity_ids,
    m.ActivityKind: lambda: st.sampled_from(m.ActivityKind),
    m.ActivityStatus: lambda: st.sampled_from(m.ActivityStatus),
    m.Case: cases,
    m.CaseChannel: lambda: st.sampled_from(m.CaseChannel),
    m.CaseEvent: case_events,
    m.CaseEventKind: lambda: st.sampled_from(m.CaseEventKind),
    m.CaseId: case_ids,
    m.CasePriority: lambda: st.sampled_from(m.CasePriority),
    m.CaseStatus: lambda: st.sampled_from(m.CaseStatus),
    m.CaseType: lambda: st.sampled_from(m.CaseType),
    m.Contact: contacts,
    m.ContactId: contact_ids,
    m.Direction: lambda: st.sampled_from(m.Direction),
    m.DisqualifyReason: lambda: st.sampled_from(m.DisqualifyReason),
    m.EntityId: entity_ids,
    m.FrozenMap: frozen_maps,
    m.Lead: leads,
    m.LeadId: lead_ids,
    m.LeadSource: lead_sources,
    m.LeadStatus: lambda: st.sampled_from(m.LeadStatus),
    m.Opportunity: opportunities,
    m.OpportunityId: opportunity_ids,
    m.OpportunityStatus: lambda: st.sampled_from(m.OpportunityStatus),
    m.Qualification: qualifications,
    m.RecordKind: lambda: st.sampled_from(m.RecordKind),
    m.RecordRef: record_refs,
    m.RelationshipType: lambda: st.sampled_from(m.RelationshipType),
    m.SalesStage: lambda: st.sampled_from(m.SalesStage),
    m.StageEvent: stage_events,
    m.StageEventKind: lambda: st.sampled_from(m.StageEventKind),
    m.UserId: user_ids,
    m.WinResult: win_results,
}
"""Every public type of crmcore.money and crmcore.models, mapped to its strategy."""
