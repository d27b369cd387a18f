"""Document numbering: formats, Jalali/Gregorian parts, sequences (in memory and SQLite)."""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from crmcore.errors import ValidationError
from crmcore.pricing import NumberFormat
from crmcore.repositories import SqliteStore


class _Counter:
    """A simple in-test sequence: 1, 2, 3 ... per key."""

    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def next_value(self, key: str, /) -> int:
        self.values[key] = self.values.get(key, 0) + 1
        return self.values[key]


def test_jalali_invoice_numbers_restart_each_jalali_year() -> None:
    # 2026-03-20 is 29 Esfand 1404; 2026-03-21 is 1 Farvardin 1405 (jdatetime).
    fmt = NumberFormat("INV-{jyear}-{seq:06}")
    seq = _Counter()
    assert fmt.next_number(seq, date(2026, 3, 19)) == "INV-1404-000001"
    assert fmt.next_number(seq, date(2026, 3, 20)) == "INV-1404-000002"
    assert fmt.next_number(seq, date(2026, 3, 21)) == "INV-1405-000001"
    assert fmt.next_number(seq, date(2026, 5, 5)) == "INV-1405-000002"


def test_gregorian_monthly_quote_numbers() -> None:
    fmt = NumberFormat("Q-{year}{month:02}-{seq}")
    seq = _Counter()
    numbers = [fmt.next_number(seq, date(2026, m, 1)) for m in (1, 1, 2)]
    assert numbers == ["Q-202601-1", "Q-202601-2", "Q-202602-1"]
    assert NumberFormat("{jyear}/{jmonth:02}/{jday:02}-{seq}").render(7, date(2026, 5, 5)) == (
        "1405/02/15-7"
    )


@pytest.mark.parametrize(
    "pattern", ["INV-{year}", "X-{seq}-{foo}", "X-{0}-{seq}", "X-{seq", "{seq:q}"]
)
def test_bad_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValidationError) as info:
        NumberFormat(pattern)
    assert info.value.value == pattern


def test_render_checks_its_inputs() -> None:
    fmt = NumberFormat("{seq}")
    with pytest.raises(ValidationError):
        fmt.render(0, date(2026, 1, 1))
    with pytest.raises(ValidationError):
        fmt.render(1, "2026-01-01")  # type: ignore[arg-type]


def test_sqlite_sequence_is_gap_free_and_unique_across_threads(tmp_path: Path) -> None:
    fmt = NumberFormat("INV-{jyear}-{seq:06}")
    day = date(2026, 5, 5)
    found: list[str] = []
    lock = threading.Lock()
    with SqliteStore(tmp_path / "numbers.db", durable=False) as store:

        def draw() -> None:
            for _ in range(10):
                with store.unit_of_work() as uow:
                    number = fmt.next_number(uow.sequences, day)
                with lock:
                    found.append(number)

        threads = [threading.Thread(target=draw) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(found) == [f"INV-1405-{n:06}" for n in range(1, 41)]


@pytest.mark.parametrize("pattern", ["INV-{seq:01000000000}", "INV-{jyear}-{seq:.99999}"])
def test_a_huge_field_width_is_refused_before_formatting(pattern: str) -> None:
    # Issue 17: a width of 10^9 allocated 1 GB inside the validator.
    with pytest.raises(ValidationError, match="at most 32"):
        NumberFormat(pattern)
