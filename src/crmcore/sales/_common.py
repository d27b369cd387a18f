"""What every sales figure shares: one currency, team hierarchies, grouping (private)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar, cast

import attrs

from crmcore.errors import PricingError, ValidationError
from crmcore.models import FrozenMap, Opportunity
from crmcore.money import Money, RoundingMode, currency_places, is_currency
from crmcore.pricing import ExchangeRates

T = TypeVar("T")

GroupBy = str | Callable[[Opportunity], str] | None
"""``None`` (one group ``"all"``), ``"owner"``, ``"team"``, a field name, ``"custom.<key>"`` or a function."""

ALL = "all"
"""The group label when nothing is grouped."""

UNASSIGNED = "(none)"
"""The group label of a record whose grouping field is empty."""


def _hierarchy(value: object) -> FrozenMap[str, str]:
    if not isinstance(value, Mapping):
        raise ValidationError(
            obj="TeamHierarchy", field="parents", value=value, expected="a mapping member → team"
        )
    out: dict[str, str] = {}
    for member, team in value.items():
        if not isinstance(member, str) or not isinstance(team, str) or not member or not team:
            raise ValidationError(
                obj="TeamHierarchy",
                field=f"parents[{member!r}]",
                value=team,
                expected="non-empty text for member and team",
            )
        out[member] = team
    return FrozenMap(out)


@attrs.frozen
class TeamHierarchy:
    """Who reports to which team: a mapping member → team (teams may belong to teams).

    Members are salespeople (owner ids) or teams; a team's figures are the
    sum of its members', all the way down.

    >>> teams = TeamHierarchy({"sara": "north", "ali": "north", "north": "iran"})
    >>> teams.chain("sara")
    ('sara', 'north', 'iran')
    >>> sorted(teams.members_of("iran"))
    ['ali', 'sara']
    """

    parents: FrozenMap[str, str] = attrs.field(converter=_hierarchy)

    def __attrs_post_init__(self) -> None:
        for member in self.parents:
            seen = {member}
            node = member
            while node in self.parents:
                node = self.parents[node]
                if node in seen:
                    raise ValidationError(
                        obj="TeamHierarchy",
                        field=f"parents[{member!r}]",
                        value=node,
                        expected="a hierarchy without cycles",
                    )
                seen.add(node)

    @property
    def teams(self) -> frozenset[str]:
        """Every name that has a member."""
        return frozenset(self.parents.values())

    def chain(
        self, member: str, *, obj: str = "TeamHierarchy", field: str = "owner"
    ) -> tuple[str, ...]:
        """``member`` and every team above it; ValidationError when the member is unknown."""
        if member not in self.parents:
            raise ValidationError(
                obj=obj,
                field=field,
                value=member,
                expected="an owner listed in the team hierarchy ("
                + ", ".join(sorted(self.parents)[:8])
                + ("…" if len(self.parents) > 8 else "")
                + ")",
            )
        out = [member]
        while out[-1] in self.parents:
            out.append(self.parents[out[-1]])
        return tuple(out)

    def members_of(self, team: str) -> frozenset[str]:
        """The salespeople (leaves) under ``team``, at any depth."""
        teams = self.teams
        return frozenset(m for m in self.parents if m not in teams and team in self.chain(m)[1:])


def group_keys(
    opp: Opportunity, by: GroupBy, teams: TeamHierarchy | None, *, obj: str
) -> tuple[str, ...]:
    """The groups an opportunity counts in: its owner's whole team chain for ``"team"``."""
    if by is None:
        return (ALL,)
    if callable(by):
        return (str(by(opp)),)
    if by == "team":
        if teams is None:
            raise ValidationError(
                obj=obj, field="teams", value=None, expected="a TeamHierarchy to group by team"
            )
        if opp.owner is None:
            raise ValidationError(
                obj=obj, field=f"{opp.id}.owner", value=None, expected="an owner to group by team"
            )
        return teams.chain(str(opp.owner), obj=obj, field=f"{opp.id}.owner")
    return (field_value(opp, by, obj=obj),)


def grouper(
    by: GroupBy, teams: TeamHierarchy | None, *, obj: str
) -> Callable[[Opportunity], tuple[str, ...]]:
    """A fast function giving an opportunity's groups (see :func:`group_keys`)."""
    if by == "owner":
        cache: dict[object, tuple[str, ...]] = {None: (UNASSIGNED,)}

        def owner(opp: Opportunity) -> tuple[str, ...]:
            key = opp.owner
            found = cache.get(key)
            if found is None:
                found = cache[key] = (str(key),)
            return found

        return owner
    if by is None:
        everything = (ALL,)
        return lambda _opp: everything
    if (
        isinstance(by, str)
        and by != "team"
        and not by.startswith("custom.")
        and by not in attrs.fields_dict(Opportunity)
    ):
        raise ValidationError(
            obj=obj, field="by", value=by, expected="a field of the record or custom.<key>"
        )
    return lambda opp: group_keys(opp, by, teams, obj=obj)


def field_value(record: object, name: str, *, obj: str) -> str:
    """A record's field (or ``custom.<key>``) as text; ``(none)`` when empty."""
    if name.startswith("custom."):
        custom = getattr(record, "custom", {})
        value: object = custom.get(name.removeprefix("custom."))
    elif attrs.has(type(record)) and name in attrs.fields_dict(cast(Any, type(record))):
        value = getattr(record, name)
    else:
        raise ValidationError(
            obj=obj, field="by", value=name, expected="a field of the record or custom.<key>"
        )
    if value is None:
        return UNASSIGNED
    code = getattr(value, "code", None)  # LeadSource
    return str(getattr(value, "value", code if isinstance(code, str) else value))


@attrs.frozen
class CurrencyBook:
    """Converts amounts into one reporting currency; refuses mixing without rates."""

    currency: str
    rates: ExchangeRates | None = None
    on: date | None = None

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.currency, str) or not is_currency(self.currency):
            raise ValidationError(
                obj="sales", field="currency", value=self.currency, expected="an ISO 4217 code"
            )

    def amount(self, money: Money, *, obj: str, field: str) -> Decimal:
        """``money`` in the reporting currency, unrounded."""
        if money.currency == self.currency:
            return money.amount
        if self.rates is None:
            raise ValidationError(
                obj=obj,
                field=field,
                value=str(money),
                expected=f"an amount in {self.currency}, or exchange rates to convert it",
            )
        if self.on is None:
            raise ValidationError(
                obj=obj, field="as_of", value=None, expected="a date to read exchange rates on"
            )
        try:
            rate = self.rates.rate(money.currency, self.currency, self.on)
        except PricingError as err:
            raise ValidationError(
                obj=obj, field=field, value=str(money), expected=f"a known rate: {err}"
            ) from None
        return money.amount * rate

    def money(self, amount: Decimal) -> Money:
        """``amount`` rounded half-even to the currency's minor unit."""
        return Money(amount, self.currency).round(mode=RoundingMode.HALF_EVEN)

    @property
    def places(self) -> int:
        """Minor-unit digits of the reporting currency."""
        return currency_places(self.currency)


def infer_currency(amounts: Iterable[Money | None], currency: str | None) -> str:
    """The reporting currency: the one given, else the first amount's, else IRR."""
    if currency is not None:
        return currency
    for money in amounts:
        if money is not None:
            return money.currency
    return "IRR"


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part / whole × 100`` to 2 places (half-even), or None when ``whole`` is 0."""
    if not whole:
        return None
    return (part * 100 / whole).quantize(Decimal("0.01"))


def ratio(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """``part / whole`` to 4 places, or None when ``whole`` is 0."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


def checked_list(items: Iterable[T], kind: type[Any], *, obj: str, field: str) -> list[T]:
    """``items`` as a list, or ValidationError naming the first that is not a ``kind``."""
    out = list(items)
    for index, item in enumerate(out):
        if not isinstance(item, kind):
            raise ValidationError(
                obj=obj, field=f"{field}[{index}]", value=item, expected=f"a {kind.__name__}"
            )
    return out


def checked_iter(items: Iterable[T], kind: type[Any], *, obj: str, field: str) -> Iterator[T]:
    """``items`` one at a time (never all held), ValidationError at the first that is
    not a ``kind``, as :func:`checked_list` names it."""
    for index, item in enumerate(items):
        if not isinstance(item, kind):
            raise ValidationError(
                obj=obj, field=f"{field}[{index}]", value=item, expected=f"a {kind.__name__}"
            )
        yield item


def opportunity_list(items: Iterable[Opportunity], *, obj: str) -> list[Opportunity]:
    """``items`` as a list, or ValidationError naming the first that is not an Opportunity."""
    return checked_list(items, Opportunity, obj=obj, field="opportunities")
