"""The one CLI convention, shared by every command (private; docs/cli.md).

- ``--format json|csv|table|jsonl`` and ``-o/--output FILE`` (``-`` is standard
  output; a file is written to a temporary file and renamed into place, and an
  output that is also an input is refused).
- ``-`` for standard input wherever a file is read.
- ``--column NEW=OLD`` (repeatable): read CSV column ``OLD`` as ``NEW``.
- ``--calendar jalali``: dates read and written in the Jalali calendar
  (through :mod:`crmcore.calendars`); Persian and Arabic-Indic digits are
  accepted wherever a number or a date is read, whatever the calendar.
- Datetimes are written as plain ISO 8601 with an offset; a zone name that
  serialization keeps as an RFC 9557 suffix (``...+03:30[Asia/Tehran]``) moves
  to a separate field ``<name>_zone``.
"""

from __future__ import annotations

import argparse
import codecs
import csv
import enum
import heapq
import io
import json
import re
import struct
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from crmcore.cli import _common
from crmcore.cli._common import CliError

FORMATS = ("json", "csv", "table", "jsonl")
"""Every output format of the convention (``jsonl``: one JSON object per row)."""

CALENDARS = ("gregorian", "jalali")
"""The calendars dates are read and written in (``--calendar``)."""

GREGORIAN_FROM = 1700
"""Under ``--calendar jalali``, a date of this year or later is read as Gregorian
(Jalali years in use are 13xx and 14xx), so ISO dates keep working."""

JALALI_YEARS = (1200, 1599)
"""Without ``--calendar jalali``, dates in these years are refused as Jalali dates."""

_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬", "01234567890123456789.,")
_FOREIGN = frozenset("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩٫٬")
_NUMBER = re.compile(r"[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?")
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?P<rest>([T ]\d.*)?)")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_MOMENT = re.compile(r"(?P<day>\d{4}-\d{2}-\d{2})(?P<rest>T\d{2}:\d{2}[^\[\]]*)")
_EXPONENT = re.compile(r"[-+]?\d+(\.\d+)?[eE][-+]?\d+")
_ZONED = re.compile(r"(?P<stamp>\d{4}-\d{2}-\d{2}T[^\[\]]+)\[(?P<zone>[^\[\]]+)\]")


class _State:
    """The convention options of the command being run (set by :func:`setup`)."""

    __slots__ = ("columns", "jalali", "matched")

    def __init__(self) -> None:
        self.columns: dict[str, str] = {}
        self.matched: set[str] = set()
        self.jalali = False


_STATE = _State()


# -- options ----------------------------------------------------------------------------------


def add_io(
    parser: argparse.ArgumentParser,
    *,
    example: str,
    formats: Sequence[str] = FORMATS,
    default: str = "json",
    calendar: bool = True,
    suppress: bool = False,
) -> None:
    """Add ``--format``, ``-o/--output``, ``--column`` and ``--calendar`` and an example.

    ``calendar=False`` when the parser already has its own ``--calendar``
    (``sales``: the same choices) or when dates play no part. ``suppress``:
    no defaults (a second parser whose values are merged over a first one's).
    """
    none = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--format", choices=list(formats), default=none, help=f"output format (default {default})"
    )
    parser.add_argument(
        "-o",
        "--output",
        default=argparse.SUPPRESS if suppress else "-",
        help="write here instead of standard output ('-'); a file is replaced only on success",
    )
    parser.add_argument(
        "--column",
        action="append",
        default=argparse.SUPPRESS if suppress else [],
        metavar="NEW=OLD",
        help="read the CSV column OLD as NEW (repeatable), e.g. --column start=opened_at",
    )
    if calendar:
        parser.add_argument(
            "--calendar",
            choices=CALENDARS,
            default=argparse.SUPPRESS if suppress else "gregorian",
            help="calendar of the dates read and written (jalali: 1404-01-05, Persian digits ok)",
        )
    if not suppress:
        parser.set_defaults(io_default=default)
    parser.epilog = f"example:\n  {example}"
    parser.formatter_class = argparse.RawDescriptionHelpFormatter


def setup(args: argparse.Namespace) -> None:
    """Read the convention options of ``args`` before the handler runs."""
    _STATE.columns = {}
    _STATE.matched = set()
    for item in getattr(args, "column", None) or []:
        new, sep, old = str(item).partition("=")
        if not sep or not new.strip() or not old.strip():
            raise CliError(f"--column: expected NEW=OLD such as start=opened_at, got {item!r}")
        _STATE.columns[old.strip()] = new.strip()
    _STATE.jalali = getattr(args, "calendar", None) == "jalali"
    args.format_given = getattr(args, "format", None)
    if hasattr(args, "io_default") and getattr(args, "format", None) is None:
        args.format = args.io_default
    out = getattr(args, "output", None)
    if isinstance(out, str) and out != "-":
        inputs = {
            f"--{name.replace('_', '-')}": value
            for name, value in vars(args).items()
            if name != "output"
            and isinstance(value, str)
            and value != "-"
            and Path(value).is_file()
        }
        _common.check_output(out, "-o", inputs)


def work_calendar_path(args: argparse.Namespace) -> str | None:
    """``--work-calendar FILE``, or a file given to ``--calendar`` (the older spelling);
    ``--calendar`` must otherwise be ``gregorian`` or ``jalali``."""
    given = getattr(args, "calendar", None)
    if given in (None, *CALENDARS):
        return getattr(args, "work_calendar", None)
    if given == "-" or Path(given).is_file():
        return str(given)
    raise CliError(
        f"--calendar {given}: expected gregorian or jalali (a business calendar file is "
        "--work-calendar FILE)"
    )


def is_jalali() -> bool:
    """Whether ``--calendar jalali`` was given."""
    return _STATE.jalali


# -- reading ----------------------------------------------------------------------------------


def _jalali_day(text: str) -> date:
    from crmcore.calendars import parse_jalali  # noqa: PLC0415  (engines load on demand)

    return parse_jalali(text)


def normalize(text: str) -> str:
    """A cell as read: digits of any script made ASCII in numbers and dates, and a
    Jalali date made Gregorian under ``--calendar jalali``; other text unchanged.

    >>> normalize("۱۲٫۵"), normalize("۱٬۲۰۰"), normalize("شعبه ۳")
    ('12.5', '1200', 'شعبه ۳')
    """
    foreign = not text.isascii() and any(ch in _FOREIGN for ch in text)
    if not foreign and not _STATE.jalali:
        _refuse_jalali_year(text)
        return text
    plain = text.strip().translate(_DIGITS)
    if _NUMBER.fullmatch(plain):
        return plain.replace(",", "") if foreign else text
    match = _DATE.fullmatch(plain)
    if match is None:
        return text
    if not _STATE.jalali:
        _refuse_jalali_year(plain)
        return plain
    if int(match[1]) >= GREGORIAN_FROM:
        return plain  # a year of 1700 or later is Gregorian even under --calendar jalali
    day = _jalali_day(plain[: match.start("rest")])
    return day.isoformat() + match["rest"].replace(" ", "T", 1)


def _refuse_jalali_year(text: str) -> None:
    """Without ``--calendar jalali``, a date in the years 1200-1599 is refused: it is a
    Jalali date that would silently be read as a Gregorian one (1404-01-05 as 1404 AD)."""
    if text[:4].isdigit() and text[4:5] in ("-", "/", ".") and _DATE.fullmatch(text.strip()):
        year = int(text[:4])
        if JALALI_YEARS[0] <= year <= JALALI_YEARS[1]:
            raise CliError(
                f"{text!r} looks like a Jalali date (year {year}); add --calendar jalali "
                "to read it as one",
                code=1,
            )


def _normalized(value: Any) -> Any:
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        # a "*_jalali" field is a Jalali display copy (what `sla evaluate` writes): kept as is
        return {k: v if str(k).endswith("_jalali") else _normalized(v) for k, v in value.items()}
    return value


def read_csv(path: str) -> list[dict[str, str]]:
    """CSV rows with ``--column`` applied and every cell :func:`normalize`-d."""
    rows = _common.read_csv(path)
    mapping = _STATE.columns
    if rows:
        _STATE.matched.update(mapping.keys() & rows[0].keys())
    return [
        {mapping.get(key, key): normalize(cell) if cell else cell for key, cell in row.items()}
        for row in rows
    ]


def read_records(path: str) -> tuple[str, Any]:
    """``("csv", rows)`` or ``("json", data)``: a ``.csv`` file is CSV, another file
    JSON; standard input (``-``) is JSON when it starts with ``[`` or ``{``, else CSV."""
    if path != "-":
        return ("csv", read_csv(path)) if path.endswith(".csv") else ("json", read_json(path))
    text = _common.read_text(path)
    if text.lstrip("\ufeff \t\r\n")[:1] in ("[", "{"):
        return "json", _normalized(_common.parse_json(text, path))
    with tempfile.TemporaryDirectory(prefix="crmcore-stdin-") as folder:
        copy = Path(folder) / "stdin.csv"
        copy.write_text(text, encoding="utf-8")
        rows = read_csv(str(copy))
    return "csv", rows


def read_json(path: str) -> Any:
    """A JSON file (or ``-``) with every string value :func:`normalize`-d."""
    return _normalized(_common.read_json(path))


def read_text(path: str) -> str:
    """A UTF-8 text file, or standard input for ``-``."""
    return _common.read_text(path)


def day(text: str | None, flag: str) -> date | None:
    """The date given to ``flag`` (Jalali under ``--calendar jalali``, any digits)."""
    if text is None:
        return None
    value = normalize(text).strip()
    try:
        return date.fromisoformat(value)
    except ValueError:
        pass
    calendar = "Jalali " if _STATE.jalali else ""
    raise CliError(f"{flag}: got {text!r}; expected a {calendar}date YYYY-MM-DD", code=1)


def moment(text: str, flag: str) -> datetime:
    """The aware datetime given to ``flag`` (ISO 8601 with an offset; a ``[Zone]``
    suffix accepted; Jalali under ``--calendar jalali``; any digits)."""
    from crmcore.errors import ValidationError  # noqa: PLC0415
    from crmcore.serialization import from_dict  # noqa: PLC0415  (engines load on demand)

    try:
        result: datetime = from_dict(normalize(text).strip(), datetime)
    except ValidationError as err:
        raise CliError(f"{flag}: got {text!r}; expected {expected(err)}", code=1) from None
    return result


def expected(err: Any, fallback: str = "ISO 8601 with an offset") -> str:
    """What a converter refusal expected: its own words, or those of its single bad field."""
    found = err.expected or next((e.expected for e in err.errors if e.expected), None)
    return str(found or fallback)


def _ascii(text: str) -> str:
    """A number typed in any digit script, in ASCII (``"۱٬۲۰۰"`` → ``"1200"``)."""
    plain = text.strip().translate(_DIGITS)
    return plain.replace(",", "") if _NUMBER.fullmatch(plain) else plain


def number(text: str) -> float:
    """An argparse ``type``: a number, digits of any script (names the flag on error).

    ``nan`` and ``inf`` pass, for the engine to refuse with its own words.
    """
    try:
        return float(_ascii(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None


def integer(text: str) -> int:
    """An argparse ``type``: an integer, digits of any script (names the flag on error)."""
    try:
        return int(_ascii(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def decimal_text(text: str) -> str:
    """An argparse ``type``: a decimal number kept as text, digits of any script."""
    value = _ascii(text)
    try:
        Decimal(value)
    except ArithmeticError:
        raise argparse.ArgumentTypeError(f"expected a decimal number, got {text!r}") from None
    return value


# -- writing ----------------------------------------------------------------------------------


def _day_text(value: date) -> str:
    if not _STATE.jalali:
        return value.isoformat()
    from crmcore.calendars import format_jalali  # noqa: PLC0415  (engines load on demand)

    return format_jalali(value)


def _text(value: str) -> str:
    if not _STATE.jalali or (value[:4].isdigit() and int(value[:4]) < GREGORIAN_FROM):
        return value  # already Jalali (a *_jalali field), or not a date at all
    if _ISO_DATE.fullmatch(value):
        return _day_text(date.fromisoformat(value))
    match = _ISO_MOMENT.fullmatch(value)
    if match is not None:
        return _day_text(date.fromisoformat(match["day"])) + match["rest"]
    return value


def plain(value: Any) -> Any:
    """``value`` as JSON-able data: datetimes plain ISO 8601 with an offset (a
    ``[Zone]`` suffix split into a ``<key>_zone`` field), dates ISO (Jalali
    under ``--calendar jalali``), Decimal as text and never with an exponent
    (``"1E+3"`` is written ``"1000"``), enums by value, durations in seconds.

    >>> plain({"breach_at": "2026-05-05T09:00:00+03:30[Asia/Tehran]"})
    {'breach_at': '2026-05-05T09:00:00+03:30', 'breach_at_zone': 'Asia/Tehran'}
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            zoned = _ZONED.fullmatch(item) if isinstance(item, str) else None
            if zoned is not None:
                out[str(key)] = _text(zoned["stamp"])
                out.setdefault(f"{key}_zone", zoned["zone"])
            else:
                out[str(key)] = plain(item)
        return out
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str):
        if _EXPONENT.fullmatch(value):  # a Decimal serialized as "1E+3": written 1000
            return f"{Decimal(value):f}"
        zoned = _ZONED.fullmatch(value)
        return _text(zoned["stamp"] if zoned else value)
    if isinstance(value, datetime):
        return _text(value.isoformat())
    if isinstance(value, date):
        return _day_text(value)
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | float):
        return value
    if isinstance(value, Decimal):
        return f"{value:f}" if value.is_finite() else str(value)
    if isinstance(value, enum.Enum):
        return plain(value.value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    amount, currency = getattr(value, "amount", None), getattr(value, "currency", None)
    if isinstance(amount, Decimal) and isinstance(currency, str):
        return {"amount": _scalar(amount), "currency": currency}
    return str(value)


def flat(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested row as one level: ``{"a": {"b": 1}}`` → ``{"a.b": 1}``; lists joined by ``; ``."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flat(value, f"{name}."))
        elif isinstance(value, list):
            out[name] = "; ".join(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v)
                for v in value
            )
        else:
            out[name] = value
    return out


_GLUE = "\x1f"
"""Joins a row's cells for the row-wide checks below (a cell holding it only costs speed)."""
_YEARISH = re.compile(r"(?:^|\x1f)\d{4}[-/.]")
"""Where a cell may start with a date (the only ASCII cells :func:`normalize` looks at)."""
_EXPONENT_HINT = re.compile(r"\d[eE][-+]?\d")
"""Where a cell may be a number with an exponent (what :func:`plain` rewrites)."""


def normalize_row(cells: list[str]) -> list[str]:
    """:func:`normalize` on every non-empty cell; a row of ASCII cells none of which
    starts with a date is checked once, as a whole."""
    if not _STATE.jalali:
        joined = _GLUE.join(cells)
        if joined.isascii() and not _YEARISH.search(joined):
            return cells
    return [normalize(c) if c else c for c in cells]


def flat_text_row(row: Mapping[str, Any]) -> Mapping[str, Any]:
    """``flat(plain(row))``, quickly for the common row: text cells without a
    ``[Zone]`` suffix, not under ``--calendar jalali`` (then only a Decimal
    written with an exponent changes; a row without one is returned as is)."""
    if _STATE.jalali:
        return flat(plain(row))
    try:
        joined = _GLUE.join(row.values())
    except TypeError:  # a cell that is not text
        return flat(plain(row))
    if "[" not in joined and not _EXPONENT_HINT.search(joined):
        return row
    out: dict[str, Any] = {}
    for key, value in row.items():
        if type(value) is not str or "[" in value:
            return flat(plain(row))
        if ("e" in value or "E" in value) and _EXPONENT.fullmatch(value):
            value = f"{Decimal(value):f}"  # noqa: PLW2901 - as plain() writes it
        out[str(key)] = value
    return out


def _columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    return list(names)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _write_rows(fmt: str, rows: list[dict[str, Any]], out: IO[str]) -> None:
    if fmt == "jsonl":
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    names = _columns(rows)
    if fmt == "csv":
        _common.write_csv(({n: row.get(n) for n in names} for row in rows), names, out)
    elif rows:
        out.write(_table([[_cell(row.get(n)) for n in names] for row in rows], names) + "\n")


def _table(cells: list[list[str]], names: list[str]) -> str:
    """A text table aligned by display width (Persian with ZWNJ, wide characters) when
    ``wcwidth`` is installed (the ``report`` extra), else by ``len``; numbers right-aligned."""
    try:
        import wcwidth  # noqa: F401, PLC0415  (optional: the report extra)
    except ModuleNotFoundError:
        return _common.table(cells, names)
    from crmcore.report import text_table  # noqa: PLC0415  (loaded for tables only)

    numeric = [
        all(not row[i] or _NUMBER.fullmatch(row[i].lstrip("-")) for row in cells)
        and any(row[i] for row in cells)
        for i in range(len(names))
    ]
    return text_table(cells, names, numeric=numeric)


def emit(
    args: argparse.Namespace,
    document: Any,
    rows: Sequence[Mapping[str, Any]] | None = None,
    *,
    text: Callable[[], str] | None = None,
) -> int:
    """Write a command's result in ``args.format`` to ``args.output``; returns 0.

    ``document`` is what ``json`` writes; ``rows`` what ``csv``, ``jsonl`` and
    ``table`` write (default: ``document`` itself when it is a list, else the
    one row ``document``); ``text`` a command's own rendering for ``table``.
    """
    unused = [f"{new}={old}" for old, new in _STATE.columns.items() if old not in _STATE.matched]
    if unused:
        raise CliError(
            f"--column {unused[0]}: no CSV row read has a column {unused[0].split('=', 1)[1]!r}"
        )
    fmt = getattr(args, "format", None) or "json"
    with _common.output(getattr(args, "output", None), newline="") as out:
        if fmt == "json":
            json.dump(plain(document), out, ensure_ascii=False, indent=2)
            out.write("\n")
        elif fmt == "table" and text is not None:
            out.write(text() + "\n")
        else:
            if rows is None:
                rows = document if isinstance(document, list) else [document]
            _write_rows(fmt, [flat(plain(row)) for row in rows], out)
    return 0


# -- streaming --------------------------------------------------------------------------------


class CsvTable:
    """A CSV file read chunk by chunk with ``--column`` applied and every cell
    :func:`normalize`-d: what :func:`read_csv` gives, a chunk of rows at a time.

    :attr:`names` are the columns a row has (renamed; a repeated name keeps its
    first place and its last cell, as :func:`read_csv`'s dicts); each chunk is
    a list of rows, each row a list of cells in the order of :attr:`names`.
    """

    def __init__(self, path: str, *, rows: int | None = None) -> None:
        self.source = _common.CsvChunks(path, rows=rows)
        self.names: list[str] = []
        self._take: list[int] = []

    @property
    def size(self) -> int | None:
        """The file's size in bytes (None for standard input)."""
        return self.source.size

    def done_bytes(self) -> int:
        """Bytes read so far."""
        return self.source.done_bytes()

    def __enter__(self) -> CsvTable:
        return self

    def __exit__(self, *exc: object) -> None:
        self.source.close()

    def _header(self, header: list[str]) -> None:
        mapping = _STATE.columns
        last = {name: index for index, name in enumerate(header)}  # dict(zip(...)) keeps the last
        renamed: dict[str, int] = {}
        for name, index in last.items():
            renamed[mapping.get(name, name)] = index
        self.names = list(renamed)
        self._take = list(renamed.values())
        _STATE.matched.update(mapping.keys() & last.keys())

    def __iter__(self) -> Iterator[list[list[str]]]:
        first = True
        for chunk in self.source:
            if first:
                assert self.source.header is not None  # noqa: S101 - a chunk follows a header
                self._header(self.source.header)
                first = False
            take = self._take
            yield [normalize_row(list(map(row.__getitem__, take))) for row in chunk]


RUN_ROWS = 100_000
"""Rows sorted in memory at a time when ranking (each sorted run goes to a file)."""

_RECORD = struct.Struct("<III")


def _first(item: tuple[Any, bytes]) -> Any:
    return item[0]


class Runs:
    """An external merge sort of (key, entry) pairs: sorted runs of :data:`RUN_ROWS`
    (or ``rows``) spooled to temporary files, merged in key order (equal keys keep
    their order). Use it in a ``with`` block, or :meth:`close` it: the runs are removed.

    A key is ``(value, text)``: ``value`` written as ``str`` and read back with
    ``number`` (a Decimal for ``(-score, lead id)`` when ranking; an int for a
    record's place in its file), ``text`` a str; an entry is bytes.
    """

    def __init__(
        self,
        folder: str | None,
        *,
        number: Callable[[str], Any] = Decimal,
        rows: int | None = None,
    ) -> None:
        self.folder = folder
        self.number = number
        self.rows = rows
        self.files: list[IO[bytes]] = []
        self.pending: list[tuple[Any, bytes]] = []
        self.count = 0
        """Entries added."""

    def __enter__(self) -> Runs:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, keys: Sequence[Any], entries: Sequence[bytes]) -> None:
        self.pending.extend(zip(keys, entries, strict=True))
        self.count += len(entries)
        if len(self.pending) >= (self.rows or RUN_ROWS):
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        self.pending.sort(key=_first)  # stable: equal keys keep the input's order
        run = tempfile.TemporaryFile(dir=self.folder, prefix=".crmcore-rank-")  # noqa: SIM115
        self.files.append(run)
        for (value, text), entry in self.pending:
            number, name = str(value).encode(), text.encode()
            run.write(_RECORD.pack(len(number), len(name), len(entry)) + number + name + entry)
        self.pending = []

    def _records(self, run: IO[bytes]) -> Iterator[tuple[Any, bytes]]:
        run.seek(0)
        number = self.number
        while head := run.read(_RECORD.size):
            a, b, c = _RECORD.unpack(head)
            data = run.read(a + b + c)
            yield (number(data[:a].decode()), data[a : a + b].decode()), data[a + b :]

    def items(self) -> Iterator[tuple[Any, bytes]]:
        """Every (key, entry), in key order (equal keys: in the order added)."""
        self.flush()
        runs = [self._records(run) for run in self.files]
        return heapq.merge(*runs, key=_first)

    def merged(self) -> Iterator[bytes]:
        """Every entry, in key order."""
        return (entry for _, entry in self.items())

    def close(self) -> None:
        for run in self.files:
            run.close()


class RowSink:
    """Writes a command's rows chunk by chunk in ``args.format`` to ``args.output``,
    byte for byte what :func:`emit` writes for all the rows at once.

    Use it in a ``with`` block (the spools are removed at its end). Rows go to
    a temporary spool file first; :meth:`finish` writes the result into place
    through :func:`crmcore.cli._common.output` (a file is replaced only on
    success, standard output gets nothing on error). ``table`` needs every
    row's width and holds the rows in memory. With ``rank``, rows are sorted
    by their keys a run of :data:`RUN_ROWS` at a time, each run spooled, and
    the runs merged at the end: memory stays bounded there too.
    """

    def __init__(self, args: argparse.Namespace, *, rank: bool = False) -> None:
        self.format = getattr(args, "format", None) or "json"
        self.path = getattr(args, "output", None)
        self.rank = rank
        self.names: dict[str, None] = {}
        self.first_names = 0  # how many names the rows spooled so far were written with
        self.held: list[dict[str, Any]] = []
        self.keys: list[Any] = []  # the held rows' keys (table)
        folder = None
        if self.path not in (None, "-"):
            folder = str(Path(str(self.path)).resolve().parent)
        self.spool = tempfile.TemporaryFile(dir=folder, prefix=".crmcore-")  # noqa: SIM115
        self.runs = Runs(folder)
        self.count = 0

    def __enter__(self) -> RowSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.spool.close()
        self.runs.close()

    def write(self, rows: Sequence[Mapping[str, Any]], keys: Sequence[Any] | None = None) -> None:
        """Add rows (in order); ``keys``: their sort keys when ranking."""
        if self.format == "table":
            self.held.extend(dict(flat_text_row(row)) for row in rows)
            self.keys.extend(keys or ())
            return
        entries = self._entries(rows)
        if self.rank:
            self.runs.add(keys or (), entries)
        else:
            self.spool.write(b"".join(entries))
        self.count += len(rows)

    def _entries(self, rows: Sequence[Mapping[str, Any]]) -> list[bytes]:
        """The rows as written, one entry per row when ranking (else one for all)."""
        if self.format == "json":
            return [
                (
                    json.dumps(plain(row), ensure_ascii=False, indent=2).replace("\n", "\n  ")
                    + _SEPARATOR
                ).encode()
                for row in rows
            ]
        flats = [flat_text_row(row) for row in rows]
        if self.format == "jsonl":
            lines = [json.dumps(row, ensure_ascii=False) + "\n" for row in flats]
            return [line.encode() for line in lines] if self.rank else ["".join(lines).encode()]
        for row in flats:
            if len(row) != len(self.names) or row.keys() != self.names.keys():
                self.names.update(dict.fromkeys(row))
        if not self.count:
            self.first_names = len(self.names)
        names = list(self.names)
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        cells = [["" if (v := row.get(n)) is None else v for n in names] for row in flats]
        if not self.rank:
            writer.writerows(cells)
            return [buffer.getvalue().encode()]
        entries = []
        for values in cells:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow(values)
            entries.append(buffer.getvalue().encode())
        return entries

    def finish(self) -> int:
        """Write everything into place; returns 0."""
        unused = [f"{n}={o}" for o, n in _STATE.columns.items() if o not in _STATE.matched]
        if unused:
            raise CliError(
                f"--column {unused[0]}: no CSV row read has a column {unused[0].split('=', 1)[1]!r}"
            )
        ranked = self.runs.merged() if self.rank and self.format != "table" else None
        with _common.output(self.path, newline="") as out:
            if self.format == "table":
                held = self.held
                if self.rank:
                    order = sorted(range(len(held)), key=self.keys.__getitem__)
                    held = [held[i] for i in order]
                _write_rows("table", held, out)
            elif self.format == "json":
                self._json(out, ranked)
            else:
                if self.format == "csv":
                    _common.write_csv([], list(self.names), out)  # the header
                self._copy(out, ranked)
        return 0

    def _blocks(self) -> Iterator[str]:
        """The spool as text, in blocks of 8 KiB: one large write to a pipe whose
        reader went away (``| head``) was seen to end short without an error (exit 0,
        output cut); small writes raise ``BrokenPipeError`` as the row-by-row writer did."""
        self.spool.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        while block := self.spool.read(2**13):
            yield decoder.decode(block)
        yield decoder.decode(b"", final=True)

    def _copy(self, out: IO[str], ranked: Iterator[bytes] | None) -> None:
        """CSV rows or JSON lines, padded when later rows added CSV columns."""
        width = len(self.names)
        if self.format != "csv" or width == self.first_names:
            if ranked is None:
                out.writelines(self._blocks())
            else:
                out.writelines(entry.decode() for entry in ranked)
            return
        # a later row added a column (a "[Zone]" cell split in two): earlier rows get it empty
        writer = csv.writer(out, lineterminator="\n")
        if ranked is not None:
            for entry in ranked:
                cells = next(csv.reader(io.StringIO(entry.decode(), newline="")))
                writer.writerow(cells + [""] * (width - len(cells)))
            return
        self.spool.seek(0)
        text = io.TextIOWrapper(self.spool, encoding="utf-8", newline="")
        try:
            for cells in csv.reader(text):
                writer.writerow(cells + [""] * (width - len(cells)))
        finally:
            text.detach()  # the spool is closed by the sink

    def _json(self, out: IO[str], ranked: Iterator[bytes] | None) -> None:
        """A JSON array, as ``json.dump(rows, indent=2)`` writes it."""
        if not self.count:
            out.write("[]\n")
            return
        out.write("[\n  ")
        if ranked is None:
            # every item was spooled with the separator after it: all but the last's are written
            held = ""
            for block in self._blocks():
                held += block
                out.write(held[: -len(_SEPARATOR)])
                held = held[-len(_SEPARATOR) :]
        else:
            for index, entry in enumerate(ranked):
                out.write((_SEPARATOR if index else "") + entry.decode()[: -len(_SEPARATOR)])
        out.write("\n]\n")


_SEPARATOR = ",\n  "
