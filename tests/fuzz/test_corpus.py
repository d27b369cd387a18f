"""The corpus: inputs that once broke crmcore (issue 17), kept as regression tests.

One case per input class the issue names. A case that still fails is
``xfail(strict=True)`` with the reason, and turns into a pass (and so a
strict-xfail failure, to be unmarked) when fixed. Hang-prone cases of
other packages run in a subprocess that is killed at the bound, so a hang
never keeps a core busy for the rest of the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crmcore.errors import CrmError, ValidationError
from crmcore.models import Lead
from crmcore.money import Money
from crmcore.scoring import Condition, split_history
from crmcore.serialization import from_json, load_toml
from tests.fuzz._harness import HUGE_INT, check_cli, check_contract

ROOT = Path(__file__).resolve().parents[2]


def _refused(call: Callable[[], Any], kind: type[CrmError] = CrmError) -> CrmError:
    outcome = check_contract(call)
    assert isinstance(outcome, kind), f"expected a {kind.__name__}, got {outcome!r}"
    return outcome


# -- own packages: refused with a CrmError naming the limit ---------------------------------------

CORPUS: dict[str, Callable[[], Any]] = {
    # hangs
    "matches (a+)+$": lambda: Condition.matches("title", "(a+)+$"),
    "money 1e999999 allocated": lambda: Money("1e999999999", "USD").allocate([1, 1]),
    "money split 10^9 parts": lambda: Money("1", "USD").split(10**9),
    "money round 10^9 places": lambda: Money("1", "USD").round(10**9),
    # tracebacks
    "json nested 100000 deep": lambda: from_json("[" * 100_000 + "]" * 100_000, Lead),
    "toml nested 5000 deep": lambda: load_toml("a = " + "[" * 5000 + "]" * 5000, Lead),
    "json integer of 4301 digits": lambda: from_json('{"id": ' + HUGE_INT + "}", Lead),
    "toml integer of 4301 digits": lambda: load_toml("id = " + HUGE_INT, Lead),
    "json bytes in UTF-16": lambda: from_json('{"id": "L1"}'.encode("utf-16"), Lead),
    "json binary bytes": lambda: from_json(bytes(range(256)), Lead),
    "money 10^28": lambda: Money("1e28", "IRR"),
    "money 10^28 product": lambda: Money("1e17", "IRR") * 10**11,
    "money decimal overflow": lambda: Money("1", "USD") * "9e999999",
    "money NaN string": lambda: Money("NaN", "USD"),
    "money sNaN string": lambda: Money("sNaN", "USD"),
    "money -0 is zero": lambda: Money("-0", "USD").round() == Money.zero("USD"),
    # quiet surprises
    "split_history(test_fraction=2.0)": lambda: split_history([], test_fraction=2.0),
}
EXPECT_RESULT = {"money -0 is zero"}


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_corpus_case_is_refused_or_answered(name: str) -> None:
    if name in EXPECT_RESULT:
        assert check_contract(CORPUS[name]) is True
        return
    error = _refused(CORPUS[name])
    assert str(error)  # a message naming what was wrong


def test_limits_are_named_in_the_refusals() -> None:
    assert "10^18" in str(_refused(lambda: Money("1e28", "IRR")))
    assert "MAX_NESTING" in str(_refused(lambda: from_json("[" * 100 + "]" * 100, Lead)))
    assert "4300 digits" in str(_refused(lambda: from_json(HUGE_INT, int)))
    assert "100000" in str(_refused(lambda: Money("1", "USD").split(10**9)))


def test_a_30_character_field_against_an_evil_pattern_cannot_happen() -> None:
    # The example: `(a+)+$` on 30 characters took over a minute in `re`.
    with pytest.raises(ValidationError, match="nested repetition"):
        Condition.matches("title", "(a+)+$")


# -- CLI corpus -----------------------------------------------------------------------------------


def test_cli_corpus(tmp_path: Path) -> None:
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("won,probability\n1,0.5\n0\n", encoding="utf-8")
    wide = tmp_path / "wide.csv"
    wide.write_text("won,probability\n" + "1" * 131_073 + ",0.5\n", encoding="utf-8")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes("won,probability\n1,0.5\n".encode("utf-16"))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(bytes(range(256)))
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    huge = tmp_path / "huge.json"
    huge.write_text('{"x": ' + HUGE_INT + "}", encoding="utf-8")
    for path, words in (
        (ragged, "row 3: 1 cells, the header has 2"),
        (wide, "131072"),
        (utf16, "UTF-16"),
        (binary, "not UTF-8"),
    ):
        outcome = check_cli(["report", "scoring", str(path)])
        assert outcome.code == 1
        assert words in outcome.stderr
    for path, words in ((deep, "nested"), (huge, "4300 digits")):
        outcome = check_cli(["service", "queue", "--input", str(path)])
        assert outcome.code == 1
        assert words in outcome.stderr


# -- other owners' packages (subprocess, killed at the bound) ----------------------------------

_PRELUDE = """
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from crmcore.errors import CrmError
try:
    from crmcore.clv import BetaGeoModel, CustomerSummary, ParetoNbdModel
except ImportError:
    from crmcore.roi import BetaGeoModel, CustomerSummary, ParetoNbdModel
def summaries(n, seed=3):
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        x = rnd.randint(0, 30)
        out.append(CustomerSummary(f"c{i}", frequency=x, recency=rnd.uniform(0, 40) if x else 0, age=40))
    return out
try:
    CALL
except CrmError:
    pass
"""

OTHERS: dict[str, tuple[str, str | None]] = {
    "pareto/nbd fit on 60 customers": (
        "ParetoNbdModel.fit(summaries(60))",
        None,
    ),
    "bg/nbd fit with x=5 and t_x=0": (
        "BetaGeoModel.fit([CustomerSummary('a', frequency=5, recency=0, age=10), "
        "CustomerSummary('b', frequency=0, recency=0, age=10)])",
        None,
    ),
    "bg/nbd fit on one repeat customer": (
        "BetaGeoModel.fit([CustomerSummary('a', frequency=1, recency=1, age=2)])",
        None,
    ),
    "calendar add 365000 days": (
        "from crmcore.calendars import iran\n"
        "    iran().add(datetime(2026, 1, 5, 9, tzinfo=UTC), timedelta(days=365000))",
        None,
    ),
    "calendar start in year 9999": (
        "from crmcore.calendars import iran\n"
        "    iran().add(datetime(9999, 12, 31, 9, tzinfo=UTC), timedelta(hours=8))",
        None,
    ),
    "calendar start in year 1": (
        "from crmcore.calendars import iran\n"
        "    iran().add(datetime(1, 1, 1, 9, tzinfo=UTC), timedelta(hours=-8))",
        None,
    ),
    "irr over 100000 flows": (
        "from crmcore.roi import irr\n    irr([-100] + [1] * 100000)",
        None,
    ),
    "npv at rate 1e999999": (
        "from crmcore.roi import npv\n    npv(Decimal('1e999999'), [-100, 50, 60])",
        None,
    ),
}


def _others_param(name: str) -> Any:
    reason = OTHERS[name][1]
    if reason is None:
        return name
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason))


@pytest.mark.parametrize("name", [_others_param(n) for n in sorted(OTHERS)])
def test_other_packages_corpus(name: str) -> None:
    code = textwrap.dedent(_PRELUDE).replace("CALL", OTHERS[name][0])
    try:
        done = subprocess.run(  # noqa: S603 - our own interpreter, fixed code
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=20,
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"},
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name}: no answer within 20 s (a hang)")
    assert done.returncode == 0, done.stderr[-2000:]


# -- pricing: one numeric field of examples/quote.json made huge or tiny ----------------------

_PRICING = [
    ("price_lists.0.items.1.rounding_amount", "1e30"),
    ("price_lists.0.items.1.rounding_amount", "1e-999999"),
    ("price_lists.0.items.2.rounding_amount", "1e999999"),
    ("document.lines.0.quantity", "1e30"),
    ("document.lines.1.quantity", "1e999999"),
]


@pytest.mark.parametrize(("path", "value"), _PRICING)
def test_pricing_quote_with_a_huge_number(path: str, value: str, tmp_path: Path) -> None:
    import json

    quote = json.loads((ROOT / "examples" / "quote.json").read_text(encoding="utf-8"))
    target: Any = quote
    *parents, leaf = (int(k) if k.isdigit() else k for k in path.split("."))
    for key in parents:
        target = target[key]
    target[leaf] = value
    file = tmp_path / "quote.json"
    file.write_text(json.dumps(quote), encoding="utf-8")
    check_cli(["price", "quote", str(file)])
