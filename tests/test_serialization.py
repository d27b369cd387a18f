"""crmcore.serialization: round trips for every public type and error paths for bad input."""

from __future__ import annotations

import abc
import json
import pickle
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore import models, money
from crmcore.errors import ValidationError
from crmcore.models import (
    AccountId,
    Case,
    CaseId,
    CasePriority,
    EntityId,
    FrozenMap,
    Lead,
    LeadId,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityId,
)
from crmcore.money import Money
from crmcore.serialization import (
    from_dict,
    from_json,
    load_toml,
    make_converter,
    to_dict,
    to_json,
)
from tests.strategies import CORE_STRATEGIES, aware_datetimes

TEHRAN = ZoneInfo("Asia/Tehran")
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_PUBLIC_TYPES = sorted(
    (t for t in CORE_STRATEGIES if isinstance(t, type)), key=lambda t: t.__qualname__
)


def _target(declared: type[Any], value: object) -> type[Any]:
    # An EntityId field holds one concrete id type; structure back into that one.
    return type(value) if issubclass(declared, EntityId) else declared


def _json_like(data: object) -> bool:
    if data is None or isinstance(data, (str, int, float, bool)):
        return True
    if isinstance(data, list):
        return all(_json_like(item) for item in data)
    if isinstance(data, dict):
        return all(isinstance(k, str) and _json_like(v) for k, v in data.items())
    return False


# -- every public type has a strategy and round-trips ----------------------------------------


def _exported_types(module: Any) -> list[type[Any]]:
    return [obj for name in module.__all__ if isinstance(obj := getattr(module, name), type)]


@pytest.mark.parametrize("module", [models, money], ids=lambda mod: mod.__name__)
def test_every_public_type_has_a_strategy(module: Any) -> None:
    missing = [t.__name__ for t in _exported_types(module) if t not in CORE_STRATEGIES]
    assert missing == [], f"add a strategy to tests/strategies/core.py for {missing}"


@pytest.mark.parametrize("declared", _PUBLIC_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_round_trip_through_plain_data(declared: type[Any], data: st.DataObject) -> None:
    value = data.draw(CORE_STRATEGIES[declared]())
    target = _target(declared, value)
    conv = make_converter()
    plain = conv.unstructure(value)
    assert _json_like(plain)
    back = conv.structure(plain, target)
    assert back == value
    assert type(back) is type(value)


@pytest.mark.parametrize("declared", _PUBLIC_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_round_trip_through_json_text(declared: type[Any], data: st.DataObject) -> None:
    value = data.draw(CORE_STRATEGIES[declared]())
    target = _target(declared, value)
    assert from_json(to_json(value), target) == value


@settings(max_examples=50, deadline=None)
@given(aware_datetimes())
def test_datetimes_keep_instant_and_zone(value: datetime) -> None:
    back = from_dict(to_dict(value), datetime)
    assert back == value
    assert back.utcoffset() == value.utcoffset()
    if isinstance(value.tzinfo, ZoneInfo):
        assert back.tzinfo is value.tzinfo


@settings(max_examples=200, deadline=None)
@given(st.timedeltas())
def test_timedelta_round_trips_exactly(value: timedelta) -> None:
    text = to_dict(value)
    assert text.lstrip("-").startswith("P")
    assert from_dict(text, timedelta) == value


@settings(max_examples=100, deadline=None)
@given(st.times())
def test_time_round_trips(value: time) -> None:
    assert from_dict(to_dict(value), time) == value


# -- the chosen JSON forms (hand-written expectations) ----------------------------------------


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (Decimal("12.50"), "12.50"),
        (Money("12.50", "USD"), {"amount": "12.50", "currency": "USD"}),
        (Money(1200000, "IRR"), {"amount": "1200000", "currency": "IRR"}),
        (datetime(2026, 1, 5, 9, 0, tzinfo=UTC), "2026-01-05T09:00:00+00:00"),
        (
            datetime(2026, 1, 5, 9, 0, tzinfo=timezone(timedelta(hours=3, minutes=30))),
            "2026-01-05T09:00:00+03:30",
        ),
        (datetime(2026, 1, 5, 9, 0, tzinfo=TEHRAN), "2026-01-05T09:00:00+03:30[Asia/Tehran]"),
        (date(2026, 3, 21), "2026-03-21"),
        (time(9, 30), "09:30"),
        (time(9, 30, 15), "09:30:15"),
        (time(9, 30, 15, 250000), "09:30:15.250000"),
        (timedelta(hours=1, minutes=30), "PT1H30M"),
        (timedelta(days=2, hours=4), "P2DT4H"),
        (timedelta(0), "PT0S"),
        (timedelta(microseconds=-1), "-PT0.000001S"),
        (timedelta(days=-1, hours=-2), "-P1DT2H"),
        (timedelta(seconds=90, microseconds=500000), "PT1M30.5S"),
        (TEHRAN, "Asia/Tehran"),
        (LeadId("L-1"), "L-1"),
        (LeadSource.TRADE_SHOW, "trade_show"),
        (LeadStatus.QUALIFIED, "qualified"),
        (FrozenMap({"tier": "gold"}), {"tier": "gold"}),
    ],
    ids=repr,
)
def test_json_forms(value: object, plain: object) -> None:
    assert to_dict(value) == plain
    assert from_dict(plain, type(value)) == value


def test_duration_input_accepts_weeks_and_fractions() -> None:
    assert from_dict("P1W", timedelta) == timedelta(days=7)
    assert from_dict("PT0.25S", timedelta) == timedelta(milliseconds=250)


def test_tuples_become_lists_and_ids_plain_strings() -> None:
    case = Case.open(
        id=CaseId("C1"), title="Printer down", account_id=AccountId("acme"), created_at=T0
    ).respond(T0 + timedelta(minutes=30))
    plain = to_dict(case)
    assert isinstance(plain["events"], list)
    assert plain["events"][1] == {
        "at": "2026-01-05T09:30:00+00:00",
        "kind": "responded",
        "status": None,
        "priority": None,
        "note": None,
    }
    assert type(plain["account_id"]) is str
    assert type(from_dict(plain, Case).account_id) is AccountId


def test_defaults_are_written_not_omitted() -> None:
    plain = to_dict(Lead(id=LeadId("L1"), last_name="Karimi"))
    assert plain["status"] == "new"
    assert plain["version"] == 0
    assert plain["custom"] == {}
    assert len(plain) == len(attrs.fields(Lead))


def test_missing_optional_fields_take_their_defaults() -> None:
    lead = from_dict({"id": "L1", "last_name": "Karimi"}, Lead)
    assert lead == Lead(id=LeadId("L1"), last_name="Karimi")


def test_converters_are_independent() -> None:
    one, two = make_converter(), make_converter()
    assert one is not two
    one.register_unstructure_hook(Decimal, lambda d: "changed")
    assert two.unstructure(Decimal("1.5")) == "1.5"
    assert to_dict(Decimal("1.5")) == "1.5"


# -- unions of attrs classes -------------------------------------------------------------------


@attrs.frozen
class _Percent:
    rate: Decimal


@attrs.frozen
class _Fixed:
    price: Money


@attrs.frozen
class _Rule:
    name: str
    method: _Percent | _Fixed
    fallback: _Percent | _Fixed | None = None
    steps: tuple[_Percent | _Fixed, ...] = ()


def test_union_members_carry_a_type_tag() -> None:
    rule = _Rule("r", _Fixed(Money("5", "EUR")), None, (_Percent(Decimal("0.1")),))
    plain = to_dict(rule)
    assert plain == {
        "name": "r",
        "method": {"type": "_Fixed", "price": {"amount": "5", "currency": "EUR"}},
        "fallback": None,
        "steps": [{"type": "_Percent", "rate": "0.1"}],
    }
    assert from_dict(plain, _Rule) == rule


def test_union_tag_missing_or_unknown_is_reported_by_path() -> None:
    bad = {
        "name": "r",
        "method": {"rate": "1"},
        "steps": [{"type": "_Percent", "rate": "x"}, {"type": "_Nope"}],
    }
    with pytest.raises(ValidationError) as info:
        from_dict(bad, _Rule)
    assert set(info.value.paths) == {"method.type", "steps[0].rate", "steps[1].type"}


# -- malformed input: every bad field by path ----------------------------------------------------


def _paths(data: object, cl: type[Any]) -> list[str]:
    with pytest.raises(ValidationError) as info:
        from_dict(data, cl)
    err = info.value
    assert all(isinstance(e, ValidationError) for e in err.errors)
    return sorted(err.paths)


def test_every_bad_field_of_a_lead_is_listed() -> None:
    bad = {
        "id": "",
        "last_name": "   ",
        "first_name": 3,
        "employees": "12",
        "budget": {"amount": 1.5, "currency": "XXY"},
        "status": "bogus",
        "source": "Not A Code",
        "custom": {"industry": 4},
        "created_at": "2026-01-05T09:00:00",
        "colour": "red",
    }
    assert _paths(bad, Lead) == [
        "budget.amount",
        "budget.currency",
        "colour",
        "created_at",
        "custom.industry",
        "employees",
        "first_name",
        "id",
        "last_name",
        "source",
        "status",
    ]


def test_error_messages_name_type_path_and_value() -> None:
    with pytest.raises(ValidationError) as info:
        from_dict(
            {"id": "o1", "name": "Deal", "estimated_revenue": {"amount": 1.5, "currency": "USD"}},
            Opportunity,
        )
    (leaf,) = info.value.errors
    assert leaf.obj == "Opportunity"
    assert leaf.field == "estimated_revenue.amount"
    assert leaf.value == 1.5
    assert "floats are inexact" in str(leaf)
    assert str(info.value).startswith("Opportunity: 1 invalid field(s)")
    assert "Opportunity.estimated_revenue.amount: got 1.5 (float)" in str(info.value)


def test_nested_case_history_paths() -> None:
    case = Case.open(id=CaseId("C1"), title="t", account_id=AccountId("a"), created_at=T0)
    plain = to_dict(case.respond(T0 + timedelta(hours=1)).resolve(T0 + timedelta(hours=2)))
    plain["events"][1]["at"] = "2026-01-05T10:00:00"  # naive
    plain["events"][2]["kind"] = "exploded"
    plain["events"].append({"kind": "responded"})  # no time
    assert _paths(plain, Case) == ["events[1].at", "events[2].kind", "events[3].at"]


def test_invariant_errors_from_the_model_keep_their_path() -> None:
    case = Case.open(id=CaseId("C1"), title="t", account_id=AccountId("a"), created_at=T0)
    plain = to_dict(case.respond(T0 + timedelta(hours=1)))
    plain["events"][1]["at"] = "2020-01-01T00:00:00+00:00"  # before the created event
    assert _paths(plain, Case) == ["events[1].at"]
    # A rule across fields (a disqualified lead needs a reason) is reported too.
    assert _paths({"id": "L1", "last_name": "K", "status": "disqualified"}, Lead) == [
        "disqualify_reason"
    ]


def test_paths_into_lists_of_attrs_classes() -> None:
    bad = {
        "name": "r",
        "method": {"type": "_Fixed", "price": {"amount": "1", "currency": "USD"}},
        "steps": [
            {"type": "_Percent", "rate": "0.1"},
            {"type": "_Percent", "rate": "0.2"},
            {"type": "_Fixed", "price": {"amount": 2.5, "currency": "USD"}},
        ],
    }
    assert _paths(bad, _Rule) == ["steps[2].price.amount"]


@pytest.mark.parametrize(
    ("plain", "cl"),
    [
        ({"amount": 12.5, "currency": "USD"}, Money),
        (12.5, Decimal),
        ("12.50 USD", Decimal),
        ("NaN", Decimal),
        (True, Decimal),
        ("2026-01-05T09:00:00", datetime),
        ("2026-01-05", datetime),
        (datetime(2026, 1, 5, 9, 0), datetime),  # noqa: DTZ001 - the naive input under test
        ("2026-01-05T09:00:00+03:30[Mars/Olympus]", datetime),
        ("20260105", date),
        ("2026-02-30", date),
        ("9:30", time),
        ("25:00", time),
        ("P1Y", timedelta),
        ("PT", timedelta),
        (90, timedelta),
        ("Not/AZone", ZoneInfo),
        ("", LeadId),
        (7, LeadId),
        ("Trade Show", LeadSource),
        ("urgent", CasePriority),
        (1, str),
        ("1", int),
        (1.0, int),
        (True, int),
        ("yes", bool),
        ("abc", tuple[int, ...]),
        ({"a": 1}, tuple[int, ...]),
        ([1, 2, 3], tuple[int, int]),
        ([], FrozenMap[str, str]),
        ({"amount": "1", "currency": "XXY"}, Money),
        ({"amount": "1"}, Money),
        ({"amount": "1", "currency": "USD", "cents": 100}, Money),
        ("L1", Lead),
    ],
    ids=repr,
)
def test_malformed_values_are_refused(plain: object, cl: Any) -> None:
    with pytest.raises(ValidationError):
        from_dict(plain, cl)


def test_unknown_currency_is_refused_by_path() -> None:
    assert _paths({"amount": "1", "currency": "XXY"}, Money) == ["currency"]


def test_naive_datetime_is_refused_on_output() -> None:
    naive = datetime(2026, 1, 5, 9, 0)  # noqa: DTZ001 - the naive input under test
    with pytest.raises(ValidationError, match="timezone-aware"):
        to_dict(naive)
    with pytest.raises(ValidationError, match="naive"):
        from_dict("2026-01-05T09:00:00", datetime)


def test_malformed_json_text_is_a_validation_error() -> None:
    with pytest.raises(ValidationError, match=r"well-formed JSON \(Expecting value at line 1"):
        from_json('{"amount": ', Money)
    with pytest.raises(ValidationError, match="well-formed JSON"):
        from_json(b"\xff\xfe\x00", Money)


def test_json_float_amount_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        from_json('{"amount": 12.5, "currency": "USD"}', Money)
    assert info.value.paths == ("amount",)


def test_validation_errors_pickle() -> None:
    with pytest.raises(ValidationError) as info:
        from_dict({"id": "", "last_name": 1}, Lead)
    back = pickle.loads(pickle.dumps(info.value))  # noqa: S301 - our own bytes
    assert back.paths == info.value.paths
    assert str(back) == str(info.value)


# -- TOML -----------------------------------------------------------------------------------------


def test_load_toml_reads_fractions_exactly_and_native_dates() -> None:
    text = """
    name = "Import deal"
    id = "o-1"
    probability = 40
    estimated_close_date = 2026-03-21
    created_at = 2026-01-05T09:00:00+03:30

    [estimated_revenue]
    amount = 0.1
    currency = "USD"
    """
    opp = load_toml(text, Opportunity)
    assert opp.estimated_revenue == Money("0.1", "USD")
    assert opp.estimated_revenue is not None
    assert opp.estimated_revenue.amount.as_tuple() == Decimal("0.1").as_tuple()
    assert opp.estimated_close_date == date(2026, 3, 21)
    assert opp.id == OpportunityId("o-1")


def test_load_toml_errors() -> None:
    with pytest.raises(ValidationError, match="well-formed TOML"):
        load_toml("name = ", Opportunity)
    with pytest.raises(ValidationError) as info:
        load_toml('id = "o"\nname = "x"\ncreated_at = 2026-01-05T09:00:00', Opportunity)
    assert info.value.paths == ("created_at",)


def test_to_json_is_valid_json_with_unicode_kept() -> None:
    lead = Lead(id=LeadId("L1"), last_name="تهرانی", budget=Money("1500000", "IRR"))
    text = to_json(lead)
    assert "تهرانی" in text
    assert json.loads(text)["budget"] == {"amount": "1500000", "currency": "IRR"}


# -- time zones: gaps and overlaps keep their wall time --------------------------------------

NEW_YORK = ZoneInfo("America/New_York")


def test_time_in_a_dst_gap_comes_back_identical() -> None:
    # 2024-03-10 02:30 does not exist in New York (clocks jump 02:00 -> 03:00);
    # with fold=0 Python gives it the offset before the jump, -05:00.
    gap = datetime(2024, 3, 10, 2, 30, tzinfo=NEW_YORK)
    text = to_dict(gap)
    assert text == "2024-03-10T02:30:00-05:00[America/New_York]"
    back = from_dict(text, datetime)
    assert (back, back.fold, back.tzinfo) == (gap, 0, NEW_YORK)
    assert back.replace(tzinfo=None) == gap.replace(tzinfo=None)


def test_second_pass_of_an_overlap_keeps_its_fold() -> None:
    # 2024-11-03 01:30 happens twice in New York: -04:00 (fold 0), then -05:00 (fold 1).
    second = datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=NEW_YORK)
    text = to_dict(second)
    assert text == "2024-11-03T01:30:00-05:00[America/New_York]"
    back = from_dict(text, datetime)
    assert back.fold == 1
    assert back.utcoffset() == timedelta(hours=-5)


def test_offset_wins_when_it_disagrees_with_the_zone() -> None:
    back = from_dict("2026-01-05T09:00:00+00:00[Asia/Tehran]", datetime)
    assert back == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # same instant
    assert back.tzinfo is TEHRAN
    assert back.hour == 12  # 09:00 UTC is 12:30 in Tehran (+03:30)
    assert back.minute == 30


# -- fields typed by an abstract class or Protocol -------------------------------------------


class _Source(abc.ABC):
    @abc.abstractmethod
    def days(self) -> int:
        """Days covered."""


@attrs.frozen
class _Weekly(_Source):
    weekday: int

    def days(self) -> int:
        return 1


@attrs.frozen
class _Span(_Source):
    start: date
    end: date

    def days(self) -> int:
        return (self.end - self.start).days


@attrs.frozen
class _Calendar:
    sources: tuple[_Source, ...]


def test_abstract_field_types_use_the_type_tag() -> None:
    cal = _Calendar((_Weekly(4), _Span(date(2026, 3, 20), date(2026, 3, 24))))
    plain = to_dict(cal)
    assert plain == {
        "sources": [
            {"type": "_Weekly", "weekday": 4},
            {"type": "_Span", "start": "2026-03-20", "end": "2026-03-24"},
        ]
    }
    assert from_dict(plain, _Calendar) == cal
    with pytest.raises(ValidationError) as info:
        from_dict({"sources": [{"type": "_Source"}, {"type": "_Span", "start": "x"}]}, _Calendar)
    assert sorted(info.value.paths) == ["sources[0].type", "sources[1].end", "sources[1].start"]


def test_lists_of_records_name_each_item() -> None:
    assert from_dict([1, 2], list[int]) == [1, 2]
    with pytest.raises(ValidationError) as info:
        from_dict([{"id": "L1", "last_name": ""}, 5, "abc"], list[Lead])
    assert info.value.paths == ("[0].last_name", "[1]", "[2]")
    assert str(info.value.errors[0]).startswith("list[Lead][0].last_name: got ''")
    with pytest.raises(ValidationError, match="expected a list"):
        from_dict("abc", list[str])  # a string is not a list of characters
    with pytest.raises(ValidationError, match=r"^Lead \| None: 1 invalid"):
        from_dict(5, Lead | None)  # type: ignore[arg-type]


@attrs.frozen
class _Typed:
    type: str


@attrs.frozen
class _HoldsTyped:
    item: _Typed | _Percent


def test_a_union_member_with_a_type_field_is_a_programming_error() -> None:
    with pytest.raises(TypeError, match="'type'"):
        to_dict(_HoldsTyped(_Typed("x")))
    with pytest.raises(TypeError, match="'type'"):
        from_dict({"item": {"type": "_Typed"}}, _HoldsTyped)


# -- robustness: any JSON gives a value or a ValidationError, nothing else -------------------

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)

_RECORD_TYPES = [t for t in _PUBLIC_TYPES if attrs.has(t)]


@pytest.mark.parametrize("declared", _RECORD_TYPES, ids=lambda t: t.__name__)
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_corrupted_documents_give_validation_errors(
    declared: type[Any], data: st.DataObject
) -> None:
    value = data.draw(CORE_STRATEGIES[declared]())
    plain = to_dict(value)
    if isinstance(plain, dict) and plain:
        key = data.draw(st.sampled_from(sorted(plain)))
        plain[key] = data.draw(_JSON)
    else:
        plain = data.draw(_JSON)
    problems: tuple[ValidationError, ...] = ()
    result = None
    try:
        result = from_dict(plain, declared)
    except ValidationError as err:
        problems = err.errors
    if result is None:
        assert problems
        assert all(isinstance(e, ValidationError) for e in problems)
    else:
        assert isinstance(result, declared)


def test_every_public_attrs_class_of_every_package_has_hooks() -> None:
    """Engines' public records are built only from types the converter knows."""
    import importlib
    import pkgutil

    import crmcore

    conv = make_converter()
    names = [
        info.name
        for info in pkgutil.walk_packages(crmcore.__path__, "crmcore.")
        if not any(part.startswith("_") for part in info.name.split("."))
        and not info.name.startswith(("crmcore.cli", "crmcore.testing"))
    ]
    checked = 0
    for name in names:
        module = importlib.import_module(name)
        for export in getattr(module, "__all__", ()):
            obj = getattr(module, export)
            if isinstance(obj, type) and attrs.has(obj):
                conv.get_structure_hook(obj)
                conv.get_unstructure_hook(obj)
                checked += 1
    assert checked > 20


def test_keys_that_are_not_identifiers_are_quoted_in_paths() -> None:
    with pytest.raises(ValidationError) as info:
        from_dict({"id": "a", "name": "n", "custom": {"my key": 1, "ok": 2}}, models.Account)
    assert info.value.paths == ("custom['my key']", "custom.ok")


@attrs.frozen
class _Base:
    a: int


@attrs.frozen
class _Sub(_Base):
    b: int = 0


@attrs.frozen
class _HoldsBase:
    item: _Base


def test_a_subclass_where_its_base_is_declared_is_not_silently_cut() -> None:
    assert to_dict(_HoldsBase(_Base(1))) == {"item": {"a": 1}}
    with pytest.raises(TypeError, match="_Sub where _Base is declared"):
        to_dict(_HoldsBase(_Sub(1, 2)))


def test_from_rows_reads_numbers_and_flags_from_text_cells() -> None:
    # CSV cells are text: integers in Persian or Arabic-Indic digits with thousands
    # separators, decimals and empty cells (defaults) are read; JSON stays strict.
    from crmcore.models import Lead
    from crmcore.serialization import from_rows

    rows = [
        {"id": "L-1", "last_name": "Moradi", "employees": "۱٬۲۰۰"},
        {"id": "L-2", "last_name": "Rahimi", "employees": "٣٤"},
        {"id": "L-3", "last_name": "Karimi", "employees": ""},
    ]
    got = [lead.employees for lead in from_rows(rows, Lead)]
    assert got == [1200, 34, None]
    # "1" and "0" in a number column are numbers (they also spell flags in a bool column)
    ones = [{"id": "L-6", "last_name": "Y", "employees": cell} for cell in ("1", "0", "۱")]
    assert [lead.employees for lead in from_rows(ones, Lead)] == [1, 0, 1]
    with pytest.raises(ValidationError) as caught:
        list(from_rows([{"id": "L-4", "last_name": "X", "employees": "yes"}], Lead))
    assert caught.value.obj == "row 2"
    assert caught.value.paths == ("employees",)
    with pytest.raises(ValidationError):
        from_dict({"id": "L-5", "last_name": "X", "employees": "12"}, Lead)
