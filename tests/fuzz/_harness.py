"""The fuzz suite's harness: hostile values, hostile files, a watchdog, the CLI runner.

Contract (issue 17): a public call returns a result or raises a
:class:`~crmcore.errors.CrmError`, never another exception; the CLI exits 0,
1 (refused input), 2 (usage) or 141 (closed pipe), never with a traceback;
every call returns within :data:`BOUND` seconds, checked by running it in a
watchdog thread, so a hang fails its test instead of stalling the suite.
"""

from __future__ import annotations

import contextlib
import io
import sys
import threading
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from crmcore.errors import CrmError

BOUND = 30.0
"""Seconds any single fuzzed call may take (generous: a loaded 2-core CI machine)."""

EXIT_CODES = {0, 1, 2, 141}
"""The exit-code table of docs/cli.md: success, refused input, usage, closed pipe."""

HUGE_INT = "9" * 4301  # one digit over CPython's int-string conversion limit

HOSTILE_TEXT: list[str] = [
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e999999",
    "-1e999999",
    "1e-999999",
    "-0",
    "-0.0",
    "0",
    "-1",
    "abc",
    HUGE_INT,
    "1" * 40,
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "2026-01-05T09:00:00",  # naive
    "2026-01-05T09:00:00+14:00",
    "2026-01-05T09:00:00-12:00",
    "2026-03-21T00:00:00+03:30[Asia/Tehran]",
    "1404-01-01",
    "P99999999D",
    "365000",
    "1000000000",
    "x" * 100_000,
    "\ud800",
    "a\udfffb",
    "مدیر ۱۲۳",
    "1,2,abc",
    '{"a": 1}',
]
"""Strings for any option or field: numbers out of range, NaN, -0, dates at the
ends of the calendar, naive and exotic-zone datetimes, empty and huge text,
lone surrogates, Persian digits."""

HOSTILE_FILES: dict[str, bytes] = {
    "empty": b"",
    "utf16": '{"a": 1}\nid,won\n1,1\n'.encode("utf-16"),
    "binary": bytes(range(256)) * 4,
    "nul": b"id,name\n1,a\x00b\n",
    "latin1": "id,name\n1,caf\xe9\n".encode("latin-1"),
    "deep_json": b"[" * 100_000 + b"]" * 100_000,
    "deep_object": b'{"a":' * 5_000 + b"1" + b"}" * 5_000,
    "big_int_json": b'{"x": ' + HUGE_INT.encode() + b"}",
    "nan_json": b'{"amount": NaN, "rate": Infinity, "x": -0.0}',
    "list_json": b"[1, 2, 3]",
    "string_json": b'"x"',
    "surrogate_json": b'{"name": "\\ud800", "id": "\\udfff"}',
    "long_line_json": b'{"x": "' + b"a" * 2_000_000 + b'"}',
    "deep_toml": b"a = " + b"[" * 5_000 + b"]" * 5_000,
    "ragged_csv": b"id,won,probability\n1,1\n2,0,0.5,extra\n",
    "huge_cell_csv": b"id,won,probability\n" + b"x" * 200_000 + b",1,0.5\n",
    "header_only_csv": b"id,won,probability,customer_id,date,amount,frequency,recency,age\n",
    "hostile_cells_csv": (
        "id,won,probability,customer_id,date,amount,currency,frequency,recency,age,score,at\n"
        f"1,1,nan,c1,9999-12-31,1e999999,USD,{HUGE_INT},inf,-0,{HUGE_INT},0001-01-01T00:00:00\n"
        "2,0,1.5,c2,0001-01-01,-0,XXX,-1,-inf,1e308,abc,2026-01-05T09:00:00+14:00\n"
    ).encode(),
}
"""File contents of every hostile class the issue names: other encodings, binary,
deep nesting, integers over 4,300 digits, NaN, ragged rows, huge cells and lines."""


def write_files(directory: Path) -> dict[str, str]:
    """Write :data:`HOSTILE_FILES` into ``directory``; name -> path (plus missing/dir)."""
    paths = {}
    for name, data in HOSTILE_FILES.items():
        path = directory / f"{name}.{'csv' if name.endswith('csv') else 'json'}"
        path.write_bytes(data)
        paths[name] = str(path)
    toml = directory / "deep.toml"
    toml.write_bytes(HOSTILE_FILES["deep_toml"])
    paths["deep_toml"] = str(toml)
    paths["missing"] = str(directory / "no-such-file.json")
    paths["directory"] = str(directory)
    return paths


class Outcome:
    """What one bounded call did."""

    __slots__ = ("code", "error", "finished", "stderr", "stdout", "trace", "value")

    def __init__(self) -> None:
        self.finished = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.trace = ""
        self.code: int | None = None
        self.stdout = ""
        self.stderr = ""


def bounded(call: Callable[[], Any], seconds: float = BOUND) -> Outcome:
    """Run ``call`` in a watchdog thread; fail the test if it does not return in time."""
    outcome = Outcome()

    def target() -> None:
        try:
            outcome.value = call()
        except BaseException as err:
            outcome.error = err
            outcome.trace = traceback.format_exc()
        outcome.finished = True

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if not outcome.finished:
        pytest.fail(f"the call did not return within {seconds} s (a hang)")
    return outcome


def check_contract(call: Callable[[], Any], seconds: float = BOUND) -> Any:
    """Run ``call`` bounded; a non-CrmError exception fails with its traceback."""
    outcome = bounded(call, seconds)
    if outcome.error is not None and not isinstance(outcome.error, CrmError):
        pytest.fail(f"{type(outcome.error).__name__} escaped:\n{outcome.trace}")
    return outcome.value if outcome.error is None else outcome.error


_CLI_LOCK = threading.Lock()


def run_cli(argv: Sequence[str], stdin: str = "") -> Outcome:
    """``crmcore.cli.main(argv)`` in-process, bounded, with stdout/stderr captured."""
    from crmcore.cli import main

    def call() -> int:
        out, err = io.StringIO(), io.StringIO()
        with (
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            _swap_stdin(stdin),
        ):
            try:
                code = main(list(argv))
            except SystemExit as exit_:  # argparse: --help, usage errors
                code = exit_.code if isinstance(exit_.code, int) else 2
            finally:
                holder["out"], holder["err"] = out.getvalue(), err.getvalue()
        return code

    holder: dict[str, str] = {}
    with _CLI_LOCK:  # sys.stdout is process-wide: one CLI run at a time
        result = bounded(call)
    result.stdout = holder.get("out", "")
    result.stderr = holder.get("err", "")
    result.code = result.value
    return result


@contextlib.contextmanager
def _swap_stdin(text: str) -> Any:
    saved = sys.stdin
    sys.stdin = io.StringIO(text)
    try:
        yield
    finally:
        sys.stdin = saved


def check_cli(argv: Sequence[str], stdin: str = "") -> Outcome:
    """Run the CLI and assert the contract: exit code in the table, no traceback."""
    outcome = run_cli(argv, stdin)
    if outcome.error is not None:
        pytest.fail(
            f"crmcore {' '.join(a[:40] for a in argv)}: "
            f"{type(outcome.error).__name__} escaped main():\n{outcome.trace}"
        )
    assert outcome.code in EXIT_CODES, (argv, outcome.code, outcome.stderr[-2000:])
    assert "Traceback" not in outcome.stderr, outcome.stderr[-4000:]
    if outcome.code in (1, 2) and outcome.stderr:
        assert outcome.stderr.startswith(("crmcore: error:", "usage:")), outcome.stderr[:400]
    return outcome
