"""Shared fixtures: the CDNOW data and one BG/NBD fit per session."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from crmcore.clv import BetaGeoFit, BetaGeoModel, CustomerSummary, Purchase
from crmcore.money import Money

# shared/ lies beside the checkout (CI clones elsewhere and copies it beside the clone).
CDNOW = next(
    (
        folder
        for folder in (
            Path(__file__).resolve().parents[3] / "shared" / "data" / "cdnow",
            Path("/work/shared/data/cdnow"),
        )
        if folder.exists()
    ),
    Path("/work/shared/data/cdnow"),
)
SUMMARY = CDNOW / "cdnow_customers_summary_with_transactions.csv"
SAMPLE = CDNOW / "CDNOW_sample.txt"

needs_cdnow = pytest.mark.skipif(not SUMMARY.exists(), reason="CDNOW data not available")


def load_summary() -> list[CustomerSummary]:
    with SUMMARY.open(encoding="utf-8") as handle:
        return [
            CustomerSummary(
                row["ID"],
                frequency=int(row["x"]),
                recency=float(row["t_x"]),
                age=float(row["T"]),
                monetary_value=row["zbar"],
            )
            for row in csv.DictReader(handle)
        ]


def load_sample_transactions() -> list[Purchase]:
    result = []
    with SAMPLE.open(encoding="utf-8") as handle:
        for line in handle:
            _master, sample_id, day, _cds, dollars = line.split()
            result.append(
                Purchase(
                    str(int(sample_id)),
                    date(int(day[:4]), int(day[4:6]), int(day[6:])),
                    Money(dollars, "USD"),
                )
            )
    return result


@pytest.fixture(scope="session")
def cdnow_summary() -> list[CustomerSummary]:
    if not SUMMARY.exists():
        pytest.skip("CDNOW data not available")
    return load_summary()


@pytest.fixture(scope="session")
def cdnow_fit(cdnow_summary: list[CustomerSummary]) -> BetaGeoFit:
    return BetaGeoModel.fit(cdnow_summary, backend="python")
