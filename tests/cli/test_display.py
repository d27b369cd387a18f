"""Issue 15 item 7 and flag-named errors: what people read in the CLI output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crmcore.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def big_quote(tmp_path: Path) -> Path:
    # 4,000,000 packs and a header discount given as 1E+3 rials: Decimal would print 4E+6 / 1E+3
    data = json.loads((EXAMPLES / "quote.json").read_text(encoding="utf-8"))
    data["document"]["lines"][0]["quantity"] = "4E+6"
    data["document"]["lines"][1]["quantity"] = "0.0000001"
    data["document"]["header_discount_amount"]["amount"] = "1E+3"
    path = tmp_path / "big.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["json", "csv", "table", "jsonl"])
def test_pricing_output_never_prints_an_exponent(
    capsys: pytest.CaptureFixture[str], big_quote: Path, fmt: str
) -> None:
    code, out, err = _run(capsys, ["price", "quote", str(big_quote), "--format", fmt])
    assert code == 0, err
    assert "E+" not in out
    assert "E-" not in out
    assert "4000000" in out.replace(",", "")  # the quantity, written out
    if fmt != "table":
        assert "0.0000001" in out


def test_pricing_json_quantities_are_plain(
    capsys: pytest.CaptureFixture[str], big_quote: Path
) -> None:
    code, out, _ = _run(capsys, ["price", "quote", str(big_quote)])
    assert code == 0
    data = json.loads(out)
    assert [line["quantity"] for line in data["lines"]] == ["4000000", "0.0000001"]
    assert data["document"]["header_discount_amount"]["amount"] == "1000"


def test_roi_plan_in_rials_never_calls_the_rate_irr(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = json.loads((EXAMPLES / "plan.json").read_text(encoding="utf-8"))
    plan["currency"] = "IRR"
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, out, err = _run(capsys, ["roi", "plan", str(path), "--format", "table"])
    assert code == 0, err
    assert "amounts in IRR" in out
    assert "internal rate of return" in out
    # "IRR" appears once: the currency; the rate is spelt out
    assert out.count("IRR") == 1


def test_roi_plan_note_spells_the_rate_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    plan = {
        "name": "costs only",
        "currency": "IRR",
        "discount_rate": "0.1",
        "periods": {"kind": "gregorian_year", "first": "2025-01-01", "count": 2},
        "costs": [{"category": "implementation", "amount": "1000"}],
        "benefits": [],
    }
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    code, out, err = _run(capsys, ["roi", "plan", str(path), "--format", "table"])
    assert code == 0, err
    assert "no rate of return" in out
    assert out.count("IRR") == 1


def test_several_rates_of_return_name_the_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # -50, -100, 600, 300, -100 has two rates of return (tests/roi/test_cli.py)
    code, _, err = _run(capsys, ["roi", "irr", "--flows", "-50,-100,600,300,-100"])
    assert code == 1
    assert "--guess" in err
    assert "--all" in err
    assert "guess=" not in err
    assert "irr_roots()" not in err
    code, out, _ = _run(capsys, ["roi", "irr", "--flows", "-50,-100,600,300,-100", "--guess", "2"])
    assert code == 0
    assert round(float(json.loads(out)["irr"]), 4) == 1.8544


def test_bad_numbers_and_dates_name_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    # issue 15: `calendar add --hours abc` ended in a traceback
    with pytest.raises(SystemExit) as done:
        main(["calendar", "add", "--preset", "iran", "--start", "2025-03-18T15:00:00+03:30",
              "--hours", "abc"])  # fmt: skip
    assert done.value.code == 2
    assert "argument --hours: expected a number, got 'abc'" in capsys.readouterr().err
    code, _, err = _run(capsys, ["segment", "rfm", str(EXAMPLES / "purchases.csv"),
                                 "--as-of", "yesterday"])  # fmt: skip
    assert code == 1
    assert "--as-of: got 'yesterday'" in err
    code, _, err = _run(capsys, ["--column", "x"] if False else ["segment", "rfm",
                        str(EXAMPLES / "purchases.csv"), "--column", "x"])  # fmt: skip
    assert code == 2
    assert "--column: expected NEW=OLD" in err


def test_persian_digits_in_flags(capsys: pytest.CaptureFixture[str]) -> None:
    # 2 business hours from Tue 18 Mar 2025 15:00 Tehran: the office closes at 16:00 (iran
    # preset), 29 Esfand and Nowruz are closed, so the deadline is after the holidays.
    code, latin, _ = _run(capsys, ["calendar", "add", "--preset", "iran",
                                   "--start", "2025-03-18T15:00:00+03:30", "--hours", "2"])  # fmt: skip
    assert code == 0
    code, persian, _ = _run(capsys, ["calendar", "add", "--preset", "iran", "--calendar", "jalali",
                                     "--start", "۱۴۰۳-۱۲-۲۸T۱۵:۰۰:۰۰+۰۳:۳۰", "--hours", "۲"])  # fmt: skip
    assert code == 0
    # 2025-03-18 is 28 Esfand 1403 (Nowruz 1404 = 2025-03-21, Esfand 1403 has 30 days)
    assert json.loads(persian)["deadline_jalali"] == json.loads(latin)["deadline_jalali"]
    # with --calendar jalali the deadline itself is written in the Jalali calendar
    assert json.loads(persian)["deadline"][:10] == json.loads(latin)["deadline_jalali"]
    assert json.loads(persian)["deadline"][10:] == json.loads(latin)["deadline"][10:]


def test_a_jalali_date_is_never_read_as_gregorian_silently(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # issue 15: `segment rfm` read 1404-01-05 as the year 1404 AD
    path = tmp_path / "tx.csv"
    path.write_text("customer_id,date,amount,currency\nA,1404-01-05,10,IRR\n", encoding="utf-8")
    code, _, err = _run(capsys, ["segment", "rfm", str(path)])
    assert code == 1
    assert "looks like a Jalali date (year 1404); add --calendar jalali" in err
    code, out, err = _run(capsys, ["segment", "rfm", str(path), "--calendar", "jalali",
                                   "--format", "json"])  # fmt: skip
    assert code == 0, err
    assert json.loads(out)[0]["last_purchase"] == "1404-01-05"
    code, out, err = _run(capsys, ["segment", "rfm", str(path), "--calendar", "jalali",
                                   "--format", "json", "--calendar", "gregorian"])  # fmt: skip
    assert code == 1


def test_tables_align_by_display_width(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # "می‌خواهم" has 8 code points but takes 7 columns (the ZWNJ takes none); "漢字" takes 4.
    path = tmp_path / "tx.csv"
    path.write_text(
        "customer_id,date,amount,currency\nمی‌خواهم,2026-03-01,10,IRR\n漢字,2026-03-02,5,IRR\n"
        "A,2026-03-03,7,IRR\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, ["segment", "rfm", str(path), "--format", "table"])
    assert code == 0, err
    wcwidth = pytest.importorskip("wcwidth")
    lines = out.splitlines()
    # the second column starts at the same display column on every line
    starts = {wcwidth.wcswidth(line[: line.index("2026")]) for line in lines[2:]}
    assert len(starts) == 1, lines
    header_start = wcwidth.wcswidth(lines[0][: lines[0].index("last_purchase")])
    assert starts == {header_start}


def test_column_mapping(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # a Persian export: the date column is called "tarikh" and the customer "moshtari"
    path = tmp_path / "tx.csv"
    path.write_text(
        "moshtari,tarikh,amount,currency\nA,1404-12-28,10,IRR\nB,1404-12-20,5,IRR\n",
        encoding="utf-8",
    )
    argv = ["segment", "rfm", str(path), "--calendar", "jalali", "--format", "json"]
    code, out, err = _run(capsys, [*argv, "--column", "date=tarikh",
                                   "--column", "customer_id=moshtari"])  # fmt: skip
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["customer_id"], r["last_purchase"], r["recency_days"]) for r in rows] == [
        ("A", "1404-12-28", 0),
        ("B", "1404-12-20", 8),  # 28 - 20 Esfand
    ]
    code, _, err = _run(
        capsys, [*argv, "--column", "date=tarikh", "--column", "customer_id=moshtari",
                 "--column", "note=x"]
    )  # fmt: skip
    assert code == 2
    assert "--column note=x: no CSV row read has a column 'x'" in err
