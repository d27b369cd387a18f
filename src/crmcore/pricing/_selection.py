"""Who a document is for, and which price list applies to it (private)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

import attrs

from crmcore import _checks as check
from crmcore.errors import PricingError
from crmcore.pricing._catalog import PriceList


@attrs.frozen
class PricingContext:
    """Who and where a document prices for: what price lists and rules are matched against.

    >>> PricingContext(customer_group="gold", campaign="nowruz-1405").campaign
    'nowruz-1405'
    """

    customer: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The customer (account) id."""
    customer_group: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The customer's group or segment."""
    territory: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The sales territory."""
    channel: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The sales channel (web, retail, partner, ...)."""
    campaign: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    """The marketing campaign the document answers."""


_NOBODY = PricingContext()


class Applicable(Protocol):
    """What :func:`why_not` reads: a price list or a pricing rule."""

    @property
    def valid_from(self) -> date | None:
        """First day (inclusive)."""

    @property
    def valid_to(self) -> date | None:
        """Last day (inclusive)."""

    def applies_on(self, day: date) -> bool:
        """Whether ``day`` is within the validity dates."""


_DIMENSIONS = (
    ("customers", "customer", "customer"),
    ("customer_groups", "customer_group", "customer group"),
    ("territories", "territory", "territory"),
    ("channels", "channel", "channel"),
    ("campaigns", "campaign", "campaign"),
)


def why_not(price_list: Applicable, context: PricingContext | None, on: date | None) -> str | None:
    """Why ``price_list`` (or a pricing rule) does not apply to ``context`` on ``on``; None if it does.

    A list applies when it is valid on the day (not checked without a day)
    and, for each of customers, customer groups, territories, channels and
    campaigns that it names, the context's value is one of them.

    >>> gold = PriceList("gold", "USD", customer_groups=("gold",))
    >>> why_not(gold, PricingContext(customer_group="retail"), None)
    "customer group 'retail' is not one of 'gold'"
    >>> why_not(gold, PricingContext(customer_group="gold"), None) is None
    True
    """
    if on is not None and not price_list.applies_on(on):
        start = price_list.valid_from.isoformat() if price_list.valid_from else "…"
        end = price_list.valid_to.isoformat() if price_list.valid_to else "…"
        return f"not valid on {on.isoformat()} (valid {start} to {end})"
    ctx = context or _NOBODY
    for list_field, ctx_field, label in _DIMENSIONS:
        wanted: tuple[str, ...] = getattr(price_list, list_field)
        if wanted:
            given = getattr(ctx, ctx_field)
            if given not in wanted:
                shown = "none" if given is None else repr(given)
                return f"{label} {shown} is not one of " + ", ".join(repr(w) for w in wanted)
    return None


def _rank(price_list: PriceList) -> tuple[int, int, str]:
    # Highest priority first, then the most specific, then by name: a documented
    # order that does not depend on the order the lists were given in.
    return (-price_list.priority, -price_list.specificity, price_list.name)


@attrs.frozen
class PriceListCandidate:
    """A price list that was considered and not chosen, and why."""

    name: str
    """The list's name."""
    applies: bool
    """Whether it applied (and lost on priority, specificity or name)."""
    reason: str
    """Why it was not chosen."""


@attrs.frozen
class PriceListChoice:
    """The price list chosen for a document, why, and every other list considered."""

    price_list: PriceList
    """The list chosen."""
    reason: str
    """Why it was chosen."""
    others: tuple[PriceListCandidate, ...] = ()
    """Every other list: those that applied and lost first (in rank order), then the rest."""

    def explain(self) -> tuple[str, ...]:
        """One line for the chosen list, then one per other list."""
        lines = [f"price list {self.price_list.name!r} chosen: {self.reason}"]
        for other in self.others:
            verb = "applies but lost" if other.applies else "does not apply"
            lines.append(f"  {other.name!r} {verb}: {other.reason}")
        return tuple(lines)


def _lost(winner: PriceList, loser: PriceList) -> str:
    if loser.priority != winner.priority:
        return f"lower priority ({loser.priority} < {winner.priority})"
    if loser.specificity != winner.specificity:
        return (
            f"same priority {loser.priority}, less specific "
            f"({loser.specificity} < {winner.specificity} conditions)"
        )
    return (
        f"same priority {loser.priority} and specificity {loser.specificity}; "
        f"{loser.name!r} sorts after {winner.name!r}"
    )


def _won(winner: PriceList, runner_up: PriceList | None) -> str:
    if runner_up is None:
        return "the only list that applies"
    if runner_up.priority != winner.priority:
        return f"the highest priority that applies ({winner.priority})"
    if runner_up.specificity != winner.specificity:
        return f"priority {winner.priority}, the most specific ({winner.specificity} conditions)"
    return f"priority {winner.priority}, specificity {winner.specificity}, first by name"


def choose_price_list(
    price_lists: Iterable[PriceList],
    *,
    on: date | None,
    name: str | None = None,
    default: str | None = None,
    context: PricingContext | None = None,
) -> PriceListChoice:
    """Choose a price list for ``context`` on the day ``on`` and say why.

    1. ``name`` (the document's list) wins if it applies; if it does not
       (not valid that day, or its conditions exclude the context), a
       :class:`~crmcore.errors.PricingError` says why.
    2. Otherwise, among the lists that apply (see :func:`why_not`), the
       highest ``priority`` wins, then the most specific (most conditions:
       customers, groups, territories, channels, campaigns, validity
       dates), then the first by name. The order the lists are given in
       never matters.
    3. If none applies, ``default`` (a list name) is used.

    >>> base = PriceList("base", "USD")
    >>> gold = PriceList("gold", "USD", customer_groups=("gold",))
    >>> nowruz = PriceList("nowruz", "USD", campaigns=("nowruz",), priority=10)
    >>> choice = choose_price_list([base, gold, nowruz], on=None,
    ...                            context=PricingContext(customer_group="gold"))
    >>> for line in choice.explain():
    ...     print(line)
    price list 'gold' chosen: priority 0, the most specific (1 conditions)
      'base' applies but lost: same priority 0, less specific (0 < 1 conditions)
      'nowruz' does not apply: campaign none is not one of 'nowruz'
    """
    if on is not None:
        check.require_date(on, obj="choose_price_list", field="on")
    lists = check.require_items(
        price_lists, PriceList, obj="choose_price_list", field="price_lists"
    )
    by_name = {pl.name: pl for pl in lists}
    if name is not None:
        return _named(by_name, name, on, context)
    applying: list[PriceList] = []
    others: list[PriceListCandidate] = []
    for candidate in sorted(lists, key=_rank):
        reason = why_not(candidate, context, on)
        if reason is None:
            applying.append(candidate)
        else:
            others.append(PriceListCandidate(candidate.name, applies=False, reason=reason))
    if applying:
        winner = applying[0]
        lost = [PriceListCandidate(pl.name, True, _lost(winner, pl)) for pl in applying[1:]]
        runner_up = applying[1] if len(applying) > 1 else None
        return PriceListChoice(winner, _won(winner, runner_up), (*lost, *others))
    return _fallback(by_name, default, on, tuple(others))


def _known(by_name: dict[str, PriceList], name: str) -> PriceList:
    found = by_name.get(name)
    if found is None:
        raise PricingError(
            obj="price_list",
            field="name",
            value=name,
            expected="one of: " + ", ".join(repr(n) for n in by_name),
        )
    return found


def _named(
    by_name: dict[str, PriceList], name: str, on: date | None, context: PricingContext | None
) -> PriceListChoice:
    found = _known(by_name, name)
    reason = why_not(found, context, on)
    if reason is not None:
        raise PricingError(
            obj=f"PriceList {name!r}",
            field="valid_to" if reason.startswith("not valid") else "conditions",
            value=on if reason.startswith("not valid") else context,
            expected=f"a list that applies; this one does not: {reason}",
        )
    others = tuple(
        PriceListCandidate(pl.name, why_not(pl, context, on) is None, "the document names another")
        for pl in sorted(by_name.values(), key=_rank)
        if pl.name != name
    )
    return PriceListChoice(found, "named on the document", others)


def _fallback(
    by_name: dict[str, PriceList],
    default: str | None,
    on: date | None,
    others: tuple[PriceListCandidate, ...],
) -> PriceListChoice:
    if default is None:
        why = "; ".join(f"{o.name!r}: {o.reason}" for o in others) or "no lists given"
        raise PricingError(
            obj="price_list",
            field="on",
            value=on,
            expected=(
                "a price list that applies, a price list name or a default price list "
                f"(none applies: {why})"
            ),
        )
    found = _known(by_name, default)
    rest = tuple(o for o in others if o.name != default)
    return PriceListChoice(found, "no list applies: the default", rest)


def select_price_list(
    price_lists: Iterable[PriceList],
    *,
    on: date | None,
    name: str | None = None,
    default: str | None = None,
    context: PricingContext | None = None,
) -> PriceList:
    """The list :func:`choose_price_list` chooses (without the reasons).

    >>> a = PriceList("2025", "USD", valid_from=date(2025, 1, 1), valid_to=date(2025, 12, 31))
    >>> b = PriceList("base", "USD")
    >>> select_price_list([b, a], on=date(2025, 6, 1)).name  # dated: more specific
    '2025'
    >>> select_price_list([a], on=date(2026, 1, 1), default="base")
    Traceback (most recent call last):
    ...
    crmcore.errors.PricingError: price_list.name: got 'base'; expected one of: '2025'
    """
    chosen = choose_price_list(price_lists, on=on, name=name, default=default, context=context)
    return chosen.price_list
