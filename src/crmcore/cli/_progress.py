"""The progress bar of the commands that read large files (private)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from crmcore.cli._io import CsvTable


class Progress:
    """A progress bar on stderr, shown only after a run has lasted one second.

    It draws only when ``stream`` is a terminal, or when forced
    (``--progress always``); ``never`` turns it off. ``total`` is what
    :meth:`update` counts to (bytes of a file being read, or items); ``None``
    when unknown (standard input): then only the count of ``unit`` is shown.
    """

    def __init__(
        self,
        total: int | None,
        *,
        mode: str = "auto",
        stream: IO[str] | None = None,
        unit: str = "",
    ) -> None:
        self.total = None if total is None else max(total, 1)
        self.unit = unit
        self.stream = stream or sys.stderr
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.enabled = mode == "always" or (mode == "auto" and tty)
        self.start = time.monotonic()
        self.last = 0.0
        self.shown = False
        self.delay = 1.0

    def update(self, done: int) -> None:
        """Redraw for ``done`` finished (at most ten times a second)."""
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.start < self.delay or (
            now - self.last < 0.1 and (self.total is None or done < self.total)
        ):
            return
        self.last = now
        if self.total is None:
            self.stream.write(f"\r{done} {self.unit}".rstrip())
        else:
            width = 30
            filled = width * min(done, self.total) // self.total
            percent = 100 * min(done, self.total) // self.total
            bar = "#" * filled + "-" * (width - filled)
            count = f"{done}/{self.total}"
            if self.unit == "bytes":
                count = f"{done / 2**20:.1f}/{self.total / 2**20:.1f} MiB"
            self.stream.write(f"\r[{bar}] {percent:3d}% {count}")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        """End the bar's line if one was drawn."""
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def chunks(table: CsvTable, mode: str) -> Iterator[list[list[str]]]:
    """The table's chunks, with a progress bar over the bytes read (rows from stdin)."""
    unit = "rows" if table.size is None else "bytes"
    progress = Progress(table.size, mode=mode, unit=unit)
    rows = 0
    try:
        for chunk in table:
            yield chunk
            rows += len(chunk)
            progress.update(rows if table.size is None else table.done_bytes())
    finally:
        progress.close()


def progress_option(parser: argparse.ArgumentParser, default: str | None = "auto") -> None:
    """Add ``--progress auto|always|never`` (``default`` None when options are parsed twice)."""
    parser.add_argument(
        "--progress",
        choices=("auto", "always", "never"),
        default=default,
        help="progress bar on stderr for runs over a second (auto: only on a terminal)",
    )
