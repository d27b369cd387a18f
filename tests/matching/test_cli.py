"""``crmcore dedupe`` on the examples (expected pairs worked out by hand) and its refusals."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from crmcore.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CONTACTS = str(EXAMPLES / "dedupe-contacts.csv")
RULES = str(EXAMPLES / "dedupe-rules.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(list(argv)) == 0
    return capsys.readouterr().out


def test_pairs(capsys: pytest.CaptureFixture[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(run(capsys, "dedupe", CONTACTS, "--rules", RULES))))
    # C1~C2: name, phone and Gmail address agree once folded: (1 + 2 + 2) / 5 = 1.
    # C1~C3, C2~C3: titles dropped, same phone, C3 has no e-mail: (1 + 2) / 3 = 1.
    # C4~C5: Persian vs Latin name (Jaro-Winkler 0.4 < cutoff 0.8 counts 0), same phone and
    #   e-mail: (0 + 2 + 2) / 5 = 0.8. C6 shares a name prefix with C4 only: not a pair.
    # C7~C8: "محمدرضا" / "محمد رضا" and ك/ی variants, same landline: > 0.6.
    assert [(r["left_id"], r["right_id"]) for r in rows] == [
        ("C1", "C2"), ("C1", "C3"), ("C2", "C3"), ("C4", "C5"), ("C7", "C8")]  # fmt: skip
    assert [r["score"] for r in rows[:4]] == ["1.0000", "1.0000", "1.0000", "0.8000"]
    assert "email (exact): blank, not counted" in rows[1]["explanation"]


def test_clusters_json(capsys: pytest.CaptureFixture[str]) -> None:
    data = json.loads(
        run(capsys, "dedupe", CONTACTS, "--rules", RULES, "--clusters", "--format", "json")
    )
    assert [[m["id"] for m in c["members"]] for c in data] == [
        ["C1", "C2", "C3"],
        ["C4", "C5"],
        ["C7", "C8"],
    ]
    assert data[0]["pairs"][0]["explanation"][0].startswith("contact C1 ~ contact C2: score 1.000")


def test_against_existing_contacts(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    run(capsys, "dedupe", str(EXAMPLES / "dedupe-leads.csv"), "--rules",
        str(EXAMPLES / "dedupe-lead-rules.toml"), "--against", CONTACTS, "-o", str(out))  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    # L1 (Arabic letters, +98 phone) is C1, C2 and C3: name and phone agree, 3/3.
    # L2 has no phone: vs C4 name + e-mail = 3/3; vs C5 only the e-mail = 2/3 >= 0.6.
    # L3 matches nobody.
    assert [(r["left_id"], r["right_id"], r["score"]) for r in rows] == [
        ("L1", "C1", "1.0000"), ("L1", "C2", "1.0000"), ("L1", "C3", "1.0000"),
        ("L2", "C4", "1.0000"), ("L2", "C5", "0.6667")]  # fmt: skip


def _fail(capsys: pytest.CaptureFixture[str], code: int, *argv: str) -> str:
    assert main(list(argv)) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def test_bad_rules_exit_1_naming_field_and_value(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rules = json.loads(Path(RULES).read_text(encoding="utf-8"))
    rules["rules"][0]["comparisons"][0]["field"] = "fullname"
    rules["rules"][0]["threshold"] = 1.5
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rules), encoding="utf-8")
    err = _fail(capsys, 1, "dedupe", CONTACTS, "--rules", str(path))
    assert "rules[0].threshold: got 1.5" in err


def test_unknown_field_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"name": "x", "record_type": "contact", "threshold": 0.5,
                                "comparisons": [{"field": "emial", "method": "exact"}]}), encoding="utf-8")  # fmt: skip
    err = _fail(capsys, 1, "dedupe", CONTACTS, "--rules", str(path))
    assert "emial" in err


def test_strict_phone_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "strict.json"
    path.write_text(json.dumps({"name": "x", "record_type": "row", "threshold": 1, "strict": True,
                                "comparisons": [{"field": "phone", "method": "exact", "normalizer": "phone"}]}),
                    encoding="utf-8")  # fmt: skip
    records = tmp_path / "rows.csv"
    records.write_text("id,phone\n1,09121234567\n2,0912\n", encoding="utf-8")
    err = _fail(capsys, 1, "dedupe", str(records), "--rules", str(path))
    assert "row 2.phone: got '0912'" in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert "malformed JSON" in _fail(capsys, 2, "dedupe", CONTACTS, "--rules", str(broken))
    assert "cannot read" in _fail(capsys, 2, "dedupe", "missing.csv", "--rules", RULES)
    with pytest.raises(SystemExit) as info:
        main(["dedupe", CONTACTS])
    assert info.value.code == 2


def test_bad_record_row_exit_1(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    records = tmp_path / "c.csv"
    records.write_text("id,first_name,email\nC1,Ali,a@x.ir\n", encoding="utf-8")  # no last_name
    err = _fail(capsys, 1, "dedupe", str(records), "--rules", RULES)
    assert "row 2" in err
    assert "last_name" in err
