"""Helpers shared by the CLI command modules (private)."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, TypeAlias

# The argparse type of what ``add_subparsers`` returns.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


class CliError(Exception):
    """A usage problem the CLI reports on stderr (missing file, bad column)."""

    def __init__(self, message: str, *, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, *, code: int = 1) -> int:
    """Print ``message`` on stderr and return ``code``."""
    print(f"crmcore: error: {message}", file=sys.stderr)
    return code


def _default(value: object) -> object:
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def write_json(data: object, out: IO[str] | None = None) -> None:
    """Write ``data`` as indented JSON (Decimal as string, dates as ISO 8601)."""
    stream = out or sys.stdout
    json.dump(data, stream, ensure_ascii=False, indent=2, default=_default)
    stream.write("\n")


def read_text(path: str) -> str:
    """Read a UTF-8 file, or standard input for ``-``."""
    if path == "-":
        return sys.stdin.read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise CliError(f"cannot read {path}: {err.strerror or err}") from None


def read_json(path: str) -> Any:
    """Parse a JSON file (or ``-``); malformed JSON is a usage error naming the place."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(
            f"{path}: malformed JSON at line {err.lineno} column {err.colno}: {err.msg}"
        ) from None


def read_csv(path: str) -> list[dict[str, str]]:
    """Read a CSV file with a header row into dicts (UTF-8, BOM tolerated)."""
    text = read_text(path).removeprefix("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def write_csv(
    rows: Iterable[Mapping[str, object]], fieldnames: Sequence[str], out: IO[str] | None = None
) -> None:
    """Write dict rows as CSV with a header."""
    writer = csv.DictWriter(out or sys.stdout, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: "" if value is None else value for key, value in row.items()})


def table(rows: Sequence[Sequence[object]], headers: Sequence[str]) -> str:
    """A plain-text table with right-aligned numbers, for terminal output."""
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for index, row in enumerate(cells):
        parts = []
        for col, cell in enumerate(row):
            numeric = (
                index > 0
                and cell.replace(".", "", 1).replace("-", "", 1).replace(",", "").isdigit()
            )
            parts.append(cell.rjust(widths[col]) if numeric else cell.ljust(widths[col]))
        lines.append("  ".join(parts).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)
