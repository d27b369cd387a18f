"""Sales forecast and contact-centre adapters equal the engines' columnar paths on the same data."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from crmcore.errors import ValidationError
from crmcore.frames import contact_centre_frame, forecast_frame, records_frame
from crmcore.sales import ForecastColumns, forecast_columns
from crmcore.service import contact_centre_columns


def test_forecast_frame_hand_checked_and_equal_to_the_columns() -> None:
    # forecast_columns' docstring: 1000 IRR at 25 % (pipeline) and 500 IRR won in 1405-01:
    # open 1000, weighted 250, won 500
    frame = pd.DataFrame(
        {
            "amount": [np.int64(1000), 500, 2000],
            "probability": [25, 100, 60],
            "category": ["pipeline", "won", "best_case"],
            "period": ["1405-01", "1405-01", "1405-02"],
            "group": ["sara", "sara", "ali"],
        }
    )
    result = forecast_frame(frame, currency="IRR")
    first = result.iloc[0]
    assert (first["open"], first["weighted"], first["won"]) == (
        Decimal(1000),
        Decimal(250),
        Decimal(500),
    )
    expected = forecast_columns(
        ForecastColumns(
            "IRR",
            [1000, 500, 2000],
            [25, 100, 60],
            list(frame["category"]),
            list(frame["period"]),
            list(frame["group"]),
        )
    )
    pd.testing.assert_frame_equal(result, records_frame(expected.cells))
    assert forecast_frame(frame, currency="IRR", money="float")["weighted"].dtype == "float64"
    with pytest.raises(ValidationError, match=r"probability\[0\]"):
        forecast_frame(frame.assign(probability=[np.nan, 1, 2]), currency="IRR")


def test_contact_centre_frame_hand_checked_and_equal_to_the_columns() -> None:
    frame = pd.DataFrame(
        {
            "group": ["sales", "sales", "sales", "support"],
            "answered": [True, True, False, True],
            "abandoned": [False, False, True, False],
            "wait": pd.to_timedelta([10, 30, 5, 3], unit="s"),
            "handle": pd.to_timedelta([200, 100, None, 50], unit="s"),
            "transferred": [False, True, False, False],
        }
    )
    result = contact_centre_frame(frame)
    sales = result[result["group"] == "sales"].iloc[0]
    # hand count: 3 offered, 2 answered, 1 abandoned, 1 answered within 20 s; AHT (200+100)/2
    assert (sales["offered"], sales["answered"], sales["abandoned"], sales["answered_within"]) == (
        3,
        2,
        1,
        1,
    )
    assert sales["aht"] == 150.0
    columns = {
        "group": list(frame["group"]),
        "answered": list(frame["answered"]),
        "abandoned": list(frame["abandoned"]),
        "wait": [10.0, 30.0, 5.0, 3.0],
        "handle": [200.0, 100.0, float("nan"), 50.0],
        "transferred": list(frame["transferred"]),
    }
    pd.testing.assert_frame_equal(result, records_frame(contact_centre_columns(columns)))
