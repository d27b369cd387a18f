"""Public functions under hostile values (issue 17 item 1).

Every property: a result or a :class:`~crmcore.errors.CrmError`, never another
exception, within the watchdog's bound (``_harness.check_contract``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import CrmError
from crmcore.models import Account, AccountId, Lead, LeadId
from crmcore.money import Money, RoundingMode
from crmcore.repositories import InMemoryStore, SqliteStore
from crmcore.scoring import Condition, Scorecard, score_leads
from crmcore.serialization import _public_attrs_classes, from_dict, from_json, from_rows, load_toml
from tests.fuzz._harness import HOSTILE_TEXT, HUGE_INT, check_contract

PUBLIC_TYPES = sorted(_public_attrs_classes(), key=lambda c: c.__qualname__)

_NUMBERS = st.one_of(
    st.integers(min_value=-(10**40), max_value=10**40),
    st.sampled_from([0, -1, 10**18, 10**28, int("9" * 400)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.sampled_from([Decimal("-0"), Decimal("1e999999"), Decimal("1e-999999"), Decimal("sNaN")]),
)
_TEXT = st.one_of(st.sampled_from(HOSTILE_TEXT), st.text(max_size=30))
_ZONES = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)),
          timezone(timedelta(hours=3, minutes=30)), ZoneInfo("Asia/Tehran"), ZoneInfo("Pacific/Kiritimati")]  # fmt: skip
_EARLY, _LATE = datetime(1, 1, 2), datetime(9999, 12, 30)  # noqa: DTZ001 - naive on purpose
_DATETIMES = st.one_of(
    st.datetimes(min_value=_EARLY, max_value=_LATE),  # naive
    st.datetimes(
        min_value=_EARLY,
        max_value=_LATE,
        timezones=st.sampled_from(_ZONES),
    ),
    st.sampled_from([_EARLY.replace(day=1), _LATE.replace(day=31, hour=23)]),
)
_JSON_LEAF = st.one_of(
    st.none(), st.booleans(), _TEXT, st.integers(-(10**30), 10**30),
    st.floats(allow_nan=False, allow_infinity=False),
)  # fmt: skip
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_TEXT, inner, max_size=4),
    max_leaves=12,
)
_ANY = st.one_of(_NUMBERS, _TEXT, _DATETIMES, _JSON)


# -- money ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(amount=_ANY, currency=st.one_of(st.sampled_from(["USD", "IRR", "BHD", "JPY"]), _TEXT))
def test_money_construction(amount: Any, currency: Any) -> None:
    check_contract(lambda: Money(amount, currency))


@settings(max_examples=150, deadline=None)
@given(
    amount=st.decimals(min_value=-(10**18), max_value=10**18, allow_nan=False, places=6),
    other=_ANY,
    operation=st.sampled_from(
        ["+", "-", "*", "/", "round", "allocate", "split", "format", "minor"]
    ),
    mode=st.sampled_from(list(RoundingMode)),
)
def test_money_operations(amount: Decimal, other: Any, operation: str, mode: RoundingMode) -> None:
    money = Money(amount, "USD")

    def call() -> object:
        if operation == "+":
            return money + Money(other, "USD")
        if operation == "-":
            return money - Money(other, "USD")
        if operation == "*":
            return money * other
        if operation == "/":
            return money / other
        if operation == "round":
            return money.round(other, mode)
        if operation == "allocate":
            return money.round().allocate([other, 1])
        if operation == "split":
            return money.round().split(other)
        if operation == "format":
            return money.format(other, persian_digits=True)
        return money.minor_units()

    check_contract(call)


# -- serialization and models ----------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(cl=st.sampled_from(PUBLIC_TYPES), data=st.data())
def test_every_public_type_from_hostile_fields(cl: type[Any], data: st.DataObject) -> None:
    names = [f.name for f in attrs.fields(cl)] or ["type"]
    fields = data.draw(
        st.dictionaries(st.sampled_from(names) | _TEXT, _JSON, max_size=len(names) + 1)
    )
    check_contract(lambda: from_dict(fields, cl))
    text = json.dumps(fields, allow_nan=True)
    check_contract(lambda: from_json(text, cl))


@settings(max_examples=100, deadline=None)
@given(
    cl=st.sampled_from(PUBLIC_TYPES),
    text=st.one_of(
        st.text(max_size=60),
        st.sampled_from([
            "[" * 5000 + "]" * 5000, '{"a":' * 3000 + "1" + "}" * 3000, HUGE_INT,
            "NaN", "-Infinity", '"\\ud800"', "\ufeff{}", "{}" * 1000,
        ]),
    ),
)  # fmt: skip
def test_every_public_type_from_hostile_json_and_toml(cl: type[Any], text: str) -> None:
    check_contract(lambda: from_json(text, cl))
    check_contract(lambda: from_json(text.encode("utf-16"), cl))
    check_contract(lambda: load_toml(text, cl))


@settings(max_examples=100, deadline=None)
@given(
    cl=st.sampled_from([Lead, Account, Money]),
    rows=st.lists(
        st.dictionaries(
            st.one_of(
                st.sampled_from(["id", "name", "amount", "currency", "budget.amount", "a.b.c"]),
                _TEXT,
            ),
            st.one_of(st.none(), _TEXT),
            max_size=6,
        ),
        max_size=4,
    ),
)
def test_from_rows_with_ragged_and_hostile_rows(cl: type[Any], rows: list[dict[str, Any]]) -> None:
    check_contract(lambda: list(from_rows(rows, cl)))


# -- repositories (both stores) ----------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    ident=st.one_of(_TEXT, _NUMBERS),
    name=st.one_of(_TEXT, _NUMBERS),
    criterion=_ANY,
    store_kind=st.sampled_from(["memory", "sqlite"]),
)
def test_stores_with_hostile_ids_names_and_criteria(
    ident: Any, name: Any, criterion: Any, store_kind: str
) -> None:
    def call() -> object:
        store = InMemoryStore() if store_kind == "memory" else SqliteStore()
        try:
            with store.unit_of_work() as uow:
                account = uow.accounts.add(Account(id=AccountId(ident), name=name))
                uow.accounts.get(account.id)
                uow.accounts.list(name=criterion)
                uow.accounts.list(limit=criterion)
                uow.sequences.next_value(ident)
            with store.unit_of_work() as uow:
                return uow.accounts.list(after=ident)
        finally:
            close = getattr(store, "close", None)
            if close is not None:
                close()

    check_contract(call)


# -- scoring -------------------------------------------------------------------------------------

_CARD = {
    "name": "fuzz",
    "rules": [
        {
            "name": "title",
            "points": "10",
            "condition": {"op": "matches", "field": "title", "pattern": "X"},
        },
        {
            "name": "size",
            "points": "5",
            "condition": {"op": "range", "field": "employees", "low": "10"},
        },
    ],
}


@settings(max_examples=80, deadline=None)
@given(
    pattern=st.one_of(st.text(alphabet="a()+*?|{}[]\\^$.1,2b", max_size=20), _TEXT),
    title=st.one_of(_TEXT, st.text(alphabet="a!", max_size=600)),
    employees=st.one_of(_TEXT, _NUMBERS),
)
def test_scorecard_with_hostile_patterns_and_fields(
    pattern: str, title: Any, employees: Any
) -> None:
    card_data = json.loads(json.dumps(_CARD))
    card_data["rules"][0]["condition"]["pattern"] = pattern

    def call() -> object:
        card = from_dict(card_data, Scorecard)
        now = datetime(2026, 1, 5, tzinfo=UTC)
        return list(score_leads(card, [{"title": title, "employees": employees}], {}, now=now))

    check_contract(call)


@settings(max_examples=40, deadline=None)
@given(pattern=st.text(alphabet="a()+*?|{}\\d1,b", min_size=1, max_size=14))
def test_any_accepted_pattern_answers_on_the_longest_text(pattern: str) -> None:
    def call() -> object:
        condition = Condition.matches("f", pattern)
        return condition.test({"f": "a" * 499 + "!"}, (), now=None)

    check_contract(call)


def test_hostile_lead_ids_in_models() -> None:
    for value in [*HOSTILE_TEXT, 7, None]:
        outcome = check_contract(lambda v=value: Lead(id=LeadId(v), last_name="x"))  # type: ignore[misc]
        assert isinstance(outcome, Lead | CrmError)


def test_the_harness_fails_on_a_bare_exception_and_on_a_hang() -> None:
    import threading

    import pytest

    with pytest.raises(pytest.fail.Exception, match="ZeroDivisionError escaped"):
        check_contract(lambda: 1 / 0)
    release = threading.Event()
    with pytest.raises(pytest.fail.Exception, match=r"did not return within 0\.2 s"):
        check_contract(lambda: release.wait(10), seconds=0.2)
    release.set()  # let the watchdog's thread finish
    assert check_contract(lambda: 7) == 7
