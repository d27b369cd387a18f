"""``crmcore price`` and the pricing demo section, through crmcore.cli.main."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crmcore.cli import main
from crmcore.cli._demo.pricing import demo_catalog, demo_section
from crmcore.serialization import make_converter


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _catalog_json() -> dict[str, Any]:
    conv = make_converter()
    catalog, price_list = demo_catalog()
    return {"catalog": conv.unstructure(catalog), "price_lists": [conv.unstructure(price_list)]}


_QUOTE = {
    "id": "Q-7",
    "currency": "IRR",
    "issued_on": "2026-05-05",
    "lines": [
        {"product_id": "DOOGH-330", "quantity": "20", "unit": "12-pack"},
        {"product_id": "SUPPORT", "quantity": "2", "unit": "day"},
    ],
    "header_discount_amount": {"amount": "50000", "currency": "IRR"},
}


def test_price_quote_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "quote.json"
    path.write_text(
        json.dumps(
            {
                **_catalog_json(),
                "options": {"tax_policy": {"type": "IranianVat", "rate": "10"}},
                "document": _QUOTE,
            }
        ),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "price", "quote", str(path))
    assert code == 0
    data = json.loads(out)
    # Line 1: 95,000 × 11 = 1,045,000 → up to a multiple of 10,000 = 1,050,000;
    # 20 × 1,050,000 = 21,000,000 less 5 % band discount 1,050,000 = 19,950,000.
    # Line 2: 2,400,000 / 0.6 = 4,000,000 per day × 2 = 8,000,000.
    # Detail 27,950,000 − 50,000 = 27,900,000. IranianVat taxes after the header
    # discount: its 50,000 split in proportion 19,950,000 : 8,000,000 is
    # 35,688.73… : 14,311.27… → 35,688 + 14,311 = 49,999, the last rial to the
    # larger remainder → 35,689 and 14,311. VAT 10 % of 19,914,311 = 1,991,431.1
    # → 1,991,431, of 7,985,689 = 798,568.9 → 798,569; total tax 2,790,000
    # (10 % of 27,900,000); total 30,690,000.
    assert data["lines"][0]["amount"] == {"amount": "19950000", "currency": "IRR"}
    assert data["lines"][0]["header_discount_share"]["amount"] == "35689"
    assert data["lines"][0]["tax"]["amount"] == "1991431"
    assert data["totals"]["total_tax"]["amount"] == "2790000"
    assert data["totals"]["total_amount"]["amount"] == "30690000"
    assert data["price_list"] == "tehran-1405"
    assert any("rounded up" in s for s in data["lines"][0]["explanation"])
    assert data["explanation"][-1].startswith("total = 27900000")


def test_price_with_separate_catalog_and_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = tmp_path / "catalog.json"
    catalog.write_text(json.dumps(_catalog_json()), encoding="utf-8")
    doc = tmp_path / "q.json"
    doc.write_text(json.dumps({**_QUOTE, "kind": "quote"}), encoding="utf-8")
    code, out, _ = run(
        capsys, "price", "--catalog", str(catalog), "--document", str(doc), "--format", "table"
    )
    assert code == 0
    assert "total amount" in out
    assert "IRR27,900,000" in out
    code, out, _ = run(
        capsys,
        "price",
        "quote",
        str(doc),
        "--catalog",
        str(catalog),
        "--format",
        "table",
        "--locale",
        "fa_IR",
        "--persian-digits",
    )
    assert code == 0
    assert "مبلغ کل" in out
    assert "۲۷٬۹۰۰٬۰۰۰ ریال" in out
    assert "۱۴۰۵/۰۲/۱۵" in out


def test_price_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    lines = [{"product_id": "DOOGH-330", "quantity": "1.5"}]
    bad.write_text(
        json.dumps({**_catalog_json(), "document": {**_QUOTE, "lines": lines}}), encoding="utf-8"
    )
    code, _, err = run(capsys, "price", "quote", str(bad))
    assert code == 1
    assert "ValidationError" in err
    assert "1.5" in err
    missing = tmp_path / "missing.json"
    lines = [{"product_id": "DOOGH-330", "quantity": "1", "unit": "6-pack"}]
    missing.write_text(
        json.dumps({**_catalog_json(), "document": {**_QUOTE, "lines": lines}}), encoding="utf-8"
    )
    code, _, err = run(capsys, "price", "quote", str(missing))
    assert code == 1
    assert "PricingError" in err
    assert "DOOGH-330/6-pack" in err
    code, _, err = run(capsys, "price", "order", str(missing))
    assert code == 1
    assert "document.kind" not in err
    code, _, err = run(capsys, "price")
    assert code == 2
    wrong = tmp_path / "wrong.json"
    wrong.write_text(
        json.dumps({**_catalog_json(), "document": {**_QUOTE, "kind": "invoice"}}), encoding="utf-8"
    )
    code, _, err = run(capsys, "price", "quote", str(wrong))
    assert code == 1
    assert "document.kind" in err
    hostile = tmp_path / "hostile.json"
    for document, default in (([1, 2], None), (_QUOTE, ["a", "list"])):
        data = {**_catalog_json(), "document": document, "default_price_list": default}
        hostile.write_text(json.dumps(data), encoding="utf-8")
        code, _, err = run(capsys, "price", "quote", str(hostile))
        assert code == 1
        assert "Traceback" not in err


def test_demo_section_shows_the_whole_flow() -> None:
    section = demo_section()
    assert set(section) == {"title", "text", "data"}
    # Worked by hand in docs/pricing.md ("The demo quote, by hand"): the gold list wins
    # on specificity, the Ordibehesht promotion takes 10 % off doogh, VAT is charged
    # after the 2 % header discount: total 33,363,443 IRR.
    assert section["data"]["invoice_number"] == "INV-1405-000001"
    assert section["data"]["invoice_total"] == {"amount": "33363443", "currency": "IRR"}
    quote = section["data"]["quote"]
    assert quote["totals"]["total_amount"]["amount"] == "33363443"
    assert quote["price_list"] == "tehran-1405-gold"
    assert [line["campaign"] for line in quote["lines"]] == ["ordibehesht-1405"] * 2 + [None]
    assert [line["tax"]["amount"] for line in quote["lines"]] == ["1759590", "100548", "1036539"]
    assert "INV-1405-000001" in section["text"]
    json.dumps(section["data"])  # JSON-able


def test_price_reads_rules_from_the_input_or_a_rules_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Line 2 (support, 4,000,000 a day) with a 25 % rule: 3,000,000 a day × 2 = 6,000,000.
    rule = {"name": "support-25", "action": "percent_off", "percent": "25", "products": ["SUPPORT"]}
    path = tmp_path / "q.json"
    path.write_text(
        json.dumps({**_catalog_json(), "document": _QUOTE, "rules": {"rules": [rule]}}),
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "price", "quote", str(path))
    assert code == 0
    assert json.loads(out)["lines"][1]["amount"]["amount"] == "6000000"
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps([rule]), encoding="utf-8")  # a bare list works too
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({**_catalog_json(), "document": _QUOTE}), encoding="utf-8")
    code, out, _ = run(capsys, "price", "quote", str(plain), "--rules", str(rules))
    assert code == 0
    assert json.loads(out)["lines"][1]["amount"]["amount"] == "6000000"
    # A rule naming an unknown product is refused naming the field and value.
    rules.write_text(json.dumps([{**rule, "products": ["TEA"]}]), encoding="utf-8")
    code, _, err = run(capsys, "price", "quote", str(plain), "--rules", str(rules))
    assert code == 1
    assert "products" in err
    assert "TEA" in err
    assert "Traceback" not in err


EXAMPLE_QUOTE = Path(__file__).resolve().parents[2] / "examples" / "quote.json"


def test_invoice_numbered_from_a_sequence_as_a_persian_html_page(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # examples/quote.json is issued on 2026-05-05 = 15 Ordibehesht 1405, so the Jalali year
    # part is 1405; the first draw of a new sequence is 1, the next one 2 (issue 15 item 4).
    store = tmp_path / "numbers.sqlite3"
    page = tmp_path / "invoice.html"
    argv = ["price", "invoice", str(EXAMPLE_QUOTE), "--number-format", "INV-{jyear}-{seq:05}",
            "--sequence-store", str(store)]  # fmt: skip
    code, out, _ = run(capsys, *argv, "--format", "json")
    assert code == 0
    assert json.loads(out)["document"]["number"] == "INV-1405-00001"
    code, _, _ = run(capsys, *argv, "--toman", "--locale", "fa_IR", "--format", "html",
                     "-o", str(page))  # fmt: skip
    assert code == 0
    html = page.read_text(encoding="utf-8")
    assert 'dir="rtl"' in html
    assert "INV-۱۴۰۵-۰۰۰۰۲" in html  # the second draw, in Persian digits
    assert "تومان" in html
    assert "Doogh 330 ml" in html  # the product's name, not its code
