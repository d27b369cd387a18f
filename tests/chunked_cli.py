"""Shared helpers for the tests that run a command with small CSV chunks."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator

from crmcore.cli import main

__all__ = ["chunk_rows", "run_cli"]


@contextlib.contextmanager
def chunk_rows(size: int) -> Iterator[None]:
    """Read CSVs ``size`` rows at a time inside the block (the private env knob)."""
    before = os.environ.get("CRMCORE_CSV_CHUNK_ROWS")
    os.environ["CRMCORE_CSV_CHUNK_ROWS"] = str(size)
    try:
        yield
    finally:
        if before is None:
            del os.environ["CRMCORE_CSV_CHUNK_ROWS"]
        else:
            os.environ["CRMCORE_CSV_CHUNK_ROWS"] = before


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``crmcore argv`` in this process: exit code, standard output, standard error."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(argv))
    return code, out.getvalue(), err.getvalue()
