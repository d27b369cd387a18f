"""The sales section of ``crmcore demo``."""

from __future__ import annotations

import json

import pytest

from crmcore.cli import main
from crmcore.cli._demo.sales import demo_section


def test_demo_section_numbers() -> None:
    section = demo_section()
    data = section["data"]
    # 3,000,000,000 IRR at 90 % in Farvardin 1405 weighs 2,700,000,000.
    assert data["forecast"][0] == {
        "period": "1405-01",
        "owner": "ali",
        "open": "3,000,000,000 ریال",
        "weighted": "2,700,000,000 ریال",
        "won": "3,500,000,000 ریال",
    }
    # Team tehran: 3.5e9 won of 6e9 = 58.33 %; its first row is the whole spring.
    tehran = [r for r in data["targets"] if r["owner"] == "tehran"]
    assert (tehran[0]["period"], tehran[0]["attained"]) == ("total", "58.33 %")


def test_demo_shows_the_sales_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--json"]) == 0
    titles = [s["title"] for s in json.loads(capsys.readouterr().out)["sections"]]
    assert "Sales forecast and targets (rials, Jalali months)" in titles
