"""SLA, pricing and ROI adapters equal the record-based APIs; record functions refuse frames."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.calendars import BusinessCalendar, DeadlineQuery, WeeklySchedule, deadlines
from crmcore.clv import (
    customer_lifetime_values,
    fit_clv,
    predict_clv,
    rfm_segments,
    summarize_transactions,
)
from crmcore.errors import CrmError, ValidationError
from crmcore.frames import (
    dated_flows,
    deadlines_frame,
    evaluate_frame,
    priced_lines_frame,
    records_frame,
    roi_lines_frame,
)
from crmcore.money import Money
from crmcore.pricing import DocumentKind, LineItem, SalesDocument, price_document
from crmcore.roi import xirr, xnpv
from crmcore.scoring import (
    Scorecard,
    predict,
    predict_leads,
    score_columns,
    score_lead,
    score_leads,
    train_logistic,
    train_logistic_matrix,
    train_naive_bayes,
)
from crmcore.sla import evaluate_many
from tests.roi.test_tco import jalali_plan
from tests.sla.test_columnar import ACCOUNTS, CALS, ENTITLEMENTS, POLICIES, histories
from tests.strategies.pricing import CATALOG, PRICE_LIST

OFFICE = BusinessCalendar(
    WeeklySchedule.from_mapping({"sat-wed": "08:00-16:00", "thu": "08:00-12:00"}),
    timezone="Asia/Tehran",
)
NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)


def test_deadlines_frame_hand_checked() -> None:
    # Wednesday 2026-06-03 15:00 Tehran + 4 business hours: 1 h on Wednesday (to 16:00),
    # 3 h on Thursday 08:00-11:00 -> Thursday 11:00 Tehran (hand count on the schedule above).
    tickets = pd.DataFrame(
        {
            "opened_at": pd.to_datetime(["2026-06-03 15:00"]).tz_localize("Asia/Tehran"),
            "target": pd.to_timedelta(["4h"]),
        }
    )
    result = deadlines_frame(OFFICE, tickets)
    assert str(result["deadline"].dtype) == "datetime64[ns, Asia/Tehran]"
    assert result["deadline"].iloc[0] == pd.Timestamp("2026-06-04 11:00", tz="Asia/Tehran")


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 60 * 24 * 30), st.integers(0, 60 * 40)), min_size=1, max_size=20
    )
)
def test_deadlines_frame_equals_deadlines(rows: list[tuple[int, int]]) -> None:
    base = datetime(2026, 5, 1, tzinfo=UTC)
    starts = [base + timedelta(minutes=m) for m, _ in rows]
    durations = [timedelta(minutes=d) for _, d in rows]
    tickets = pd.DataFrame(
        {"opened_at": pd.to_datetime(starts), "target": pd.to_timedelta(durations)}
    )
    expected = deadlines(
        OFFICE, [DeadlineQuery(s, d) for s, d in zip(starts, durations, strict=True)]
    )
    assert [t.to_pydatetime() for t in deadlines_frame(OFFICE, tickets)["deadline"]] == expected


def test_deadlines_frame_refuses_missing_cells() -> None:
    tickets = pd.DataFrame({"opened_at": [pd.NaT], "target": pd.to_timedelta(["1h"])})
    with pytest.raises(ValidationError, match=r"opened_at\[0\]"):
        deadlines_frame(OFFICE, tickets)


@settings(max_examples=15, deadline=None)
@given(cases=st.tuples(*(histories(k) for k in range(4))))
def test_evaluate_frame_equals_evaluate_many(cases: tuple) -> None:  # type: ignore[type-arg]
    now = max(c.created_at for c in cases) + timedelta(days=2)
    options = {"now": now, "calendars": CALS, "accounts": ACCOUNTS, "entitlements": ENTITLEMENTS}
    evaluations = evaluate_many(cases, POLICIES, **options)  # type: ignore[arg-type]
    frame = evaluate_frame(cases, POLICIES, **options)  # type: ignore[arg-type]
    expected = [
        (str(e.case_id), k.name, str(k.state), k.remaining, k.breach_at)
        for e in evaluations
        for k in e.kpis
    ]
    got = [
        (
            r.case_id,
            r.name,
            r.state,
            r.remaining.to_pytimedelta(),
            None if pd.isna(r.breach_at) else r.breach_at.to_pydatetime(),
        )
        for r in frame.itertuples()
        if not pd.isna(r.name)
    ]
    assert got == expected
    assert str(frame["remaining"].dtype) == "timedelta64[ns]"


def test_priced_lines_frame_equals_the_lines() -> None:
    doc = SalesDocument(
        "Q", DocumentKind.QUOTE, "USD", (LineItem("A", 3),), freight=Money("2.50", "USD")
    )
    priced = price_document(doc, CATALOG, PRICE_LIST)
    frame = priced_lines_frame(priced)
    assert frame["amount"].tolist() == [line.amount.amount for line in priced.lines]
    assert frame["amount_currency"].tolist() == ["USD"]
    # 3 x 12.99 USD = 38.97 USD (tests/pricing/test_currency.py)
    assert priced_lines_frame(priced, money="float")["amount"].tolist() == [38.97]


def test_roi_lines_frame_equals_the_report() -> None:
    report = jalali_plan().report()
    frame = roi_lines_frame(report)
    assert frame["net"].tolist() == [line.net.amount for line in report.lines]
    assert frame["period"].tolist() == [line.period.label for line in report.lines]
    assert roi_lines_frame(report, money="float")["net"].dtype == "float64"


def test_dated_flows_feed_xirr() -> None:
    # Excel's XIRR documentation example: 0.373362535
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime(
                ["2008-01-01", "2008-03-01", "2008-10-30", "2009-02-15", "2009-04-01"]
            ),
            "amount": [np.int64(-10000), 2750, 4250, 3250, 2750],
        }
    )
    flows = dated_flows(frame, currency="USD")
    assert flows[1] == (date(2008, 3, 1), Money(2750, "USD"))
    assert round(xirr(flows), 6) == Decimal("0.373363")
    assert xnpv("0", flows) == Money(3000, "USD")


def test_records_frame_dtypes() -> None:
    report = jalali_plan().report()
    frame = records_frame([line.period for line in report.lines])
    assert frame["label"].dtype == "string"
    with pytest.raises(ValidationError):
        records_frame([1, 2])


FRAME = pd.DataFrame({"id": ["a"], "customer_id": ["a"]})
CARD = Scorecard(name="c", groups=[])


@pytest.mark.parametrize(
    ("call", "use"),
    [
        (lambda: score_leads(CARD, FRAME, now=NOW), "score_frame"),
        (lambda: score_lead(CARD, FRAME, now=NOW), "score_frame"),
        (lambda: score_columns(CARD, FRAME, now=NOW), "score_frame"),
        (lambda: predict(None, FRAME), "predict_frame"),  # type: ignore[arg-type]
        (lambda: predict_leads(None, FRAME), "predict_frame"),  # type: ignore[arg-type]
        (lambda: train_logistic(FRAME), "train_frame"),
        (lambda: train_naive_bayes(FRAME, ["x"]), "train_frame"),
        (lambda: train_logistic_matrix(FRAME, [1], columns=["x"]), "train_frame"),
        (lambda: summarize_transactions(FRAME), "summarize_frame"),
        (lambda: rfm_segments(FRAME), "rfm_frame"),
        (lambda: fit_clv(FRAME), "fit_clv_frame"),
        (
            lambda: predict_clv(FRAME, horizon=1, discount_rate=0, currency="USD"),
            "predict_clv_frame",
        ),
        (
            lambda: customer_lifetime_values(
                FRAME, None, None, horizon=1, discount_rate=0, currency="USD"
            ),
            "predict_clv_frame",
        ),  # type: ignore[arg-type]
        (lambda: evaluate_many(FRAME, [], now=NOW), "evaluate_frame"),
        (lambda: score_leads(CARD, FRAME["id"], now=NOW), "score_frame"),
    ],
)
def test_record_functions_refuse_a_frame_naming_the_adapter(call: object, use: str) -> None:
    with pytest.raises(CrmError, match=f"crmcore.frames.{use}"):
        call()  # type: ignore[operator]


def test_importing_the_adapters_does_not_import_pandas() -> None:
    # the adapters import pandas on first call: `import crmcore.frames` works without it
    code = "import sys, crmcore, crmcore.frames; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)  # noqa: S603
    assert out.stdout.strip() == "False"
