"""Helpers shared by the CLI command modules (private).

Readers refuse what cannot be read safely before any work starts: a file over
:data:`MAX_INPUT_BYTES`, bytes that are not UTF-8 (UTF-16 and binary files are
named as such), a CSV cell over :data:`MAX_CSV_FIELD` characters or a row whose
cell count differs from the header, JSON nested deeper than
``crmcore.serialization.MAX_NESTING`` or with an integer over
``MAX_INT_DIGITS`` digits. Each refusal is a :class:`CliError` with exit code 1
naming the file, the place and the limit.

Writers never destroy a file: :func:`output` writes to a temporary file in the
target's folder and renames it into place only when the command succeeded, and
:func:`check_output` refuses an output path that is also an input (exit 2,
naming both options). The limits are listed in ``docs/limits.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Final, TypeAlias, cast

MAX_INPUT_BYTES: Final = 256 * 2**20
"""Largest input file the CLI reads (256 MiB)."""

MAX_CSV_FIELD: Final = 131_072
"""Longest CSV cell in characters (the csv module's default field limit)."""

REFUSED: Final = 1
"""Exit code of refused input."""

USAGE: Final = 2
"""Exit code of bad usage."""

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


def _read_bytes(path: str) -> bytes:
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a replaced stdin (tests) holds text already
            return str(sys.stdin.read(MAX_INPUT_BYTES + 1)).encode("utf-8", "surrogatepass")
        data = bytes(stream.read(MAX_INPUT_BYTES + 1))
    else:
        try:
            with Path(path).open("rb") as handle:
                data = handle.read(MAX_INPUT_BYTES + 1)
        except OSError as err:
            raise CliError(f"cannot read {path}: {err.strerror or err}") from None
    if len(data) > MAX_INPUT_BYTES:
        raise CliError(
            f"{path}: larger than {MAX_INPUT_BYTES} bytes (the CLI's input limit)", code=REFUSED
        )
    return data


def read_text(path: str) -> str:
    """Read a UTF-8 file, or standard input for ``-``; other encodings are refused."""
    data = _read_bytes(path)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CliError(f"{path}: UTF-16 text; save it as UTF-8", code=REFUSED)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise CliError(
            f"{path}: not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start}); "
            "save it as UTF-8",
            code=REFUSED,
        ) from None
    if "\x00" in text:
        raise CliError(
            f"{path}: a NUL character at offset {text.index(chr(0))}: a binary file, not text",
            code=REFUSED,
        )
    return text


def parse_json(text: str, path: str) -> Any:
    """Parse JSON text read from ``path``; every refusal names the place and the limit."""
    # imported here: `crmcore --help` must not import the engines (tests/cli/test_main.py)
    from crmcore.errors import ValidationError  # noqa: PLC0415
    from crmcore.serialization import MAX_NESTING, check_nesting  # noqa: PLC0415

    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise CliError(
            f"{path}: malformed JSON at line {err.lineno} column {err.colno}: {err.msg}"
        ) from None
    except RecursionError:
        raise CliError(
            f"{path}: JSON nested deeper than {MAX_NESTING} levels "
            "(crmcore.serialization.MAX_NESTING)",
            code=REFUSED,
        ) from None
    except ValueError as err:  # an integer over sys.get_int_max_str_digits() digits
        raise CliError(f"{path}: JSON refused: {_short(err)}", code=REFUSED) from None
    try:
        check_nesting(data, obj=path)
    except ValidationError as err:
        raise CliError(str(err), code=REFUSED) from None
    return data


def _short(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    return text.split("; use sys.set_int_max_str_digits", 1)[0]


def read_json(path: str) -> Any:
    """Parse a JSON file (or ``-``); malformed JSON is a usage error naming the place."""
    return parse_json(read_text(path), path)


def read_csv(path: str) -> list[dict[str, str]]:
    """Read a CSV file with a header row into dicts (UTF-8, BOM tolerated).

    A row with more or fewer cells than the header, or a cell over
    :data:`MAX_CSV_FIELD` characters, is refused naming the row.
    """
    text = read_text(path).removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return []
        rows = []
        for row in reader:
            if not row:
                continue  # a blank line, as csv.DictReader skips it
            if len(row) != len(header):
                raise CliError(
                    f"{path} row {reader.line_num}: {len(row)} cells, the header has {len(header)}",
                    code=REFUSED,
                )
            rows.append(dict(zip(header, row, strict=True)))
    except csv.Error as err:
        raise CliError(
            f"{path} row {reader.line_num}: {err} (cells of at most {MAX_CSV_FIELD} characters)",
            code=REFUSED,
        ) from None
    return rows


def check_output(output: str | None, flag: str, inputs: Mapping[str, str | None]) -> None:
    """Refuse (exit 2) an output path that names the same file as one of ``inputs``.

    ``inputs`` maps each input option (``--history``, ``leads``) to its path;
    standard streams (``-`` or None) never clash.
    """
    if output in (None, "-"):
        return
    target = Path(str(output))
    for name, given in inputs.items():
        if given in (None, "-"):
            continue
        source = Path(str(given))
        same = target.resolve() == source.resolve()
        if not same and target.exists() and source.exists():
            with contextlib.suppress(OSError):
                same = target.samefile(source)
        if same:
            raise CliError(
                f"{flag} {output} and {name} {given} are the same file: the output would "
                "overwrite the input; choose another output file",
                code=USAGE,
            )
    if not target.resolve().parent.is_dir():
        raise CliError(f"{flag} {output}: no such directory", code=USAGE)


@contextlib.contextmanager
def output(path: str | None, *, newline: str | None = None) -> Iterator[IO[str]]:
    """A text stream for a command's output: standard output for None or ``-``.

    A file is written to a temporary file in the same folder and renamed into
    place only if the ``with`` block finishes; on any error the temporary file
    is removed and a previous file of that name is left as it was.
    """
    if path in (None, "-"):
        yield sys.stdout
        return
    target = Path(str(path))
    directory = target.parent if str(target.parent) else Path()
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror or err}") from None
    done = False
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline=newline) as stream:
            yield stream
        mask = os.umask(0)
        os.umask(mask)
        Path(temporary).chmod(0o666 & ~mask)  # mkstemp creates 0600; outputs are for sharing
        Path(temporary).replace(target)
        done = True
    except OSError as err:
        raise CliError(f"cannot write {path}: {err.strerror or err}") from None
    finally:
        if not done:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()


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


CHUNK_ROWS: Final = 10_000
"""Rows per chunk of :class:`CsvChunks` (``CRMCORE_CSV_CHUNK_ROWS`` overrides it: tests)."""


def chunk_rows() -> int:
    """The rows per chunk: :data:`CHUNK_ROWS`, or the private test knob
    ``CRMCORE_CSV_CHUNK_ROWS`` (a positive integer)."""
    given = os.environ.get("CRMCORE_CSV_CHUNK_ROWS", "")
    return int(given) if given.isdigit() and int(given) > 0 else CHUNK_ROWS


class _Counted(io.BufferedIOBase):
    """A binary stream that counts the bytes read through it."""

    def __init__(self, stream: Any) -> None:
        super().__init__()
        self.stream = stream
        self.count = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        data = bytes(self.stream.read(size))
        self.count += len(data)
        return data

    def read1(self, size: int = -1) -> bytes:
        data = bytes(self.stream.read1(size))
        self.count += len(data)
        return data


class CsvChunks:
    """A CSV file (or ``-``) read a chunk of rows at a time, in bounded memory.

    The same refusals as :func:`read_csv`, with the same messages (UTF-16,
    not UTF-8 naming the byte offset, a NUL character, a row whose cell count
    differs from the header, a cell over :data:`MAX_CSV_FIELD` characters);
    a refusal may come after earlier chunks were read, so a writer of their
    results must write to a temporary file (:func:`output`). There is no size
    limit: only one chunk is held. Rows are lists of cells in the order of
    :attr:`header` (``None`` for an empty file); blank lines are skipped.
    """

    def __init__(self, path: str, *, rows: int | None = None) -> None:
        self.path = path
        self.rows = rows or chunk_rows()
        self.header: list[str] | None = None
        self.size: int | None = None
        """The file's size in bytes (None for standard input)."""
        self._raw: IO[bytes] | None = None
        self._counted = _Counted(io.BytesIO())
        self._offset = 0  # characters read, for the NUL refusal
        self._lines = self._open()

    def _open(self) -> Iterator[str]:
        if self.path == "-":
            stream = getattr(sys.stdin, "buffer", None)
            if stream is None:  # a replaced stdin (tests) holds text already
                return iter(io.StringIO(read_text("-"), newline=""))
            return self._decoded(stream)
        try:
            raw = Path(self.path).open("rb")  # noqa: SIM115 - closed when the lines are read
        except OSError as err:
            raise CliError(f"cannot read {self.path}: {err.strerror or err}") from None
        self._raw = raw
        with contextlib.suppress(OSError):
            self.size = os.fstat(raw.fileno()).st_size
        try:
            return self._decoded(raw)
        except CliError:
            raw.close()
            raise

    def _decoded(self, raw: IO[bytes]) -> Iterator[str]:
        buffered: Any = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)
        if buffered.peek(2)[:2] in (b"\xff\xfe", b"\xfe\xff"):
            raise CliError(f"{self.path}: UTF-16 text; save it as UTF-8", code=REFUSED)
        self._counted = _Counted(buffered)
        text = io.TextIOWrapper(cast("Any", self._counted), encoding="utf-8", newline="")
        return self._checked(text)

    def _checked(self, text: IO[str]) -> Iterator[str]:
        try:
            for line in text:
                if "\x00" in line:
                    raise CliError(
                        f"{self.path}: a NUL character at offset "
                        f"{self._offset + line.index(chr(0))}: a binary file, not text",
                        code=REFUSED,
                    )
                first = not self._offset
                self._offset += len(line)
                yield line.removeprefix("\ufeff") if first else line
        except UnicodeDecodeError as err:
            raise self._decode_error(err) from None
        finally:
            text.close()

    def _decode_error(self, err: UnicodeDecodeError) -> CliError:
        """The refusal of bytes that are not UTF-8, naming the first bad byte's offset."""
        # the decoder was given the bytes counted so far; the failed call's input ends there
        start = self._counted.count - len(err.object) + err.start
        return CliError(
            f"{self.path}: not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset "
            f"{start}); save it as UTF-8",
            code=REFUSED,
        )

    def close(self) -> None:
        """Close the file (also when not every chunk was read)."""
        close = getattr(self._lines, "close", None)
        if close is not None:
            close()
        if self._raw is not None:
            self._raw.close()

    def __enter__(self) -> CsvChunks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def done_bytes(self) -> int:
        """Bytes decoded so far."""
        return self._counted.count

    def __iter__(self) -> Iterator[list[list[str]]]:
        reader = csv.reader(self._lines)
        try:
            first = next(reader, None)
            if first is None:
                return
            self.header = first
            width = len(first)
            chunk: list[list[str]] = []
            for row in reader:
                if not row:
                    continue  # a blank line, as csv.DictReader skips it
                if len(row) != width:
                    raise CliError(
                        f"{self.path} row {reader.line_num}: {len(row)} cells, "
                        f"the header has {width}",
                        code=REFUSED,
                    )
                chunk.append(row)
                if len(chunk) >= self.rows:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk
        except csv.Error as err:
            raise CliError(
                f"{self.path} row {reader.line_num}: {err} "
                f"(cells of at most {MAX_CSV_FIELD} characters)",
                code=REFUSED,
            ) from None
