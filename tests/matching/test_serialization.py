"""Every serialisable public type of crmcore.matching round-trips through JSON."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore import matching
from crmcore.serialization import from_json, make_converter, to_json
from tests.strategies.matching import MATCHING_STRATEGIES

# Types not meant for files: results holding records (MergePlan, SyntheticCustomers).
_NOT_SERIALISED = {"MergePlan", "SyntheticCustomers"}


def test_every_public_attrs_class_has_a_strategy() -> None:
    exported = {
        name
        for name in matching.__all__
        if isinstance(obj := getattr(matching, name), type) and attrs.has(obj)
    }
    assert exported - _NOT_SERIALISED == {t.__name__ for t in MATCHING_STRATEGIES}


@pytest.mark.parametrize("declared", list(MATCHING_STRATEGIES), ids=lambda t: t.__name__)
@settings(max_examples=25)
@given(data=st.data())
def test_round_trip(declared: type[Any], data: st.DataObject) -> None:
    value = data.draw(MATCHING_STRATEGIES[declared]())
    conv = make_converter()
    assert conv.structure(conv.unstructure(value), declared) == value
    assert from_json(to_json(value), declared) == value
