"""crmcore.errors: messages, structured attributes, pickling and the documented tree."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable

import pytest

from crmcore import errors
from crmcore.errors import (
    MISSING,
    ConcurrencyError,
    CrmError,
    CurrencyMismatchError,
    DuplicateError,
    InvalidTransitionError,
    NotFoundError,
    ValidationError,
)

_ERROR_CLASSES: list[type[CrmError]] = [
    obj for name in errors.__all__ if isinstance(obj := getattr(errors, name), type)
]

# Classes whose constructor is not the generic (message, obj=, field=, value=, expected=).
_SPECIAL: dict[type[CrmError], Callable[[], CrmError]] = {
    CurrencyMismatchError: lambda: CurrencyMismatchError("USD", "EUR", operation="+"),
    InvalidTransitionError: lambda: InvalidTransitionError(
        "Lead", "L1", state="qualified", action="qualify", allowed=("new", "contacted")
    ),
    NotFoundError: lambda: NotFoundError("Account", "A-1"),
    DuplicateError: lambda: DuplicateError("Account", "A-1", field="email"),
    ConcurrencyError: lambda: ConcurrencyError("Lead", "L1", expected_version=3, actual_version=4),
}


def _sample(cls: type[CrmError]) -> CrmError:
    if cls in _SPECIAL:
        return _SPECIAL[cls]()
    return cls(obj="PriceList", field="items[2].amount", value="abc", expected="a number")


def test_every_error_class_is_a_crm_error() -> None:
    assert CrmError in _ERROR_CLASSES
    for cls in _ERROR_CLASSES:
        assert issubclass(cls, CrmError), cls
        assert isinstance(_sample(cls), CrmError)


def _documented_tree() -> dict[str, tuple[str, str | None]]:
    """Parse the tree in the module docstring: name -> (parent, built-in base)."""
    doc = errors.__doc__ or ""
    tree: dict[str, tuple[str, str | None]] = {}
    stack: list[tuple[int, str]] = []
    for line in doc.splitlines():
        match = re.match(r"^(?P<indent>[\s│]*)[├└]── (?P<name>\w+)(?: \((?P<base>\w+)\))?", line)
        if not match:
            continue
        depth = len(match["indent"])
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parent = stack[-1][1] if stack else "CrmError"
        tree[match["name"]] = (parent, match["base"])
        stack.append((depth, match["name"]))
    return tree


def test_the_documented_tree_matches_the_classes() -> None:
    tree = _documented_tree()
    documented = set(tree) | {"CrmError"}
    assert documented == {cls.__name__ for cls in _ERROR_CLASSES}
    builtins = {"ValueError": ValueError, "LookupError": LookupError}
    for name, (parent, base) in tree.items():
        cls = getattr(errors, name)
        assert getattr(errors, parent) in cls.__bases__, (name, parent)
        if base is not None:
            assert issubclass(cls, builtins[base]), (name, base)


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (ValidationError, ValueError),
        (CurrencyMismatchError, ValueError),
        (NotFoundError, LookupError),
        (errors.PricingError, LookupError),
        (errors.CalendarError, ValueError),
        (errors.SlaError, ValueError),
        (errors.ScoringError, ValueError),
        (errors.InsufficientDataError, ValueError),
        (errors.RoiError, ValueError),
        (errors.NoSolutionError, ValueError),
        (errors.ConvergenceError, ValueError),
    ],
)
def test_builtin_bases_so_plain_except_clauses_work(cls: type[CrmError], builtin: type) -> None:
    with pytest.raises(builtin):
        raise _sample(cls)


@pytest.mark.parametrize("cls", _ERROR_CLASSES, ids=lambda c: c.__name__)
def test_pickling_round_trip(cls: type[CrmError]) -> None:
    err = _sample(cls)
    back = pickle.loads(pickle.dumps(err))  # noqa: S301 - our own bytes
    assert type(back) is cls
    assert str(back) == str(err)
    assert vars(back) == vars(err)
    assert (back.obj, back.field, back.value, back.expected) == (
        err.obj,
        err.field,
        err.value,
        err.expected,
    )


def test_generic_message_names_object_field_value_and_expectation() -> None:
    err = ValidationError(obj="Money", field="amount", value=1.5, expected="Decimal, int or str")
    assert str(err) == "Money.amount: got 1.5 (float); expected Decimal, int or str"
    assert (err.obj, err.field, err.value, err.expected) == (
        "Money",
        "amount",
        1.5,
        "Decimal, int or str",
    )
    assert err.where == "Money.amount"
    assert err.message == str(err)


def test_message_parts_are_optional() -> None:
    assert str(ValidationError(field="x")) == "x: invalid"
    assert str(ValidationError(obj="Lead", value=None)) == "Lead: got None"
    assert ValidationError(obj="Lead").value is MISSING
    assert str(CrmError("plain words")) == "plain words"
    long_value = "x" * 200
    assert len(str(ValidationError(field="f", value=long_value))) < 100  # values are shortened


def test_validation_error_lists_its_children() -> None:
    children = [
        ValidationError(obj="Quote", field="lines[2].price.amount", value=1.5, expected="a string"),
        ValidationError(obj="Quote", field="currency", value="XXY", expected="ISO 4217"),
    ]
    err = ValidationError(obj="Quote", errors=children)
    assert err.errors == tuple(children)
    assert err.paths == ("lines[2].price.amount", "currency")
    assert str(err).splitlines() == [
        "Quote: 2 invalid field(s)",
        "  - Quote.lines[2].price.amount: got 1.5 (float); expected a string",
        "  - Quote.currency: got 'XXY'; expected ISO 4217",
    ]
    assert ValidationError(obj="Quote", field="total").paths == ("total",)


def test_domain_error_messages() -> None:
    assert str(CurrencyMismatchError("USD", "EUR", operation="+")) == (
        "cannot combine USD and EUR with '+': convert one currency first"
    )
    err = InvalidTransitionError("Lead", "L1", state="qualified", action="qualify", allowed=["new"])
    assert str(err) == "Lead 'L1' is qualified: cannot qualify (allowed from: new)"
    assert (err.entity, err.entity_id, err.state, err.action, err.allowed) == (
        "Lead",
        "L1",
        "qualified",
        "qualify",
        ("new",),
    )
    reason = InvalidTransitionError(
        "Opportunity", None, state="won", action="edit", reason="closed"
    )
    assert str(reason) == "Opportunity is won: cannot edit (closed)"
    assert str(NotFoundError("Account", "A-1")) == "Account 'A-1' not found"
    assert str(DuplicateError("Account", "A-1")) == "Account with id 'A-1' already exists"
    assert str(ConcurrencyError("Lead", "L1", expected_version=3, actual_version=None)) == (
        "Lead 'L1' was changed by someone else: you hold version 3, the store has no record"
    )


def test_missing_sentinel_is_a_singleton_that_pickles() -> None:
    assert repr(MISSING) == "MISSING"
    assert pickle.loads(pickle.dumps(MISSING)) is MISSING  # noqa: S301 - our own bytes
    assert type(MISSING)() is MISSING


def test_index_paths_join_without_a_dot() -> None:
    err = ValidationError(obj="list[Lead]", field="[2].last_name", value="", expected="a name")
    assert err.where == "list[Lead][2].last_name"
    assert str(err) == "list[Lead][2].last_name: got ''; expected a name"
