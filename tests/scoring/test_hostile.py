"""Issue 17: safe ``matches`` patterns, calibration bin edges, split_history bounds."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.errors import ScoringError, ValidationError
from crmcore.scoring import ClosedLead, Condition, split_history
from crmcore.scoring._patterns import MAX_MATCH_TEXT, MAX_VARIABLE_QUANTIFIERS, pattern_problem
from crmcore.scoring.evaluation import calibration_table

NOW = datetime(2026, 1, 5, tzinfo=UTC)

# Patterns whose backtracking in Python's re is exponential or of high polynomial
# degree on a hostile text (OWASP "ReDoS" examples and the issue's `(a+)+$`).
EVIL = [
    r"(a+)+$",
    r"(a*)*b",
    r"(a|a)*$",
    r"(a|ab)*c",
    r"^(\w+\s?)*$",
    r"(.*a){12}",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"\d*\d*\d*x",
    r"(x+x+)+y",
    r"(a)\1",
    r"(?P<x>a)(?P=x)",
    r"(?(1)a|b)",
    r"a{1001}",
]
SAFE = [
    r"@(gmail|yahoo)\.com$",
    r"^\+98",
    r"(?i)director",
    r"\d{3}-\d{4}",
    r"@(?!gmail\.)[\w.-]+\.ir$",
    r"^(ceo|cto|vp)\b",
    r"[\w.]+@[\w.]+",
    r"(ab)+c",
    r"مدیر|رئیس",
]


@pytest.mark.parametrize("pattern", EVIL)
def test_dangerous_patterns_are_refused_when_the_condition_is_built(pattern: str) -> None:
    with pytest.raises(ValidationError, match="pattern"):
        Condition.matches("title", pattern)


@pytest.mark.parametrize("pattern", SAFE)
def test_ordinary_patterns_are_accepted_and_behave_as_re_search(pattern: str) -> None:
    condition = Condition.matches("title", pattern)
    for text in ("ali@gmail.com", "+98 912", "Sales Director", "555-1234", "ababc", "مدیر فروش"):
        expected = re.search(pattern, text) is not None
        assert condition.test({"title": text}, (), now=NOW) is expected


def test_the_text_searched_is_bounded() -> None:
    condition = Condition.matches("title", r"x$")
    assert condition.test({"title": "a" * (MAX_MATCH_TEXT - 1) + "x"}, (), now=NOW) is True
    with pytest.raises(ScoringError, match=f"at most {MAX_MATCH_TEXT} characters"):
        condition.test({"title": "a" * (MAX_MATCH_TEXT + 1)}, (), now=NOW)


def _search_seconds(pattern: str, text: str) -> float:
    start = time.perf_counter()
    Condition.matches("f", pattern).test({"f": text}, (), now=NOW)
    return time.perf_counter() - start


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "\\d", ".", "[ab]", "(ab)", "x", "\\w", "|"]), min_size=1, max_size=8
    ),
    st.lists(st.sampled_from(["", "*", "+", "?", "{2,5}", "{3}"]), min_size=8, max_size=8),
    st.sampled_from(["a", "1", "ab", "x"]),
)
def test_every_accepted_pattern_searches_a_hostile_text_quickly(
    atoms: list[str], quantifiers: list[str], unit: str
) -> None:
    # Property: whatever the checker accepts finishes on a worst-case text of the
    # maximum length; a watchdog thread makes a hang fail instead of stalling.
    pattern = "".join(a + (q if a != "|" else "") for a, q in zip(atoms, quantifiers, strict=False))
    try:
        Condition.matches("f", pattern)
    except ValidationError:
        return
    text = (unit * MAX_MATCH_TEXT)[: MAX_MATCH_TEXT - 1] + "!"
    done = threading.Event()
    worker = threading.Thread(target=lambda: (_search_seconds(pattern, text), done.set()))
    worker.daemon = True
    worker.start()
    worker.join(20)
    assert done.is_set(), f"{pattern!r} did not finish within 20 s"


def test_the_checker_counts_variable_quantifiers() -> None:
    assert pattern_problem(r"\d*x") is None
    assert pattern_problem(r"\d*\d+x") is None  # two: at the limit
    assert MAX_VARIABLE_QUANTIFIERS == 2
    assert "3 quantifiers" in (pattern_problem(r"\d*\d+\d?x") or "")
    assert pattern_problem(r"a{3}b{4}c{5}d*") is None  # fixed counts are free


# -- calibration bins: [low, high) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("p", "bins", "low"),
    [
        (0.3, 10, 0.3),
        (0.6, 10, 0.6),
        (0.7, 10, 0.7),
        (15 / 22, 22, 15 / 22),  # 15/22 * 22 == 14.999999999999998 in floats
        (13 / 23, 23, 13 / 23),
        (0.0, 10, 0.0),
        (1.0, 10, 0.9),  # the last bin includes 1
    ],
)
def test_a_probability_on_an_edge_goes_to_the_bin_it_starts(
    p: float, bins: int, low: float
) -> None:
    (cell,) = calibration_table([True], [p], bins=bins)
    assert cell.low == low
    assert cell.low <= p < cell.high or (p == 1.0 and cell.high == 1.0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 100).flatmap(lambda b: st.tuples(st.just(b), st.integers(0, b))))
def test_every_edge_k_over_bins_starts_its_own_bin(case: tuple[int, int]) -> None:
    bins, k = case
    p = k / bins
    (cell,) = calibration_table([False], [p], bins=bins)
    if k == bins:
        assert cell.high == 1.0
    else:
        assert cell.low == p


# -- split_history ---------------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [2.0, 1.0, 0.0, -0.5, float("nan"), float("inf"), True, "0.2"])
def test_split_history_refuses_a_fraction_outside_0_1(fraction: object) -> None:
    history = [ClosedLead(features={"s": "a"}, won=i % 2 == 0) for i in range(10)]
    with pytest.raises(ValidationError, match="test_fraction"):
        split_history(history, test_fraction=fraction)  # type: ignore[arg-type]


def test_split_history_keeps_both_sets_for_a_valid_fraction() -> None:
    history = [ClosedLead(features={"s": "a"}, won=i % 2 == 0) for i in range(10)]
    train, test = split_history(history, test_fraction=0.3)
    assert (len(train), len(test)) == (7, 3)
