"""A hand-written plan's shorthands, expanded into the serialized form."""

from __future__ import annotations

import pytest

from crmcore.errors import ValidationError
from crmcore.roi import RoiPlan, expand_plan
from crmcore.serialization import from_dict, to_dict


def test_bare_amounts_take_the_plan_currency_and_periods_are_generated() -> None:
    data = {
        "currency": "IRR",
        "periods": {"kind": "gregorian_year", "first": "2025-05-01", "count": 2,
                    "fiscal_start_month": 4},
        "costs": [{"category": "training", "amount": 9_000_000}],
        "benefits": [{"name": "margin", "values": ["1", {"amount": "2", "currency": "IRR"}]}],
    }  # fmt: skip
    expanded = expand_plan(data)
    assert expanded["name"] == "plan"
    assert expanded["costs"] == [
        {"category": "training", "amount": {"amount": "9000000", "currency": "IRR"}}
    ]
    # baseline defaults to 0 in the plan currency; a full Money object is kept as it is
    assert expanded["benefits"][0]["baseline"] == {"amount": "0", "currency": "IRR"}
    assert expanded["benefits"][0]["values"][1] == {"amount": "2", "currency": "IRR"}
    # fiscal years from April: 1 May 2025 lies in FY2025 = [2025-04-01, 2026-04-01)
    assert expanded["periods"][0] == {"label": "FY2025", "start": "2025-04-01", "end": "2026-04-01"}
    assert data["costs"] == [{"category": "training", "amount": 9_000_000}]  # input untouched


def test_the_serialized_form_passes_unchanged() -> None:
    short = {"currency": "USD", "costs": [], "benefits": [],
             "periods": {"kind": "jalali_month", "first": "2025-03-21", "count": 1}}  # fmt: skip
    plan = from_dict(expand_plan(short), RoiPlan)
    full = to_dict(plan)
    assert expand_plan(full) == full


def test_bad_plans_name_the_field() -> None:
    with pytest.raises(ValidationError, match=r"periods\.count"):
        expand_plan({"periods": {"kind": "jalali_year", "first": "2025-03-21"}})
    with pytest.raises(ValidationError, match=r"periods\.first"):
        expand_plan({"periods": {"kind": "jalali_year", "first": "21/03/2025", "count": 1}})
    with pytest.raises(ValidationError, match="root"):
        expand_plan([1, 2])
